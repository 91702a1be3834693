/* The DTI pages' script (no inline scripts: the CSP allows files from this origin only).
 *
 * Charts (ECharts) from json_script blocks built by ioc.plans.views_dti; every chart's numbers are also in a
 * table beside it:
 *   #dti-chart      → #dti-indices (points of each main index against its maximum) and #dti-history (points
 *                     per main index stacked by year, the rank on a second, reversed axis)
 *   #dti-gap-chart  → #dti-gaps (per main index: now, after the simulator's plan, the comparison, the maximum)
 * Forms with data-autosubmit send themselves when a choice changes (they keep a button for keyboards). The
 * ranking table scrolls to our province's row.
 */
(function () {
  "use strict";

  var BLUE = "#1550b5";
  var PALE = "#d9e0ea";
  var GOLD = "#c98a00";
  var GREEN = "#1d6b35";
  var PALETTE = ["#0b3d91", "#2f6fd0", "#5b9be6", "#1d6b35", "#57a773", "#c98a00", "#e0b03c", "#8f1d1d", "#b85c5c"];

  function readJson(id) {
    var node = document.getElementById(id);
    if (!node) return null;
    try {
      return JSON.parse(node.textContent);
    } catch (e) {
      return null;
    }
  }

  function fmt(v, digits) {
    if (typeof v !== "number" || !isFinite(v)) return "—";
    return v.toLocaleString(document.documentElement.lang || "vi", { maximumFractionDigits: digits });
  }

  function mount(id, option) {
    var node = document.getElementById(id);
    if (!node || !window.echarts) return;
    var chart = window.echarts.init(node, null, { renderer: "svg" });
    chart.setOption(option);
    window.addEventListener("resize", function () {
      chart.resize();
    });
  }

  function indicesChart(d) {
    var rest = d.max.map(function (m, i) {
      return Math.max(0, (m || 0) - (d.points[i] || 0));
    });
    return {
      color: [BLUE, PALE],
      grid: { left: 8, right: 24, top: 28, bottom: 8, containLabel: true },
      legend: { top: 0, data: [d.strings.points, d.strings.max] },
      tooltip: {
        trigger: "axis",
        axisPointer: { type: "shadow" },
        formatter: function (items) {
          var i = items[0].dataIndex;
          return d.indices[i] + "<br>" + fmt(d.points[i], 1) + " / " + fmt(d.max[i], 0);
        },
      },
      xAxis: { type: "value", max: Math.max.apply(null, d.max.concat([1])) },
      yAxis: { type: "category", data: d.indices, inverse: true, axisLabel: { width: 180, overflow: "truncate" } },
      series: [
        { name: d.strings.points, type: "bar", stack: "s", data: d.points, label: { show: true, position: "insideRight", color: "#fff", formatter: function (p) { return fmt(p.value, 1); } } },
        { name: d.strings.max, type: "bar", stack: "s", data: rest, silent: true },
      ],
    };
  }

  function historyChart(d) {
    var series = d.series.map(function (s) {
      return { name: s.name, type: "bar", stack: "total", data: s.values, emphasis: { focus: "series" } };
    });
    var hasRank = d.ranks.some(function (r) {
      return typeof r === "number";
    });
    series.push({
      name: d.strings.total, type: "line", data: d.totals, symbol: "circle", symbolSize: 6, lineStyle: { width: 0 },
      label: { show: true, position: "top", formatter: function (p) { return fmt(p.value, 1); } }, color: "#16202e",
    });
    var yAxis = [{ type: "value", name: d.strings.points }];
    if (hasRank) {
      yAxis.push({ type: "value", name: d.strings.rank, inverse: true, min: 1, minInterval: 1, splitLine: { show: false } });
      series.push({ name: d.strings.rank, type: "line", yAxisIndex: 1, data: d.ranks, color: GOLD, symbolSize: 8, connectNulls: false });
    }
    return {
      color: PALETTE,
      grid: { left: 8, right: 16, top: 64, bottom: 8, containLabel: true },
      legend: { top: 0, type: "scroll" },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return fmt(v, 1); } },
      xAxis: { type: "category", data: d.years.map(String) },
      yAxis: yAxis,
      series: series,
    };
  }

  function gapChart(d) {
    return {
      color: [BLUE, GREEN, GOLD, "#16202e"],
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      legend: { top: 0 },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: function (v) { return fmt(v, 1); } },
      xAxis: { type: "category", data: d.indices, axisLabel: { interval: 0, width: 90, overflow: "break" } },
      yAxis: { type: "value" },
      series: [
        { name: d.strings.ours, type: "bar", data: d.ours },
        { name: d.strings.after, type: "bar", data: d.after },
        { name: d.strings.reference, type: "bar", data: d.reference },
        { name: d.strings.max, type: "scatter", data: d.max, symbol: "rect", symbolSize: [28, 3] },
      ],
    };
  }

  function autosubmit() {
    var forms = document.querySelectorAll("form[data-autosubmit]");
    Array.prototype.forEach.call(forms, function (form) {
      form.addEventListener("change", function (event) {
        if (event.target && event.target.tagName === "SELECT") form.submit();
      });
    });
  }

  function showOurs() {
    // The ranking scrolls inside its box: bring our row into view there (not the page).
    var row = document.querySelector(".dti-ranking-wrap .dti-ours");
    if (!row) return;
    var box = row.closest(".dti-ranking-wrap");
    box.scrollTop = Math.max(0, row.offsetTop - box.clientHeight / 2);
  }

  function start() {
    autosubmit();
    showOurs();
    var d = readJson("dti-chart");
    if (d) {
      mount("dti-indices", indicesChart(d));
      mount("dti-history", historyChart(d));
    }
    var g = readJson("dti-gap-chart");
    if (g) mount("dti-gaps", gapChart(g));
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
