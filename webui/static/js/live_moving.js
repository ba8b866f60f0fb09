// The moving grid: one fetch of /live-grid/stream carries the sub-streams of the grid's cameras, each
// message a 6-byte header (tile, kind, length) and its bytes (webui/live_grid.py); they are split here
// into one MediaSource per tile and played as they come, close to live. A tile whose video stops (STOP
// from the server, a broken buffer, a lost connection) is left to the grid, which shows its picture.
"use strict";
window.DozorMoving = (function () {
  const START = 1, DATA = 2, STOP = 3;
  const KEEP_SECONDS = 20;
  const MAX_LAG = 2.5;
  const RETRY_MS = 3000;

  function Player(video) {
    this.video = video;
    this.source = null;
    this.buffer = null;
    this.queue = [];
  }
  Player.prototype.start = function (codec) {
    this.stop();
    const type = 'video/mp4; codecs="' + codec + '"';
    if (!window.MediaSource || !MediaSource.isTypeSupported(type)) return;
    const self = this;
    const source = new MediaSource();
    this.source = source;
    this.video.src = URL.createObjectURL(source);
    source.addEventListener("sourceopen", function () {
      if (self.source !== source) return;
      const buffer = source.addSourceBuffer(type);
      buffer.mode = "sequence";
      self.buffer = buffer;
      buffer.addEventListener("updateend", function () { if (!self.keepLive()) self.pump(); });
      buffer.addEventListener("error", function () { self.stop(); });
      self.pump();
    }, { once: true });
  };
  Player.prototype.push = function (bytes) {
    if (!this.source) return;
    this.queue.push(bytes);
    this.pump();
  };
  Player.prototype.pump = function () {
    const buffer = this.buffer;
    if (!buffer || buffer.updating || !this.queue.length || this.source.readyState !== "open") return;
    try { buffer.appendBuffer(this.queue.shift()); } catch (e) { this.stop(); }
  };
  // Jump to the live edge when behind, drop what was played; true when a removal is under way.
  Player.prototype.keepLive = function () {
    const buffer = this.buffer, video = this.video;
    if (!buffer) return false;
    const ranges = buffer.buffered;
    if (!ranges.length) return false;
    const end = ranges.end(ranges.length - 1);
    if (end - video.currentTime > MAX_LAG) video.currentTime = Math.max(ranges.start(0), end - 0.5);
    if (video.paused) video.play().catch(function () {});
    if (!buffer.updating && video.currentTime - ranges.start(0) > KEEP_SECONDS) {
      buffer.remove(ranges.start(0), video.currentTime - 5);
      return true;
    }
    return false;
  };
  // Seconds between the newest video received and what is on screen.
  Player.prototype.lag = function () {
    const ranges = this.video.buffered;
    return ranges.length ? Math.max(0, ranges.end(ranges.length - 1) - this.video.currentTime) : 0;
  };
  Player.prototype.stop = function () {
    if (this.source) {
      URL.revokeObjectURL(this.video.src);
      this.video.removeAttribute("src");
      this.video.load();
    }
    this.source = null;
    this.buffer = null;
    this.queue = [];
  };

  function joined(a, b) {
    if (!a.length) return b;
    const out = new Uint8Array(a.length + b.length);
    out.set(a);
    out.set(b, a.length);
    return out;
  }

  // Plays `cameras` into `players` (same order) until close() is called; reconnects when the stream ends.
  function open(cameras, players) {
    let controller = null;
    let closed = false;
    let timer = null;

    function handle(tile, kind, payload) {
      const player = players[tile];
      if (!player) return;
      if (kind === START) player.start(new TextDecoder().decode(payload));
      else if (kind === DATA) player.push(payload);
      else if (kind === STOP) player.stop();
    }

    function connect() {
      controller = new AbortController();
      let pending = new Uint8Array(0);
      const url = "/live-grid/stream?cameras=" + cameras.map(encodeURIComponent).join(",");
      fetch(url, { credentials: "same-origin", cache: "no-store", signal: controller.signal })
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          const reader = response.body.getReader();
          function read() {
            return reader.read().then(function (chunk) {
              if (chunk.done) throw new Error("ended");
              pending = joined(pending, chunk.value);
              let at = 0;
              while (pending.length - at >= 6) {
                const view = new DataView(pending.buffer, pending.byteOffset + at, 6);
                const length = view.getUint32(2);
                if (pending.length - at - 6 < length) break;
                handle(view.getUint8(0), view.getUint8(1), pending.slice(at + 6, at + 6 + length));
                at += 6 + length;
              }
              pending = pending.slice(at);
              return read();
            });
          }
          return read();
        })
        .catch(function () {
          players.forEach(function (p) { p.stop(); });
          if (!closed) timer = setTimeout(connect, RETRY_MS);
        });
    }

    connect();
    return {
      close: function () {
        closed = true;
        clearTimeout(timer);
        if (controller) controller.abort();
        players.forEach(function (p) { p.stop(); });
      },
    };
  }

  return { Player: Player, open: open };
})();
