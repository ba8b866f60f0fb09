// Export and hold forms: local date-time pickers, UTC in the hidden fields the server reads.
"use strict";
document.querySelectorAll("#export-form, form[data-local-times]").forEach(function (form) {
  function pad(n) { return String(n).padStart(2, "0"); }
  function toLocalInput(iso) {
    const d = new Date(iso);
    if (isNaN(d)) return "";
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" +
      pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
  }
  form.querySelectorAll("input[data-target]").forEach(function (input) {
    const hidden = document.getElementById(input.dataset.target);
    if (hidden.value) input.value = toLocalInput(hidden.value);
    input.addEventListener("change", function () { hidden.value = Dozor.localInputToUtc(input.value); });
  });
  form.addEventListener("submit", function () {
    form.querySelectorAll("input[data-target]").forEach(function (input) {
      document.getElementById(input.dataset.target).value = Dozor.localInputToUtc(input.value);
    });
  });
});
