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
  var examples = JSON.parse(document.getElementById("examples").textContent);
  var steps = Array.prototype.slice.call(root.querySelectorAll(".step"));
  var statusEl = document.getElementById("save-status");
  var progress = document.getElementById("progress");
  var progressText = document.getElementById("progress-text");
  var bar = document.getElementById("progress-bar");
  var barTimer = document.getElementById("bar-timer");
  var timeLeft = document.getElementById("time-left");
  var timers = {};
  var running = {};    // task -> time (ms) its clock ends, while it runs on this page
  var usedShare = {};  // task -> share of its time limit used so far (0..1)
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
  function signedOut() {
    // the sign-in ended: /start says so and how to come back; unsent answers stay here
    window.location.assign("/start?next=/assessment");
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
      if (r.status === 401) { signedOut(); return false; }
      if (r.status === 409) { window.location.replace("/results"); return false; }
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

  // ---- progress and navigation: by expected minutes, not by item count
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (m, k) { return String(values[k]); });
  }
  var minutes = steps.map(function (s) { return parseFloat(s.dataset.minutes || "0") || 0; });
  var totalMinutes = minutes.reduce(function (a, b) { return a + b; }, 0);
  var current = 0;
  function shareDone(step, i) {
    // how much of a section is behind the student, 0..1
    var kind = step.dataset.kind;
    if (kind === "welcome") { return current > i ? 1 : 0; }
    if (kind === "likert") {
      var sets = step.querySelectorAll("fieldset.likert[data-item]"), n = 0;
      sets.forEach(function (fs) { if (fs.querySelector("input:checked")) { n += 1; } });
      return sets.length ? n / sets.length : 1;
    }
    if (kind === "task") {
      if (step.dataset.finished === "1") { return 1; }
      if (step.dataset.started !== "1") { return 0; }
      var limit = parseFloat(step.dataset.limit) / 60, m = minutes[i] || 1;
      return Math.min(1, ((m - limit) + limit * (usedShare[step.dataset.task] || 0)) / m);
    }
    if (kind === "plans") {
      // the county is usually filled in from the school, so only the three questions count
      var given = ["plan", "will_commute", "will_relocate"].filter(function (f) {
        return answers[f] !== undefined && answers[f] !== null;
      }).length;
      return given / 3;
    }
    return 0;
  }
  function updateProgress() {
    var done = 0;
    steps.forEach(function (s, i) { done += minutes[i] * shareDone(s, i); });
    var pct = totalMinutes ? Math.round(100 * done / totalMinutes) : 0;
    var left = Math.round(totalMinutes - done);
    var words = left >= 2 ? fill(text.minutes_left, { n: left }) : left === 1 ? text.minutes_left_one : text.minutes_none;
    progress.value = pct;
    progress.setAttribute("aria-valuetext", pct + "% · " + words);
    progressText.textContent = fill(text.section_of, { n: current + 1, total: steps.length }) + " · " + words;
  }
  function showTimer() {
    var step = steps[current];
    barTimer.hidden = !(step && step.dataset.kind === "task" && running[step.dataset.task]);
  }
  function show(index, focus) {
    current = Math.max(0, Math.min(steps.length - 1, index));
    steps.forEach(function (s, i) { s.hidden = i !== current; });
    store("step", current);
    var step = steps[current];
    if (step.dataset.kind === "task") { prepareTask(step); }
    updateProgress();
    showTimer();
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
  function svgFigure(fig, label) {
    // the drawing follows the item's numbers; label (from the server) states the same facts
    var ns = "http://www.w3.org/2000/svg", svg = document.createElementNS(ns, "svg"), w = 320, h = 150;
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
    } else if (fig.type === "lever") {
      var span = fig.load_arm + fig.effort_arm, unit = 260 / span, pivot = 30 + fig.load_arm * unit;
      el(svg, "line", { x1: 30, y1: 80, x2: 290, y2: 80, stroke: "#1b1b1b", "stroke-width": "5" });
      el(svg, "polygon", { points: pivot + ",83 " + (pivot - 14) + ",110 " + (pivot + 14) + ",110", fill: "#565c65" });
      el(svg, "rect", { x: 14, y: 46, width: 32, height: 32, fill: "#d9e8f6", stroke: "#005ea2", "stroke-width": "2" });
      el(svg, "text", { x: 30, y: 40, "text-anchor": "middle", "font-size": "13", fill: "#1b1b1b" }, fig.load + " lb");
      el(svg, "line", { x1: 290, y1: 30, x2: 290, y2: 70, stroke: "#c05600", "stroke-width": "3" });
      el(svg, "polygon", { points: "283,66 297,66 290,78", fill: "#c05600" });
      el(svg, "text", { x: (30 + pivot) / 2, y: 130, "text-anchor": "middle", "font-size": "13", fill: "#1b1b1b" }, fig.load_arm + " ft");
      el(svg, "text", { x: (pivot + 290) / 2, y: 130, "text-anchor": "middle", "font-size": "13", fill: "#1b1b1b" }, fig.effort_arm + " ft");
    } else if (fig.type === "pulley") {
      // geometry from the server (recommender.aptitude_items.pulley_drawing): one rope over
      // wheels, the pull arrow starting at the rope's free end
      var c = fig.ceiling, box = fig.load_box, ink = "#1b1b1b";
      el(svg, "line", { x1: c[0], y1: c[2], x2: c[1], y2: c[2], stroke: "#565c65", "stroke-width": "4" });
      fig.straps.forEach(function (st) {
        el(svg, "line", { x1: st[0], y1: st[1], x2: st[2], y2: st[3], stroke: "#565c65", "stroke-width": "3" });
      });
      el(svg, "rect", { x: box[0], y: box[1], width: box[2], height: box[3], fill: "#d9e8f6", stroke: "#005ea2", "stroke-width": "2" });
      el(svg, "text", { x: box[0] + box[2] / 2, y: box[1] + box[3] / 2 + 5, "text-anchor": "middle", "font-size": "13", fill: ink }, fig.load + " lb");
      fig.wheels.forEach(function (wh) {
        el(svg, "circle", { cx: wh.x, cy: wh.y, r: wh.r, fill: "#f0f0f0", stroke: "#565c65", "stroke-width": "2", "class": "wheel" });
        el(svg, "circle", { cx: wh.x, cy: wh.y, r: 2.5, fill: ink });
        // the rope wraps over a fixed wheel's top and under a moving wheel's bottom
        var sweep = wh.fixed ? 1 : 0;
        el(svg, "path", { d: "M" + (wh.x - wh.r) + "," + wh.y + " A" + wh.r + "," + wh.r + " 0 0 " + sweep + " " + (wh.x + wh.r) + "," + wh.y,
          fill: "none", stroke: ink, "stroke-width": "2" });
      });
      fig.segments.forEach(function (sg) {
        el(svg, "line", { x1: sg[0], y1: sg[1], x2: sg[2], y2: sg[3], stroke: ink, "stroke-width": "2", "class": "rope" });
      });
      fig.anchors.forEach(function (an) { el(svg, "circle", { cx: an[0], cy: an[1], r: 3, fill: ink }); });
      var ar = fig.arrow;
      el(svg, "polygon", { points: (ar.x - 7) + "," + ar.y + " " + (ar.x + 7) + "," + ar.y + " " + ar.x + "," + ar.tip, fill: "#c05600", "class": "pull-arrow" });
      w = Math.max(fig.width, 320); h = fig.height;
    } else { return null; }
    svg.setAttribute("viewBox", "0 0 " + w + " " + h);
    svg.setAttribute("aria-label", label || "");
    return svg;
  }
  function buildItem(item, name, checked, onChoose) {
    // one item as a group of radio buttons; a perceptual item is one compact row (a radio
    // group labelled by its number and codes), the others a fieldset with the prompt as legend
    var compact = item.prompt.left !== undefined;
    var fs = document.createElement(compact ? "div" : "fieldset");
    if (compact) {
      fs.className = "task-item ps-item";
      fs.setAttribute("role", "radiogroup");
      var lg = document.createElement("span"), labelId = "lbl-" + name.replace(/[^\w-]/g, "-");
      lg.className = "ps-label"; lg.id = labelId;
      fs.setAttribute("aria-labelledby", labelId);
      var num = document.createElement("span");
      num.className = "ps-num";
      num.textContent = item.index === undefined ? "" : (item.index + 1) + ".";
      lg.appendChild(num);
      [item.prompt.left, item.prompt.right].forEach(function (code, k) {
        if (k === 1) {
          var and = document.createElement("span");
          and.className = "visually-hidden"; and.textContent = " " + text.code_and + " ";
          lg.appendChild(and);
        }
        var c = document.createElement("span");
        c.className = "codes"; c.textContent = code;
        lg.appendChild(c);
      });
      fs.appendChild(lg);
    } else {
      fs.className = "task-item";
      var legend = document.createElement("legend");
      legend.textContent = (item.index === undefined ? "" : (item.index + 1) + ". ") + item.prompt.text;
      fs.appendChild(legend);
    }
    if (item.prompt.shape) { fs.appendChild(svgCells(item.prompt.shape, text.first_shape)); }
    if (item.prompt.figure) {
      var drawn = svgFigure(item.prompt.figure, item.prompt.figure_label);
      if (drawn) { fs.appendChild(drawn); }
    }
    var choices = document.createElement("div");
    choices.className = "choices";
    item.options.forEach(function (opt, k) {
      var label = document.createElement("label");
      var input = document.createElement("input");
      input.type = "radio";
      input.name = name;
      input.value = String(k);
      if (checked === k) { input.checked = true; }
      input.addEventListener("change", function () { onChoose(k); });
      label.appendChild(input);
      if (Array.isArray(opt)) {
        label.appendChild(svgCells(opt, text.shape + " " + (k + 1)));
      } else {
        label.appendChild(document.createTextNode(" " + opt));
      }
      choices.appendChild(label);
    });
    fs.appendChild(choices);
    return fs;
  }
  function renderItems(step, items) {
    var box = step.querySelector(".task-items");
    var task = step.dataset.task;
    box.textContent = "";
    var saved = answers.aptitude[task] || {};
    var list = document.createElement("div");
    list.className = items.length && items[0].prompt.left !== undefined ? "item-list ps-list" : "item-list";
    items.forEach(function (item) {
      list.appendChild(buildItem(item, task + "." + item.index, saved[String(item.index)], function (k) {
        recordTask(task, String(item.index), k);
      }));
    });
    box.appendChild(list);
    if (list.classList.contains("ps-list")) { paginate(step, list); }
  }
  function paginate(step, list) {
    // a screenful of rows at a time, so nothing needs scrolling while the clock runs
    var rows = Array.prototype.slice.call(list.children);
    var pager = document.createElement("div");
    pager.className = "pager";
    var prev = document.createElement("button"), next = document.createElement("button"), status = document.createElement("p");
    prev.type = next.type = "button";
    prev.className = "button secondary page-prev"; prev.textContent = text.page_prev;
    next.className = "button page-next"; next.textContent = text.page_next;
    status.className = "page-status"; status.setAttribute("aria-live", "polite");
    pager.appendChild(prev); pager.appendChild(status); pager.appendChild(next);
    list.parentNode.appendChild(pager);
    var h2 = step.querySelector("h2");
    h2.style.scrollMarginTop = (bar.offsetHeight + 8) + "px";
    h2.scrollIntoView();
    var top = list.getBoundingClientRect().top;
    var rowH = rows[0].getBoundingClientRect().height + parseFloat(getComputedStyle(rows[0]).marginBottom || "0");
    var cols = getComputedStyle(list).gridTemplateColumns.split(" ").filter(Boolean).length || 1;
    var room = window.innerHeight - top - pager.offsetHeight - 24;
    var size = Math.max(2, Math.floor(room / rowH)) * cols;
    var page = 0, pages = Math.ceil(rows.length / size);
    function turn(to, focus) {
      page = Math.max(0, Math.min(pages - 1, to));
      rows.forEach(function (r, i) { r.hidden = Math.floor(i / size) !== page; });
      var first = page * size;
      status.textContent = fill(text.page_status, { first: first + 1, last: Math.min(rows.length, first + size), total: rows.length });
      prev.hidden = page === 0;
      next.hidden = page === pages - 1;
      if (focus) { var input = rows[first].querySelector("input"); if (input) { input.focus(); } }
    }
    prev.addEventListener("click", function () { turn(page - 1, true); });
    next.addEventListener("click", function () { turn(page + 1, true); });
    list.dataset.pageSize = String(size);
    turn(0, false);
  }
  function showExample(step) {
    var task = step.dataset.task, ex = examples[task], holder = step.querySelector(".example-item");
    if (!ex || !holder || holder.childNodes.length) { return; }
    var feedback = step.querySelector(".example-feedback");
    holder.appendChild(buildItem(ex, "example." + task, undefined, function (k) {
      feedback.textContent = (k === ex.key ? text.example_right : text.example_wrong) + " " + ex.explain;
    }));
  }
  function setTaskDone(step) {
    step.dataset.finished = "1";
    clearInterval(timers[step.dataset.task]);
    delete running[step.dataset.task];
    step.querySelectorAll(".task-items input").forEach(function (i) { i.disabled = true; });
    step.querySelector(".task-items").hidden = true;
    step.querySelectorAll(".task-intro, .ps-instructions").forEach(function (n) { n.hidden = true; });
    step.querySelector(".task-done").hidden = false;
    step.querySelector(".start-task").hidden = true;
    step.querySelector(".finish-task").hidden = true;
    step.querySelector(".next").hidden = false;
    updateProgress();
    showTimer();
  }
  function prepareTask(step) {
    if (step.dataset.finished === "1") { setTaskDone(step); return; }
    if (step.dataset.started === "1" && !timers[step.dataset.task]) { startTask(step, true); return; }
    if (step.dataset.started !== "1") { showExample(step); }
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
        if (r.status === 401) { signedOut(); }
        if (r.status === 409) { window.location.replace("/results"); }
        if (!r.ok) { throw new Error(String(r.status)); }
        return r.json();
      })
      .then(function (data) {
        step.dataset.started = "1";
        if (data.finished || data.remaining_s <= 0) { setTaskDone(step); return; }
        step.querySelector(".start-task").hidden = true;
        step.querySelector(".finish-task").hidden = false;
        step.querySelectorAll(".task-intro").forEach(function (n) { n.hidden = true; });
        var announce = step.querySelector(".task-announce");
        var end = Date.now() + data.remaining_s * 1000, limit = data.time_limit_s || parseFloat(step.dataset.limit);
        running[task] = end;
        showTimer();
        renderItems(step, data.items);
        function tick() {
          var s = Math.max(0, Math.round((end - Date.now()) / 1000));
          usedShare[task] = limit ? 1 - s / limit : 0;
          if (steps[current] === step) {
            timeLeft.textContent = Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
            barTimer.classList.toggle("low", s <= 30);
          }
          if (s === 60 || s === 30) { announce.textContent = text.timer + ": " + Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0"); }
          if (s % 15 === 0) { updateProgress(); }
          if (s === 0) { announce.textContent = text.task_over; finishTask(step); }
        }
        tick();
        clearInterval(timers[task]);
        timers[task] = setInterval(tick, 1000);
        var first = step.querySelector(".task-items input");
        if (first) { first.focus({ preventScroll: true }); }
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
  function missingParts() {
    // the sections that still hold unanswered items of a scale below its minimum, and the
    // plans question; each named once, in page order
    var problems = [];
    function add(step, target, words) {
      if (!problems.some(function (p) { return p.target === target; })) {
        problems.push({ step: step, target: target, words: words });
      }
    }
    [["interests", root.dataset.minInterests], ["values", root.dataset.minValues]].forEach(function (pair) {
      var counts = {}, open = {}, need = parseInt(pair[1], 10);
      root.querySelectorAll("fieldset.likert[data-item]").forEach(function (fs) {
        var input = fs.querySelector("input[data-section]");
        if (!input || input.dataset.section !== pair[0]) { return; }
        var scale = fs.dataset.scale, done = !!fs.querySelector("input:checked");
        counts[scale] = (counts[scale] || 0) + (done ? 1 : 0);
        if (!done) { (open[scale] = open[scale] || []).push(fs.closest(".step")); }
      });
      Object.keys(counts).forEach(function (scale) {
        if (counts[scale] < need) {
          (open[scale] || []).forEach(function (step) {
            add(step, step, step.querySelector("h2").textContent + " — " + text.needs_more);
          });
        }
      });
    });
    if (answers.plan === undefined || answers.plan === null) {
      var q = document.getElementById("plan-question");
      add(q.closest(".step"), q, q.querySelector("legend").textContent + " — " + text.plan_needed);
    }
    problems.sort(function (a, b) { return steps.indexOf(a.step) - steps.indexOf(b.step); });
    return problems;
  }
  function submit() {
    var box = document.getElementById("submit-problems"), list = box.querySelector("ul");
    list.textContent = "";
    var missing = missingParts();
    if (missing.length) {
      missing.forEach(function (p) {
        var li = document.createElement("li"), a = document.createElement("a");
        a.href = "#" + p.target.id;
        a.textContent = p.words;
        a.addEventListener("click", function (e) {
          e.preventDefault();
          if (steps[current] !== p.step) { show(steps.indexOf(p.step), true); }
          if (p.target !== p.step) { p.target.focus(); }
        });
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
      if (r.status === 401) { signedOut(); return; }
      if (r.ok || r.status === 409) {
        // 409: already submitted (from another tab or device): the results are there
        try { ["pending", "step", "client_key"].forEach(function (n) { localStorage.removeItem(KEY + "." + n); }); } catch (e) { /* ignore */ }
        // replace: Back from the results must not come back to an emptied assessment page
        window.location.replace("/results");
        return;
      }
      return r.json().then(function (p) {
        var first = (p.errors && p.errors[0]) || {};
        button.disabled = false;
        say(first.message ? first.field.replace(/^answers\./, "") + ": " + first.message : p.detail);
      });
    }).catch(function () { button.disabled = false; say(text.submit_offline); });
  }
  window.addEventListener("pageshow", function (e) {
    // a page restored from the browser's back-forward cache may be out of date (submitted
    // since, from here or another tab): ask the server again, which sends a finished one on
    // to the results
    if (e.persisted) { window.location.reload(); }
  });

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
  if (county && county.dataset.default && !answers.county_fips) {
    // the school's county, until the student chooses another
    county.value = county.dataset.default;
    record("county_fips", null, county.dataset.default);
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
