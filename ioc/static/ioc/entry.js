/* The data-entry form (ioc/templates/entry/form.html): keyboard movement between cells, saving each cell when
 * it is left, checks in the browser before the server's, live totals, the details panel (history chart, audit
 * trail, comment, follow-up), "Run validation" and "Complete".
 *
 * Every write goes to the server (POST /entry/cell/ with the CSRF token), which runs the one write service
 * (ioc.datavalues.services) with all its rules; the checks here only spare a round trip. No inline scripts:
 * the Content-Security-Policy allows scripts from our origin only. */
(function () {
  "use strict";

  /* ---- helpers ---------------------------------------------------------------------------------------- */

  function cookie(name) {
    var parts = document.cookie ? document.cookie.split(";") : [];
    for (var i = 0; i < parts.length; i++) {
      var part = parts[i].trim();
      if (part.substring(0, name.length + 1) === name + "=") return decodeURIComponent(part.substring(name.length + 1));
    }
    return null;
  }

  function csrfToken() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return cookie("csrftoken") || (field ? field.value : "");
  }

  function fold(text) {
    /* Lower case without Vietnamese diacritics, for the unit filter ("vinh yen" finds "Vĩnh Yên"). */
    return (text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "d").toLowerCase();
  }

  /* ---- choosing the form ------------------------------------------------------------------------------ */

  var choose = document.getElementById("entry-choose");
  if (choose) {
    var dataSet = document.getElementById("choose-data-set");
    var periodSelect = document.getElementById("choose-period");
    var unitSelect = document.getElementById("choose-unit");
    var filter = document.getElementById("unit-filter");
    if (dataSet) {
      dataSet.addEventListener("change", function () {
        /* A new data set has its own periods and units: reload the choices. */
        if (periodSelect) periodSelect.value = "";
        if (unitSelect) unitSelect.value = "";
        choose.submit();
      });
    }
    if (filter && unitSelect && unitSelect.options.length > 8) {
      filter.hidden = false;
      filter.addEventListener("input", function () {
        var words = fold(filter.value).split(/\s+/).filter(Boolean);
        var firstShown = null;
        for (var i = 1; i < unitSelect.options.length; i++) {
          var option = unitSelect.options[i];
          var text = fold(option.text);
          var show = words.every(function (w) { return text.indexOf(w) !== -1; });
          option.hidden = !show;
          option.disabled = !show;
          if (show && !firstShown) firstShown = option;
        }
        if (firstShown && unitSelect.selectedOptions.length && unitSelect.selectedOptions[0].hidden) unitSelect.value = firstShown.value;
      });
      filter.addEventListener("keydown", function (event) {
        if (event.key === "ArrowDown") { event.preventDefault(); unitSelect.focus(); }
      });
    }
  }

  /* ---- the grid --------------------------------------------------------------------------------------- */

  var root = document.getElementById("entry-form");
  if (!root) return;

  var readOnly = root.getAttribute("data-read-only") === "true";
  var lang = root.getAttribute("data-lang") || document.documentElement.lang || "vi";
  var texts = (document.getElementById("entry-texts") || root).dataset;
  var live = document.getElementById("entry-live");
  var numberFormat = new Intl.NumberFormat(lang === "en" ? "en-US" : "vi-VN", { maximumFractionDigits: 2 });
  var formKey = {
    data_set: root.getAttribute("data-data-set"),
    org_unit: root.getAttribute("data-org-unit"),
    period: root.getAttribute("data-period")
  };

  var inputs = Array.prototype.slice.call(root.querySelectorAll(".cell__input"));
  var rows = [];
  var position = new Map();
  Array.prototype.forEach.call(root.querySelectorAll("tr[data-row]"), function (tr) {
    var cells = Array.prototype.slice.call(tr.querySelectorAll(".cell__input"));
    if (!cells.length) return;
    cells.forEach(function (input, c) { position.set(input, { r: rows.length, c: c }); });
    rows.push(cells);
  });

  function announce(text) {
    if (!live) return;
    live.textContent = "";
    window.setTimeout(function () { live.textContent = text; }, 30);
  }

  function label(input) { return input.getAttribute("aria-label") || ""; }

  function cellOf(key) {
    var dot = key.indexOf(".");
    var de = key.substring(0, dot), coc = key.substring(dot + 1);
    for (var i = 0; i < inputs.length; i++) {
      if (inputs[i].getAttribute("data-de") === de && inputs[i].getAttribute("data-coc") === coc) return inputs[i];
    }
    return null;
  }

  function focusCell(input) {
    if (!input) return;
    input.focus({ preventScroll: true });
    input.closest("td").scrollIntoView({ block: "nearest", inline: "nearest" });
    if (input.select && input.tagName === "INPUT") input.select();
  }

  /* ---- keyboard --------------------------------------------------------------------------------------- */

  function move(input, dr, dc) {
    var at = position.get(input);
    if (!at) return false;
    var r = at.r, c = at.c;
    if (dr) {
      r += dr;
      if (r < 0 || r >= rows.length) return false;
      c = Math.min(c, rows[r].length - 1);
    } else {
      c += dc;
      if (c < 0) {
        if (r === 0) return false;
        r -= 1; c = rows[r].length - 1;
      } else if (c >= rows[r].length) {
        if (r === rows.length - 1) return false;
        r += 1; c = 0;
      }
    }
    focusCell(rows[r][c]);
    return true;
  }

  function atStart(input) {
    if (input.tagName !== "INPUT") return true;
    return input.selectionStart === 0 && input.selectionEnd === 0;
  }

  function atEnd(input) {
    if (input.tagName !== "INPUT") return true;
    return input.selectionStart === input.value.length && input.selectionEnd === input.value.length;
  }

  root.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!input.classList || !input.classList.contains("cell__input")) return;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      openDetails(input);
      return;
    }
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var handled = false;
    switch (event.key) {
      case "Enter":
        handled = true;
        if (!move(input, 1, 0) && !readOnly) save(input); /* the last row: save, stay */
        break;
      case "ArrowDown": handled = true; move(input, 1, 0); break;
      case "ArrowUp": handled = true; move(input, -1, 0); break;
      case "ArrowLeft":
        if (atStart(input)) { handled = true; move(input, 0, -1); }
        break;
      case "ArrowRight":
        if (atEnd(input)) { handled = true; move(input, 0, 1); }
        break;
      case "Escape":
        handled = true;
        revert(input);
        break;
    }
    if (handled) event.preventDefault();
  });

  root.addEventListener("focusin", function (event) {
    var input = event.target;
    if (input.classList && input.classList.contains("cell__input") && input.tagName === "INPUT") {
      // Select the content after the click that focused it (a mouseup would undo a select made now), but
      // not once the user has started typing: a fast typist's first key would be overwritten.
      var before = input.value;
      window.setTimeout(function () {
        if (document.activeElement === input && input.value === before) input.select();
      }, 0);
    }
  });

  /* ---- checks in the browser (the server checks everything again) ------------------------------------- */

  function normalise(input) {
    var kind = input.getAttribute("data-kind");
    var value = input.value;
    if (kind === "text" || kind === "boolean") return value;
    value = value.replace(/[\s\u00a0]/g, "");
    /* A decimal comma (Vietnamese) when it is the only separator: 12,5 → 12.5 */
    if (value.indexOf(",") !== -1 && value.indexOf(".") === -1 && value.split(",").length === 2) value = value.replace(",", ".");
    return value;
  }

  function problem(input, value) {
    var kind = input.getAttribute("data-kind");
    if (value === "" || kind === "text" || kind === "boolean") return null;
    if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(value)) return texts.notNumber;
    var number = parseFloat(value);
    if (kind === "integer" && !Number.isInteger(number)) return texts.notInteger;
    var min = input.getAttribute("data-min"), max = input.getAttribute("data-max");
    if (min !== null && number < parseFloat(min)) return texts.below.replace("%(min)s", numberFormat.format(parseFloat(min)));
    if (max !== null && number > parseFloat(max)) return texts.above.replace("%(max)s", numberFormat.format(parseFloat(max)));
    return null;
  }

  /* ---- cell state --------------------------------------------------------------------------------------- */

  function setState(input, state, message) {
    var td = input.closest("td");
    td.classList.remove("cell--saving", "cell--saved", "cell--error");
    if (state) td.classList.add("cell--" + state);
    var msg = document.getElementById(input.getAttribute("aria-describedby"));
    if (msg) msg.textContent = state === "error" ? message : "";
    if (state === "error") input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
    input.setAttribute("aria-busy", state === "saving" ? "true" : "false");
  }

  function revert(input) {
    var saved = input.getAttribute("data-saved") || "";
    if (input.value !== saved || input.closest("td").classList.contains("cell--error")) {
      input.value = saved;
      setState(input, null);
      recompute(input);
      announce(label(input) + ": " + texts.revert);
    }
    if (input.select && input.tagName === "INPUT") input.select();
  }

  /* ---- saving ------------------------------------------------------------------------------------------- */

  var inflight = new Map(); /* input → promise of its save */

  function post(url, fields) {
    var body = new URLSearchParams();
    Object.keys(fields).forEach(function (k) { body.append(k, fields[k]); });
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded" },
      body: body
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) {
        /* Not our JSON: an expired session or CSRF token (403 page), a login redirect, a proxy error. */
        return { ok: false, message: response.status === 403 || response.redirected ? texts.expired : texts.offline };
      }
      return response.json();
    }, function () {
      return { ok: false, message: texts.offline };
    });
  }

  function cellFields(input, extra) {
    var fields = {
      data_set: formKey.data_set,
      org_unit: formKey.org_unit,
      period: formKey.period,
      de: input.getAttribute("data-de"),
      coc: input.getAttribute("data-coc")
    };
    Object.keys(extra || {}).forEach(function (k) { fields[k] = extra[k]; });
    return fields;
  }

  function save(input, extra) {
    var previous = inflight.get(input) || Promise.resolve();
    var job = previous.then(function () { return doSave(input, extra); });
    inflight.set(input, job);
    job.then(function () { if (inflight.get(input) === job) inflight.delete(input); });
    return job;
  }

  function doSave(input, extra) {
    var withComment = extra && Object.prototype.hasOwnProperty.call(extra, "comment");
    /* A comment goes with the stored value, not with an unsaved edit of the cell. */
    var value = withComment ? (input.getAttribute("data-saved") || "") : normalise(input);
    var saved = input.getAttribute("data-saved") || "";
    if (!withComment && value === saved) {
      setState(input, null);
      return Promise.resolve({ ok: true, action: "UNCHANGED" });
    }
    var why = problem(input, value);
    if (why) {
      setState(input, "error", why);
      announce(label(input) + ": " + why);
      return Promise.resolve({ ok: false, message: why });
    }
    setState(input, "saving");
    var fields = cellFields(input, { value: value });
    if (withComment) fields.comment = extra.comment;
    return post(root.getAttribute("data-cell-url"), fields).then(function (data) {
      if (data.ok) {
        input.setAttribute("data-saved", data.value);
        if (normalise(input) === value) input.value = data.value;
        var td = input.closest("td");
        td.classList.toggle("cell--commented", !!data.comment);
        td.classList.toggle("cell--follow-up", !!data.followUp);
        td.classList.remove("cell--missing");
        input.setAttribute("data-comment", data.comment || "");
        setState(input, "saved");
        announce(label(input) + ": " + (data.action === "DELETE" ? texts.deleted : texts.saved));
        progress();
      } else {
        setState(input, "error", data.message);
        announce(label(input) + ": " + data.message);
      }
      recompute(input);
      return data;
    });
  }

  if (!readOnly) {
    root.addEventListener("focusout", function (event) {
      var input = event.target;
      if (input.classList && input.classList.contains("cell__input") && input.tagName === "INPUT") save(input);
    });
    root.addEventListener("change", function (event) {
      var input = event.target;
      if (input.classList && input.classList.contains("cell__input") && input.tagName === "SELECT") save(input);
    });
    root.addEventListener("input", function (event) {
      var input = event.target;
      if (!input.classList || !input.classList.contains("cell__input")) return;
      var td = input.closest("td");
      if (td.classList.contains("cell--saved")) td.classList.remove("cell--saved");
      recompute(input);
    });
  }

  function flush() {
    /* Save the cell being edited, then wait for every save in flight. */
    var active = document.activeElement;
    if (active && active.classList && active.classList.contains("cell__input") && !readOnly) save(active);
    return Promise.all(Array.from(inflight.values()));
  }

  function unsaved() {
    return inputs.filter(function (input) {
      return !input.disabled && (normalise(input) !== (input.getAttribute("data-saved") || "") || input.closest("td").classList.contains("cell--error"));
    });
  }

  window.addEventListener("beforeunload", function (event) {
    if (inflight.size || unsaved().length) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  /* ---- totals and progress ------------------------------------------------------------------------------ */

  function number(input) {
    if (!input.hasAttribute("data-sum")) return null;
    var value = normalise(input);
    if (value === "" || problem(input, value)) return null;
    return parseFloat(value);
  }

  function show(cell, total) {
    if (cell) cell.textContent = total === null ? "" : numberFormat.format(total);
  }

  function recomputeTable(table) {
    var columns = [];
    var grand = null;
    Array.prototype.forEach.call(table.querySelectorAll("tr[data-row]"), function (tr) {
      var sum = null;
      Array.prototype.forEach.call(tr.querySelectorAll(".cell__input"), function (input, c) {
        var n = number(input);
        if (n === null) return;
        sum = (sum || 0) + n;
        columns[c] = (columns[c] || 0) + n;
      });
      var rowTotal = tr.querySelector("[data-row-total]");
      if (rowTotal && tr.querySelector("[data-sum]")) show(rowTotal, sum);
      if (sum !== null) grand = (grand || 0) + sum;
    });
    Array.prototype.forEach.call(table.querySelectorAll("[data-col-total]"), function (cell) {
      var c = parseInt(cell.getAttribute("data-col-total"), 10);
      show(cell, columns[c] === undefined ? null : columns[c]);
    });
    show(table.querySelector("[data-grand-total]"), grand);
  }

  function recompute(input) {
    var table = input && input.closest("table");
    if (table) recomputeTable(table);
  }

  function progress() {
    var box = document.getElementById("entry-progress");
    if (!box) return;
    var filled = inputs.filter(function (i) { return (i.getAttribute("data-saved") || "") !== ""; }).length;
    var strong = box.querySelector("[data-filled]");
    if (strong) strong.textContent = String(filled);
    var missing = inputs.filter(function (i) {
      return i.getAttribute("aria-required") === "true" && (i.getAttribute("data-saved") || "") === "";
    }).length;
    var count = box.querySelector("[data-missing]");
    if (count) count.textContent = String(missing);
    var note = box.querySelector(".entry-toolbar__missing");
    if (note) note.hidden = missing === 0;
  }

  Array.prototype.forEach.call(root.querySelectorAll("table.entry-grid"), recomputeTable);

  /* ---- highlighting cells named by validation or by "Complete" ----------------------------------------- */

  function highlight(keys, cls) {
    Array.prototype.forEach.call(root.querySelectorAll("." + cls), function (td) { td.classList.remove(cls); });
    (keys || "").split(/\s+/).filter(Boolean).forEach(function (key) {
      var input = cellOf(key);
      if (input) input.closest("td").classList.add(cls);
    });
  }

  root.addEventListener("click", function (event) {
    var goto = event.target.closest("[data-goto-cell]");
    if (goto) {
      var input = cellOf(goto.getAttribute("data-goto-cell"));
      if (input) {
        event.preventDefault();
        focusCell(input);
        var td = input.closest("td");
        td.classList.remove("cell--flash");
        void td.offsetWidth;
        td.classList.add("cell--flash");
      }
      return;
    }
    var more = event.target.closest("[data-details]");
    if (more) {
      event.preventDefault();
      openDetails(document.getElementById(more.getAttribute("data-details")));
    }
  });

  var completion = document.getElementById("completion-errors");
  if (completion) highlight(completion.getAttribute("data-cells"), "cell--missing");
  var shownResult = root.querySelector(".entry-validation__result");
  if (shownResult) highlight(shownResult.getAttribute("data-cells"), "cell--violation");

  /* ---- run validation ----------------------------------------------------------------------------------- */

  var validateForm = document.getElementById("validate-form");
  var results = document.getElementById("validation-results");
  if (validateForm && results) {
    validateForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = document.getElementById("run-validation");
      button.setAttribute("aria-busy", "true");
      button.disabled = true;
      results.textContent = texts.loading;
      flush().then(function () {
        return fetch(validateForm.action, {
          method: "POST",
          credentials: "same-origin",
          headers: { "X-CSRFToken": csrfToken(), "X-IOC-Fragment": "1" },
          body: new FormData(validateForm)
        });
      }).then(function (response) {
        return response.text().then(function (html) { return { response: response, html: html }; });
      }).then(function (answer) {
        var type = answer.response.headers.get("Content-Type") || "";
        if (type.indexOf("text/html") !== -1 && answer.html.indexOf("entry-validation__result") !== -1) {
          results.innerHTML = answer.html;
        } else {
          results.textContent = answer.response.status === 403 ? texts.expired : texts.offline;
        }
        var result = results.querySelector(".entry-validation__result");
        highlight(result ? result.getAttribute("data-cells") : "", "cell--violation");
        results.setAttribute("tabindex", "-1");
        results.focus();
      }, function () {
        results.textContent = texts.offline;
      }).then(function () {
        button.removeAttribute("aria-busy");
        button.disabled = false;
      });
    });
  }

  /* ---- complete: save everything first ----------------------------------------------------------------- */

  var completeForm = document.getElementById("complete-form-form");
  if (completeForm) {
    completeForm.addEventListener("submit", function (event) {
      event.preventDefault();
      flush().then(function () {
        var left = unsaved();
        if (left.length) {
          /* A cell in error keeps its own message; one merely unsaved says so. */
          if (!left[0].closest("td").classList.contains("cell--error")) setState(left[0], "error", texts.pending);
          announce(texts.pending + " " + label(left[0]));
          focusCell(left[0]);
          return;
        }
        completeForm.submit();
      });
    });
  }

  /* ---- the details panel ------------------------------------------------------------------------------- */

  var dialog = document.getElementById("cell-details");
  var body = document.getElementById("cell-details-body");
  var chart = null;
  var detailsFor = null;

  var echartsLoading = null;

  function loadECharts() {
    /* ECharts (1 MB) is fetched the first time a details panel opens, not with the page. */
    if (window.echarts) return Promise.resolve();
    if (!echartsLoading) {
      echartsLoading = new Promise(function (resolve) {
        var script = document.createElement("script");
        script.src = root.getAttribute("data-echarts-url");
        script.onload = resolve;
        script.onerror = resolve; /* the table below the chart still shows the history */
        document.head.appendChild(script);
      });
    }
    return echartsLoading;
  }

  function drawChart(box) {
    if (!box || !window.echarts) return;
    var data;
    try { data = JSON.parse(box.getAttribute("data-chart")); } catch (e) { return; }
    chart = window.echarts.init(box, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      grid: { left: 56, right: 12, top: 16, bottom: 36 },
      tooltip: {
        trigger: "axis",
        valueFormatter: function (v) { return v === null || v === undefined ? "—" : numberFormat.format(v); }
      },
      xAxis: { type: "category", data: data.labels, axisLabel: { fontSize: 10 } },
      yAxis: { type: "value", axisLabel: { formatter: function (v) { return numberFormat.format(v); } } },
      series: [{
        type: "bar",
        name: data.series,
        data: data.values.map(function (v, i) {
          return { value: v, itemStyle: { color: data.labels[i] === data.current ? "#f2b705" : "#1550b5" } };
        })
      }],
      aria: { enabled: true }
    });
  }

  function closeDetails() {
    if (chart) { chart.dispose(); chart = null; }
    if (dialog.open) dialog.close();
  }

  function openDetails(input) {
    if (!input || !dialog) return;
    detailsFor = input;
    var params = new URLSearchParams(cellFields(input));
    body.textContent = texts.loading;
    if (!dialog.open) dialog.showModal();
    fetch(root.getAttribute("data-details-url") + "?" + params.toString(), { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        if (detailsFor !== input) return;
        body.innerHTML = html;
        var box = body.querySelector(".entry-chart");
        if (box) loadECharts().then(function () { if (detailsFor === input && dialog.open) drawChart(box); });
      }, function () { body.textContent = texts.offline; });
  }

  if (dialog) {
    dialog.addEventListener("close", function () {
      if (chart) { chart.dispose(); chart = null; }
      if (detailsFor) focusCell(detailsFor);
    });
    dialog.addEventListener("click", function (event) {
      if (event.target.closest("[data-close-details]") || event.target === dialog) closeDetails();
    });
    dialog.addEventListener("change", function (event) {
      var box = event.target.closest("[data-follow-up]");
      if (!box || !detailsFor) return;
      var input = detailsFor;
      var status = dialog.querySelector("[data-details-status]");
      post(root.getAttribute("data-follow-up-url"), cellFields(input, { follow_up: box.checked ? "true" : "false" }))
        .then(function (data) {
          if (data.ok) {
            input.closest("td").classList.toggle("cell--follow-up", !!data.followUp);
            if (status) status.textContent = texts.saved;
          } else {
            box.checked = !box.checked;
            if (status) status.textContent = data.message;
          }
        });
    });
    dialog.addEventListener("submit", function (event) {
      var form = event.target.closest("[data-comment-form]");
      if (!form || !detailsFor) return;
      event.preventDefault();
      var input = detailsFor;
      var status = form.querySelector("[data-details-status]");
      var comment = form.querySelector("textarea").value;
      save(input, { comment: comment }).then(function (data) {
        if (status) status.textContent = data.ok ? texts.saved : data.message;
      });
    });
  }

  /* ---- start: the first empty cell, on a large screen ---------------------------------------------------- */

  if (!readOnly && !completion && window.matchMedia && window.matchMedia("(min-width: 860px)").matches) {
    var firstEmpty = inputs.filter(function (i) { return !i.disabled && (i.getAttribute("data-saved") || "") === ""; })[0];
    if (firstEmpty) focusCell(firstEmpty);
  }
})();
