/* minyi charts: small SVG line and bar charts drawn from the table that follows each chart.
 *
 * Progressive enhancement: the page is complete without JavaScript (every chart has its table).
 * <figure data-chart="lines|bars" data-table="TABLE_ID" data-series="key1,key2" [data-percent]
 *         [data-rest="另有 {n} 项…"]>
 * reads the columns whose <th data-key> is listed, using each cell's data-v (empty = no value).
 * Each chart is drawn at its figure's width in CSS pixels (one SVG unit is one pixel, so a 12-unit label is
 * 12 px on a phone as on a desktop) and drawn again when that width changes; the x axis keeps only the
 * labels that fit side by side. data-rest is said under a bar chart whose rows did not all fit.
 * A <button data-show-all="TABLE_ID" hidden> shows the rows marked "more" of a table that starts limited.
 * No library, no network: everything here is our own code, served by the app.
 */
(function () {
  "use strict";

  var NS = "http://www.w3.org/2000/svg";
  var COLORS = ["#b3261e", "#0b57d0", "#1a7f37", "#9a6700", "#6f42c1"];
  var INK = "#1f2328", MUTED = "#5b636e", GRID = "#d8dde3";
  var TICK = 12, LABEL = 13;  // font sizes in CSS px
  var MIN_WIDTH = 240;
  var MAX_BARS = 15;
  var measurer = null;

  function el(name, attrs, text) {
    var node = document.createElementNS(NS, name);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  // The width of a text in the page's font, from a canvas; an estimate (CJK square, others ~0.6 em) without one.
  function textWidth(text, size) {
    if (measurer === null) {
      var canvas = document.createElement("canvas");
      measurer = (canvas.getContext && canvas.getContext("2d")) || false;
    }
    if (measurer) {
      measurer.font = size + "px " + window.getComputedStyle(document.body).fontFamily;
      return measurer.measureText(text).width;
    }
    var width = 0;
    for (var i = 0; i < text.length; i++) { width += text.charCodeAt(i) > 0x2e80 ? size : size * 0.6; }
    return width;
  }

  function fit(text, size, room) {  // the text, cut with "…" until it fits in `room` px
    if (textWidth(text, size) <= room) { return text; }
    var cut = text;
    while (cut.length > 1 && textWidth(cut + "…", size) > room) { cut = cut.slice(0, -1); }
    return cut + "…";
  }

  function readTable(table, keys) {
    var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
    var index = {};
    heads.forEach(function (th, i) { index[th.getAttribute("data-key")] = i; });
    var rows = Array.prototype.slice.call(table.tBodies[0].rows).filter(function (tr) {
      return tr.cells.length === heads.length;
    });
    return {
      labels: rows.map(function (tr) {  // a cell with links beside its name says its label in data-label
        return tr.cells[0].getAttribute("data-label") || tr.cells[0].textContent.trim();
      }),
      series: keys.filter(function (key) { return key in index; }).map(function (key) {
        return {
          name: heads[index[key]].textContent.trim(),
          values: rows.map(function (tr) {
            var raw = tr.cells[index[key]].getAttribute("data-v");
            return raw === null || raw === "" ? null : Number(raw);
          })
        };
      })
    };
  }

  function niceMax(value) {
    if (!(value > 0)) { return 1; }
    var power = Math.pow(10, Math.floor(Math.log10(value)));
    var steps = [1, 2, 2.5, 5, 10];
    for (var i = 0; i < steps.length; i++) {
      if (steps[i] * power >= value) { return steps[i] * power; }
    }
    return 10 * power;
  }

  // The y axis of a line chart: the smallest round step (1, 2 or 5 × 10^k; whole numbers for counts) that
  // reaches `value` in at most five ticks, so that every tick label is a round number.
  function niceTicks(value, whole) {
    if (!(value > 0) || (whole && value <= 4)) { return { step: whole ? 1 : 0.25, count: 4 }; }  // 0–4 at least
    var power = Math.pow(10, Math.floor(Math.log10(value / 5)));
    var candidates = [1, 2, 5, 10, 20, 50].map(function (m) { return m * power; })
      .filter(function (step) { return !whole || step >= 1; });
    for (var i = 0; i < candidates.length; i++) {
      var count = Math.ceil(value / candidates[i] - 1e-9);
      if (count <= 5) { return { step: candidates[i], count: Math.max(count, 1) }; }
    }
    return { step: candidates[candidates.length - 1], count: Math.ceil(value / candidates[candidates.length - 1]) };
  }

  function format(value, percent) {
    if (value === null) { return "—"; }
    if (percent) { return (value * 100).toFixed(1) + "%"; }
    return Math.round(value) === value ? String(value) : value.toFixed(1);
  }

  function tick(value, percent) {  // axis labels: as short as they can be (steps of 0.05 and up)
    if (percent) { return Math.round(value * 100) + "%"; }
    return String(Math.round(value * 100) / 100);
  }

  // The legend in as many rows as the width needs; returns the height it takes.
  function legend(svg, series, width) {
    var x = 0, y = 14;
    series.forEach(function (s, i) {
      var item = 18 + textWidth(s.name, LABEL) + 16;
      if (x > 0 && x + item - 16 > width) { x = 0; y += 20; }
      svg.appendChild(el("rect", { x: x, y: y - 10, width: 12, height: 12, rx: 2, fill: COLORS[i % COLORS.length] }));
      svg.appendChild(el("text", { x: x + 18, y: y, "font-size": LABEL, fill: INK }, s.name));
      x += item;
    });
    return y + 10;
  }

  function axisY(svg, top, bottom, left, right, ticks, percent) {
    for (var i = 0; i <= ticks.count; i++) {
      var y = bottom - (bottom - top) * i / ticks.count;
      svg.appendChild(el("line", { x1: left, x2: right, y1: y, y2: y, stroke: GRID, "stroke-width": 1 }));
      svg.appendChild(el("text", { x: left - 6, y: y + 4, "font-size": TICK, "text-anchor": "end", fill: MUTED },
        tick(ticks.step * i, percent)));
    }
  }

  // Which x labels to write: evenly spaced ones that do not touch, and the last when it has room.
  function shownLabels(labels, xOf) {
    var n = labels.length;
    if (!n) { return []; }
    var room = Math.max.apply(null, labels.map(function (l) { return textWidth(l, TICK); })) + 10;
    var step = n === 1 ? room : xOf(1) - xOf(0);
    var every = Math.max(1, Math.ceil(room / step));
    var shown = [];
    for (var i = 0; i < n; i += every) { shown.push(i); }
    var last = shown[shown.length - 1];
    if (last !== n - 1 && xOf(n - 1) - xOf(last) >= room) { shown.push(n - 1); }
    return shown;
  }

  function drawLines(data, percent, width) {
    var svg = el("svg", {});
    var all = [];
    data.series.forEach(function (s) { s.values.forEach(function (v) { if (v !== null) { all.push(v); } }); });
    var whole = all.every(function (v) { return Math.round(v) === v; });
    var ticks = percent ? { step: 0.25, count: 4 } : niceTicks(Math.max.apply(null, all.concat([0])), whole);
    var max = ticks.step * ticks.count;
    var widest = Math.max(textWidth(tick(max, percent), TICK), textWidth(tick(ticks.step, percent), TICK));
    var n = data.labels.length;
    var half = Math.max.apply(null, data.labels.map(function (l) { return textWidth(l, TICK); }).concat([0])) / 2;
    var left = Math.ceil(Math.max(widest + 10, half + 2)), right = width - Math.ceil(half + 4);  // end labels fit
    var top = legend(svg, data.series, width) + 12;
    var plot = Math.round(Math.min(240, Math.max(150, width * 0.4)));
    var bottom = top + plot, height = bottom + 26;
    axisY(svg, top, bottom, left, right, ticks, percent);
    var xOf = function (i) { return n === 1 ? (left + right) / 2 : left + (right - left) * i / (n - 1); };
    var yOf = function (v) { return bottom - (bottom - top) * v / max; };
    shownLabels(data.labels, xOf).forEach(function (i) {
      svg.appendChild(el("text", { x: xOf(i), y: bottom + 18, "font-size": TICK, "text-anchor": "middle",
        fill: MUTED, "class": "x-label" }, data.labels[i]));
    });
    var gap = n < 2 ? right - left : xOf(1) - xOf(0);
    var radius = Math.min(3.5, gap / 3);  // dots that do not run into each other, none when too crowded
    var dots = n <= 60 && radius >= 1.5;
    data.series.forEach(function (s, k) {
      var color = COLORS[k % COLORS.length];
      var path = "";
      var pen = "M";
      s.values.forEach(function (v, i) {
        if (v === null) { pen = "M"; return; }
        path += pen + xOf(i).toFixed(1) + " " + yOf(v).toFixed(1) + " ";
        pen = "L";
      });
      if (path) {
        svg.appendChild(el("path", { d: path, fill: "none", stroke: color, "stroke-width": 2.5 }));
      }
      s.values.forEach(function (v, i) {
        if (v === null || !dots) { return; }
        var dot = el("circle", { cx: xOf(i), cy: yOf(v), r: radius.toFixed(1), fill: color });
        dot.appendChild(el("title", {}, data.labels[i] + " · " + s.name + "：" + format(v, percent)));
        svg.appendChild(dot);
      });
    });
    svg.setAttribute("viewBox", "0 0 " + width + " " + height);
    return svg;
  }

  function drawBars(data, percent, width, rest) {
    var s = data.series[0];
    var rows = data.labels.map(function (label, i) { return { label: label, value: s.values[i] }; })
      .filter(function (r) { return r.value !== null; })
      .sort(function (a, b) { return b.value - a.value; });
    var hidden = Math.max(0, rows.length - MAX_BARS);
    rows = rows.slice(0, MAX_BARS);
    var rowHeight = 24, top = 4;
    var left = Math.round(Math.min(220, Math.max(96, width * 0.42)));
    var values = rows.map(function (r) { return format(r.value, percent); });
    var right = width - Math.ceil(Math.max.apply(null, values.map(function (t) { return textWidth(t, TICK); })
      .concat([0])) + 10);
    var height = top * 2 + Math.max(1, rows.length) * rowHeight + (hidden && rest ? 22 : 0);
    var svg = el("svg", { viewBox: "0 0 " + width + " " + height });
    var max = percent ? 1 : niceMax(Math.max.apply(null, rows.map(function (r) { return r.value; }).concat([0])));
    rows.forEach(function (r, i) {
      var y = top + i * rowHeight;
      var bar = Math.max(r.value > 0 ? 2 : 0, (right - left) * r.value / max);
      var shown = fit(r.label, LABEL, left - 12);
      var name = el("text", { x: left - 8, y: y + 16, "font-size": LABEL, "text-anchor": "end", fill: INK }, shown);
      if (shown !== r.label) {  // the whole name on hover, beside (not inside) the text
        var group = el("g", {});
        group.appendChild(el("title", {}, r.label));
        group.appendChild(name);
        name = group;
      }
      svg.appendChild(name);
      var rect = el("rect", { x: left, y: y + 4, width: bar.toFixed(1), height: rowHeight - 8, rx: 3, fill: COLORS[0] });
      rect.appendChild(el("title", {}, r.label + " · " + s.name + "：" + values[i]));
      svg.appendChild(rect);
      svg.appendChild(el("text", { x: left + bar + 6, y: y + 16, "font-size": TICK, fill: MUTED }, values[i]));
    });
    if (!rows.length) {
      svg.appendChild(el("text", { x: width / 2, y: 20, "font-size": LABEL, "text-anchor": "middle", fill: MUTED },
        "没有数据"));
    }
    if (hidden && rest) {
      svg.appendChild(el("text", { x: left, y: height - 6, "font-size": TICK, fill: MUTED },
        rest.replace("{n}", String(hidden))));
    }
    return svg;
  }

  function draw(figure) {
    var table = document.getElementById(figure.getAttribute("data-table"));
    if (!table || !table.tHead || !table.tBodies.length) { return; }
    var keys = (figure.getAttribute("data-series") || "").split(",").filter(Boolean);
    var data = readTable(table, keys);
    if (!data.series.length) { return; }
    var width = Math.max(MIN_WIDTH, Math.floor(figure.clientWidth));
    var percent = figure.hasAttribute("data-percent");
    var svg = figure.getAttribute("data-chart") === "bars"
      ? drawBars(data, percent, width, figure.getAttribute("data-rest"))
      : drawLines(data, percent, width);
    var caption = figure.querySelector("figcaption");
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", caption ? caption.textContent : "");
    svg.setAttribute("class", "minyi-chart");
    var old = figure.querySelector("svg.minyi-chart");
    if (old) { figure.removeChild(old); }
    figure.insertBefore(svg, caption);
    figure.setAttribute("data-drawn-width", String(width));
  }

  // Draw again when a figure's width changes (a turned phone, a resized window), not when only its height does.
  function redrawOnResize(figures) {
    function stale(figure) {
      return Math.abs(Math.floor(figure.clientWidth) - Number(figure.getAttribute("data-drawn-width"))) >= 2;
    }
    if (window.ResizeObserver) {
      var observer = new ResizeObserver(function (entries) {
        entries.forEach(function (entry) { if (stale(entry.target)) { draw(entry.target); } });
      });
      figures.forEach(function (figure) { observer.observe(figure); });
      return;
    }
    var pending = null;
    window.addEventListener("resize", function () {
      clearTimeout(pending);
      pending = setTimeout(function () { figures.filter(stale).forEach(draw); }, 150);
    });
  }

  function showAll(button) {
    var table = document.getElementById(button.getAttribute("data-show-all"));
    if (!table) { return; }
    var more = button.textContent, less = button.getAttribute("data-less") || more;
    table.classList.add("limited");
    button.setAttribute("aria-controls", table.id);
    button.setAttribute("aria-expanded", "false");
    button.hidden = false;
    button.addEventListener("click", function () {
      var all = table.classList.toggle("limited") === false;
      button.setAttribute("aria-expanded", String(all));
      button.textContent = all ? less : more;
    });
  }

  function start() {
    var figures = Array.prototype.slice.call(document.querySelectorAll("figure[data-chart]"));
    figures.forEach(draw);
    redrawOnResize(figures);
    Array.prototype.forEach.call(document.querySelectorAll("button[data-show-all]"), showAll);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
