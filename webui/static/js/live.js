// Volunteers' live grid: N×N tiles, cameras chosen per screen (kept in this browser), pictures refreshed
// every second from what the recorder already writes, each with how old it is, an offline badge with
// "since" and why, full screen, and a click on a tile for that camera's live video.
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
  let tiles = [];

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
        grid.appendChild(tile);
        continue;
      }
      tile.dataset.camera = camera;
      tile.querySelector(".title").textContent = titles[camera] || camera;
      const open = function () { window.location.href = "/live/" + encodeURIComponent(camera); };
      tile.addEventListener("click", open);
      tile.addEventListener("keydown", function (e) { if (e.key === "Enter") open(); });
      grid.appendChild(tile);
      tiles.push({ camera: camera, el: tile, loading: false });
    }
    layoutSelect.value = state.layout;
    chooser.querySelectorAll("input").forEach(function (box) {
      box.checked = state.cameras.indexOf(box.value) >= 0;
    });
  }

  // How old each tile's picture is, counted from the age the server gave when it was fetched (the
  // appliance's clock, so a browser with a wrong clock still shows the right age).
  function showAge(tile) {
    const label = tile.el.querySelector(".age");
    if (tile.pictureAt === undefined) { label.textContent = grid.dataset.noPicture; return; }
    const age = (performance.now() - tile.pictureAt) / 1000;
    label.textContent = Dozor.ageText(age, grid);
    tile.el.dataset.age = age.toFixed(1);
    tile.el.classList.toggle("is-stale", age > STALE_SECONDS);
  }

  function refresh() {
    tiles.forEach(function (tile) {
      showAge(tile);
      if (tile.loading || document.hidden) return;
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
