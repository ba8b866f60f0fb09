// Passes page: the window is chosen in local time and sent to the server as UTC (hidden fields).
"use strict";
(function () {
  const form = document.getElementById("passes-form");
  const pickers = form.querySelectorAll("input[data-target]");
  pickers.forEach(function (picker) {
    const utc = document.getElementById(picker.dataset.target).value;
    const local = Dozor.localTime(utc);  // "YYYY-MM-DD HH:MM:SS" in the browser's time zone
    if (local !== "—") picker.value = local.replace(" ", "T").slice(0, 16);
  });
  form.addEventListener("submit", function () {
    pickers.forEach(function (picker) {
      document.getElementById(picker.dataset.target).value = Dozor.localInputToUtc(picker.value);
    });
  });
})();
