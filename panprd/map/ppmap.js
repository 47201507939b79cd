/* The map's changing layers, drawn in place inside st_folium's iframe (panprd.map.leaflet, panprd.map.files).
 *
 * The iframe's own script (the base map) is the same for every filter state of a page and language, so
 * streamlit-folium keeps the iframe; each rerun sends only a view description, which ppView draws after
 * removing the previous one. Geometries come from window.ppShapes (a static file the browser caches) by key,
 * or inline for the few a view makes itself (a close-up's counties, the lights' anchor points). Coordinates
 * are packed: flat integer steps of 1/SCALE degree from the previous position.
 * Placeholders filled by panprd.map.files: __SCALE__, __LABEL_JS__, __LABEL_CSS__, __LABEL_PAD__.
 */
(function () {
  var SCALE = __SCALE__;
  function line(a) {
    var out = [], x = 0, y = 0;
    for (var i = 0; i < a.length; i += 2) { x += a[i]; y += a[i + 1]; out.push([x / SCALE, y / SCALE]); }
    return out;
  }
  var unpack = {
    Point: function (a) { return [a[0] / SCALE, a[1] / SCALE]; },
    MultiPoint: line, LineString: line,
    MultiLineString: function (a) { return a.map(line); },
    Polygon: function (a) { return a.map(line); },
    MultiPolygon: function (a) { return a.map(function (p) { return p.map(line); }); }
  };
  var unpacked = {};  // shapes are unpacked once per page load; Leaflet never changes the coordinates it reads
  function geometry(g) {
    if (typeof g === "string") {
      if (!unpacked[g]) {
        var packed = window.ppShapes[g];
        unpacked[g] = {type: packed[0], coordinates: unpack[packed[0]](packed[1])};
      }
      return unpacked[g];
    }
    return {type: g[0], coordinates: unpack[g[0]](g[1])};
  }
  var drawLabels = __LABEL_JS__;

  function geoLayer(part, styles) {
    var data = {type: "FeatureCollection", features: part.features.map(function (f) {
      return {type: "Feature", properties: f[2], geometry: geometry(f[0]), style: f[1]};
    })};
    var layer = L.geoJSON(data, {
      interactive: part.interactive !== false,
      style: function (feature) { return styles[feature.style]; },
      pointToLayer: function (feature, latlng) { return L.circleMarker(latlng, part.point || {}); },
      onEachFeature: function (feature, item) {
        if (part.tooltip && feature.properties.tip) {
          item.bindTooltip(feature.properties.tip, {sticky: part.tooltip === "sticky"});
        }
        if (part.highlight) {
          item.on("mouseover", function () { item.setStyle(part.highlight); });
          item.on("mouseout", function () { layer.resetStyle(item); });
        }
      }
    });
    return layer;
  }

  // A light's shape (●▲■○) beside its dot, in the dot's colour: the lights are never told by colour alone.
  function markLayer(part, styles) {
    var group = L.featureGroup();
    part.features.forEach(function (f) {
      var g = geometry(f[0]);
      var icon = L.divIcon({className: "pp-shape-mark", iconSize: [14, 14], iconAnchor: [-6, 7],
        html: '<span style="color:' + styles[f[1]].fillColor + '">' + f[2].mark + "</span>"});
      L.marker([g.coordinates[1], g.coordinates[0]], {icon: icon, interactive: false, keyboard: false}).addTo(group);
    });
    return group;
  }

  function lineLayer(part, styles) {
    var group = L.featureGroup();
    part.lines.forEach(function (l) {
      L.polyline([[l[0], l[1]], [l[2], l[3]]], styles[part.style]).bindTooltip(l[4], {sticky: true}).addTo(group);
    });
    return group;
  }

  function placeInset(map) {  // the 南海诸岛 inset (static, in the shapes file), into the base map's slot once
    var slot = map.getContainer().ownerDocument.querySelector(".pp-inset-slot");
    if (slot && window.ppInset) {
      slot.outerHTML = window.ppInset.html.split("{title}").join(window.ppInset.titles[slot.getAttribute("data-lang")]);
    }
  }

  var current = null, fitted = null;
  window.ppView = function (map, view) {
    if (current) { current.remove(); }
    placeInset(map);
    var groups = [], overlays = {};
    (window.ppTiles || []).forEach(function (tile) { overlays[tile[0]] = tile[1]; });
    view.layers.forEach(function (entry) {
      var group = L.featureGroup();
      entry.parts.forEach(function (part) {
        (part.lines ? lineLayer(part, view.styles) : geoLayer(part, view.styles)).addTo(group);
        if (part.marks) { markLayer(part, view.styles).addTo(group); }
      });
      group.addTo(map);
      groups.push(group);
      if (entry.name) { overlays[entry.name] = group; }
    });
    var control = Object.keys(overlays).length
      // open beside the map, folded to its button on a phone, where it would cover the 示意图 notice
      ? L.control.layers(null, overlays, {collapsed: map.getSize().x < 520, autoZIndex: true}).addTo(map) : null;
    var labels = view.labels ? drawLabels(map, view.labels.rows, view.labels.blocked, __LABEL_CSS__, __LABEL_PAD__)
      : null;
    var box = JSON.stringify(view.bounds);
    if (box !== fitted) {  // a new window: fit it; the same window (a click): keep the reader's
      fitted = box;
      map.fitBounds(view.bounds, {animate: false});
    }
    current = {remove: function () {
      groups.forEach(function (group) { map.removeLayer(group); });
      if (control) { map.removeControl(control); }
      if (labels) { labels.remove(); }
    }};
    var container = map.getContainer();
    // The shapes are not tab stops: the keyboard reaches every feature by the page's "本图要素" list, and the map
    // itself (pan, zoom) and its controls stay one Tab each.
    container.querySelectorAll("path.leaflet-interactive").forEach(function (p) { p.setAttribute("tabindex", "-1"); });
    container.setAttribute("data-pp-view", view.id);
    container.setAttribute("data-pp-views", String(Number(container.getAttribute("data-pp-views") || 0) + 1));
  };
})();
