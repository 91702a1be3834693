/* The data explorer's pivot: an analytics answer (GET /api/v1/analytics, DHIS2's shape) laid out on rows and
 * columns as a table, and the same cells as an ECharts chart. No state here: explorer.js owns the choices.
 *
 * window.IocPivot.build(answer, layout, texts) -> model; .table(element, model, format, texts); .chart(element, model,
 * kind, format, texts) -> the ECharts instance. */
(function () {
  "use strict";

  var ORDER = ["dx", "pe", "ou", "co"];
  var SEP = "\u0001";

  function product(lists) {
    /* Every combination of the lists' entries, the first list varying slowest. */
    var out = [[]];
    lists.forEach(function (list) {
      var next = [];
      out.forEach(function (prefix) {
        list.forEach(function (entry) { next.push(prefix.concat([entry])); });
      });
      out = next;
    });
    return out;
  }

  function build(answer, layout, texts) {
    var headers = (answer.headers || []).map(function (h) { return h.name; });
    var valueAt = headers.indexOf("value");
    var meta = answer.metaData || {};
    var items = meta.items || {};
    var split = ORDER.filter(function (d) { return headers.indexOf(d) !== -1; });
    var seen = {};
    split.forEach(function (d) { seen[d] = []; });
    var values = new Map();
    (answer.rows || []).forEach(function (row) {
      var key = split.map(function (d) {
        var id = String(row[headers.indexOf(d)]);
        if (seen[d].indexOf(id) === -1) seen[d].push(id);
        return id;
      }).join(SEP);
      var number = row[valueAt] === null || row[valueAt] === "" ? null : Number(row[valueAt]);
      values.set(key, number);
    });
    function idsOf(d) {
      /* The order asked (metaData.dimensions), then anything the rows hold that it lacks. */
      var asked = (meta.dimensions && meta.dimensions[d]) || [];
      var ids = asked.slice();
      seen[d].forEach(function (id) { if (ids.indexOf(id) === -1) ids.push(id); });
      return ids;
    }
    function axis(dims) {
      var present = dims.filter(function (d) { return split.indexOf(d) !== -1; });
      var combos = product(present.map(function (d) {
        return idsOf(d).map(function (id) { return { dim: d, id: id }; });
      }));
      return { dims: present, combos: combos };
    }
    var rows = axis(layout.rows), columns = axis(layout.columns);
    // A split dimension the layout left out (it should not happen) goes to the rows, so no cell is lost.
    split.forEach(function (d) {
      if (rows.dims.indexOf(d) === -1 && columns.dims.indexOf(d) === -1) rows = axis(rows.dims.concat([d]));
    });
    function cell(rowCombo, columnCombo) {
      var at = {};
      rowCombo.concat(columnCombo).forEach(function (e) { at[e.dim] = e.id; });
      var found = values.get(split.map(function (d) { return at[d]; }).join(SEP));
      return found === undefined ? null : found;
    }
    var shownRows = rows.combos.filter(function (rc) {
      return columns.combos.some(function (cc) { return cell(rc, cc) !== null; });
    });
    return {
      rows: rows, columns: columns, shownRows: shownRows, cell: cell, count: values.size,
      name: function (id) {
        if (items[id] && items[id].name) return items[id].name;
        return id === "total" && texts ? texts.total : id;  // an indicator's cell when split by disaggregation
      },
      decimals: function (id) { return items[id] && typeof items[id].decimals === "number" ? items[id].decimals : null; }
    };
  }

  function label(model, combo) {
    return combo.map(function (e) { return model.name(e.id); }).join(" · ");
  }

  function dxOf(rowCombo, columnCombo) {
    var all = rowCombo.concat(columnCombo);
    for (var i = 0; i < all.length; i++) if (all[i].dim === "dx") return all[i].id;
    return null;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function sameUpTo(a, b, level) {
    for (var i = 0; i <= level; i++) if (!a || !b || a[i].id !== b[i].id) return false;
    return true;
  }

  function table(box, model, format, texts) {
    var rowDims = model.rows.dims, colDims = model.columns.dims;
    var t = el("table", "table table--compact ex-pivot" + (rowDims.length === 1 ? " ex-pivot--sticky" : ""));
    var head = el("thead");
    var levels = Math.max(colDims.length, 1);
    for (var level = 0; level < levels; level++) {
      var tr = el("tr");
      if (level === levels - 1) {
        rowDims.forEach(function (d) { var th = el("th", "ex-pivot__corner", texts[d] || d); th.scope = "col"; tr.appendChild(th); });
        if (!rowDims.length) tr.appendChild(el("th", "ex-pivot__corner", ""));
      } else {
        var blank = el("th", "ex-pivot__corner", "");
        blank.colSpan = Math.max(rowDims.length, 1);
        tr.appendChild(blank);
      }
      if (!colDims.length) {
        var only = el("th", "num", texts.value);
        only.scope = "col";
        tr.appendChild(only);
      }
      for (var c = 0; c < (colDims.length ? model.columns.combos.length : 0); c++) {
        var combo = model.columns.combos[c];
        if (c > 0 && sameUpTo(model.columns.combos[c - 1], combo, level)) continue;
        var span = 1;
        while (c + span < model.columns.combos.length && sameUpTo(model.columns.combos[c + span], combo, level)) span++;
        var th = el("th", level === levels - 1 ? "num" : "ex-pivot__group", model.name(combo[level].id));
        th.colSpan = span;
        th.scope = span > 1 ? "colgroup" : "col";
        th.setAttribute("data-" + combo[level].dim, combo[level].id);
        tr.appendChild(th);
      }
      head.appendChild(tr);
    }
    t.appendChild(head);
    var body = el("tbody");
    var columns = colDims.length ? model.columns.combos : [[]];
    model.shownRows.forEach(function (rc, r) {
      var tr = el("tr");
      rc.forEach(function (entry, level) {
        if (r > 0 && sameUpTo(model.shownRows[r - 1], rc, level)) return;
        var span = 1;
        while (r + span < model.shownRows.length && sameUpTo(model.shownRows[r + span], rc, level)) span++;
        var th = el("th", "ex-pivot__row", model.name(entry.id));
        th.scope = span > 1 ? "rowgroup" : "row";
        th.rowSpan = span;
        th.setAttribute("data-" + entry.dim, entry.id);
        tr.appendChild(th);
      });
      if (!rc.length) tr.appendChild(el("th", "ex-pivot__row", texts.value));
      columns.forEach(function (cc) {
        var value = model.cell(rc, cc);
        var td = el("td", "num", value === null ? "" : format(value, model.decimals(dxOf(rc, cc))));
        rc.concat(cc).forEach(function (e) { td.setAttribute("data-" + e.dim, e.id); });
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    t.appendChild(body);
    box.replaceChildren(t);
  }

  var PALETTE = ["#0b3d91", "#f2b705", "#1d8a6b", "#c2410c", "#6d28d9", "#0e7490", "#be123c", "#4d7c0f", "#64748b", "#1550b5"];

  function chart(box, model, kind, format, texts, previous) {
    /* Categories: the column combinations (the row ones when there are no columns); series: the rows. */
    var byColumns = model.columns.dims.length > 0;
    var categories = byColumns ? model.columns.combos : model.shownRows;
    var seriesRows = byColumns ? (model.rows.dims.length ? model.shownRows : [[]]) : [[]];
    var series = seriesRows.map(function (rc) {
      var data = categories.map(function (cat) { return byColumns ? model.cell(rc, cat) : model.cell(cat, []); });
      var s = { name: rc.length ? label(model, rc) : texts.value, type: kind === "line" || kind === "area" ? "line" : "bar", data: data };
      if (kind === "area") s.areaStyle = { opacity: 0.25 };
      if (s.type === "line") { s.connectNulls = false; s.symbolSize = 6; }
      return s;
    });
    var names = categories.map(function (cat) { return label(model, cat); });
    var valueAxis = { type: "value", axisLabel: { formatter: function (v) { return format(v, null, true); } } };
    var categoryAxis = { type: "category", data: names, axisLabel: { hideOverlap: true }, inverse: kind === "bar" };
    var instance = previous || window.echarts.init(box, null, { renderer: "canvas" });
    instance.setOption({
      color: PALETTE,
      animation: false,
      backgroundColor: "#ffffff",
      tooltip: { trigger: "axis", confine: true, valueFormatter: function (v) { return v === null || v === undefined ? "–" : format(v, null); } },
      legend: { type: "scroll", bottom: 0, show: series.length > 1 },
      grid: { left: 12, right: 24, top: 24, bottom: series.length > 1 ? 40 : 16, containLabel: true },
      xAxis: kind === "bar" ? valueAxis : categoryAxis,
      yAxis: kind === "bar" ? categoryAxis : valueAxis,
      series: series
    }, true);
    return instance;
  }

  window.IocPivot = { build: build, table: table, chart: chart };
})();
