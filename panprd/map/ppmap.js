/* The map's changing layers, drawn in place inside st_folium's iframe (panprd.map.leaflet, panprd.map.files).
 *
 * The iframe's own script (the base map) is the same for every filter state of a page and language, so
 * streamlit-folium keeps the iframe; each rerun sends only a view description, which ppView draws after
 * removing the previous one. Geometries come from window.ppShapes (a static file the browser caches) by key,
 * or inline for the few a view makes itself (the lights' anchor points); the finer levels' outlines from
 * the level files fetched for the window (window.ppLevels). Coordinates
 * are packed: flat integer steps of 1/SCALE degree from the previous position.
 * Placeholders filled by panprd.map.files: __SCALE__, __LABEL_JS__, __LABEL_CSS__, __LABEL_PAD__.
 */
(function () {
  // Leaflet focuses the map on mousedown (for its keyboard handler); with the map partly below the fold the
  // browser then scrolls the page to show it before mouseup, and the click is taken that much lower than the
  // pointer. Focus without scrolling (tests/test_third_party_contract.py watches this Leaflet method).
  L.Map.Keyboard.prototype._onMouseDown = function () {
    if (!this._focused) { this._map.getContainer().focus({preventScroll: true}); }
  };
  var SCALE = __SCALE__;
  function unpacker(scale) {
    function line(a) {
      var out = [], x = 0, y = 0;
      for (var i = 0; i < a.length; i += 2) { x += a[i]; y += a[i + 1]; out.push([x / scale, y / scale]); }
      return out;
    }
    return {
      Point: function (a) { return [a[0] / scale, a[1] / scale]; },
      MultiPoint: line, LineString: line,
      MultiLineString: function (a) { return a.map(line); },
      Polygon: function (a) { return a.map(line); },
      MultiPolygon: function (a) { return a.map(function (p) { return p.map(line); }); }
    };
  }
  var unpack = unpacker(SCALE);
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
  function latLngs(g) {  // a (Multi)Polygon or (Multi)LineString as Leaflet's nested latlngs
    var depth = {Polygon: 1, MultiPolygon: 2, LineString: 0, MultiLineString: 1}[g.type];
    return L.GeoJSON.coordsToLatLngs(g.coordinates, depth);
  }

  // Finer outlines by zoom (panprd.map.levels, panprd.map.files.level_files): past a level's zoom the files of
  // the units in view are fetched once (script elements: static, content-named, cached like this file) and
  // their outlines swapped into the drawn shapes, keeping each shape's style, tooltip and clicks; the county
  // borders follow from the county zoom. Zooming out puts the basemap's outlines back. A file that fails
  // leaves the coarser outline and one note in the map's corner.
  var BASE = (document.currentScript && document.currentScript.src || "").replace(/[^\/]*$/, "");
  // The list of the level files and the counties' names (panprd.map.files.levels_js) is itself fetched the
  // first time the reader reaches the first level's zoom (window.ppLevels.from): a first visit at region zoom
  // carries none of it.
  var LEVELS = [], levelList = null, listAsked = false, labelling = null;
  var levelData = {}, requested = {}, pending = 0, failedAny = false;  // "level:unit" -> {outline, borders}
  // A file is fetched once the reader has stopped zooming or panning for FETCH_WAIT ms: pressing + six times
  // fetches the close-up's files, not every level passed on the way. What is in hand is drawn at once.
  var FETCH_WAIT = 600;
  var drawn = [], borderLayer = null, activeMap = null, lang = "zh", timer = null;
  window.ppLevelLoaded = function (payload) {
    var u = unpacker(payload.scale), key = payload.level + ":" + payload.unit;
    function read(p) { return p ? latLngs({type: p[0], coordinates: u[p[0]](p[1])}) : null; }
    levelData[key] = {outline: read(payload.outline), borders: read(payload.borders)};
    settled(-1);
    if (activeMap) { applyLevels(activeMap); }
  };
  function levelAt(zoom) {
    var chosen = -1;
    LEVELS.forEach(function (level, i) { if (zoom >= level.minZoom - 1e-6) { chosen = i; } });
    return chosen;
  }
  function request(level, file) {
    var key = level.name + ":" + file[0];
    if (requested[key]) { return; }
    requested[key] = true;
    settled(1);
    var script = document.createElement("script");
    script.src = BASE + file[1];
    script.onerror = function () { failedAny = true; settled(-1); noteFailure(); };
    document.head.appendChild(script);
  }
  function settled(change) {  // how many fetched files are still on their way (data-pp-level-pending)
    pending += change;
    if (activeMap) { activeMap.getContainer().setAttribute("data-pp-level-pending", String(pending)); }
  }
  function noteFailure() {
    if (!activeMap || activeMap.getContainer().querySelector(".pp-level-failed")) { return; }
    var note = document.createElement("div");
    note.className = "pp-level-failed";
    note.setAttribute("role", "status");
    note.textContent = window.ppLevels.failed[lang] || window.ppLevels.failed.zh;  // in the shapes file
    note.style.cssText = "position:absolute;z-index:850;left:10px;bottom:28px;background:#fff;padding:2px 6px;" +
      "border:1px solid #8d6e63;font:12px sans-serif;color:#4e342e";
    activeMap.getContainer().appendChild(note);
  }
  function finestLoaded(index, unit) {  // the finest loaded level at or below `index` for a unit
    for (var i = index; i >= 0; i--) {
      var found = levelData[LEVELS[i].name + ":" + unit];
      if (found) { return {index: i, data: found}; }
    }
    return null;
  }
  function fetchInView(map) {  // the files with a grid cell in view (panprd.map.files.levels_manifest)
    var index = levelAt(map.getZoom()), view = map.getBounds(), cell = levelList && levelList.cell;
    if (index < 0) { return; }
    var x0 = Math.floor(view.getWest() / cell), x1 = Math.floor(view.getEast() / cell);
    var y0 = Math.floor(view.getSouth() / cell), y1 = Math.floor(view.getNorth() / cell);
    LEVELS[index].files.forEach(function (file) {
      var cells = file[2];
      for (var i = 0; i < cells.length; i += 2) {
        if (cells[i] >= x0 && cells[i] <= x1 && cells[i + 1] >= y0 && cells[i + 1] <= y1) {
          request(LEVELS[index], file);
          return;
        }
      }
    });
  }
  function applyLevels(map) {
    var index = levelAt(map.getZoom()), swapped = {};
    drawn.forEach(function (entry) {
      var fine = index >= 0 ? finestLoaded(index, entry.unit) : null;
      var want = fine ? fine.index : -1;
      if (entry.level !== want) {
        entry.layer.setLatLngs(fine ? fine.data.outline : entry.coarse);
        entry.level = want;
      }
      if (want >= 0) { swapped[entry.unit] = true; }
    });
    if (borderLayer) { map.removeLayer(borderLayer); borderLayer = null; }
    if (index >= 0 && LEVELS[index].borders) {
      borderLayer = L.layerGroup();
      Object.keys(swapped).forEach(function (unit) {
        var fine = finestLoaded(index, unit);
        if (fine && fine.data.borders && LEVELS[fine.index].borders) {
          L.polyline(fine.data.borders, {pane: "ppCounties", color: levelList.borderColour, weight: 0.8,
                                         opacity: 0.9, interactive: false}).addTo(borderLayer);
        }
      });
      borderLayer.addTo(map);
    }
    var container = map.getContainer();
    container.setAttribute("data-pp-level", index >= 0 ? LEVELS[index].name : "0");
    container.setAttribute("data-pp-level-units", String(Object.keys(swapped).length));
  }
  window.ppLevelList = function (list) {
    levelList = list;
    LEVELS = list.levels;
    settled(-1);
    if (labelling) { labelling(); }
    if (activeMap) { applyLevels(activeMap); fetchInView(activeMap); }
  };
  function askList(map) {
    if (listAsked || map.getZoom() < window.ppLevels.from - 1e-6) { return; }
    listAsked = true;
    settled(1);
    var script = document.createElement("script");
    script.src = BASE + window.ppLevels.list;
    script.onerror = function () { failedAny = true; settled(-1); noteFailure(); };
    document.head.appendChild(script);
  }
  function countyRows() { return levelList ? levelList.counties[lang] || [] : []; }
  function watchLevels(map) {
    if (activeMap === map || !(window.ppLevels && window.ppLevels.list && BASE)) { return; }
    activeMap = map;
    if (!map.getPane("ppCounties")) { map.createPane("ppCounties").style.zIndex = 420; }
    map.on("zoomend moveend", function () {
      applyLevels(map);
      clearTimeout(timer);
      timer = setTimeout(function () { askList(map); fetchInView(map); }, FETCH_WAIT);
    });
  }
  var drawLabels = __LABEL_JS__;

  // One tooltip and one pair of hover handlers per part, on the part's layer (Leaflet hands a feature's events
  // to its group with the feature as e.layer), rather than one of each per feature: at 4,000 features the
  // per-feature bindings were a large share of drawing a view.
  function geoLayer(part, styles) {
    var data = {type: "FeatureCollection", features: part.features.map(function (f) {
      return {type: "Feature", properties: f[2], geometry: geometry(f[0]), style: f[1], ppKey: f[0]};
    })};
    var layer = L.geoJSON(data, {
      interactive: part.interactive !== false,
      style: function (feature) { return styles[feature.style]; },
      pointToLayer: function (feature, latlng) { return L.circleMarker(latlng, part.point || {}); },
      onEachFeature: function (feature, item) {
        if (typeof feature.ppKey === "string" && feature.ppKey.indexOf("a:") === 0 && item.setLatLngs) {
          drawn.push({unit: feature.ppKey.slice(2), layer: item, coarse: latLngs(feature.geometry), level: -1});
        }
      }
    });
    // every feature of a part with tooltips has its tip (panprd.map.leaflet)
    if (part.tooltip) {
      layer.bindTooltip(function (item) { return item.feature.properties.tip; }, {sticky: part.tooltip === "sticky"});
    }
    if (part.highlight) {
      layer.on("mouseover", function (e) { e.layer.setStyle(part.highlight); });
      layer.on("mouseout", function (e) { layer.resetStyle(e.layer); });
    }
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
    drawn = [];
    lang = view.lang || "zh";
    watchLevels(map);
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
    var labels = null;
    labelling = view.labels ? function () {  // the view's names, and the counties' once the level list is in
      if (labels) { labels.remove(); }
      labels = drawLabels(map, view.labels.rows.concat(countyRows()), view.labels.blocked, __LABEL_CSS__,
                          __LABEL_PAD__);
    } : null;
    if (labelling) { labelling(); }
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
    if (activeMap === map) { applyLevels(map); fetchInView(map); askList(map); }
    if (failedAny) { noteFailure(); }
    var container = map.getContainer();
    // The shapes are not tab stops: the keyboard reaches every feature by the page's "本图要素" list, and the map
    // itself (pan, zoom) and its controls stay one Tab each.
    container.querySelectorAll("path.leaflet-interactive").forEach(function (p) { p.setAttribute("tabindex", "-1"); });
    container.setAttribute("data-pp-view", view.id);
    container.setAttribute("data-pp-views", String(Number(container.getAttribute("data-pp-views") || 0) + 1));
  };
})();
