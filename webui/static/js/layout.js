// On every page: the compact menu on a phone (the menu button opens and closes the navigation), a
// language switch that keeps the page's query and filters, and
// tables that turn into cards on a narrow screen, each cell labelled with its column's heading (also
// for rows a page adds later, such as search results arriving while the officer watches).
"use strict";
(function () {
  const toggle = document.querySelector(".menu-toggle");
  if (toggle) {
    toggle.addEventListener("click", function () {
      const open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      document.getElementById("topmenu").classList.toggle("open", open);
    });
  }

  // The language switch keeps what the page shows: it returns to the address as it is now (pages such
  // as search put the query into it as it is typed) and puts back every field of the page as it was
  // (filters that are not in the address), telling the page as if the user had changed them.
  const KEPT = "dozor.keptFields";
  const langswitch = document.querySelector(".langswitch");
  if (langswitch) {
    langswitch.addEventListener("submit", function () {
      langswitch.querySelector("input[name=next]").value = location.pathname + location.search;
      const fields = {};
      document.querySelectorAll("main input[id], main select[id]").forEach(function (field) {
        if (field.type === "password" || field.type === "hidden" || field.type === "file") return;
        fields[field.id] = field.type === "checkbox" ? field.checked : field.value;
      });
      sessionStorage.setItem(KEPT, JSON.stringify({ path: location.pathname, fields: fields }));
    });
  }
  function restoreFields() {
    let kept = null;
    try { kept = JSON.parse(sessionStorage.getItem(KEPT)); } catch (e) { kept = null; }
    sessionStorage.removeItem(KEPT);
    if (!kept || kept.path !== location.pathname) return;
    Object.keys(kept.fields).forEach(function (id) {
      const field = document.getElementById(id);
      if (!field) return;
      const checkbox = field.type === "checkbox";
      if ((checkbox ? field.checked : field.value) === kept.fields[id]) return;
      if (checkbox) field.checked = kept.fields[id]; else field.value = kept.fields[id];
      const typed = field.tagName === "INPUT" && (field.type === "text" || field.type === "search");
      field.dispatchEvent(new Event(typed ? "input" : "change", { bubbles: true }));
    });
  }

  // One date format everywhere, 24-hour, the pickers included: a browser's own date-time picker follows
  // the browser's locale (AM/PM and month first in an English browser), so each becomes a text field in
  // the format every page shows ("2026-12-01 14:30"), read by Dozor.localInputToUtc.
  document.querySelectorAll('input[type="datetime-local"]').forEach(function (input) {
    input.type = "text";
    input.inputMode = "numeric";
    input.placeholder = input.title = document.body.dataset.dateFormat;
    input.pattern = "\\d{4}-\\d{2}-\\d{2}[ T]\\d{2}:\\d{2}(:\\d{2})?";
    input.maxLength = 19;
    input.autocomplete = "off";
    input.classList.add("datetime");
  });

  // A button with data-confirm asks before its form is sent (disabling an account, for example).
  document.addEventListener("click", function (event) {
    const button = event.target.closest("button[data-confirm]");
    if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
  });

  function label(table) {
    const headings = Array.from(table.querySelectorAll("thead th")).map(function (th) {
      return th.textContent.trim();
    });
    if (!headings.length) return;
    table.querySelectorAll("tbody tr").forEach(function (row) {
      Array.from(row.children).forEach(function (cell, n) {
        if (!cell.hasAttribute("data-label") && headings[n]) cell.setAttribute("data-label", headings[n]);
      });
    });
  }

  window.addEventListener("load", restoreFields);  // after the page's own scripts set themselves up

  function labelAll() { document.querySelectorAll("main table").forEach(label); }
  labelAll();
  new MutationObserver(function (changes) {
    if (changes.some(function (c) { return c.addedNodes.length; })) labelAll();
  }).observe(document.getElementById("main"), { childList: true, subtree: true });
})();
