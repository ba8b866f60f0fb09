// Plays recorded video around a moment as one continuous stream. The segment files covering the
// player's window are fetched as they are (no transcoding) and appended to one MediaSource buffer, each
// at its own offset on the window's clock (every segment's timestamps start at 0), so the scrubber spans
// the whole window and crosses from one file to the next without a seam. A gap in the recordings (the
// camera was offline) is skipped. The scrub bar under the video shows what is recorded, the car's span
// (on a sighting page) and the playhead; a click plays from there. Where MediaSource cannot play the
// camera's codec, the files play one after the other instead.
"use strict";
(function () {
  const video = document.getElementById("player");
  if (!video) return;
  const status = document.getElementById("player-status");
  const scrubber = document.getElementById("scrubber");
  const head = scrubber.querySelector(".scrub-head");
  const ms = function (name) { return video.dataset[name] ? new Date(video.dataset[name]).getTime() : null; };
  const wanted = { start: ms("windowStart"), end: ms("windowEnd"), from: ms("from") };
  const mark = { start: ms("markStart"), end: ms("markEnd") };
  const FOLLOW_MS = 2 * 60 * 1000;
  let origin = 0;  // wall-clock ms at the stream's time 0
  let length = 1;  // ms the scrub bar covers
  let fallback = null;

  function load(start, end) {
    const params = new URLSearchParams({ from: new Date(start).toISOString(), to: new Date(end).toISOString() });
    return fetch(video.dataset.segmentsUrl + "?" + params, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { segments: [] }; })
      .then(function (data) { return data.segments; });
  }

  function wallNow() {
    if (fallback) return fallback.start + video.currentTime * 1000;
    return origin + video.currentTime * 1000;
  }

  function place(element, from, to) {
    const left = Math.max(0, Math.min(100, (from - origin) / length * 100));
    const right = Math.max(0, Math.min(100, (to - origin) / length * 100));
    element.style.left = left + "%";
    element.style.width = Math.max(0.4, right - left) + "%";
  }

  function drawScrubber(segments) {
    scrubber.querySelectorAll(".scrub-recorded").forEach(function (e) { e.remove(); });
    segments.forEach(function (s) {
      const bar = document.createElement("span");
      bar.className = "scrub-recorded";
      place(bar, new Date(s.start).getTime(), new Date(s.end).getTime());
      scrubber.insertBefore(bar, scrubber.firstChild);
    });
    const car = scrubber.querySelector(".scrub-car");
    if (car && mark.start !== null) place(car, mark.start, mark.end);
    document.getElementById("scrub-from").textContent = Dozor.localTime(new Date(origin).toISOString(), false);
    document.getElementById("scrub-to").textContent = Dozor.localTime(new Date(origin + length).toISOString(), false);
    scrubber.hidden = false;
    document.getElementById("scrub-axis").hidden = false;
  }

  function showTime() {
    const wall = new Date(wallNow());
    video.dataset.wallclock = wall.toISOString();
    status.textContent = video.dataset.recordedAt.replace("{time}", Dozor.localTime(wall.toISOString()));
    if (!fallback) head.style.left = Math.max(0, Math.min(100, (wall - origin) / length * 100)) + "%";
  }

  function seekWall(wall) {
    if (fallback) { fallback.seek(wall); return; }
    video.currentTime = Math.max(0, (wall - origin) / 1000);
  }

  // A playhead in a gap between recordings jumps to the next recorded part.
  function skipGap() {
    const ranges = video.buffered;
    const t = video.currentTime;
    for (let i = 0; i < ranges.length; i++) {
      if (t >= ranges.start(i) && t < ranges.end(i) - 0.1) return;
      if (ranges.start(i) > t) { video.currentTime = ranges.start(i) + 0.01; return; }
    }
  }

  function playStream(segments, type, playFrom) {
    const source = new MediaSource();
    video.src = URL.createObjectURL(source);
    source.addEventListener("sourceopen", function () {
      const buffer = source.addSourceBuffer(type);
      buffer.mode = "segments";
      source.duration = length / 1000;
      // the segment being asked for first, then the ones after it, then the ones before
      const at = segments.findIndex(function (s) { return new Date(s.end).getTime() > playFrom; });
      const first = at < 0 ? segments.length - 1 : at;
      const order = segments.slice(first).concat(segments.slice(0, first).reverse());
      let started = false;
      function next() {
        const segment = order.shift();
        if (!segment) {
          if (source.readyState === "open") source.endOfStream();
          return;
        }
        fetch(segment.url, { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.arrayBuffer() : null; })
          .then(function (data) {
            if (!data) { next(); return; }
            if (!started) {  // what the player opened with (bench/web_video.py plays the same bare)
              video.dataset.firstUrl = segment.url;
              video.dataset.firstOffset = ((playFrom - new Date(segment.start).getTime()) / 1000).toFixed(2);
            }
            buffer.timestampOffset = (new Date(segment.start).getTime() - origin) / 1000;
            buffer.appendBuffer(data);
          })
          .catch(next);
      }
      buffer.addEventListener("updateend", function () {
        if (!started) {
          started = true;
          seekWall(playFrom);
          video.dataset.state = "playing";
          const attempt = video.play();
          if (attempt) attempt.catch(function () { /* autoplay refused: the controls are there */ });
        }
        next();
      });
      buffer.addEventListener("error", next);
      next();
    }, { once: true });
  }

  // One file after the other, for a codec MediaSource cannot take.
  function playFiles(segments, playFrom) {
    let index = -1;
    function play(i, offset) {
      index = i;
      fallback = { start: new Date(segments[i].start).getTime(), seek: seek };
      video.dataset.segment = segments[i].id;
      video.src = segments[i].url + "#t=" + Math.max(0, offset).toFixed(2);
      const attempt = video.play();
      if (attempt) attempt.catch(function () {});
    }
    function seek(wall) {
      const i = segments.findIndex(function (s) { return new Date(s.end).getTime() > wall; });
      if (i >= 0) play(i, (wall - new Date(segments[i].start).getTime()) / 1000);
    }
    video.addEventListener("ended", function () { if (index + 1 < segments.length) play(index + 1, 0); });
    seek(playFrom);
    video.dataset.state = "playing";
  }

  function start(windowStart, windowEnd, playFrom) {
    load(windowStart, windowEnd).then(function (found) {
      const segments = found.filter(function (s) { return s.url; });
      if (!segments.length) { status.textContent = video.dataset.noVideo; video.dataset.state = "none"; return; }
      // the stream starts with the first file (a file's timestamps start at 0)
      origin = Math.min(windowStart, new Date(segments[0].start).getTime());
      length = Math.max(windowEnd, Math.min(Date.now(), new Date(segments[segments.length - 1].end).getTime())) - origin;
      drawScrubber(segments);
      const codec = segments[0].mime_codec;
      const type = 'video/mp4; codecs="' + codec + '"';
      const same = segments.every(function (s) { return s.mime_codec === codec; });
      if (codec && same && window.MediaSource && MediaSource.isTypeSupported(type)) {
        video.dataset.mode = "stream";
        playStream(segments, type, playFrom);
      } else {
        video.dataset.mode = "files";
        playFiles(segments, playFrom);
      }
    });
  }

  scrubber.addEventListener("click", function (event) {
    const rect = scrubber.getBoundingClientRect();
    seekWall(origin + (event.clientX - rect.left) / rect.width * length);
  });
  video.addEventListener("timeupdate", showTime);
  video.addEventListener("waiting", skipGap);
  video.addEventListener("stalled", skipGap);
  video.addEventListener("ended", function () {
    if (fallback || !video.dataset.follow) return;
    const end = origin + length;
    if (end < Date.now() - 5000) start(end, end + FOLLOW_MS, end);  // the next minutes, on the recordings page
  });
  start(wanted.start, wanted.end, wanted.from);
})();
