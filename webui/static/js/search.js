// Police search: results appear as the officer types (3 characters or more), newest first,
// exact matches before similar ones. Text goes in with textContent only (plate text is untrusted).
"use strict";
(function () {
  const form = document.getElementById("search-form");
  const input = document.getElementById("q");
  const status = document.getElementById("search-status");
  const table = document.getElementById("results");
  const body = table.querySelector("tbody");
  const template = document.getElementById("row-template");
  const labels = document.getElementById("labels").dataset;
  let controller = null;

  function usable(text) {
    return text.replace(/[\s\-._/\\|]+/g, "").length;
  }

  function say(key, n) {
    status.textContent = status.dataset[key].replace("{n}", n);
  }

  let shown = "";

  function render(results) {
    const key = results.map(function (hit) { return hit.id + hit.match; }).join(",");
    if (key === shown) return;  // same results: leave the rows (and the mouse) alone
    shown = key;
    body.replaceChildren();
    results.forEach(function (hit) {
      const row = template.content.firstElementChild.cloneNode(true);
      const img = row.querySelector("img");
      if (hit.crop_url) { img.src = hit.crop_url; img.alt = hit.plate; } else { img.remove(); }
      const link = row.querySelector("a.plate");
      link.textContent = hit.plate;
      link.href = hit.url;
      row.querySelector(".camera").textContent = hit.camera_title;
      row.querySelector(".time").textContent = Dozor.localTime(hit.first_seen);
      row.querySelector(".confidence").textContent = Math.round(hit.confidence * 100) + " %";
      const badge = row.querySelector(".match");
      badge.textContent = labels[hit.match] || hit.match;
      badge.title = labels[hit.match + "Title"] || "";
      badge.classList.add(hit.match);
      row.addEventListener("click", function (event) {
        if (event.target.tagName !== "A") window.location.href = hit.url;
      });
      body.appendChild(row);
    });
    table.hidden = results.length === 0;
  }

  function run() {
    const q = input.value.trim();
    if (controller) controller.abort();
    if (usable(q) < 3) { render([]); say("hint"); return; }
    const params = new URLSearchParams({ q: q });
    if (form.camera.value) params.set("camera", form.camera.value);
    const since = Dozor.localInputToUtc(form.since.value);
    const until = Dozor.localInputToUtc(form.until.value);
    if (since) params.set("since", since);
    if (until) params.set("until", until);
    if (form.exact.checked) params.set("exact", "1");
    controller = new AbortController();
    say("searching");
    history.replaceState(null, "", "?q=" + encodeURIComponent(q));
    fetch("/api/search?" + params, { signal: controller.signal, credentials: "same-origin",
                                      headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (response.status === 401) { window.location.href = "/login?next=/search"; return null; }
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      })
      .then(function (result) {
        if (!result) return;
        if (!result.ok) { render([]); status.textContent = result.data.error || status.dataset.failed; return; }
        render(result.data.results);
        if (result.data.count === 0) say("none"); else say("count", result.data.count);
      })
      .catch(function (error) { if (error.name !== "AbortError") say("failed"); });
  }

  const soon = Dozor.debounce(run, 200);
  input.addEventListener("input", soon);
  // not the text box's own "change" (it fires when the box loses focus, i.e. when a result is clicked,
  // and re-rendering under the mouse would swallow that click)
  form.addEventListener("change", function (event) { if (event.target !== input) run(); });
  form.addEventListener("submit", function (event) { event.preventDefault(); run(); });
  if (input.value) run();
})();
