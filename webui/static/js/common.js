// Dozor: helpers shared by the pages (no framework, no build step; CSP allows only files from /static).
"use strict";
window.Dozor = (function () {
  // Times are shown in the appliance's zone (<html data-zone>, the zone the server writes its own times
  // in), so a page and its video agree even when the browser is set to another zone; the browser's
  // zone only when the appliance's is unknown.
  const zone = document.documentElement.dataset.zone || undefined;
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit",
  });
  function fields(d) {
    const out = {};
    parts.formatToParts(d).forEach(function (p) { out[p.type] = p.value; });
    return out;
  }
  // "2026-03-01 14:03:05" in the appliance's local time
  function localTime(iso, withDate) {
    const d = new Date(iso);
    if (isNaN(d)) return "—";
    const f = fields(d);
    const time = f.hour + ":" + f.minute + ":" + f.second;
    if (withDate === false) return time;
    return f.year + "-" + f.month + "-" + f.day + " " + time;
  }
  // milliseconds the appliance's zone is ahead of UTC at the moment `ms`
  function zoneOffset(ms) {
    const f = fields(new Date(ms));
    return Date.UTC(+f.year, +f.month - 1, +f.day, +f.hour, +f.minute, +f.second) - Math.floor(ms / 1000) * 1000;
  }
  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }
  // a date-time field's value ("2026-12-01 14:30[:05]", the appliance's local time, a "T" allowed) as
  // ISO-8601 UTC, or "" if empty or not in that format
  function localInputToUtc(value) {
    const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/.exec((value || "").trim());
    if (!m) return "";
    const asUtc = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0));
    if (isNaN(asUtc)) return "";
    let ms = asUtc - zoneOffset(asUtc);
    ms = asUtc - zoneOffset(ms);  // the offset at the moment itself (a change of summer time between)
    return new Date(ms).toISOString();
  }
  function debounce(fn, ms) {
    let timer = null;
    return function () {
      const args = arguments;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(null, args); }, ms);
    };
  }
  // "12 s ago" / "3 min ago" / "2 h ago" in the page's language, from data-age-s/-min/-h on `texts`
  function ageText(seconds, texts) {
    const s = Math.max(0, Math.floor(seconds));
    if (s < 60) return texts.dataset.ageS.replace("{n}", s);
    if (s < 3600) return texts.dataset.ageMin.replace("{n}", Math.floor(s / 60));
    return texts.dataset.ageH.replace("{n}", Math.floor(s / 3600));
  }
  // "Offline since 2026-12-01 14:03:05 · the camera closed the connection": one wording for the tile
  // and the full-frame view, from /api/live/status and the texts in data-offline/-recorder-down
  function outageText(info, texts) {
    if (info.recorder_down) return texts.dataset.recorderDown;
    let text = texts.dataset.offline.replace("{time}", info.since ? localTime(info.since) : "?");
    if (info.reason_text) text += " · " + info.reason_text;
    return text;
  }
  return {
    outageText: outageText, localTime: localTime, csrfToken: csrfToken, localInputToUtc: localInputToUtc, debounce: debounce,
    ageText: ageText,
  };
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
