// One camera live at full frame rate: the camera's own H.264 as fragmented MP4, fed to MediaSource as
// it arrives (no transcoding anywhere). Stays close to live, and reconnects when the stream ends.
"use strict";
(function () {
  const video = document.getElementById("live");
  const status = document.getElementById("live-status");
  const KEEP_SECONDS = 30;
  const MAX_LAG = 2.5;

  function say(text) { status.textContent = text; }

  function connect() {
    say(status.dataset.connecting);
    const controller = new AbortController();
    fetch(video.dataset.stream, { credentials: "same-origin", signal: controller.signal }).then(function (response) {
      if (!response.ok) { say(status.dataset.offline); setTimeout(connect, 5000); return; }
      const codec = response.headers.get("X-Codec") || "avc1.42E01E";
      const type = 'video/mp4; codecs="' + codec + '"';
      if (!window.MediaSource || !MediaSource.isTypeSupported(type)) {
        say(status.dataset.unsupported.replace("{codec}", codec));
        controller.abort();
        return;
      }
      const source = new MediaSource();
      video.src = URL.createObjectURL(source);
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
    }).catch(function () { say(status.dataset.offline); setTimeout(connect, 5000); });
  }

  document.getElementById("fullscreen").addEventListener("click", function () {
    if (document.fullscreenElement) document.exitFullscreen(); else video.requestFullscreen();
  });
  connect();
})();
