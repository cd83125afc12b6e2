// actfn comparison page: draws the curves that the site builder embedded in the page
// (a grid of parameter values per activation) as SVG.  No third-party code, no network.
(function () {
  "use strict";

  var SVG_NS = "http://www.w3.org/2000/svg";
  var COLOURS = ["#1d4ed8", "#b45309", "#047857", "#be123c", "#6d28d9", "#0e7490",
                 "#4d7c0f", "#a21caf", "#374151"];
  var W = 640, H = 400, ML = 52, MR = 16, MT = 16, MB = 44;
  var lastNarrow = null;
  var CAP = 6;

  var data = JSON.parse(document.getElementById("compare-data").textContent);
  var svg = document.getElementById("compare-plot");
  var legend = document.getElementById("legend");
  var status = document.getElementById("compare-status");
  var showDerivative = document.getElementById("show-derivative");
  var byName = {};
  data.activations.forEach(function (a) { byName[a.name] = a; });

  function el(name, attrs, text) {
    var node = document.createElementNS(SVG_NS, name);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, String(attrs[k])); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function selected() {
    var boxes = document.querySelectorAll(".pickers input[type=checkbox]");
    var out = [];
    boxes.forEach(function (b) { if (b.checked && byName[b.value]) { out.push(b.value); } });
    return out;
  }

  function sliderFor(name, param) {
    return document.getElementById("p-" + name + "-" + param);
  }

  // Index of the current parameter combination in the builder's row-major grid.
  function comboIndex(entry) {
    var index = 0;
    entry.params.forEach(function (p) {
      var input = sliderFor(entry.name, p.name);
      var k = input ? Number(input.value) : p["default"];
      index = index * p.values.length + k;
    });
    return index;
  }

  function niceTicks(lo, hi, target) {
    var raw = (hi - lo) / target;
    var mag = Math.pow(10, Math.floor(Math.log10(raw)));
    var step = [1, 2, 5, 10].map(function (m) { return m * mag; })
      .filter(function (s) { return s >= raw; })[0];
    var ticks = [];
    for (var t = Math.ceil(lo / step - 1e-9) * step; t <= hi + 1e-9 * step; t += step) {
      ticks.push(Math.abs(t) < 1e-12 * step ? 0 : t);
    }
    return ticks;
  }

  function label(v) {
    return String(Number(v.toPrecision(6))).replace("-", "\u2212");
  }

  function updateSliderLabels(name) {
    var entry = byName[name];
    entry.params.forEach(function (p) {
      var input = sliderFor(name, p.name);
      if (!input) { return; }
      var text = p.labels[Number(input.value)];
      input.setAttribute("aria-valuetext", text);
      var out = document.getElementById(input.id + "-value");
      if (out) { out.textContent = text; }
    });
  }

  function draw() {
    // On a narrow screen draw in a smaller box, so that labels stay readable.
    var narrow = svg.getBoundingClientRect().width < 520;
    W = narrow ? 420 : 640;
    H = narrow ? 340 : 400;
    lastNarrow = narrow;
    svg.setAttribute("viewBox", "0 0 " + W + " " + H);
    var names = selected();
    var withDerivative = showDerivative.checked;
    var series = [];
    var problems = [];
    names.forEach(function (name, k) {
      var entry = byName[name];
      var index = comboIndex(entry);
      var colour = COLOURS[k % COLOURS.length];
      if (entry.y[index] === null) {
        problems.push(name + ": these parameter values are outside its domain");
        return;
      }
      series.push({ name: name, label: entry.label, ys: entry.y[index], colour: colour,
                    dashed: false });
      if (withDerivative) {
        series.push({ name: name, label: "d/dx " + entry.label, ys: entry.dy[index],
                      colour: colour, dashed: true });
      }
    });
    status.textContent = problems.join("; ");

    var lo = Infinity, hi = -Infinity;
    series.forEach(function (s) {
      s.ys.forEach(function (v) {
        if (v !== null) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
      });
    });
    if (!isFinite(lo)) { lo = -1; hi = 1; }
    lo = Math.max(lo, -CAP); hi = Math.min(hi, CAP);
    if (hi - lo < 1e-9) { lo -= 1; hi += 1; }
    var pad = 0.06 * (hi - lo);
    lo -= pad; hi += pad;
    var x0 = data.x[0], x1 = data.x[data.x.length - 1];
    var pw = W - ML - MR, ph = H - MT - MB;
    function sx(x) { return ML + (x - x0) / (x1 - x0) * pw; }
    function sy(y) { return MT + (hi - y) / (hi - lo) * ph; }

    // Keep <title> and <desc>; redraw the rest.
    Array.prototype.slice.call(svg.childNodes).forEach(function (node) {
      if (node.nodeName !== "title" && node.nodeName !== "desc") { svg.removeChild(node); }
    });
    var defs = el("defs", {});
    var clip = el("clipPath", { id: "compare-clip" });
    clip.appendChild(el("rect", { x: ML, y: MT, width: pw, height: ph }));
    defs.appendChild(clip);
    svg.appendChild(defs);
    svg.appendChild(el("rect", { x: ML, y: MT, width: pw, height: ph, fill: "#fff",
                                 stroke: "#e5e7eb" }));
    niceTicks(x0, x1, 8).forEach(function (t) {
      svg.appendChild(el("line", { x1: sx(t), y1: MT, x2: sx(t), y2: MT + ph, stroke: "#e5e7eb" }));
      svg.appendChild(el("text", { x: sx(t), y: MT + ph + 16, "text-anchor": "middle",
                                   "class": "tick" }, label(t)));
    });
    niceTicks(lo, hi, 6).forEach(function (t) {
      svg.appendChild(el("line", { x1: ML, y1: sy(t), x2: ML + pw, y2: sy(t), stroke: "#e5e7eb" }));
      svg.appendChild(el("text", { x: ML - 6, y: sy(t) + 4, "text-anchor": "end",
                                   "class": "tick" }, label(t)));
    });
    if (lo <= 0 && 0 <= hi) {
      svg.appendChild(el("line", { x1: ML, y1: sy(0), x2: ML + pw, y2: sy(0), stroke: "#4b5563" }));
    }
    if (x0 <= 0 && 0 <= x1) {
      svg.appendChild(el("line", { x1: sx(0), y1: MT, x2: sx(0), y2: MT + ph, stroke: "#4b5563" }));
    }
    svg.appendChild(el("text", { x: ML + pw / 2, y: H - 6, "text-anchor": "middle",
                                 "class": "axis-label" }, "x"));
    svg.appendChild(el("text", { transform: "translate(14 " + (MT + ph / 2) + ") rotate(-90)",
                                 "text-anchor": "middle", "class": "axis-label" },
                       withDerivative ? "f(x), f\u2032(x)" : "f(x)"));
    var group = el("g", { "clip-path": "url(#compare-clip)", fill: "none",
                          "stroke-linejoin": "round" });
    var span = hi - lo;
    series.forEach(function (s) {
      var d = "", down = false;
      s.ys.forEach(function (y, i) {
        if (y === null) { down = false; return; }
        var yc = Math.min(Math.max(y, lo - span), hi + span);
        d += (down ? "L" : "M") + sx(data.x[i]).toFixed(1) + " " + sy(yc).toFixed(1);
        down = true;
      });
      var attrs = { d: d, stroke: s.colour, "stroke-width": 2.5, "data-name": s.name,
                    "class": s.dashed ? "derivative" : "function" };
      if (s.dashed) { attrs["stroke-dasharray"] = "7 5"; }
      var path = el("path", attrs);
      path.appendChild(el("title", {}, s.label));
      group.appendChild(path);
    });
    svg.appendChild(group);

    legend.textContent = "";
    series.forEach(function (s) {
      var item = document.createElement("li");
      var swatch = document.createElement("span");
      swatch.className = "swatch" + (s.dashed ? " dashed" : "");
      swatch.style.borderTopColor = s.colour;
      swatch.setAttribute("aria-hidden", "true");
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(s.label + (s.dashed ? " (dashed)" : "")));
      legend.appendChild(item);
    });
    var desc = svg.querySelector("desc");
    desc.textContent = series.length
      ? "Curves shown: " + series.map(function (s) { return s.label; }).join(", ") + "."
      : "No activation selected.";
  }

  document.querySelectorAll(".pickers input[type=checkbox]").forEach(function (box) {
    box.addEventListener("change", function () {
      var group = document.querySelector('.param-group[data-name="' + box.value + '"]');
      if (group) { group.hidden = !box.checked; }
      draw();
    });
  });
  document.querySelectorAll("#sliders input[type=range]").forEach(function (input) {
    input.addEventListener("input", function () {
      updateSliderLabels(input.getAttribute("data-name"));
      draw();
    });
  });
  showDerivative.addEventListener("change", draw);
  window.addEventListener("resize", function () {
    if ((svg.getBoundingClientRect().width < 520) !== lastNarrow) { draw(); }
  });
  document.getElementById("compare-controls").addEventListener("submit", function (e) {
    e.preventDefault();
  });
  data.activations.forEach(function (a) { updateSliderLabels(a.name); });
  draw();
})();
