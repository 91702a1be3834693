/* The operations screen's map (Leaflet): one indicator over the units below the chosen one.
 *
 * Units with an imported boundary are filled (choropleth); units with only a centre point get a circle, larger
 * for a higher value (dashed when the point is approximate). Hover shows the value; a click on a unit
 * that has units below it drills down (ops.js reloads the data for it). There are no background tiles unless
 * the deployment names a tile server: the screen must work without the internet.
 *
 * window.IocOpsMap.create(element, options) -> {update(item, fit), resize(), destroy()}
 *   options: {fmt(value, decimals), t(key, params), tileUrl, tileAttribution, dark, onDrill(uid)}
 */
(function () {
  "use strict";

  // Five steps of one hue, light to dark (light theme) or dark to bright (wall display).
  var LIGHT = ["#c6dbef", "#93bfe0", "#5a9bd0", "#2b6cb3", "#0b3d91"];
  var DARK = ["#2a5a8a", "#2f7fc0", "#4aa3e8", "#7cc4f5", "#bfe6ff"];
  var NO_DATA = { light: "#cfd6df", dark: "#3a4658" };
  var MIN_RADIUS = 6;
  var MAX_RADIUS = 24;

  /* Many units, smaller circles: 36 communes of 24 px would hide one another. */
  function maxRadius(count) {
    return count <= 12 ? MAX_RADIUS : count <= 40 ? 15 : 10;
  }

  function finite(v) {
    return typeof v === "number" && isFinite(v);
  }

  /* Equal steps between the smallest and largest value: a leader reads "darker is more" at a glance. */
  function scaleOf(units) {
    var values = units.map(function (u) { return u.value; }).filter(finite);
    if (!values.length) return null;
    var min = Math.min.apply(null, values);
    var max = Math.max.apply(null, values);
    return { min: min, max: max };
  }

  function stepOf(value, scale, count) {
    if (scale.max === scale.min) return count - 1;
    var i = Math.floor(((value - scale.min) / (scale.max - scale.min)) * count);
    return Math.min(count - 1, Math.max(0, i));
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function create(container, options) {
    var palette = options.dark ? DARK : LIGHT;
    var noData = options.dark ? NO_DATA.dark : NO_DATA.light;
    var map = L.map(container, {
      zoomSnap: 0.25,
      scrollWheelZoom: false, // the page scrolls past the map; +/- and a double click zoom it
      attributionControl: Boolean(options.tileUrl),
      zoomControl: !options.dark,
    });
    if (options.tileUrl) {
      L.tileLayer(options.tileUrl, { attribution: options.tileAttribution || "", maxZoom: 18 }).addTo(map);
    }
    map.setView([21.3, 105.5], 8); // northern Việt Nam until the first units arrive
    var layer = L.featureGroup().addTo(map);
    // The legend sits under the map, not on it, so that it never hides a unit (nor on a phone).
    var legendBox = el("div", "ops-legend");
    container.parentNode.appendChild(legendBox);
    var note = el("p", "ops-map__note");
    container.parentNode.appendChild(note);

    function tooltip(unit, dx) {
      var box = el("div", "ops-tip");
      box.appendChild(el("strong", null, unit.name));
      var value = finite(unit.value) ? options.fmt(unit.value, dx.decimals) : options.t("no_data");
      var line = el("span", "ops-tip__value", value + (finite(unit.value) && dx.unit ? " " + dx.unit : ""));
      box.appendChild(line);
      if (unit.approximate) box.appendChild(el("em", "ops-tip__approx", "(" + options.t("approximate") + ")"));
      if (unit.has_children) box.appendChild(el("span", "ops-tip__hint", options.t("drill", { name: unit.name })));
      return box;
    }

    function mark(leaf, unit) {
      var node = leaf.getElement && leaf.getElement();
      if (!node) return;
      node.setAttribute("data-uid", unit.uid);
      node.setAttribute("data-testid", "map-unit");
      if (unit.has_children) node.setAttribute("aria-label", options.t("drill", { name: unit.name }));
    }

    function addUnit(unit, dx, scale, biggest) {
      var colour = finite(unit.value) && scale ? palette[stepOf(unit.value, scale, palette.length)] : noData;
      var classes = "ops-map__unit" + (unit.has_children ? " ops-map__unit--drill" : "");
      var shape;
      if (unit.geometry) {
        shape = L.geoJSON(unit.geometry, {
          className: classes,
          style: { color: options.dark ? "#0a1424" : "#ffffff", weight: 1.2, fillColor: colour, fillOpacity: 0.85 },
        });
      } else if (finite(unit.lat) && finite(unit.lng)) {
        // Larger is more, from the smallest value to the largest: rates of 94–96 % still differ visibly.
        var share = 0;
        if (finite(unit.value) && scale) share = scale.max > scale.min ? (unit.value - scale.min) / (scale.max - scale.min) : 1;
        shape = L.circleMarker([unit.lat, unit.lng], {
          className: classes + (unit.approximate ? " ops-map__unit--approx" : ""),
          radius: MIN_RADIUS + (biggest - MIN_RADIUS) * Math.sqrt(share),
          color: options.dark ? "#a3dcff" : "#0b3d91",
          weight: 1.2,
          dashArray: unit.approximate ? "4 3" : null,
          fillColor: colour,
          fillOpacity: 0.8,
        });
      } else {
        return false;
      }
      shape.bindTooltip(tooltip(unit, dx), { sticky: true, direction: "top", className: "ops-map__tooltip" });
      shape.on("mouseover", function () { shape.setStyle({ weight: 3 }); });
      shape.on("mouseout", function () { shape.setStyle({ weight: 1.2 }); });
      if (unit.has_children) {
        shape.on("click", function () { options.onDrill(unit.uid); });
      }
      shape.addTo(layer);
      if (shape.eachLayer) {
        shape.eachLayer(function (leaf) { mark(leaf, unit); });
      } else {
        mark(shape, unit);
      }
      return true;
    }

    function drawLegend(dx, scale, anyCircle, anyApprox) {
      legendBox.textContent = "";
      if (dx.unit) legendBox.appendChild(el("strong", "ops-legend__title", dx.unit));
      if (scale) {
        var steps = scale.max === scale.min ? 1 : palette.length;
        // Enough decimals that neighbouring steps differ (rates of 93.5–93.7 % need two).
        var width = (scale.max - scale.min) / steps;
        var decimals = dx.decimals;
        if (width > 0) decimals = Math.min(4, Math.max(dx.decimals || 0, Math.ceil(-Math.log10(width))));
        for (var i = 0; i < steps; i++) {
          var from = scale.min + ((scale.max - scale.min) * i) / steps;
          var row = el("span", "ops-legend__row");
          var swatch = el("i", "ops-legend__swatch");
          swatch.style.background = palette[steps === 1 ? palette.length - 1 : i];
          row.appendChild(swatch);
          row.appendChild(document.createTextNode((steps === 1 ? "" : "≥ ") + options.fmt(from, decimals)));
          legendBox.appendChild(row);
        }
      }
      var none = el("span", "ops-legend__row");
      var grey = el("i", "ops-legend__swatch");
      grey.style.background = noData;
      none.appendChild(grey);
      none.appendChild(document.createTextNode(options.t("no_data")));
      legendBox.appendChild(none);
      if (anyCircle) legendBox.appendChild(el("span", "ops-legend__note", options.t("legend_circles")));
      if (anyApprox) legendBox.appendChild(el("span", "ops-legend__note", options.t("approximate_legend")));
    }

    function update(item, fit) {
      var units = item.units || [];
      var dx = item.dx || {};
      var scale = scaleOf(units);
      layer.clearLayers();
      var missing = 0;
      var anyCircle = false;
      var anyApprox = false;
      var anyDrill = false;
      var biggest = maxRadius(units.length);
      units.forEach(function (unit) {
        if (!addUnit(unit, dx, scale, biggest)) missing += 1;
        if (!unit.geometry && finite(unit.lat)) anyCircle = true;
        if (unit.approximate) anyApprox = true;
        if (unit.has_children) anyDrill = true;
      });
      drawLegend(dx, scale, anyCircle, anyApprox);
      var notes = [];
      if (!units.length) notes.push(options.t("no_units"));
      if (missing) notes.push(options.t("no_location", { count: missing }));
      if (anyDrill && !options.dark) notes.push(options.t("drill_hint"));
      note.textContent = notes.join(" ");
      if (fit && layer.getLayers().length) {
        // Circles are drawn around their centre: leave room for the largest.
        map.fitBounds(layer.getBounds(), { padding: [MAX_RADIUS + 8, MAX_RADIUS + 8], maxZoom: 13 });
      }
    }

    return {
      update: update,
      resize: function () { map.invalidateSize(); },
      destroy: function () { map.remove(); legendBox.remove(); note.remove(); },
    };
  }

  window.IocOpsMap = { create: create };
})();
