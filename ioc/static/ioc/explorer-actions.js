/* The data explorer's actions on a pivot: export CSV / XLSX (GET /api/v1/analytics with format=csv|xlsx, the
 * same question as the table), PNG (the chart as drawn), copy the link, and "Save as a dashboard item" (POST
 * /ops/explorer/save/ with the CSRF token). explorer.js calls IocExplorerActions(ctx), then `update()` whenever
 * the choices change and `chart(instance)` when the chart is drawn. */
(function () {
  "use strict";

  window.IocExplorerActions = function (ctx) {
    var T = ctx.texts, el = ctx.el;
    var $ = function (id) { return document.getElementById(id); };
    var chartInstance = null;
    var status = $("ex-export-status");

    /* ---- files ---- */

    function save(blob, name) {
      var url = URL.createObjectURL(blob);
      var link = el("a");
      link.href = url;
      link.download = name;
      document.body.appendChild(link);
      link.click();
      link.remove();
      window.setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
    }

    ["csv", "xlsx"].forEach(function (fmt) {
      /* The link is the API's address (it can be copied); a click fetches it in the page's language (the API
       * otherwise follows the browser's) and shows a refusal here rather than as a page of JSON. */
      $("ex-" + fmt).addEventListener("click", function (event) {
        var link = event.currentTarget;
        event.preventDefault();
        if (!link.getAttribute("href")) return;
        status.textContent = T.loading;
        fetch(link.href, { credentials: "same-origin", headers: { "Accept-Language": ctx.lang } }).then(function (response) {
          if (!response.ok) {
            return response.json().catch(function () { return {}; }).then(function (body) {
              throw new Error(body.message || response.status + " " + response.statusText);
            });
          }
          return response.blob().then(function (blob) { save(blob, "ioc-analytics." + fmt); status.textContent = ""; });
        }).catch(function (err) { status.textContent = ctx.fill(T.failed, { message: err.message }); });
      });
    });

    $("ex-png").addEventListener("click", function () {
      if (!chartInstance) return;
      var link = el("a");
      link.href = chartInstance.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#ffffff" });
      link.download = "ioc-explorer.png";
      document.body.appendChild(link);
      link.click();
      link.remove();
    });

    $("ex-link").addEventListener("click", function () {
      var field = $("ex-link-text");
      field.value = window.location.href;
      field.hidden = false;
      field.select();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(function () { status.textContent = T.linkCopied; }, function () {});
      }
    });

    /* ---- save as a dashboard item ---- */

    var form = $("ex-save");
    var field = function (name) { return form ? form.elements.namedItem(name) : null; };
    var titleTyped = false;
    var ready = !!(form && field("title"));

    function showKindFields() {
      var kind = field("kind").value;
      form.querySelectorAll("[data-kind]").forEach(function (n) {
        n.hidden = n.getAttribute("data-kind").split(" ").indexOf(kind) === -1;
      });
    }

    function answer(text, ok, url) {
      var result = $("ex-save-result");
      result.replaceChildren(document.createTextNode(text));
      result.className = "ex-save__result message " + (ok ? "message--success" : "message--error");
      result.setAttribute("role", ok ? "status" : "alert");
      if (url) {
        var link = el("a", null, form.getAttribute("data-open-text"));
        link.href = url;
        link.id = "ex-save-open";
        result.appendChild(document.createTextNode(" "));
        result.appendChild(link);
      }
      result.hidden = false;
    }

    if (ready) {
      field("title").addEventListener("input", function () { titleTyped = field("title").value.trim() !== ""; });
      field("kind").addEventListener("change", showKindFields);
      showKindFields();
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var button = $("ex-save-button");
        button.disabled = true;
        fetch(form.action, {
          method: "POST",
          credentials: "same-origin",
          headers: { "X-CSRFToken": field("csrfmiddlewaretoken").value, Accept: "application/json" },
          body: new FormData(form)
        }).then(function (response) {
          return response.json().catch(function () { return { message: response.status + " " + response.statusText }; });
        }).then(function (body) {
          if (body.ok) answer(body.message, true, body.url);
          else answer(ctx.fill(T.saveFailed, { message: body.message || "" }), false);
        }).catch(function (err) {
          answer(ctx.fill(T.saveFailed, { message: err.message }), false);
        }).then(function () { button.disabled = false; });
      });
    }

    return {
      update: function (state, complete, apiQuery) {
        ["csv", "xlsx"].forEach(function (fmt) {
          var link = $("ex-" + fmt);
          if (complete) { link.href = ctx.urls.analytics + "?" + apiQuery(fmt); link.removeAttribute("aria-disabled"); }
          else { link.removeAttribute("href"); link.setAttribute("aria-disabled", "true"); }
        });
        if (!ready) return;
        field("dx").value = state.dx.join(";");
        field("pe").value = state.pe.join(";");
        field("rows").value = state.rows.join(";");
        field("columns").value = state.columns.join(";");
        field("chart").value = state.chart;
        if (!titleTyped) {
          field("title").value = state.dx.map(function (id) { return ctx.names[id] || id; }).join(", ").slice(0, 200);
        }
      },
      chart: function (instance) {
        chartInstance = instance;
        $("ex-png").disabled = !instance;
      }
    };
  };
})();
