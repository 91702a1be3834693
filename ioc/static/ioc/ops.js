/* The operations screen (Trung tâm điều hành), also under its wall-display mode (ops-wall.js).
 *
 * The page is a shell; this script fetches GET /api/v1/dashboards/<code>/data?pe=&ou=&structure= and draws
 * the items (ops-items.js, ops-map.js). The address holds the state, so a link can be shared and the back
 * button goes back: filters and drill-downs push a history entry. The script asks again every few seconds
 * (config.poll_seconds) sending the `generation` it holds: while nothing changed the server only answers
 * {"unchanged": true}, and a full answer is redrawn, so a value entered anywhere appears within seconds.
 *
 * Server-side words arrive through json_script blocks (#ops-config, #ops-strings): no inline script.
 */
(function () {
  "use strict";

  var root = document.getElementById("ops");
  var configNode = document.getElementById("ops-config");
  if (!root || !configNode) return;
  var C = JSON.parse(configNode.textContent);
  var S = JSON.parse(document.getElementById("ops-strings").textContent);
  var wall = C.mode === "wall";
  var locale = C.language === "vi" ? "vi-VN" : "en-US";
  var grid = document.getElementById("ops-grid");
  var status = document.getElementById("ops-status");

  /* ---- words and numbers --------------------------------------------------------------------------- */

  function t(key, params) {
    var text = S[key] || key;
    return text.replace(/%\((\w+)\)s/g, function (_m, name) {
      return params && params[name] !== undefined ? String(params[name]) : "";
    });
  }

  function finite(v) {
    return typeof v === "number" && isFinite(v);
  }

  var formats = {};
  function numberFormat(key, options) {
    if (!formats[key]) formats[key] = new Intl.NumberFormat(locale, options);
    return formats[key];
  }

  /* 1.234.567,8 in Vietnamese, 1,234,567.8 in English; `decimals` is the data item's (at most that many). */
  function fmt(value, decimals) {
    if (!finite(value)) return "—";
    var d = finite(decimals) ? Math.max(0, Math.min(6, decimals)) : 1;
    return numberFormat("n" + d, { maximumFractionDigits: d }).format(value);
  }

  function pct(value) {
    return numberFormat("pct", {
      style: "percent",
      minimumFractionDigits: 1,
      maximumFractionDigits: 1,
      signDisplay: "exceptZero",
    }).format(value);
  }

  function compact(value) {
    return numberFormat("compact", { notation: "compact", maximumFractionDigits: 1 }).format(value);
  }

  /* Dates and times in the province's time zone, dd/mm/yyyy HH:MM, whatever the viewer's computer says. */
  var clockParts = new Intl.DateTimeFormat("en-GB", {
    timeZone: C.time_zone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  });
  function parts(date) {
    var out = {};
    clockParts.formatToParts(date).forEach(function (p) { out[p.type] = p.value; });
    return out;
  }
  function dateTime(iso) {
    if (!iso) return t("as_of_none");
    var p = parts(new Date(iso));
    return p.day + "/" + p.month + "/" + p.year + " " + p.hour + ":" + p.minute;
  }

  /* 202510 → "10/2025", 2025Q3 → "Q3/2025", 2025 → "2025"; `long` uses the period's name when it is known. */
  var periodNames = {};
  function periodLabel(id, long) {
    id = String(id || "");
    if (long && periodNames[id]) return periodNames[id];
    var m = /^(\d{4})(\d{2})$/.exec(id);
    if (m) return +m[2] + "/" + m[1];
    m = /^(\d{4})Q([1-4])$/.exec(id);
    if (m) return t("quarter", { quarter: m[2], year: m[1] });
    return id;
  }

  /* ---- state in the address ------------------------------------------------------------------------ */

  var KEYS = ["pe", "ou", "structure"];
  function readState() {
    var params = new URLSearchParams(window.location.search);
    var state = {};
    KEYS.forEach(function (k) { state[k] = (params.get(k) || "").trim(); });
    return state;
  }
  var state = readState();
  var code = C.code;

  function query(s) {
    var params = new URLSearchParams();
    KEYS.forEach(function (k) { if (s[k]) params.set(k, s[k]); });
    var text = params.toString();
    return text ? "?" + text : "";
  }

  /* Links that must keep the state: the tabs, wall mode and back, and the language switch's return path. */
  function syncLinks() {
    var q = query(state);
    document.querySelectorAll(".ops-tabs__tab").forEach(function (a) {
      a.href = a.pathname + q;
    });
    ["ops-wall-link", "wall-exit"].forEach(function (id) {
      var a = document.getElementById(id);
      if (a) a.href = a.pathname + q;
    });
    document.querySelectorAll(".lang-switch input[name=next]").forEach(function (input) {
      input.value = window.location.pathname + window.location.search;
    });
  }

  function navigate(change, reset) {
    var next = Object.assign({}, state, change);
    if (reset) next.ou = "";
    state = next;
    window.history.pushState(state, "", window.location.pathname + query(state));
    syncLinks();
    load(true);
  }

  window.addEventListener("popstate", function () {
    state = readState();
    syncLinks();
    load(true);
  });

  /* ---- filters and breadcrumbs --------------------------------------------------------------------- */

  var period = document.getElementById("ops-period");
  var unitSelect = document.getElementById("ops-unit");
  var structure = document.getElementById("ops-structure");
  if (period) period.addEventListener("change", function () { navigate({ pe: period.value }); });
  if (unitSelect) unitSelect.addEventListener("change", function () { if (unitSelect.value) navigate({ ou: unitSelect.value }); });
  if (structure) structure.addEventListener("change", function () { navigate({ structure: structure.value }, true); });
  var filters = document.getElementById("ops-filters");
  if (filters) filters.addEventListener("submit", function (e) { e.preventDefault(); });

  function option(value, label) {
    var o = document.createElement("option");
    o.value = value;
    o.textContent = label;
    return o;
  }

  /* The unit choice: the way up (breadcrumbs) and the units below, as the data named them. */
  function fillFilters(data, children) {
    if (period) {
      var pe = state.pe || "LAST_MONTH";
      if (!Array.prototype.some.call(period.options, function (o) { return o.value === pe; })) {
        period.insertBefore(option(pe, data.period ? data.period.name : pe), period.firstChild);
      }
      period.value = pe;
    }
    if (structure) structure.value = data.structure || state.structure || "TODAY";
    if (!unitSelect) return;
    unitSelect.textContent = "";
    var crumbs = (data.unit && data.unit.breadcrumbs) || [];
    crumbs.forEach(function (c, i) {
      unitSelect.appendChild(option(c.uid, "\u00a0\u00a0".repeat(i) + c.name));
    });
    if (children.length) {
      var group = document.createElement("optgroup");
      group.label = t("children");
      children.forEach(function (c) { group.appendChild(option(c.uid, "\u00a0\u00a0".repeat(crumbs.length) + c.name)); });
      unitSelect.appendChild(group);
    }
    if (data.unit) unitSelect.value = data.unit.uid;
  }

  function fillCrumbs(data) {
    var nav = document.getElementById("ops-crumbs");
    var crumbs = (data.unit && data.unit.breadcrumbs) || [];
    nav.textContent = "";
    var list = nav.appendChild(document.createElement("ol"));
    crumbs.forEach(function (c, i) {
      var li = list.appendChild(document.createElement("li"));
      if (i === crumbs.length - 1) {
        var here = li.appendChild(document.createElement("span"));
        here.textContent = c.name;
        here.setAttribute("aria-current", "location");
      } else {
        var b = li.appendChild(document.createElement("a"));
        b.href = window.location.pathname + query(Object.assign({}, state, { ou: c.uid }));
        b.textContent = c.name;
        b.addEventListener("click", function (e) { e.preventDefault(); navigate({ ou: c.uid }); });
      }
    });
    var name = document.getElementById("ops-period-name");
    if (name) name.textContent = data.period ? data.period.name : "";
  }

  /* ---- items --------------------------------------------------------------------------------------- */

  var views = [];
  var signature = "";
  var drillable = {};
  var ctx = {
    fmt: fmt,
    pct: pct,
    compact: compact,
    t: t,
    periodLabel: periodLabel,
    dark: wall,
    tileUrl: C.tile_url,
    tileAttribution: C.tile_attribution,
    onDrill: function (uid) { navigate({ ou: uid }); },
    canDrill: function (uid) { return drillable[uid] !== false; },
  };

  function build(items) {
    views.forEach(function (v) { v.view.destroy(); });
    views = [];
    grid.textContent = "";
    if (!items.length) {
      grid.appendChild(Object.assign(document.createElement("p"), { className: "empty card", textContent: t("empty_dashboard") }));
    }
    items.forEach(function (item) {
      var width = item.width || (item.kind === "kpi" ? 3 : 6);
      var card = document.createElement("section");
      card.className = "ops-item ops-item--" + item.kind + (width <= 4 ? " ops-item--narrow" : "");
      card.style.setProperty("--w", String(width));
      card.setAttribute("data-uid", item.uid);
      var title = card.appendChild(document.createElement("h2"));
      title.className = "ops-item__title";
      var body = card.appendChild(document.createElement("div"));
      body.className = "ops-item__body";
      grid.appendChild(card);
      var error = card.appendChild(document.createElement("p"));
      error.className = "ops-item__error";
      views.push({ title: title, error: error, view: window.IocOpsItems.create(item.kind, body, ctx) });
    });
  }

  function render(data, fit) {
    var items = data.items || [];
    periodNames = {};
    if (data.period) periodNames[data.period.id] = data.period.name;
    // The units below the chosen one, for the unit filter: from the maps, else from rankings by unit.
    var children = [];
    drillable = {};
    items.forEach(function (item) {
      (item.units || []).forEach(function (u) {
        if (!(u.uid in drillable)) children.push(u);
        drillable[u.uid] = Boolean(u.has_children);
      });
    });
    items.forEach(function (item) {
      if (children.length || item.kind !== "table" || item.by === "period") return;
      (item.rows || []).forEach(function (r) { children.push({ uid: r.id, name: r.name }); });
    });
    var next = data.dashboard.code + "|" + items.map(function (i) { return i.uid + ":" + i.kind; }).join(",");
    if (next !== signature) {
      build(items);
      signature = next;
      fit = true;
    }
    items.forEach(function (item, i) {
      views[i].title.textContent = item.title || (item.dx && item.dx.name) || "";
      views[i].error.textContent = item.error || ""; // a stale item (its indicator deleted) says so
      views[i].view.update(item, fit);
    });
    document.getElementById("ops-title").textContent = data.dashboard.name;
    document.getElementById("ops-asof").textContent = dateTime(data.as_of);
    if (data.as_of) document.getElementById("ops-asof").setAttribute("datetime", data.as_of);
    fillCrumbs(data);
    fillFilters(data, children);
    root.setAttribute("data-generation", String(data.generation));
    root.setAttribute("data-unit", data.unit ? data.unit.uid : "");
  }

  /* ---- loading and polling ------------------------------------------------------------------------- */

  var last = null;
  var lastText = "";
  var lastFull = 0;
  var sequence = 0;
  var inFlight = false;
  // The generation only moves with data, metadata and hierarchy changes: now and then the poll asks in full,
  // so that an operator's edit of the dashboard, or a new month under LAST_MONTH, reaches a quiet screen too.
  var FULL_EVERY_MS = 5 * 60 * 1000;

  // What is drawn, without the generation: another server process (its own generation) may send the same.
  function fingerprint(data) {
    return JSON.stringify(data, function (key, value) {
      return this === data && key === "generation" ? undefined : value;
    });
  }

  function remember(data) {
    last = data;
    lastText = fingerprint(data);
    lastFull = Date.now();
  }

  function showStatus(message, isError) {
    status.textContent = "";
    status.classList.toggle("ops-status--error", Boolean(isError));
    if (!message) return;
    status.appendChild(document.createTextNode(message + " "));
    if (isError) {
      var retry = status.appendChild(document.createElement("button"));
      retry.type = "button";
      retry.className = "button button--secondary";
      retry.textContent = t("retry");
      retry.addEventListener("click", function () { load(true); });
    }
  }

  function fetchData(generation) {
    var q = query(state);
    if (generation !== undefined && generation !== null) q += (q ? "&" : "?") + "generation=" + generation;
    var url = C.api.replace("__code__", encodeURIComponent(code)) + q;
    // The API follows Accept-Language when no language was chosen: ask in the page's language.
    var headers = { Accept: "application/json", "Accept-Language": C.language };
    return fetch(url, { credentials: "same-origin", headers: headers }).then(
      function (r) {
        return r.json().catch(function () { return {}; }).then(function (body) {
          if (!r.ok) throw new Error(body.message || t("load_failed"));
          return body;
        });
      },
      function () {
        throw new Error(t("load_failed")); // no connection: the browser's own words would be English
      }
    );
  }

  /* A new question (filter, drill, tab): redraw whatever the answer. */
  function load(fit) {
    var mine = ++sequence;
    inFlight = true;
    root.setAttribute("aria-busy", "true");
    var slow = window.setTimeout(function () { if (mine === sequence) showStatus(t("loading")); }, 300);
    return fetchData()
      .then(function (data) {
        if (mine !== sequence) return;
        remember(data);
        showStatus("");
        render(data, fit);
      })
      .catch(function (error) {
        if (mine === sequence) showStatus(error.message || t("load_failed"), true);
      })
      .then(function () {
        window.clearTimeout(slow);
        if (mine === sequence) {
          inFlight = false;
          root.setAttribute("aria-busy", "false");
        }
      });
  }

  /* The same question again: redraw only on a full answer that differs from what is shown. */
  function poll() {
    if (inFlight || document.hidden || !last) return;
    var mine = sequence;
    var full = Date.now() - lastFull >= FULL_EVERY_MS;
    fetchData(full ? null : last.generation)
      .then(function (data) {
        if (mine !== sequence) return;
        if (root.classList.contains("ops--offline")) showStatus("");
        root.classList.remove("ops--offline");
        if (data.unchanged) return;
        var changed = fingerprint(data) !== lastText;
        remember(data);
        root.setAttribute("data-generation", String(data.generation));
        if (changed) render(data, false);
      })
      .catch(function () {
        if (mine !== sequence) return;
        root.classList.add("ops--offline");
        showStatus(t("offline"));
      });
  }

  var resizeTimer = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(function () { views.forEach(function (v) { v.view.resize(); }); }, 150);
  });

  syncLinks();
  window.history.replaceState(state, "", window.location.pathname + query(state));
  // Wall mode (ops-wall.js) turns the dashboards and shows the clock through this.
  window.IocOps = {
    config: C,
    t: t,
    clock: parts,
    show: function (next) {
      code = next;
      return load(true);
    },
  };
  if (!wall) load(true);
  window.setInterval(poll, Math.max(2, C.poll_seconds) * 1000);
})();
