// A form sent after the sender's session ended comes back here after sign-in: put what they
// typed back into the form it came from, say so, and let them check it and press the button.
(function () {
  "use strict";
  var data = document.getElementById("kept-form");
  if (!data) { return; }
  var kept = JSON.parse(data.textContent);
  var form = null;
  document.querySelectorAll("form[method=post]").forEach(function (f) {
    if (f.getAttribute("action") === kept.action) { form = f; }
  });
  if (!form) { return; }
  var values = {};
  kept.fields.forEach(function (pair) {
    (values[pair[0]] = values[pair[0]] || []).push(pair[1]);
  });
  Object.keys(values).forEach(function (name) {
    if (name === "csrf_token") { return; }
    form.querySelectorAll("[name]").forEach(function (el) {
      if (el.name !== name || el.type === "hidden") { return; }
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = values[name].indexOf(el.value) >= 0;
      } else {
        el.value = values[name][0];
      }
    });
  });
  var note = document.createElement("div");
  note.className = "alert warn";
  note.id = "kept-notice";
  note.setAttribute("role", "status");
  note.setAttribute("tabindex", "-1");
  note.textContent = kept.notice;
  form.insertBefore(note, form.firstChild);
  note.focus();
  note.scrollIntoView({ block: "center" });
})();
