/* The operations screen's items: KPI tiles, trend charts (ECharts) and ranking tables, drawn from the JSON
 * of GET /api/v1/dashboards/<code>/data (the contract: docs/dashboards.md). The map is in
 * ops-map.js; the page's state and loading in ops.js.
 *
 * window.IocOpsItems.create(kind, body, ctx) -> {update(item), resize(), destroy()}
 *   ctx: {fmt, pct, t, periodLabel, dark, onDrill(uid), canDrill(uid)}
 */
(function () {
  "use strict";

  var PALETTE = ["#1550b5", "#e0a100", "#1d8a5a", "#c2410c", "#7c3aed", "#0891b2"];
  var PALETTE_DARK = ["#58aee6", "#f6c945", "#4fd1a1", "#ff8a5c", "#b69cff", "#5eead4"];

  function finite(v) {
    return typeof v === "number" && isFinite(v);
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  /* ---- KPI tile ------------------------------------------------------------------------------------ */

  /* An arrow and the relative change; green when the move is the good direction for this indicator. */
  function change(ctx, value, higherIsBetter, label, compared) {
    var li = el("li", "ops-change");
    if (!finite(value)) {
      li.classList.add("ops-change--none");
      li.appendChild(el("span", "ops-change__figure", "–"));
      li.appendChild(el("span", "ops-change__label", label));
      li.title = ctx.t("no_comparison");
      return li;
    }
    var good = value === 0 ? null : (value > 0) === higherIsBetter;
    li.classList.add(good === null ? "ops-change--flat" : good ? "ops-change--good" : "ops-change--bad");
    var arrow = value > 0 ? "▲" : value < 0 ? "▼" : "●";
    li.appendChild(el("span", "ops-change__figure", arrow + " " + ctx.pct(value)));
    li.appendChild(el("span", "ops-change__label", label));
    if (compared && finite(compared.value)) {
      li.title = ctx.periodLabel(compared.period) + ": " + ctx.fmt(compared.value, compared.decimals);
    }
    return li;
  }

  function kpi(body, ctx) {
    var card = body.parentNode;
    return {
      update: function (item) {
        var dx = item.dx || {};
        var higher = item.higher_is_better !== false;
        card.classList.remove("ops-kpi--good", "ops-kpi--warning", "ops-kpi--bad", "ops-kpi--none");
        card.classList.add("ops-kpi--" + (item.status || "none"));
        card.setAttribute("data-testid", "kpi-" + (dx.code || item.uid));
        body.textContent = "";
        var value = el("p", "ops-kpi__value");
        value.setAttribute("data-testid", "kpi-value");
        value.appendChild(el("span", "ops-kpi__number", finite(item.value) ? ctx.fmt(item.value, dx.decimals) : "—"));
        if (finite(item.value) && dx.unit) value.appendChild(el("span", "ops-kpi__unit", dx.unit));
        body.appendChild(value);
        body.appendChild(el("p", "ops-kpi__period", finite(item.value) ? ctx.periodLabel(item.period, true) : ctx.t("no_data")));
        var changes = el("ul", "ops-kpi__changes");
        var prev = item.previous ? { period: item.previous.period, value: item.previous.value, decimals: dx.decimals } : null;
        var year = item.last_year ? { period: item.last_year.period, value: item.last_year.value, decimals: dx.decimals } : null;
        changes.appendChild(change(ctx, item.change, higher, ctx.t("vs_previous"), prev));
        changes.appendChild(change(ctx, item.change_last_year, higher, ctx.t("vs_last_year"), year));
        body.appendChild(changes);
        if (finite(item.target)) {
          var target = el("p", "ops-kpi__target");
          target.appendChild(el("span", null, ctx.t("target") + ": " + ctx.fmt(item.target, dx.decimals) + (dx.unit ? " " + dx.unit : "")));
          if (item.status && item.status !== "none") {
            target.appendChild(el("span", "ops-badge ops-badge--" + item.status, ctx.t("status_" + item.status)));
          }
          body.appendChild(target);
        }
      },
      resize: function () {},
      destroy: function () {},
    };
  }

  /* ---- chart --------------------------------------------------------------------------------------- */

  function chartOption(item, ctx) {
    var dark = ctx.dark;
    var ink = dark ? "#d8e4f5" : "#4a5668";
    var line = dark ? "rgba(216, 228, 245, 0.14)" : "#e3e8ef";
    var byPeriod = item.by === "period";
    var categories = (item.categories || []).map(function (c) {
      return byPeriod ? ctx.periodLabel(c.id) : c.name;
    });
    var kind = item.chart || "line";
    var horizontal = kind === "bar";
    var decimals = null;
    var series = (item.series || []).map(function (s) {
      if (decimals === null && s.decimals !== undefined) decimals = s.decimals;
      return {
        name: s.name + (s.unit ? " (" + s.unit + ")" : ""),
        type: kind === "line" || kind === "area" ? "line" : "bar",
        data: s.values,
        smooth: 0.2,
        symbolSize: dark ? 9 : 6,
        lineStyle: { width: dark ? 4 : 2.5 },
        areaStyle: kind === "area" ? { opacity: 0.18 } : undefined,
        barMaxWidth: 28,
        emphasis: { focus: "series" },
      };
    });
    var fontSize = dark ? 18 : 12;
    // Percentages read against 0–100 %, not against an axis that stops at 120.
    var percent = (item.series || []).every(function (s) {
      return s.unit === "%" && (s.values || []).every(function (v) { return !finite(v) || (v >= 0 && v <= 100); });
    });
    var valueAxis = {
      type: "value",
      max: percent && series.length ? 100 : null,
      axisLabel: { color: ink, fontSize: fontSize, formatter: function (v) { return ctx.compact(v); } },
      splitLine: { lineStyle: { color: line } },
    };
    var categoryAxis = {
      type: "category",
      data: categories,
      inverse: horizontal, // rankings read top-down
      axisLabel: { color: ink, fontSize: fontSize, hideOverlap: true },
      axisLine: { lineStyle: { color: line } },
      axisTick: { show: false },
    };
    return {
      color: dark ? PALETTE_DARK : PALETTE,
      backgroundColor: "transparent",
      // A canvas needs a real font list ("inherit" would make it fall back to 10px sans-serif).
      textStyle: { fontFamily: window.getComputedStyle(document.body).fontFamily, color: ink },
      animationDuration: 400,
      grid: { left: 8, right: 20, top: series.length > 1 ? 40 : 16, bottom: 8, containLabel: true },
      legend: series.length > 1 ? { type: "scroll", top: 0, textStyle: { color: ink, fontSize: fontSize } } : { show: false },
      tooltip: {
        trigger: "axis",
        confine: true,
        valueFormatter: function (v) { return finite(v) ? ctx.fmt(v, decimals) : ctx.t("no_data"); },
      },
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? categoryAxis : valueAxis,
      series: series,
    };
  }

  function chart(body, ctx) {
    var box = el("div", "ops-chart");
    body.appendChild(box);
    var instance = null;
    // The chart fills its card, whose height follows its row (a map beside it, a legend drawn later).
    var watcher = window.ResizeObserver ? new ResizeObserver(function () { if (instance) instance.resize(); }) : null;
    if (watcher) watcher.observe(box);
    return {
      update: function (item) {
        if (!instance) instance = window.echarts.init(box, null, { renderer: "canvas" });
        var empty = !(item.series || []).some(function (s) { return (s.values || []).some(finite); });
        box.classList.toggle("ops-chart--empty", empty);
        box.setAttribute("data-empty-text", ctx.t("no_data"));
        // A ranking of many units as horizontal bars needs room for each name.
        var rows = item.chart === "bar" ? (item.categories || []).length : 0;
        box.style.minHeight = rows > 12 ? rows * (ctx.dark ? 30 : 22) + 60 + "px" : "";
        instance.setOption(chartOption(item, ctx), true);
      },
      resize: function () { if (instance) instance.resize(); },
      destroy: function () {
        if (watcher) watcher.disconnect();
        if (instance) instance.dispose();
      },
    };
  }

  /* ---- ranking table ------------------------------------------------------------------------------- */

  function table(body, ctx) {
    var wrap = el("div", "table-wrap ops-table");
    body.appendChild(wrap);
    return {
      update: function (item) {
        var byUnit = item.by !== "period";
        var columns = item.columns || [];
        var rows = item.rows || [];
        var first = rows.map(function (r) { return r.values && r.values[0]; }).filter(finite);
        var top = first.length ? Math.max.apply(null, first.map(Math.abs)) : 0;
        var t = el("table", "table table--compact ops-rank");
        var head = el("tr");
        head.appendChild(el("th", "num", ctx.t("rank")));
        head.appendChild(el("th", null, byUnit ? ctx.t("unit") : ctx.t("period")));
        columns.forEach(function (c) {
          head.appendChild(el("th", "num", c.name + (c.unit ? " (" + c.unit + ")" : "")));
        });
        t.appendChild(el("thead")).appendChild(head);
        var tbody = t.appendChild(el("tbody"));
        rows.forEach(function (row, i) {
          var tr = tbody.appendChild(el("tr"));
          tr.appendChild(el("td", "num ops-rank__n", String(i + 1)));
          var name = tr.appendChild(el("td", "ops-rank__name"));
          if (byUnit && ctx.canDrill(row.id)) {
            var link = el("button", "ops-link", row.name);
            link.type = "button";
            link.setAttribute("data-uid", row.id);
            link.addEventListener("click", function () { ctx.onDrill(row.id); });
            name.appendChild(link);
          } else {
            name.textContent = byUnit ? row.name : ctx.periodLabel(row.id, true);
          }
          (row.values || []).forEach(function (v, j) {
            var td = tr.appendChild(el("td", "num"));
            if (j === 0 && finite(v) && top > 0) {
              var bar = td.appendChild(el("span", "ops-rank__bar"));
              bar.style.width = Math.round((Math.abs(v) / top) * 100) + "%";
            }
            td.appendChild(el("span", "ops-rank__value", finite(v) ? ctx.fmt(v, columns[j] && columns[j].decimals) : "—"));
          });
        });
        if (!rows.length) {
          var none = tbody.appendChild(el("tr")).appendChild(el("td", "muted", ctx.t("no_data")));
          none.colSpan = columns.length + 2;
        }
        wrap.textContent = "";
        wrap.appendChild(t);
      },
      resize: function () {},
      destroy: function () {},
    };
  }

  /* ---- map ----------------------------------------------------------------------------------------- */

  function map(body, ctx) {
    var box = el("div", "ops-map");
    body.appendChild(box);
    var view = window.IocOpsMap.create(box, {
      fmt: ctx.fmt,
      t: ctx.t,
      dark: ctx.dark,
      tileUrl: ctx.tileUrl,
      tileAttribution: ctx.tileAttribution,
      onDrill: ctx.onDrill,
    });
    var fitted = false;
    return {
      update: function (item, fit) {
        view.resize();
        view.update(item, fit || !fitted);
        fitted = true;
      },
      resize: function () { view.resize(); },
      destroy: function () { view.destroy(); },
    };
  }

  var KINDS = { kpi: kpi, chart: chart, table: table, map: map };

  window.IocOpsItems = {
    create: function (kind, body, ctx) {
      return (KINDS[kind] || table)(body, ctx);
    },
  };
})();
