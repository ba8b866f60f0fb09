// The site report page: its Print button (the CSP allows no inline handlers).
"use strict";
document.getElementById("print-report").addEventListener("click", function () { window.print(); });
