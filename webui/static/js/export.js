// Export and hold forms: local date-time fields (24-hour, the UI's one format), UTC in the hidden fields
// the server reads.
"use strict";
document.querySelectorAll("#export-form, form[data-local-times]").forEach(function (form) {
  form.querySelectorAll("input[data-target]").forEach(function (input) {
    const hidden = document.getElementById(input.dataset.target);
    if (hidden.value) input.value = Dozor.localTime(hidden.value);
    input.addEventListener("change", function () { hidden.value = Dozor.localInputToUtc(input.value); });
  });
  form.addEventListener("submit", function () {
    form.querySelectorAll("input[data-target]").forEach(function (input) {
      document.getElementById(input.dataset.target).value = Dozor.localInputToUtc(input.value);
    });
  });
});
