// Watchlist alerts on every page of a police officer or admin: asks the server every 2 s for alerts
// not acknowledged yet, shows each at the top of the page with a sound (two short tones through Web
// Audio, once per alert and browser tab), and acknowledges one with a click. Without a chosen case the
// server sends no plate, and the box asks for the case instead.
"use strict";
(function () {
  const box = document.getElementById("watch-alert");
  if (!box) return;
  const POLL_MS = 2000;
  const zone = document.documentElement.dataset.zone || undefined;
  const heard = new Set(JSON.parse(sessionStorage.getItem("dozor-alerts-heard") || "[]"));
  let audio = null;
  let stopped = false;

  // Browsers let a page make sound only after a click or a key on it: get the sound ready then.
  function prepareSound() {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    if (!audio) audio = new Context();
    if (audio.state === "suspended") audio.resume();
  }
  ["pointerdown", "keydown"].forEach(function (type) { document.addEventListener(type, prepareSound, { capture: true }); });

  function beep() {
    prepareSound();
    if (!audio || audio.state !== "running") { box.dataset.sound = "blocked"; return; }
    [0, 0.35].forEach(function (at) {
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.frequency.value = 880;
      gain.gain.value = 0.3;
      tone.connect(gain).connect(audio.destination);
      tone.start(audio.currentTime + at);
      tone.stop(audio.currentTime + at + 0.2);
    });
    box.dataset.sound = "played";
  }

  function time(iso) {
    return new Date(iso).toLocaleTimeString("en-GB", { timeZone: zone, hourCycle: "h23" });
  }

  function acknowledge(id, row) {
    fetch(box.dataset.ack.replace("/0/", "/" + id + "/"), {
      method: "POST", credentials: "same-origin",
      headers: { "X-CSRFToken": document.querySelector('meta[name="csrf-token"]').content, "Accept": "application/json" },
    }).then(function (r) { if (r.ok) { row.remove(); box.hidden = !box.querySelector(".watch-alert-item"); } });
  }

  function item(alert, caseNeeded, caseUrl) {
    const row = document.createElement("div");
    row.className = "watch-alert-item";
    row.setAttribute("role", "alert");
    row.dataset.alert = alert.id;
    const title = document.createElement("strong");
    title.textContent = box.dataset.title + ": ";
    row.appendChild(title);
    if (caseNeeded) {
      const link = document.createElement("a");
      link.href = caseUrl;
      link.textContent = box.dataset.caseNeeded;
      row.appendChild(link);
      return row;
    }
    const plate = document.createElement("span");
    plate.className = "plate";
    plate.textContent = alert.plate;
    row.appendChild(plate);
    const facts = [alert.camera, box.dataset.seen.replace("{time}", time(alert.first_seen)), alert.pattern];
    if (alert.note) facts.push(alert.note);
    row.appendChild(document.createTextNode(" · " + facts.join(" · ") + " "));
    const open = document.createElement("a");
    open.href = alert.sighting_url;
    open.className = "button";
    open.textContent = box.dataset.openLabel;
    row.appendChild(open);
    const ack = document.createElement("button");
    ack.type = "button";
    ack.className = "primary";
    ack.textContent = box.dataset.ackLabel;
    ack.addEventListener("click", function () { acknowledge(alert.id, row); });
    row.appendChild(ack);
    return row;
  }

  function poll() {
    fetch(box.dataset.poll, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) {
        if (r.status === 401 || r.status === 403) stopped = true;  // signed out: nothing more to ask
        return r.ok ? r.json() : null;
      })
      .then(function (data) {
        if (!data) return;
        const shown = new Set();
        data.alerts.forEach(function (alert) {
          shown.add(String(alert.id));
          if (!box.querySelector('[data-alert="' + alert.id + '"]')) box.appendChild(item(alert, data.case_needed, data.case_url));
          if (!heard.has(alert.id)) { heard.add(alert.id); beep(); }
        });
        box.querySelectorAll(".watch-alert-item").forEach(function (row) {
          if (!shown.has(row.dataset.alert)) row.remove();  // acknowledged elsewhere
        });
        sessionStorage.setItem("dozor-alerts-heard", JSON.stringify(Array.from(heard)));
        box.hidden = !data.alerts.length;
      })
      .catch(function () { /* the next poll tries again */ })
      .finally(function () { if (!stopped) setTimeout(poll, POLL_MS); });
  }
  poll();
})();
