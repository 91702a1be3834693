/* The data explorer (ioc/templates/dashboards/explorer.html): choose data items, periods, units and the unit
 * structure, lay the dimensions out on rows, columns or as a filter, and see the pivot table and chart of
 * GET /api/v1/analytics. The state lives in the address (?dx=&pe=&ou=&structure=&rows=&columns=&filter=&chart=)
 * so a link shows the same pivot. Helpers: explorer-pivot.js (table, chart), explorer-units.js (unit picker),
 * explorer-actions.js (exports, save as a dashboard item).
 * No inline scripts: the Content-Security-Policy allows scripts from our origin only. */
(function () {
  "use strict";

  var root = document.getElementById("explorer");
  var configNode = document.getElementById("explorer-config");
  if (!root || !configNode) return;
  var cfg = JSON.parse(configNode.textContent);
  var T = cfg.texts;
  var AXES = ["rows", "columns", "filter"];
  var $ = function (id) { return document.getElementById(id); };

  /* ---- helpers ---------------------------------------------------------------------------------------------- */

  var locale = cfg.lang === "en" ? "en-US" : "vi-VN";
  var formatters = {};
  function format(value, decimals, short) {
    if (value === null || value === undefined || isNaN(value)) return "";
    var key = short && Math.abs(value) >= 10000 ? "short" : decimals === null || decimals === undefined ? "plain" : "d" + decimals;
    if (!formatters[key]) {
      formatters[key] = new Intl.NumberFormat(locale, key === "short" ? { notation: "compact", maximumFractionDigits: 1 }
        : key === "plain" ? { maximumFractionDigits: 2 } : { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
    }
    return formatters[key].format(value);
  }
  function when(d) {
    var two = function (n) { return (n < 10 ? "0" : "") + n; };
    return two(d.getDate()) + "/" + two(d.getMonth() + 1) + "/" + d.getFullYear() + " " + two(d.getHours()) + ":" + two(d.getMinutes());
  }
  function fill(text, values) { return text.replace(/%\((\w+)\)s/g, function (m, k) { return values[k] === undefined ? m : values[k]; }); }
  function fold(text) { return (text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[đĐ]/g, "d").toLowerCase(); }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  function getJSON(url) {
    /* The API answers in the language a request asks for (it has no cookie rule): ask for the page's. */
    var headers = { Accept: "application/json", "Accept-Language": cfg.lang };
    return fetch(url, { credentials: "same-origin", headers: headers }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (!response.ok) throw new Error(body.message || response.status + " " + response.statusText);
        return body;
      });
    });
  }
  function toggle(arr, id, on) {
    var at = arr.indexOf(id);
    if (on && at === -1) arr.push(id);
    if (!on && at !== -1) arr.splice(at, 1);
  }
  function tick(container, name, chosen) {
    container.querySelectorAll("input[name=" + name + "]").forEach(function (b) { b.checked = chosen.indexOf(b.value) !== -1; });
  }

  /* ---- the state, from the address ---------------------------------------------------------------------------- */

  var names = {};  // id → name, for chips and the save form's title
  cfg.relative.forEach(function (p) { names[p.id] = p.name; });
  var params = new URLSearchParams(window.location.search);
  function list(name) { return (params.get(name) || "").split(";").map(function (s) { return s.trim(); }).filter(Boolean); }
  var state = {
    dx: list("dx"), pe: list("pe"), units: [], userUnits: false, level: "", children: false,
    structure: params.get("structure") === "AS_IT_WAS" ? "AS_IT_WAS" : "TODAY",
    rows: list("rows"), columns: list("columns"), filter: list("filter"),
    chart: ["column", "bar", "line", "area"].indexOf(params.get("chart")) !== -1 ? params.get("chart") : "column"
  };
  list("ou").forEach(function (token) {
    if (token === "USER_ORGUNIT") state.userUnits = true;
    else if (token === "CHILDREN") state.children = true;
    else if (/^LEVEL-\d+$/.test(token)) state.level = token;
    else toggle(state.units, token, true);
  });
  (function layout() {
    /* Each of dx, pe, ou exactly once on some axis; the disaggregation (co) only when asked, never a filter. */
    var placed = {};
    AXES.forEach(function (axis) {
      state[axis] = state[axis].filter(function (d) {
        var ok = ["dx", "pe", "ou", "co"].indexOf(d) !== -1 && !placed[d] && !(d === "co" && axis === "filter");
        placed[d] = true;
        return ok;
      });
    });
    if (!placed.dx && !placed.pe && !placed.ou) { state.rows = ["dx", "ou"].concat(state.rows); state.columns.unshift("pe"); return; }
    ["dx", "pe", "ou"].forEach(function (d) { if (!placed[d]) state.rows.push(d); });
  })();
  function hasCo() { return state.rows.indexOf("co") !== -1 || state.columns.indexOf("co") !== -1; }

  function ouTokens() {
    var tokens = state.units.slice();
    if (state.userUnits || !tokens.length) tokens.unshift("USER_ORGUNIT");
    if (state.level) tokens.push(state.level);
    if (state.children) tokens.push("CHILDREN");
    return tokens;
  }
  function items(d) { return d === "dx" ? state.dx : d === "pe" ? state.pe : ouTokens(); }
  function complete() { return state.dx.length > 0 && state.pe.length > 0; }
  function apiQuery(fmt) {
    var q = new URLSearchParams();
    state.columns.concat(state.rows).forEach(function (d) { q.append("dimension", d === "co" ? "co" : d + ":" + items(d).join(";")); });
    state.filter.forEach(function (d) { q.append("filter", d + ":" + items(d).join(";")); });
    q.append("structure", state.structure);
    if (fmt) q.append("format", fmt);
    return q.toString();
  }
  function pageQuery() {
    var q = new URLSearchParams();
    if (state.dx.length) q.set("dx", state.dx.join(";"));
    if (state.pe.length) q.set("pe", state.pe.join(";"));
    var ou = state.units.length || state.level || state.children ? ouTokens() : state.userUnits ? ["USER_ORGUNIT"] : [];
    if (ou.length) q.set("ou", ou.join(";"));
    q.set("structure", state.structure);
    AXES.forEach(function (axis) { if (state[axis].length) q.set(axis, state[axis].join(";")); });
    q.set("chart", state.chart);
    return q.toString().replace(/%3B/g, ";").replace(/%3A/g, ":");
  }

  var ctx = {
    state: state, names: names, texts: T, urls: cfg.urls, lang: cfg.lang, el: el, fill: fill, getJSON: getJSON,
    toggle: toggle, tick: tick, changed: function () { changed(); }
  };
  var units = window.IocExplorerUnits(ctx);
  var actions = window.IocExplorerActions(ctx);

  /* ---- data items ----------------------------------------------------------------------------------------------- */

  var dxList = $("dx-list"), dxSearch = $("dx-search"), dxKind = $("dx-kind");
  function renderItems(groups) {
    dxList.replaceChildren();
    groups.forEach(function (group) {
      var section = el("div", "ex-group"), ul = el("ul", "ex-options");
      section.appendChild(el("h3", "ex-group__title", group.name));
      group.items.forEach(function (item) {
        names[item.id] = item.name;
        var li = el("li", "ex-option"), label = el("label"), box = el("input");
        li.dataset.kind = item.kind;
        li.dataset.text = fold(item.name + " " + item.id);
        box.type = "checkbox"; box.name = "dx"; box.value = item.id;
        label.appendChild(box);
        label.appendChild(el("span", "ex-option__name", item.name));
        label.appendChild(el("span", "ex-tag ex-tag--" + item.kind, T[item.kind]));
        li.appendChild(label);
        ul.appendChild(li);
      });
      section.appendChild(ul);
      dxList.appendChild(section);
    });
    filterItems();
  }
  function filterItems() {
    var words = fold(dxSearch.value).split(/\s+/).filter(Boolean), kind = dxKind.value, any = false;
    dxList.querySelectorAll(".ex-group").forEach(function (group) {
      var shown = 0;
      group.querySelectorAll(".ex-option").forEach(function (li) {
        var ok = (!kind || li.dataset.kind === kind) && words.every(function (w) { return li.dataset.text.indexOf(w) !== -1; });
        li.hidden = !ok;
        if (ok) shown++;
      });
      group.hidden = !shown;
      any = any || shown > 0;
    });
    $("dx-empty").hidden = any;
  }
  dxSearch.addEventListener("input", filterItems);
  dxKind.addEventListener("change", filterItems);
  dxList.addEventListener("change", function (event) {
    if (event.target.name === "dx") { toggle(state.dx, event.target.value, event.target.checked); changed(); }
  });
  $("dx-co").addEventListener("change", function (event) {
    AXES.forEach(function (axis) { toggle(state[axis], "co", false); });
    if (event.target.checked) state.rows.push("co");
    changed();
  });

  /* ---- periods -------------------------------------------------------------------------------------------------- */

  var peList = $("pe-list"), peType = $("pe-type"), peYear = $("pe-year");
  function loadPeriods() {
    peList.replaceChildren(el("p", "muted small", T.loading));
    getJSON(cfg.urls.periods + "?" + new URLSearchParams({ type: peType.value, year: peYear.value })).then(function (body) {
      var ul = el("ul", "ex-options ex-options--periods");
      body.periods.forEach(function (p) {
        names[p.id] = p.name;
        var li = el("li", "ex-option"), label = el("label"), box = el("input");
        box.type = "checkbox"; box.name = "pe"; box.value = p.id;
        label.appendChild(box);
        label.appendChild(el("span", "ex-option__name", p.name));
        li.appendChild(label);
        ul.appendChild(li);
      });
      peList.replaceChildren(ul);
      tick(peList, "pe", state.pe);
    }).catch(function (err) { peList.replaceChildren(el("p", "form__error", err.message)); });
  }
  peType.addEventListener("change", loadPeriods);
  peYear.addEventListener("change", loadPeriods);
  $("ex-periods").addEventListener("change", function (event) {
    if (event.target.name === "pe") { toggle(state.pe, event.target.value, event.target.checked); changed(); }
  });
  root.querySelectorAll("input[name=structure]").forEach(function (radio) {
    radio.addEventListener("change", function () { if (radio.checked) { state.structure = radio.value; changed(); } });
  });

  /* ---- layout ----------------------------------------------------------------------------------------------------- */

  root.querySelectorAll("select[data-layout]").forEach(function (select) {
    select.addEventListener("change", function () {
      var d = select.getAttribute("data-layout");
      AXES.forEach(function (axis) { toggle(state[axis], d, false); });
      state[select.value].push(d);
      changed();
    });
  });
  $("ex-swap").addEventListener("click", function () { var r = state.rows; state.rows = state.columns; state.columns = r; changed(); });
  $("ex-chart-kind").addEventListener("change", function (event) { state.chart = event.target.value; draw(); sync(); });

  /* ---- showing: chips, address, table and chart --------------------------------------------------------------------- */

  var status = $("ex-status"), tableBox = $("ex-table"), chartBox = $("ex-chart"), chartCard = $("ex-chart-card");
  var model = null, chartInstance = null, refreshTimer = null, asked = 0;

  function chips(box, ids) {
    box.replaceChildren();
    ids.forEach(function (id) {
      var chip = el("span", "ex-chip"), button = el("button", "ex-chip__remove", "×");
      chip.appendChild(el("span", "ex-chip__name", names[id] || id));
      button.type = "button";
      button.setAttribute("aria-label", T.remove + ": " + (names[id] || id));
      button.addEventListener("click", function () { toggle(ids, id, false); changed(); });
      chip.appendChild(button);
      box.appendChild(chip);
    });
  }

  function sync() {
    chips($("dx-chips"), state.dx);
    chips($("pe-chips"), state.pe);
    chips($("ou-chips"), state.units);
    tick(dxList, "dx", state.dx);
    tick($("ex-periods"), "pe", state.pe);
    units.sync();
    $("dx-co").checked = hasCo();
    root.querySelectorAll("input[name=structure]").forEach(function (r) { r.checked = r.value === state.structure; });
    root.querySelectorAll("select[data-layout]").forEach(function (select) {
      var d = select.getAttribute("data-layout");
      select.value = state.columns.indexOf(d) !== -1 ? "columns" : state.filter.indexOf(d) !== -1 ? "filter" : "rows";
    });
    $("ex-layout-co").hidden = !hasCo();
    $("ex-chart-kind").value = state.chart;
    root.querySelectorAll("[data-count]").forEach(function (n) {
      var d = n.getAttribute("data-count");
      n.textContent = (d === "ou" ? state.units : state[d]).length || "";
    });
    var address = window.location.pathname + "?" + pageQuery();
    window.history.replaceState(null, "", address);
    var next = document.querySelector(".lang-switch input[name=next]");
    if (next) next.value = address;  // switching the language keeps the pivot
    actions.update(state, complete(), apiQuery);
  }

  function changed() {
    sync();
    window.clearTimeout(refreshTimer);
    refreshTimer = window.setTimeout(refresh, 300);
  }

  function say(text, isError) {
    status.textContent = text;
    status.classList.toggle("ex-status--error", !!isError);
    status.setAttribute("role", isError ? "alert" : "status");
  }

  function clear() {
    model = null;
    tableBox.replaceChildren();
    chartCard.hidden = true;
    $("ex-as-of").textContent = "";
    actions.chart(null);
  }

  function refresh() {
    if (!complete()) { clear(); say(T.chooseAll); return; }
    if (!state.rows.length && !state.columns.length) { clear(); say(T.needAxis); return; }
    var mine = ++asked;  // a slower earlier answer must not replace a later one
    root.setAttribute("aria-busy", "true");
    say(T.loading);
    getJSON(cfg.urls.analytics + "?" + apiQuery("")).then(function (answer) {
      if (mine !== asked) return;
      var meta = answer.metaData || {};
      Object.keys(meta.items || {}).forEach(function (id) { if (!names[id]) names[id] = meta.items[id].name; });
      model = window.IocPivot.build(answer, state, T);
      if (!model.shownRows.length) { clear(); say(T.noValues); return; }
      say("");
      window.IocPivot.table(tableBox, model, format, T);
      $("ex-as-of").textContent = answer.asOf ? fill(T.asOf, { time: when(new Date(answer.asOf)) }) : "";
      draw();
    }).catch(function (err) {
      if (mine !== asked) return;
      clear();
      say(fill(T.failed, { message: err.message }), true);
    }).then(function () { if (mine === asked) root.removeAttribute("aria-busy"); });
  }

  function draw() {
    if (!model || !window.echarts) return;
    chartCard.hidden = false;
    chartInstance = window.IocPivot.chart(chartBox, model, state.chart, format, T, chartInstance);
    chartInstance.resize();
    actions.chart(chartInstance);
  }
  window.addEventListener("resize", function () { if (chartInstance) chartInstance.resize(); });

  /* ---- start: names of what the address chose, the lists, then the first answer ------------------------------------ */

  var fixed = state.pe.filter(function (id) { return !names[id]; });
  var first = fixed[0] || "";
  if (first && peYear.querySelector("option[value='" + first.slice(0, 4) + "']")) peYear.value = first.slice(0, 4);
  peType.value = /Q/.test(first) ? "Quarterly" : /W/.test(first) ? "Weekly" : first.length === 4 ? "Yearly"
    : first.length === 8 ? "Daily" : "Monthly";
  if (complete() && window.matchMedia("(max-width: 900px)").matches) {
    /* A shared link on a phone: the answer first, the pickers folded away above it. */
    root.querySelectorAll(".ex-section").forEach(function (d) { d.open = false; });
  }
  Promise.all([
    getJSON(cfg.urls.items).then(function (body) { renderItems(body.groups); }),
    units.start(),
    fixed.length ? getJSON(cfg.urls.periods + "?" + new URLSearchParams({ ids: fixed.join(";") })).then(function (body) {
      body.periods.forEach(function (p) { names[p.id] = p.name; });
    }) : null
  ]).catch(function (err) { say(fill(T.failed, { message: err.message }), true); }).then(function () {
    loadPeriods();
    sync();
    refresh();
  });
})();
