/* The briefing page's two charts (ECharts): the headline KPI's last 12 months with its target, and the
 * plan's targets by status. Their data is in <script id="brf-charts" type="application/json"> (the view's
 * `charts`, already worded in the page's language); each chart goes in its [data-brf-chart] box. */
(function () {
  "use strict";

  var STATUS_COLOURS = {
    achieved: "#1d8a5a",
    on_track: "#4fae7a",
    at_risk: "#e0a100",
    off_track: "#c2410c",
    infeasible: "#991b1b",
    insufficient_data: "#8a96a8"
  };
  var LOCALE = (document.documentElement.lang || "vi").indexOf("en") === 0 ? "en-GB" : "vi-VN";

  function fmt(v) {
    return typeof v === "number" && isFinite(v) ? v.toLocaleString(LOCALE, { maximumFractionDigits: 2 }) : "–";
  }

  function trendOption(c) {
    var series = [{ name: c.name, type: "line", data: c.values, connectNulls: false, symbolSize: 6,
                    itemStyle: { color: "#1550b5" }, lineStyle: { width: 2.5 } }];
    if (typeof c.target === "number") {
      series[0].markLine = {
        symbol: "none", silent: true, lineStyle: { color: "#c2410c", type: "dashed" },
        label: { position: "insideEndTop", formatter: c.target_label + ": " + fmt(c.target) + (c.unit === "%" ? "%" : "") },
        data: [{ yAxis: c.target }]
      };
    }
    return {
      title: { text: c.title, left: 0, textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis", valueFormatter: fmt },
      grid: { left: 50, right: 24, top: 48, bottom: 40 },
      xAxis: { type: "category", data: c.categories },
      yAxis: { type: "value", scale: true, axisLabel: { formatter: fmt } },
      series: series
    };
  }

  function statusOption(c) {
    return {
      title: { text: c.title, left: 0, textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis" },
      grid: { left: 40, right: 16, top: 48, bottom: 40 },
      xAxis: { type: "category", data: c.bars.map(function (b) { return b.label; }), axisLabel: { interval: 0 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [{
        name: c.series, type: "bar", label: { show: true, position: "top" },
        data: c.bars.map(function (b) { return { value: b.n, itemStyle: { color: STATUS_COLOURS[b.status] || "#1550b5" } }; })
      }]
    };
  }

  function draw() {
    var source = document.getElementById("brf-charts");
    if (!source || !window.echarts) return;
    var charts = JSON.parse(source.textContent || "{}");
    var built = [];
    document.querySelectorAll("[data-brf-chart]").forEach(function (box) {
      var key = box.getAttribute("data-brf-chart");
      var data = charts[key];
      if (!data) return;
      var chart = window.echarts.init(box, null, { renderer: "svg" });
      chart.setOption(key === "trend" ? trendOption(data) : statusOption(data));
      built.push(chart);
    });
    window.addEventListener("resize", function () {
      built.forEach(function (chart) { chart.resize(); });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
