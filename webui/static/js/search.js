// Police search: results appear as the officer types (3 characters or more, `?` and `*` wildcards),
// one row per plate (its passes, cameras, directions of travel, last seen), exact matches before similar ones; a row opens to
// its passes. The same query is asked again every few seconds so that new passes appear; those requests
// say refresh=1 and add no audit entry. Text goes in with textContent only (plate text is untrusted).
"use strict";
(function () {
  const REFRESH_MS = 5000;
  const form = document.getElementById("search-form");
  const input = document.getElementById("q");
  const status = document.getElementById("search-status");
  const table = document.getElementById("results");
  const body = table.querySelector("tbody");
  const groupTemplate = document.getElementById("group-template");
  const rowTemplate = document.getElementById("row-template");
  const labels = document.getElementById("labels").dataset;
  const opened = new Set();  // plates whose passes are shown, kept across refreshes
  let controller = null;
  let asked = "";  // the query and filters of the results shown
  let shown = "";
  let known = null;  // sighting ids shown before, to mark the ones that arrive later

  function usable(text) {
    return text.replace(/[\s\-._/\\|*?]+/g, "").length;
  }

  function say(key, values) {
    let text = status.dataset[key];
    Object.keys(values || {}).forEach(function (name) { text = text.replace("{" + name + "}", values[name]); });
    status.textContent = text;
  }

  function fill(row, item, plate) {
    const img = row.querySelector("img");
    if (item.crop_url) { img.src = item.crop_url; img.alt = plate; } else { img.remove(); }
    const link = row.querySelector("a.plate");
    link.textContent = plate;
    link.href = item.url;
    const badge = row.querySelector(".match");
    badge.textContent = labels[item.match] || item.match;
    badge.title = labels[item.match + "Title"] || "";
    badge.classList.add(item.match);
  }

  // "Video on village-a, not reachable now": a result whose node the hub cannot reach (search itself
  // answers from the shared index).
  function note(cell, notes) {
    notes.forEach(function (text) {
      const span = document.createElement("span");
      span.className = "video-note";
      span.textContent = text;
      cell.append(" ", span);
    });
  }

  function passRows(group, fresh) {
    return group.items.map(function (item) {
      const row = rowTemplate.content.firstElementChild.cloneNode(true);
      fill(row, item, group.plate);
      row.dataset.plate = group.plate;
      row.querySelector(".camera").textContent = item.camera_title;
      note(row.querySelector(".camera"), item.video_note ? [item.video_note] : []);
      row.querySelector(".direction").textContent = item.direction_label;
      row.dataset.direction = item.direction;
      row.querySelector(".time").textContent = Dozor.localTime(item.first_seen);
      row.querySelector(".confidence").textContent = Math.round(item.confidence * 100) + " %";
      if (fresh.has(item.id)) row.classList.add("fresh");
      row.addEventListener("click", function (event) {
        if (event.target.tagName !== "A") window.location.href = item.url;
      });
      return row;
    });
  }

  function render(groups) {
    const key = JSON.stringify(groups.map(function (g) { return [g.plate, g.passes, g.last_seen, g.match]; }))
      + [...opened].join(",");
    if (key === shown) return;  // same results: leave the rows (and the mouse) alone
    shown = key;
    const ids = new Set();
    groups.forEach(function (g) { g.items.forEach(function (item) { ids.add(item.id); }); });
    const fresh = new Set(known ? [...ids].filter(function (id) { return !known.has(id); }) : []);
    known = ids;
    body.replaceChildren();
    groups.forEach(function (group) {
      const row = groupTemplate.content.firstElementChild.cloneNode(true);
      fill(row, group, group.plate);
      row.dataset.plate = group.plate;
      row.querySelector(".cameras").textContent = group.cameras.join(", ");
      note(row.querySelector(".cameras"), group.video_notes || []);
      row.querySelector(".directions").textContent = group.directions.join(", ");
      row.querySelector(".time").textContent = Dozor.localTime(group.last_seen);
      const toggle = row.querySelector("button.passes");
      toggle.textContent = (opened.has(group.plate) ? "▾ " : "▸ ") + group.passes;
      toggle.title = labels.open;
      toggle.setAttribute("aria-expanded", opened.has(group.plate) ? "true" : "false");
      toggle.addEventListener("click", function () {
        if (opened.has(group.plate)) opened.delete(group.plate); else opened.add(group.plate);
        render(groups);
      });
      if (group.items.some(function (item) { return fresh.has(item.id); })) row.classList.add("fresh");
      body.appendChild(row);
      if (opened.has(group.plate)) passRows(group, fresh).forEach(function (r) { body.appendChild(r); });
    });
    table.hidden = groups.length === 0;
  }

  function params() {
    const q = input.value.trim();
    const out = new URLSearchParams({ q: q, group: "1" });
    if (form.camera.value) out.set("camera", form.camera.value);
    if (form.direction.value) out.set("direction", form.direction.value);
    const since = Dozor.localInputToUtc(form.since.value);
    const until = Dozor.localInputToUtc(form.until.value);
    if (since) out.set("since", since);
    if (until) out.set("until", until);
    if (form.exact.checked) out.set("exact", "1");
    return out;
  }

  function run(refresh) {
    const q = input.value.trim();
    if (usable(q) < 3) {
      if (controller) controller.abort();
      asked = ""; known = null; render([]); say("hint"); return;
    }
    const query = params();
    const same = query.toString() === asked;
    if (refresh && !same) return;  // a refresh only ever repeats the query on screen
    if (controller) controller.abort();
    if (!same) { known = null; say("searching"); }
    if (refresh) query.set("refresh", "1");
    controller = new AbortController();
    history.replaceState(null, "", "?q=" + encodeURIComponent(q));
    fetch("/api/search?" + query, { signal: controller.signal, credentials: "same-origin",
                                     headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (response.status === 401) { window.location.href = "/login?next=/search"; return null; }
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      })
      .then(function (result) {
        if (!result) return;
        query.delete("refresh");
        asked = query.toString();
        if (!result.ok) { render([]); status.textContent = result.data.error || status.dataset.failed; return; }
        render(result.data.groups);
        if (result.data.count === 0) say("none");
        else if (result.data.truncated) say("more", { n: result.data.count });
        else say("count", { plates: result.data.plates, n: result.data.count });
      })
      .catch(function (error) { if (error.name !== "AbortError") say("failed"); });
  }

  const soon = Dozor.debounce(function () { run(false); }, 200);
  input.addEventListener("input", soon);
  // not the text box's own "change" (it fires when the box loses focus, i.e. when a result is clicked,
  // and re-rendering under the mouse would swallow that click)
  form.addEventListener("change", function (event) { if (event.target !== input) run(false); });
  form.addEventListener("submit", function (event) { event.preventDefault(); run(false); });
  setInterval(function () { if (!document.hidden && asked) run(true); }, REFRESH_MS);
  if (input.value) run(false);
})();
