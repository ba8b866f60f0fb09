// "Print the sighting report": the browser's print dialog; the print stylesheet (dozor.css, @media
// print) leaves the report: heading, pictures, facts, route, who printed it and when.
"use strict";
(function () {
  const button = document.getElementById("print-report");
  if (button) button.addEventListener("click", function () { window.print(); });
})();
