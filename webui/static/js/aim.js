// The aiming page: refresh the analysed picture, the plates' figures and the verdict every second.
// Texts come translated from the server (data attributes and the JSON); plate text never does.
"use strict";
(function () {
  const root = document.getElementById("aim");
  const status = document.getElementById("aim-status");
  if (!root || !status) return;
  const picture = document.getElementById("aim-picture");
  const table = document.getElementById("aim-passes");
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_m, key) { return String(values[key]); });
  }
  function cell(row, text, numeric) {
    const td = document.createElement("td");
    td.textContent = text;
    if (numeric) td.className = "num";
    row.appendChild(td);
  }
  function show(state) {
    if (state.status === "running") status.textContent = fill(status.dataset.running, { s: state.seconds_left });
    else if (state.status === "failed") status.textContent = status.dataset.failed + " " + state.reason;
    else status.textContent = status.dataset[state.status] || state.status;
    const advice = document.getElementById("aim-advice");
    advice.replaceChildren();
    (state.advice || []).forEach(function (text) {
      const li = document.createElement("li");
      li.textContent = text;
      advice.appendChild(li);
    });
    const stream = document.getElementById("aim-stream");
    if (state.stream) {
      stream.textContent = fill(stream.dataset.template, { w: state.stream.width, h: state.stream.height,
        fps: state.stream.fps, gop: state.stream.gop_seconds, frames: state.frames });
    }
    const body = table.tBodies[0];
    body.replaceChildren();
    (state.in_view || []).concat((state.passes || []).slice().reverse()).forEach(function (p) {
      const row = document.createElement("tr");
      cell(row, p.width + " (≥ " + p.need + ")", true);  // its width, and what plates need here
      cell(row, p.tilt.toFixed(0), true);
      cell(row, p.blur.toFixed(1), true);
      cell(row, (p.blur_share * 100).toFixed(1), true);
      cell(row, p.motion ? table.dataset.motion : table.dataset.focus, false);
      cell(row, p.read ? table.dataset.read : table.dataset.unread, false);
      cell(row, p.confidence.toFixed(2), true);
      body.appendChild(row);
    });
    return state.status === "running" || state.status === "connecting";
  }
  function tick() {
    fetch(root.dataset.stateUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (state) {
        const live = show(state);
        picture.src = root.dataset.pictureUrl + "?t=" + Date.now();
        if (live) setTimeout(tick, 1000);
      })
      .catch(function () { setTimeout(tick, 3000); });
  }
  picture.addEventListener("error", function () { picture.removeAttribute("src"); });
  tick();
})();
