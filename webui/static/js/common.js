// Dozor: helpers shared by the pages (no framework, no build step; CSP allows only files from /static).
"use strict";
window.Dozor = (function () {
  function pad(n) { return String(n).padStart(2, "0"); }
  // "2026-03-01 14:03:05" in the browser's (the appliance's) local time
  function localTime(iso, withDate) {
    const d = new Date(iso);
    if (isNaN(d)) return "—";
    const time = pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
    if (withDate === false) return time;
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " + time;
  }
  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }
  // a datetime-local value (local time, no zone) as ISO-8601 UTC, or "" if empty
  function localInputToUtc(value) {
    if (!value) return "";
    const d = new Date(value);
    return isNaN(d) ? "" : d.toISOString();
  }
  function debounce(fn, ms) {
    let timer = null;
    return function () {
      const args = arguments;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(null, args); }, ms);
    };
  }
  return { localTime: localTime, csrfToken: csrfToken, localInputToUtc: localInputToUtc, debounce: debounce };
})();
document.querySelectorAll("time[data-utc]").forEach(function (el) {
  el.textContent = Dozor.localTime(el.dataset.utc, el.dataset.date !== "no");
});
// timelines: positions come in data attributes (inline style attributes are blocked by the CSP)
document.querySelectorAll("[data-left]").forEach(function (el) {
  el.style.left = el.dataset.left + "%";
  if (el.dataset.width && Number(el.dataset.width) > 0) el.style.width = el.dataset.width + "%";
});
document.querySelectorAll("[data-width-bar]").forEach(function (el) { el.style.width = el.dataset.widthBar + "%"; });
