/* minyi charts: small SVG line and bar charts drawn from the table that follows each chart.
 *
 * Progressive enhancement: the page is complete without JavaScript (every chart has its table).
 * <figure data-chart="lines|bars" data-table="TABLE_ID" data-series="key1,key2" [data-percent]>
 * reads the columns whose <th data-key> is listed, using each cell's data-v (empty = no value).
 * No library, no network: everything here is our own code, served by the app.
 */
(function () {
  "use strict";

  var NS = "http://www.w3.org/2000/svg";
  var COLORS = ["#b3261e", "#0b57d0", "#1a7f37", "#9a6700", "#6f42c1"];
  var WIDTH = 800;
  var MAX_BARS = 15;

  function el(name, attrs, text) {
    var node = document.createElementNS(NS, name);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
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

  function format(value, percent) {
    if (value === null) { return "—"; }
    if (percent) { return (value * 100).toFixed(1) + "%"; }
    return Math.round(value) === value ? String(value) : value.toFixed(1);
  }

  function shorten(text, size) {
    return text.length > size ? text.slice(0, size - 1) + "…" : text;
  }

  function legend(svg, series, y) {
    var x = 56;
    series.forEach(function (s, i) {
      svg.appendChild(el("rect", { x: x, y: y - 9, width: 12, height: 12, fill: COLORS[i % COLORS.length] }));
      svg.appendChild(el("text", { x: x + 18, y: y + 2, "font-size": 13, fill: "#1f2328" }, s.name));
      x += 30 + s.name.length * 14;
    });
  }

  function axisY(svg, top, bottom, left, right, max, percent) {
    for (var i = 0; i <= 4; i++) {
      var value = max * i / 4;
      var y = bottom - (bottom - top) * i / 4;
      svg.appendChild(el("line", { x1: left, x2: right, y1: y, y2: y, stroke: "#d8dde3", "stroke-width": 1 }));
      svg.appendChild(el("text", { x: left - 6, y: y + 4, "font-size": 12, "text-anchor": "end", fill: "#5b636e" },
        format(value, percent)));
    }
  }

  function drawLines(data, percent) {
    var height = 280, top = 36, bottom = height - 36, left = 56, right = WIDTH - 36;
    var svg = el("svg", { viewBox: "0 0 " + WIDTH + " " + height, width: "100%", role: "img" });
    var all = [];
    data.series.forEach(function (s) { s.values.forEach(function (v) { if (v !== null) { all.push(v); } }); });
    var max = percent ? 1 : niceMax(Math.max.apply(null, all.concat([0])));
    if (!percent && max <= 8) { max = Math.max(4, Math.ceil(max / 4) * 4); }  // whole-number ticks for counts
    axisY(svg, top, bottom, left, right, max, percent);
    var n = data.labels.length;
    var xOf = function (i) { return n === 1 ? (left + right) / 2 : left + (right - left) * i / (n - 1); };
    var yOf = function (v) { return bottom - (bottom - top) * v / max; };
    var every = Math.max(1, Math.ceil(n / 12));
    data.labels.forEach(function (label, i) {
      var last = i === n - 1 && (n - 1) % every >= every * 0.75;  // the last label, unless it would overlap
      if (i % every === 0 || last) {
        svg.appendChild(el("text", { x: xOf(i), y: bottom + 18, "font-size": 12, "text-anchor": "middle",
          fill: "#5b636e" }, label));
      }
    });
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
        if (v === null || n > 60) { return; }
        var dot = el("circle", { cx: xOf(i), cy: yOf(v), r: 3.5, fill: color });
        dot.appendChild(el("title", {}, data.labels[i] + " · " + s.name + "：" + format(v, percent)));
        svg.appendChild(dot);
      });
    });
    legend(svg, data.series, 16);
    return svg;
  }

  function drawBars(data, percent) {
    var s = data.series[0];
    var rows = data.labels.map(function (label, i) { return { label: label, value: s.values[i] }; })
      .filter(function (r) { return r.value !== null; })
      .sort(function (a, b) { return b.value - a.value; })
      .slice(0, MAX_BARS);
    var rowHeight = 26, top = 8, left = 190, right = WIDTH - 70;
    var height = top * 2 + Math.max(1, rows.length) * rowHeight;
    var svg = el("svg", { viewBox: "0 0 " + WIDTH + " " + height, width: "100%", role: "img" });
    var max = percent ? 1 : niceMax(Math.max.apply(null, rows.map(function (r) { return r.value; }).concat([0])));
    rows.forEach(function (r, i) {
      var y = top + i * rowHeight;
      var width = Math.max(r.value > 0 ? 2 : 0, (right - left) * r.value / max);
      svg.appendChild(el("text", { x: left - 8, y: y + 17, "font-size": 13, "text-anchor": "end", fill: "#1f2328" },
        shorten(r.label, 13)));
      var bar = el("rect", { x: left, y: y + 4, width: width.toFixed(1), height: rowHeight - 8, rx: 3,
        fill: COLORS[0] });
      bar.appendChild(el("title", {}, r.label + " · " + s.name + "：" + format(r.value, percent)));
      svg.appendChild(bar);
      svg.appendChild(el("text", { x: left + width + 6, y: y + 17, "font-size": 12, fill: "#5b636e" },
        format(r.value, percent)));
    });
    if (!rows.length) {
      svg.appendChild(el("text", { x: WIDTH / 2, y: 24, "font-size": 13, "text-anchor": "middle", fill: "#5b636e" },
        "没有数据"));
    }
    return svg;
  }

  function draw(figure) {
    var table = document.getElementById(figure.getAttribute("data-table"));
    if (!table || !table.tHead || !table.tBodies.length) { return; }
    var keys = (figure.getAttribute("data-series") || "").split(",").filter(Boolean);
    var data = readTable(table, keys);
    if (!data.series.length) { return; }
    var percent = figure.hasAttribute("data-percent");
    var svg = figure.getAttribute("data-chart") === "bars" ? drawBars(data, percent) : drawLines(data, percent);
    var caption = figure.querySelector("figcaption");
    svg.setAttribute("aria-label", caption ? caption.textContent : "");
    svg.setAttribute("class", "minyi-chart");
    figure.insertBefore(svg, caption);
  }

  function drawAll() {
    Array.prototype.forEach.call(document.querySelectorAll("figure[data-chart]"), draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
}());
