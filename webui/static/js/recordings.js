// Recordings page: the time picker works in local time, the server in UTC; a click on the timeline
// plays from that moment.
"use strict";
(function () {
  const form = document.getElementById("recordings-form");
  if (!form) return;
  const local = document.getElementById("at-local");
  const hidden = document.getElementById("at");
  local.value = Dozor.localTime(local.dataset.utc);
  form.addEventListener("submit", function () {
    const utc = Dozor.localInputToUtc(local.value);
    if (utc) hidden.value = utc;
  });
  form.camera.addEventListener("change", function () { form.requestSubmit(); });
  const box = document.getElementById("clickable-timeline");
  const bar = box.querySelector(".timeline");
  const start = new Date(box.dataset.start).getTime();
  const end = new Date(box.dataset.end).getTime();
  bar.addEventListener("click", function (event) {
    const rect = bar.getBoundingClientRect();
    const share = (event.clientX - rect.left) / rect.width;
    hidden.value = new Date(start + share * (end - start)).toISOString();
    local.value = "";
    form.submit();
  });
})();
