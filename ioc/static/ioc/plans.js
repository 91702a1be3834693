/* The plan pages' script (no inline scripts: the CSP allows files from this origin only).
 *
 * 1. The target page's fan chart (ECharts): the dated values, the median forecast path, the 10–90 % band,
 *    the target line, the deadline marker and the milestones. Its data come from a json_script block
 *    (<script id="plan-chart" type="application/json">, built by ioc.plans.views.chart_data); the words
 *    from another (#plan-chart-strings). The table of values below the chart holds the same numbers in text.
 * 2. Filter forms with data-autosubmit send themselves when a choice changes (they also have a button).
 */
(function () {
  "use strict";

  function readJson(id) {
    var node = document.getElementById(id);
    if (!node) return null;
    try {
      return JSON.parse(node.textContent);
    } catch (e) {
      return null;
    }
  }

  function finite(v) {
    return typeof v === "number" && isFinite(v);
  }

  function day(iso) {
    // "YYYY-MM-DD" → a time value at local noon (no day shifts across time zones).
    var parts = String(iso).split("-");
    return new Date(+parts[0], +parts[1] - 1, +parts[2], 12).getTime();
  }

  function two(n) {
    return n < 10 ? "0" + n : String(n);
  }

  function dateLabel(ms) {
    var d = new Date(ms);
    return two(d.getDate()) + "/" + two(d.getMonth() + 1) + "/" + d.getFullYear();
  }

  /* ---- the fan chart ----------------------------------------------------------------------------------- */

  function fanOption(data, s, fmt) {
    var unit = data.unit ? " " + data.unit : "";
    var show = function (v) {
      return finite(v) ? fmt.format(v) + unit : "—";
    };
    var fan = data.fan || [];
    var points = (data.points || []).map(function (p) {
      return [day(p.date), p.value];
    });
    var lower = fan.map(function (f) {
      return [day(f.date), f.p10];
    });
    var width = fan.map(function (f) {
      return [day(f.date), finite(f.p90) && finite(f.p10) ? f.p90 - f.p10 : null];
    });
    var median = fan.map(function (f) {
      return [day(f.date), f.p50];
    });
    // The median starts at the last observed value, so the path reads as a continuation of the history.
    if (points.length && median.length && median[0][0] > points[points.length - 1][0]) {
      median.unshift(points[points.length - 1]);
    }
    var milestones = (data.milestones || []).map(function (m) {
      return { value: [day(m.date), m.value], expected: m.expected, probability: m.probability };
    });
    var byTime = {};
    fan.forEach(function (f) {
      byTime[day(f.date)] = f;
    });
    var marks = [];
    if (finite(data.target)) {
      marks.push({
        yAxis: data.target,
        name: s.target,
        label: { formatter: s.target + ": " + show(data.target), position: "insideStartTop" },
        lineStyle: { color: "#c2410c", type: "dashed", width: 2 },
      });
    }
    if (data.deadline) {
      marks.push({
        xAxis: day(data.deadline),
        name: s.deadline,
        label: { formatter: s.deadline + " " + dateLabel(day(data.deadline)), position: "end", color: "#c2410c" },
        lineStyle: { color: "#c2410c", type: "solid", width: 1.5 },
      });
    }
    if (data.today) {
      marks.push({
        xAxis: day(data.today),
        name: s.today,
        label: { show: false },
        lineStyle: { color: "#8a97aa", type: "dotted", width: 1 },
      });
    }
    var values = [];
    points.forEach(function (p) { values.push(p[1]); });
    fan.forEach(function (f) { values.push(f.p10, f.p90); });
    milestones.forEach(function (m) { values.push(m.value[1]); });
    if (finite(data.target)) values.push(data.target);
    values = values.filter(finite);
    var axisMin = null;
    var axisMax = null;
    if (finite(data.upper_bound) && values.length && Math.max.apply(null, values) >= data.upper_bound * 0.8) {
      axisMax = data.upper_bound;
    }
    if (finite(data.lower_bound) && values.length && Math.min.apply(null, values) >= data.lower_bound) {
      axisMin = data.lower_bound;
    }
    // The time axis spans the values, the forecast and the deadline (a marker outside the range is not drawn).
    var times = points.map(function (p) { return p[0]; }).concat(median.map(function (p) { return p[0]; }));
    if (data.deadline) times.push(day(data.deadline));
    milestones.forEach(function (m) { times.push(m.value[0]); });
    var first = times.length ? Math.min.apply(null, times) : null;
    var last = times.length ? Math.max.apply(null, times) : null;
    // A little room on the right, so that a marker's label at the end is not cut.
    if (first !== null) last += Math.max((last - first) * 0.05, 20 * 86400000);
    var target = finite(data.target) ? data.target : null;
    var ink = "#4a5668";
    return {
      color: ["#0b3d91", "#1550b5", "#7c3aed"],
      backgroundColor: "transparent",
      textStyle: { fontFamily: window.getComputedStyle(document.body).fontFamily, color: ink },
      animationDuration: 400,
      grid: { left: 8, right: 24, top: 58, bottom: 8, containLabel: true },
      legend: {
        type: "scroll",
        top: 0,
        data: [
          { name: s.history },
          { name: s.median },
          { name: s.band, icon: "roundRect", itemStyle: { color: "rgba(21, 80, 181, 0.3)" } },
        ].concat(milestones.length ? [{ name: s.milestones, icon: "diamond" }] : []),
        textStyle: { color: ink },
      },
      tooltip: {
        trigger: "axis",
        confine: true,
        formatter: function (params) {
          if (!params.length) return "";
          var t = params[0].axisValue;
          var lines = ["<strong>" + dateLabel(t) + "</strong>"];
          params.forEach(function (p) {
            if (p.seriesId === "history") lines.push(s.history + ": " + show(p.value[1]));
            if (p.seriesId === "milestones") {
              lines.push(s.milestone + ": " + show(p.value[1]));
              if (finite(p.data.probability)) lines.push(s.probability + ": " + Math.round(p.data.probability * 100) + " %");
            }
          });
          var f = byTime[t];
          if (f) {
            lines.push(s.median + ": " + show(f.p50));
            lines.push(s.band + ": " + show(f.p10) + " – " + show(f.p90));
          }
          return lines.join("<br>");
        },
      },
      xAxis: {
        type: "time",
        min: first,
        max: last,
        // Numbers only (ECharts' own month names are English): a year on 1 January, else mm/yyyy.
        axisLabel: {
          color: ink,
          hideOverlap: true,
          formatter: function (v) {
            var d = new Date(v);
            return d.getMonth() === 0 && d.getDate() === 1 ? String(d.getFullYear()) : two(d.getMonth() + 1) + "/" + d.getFullYear();
          },
        },
        axisLine: { lineStyle: { color: "#c9d3e1" } },
        splitLine: { show: false },
      },
      yAxis: {
        type: "value",
        // The target line stays in view even when the values are far from it.
        min: axisMin !== null ? axisMin : function (v) { return target === null ? v.min : Math.min(v.min, target); },
        max: axisMax !== null ? axisMax : function (v) { return target === null ? v.max : Math.max(v.max, target); },
        scale: true,
        axisLabel: { color: ink, formatter: function (v) { return fmt.format(v); } },
        splitLine: { lineStyle: { color: "#e3e8ef" } },
      },
      series: [
        // The band: the 10 % line (invisible) with the 10–90 % width stacked on it and shaded.
        {
          id: "band-low", name: s.band, type: "line", data: lower, stack: "band", symbol: "none",
          lineStyle: { opacity: 0 }, silent: true, tooltip: { show: false },
        },
        {
          id: "band", name: s.band, type: "line", data: width, stack: "band", symbol: "none",
          lineStyle: { opacity: 0 }, areaStyle: { color: "rgba(21, 80, 181, 0.16)" }, silent: true,
          itemStyle: { color: "rgba(21, 80, 181, 0.35)" },
        },
        {
          id: "median", name: s.median, type: "line", data: median, symbol: "none",
          lineStyle: { type: "dashed", width: 2, color: "#1550b5" }, itemStyle: { color: "#1550b5" },
        },
        {
          id: "history", name: s.history, type: "line", data: points, symbol: "circle", symbolSize: 8,
          lineStyle: { width: 2.5, color: "#0b3d91" }, itemStyle: { color: "#0b3d91" },
          markLine: { symbol: "none", silent: true, data: marks },
        },
        {
          id: "milestones", name: s.milestones, type: "scatter", data: milestones, symbol: "diamond", symbolSize: 13,
          itemStyle: { color: "#7c3aed" },
        },
      ],
    };
  }

  function drawFan() {
    var box = document.getElementById("plan-fan");
    var data = readJson("plan-chart");
    if (!box || !data) return;
    var s = readJson("plan-chart-strings") || {};
    if (!window.echarts || (!(data.points || []).length && !(data.fan || []).length)) {
      box.classList.add("plan-chart--empty");
      return;
    }
    var fmt = new Intl.NumberFormat(data.language === "en" ? "en-GB" : "vi-VN", { maximumFractionDigits: 2 });
    var chart = window.echarts.init(box, null, { renderer: "canvas" });
    chart.setOption(fanOption(data, s, fmt));
    var pending = null;
    window.addEventListener("resize", function () {
      if (pending) window.clearTimeout(pending);
      pending = window.setTimeout(function () { chart.resize(); }, 120);
    });
  }

  /* ---- filters ----------------------------------------------------------------------------------------- */

  function autosubmit() {
    var forms = document.querySelectorAll("form[data-autosubmit]");
    Array.prototype.forEach.call(forms, function (form) {
      form.addEventListener("change", function (event) {
        if (event.target && event.target.tagName === "SELECT") form.submit();
      });
    });
  }

  function start() {
    drawFan();
    autosubmit();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
