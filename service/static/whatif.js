// What-if controls on the coach's student page: re-rank in place when region or plan changes.
// Without this script the form still works as an ordinary GET that reloads the page.
(function () {
  "use strict";
  var form = document.getElementById("whatif");
  if (!form) { return; }
  var status = document.getElementById("whatif-status");
  var planForm = document.getElementById("plan-form");
  function updateChoices() {
    // the plan's pathway boxes follow the new ranking; a pathway ticked before stays ticked
    var box = document.getElementById("plan-choices");
    if (!box) { return; }
    var ticked = {}, titles = {};
    box.querySelectorAll("input[name=chosen]").forEach(function (i) {
      if (i.checked) { ticked[i.value] = true; titles[i.value] = i.parentNode.textContent.trim(); }
    });
    var codes = [];
    document.querySelectorAll("#pathways-block li.pathway").forEach(function (li) {
      codes.push(li.dataset.pathway); titles[li.dataset.pathway] = li.dataset.title;
    });
    Object.keys(ticked).forEach(function (c) { if (codes.indexOf(c) < 0) { codes.push(c); } });
    box.querySelectorAll("div").forEach(function (d) { d.remove(); });
    codes.forEach(function (code) {
      var div = document.createElement("div"), label = document.createElement("label");
      var input = document.createElement("input");
      input.type = "checkbox"; input.name = "chosen"; input.value = code; input.checked = !!ticked[code];
      label.appendChild(input);
      label.appendChild(document.createTextNode(" " + titles[code]));
      div.appendChild(label); box.appendChild(div);
    });
  }
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
        updateChoices();
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
