/* The data explorer's unit picker: the tree of the units the user may see (opened level by level from
 * /ops/explorer/units/?parent=uid), a search (?q=, diacritics ignored), and the chosen units' checkboxes.
 * explorer.js calls IocExplorerUnits(ctx) with its state and helpers; `start()` loads the scope's roots. */
(function () {
  "use strict";

  window.IocExplorerUnits = function (ctx) {
    var T = ctx.texts, el = ctx.el, state = ctx.state;
    var box = document.getElementById("ex-units");
    var tree = document.getElementById("ou-tree");
    var search = document.getElementById("ou-search");
    var results = document.getElementById("ou-results");
    var timer = null;

    function node(unit, withParent) {
      ctx.names[unit.uid] = unit.name;
      var li = el("li", "ex-unit");
      var row = el("div", "ex-unit__row");
      if (unit.hasChildren && !withParent) {
        var expand = el("button", "ex-unit__expand", "▸");
        expand.type = "button";
        expand.setAttribute("aria-expanded", "false");
        expand.setAttribute("aria-label", T.expand + ": " + unit.name);
        expand.addEventListener("click", function () { open(li, expand, unit.uid); });
        row.appendChild(expand);
      } else {
        row.appendChild(el("span", "ex-unit__spacer"));
      }
      var label = el("label"), check = el("input");
      check.type = "checkbox"; check.name = "ou"; check.value = unit.uid;
      check.checked = state.units.indexOf(unit.uid) !== -1;
      label.appendChild(check);
      label.appendChild(el("span", "ex-option__name", unit.name));
      var facts = [unit.levelName, withParent ? unit.parent : ""];
      if (unit.closed) facts.push(ctx.fill(T.closed, { date: unit.closed }));
      else if (unit.opened) facts.push(ctx.fill(T.opened, { date: unit.opened }));
      label.appendChild(el("span", "ex-unit__facts", facts.filter(Boolean).join(" · ")));
      row.appendChild(label);
      li.appendChild(row);
      return li;
    }

    function list(units, withParent) {
      var ul = el("ul", "ex-tree");
      units.forEach(function (u) { ul.appendChild(node(u, withParent)); });
      return ul;
    }

    function open(li, button, uid) {
      var isOpen = button.getAttribute("aria-expanded") === "true";
      var sub = li.querySelector(":scope > ul");
      button.setAttribute("aria-expanded", isOpen ? "false" : "true");
      button.textContent = isOpen ? "▸" : "▾";
      if (sub) { sub.hidden = isOpen; return; }
      ctx.getJSON(ctx.urls.units + "?" + new URLSearchParams({ parent: uid })).then(function (body) {
        li.appendChild(list(body.units, false));
      }).catch(function (err) { li.appendChild(el("p", "form__error", err.message)); });
    }

    search.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        var text = search.value.trim();
        if (!text) { results.replaceChildren(); return; }
        ctx.getJSON(ctx.urls.units + "?" + new URLSearchParams({ q: text })).then(function (body) {
          if (search.value.trim() !== text) return;
          results.replaceChildren(body.units.length ? list(body.units, true) : el("p", "muted small", T.noUnits));
        }).catch(function (err) { results.replaceChildren(el("p", "form__error", err.message)); });
      }, 250);
    });

    box.addEventListener("change", function (event) {
      var t = event.target;
      if (t.name === "ou") {
        ctx.toggle(state.units, t.value, t.checked);
        ctx.tick(box, "ou", state.units);  // the same unit may be in the tree and in the search results
      } else if (t.id === "ou-user") state.userUnits = t.checked;
      else if (t.id === "ou-level") state.level = t.value;
      else if (t.id === "ou-children") state.children = t.checked;
      else return;
      ctx.changed();
    });

    return {
      start: function () {
        var roots = ctx.getJSON(ctx.urls.units).then(function (body) { tree.replaceChildren(list(body.units, false)); });
        var chosen = state.units.length
          ? ctx.getJSON(ctx.urls.units + "?" + new URLSearchParams({ uids: state.units.join(";") })).then(function (body) {
            body.units.forEach(function (u) { ctx.names[u.uid] = u.name; });
          })
          : null;
        return Promise.all([roots, chosen]);
      },
      sync: function () {
        ctx.tick(box, "ou", state.units);
        document.getElementById("ou-user").checked = state.userUnits;
        document.getElementById("ou-level").value = state.level;
        document.getElementById("ou-children").checked = state.children;
      }
    };
  };
})();
