// The student assessment: one section at a time, autosave to the server, unsent answers kept in
// localStorage so a reload or a dropped connection loses nothing, and timed tasks. It calls the
// JSON API (/assessments/{id}/...) with the student's session cookie and sends the page's CSRF
// token (the csrf-token meta tag) as X-CSRF-Token on every call that changes something. A timed
// task's clock starts only with POST .../start (the Start button); a reload reads it with GET.
(function () {
  "use strict";
  var root = document.getElementById("assessment");
  if (!root) { return; }
  var id = root.dataset.id;
  var API = "/assessments/" + id;
  var KEY = "pathways.assessment." + id;
  var text = JSON.parse(document.getElementById("page-text").textContent);
  var server = JSON.parse(document.getElementById("saved-answers").textContent);
  var taskState = JSON.parse(document.getElementById("task-state").textContent);
  var steps = Array.prototype.slice.call(root.querySelectorAll(".step"));
  var statusEl = document.getElementById("save-status");
  var progress = document.getElementById("progress");
  var progressText = document.getElementById("progress-text");
  var timers = {};
  var tokenTag = document.querySelector("meta[name=csrf-token]");
  var CSRF = tokenTag ? tokenTag.getAttribute("content") : "";
  function sending(method, body) {
    // options for a call that changes something: same-origin cookie, the page's token, JSON body
    var headers = { "X-CSRF-Token": CSRF };
    if (body !== undefined) { headers["Content-Type"] = "application/json"; }
    var opts = { method: method, credentials: "same-origin", headers: headers };
    if (body !== undefined) { opts.body = JSON.stringify(body); }
    return opts;
  }
  function stale(r) {
    // 403: the page's token is no longer this browser's (someone signed in or out since): reload
    // the page for a fresh one; unsent answers stay in localStorage
    if (r.status === 403) { window.location.assign("/assessment"); return true; }
    return false;
  }

  function load(name, fallback) {
    try { var v = localStorage.getItem(KEY + "." + name); return v === null ? fallback : JSON.parse(v); }
    catch (e) { return fallback; }
  }
  function store(name, value) {
    try { localStorage.setItem(KEY + "." + name, JSON.stringify(value)); } catch (e) { /* storage full or blocked */ }
  }
  function emptyBatch() { return { interests: {}, values: {}, aptitude: {} }; }

  // answers = what the server has, with unsent local changes on top
  var pending = load("pending", emptyBatch());
  var answers = {
    interests: Object.assign({}, server.interests || {}, pending.interests),
    values: Object.assign({}, server.values || {}, pending.values),
    aptitude: {},
    plan: "plan" in pending ? pending.plan : server.plan,
    county_fips: "county_fips" in pending ? pending.county_fips : server.county_fips,
    will_commute: "will_commute" in pending ? pending.will_commute : server.will_commute,
    will_relocate: "will_relocate" in pending ? pending.will_relocate : server.will_relocate
  };
  Object.keys(server.aptitude || {}).forEach(function (t) { answers.aptitude[t] = Object.assign({}, server.aptitude[t]); });
  Object.keys(pending.aptitude || {}).forEach(function (t) {
    answers.aptitude[t] = Object.assign(answers.aptitude[t] || {}, pending.aptitude[t]);
  });

  function hasPending() {
    return Object.keys(pending.interests).length + Object.keys(pending.values).length +
      Object.keys(pending.aptitude).length > 0 || "plan" in pending || "county_fips" in pending ||
      "will_commute" in pending || "will_relocate" in pending;
  }

  // ---- saving
  var flushTimer = null, inFlight = false;
  function say(msg) { statusEl.textContent = msg; }
  function schedule(ms) { clearTimeout(flushTimer); flushTimer = setTimeout(flush, ms); }
  function flush() {
    if (inFlight || !hasPending()) { return Promise.resolve(true); }
    inFlight = true;
    var batch = JSON.parse(JSON.stringify(pending));
    say(text.saving);
    return fetch(API + "/answers", sending("PUT", batch)).then(function (r) {
      inFlight = false;
      if (stale(r)) { return false; }
      if (r.status === 401) { window.location.assign("/start?next=/assessment"); return false; }
      if (r.status === 409) { window.location.assign("/results"); return false; }
      if (r.status === 422) {
        return r.json().then(function (p) {
          var first = (p.errors && p.errors[0]) || {};
          dropSent(batch, first.field || "");
          say(first.message ? first.field.replace(/^body\./, "") + ": " + first.message : p.detail);
          if (hasPending()) { schedule(1000); }
          return false;
        });
      }
      if (!r.ok) { throw new Error(String(r.status)); }
      dropSent(batch, null);
      say(hasPending() ? text.saving : text.saved);
      if (hasPending()) { schedule(300); }
      return true;
    }).catch(function () {
      inFlight = false;
      say(text.saved_local);
      schedule(5000);
      return false;
    });
  }
  function dropSent(batch, rejected) {
    // forget what the server now has (unless it changed again meanwhile); a rejected field is dropped
    ["interests", "values"].forEach(function (s) {
      Object.keys(batch[s] || {}).forEach(function (k) { if (pending[s][k] === batch[s][k]) { delete pending[s][k]; } });
    });
    Object.keys(batch.aptitude || {}).forEach(function (t) {
      var sent = batch.aptitude[t], now = pending.aptitude[t] || {};
      Object.keys(sent).forEach(function (k) { if (now[k] === sent[k]) { delete now[k]; } });
      if (Object.keys(now).length === 0) { delete pending.aptitude[t]; }
    });
    ["plan", "county_fips", "will_commute", "will_relocate"].forEach(function (f) {
      if (f in batch && pending[f] === batch[f]) { delete pending[f]; }
    });
    if (rejected !== null) { dropRejected(rejected); }
    store("pending", pending);
  }
  function dropRejected(field) {
    // only the refused answer is forgotten (e.g. "body.aptitude.spatial" after its time ran out);
    // the rest of the batch is sent again
    var parts = field.replace(/^body\./, "").split(".");
    var section = parts[0], key = parts[1];
    if (section === "interests" || section === "values" || section === "aptitude") {
      if (key !== undefined && pending[section]) { delete pending[section][key]; }
      else { pending[section] = {}; }
    } else if (section in pending) { delete pending[section]; }
    else { pending = emptyBatch(); }
  }
  function record(section, key, value) {
    if (section === "interests" || section === "values") {
      answers[section][key] = value; pending[section][key] = value;
    } else { answers[section] = value; pending[section] = value; }
    store("pending", pending);
    updateProgress();
    schedule(600);
  }
  function recordTask(task, index, choice) {
    answers.aptitude[task] = answers.aptitude[task] || {};
    answers.aptitude[task][index] = choice;
    pending.aptitude[task] = pending.aptitude[task] || {};
    pending.aptitude[task][index] = choice;
    store("pending", pending);
    updateProgress();
    schedule(400);
  }
  window.addEventListener("online", function () { schedule(100); });

  // ---- restore inputs
  root.querySelectorAll("input[data-section]").forEach(function (input) {
    var s = input.dataset.section, v = answers[s][input.dataset.item];
    if (v !== undefined && v !== null && String(v) === input.value) { input.checked = true; }
    input.addEventListener("change", function () { record(s, input.dataset.item, parseInt(input.value, 10)); });
  });
  root.querySelectorAll("input[data-field]").forEach(function (input) {
    var f = input.dataset.field, v = answers[f];
    if (v !== undefined && v !== null && String(v) === input.value) { input.checked = true; }
    input.addEventListener("change", function () {
      record(f, null, input.value === "true" ? true : input.value === "false" ? false : input.value);
    });
  });
  var county = root.querySelector("select[data-field]");
  if (county) {
    county.value = answers.county_fips || "";
    county.addEventListener("change", function () { record("county_fips", null, county.value || null); });
  }

  // ---- progress and navigation
  var likertTotal = root.querySelectorAll("fieldset.likert[data-item]").length;
  function countAnswered() {
    var n = 0;
    root.querySelectorAll("fieldset.likert[data-item]").forEach(function (fs) {
      if (fs.querySelector("input:checked")) { n += 1; }
    });
    return n;
  }
  var current = 0;
  function updateProgress() {
    var done = countAnswered();
    var tasks = steps.filter(function (s) { return s.dataset.kind === "task"; });
    var tasksDone = tasks.filter(function (s) { return s.dataset.finished === "1"; }).length;
    var plansDone = answers.plan ? 1 : 0;
    var total = likertTotal + tasks.length + 1;
    var pct = Math.round(100 * (done + tasksDone + plansDone) / total);
    progress.value = pct;
    progressText.textContent = text.section + " " + (current + 1) + " " + text.of + " " + steps.length +
      " · " + done + "/" + likertTotal + " " + text.answered + " · " + pct + "%";
  }
  function show(index, focus) {
    current = Math.max(0, Math.min(steps.length - 1, index));
    steps.forEach(function (s, i) { s.hidden = i !== current; });
    store("step", current);
    var step = steps[current];
    if (step.dataset.kind === "task") { prepareTask(step); }
    updateProgress();
    if (focus) { step.querySelector("h2").focus(); window.scrollTo(0, 0); }
  }
  root.addEventListener("click", function (e) {
    var b = e.target.closest("button");
    if (!b) { return; }
    if (b.classList.contains("next")) { flush(); show(current + 1, true); }
    else if (b.classList.contains("back")) { show(current - 1, true); }
    else if (b.classList.contains("start-task")) { startTask(b.closest(".step"), false); }
    else if (b.classList.contains("finish-task")) { finishTask(b.closest(".step")); }
    else if (b.id === "submit") { submit(); }
  });

  // ---- timed tasks
  function svgCells(cells, label) {
    var size = 12, maxR = 0, maxC = 0;
    cells.forEach(function (c) { maxR = Math.max(maxR, c[0]); maxC = Math.max(maxC, c[1]); });
    var n = Math.max(maxR, maxC) + 1;
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 " + (n * size + 2) + " " + (n * size + 2));
    svg.setAttribute("class", "shape");
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", label);
    cells.forEach(function (c) {
      var r = document.createElementNS(ns, "rect");
      r.setAttribute("x", 1 + c[1] * size); r.setAttribute("y", 1 + c[0] * size);
      r.setAttribute("width", size); r.setAttribute("height", size);
      r.setAttribute("fill", "#005ea2"); r.setAttribute("stroke", "#fff");
      svg.appendChild(r);
    });
    return svg;
  }
  // mechanical figures drawn from the item's numbers; the text alternative states the same facts
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (m, k) { return String(values[k]); });
  }
  function el(svg, name, attrs, body) {
    var node = document.createElementNS("http://www.w3.org/2000/svg", name);
    Object.keys(attrs).forEach(function (a) { node.setAttribute(a, attrs[a]); });
    if (body !== undefined) { node.textContent = body; }
    svg.appendChild(node);
    return node;
  }
  function gear(svg, cx, cy, teeth, label) {
    var r = 8 + teeth * 1.1, d = "";
    for (var i = 0; i < teeth * 2; i += 1) {
      var a = Math.PI * i / teeth, rr = i % 2 === 0 ? r + 5 : r;
      d += (i === 0 ? "M" : "L") + (cx + rr * Math.cos(a)).toFixed(1) + "," + (cy + rr * Math.sin(a)).toFixed(1);
    }
    el(svg, "path", { d: d + "Z", fill: "#d9e8f6", stroke: "#005ea2", "stroke-width": "2" });
    el(svg, "circle", { cx: cx, cy: cy, r: 3, fill: "#1b1b1b" });
    el(svg, "text", { x: cx, y: cy + r + 22, "text-anchor": "middle", "font-size": "13", fill: "#1b1b1b" }, label);
    return r + 5;
  }
  function svgFigure(fig) {
    var ns = "http://www.w3.org/2000/svg", svg = document.createElementNS(ns, "svg"), label = "", w = 320, h = 150;
    svg.setAttribute("class", "figure");
    svg.setAttribute("role", "img");
    if (fig.type === "gear_chain" || fig.type === "gear_pair") {
      var big = Math.max.apply(null, fig.teeth) * 1.1 + 13;
      var x = 10, y = big + 20, names = fig.type === "gear_pair" ? ["A", "B"] : null;
      fig.teeth.forEach(function (t, i) {
        var r = 8 + t * 1.1 + 5;
        x += r;
        gear(svg, x, y, t, names ? names[i] + " (" + t + ")" : String(t));
        x += r - 4;
      });
      w = Math.max(x + 10, 320); h = 2 * big + 50;
      if (fig.first) {
        el(svg, "text", { x: 6, y: 14, "font-size": "13", fill: "#1b1b1b" }, fig.first === "clockwise" ? "↻" : "↺");
      }
      label = fig.type === "gear_pair" ? fill(text.fig_pair, { a: fig.teeth[0], b: fig.teeth[1] })
        : fill(text.fig_gears, { n: fig.teeth.length, teeth: fig.teeth.join(", "), dir: text[fig.first] || fig.first });
    } else if (fig.type === "lever") {
      var span = fig.load_arm + fig.effort_arm, unit = 260 / span, pivot = 30 + fig.load_arm * unit;
      el(svg, "line", { x1: 30, y1: 80, x2: 290, y2: 80, stroke: "#1b1b1b", "stroke-width": "5" });
      el(svg, "polygon", { points: pivot + ",83 " + (pivot - 14) + ",110 " + (pivot + 14) + ",110", fill: "#565c65" });
      el(svg, "rect", { x: 14, y: 46, width: 32, height: 32, fill: "#d9e8f6", stroke: "#005ea2", "stroke-width": "2" });
      el(svg, "text", { x: 30, y: 40, "text-anchor": "middle", "font-size": "13", fill: "#1b1b1b" }, fig.load + " lb");
      el(svg, "line", { x1: 290, y1: 30, x2: 290, y2: 74, stroke: "#c05600", "stroke-width": "3" });
      el(svg, "polygon", { points: "283,66 297,66 290,78", fill: "#c05600" });
      el(svg, "text", { x: (30 + pivot) / 2, y: 130, "text-anchor": "middle", "font-size": "13", fill: "#1b1b1b" }, fig.load_arm + " ft");
      el(svg, "text", { x: (pivot + 290) / 2, y: 130, "text-anchor": "middle", "font-size": "13", fill: "#1b1b1b" }, fig.effort_arm + " ft");
      label = fill(text.fig_lever, { load: fig.load, la: fig.load_arm, ea: fig.effort_arm });
    } else if (fig.type === "pulley") {
      var n = fig.ropes, gap = 22, left = 60, right = left + gap * (n - 1);
      el(svg, "line", { x1: 20, y1: 12, x2: right + 60, y2: 12, stroke: "#565c65", "stroke-width": "4" });
      for (var k = 0; k < n; k += 1) {
        el(svg, "line", { x1: left + k * gap, y1: 12, x2: left + k * gap, y2: 96, stroke: "#1b1b1b", "stroke-width": "2" });
      }
      el(svg, "rect", { x: left - 14, y: 96, width: right - left + 28, height: 34, fill: "#d9e8f6", stroke: "#005ea2", "stroke-width": "2" });
      el(svg, "text", { x: (left + right) / 2, y: 118, "text-anchor": "middle", "font-size": "13", fill: "#1b1b1b" }, fig.load + " lb");
      el(svg, "line", { x1: right + 40, y1: 12, x2: right + 40, y2: 80, stroke: "#c05600", "stroke-width": "3" });
      el(svg, "polygon", { points: (right + 33) + ",72 " + (right + 47) + ",72 " + (right + 40) + ",84", fill: "#c05600" });
      w = Math.max(right + 80, 320);
      label = fill(text.fig_pulley, { load: fig.load, ropes: n });
    } else { return null; }
    svg.setAttribute("viewBox", "0 0 " + w + " " + h);
    svg.setAttribute("aria-label", label);
    return svg;
  }
  function renderItems(step, items) {
    var box = step.querySelector(".task-items");
    var task = step.dataset.task;
    box.textContent = "";
    var saved = answers.aptitude[task] || {};
    items.forEach(function (item) {
      var fs = document.createElement("fieldset");
      fs.className = "task-item";
      var lg = document.createElement("legend");
      lg.textContent = (item.index + 1) + ". " + item.prompt.text;
      fs.appendChild(lg);
      if (item.prompt.left !== undefined) {
        var p = document.createElement("p");
        p.className = "codes";
        p.textContent = item.prompt.left + "   |   " + item.prompt.right;
        fs.appendChild(p);
      }
      if (item.prompt.shape) { fs.appendChild(svgCells(item.prompt.shape, text.first_shape)); }
      if (item.prompt.figure) { var drawn = svgFigure(item.prompt.figure); if (drawn) { fs.appendChild(drawn); } }
      var choices = document.createElement("div");
      choices.className = "choices";
      item.options.forEach(function (opt, k) {
        var label = document.createElement("label");
        var input = document.createElement("input");
        input.type = "radio";
        input.name = task + "." + item.index;
        input.value = String(k);
        if (saved[String(item.index)] === k) { input.checked = true; }
        input.addEventListener("change", function () { recordTask(task, String(item.index), k); });
        label.appendChild(input);
        if (Array.isArray(opt)) {
          label.appendChild(svgCells(opt, text.shape + " " + (k + 1)));
        } else {
          label.appendChild(document.createTextNode(" " + opt));
        }
        choices.appendChild(label);
      });
      fs.appendChild(choices);
      box.appendChild(fs);
    });
  }
  function setTaskDone(step) {
    step.dataset.finished = "1";
    clearInterval(timers[step.dataset.task]);
    step.querySelectorAll(".task-items input").forEach(function (i) { i.disabled = true; });
    step.querySelector(".task-items").hidden = true;
    step.querySelector(".timer").hidden = true;
    step.querySelector(".task-done").hidden = false;
    step.querySelector(".start-task").hidden = true;
    step.querySelector(".finish-task").hidden = true;
    step.querySelector(".next").hidden = false;
    step.querySelector(".task-intro").hidden = true;
    updateProgress();
  }
  function prepareTask(step) {
    if (step.dataset.finished === "1") { setTaskDone(step); return; }
    if (step.dataset.started === "1" && !timers[step.dataset.task]) { startTask(step, true); }
  }
  function startTask(step, resume) {
    // the Start button starts the clock (POST); a task already started is read again (GET)
    var task = step.dataset.task;
    step.querySelector(".start-task").disabled = true;
    var call = resume ? fetch(API + "/aptitude/" + task, { credentials: "same-origin" })
      : fetch(API + "/aptitude/" + task + "/start", sending("POST"));
    call
      .then(function (r) {
        if (stale(r)) { throw new Error("stale page"); }
        if (r.status === 401) { window.location.assign("/start?next=/assessment"); }
        if (r.status === 409) { window.location.assign("/results"); }
        if (!r.ok) { throw new Error(String(r.status)); }
        return r.json();
      })
      .then(function (data) {
        step.dataset.started = "1";
        if (data.finished || data.remaining_s <= 0) { setTaskDone(step); return; }
        renderItems(step, data.items);
        step.querySelector(".start-task").hidden = true;
        step.querySelector(".finish-task").hidden = false;
        step.querySelector(".task-intro").hidden = true;
        var timer = step.querySelector(".timer");
        timer.hidden = false;
        var left = step.querySelector(".time-left"), announce = step.querySelector(".task-announce");
        var end = Date.now() + data.remaining_s * 1000;
        function tick() {
          var s = Math.max(0, Math.round((end - Date.now()) / 1000));
          left.textContent = Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
          timer.classList.toggle("low", s <= 30);
          if (s === 60 || s === 30) { announce.textContent = text.timer + ": " + left.textContent; }
          if (s === 0) { announce.textContent = text.task_over; finishTask(step); }
        }
        tick();
        clearInterval(timers[task]);
        timers[task] = setInterval(tick, 1000);
        var first = step.querySelector(".task-items input");
        if (first) { first.focus(); }
      })
      .catch(function () { step.querySelector(".start-task").disabled = false; say(text.submit_offline); });
  }
  function finishTask(step) {
    var task = step.dataset.task;
    clearInterval(timers[task]);
    flush().then(function () {
      return fetch(API + "/aptitude/" + task + "/finish", sending("POST"));
    }).catch(function () { /* the server closes the task at its time limit anyway */ });
    setTaskDone(step);
    step.querySelector(".next").focus();
  }

  // ---- submit
  function missingScales() {
    var problems = [];
    [["interests", root.dataset.minInterests], ["values", root.dataset.minValues]].forEach(function (pair) {
      var counts = {}, need = parseInt(pair[1], 10);
      root.querySelectorAll("fieldset.likert[data-item]").forEach(function (fs) {
        var input = fs.querySelector("input[data-section]");
        if (!input || input.dataset.section !== pair[0]) { return; }
        var scale = fs.dataset.scale;
        counts[scale] = (counts[scale] || 0) + (fs.querySelector("input:checked") ? 1 : 0);
      });
      Object.keys(counts).forEach(function (scale) {
        if (counts[scale] < need) {
          var step = root.querySelector("fieldset.likert[data-scale='" + scale + "'] input[data-section='" + pair[0] + "']").closest(".step");
          if (problems.indexOf(step) < 0) { problems.push(step); }
        }
      });
    });
    return problems;
  }
  function submit() {
    var box = document.getElementById("submit-problems"), list = box.querySelector("ul");
    list.textContent = "";
    var missing = missingScales();
    if (missing.length) {
      missing.forEach(function (step) {
        var li = document.createElement("li"), a = document.createElement("a");
        a.href = "#" + step.id;
        a.textContent = step.querySelector("h2").textContent + " — " + text.needs_more;
        a.addEventListener("click", function (e) { e.preventDefault(); show(steps.indexOf(step), true); });
        li.appendChild(a); list.appendChild(li);
      });
      box.hidden = false; box.focus();
      return;
    }
    box.hidden = true;
    var key = load("client_key", null);
    if (!key) { key = id + "-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 10); store("client_key", key); }
    var button = document.getElementById("submit");
    button.disabled = true;
    flush().then(function (ok) {
      if (!ok || hasPending()) { throw new Error("offline"); }
      return fetch(API + "/submit", sending("POST", { client_key: key }));
    }).then(function (r) {
      if (stale(r)) { return; }
      if (r.status === 401) { window.location.assign("/start?next=/assessment"); return; }
      if (r.ok || r.status === 409) {
        // 409: already submitted (from another tab or device): the results are there
        try { ["pending", "step", "client_key"].forEach(function (n) { localStorage.removeItem(KEY + "." + n); }); } catch (e) { /* ignore */ }
        window.location.assign("/results");
        return;
      }
      return r.json().then(function (p) {
        var first = (p.errors && p.errors[0]) || {};
        button.disabled = false;
        say(first.message ? first.field.replace(/^answers\./, "") + ": " + first.message : p.detail);
      });
    }).catch(function () { button.disabled = false; say(text.submit_offline); });
  }

  box_init();
  function box_init() {
    var box = document.getElementById("submit-problems");
    if (box) { box.setAttribute("tabindex", "-1"); }
  }
  Object.keys(taskState).forEach(function (t) {
    var step = document.getElementById("step-task-" + t);
    if (step && taskState[t].finished) { step.dataset.finished = "1"; }
  });
  if (root.dataset.language !== root.dataset.pageLang) {
    // the language was switched since the assessment began: tell the server (timed tasks follow)
    fetch("/assessments", sending("POST", { language: root.dataset.pageLang })).catch(function () { /* next load */ });
  }
  var first = load("step", 0);
  if (window.location.hash === "#begin" && first === 0) {
    // just begun with the welcome page's Begin button: go on to the first section
    history.replaceState(null, "", window.location.pathname);
    show(1, true);
  } else {
    show(first, false);
  }
  if (hasPending()) { schedule(200); } else { say(""); }
})();
