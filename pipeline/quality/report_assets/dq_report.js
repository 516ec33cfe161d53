"use strict";
// Only one behaviour: show the failing rules only. Everything else is static HTML.
(function () {
  var box = document.getElementById("only-failing");
  box.addEventListener("change", function () {
    document.body.classList.toggle("only-failing", box.checked);
  });
  document.body.setAttribute("data-ready", "true");
})();
