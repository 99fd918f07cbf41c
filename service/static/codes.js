// Print and copy buttons of the access-code pages (coach_code.html, coach_codes_sheet.html).
(function () {
  "use strict";
  var status = document.getElementById("copy-status");
  function say(text) { if (status) { status.textContent = text; } }
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  document.querySelectorAll("[data-copy], [data-copy-from]").forEach(function (button) {
    button.addEventListener("click", function () {
      var from = button.getAttribute("data-copy-from");
      var text = from ? document.getElementById(from).value : button.getAttribute("data-copy");
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(function () { say(button.dataset.done); },
          function () { say(button.dataset.refused); });
      } else {
        say(button.dataset.refused);
      }
    });
  });
}());
