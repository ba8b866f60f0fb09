// One camera live at full frame rate: the camera's own H.264 as fragmented MP4, fed to MediaSource as
// it arrives (no transcoding anywhere). Stays close to live, and reconnects when the stream ends.
// It never shows an old picture as live: a label says how old the picture is, and a banner says since
// when the camera is offline and why (the recorder's status, polled every STATUS_MS), or since when no
// new picture came (the video stopped moving for STALL_SECONDS before the recorder noticed).
"use strict";
(function () {
  const video = document.getElementById("live");
  const status = document.getElementById("live-status");
  const single = document.getElementById("single");
  const banner = document.getElementById("offline-banner");
  const ageLabel = document.getElementById("picture-age");
  const KEEP_SECONDS = 30;
  const MAX_LAG = 2.5;
  const STATUS_MS = 2000;
  const TICK_MS = 500;
  const STALL_SECONDS = 5;
  let info = JSON.parse(document.getElementById("camera-state").textContent);
  // performance.now() of the newest picture on screen: the poster (the live picture's age) until the
  // video plays, then the moment the video last moved on
  let pictureAt = info.picture_age === null ? null : performance.now() - info.picture_age * 1000;
  let lastVideoTime = null;

  function say(text) { status.textContent = text; }

  function lag() {
    const b = video.buffered;
    return b.length ? Math.max(0, b.end(b.length - 1) - video.currentTime) : 0;
  }

  function tick() {
    const now = performance.now();
    if (video.readyState >= 2 && !video.paused && video.currentTime !== lastVideoTime) {
      lastVideoTime = video.currentTime;
      pictureAt = now - lag() * 1000;
    }
    const age = pictureAt === null ? null : (now - pictureAt) / 1000;
    ageLabel.textContent = age === null ? single.dataset.noPicture : Dozor.ageText(age, single);
    single.dataset.age = age === null ? "" : age.toFixed(1);
    single.classList.toggle("is-stale", age !== null && age > STALL_SECONDS);
    let text = "";
    if (!info.online) text = Dozor.outageText(info, single);
    else if (age !== null && age > STALL_SECONDS && lastVideoTime !== null) {
      const since = new Date(Date.now() - age * 1000).toISOString();
      text = single.dataset.noNew.replace("{time}", Dozor.localTime(since));
    }
    banner.textContent = text;
    banner.hidden = !text;
    single.classList.toggle("is-offline", !info.online);
  }

  function poll() {
    fetch(single.dataset.status, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data && data.cameras.length) { info = data.cameras[0]; tick(); } })
      .catch(function () { /* the next poll tries again */ });
  }

  function connect() {
    if (info.online) say(status.dataset.connecting);
    const controller = new AbortController();
    fetch(video.dataset.stream, { credentials: "same-origin", signal: controller.signal }).then(function (response) {
      if (!response.ok) { say(""); setTimeout(connect, 3000); return; }
      const codec = response.headers.get("X-Codec") || "avc1.42E01E";
      const type = 'video/mp4; codecs="' + codec + '"';
      if (!window.MediaSource || !MediaSource.isTypeSupported(type)) {
        say(status.dataset.unsupported.replace("{codec}", codec));
        controller.abort();
        return;
      }
      const source = new MediaSource();
      video.src = URL.createObjectURL(source);
      lastVideoTime = null;
      source.addEventListener("sourceopen", function () {
        const buffer = source.addSourceBuffer(type);
        buffer.mode = "sequence";
        const queue = [];
        const reader = response.body.getReader();
        function pump() {
          if (buffer.updating || !queue.length) return;
          try { buffer.appendBuffer(queue.shift()); } catch (e) { controller.abort(); }
        }
        buffer.addEventListener("updateend", function () {
          const ranges = buffer.buffered;
          if (ranges.length) {
            const end = ranges.end(ranges.length - 1);
            if (end - video.currentTime > MAX_LAG) video.currentTime = Math.max(ranges.start(0), end - 0.5);
            if (!buffer.updating && video.currentTime - ranges.start(0) > KEEP_SECONDS) {
              buffer.remove(ranges.start(0), video.currentTime - 10);
              return;
            }
            if (video.paused) video.play().catch(function () {});
          }
          pump();
        });
        function read() {
          reader.read().then(function (chunk) {
            if (chunk.done) { setTimeout(connect, 1000); return; }
            queue.push(chunk.value);
            say("");
            pump();
            read();
          }).catch(function () { setTimeout(connect, 2000); });
        }
        read();
      }, { once: true });
    }).catch(function () { say(""); setTimeout(connect, 3000); });
  }

  document.getElementById("fullscreen").addEventListener("click", function () {
    if (document.fullscreenElement) document.exitFullscreen(); else single.requestFullscreen();
  });
  tick();
  connect();
  setInterval(tick, TICK_MS);
  setInterval(poll, STATUS_MS);
})();
