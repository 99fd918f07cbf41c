// What-if controls on the coach's student page: re-rank in place when region or plan changes.
// Without this script the form still works as an ordinary GET that reloads the page.
(function () {
  "use strict";
  var form = document.getElementById("whatif");
  if (!form) { return; }
  var status = document.getElementById("whatif-status");
  var planForm = document.getElementById("plan-form");
  function rerank() {
    var params = new URLSearchParams(new FormData(form));
    var block = document.getElementById("pathways-block");
    block.setAttribute("aria-busy", "true");
    fetch(form.dataset.fragment + "?" + params.toString(), { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.text(); })
      .then(function (html) {
        block.outerHTML = html;
        history.replaceState(null, "", "?" + params.toString());
        if (planForm) {
          planForm.elements.region.value = params.get("region");
          planForm.elements.plan.value = params.get("plan");
        }
        var basis = document.getElementById("ranking-basis");
        status.textContent = "Pathways re-ranked. " + (basis ? basis.textContent : "");
      })
      .catch(function () {
        status.textContent = "Could not re-rank just now; press Re-rank to try again.";
        block.removeAttribute("aria-busy");
      });
  }
  form.addEventListener("change", rerank);
  form.addEventListener("submit", function (e) { e.preventDefault(); rerank(); });
})();
