// Volunteers' live grid: N×N tiles, cameras chosen per screen (kept in this browser), pictures refreshed
// every second from what the recorder already writes, each with how old it is, an offline badge with
// "since" and why, full screen, and a click on a tile for that camera's live video. In grids of up to
// 3×3, cameras with a sub-stream play it (live_moving.js); a tile whose video has not moved for
// STALL_SECONDS shows its picture again, with the picture's age. Each tile can replay its last 30 s.
"use strict";
(function () {
  const grid = document.getElementById("grid");
  const screen = grid.dataset.screen;
  const all = JSON.parse(document.getElementById("camera-list").textContent);
  const titles = JSON.parse(document.getElementById("camera-titles").textContent);
  const layoutSelect = document.getElementById("layout");
  const chooser = document.getElementById("chooser");
  const template = document.getElementById("tile-template");
  const key = "dozor.live.screen" + screen;
  const REFRESH_MS = 1000;
  const STATUS_MS = 3000;
  const STALE_SECONDS = 10;
  const STALL_SECONDS = 5;
  const moving = JSON.parse(document.getElementById("moving-cameras").textContent);
  const maxMoving = Number(grid.dataset.maxMoving);
  let tiles = [];
  let stream = null;

  function defaults() {
    let n = 1;
    while (n < 5 && n * n < all.length) n++;
    const start = (Number(screen) - 1) * n * n;
    return { layout: n + "x" + n, cameras: all.slice(start, start + n * n) };
  }

  function load() {
    try {
      const saved = JSON.parse(localStorage.getItem(key));
      if (saved && saved.layout && Array.isArray(saved.cameras)) {
        saved.cameras = saved.cameras.filter(function (c) { return all.indexOf(c) >= 0; });
        return saved;
      }
    } catch (e) { /* ignore a broken saved choice */ }
    return defaults();
  }

  let state = load();

  function save() { localStorage.setItem(key, JSON.stringify(state)); }

  function build() {
    const n = Number(state.layout.split("x")[0]);
    grid.style.gridTemplateColumns = "repeat(" + n + ", 1fr)";
    grid.style.gridTemplateRows = "repeat(" + n + ", 1fr)";
    grid.replaceChildren();
    tiles = [];
    for (let i = 0; i < n * n; i++) {
      const camera = state.cameras[i];
      const tile = template.content.firstElementChild.cloneNode(true);
      if (!camera) {
        tile.classList.add("empty");
        tile.removeAttribute("role");
        tile.querySelector("img").remove();
        tile.querySelector(".replay").remove();
        grid.appendChild(tile);
        continue;
      }
      tile.dataset.camera = camera;
      tile.querySelector(".title").textContent = titles[camera] || camera;
      const open = function () { window.location.href = "/live/" + encodeURIComponent(camera); };
      tile.addEventListener("click", open);
      tile.addEventListener("keydown", function (e) { if (e.key === "Enter") open(); });
      const replay = tile.querySelector(".replay");
      replay.addEventListener("click", function (e) {
        e.stopPropagation();
        window.location.href = "/live/" + encodeURIComponent(camera) + "/replay";
      });
      replay.addEventListener("keydown", function (e) { e.stopPropagation(); });
      grid.appendChild(tile);
      const entry = { camera: camera, el: tile, loading: false };
      if (n * n <= maxMoving && moving.indexOf(camera) >= 0) entry.player = videoOf(entry);
      tiles.push(entry);
    }
    if (stream) stream.close();
    const players = tiles.filter(function (t) { return t.player; });
    stream = players.length ? DozorMoving.open(
      players.map(function (t) { return t.camera; }), players.map(function (t) { return t.player; })) : null;
    layoutSelect.value = state.layout;
    chooser.querySelectorAll("input").forEach(function (box) {
      box.checked = state.cameras.indexOf(box.value) >= 0;
    });
  }

  // A <video> over the tile's picture; videoAt is when the video on screen was new (it moves on).
  function videoOf(tile) {
    const video = document.createElement("video");
    video.muted = true;
    video.autoplay = true;
    video.playsInline = true;
    tile.el.prepend(video);
    let last = null;
    video.addEventListener("timeupdate", function () {
      if (video.currentTime === last) return;
      last = video.currentTime;
      tile.videoAt = performance.now() - tile.player.lag() * 1000;
    });
    return new DozorMoving.Player(video);
  }

  function playing(tile) {
    return tile.videoAt !== undefined && performance.now() - tile.videoAt < STALL_SECONDS * 1000;
  }

  // How old each tile's picture is: the video's while it moves, else the picture's, counted from the
  // age the server gave when it was fetched (the appliance's clock, so a browser with a wrong clock
  // still shows the right age).
  function showAge(tile) {
    const label = tile.el.querySelector(".age");
    const moves = playing(tile);
    tile.el.classList.toggle("is-moving", moves);
    tile.el.dataset.mode = moves ? "video" : "picture";
    const at = moves ? tile.videoAt : tile.pictureAt;
    if (at === undefined) { label.textContent = grid.dataset.noPicture; return; }
    const age = (performance.now() - at) / 1000;
    label.textContent = Dozor.ageText(age, grid);
    tile.el.dataset.age = age.toFixed(1);
    tile.el.classList.toggle("is-stale", age > STALE_SECONDS);
  }

  function refresh() {
    tiles.forEach(function (tile) {
      showAge(tile);
      if (tile.loading || document.hidden || playing(tile)) return;
      tile.loading = true;
      fetch("/live/" + encodeURIComponent(tile.camera) + ".jpg", { credentials: "same-origin", cache: "no-store" })
        .then(function (r) {
          if (!r.ok) throw new Error(String(r.status));
          const age = Number(r.headers.get("X-Picture-Age") || "0");
          return r.blob().then(function (blob) { return { blob: blob, age: age }; });
        })
        .then(function (got) {
          const next = new Image();
          next.alt = titles[tile.camera] || tile.camera;
          next.onload = function () {
            tile.loading = false;
            const old = tile.el.querySelector("img");
            if (old) { if (old.src.startsWith("blob:")) URL.revokeObjectURL(old.src); old.replaceWith(next); }
            else tile.el.prepend(next);
            tile.pictureAt = performance.now() - got.age * 1000;
            tile.el.dataset.frames = String(Number(tile.el.dataset.frames || 0) + 1);
            showAge(tile);
          };
          next.onerror = function () { tile.loading = false; URL.revokeObjectURL(next.src); };
          next.src = URL.createObjectURL(got.blob);
        })
        .catch(function () { tile.loading = false; });
    });
  }

  function badges() {
    fetch("/api/live/status", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        const byName = {};
        data.cameras.forEach(function (c) { byName[c.camera] = c; });
        tiles.forEach(function (tile) {
          const info = byName[tile.camera];
          const badge = tile.el.querySelector(".offline");
          if (!info || info.online) { badge.hidden = true; tile.el.classList.remove("is-offline"); return; }
          badge.textContent = Dozor.outageText(info, grid);
          badge.hidden = false;
          tile.el.classList.add("is-offline");
        });
      })
      .catch(function () { /* the next poll tries again */ });
  }

  layoutSelect.addEventListener("change", function () {
    state.layout = layoutSelect.value;
    save();
    build();
    refresh();
  });
  document.getElementById("choose").addEventListener("click", function () { chooser.hidden = !chooser.hidden; });
  chooser.addEventListener("change", function (event) {
    const name = event.target.value;
    if (event.target.checked) { if (state.cameras.indexOf(name) < 0) state.cameras.push(name); }
    else state.cameras = state.cameras.filter(function (c) { return c !== name; });
    save();
    build();
    refresh();
  });
  document.getElementById("fullscreen").addEventListener("click", function () {
    if (document.fullscreenElement) document.exitFullscreen();
    else grid.requestFullscreen().catch(function () { grid.classList.toggle("fullscreen"); });
  });

  build();
  refresh();
  badges();
  setInterval(refresh, REFRESH_MS);
  setInterval(badges, STATUS_MS);
})();
