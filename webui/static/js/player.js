// Plays recorded video from a moment: asks the server which segments cover it, plays the segment file
// straight from disk (HTTP byte ranges, no transcoding) from the right offset, and moves on to the next
// segment when one ends. Shows the wall-clock time of the picture being played.
"use strict";
(function () {
  const video = document.getElementById("player");
  if (!video) return;
  const status = document.getElementById("player-status");
  const from = new Date(video.dataset.from);
  let segments = [];
  let index = -1;

  function load(start) {
    const to = new Date(start.getTime() + 30 * 60 * 1000);
    const params = new URLSearchParams({ from: start.toISOString(), to: to.toISOString() });
    return fetch(video.dataset.segmentsUrl + "?" + params, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { segments: [] }; })
      .then(function (data) { return data.segments; });
  }

  function play(i, offsetSeconds) {
    index = i;
    const segment = segments[i];
    video.dataset.segment = segment.id;
    video.src = segment.url + "#t=" + Math.max(0, offsetSeconds).toFixed(2);
    const attempt = video.play();
    if (attempt) attempt.catch(function () { /* autoplay refused: the controls are there */ });
  }

  function next() {
    if (index + 1 < segments.length) { play(index + 1, 0); return; }
    const last = segments[segments.length - 1];
    load(new Date(last.end)).then(function (more) {
      const fresh = more.filter(function (s) { return s.id !== last.id && new Date(s.start) >= new Date(last.start); });
      if (!fresh.length) return;
      segments = segments.concat(fresh);
      play(index + 1, 0);
    });
  }

  video.addEventListener("ended", next);
  video.addEventListener("timeupdate", function () {
    if (index < 0) return;
    const wall = new Date(new Date(segments[index].start).getTime() + video.currentTime * 1000);
    video.dataset.wallclock = wall.toISOString();
    status.textContent = video.dataset.recordedAt.replace("{time}", Dozor.localTime(wall.toISOString()));
  });

  load(from).then(function (found) {
    segments = found.filter(function (s) { return new Date(s.end) > from; });
    if (!segments.length) { status.textContent = video.dataset.noVideo; video.dataset.state = "none"; return; }
    const first = segments[0];
    play(0, (from - new Date(first.start)) / 1000);
  });
})();
