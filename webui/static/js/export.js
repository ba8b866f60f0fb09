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

// After "Download": the browser saves the zip by itself; the page asks the server for the zip's
// SHA-256 (read back from the export's audit entry, found by this submission's one-time ticket) and
// shows it with the file name.
(function () {
  const form = document.getElementById("export-form");
  const receipt = document.getElementById("export-receipt");
  if (!form || !receipt) return;
  const text = document.getElementById("export-receipt-text");
  const POLL_MS = 1000;
  const GIVE_UP_MS = 15 * 60 * 1000;
  let timer = null;
  form.addEventListener("submit", function () {
    const ticket = (window.crypto && crypto.randomUUID) ? crypto.randomUUID()
      : Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 14);
    document.getElementById("ticket").value = ticket;
    receipt.hidden = false;
    receipt.dataset.state = "waiting";
    text.textContent = receipt.dataset.waiting;
    document.getElementById("export-sha256").textContent = "";
    const began = Date.now();
    clearTimeout(timer);
    function ask() {
      fetch(receipt.dataset.url + "?ticket=" + encodeURIComponent(ticket), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (found) {
          if (found && found.sha256) {
            text.textContent = found.file;
            document.getElementById("export-sha256").textContent = found.sha256;
            receipt.dataset.state = "done";
          } else if (!found && Date.now() - began < GIVE_UP_MS) {
            timer = setTimeout(ask, POLL_MS);
          } else {
            receipt.hidden = true;
          }
        })
        .catch(function () { timer = setTimeout(ask, POLL_MS); });
    }
    timer = setTimeout(ask, POLL_MS);
  });
})();
