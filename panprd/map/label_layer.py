"""The interactive map's labels and metric scale bar, as folium elements that run inside st_folium.

Why MacroElements: in st_folium's iframe an inline ``<script>`` in the page header or the root html
never runs (panprd.assets), but the map's own script section does. So the label data and the code
that draws and declutters it go into a ``script`` macro, and the CSS is injected by that code.

The labels are text elements in one holder, in their own pane above the overlays, placed as Leaflet
places a marker (not one ``L.marker`` each: at ×100 that bookkeeping was half of drawing the names) and
non-interactive (the pane takes no pointer events, so the map's tooltips and clicks pass through). After
every zoom, move and resize the code shows the labels whose zoom range holds the zoom, then walks them in
placement order (keep labels first, then by priority) and hides any whose box meets a label already
shown or the map's furniture (legend, notice, inset, Leaflet controls). Keep labels (台湾, 钓鱼岛, 赤尾屿) are always
shown; the inset, a separate element above the map pane, is never covered by a label.

Label text comes from the data: it is HTML-escaped, and the JSON it travels in is made safe for a
``<script>`` element (``<``, ``>``, ``&`` written as ``\\u003c``, ``\\u003e``, ``\\u0026``).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence

import folium
import folium.template

from panprd.map.labels import ALIGN_GAP_PX, ALIGNS, COLLISION_PAD_PX, KINDS, Label, sort_for_placement

DEFAULT_BLOCKED = (".pp-legend", ".pp-notice", ".leaflet-control-container .leaflet-control")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{3,8}$")
_ALIGN_CODE = {"center": "c", "left": "l", "right": "r"}

# A white halo in eight directions plus a soft ring keeps the text readable on any fill.
_HALO = ",".join(f"{x}px {y}px 0 #fff" for x, y in ((1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, -1), (1, -1),
                                                       (-1, 1))) + ",0 0 3px #fff,0 0 3px #fff"
LABEL_CSS = (
    ".pp-label{width:0!important;height:0!important;background:none;border:0}"
    ".pp-label-text{position:absolute;left:0;top:0;white-space:nowrap;transform:translate(-50%,-50%);"
    "font:400 12px/1.2 'Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei','PingFang SC',sans-serif;"
    f"color:#263238;text-shadow:{_HALO};pointer-events:none}}"
    f".pp-align-l{{transform:translate({ALIGN_GAP_PX}px,-50%)}}"
    f".pp-align-r{{transform:translate(calc(-100% - {ALIGN_GAP_PX}px),-50%)}}"
    ".pp-label-province .pp-label-text{font-size:15px;font-weight:700;color:#5f5f5f;letter-spacing:.06em}"
    ".pp-label-sar .pp-label-text{font-size:13px;font-weight:700;color:#5f5f5f}"
    ".pp-label-city .pp-label-text{font-size:14px;font-weight:700;color:#4e342e}"
    ".pp-label-county .pp-label-text{font-size:12px;color:#5d4037}"
    ".pp-label-island .pp-label-text{font-size:12px;color:#37474f}"
    ".pp-label-island::before{content:'';position:absolute;left:-2px;top:-2px;width:4px;height:4px;"
    "border-radius:50%;background:#37474f}"
    ".pp-label-off{display:none}.pp-label-hidden{visibility:hidden}"
)

# The label code: arguments are the map, the rows (see LabelLayer.rows) and the blocked selectors.
LABEL_JS = """(function (map, rows, blockedSelectors, css, pad) {
  var doc = map.getContainer().ownerDocument;
  if (!doc.getElementById("pp-label-style")) {
    var style = doc.createElement("style");
    style.id = "pp-label-style";
    style.textContent = css;
    doc.head.appendChild(style);
  }
  var pane = map.getPane("ppLabels") || map.createPane("ppLabels");
  pane.style.zIndex = 650;
  pane.style.pointerEvents = "none";
  // One holder of plain elements, placed as Leaflet places a marker (layer point, z-index by y, the zoom
  // animation's transform): thousands of L.markers cost three map listeners each, and Leaflet checks every
  // listener of a type when one is added, so a view of 4,000 names spent most of its labelling there.
  var holder = doc.createElement("div");
  var items = [], html = [];
  function item(r, key, lat, lon, min) {
    var colour = r[9] ? ' style="color:' + r[9] + '"' : "";
    html.push('<div class="leaflet-marker-icon leaflet-zoom-animated pp-label pp-label-' + r[4] + '">' +
              '<span class="pp-label-text pp-align-' + r[8] + '"' + colour + ">" + r[1] + "</span></div>");
    items.push({key: key, kind: r[4], at: L.latLng(lat, lon), min: min, max: r[6], keep: r[7] === 1 && key === r[0],
                name: r[0]});
  }
  rows.forEach(function (r) { item(r, r[0], r[2], r[3], r[5]); });
  rows.forEach(function (r) {  // a name's further anchors, after every other label
    for (var i = 0; r[11] && i < r[11].length; i += 2) {
      item(r, r[0] + "~" + i / 2, r[11][i], r[11][i + 1], r[10]);
    }
  });
  holder.innerHTML = html.join("");
  items.forEach(function (it, i) {
    it.el = holder.children[i];
    it.text = it.el.firstChild;
    it.el.setAttribute("data-key", it.key);  // keys come from the data: set as attributes, never as markup
    it.el.setAttribute("data-kind", it.kind);
  });
  function place(point, it) {
    L.DomUtil.setPosition(it.el, point);
    it.el.style.zIndex = String(point.y);
  }
  function position() {
    items.forEach(function (it) { place(map.latLngToLayerPoint(it.at).round(), it); });
  }
  function animate(e) {
    items.forEach(function (it) { place(map._latLngToNewLayerPoint(it.at, e.zoom, e.center).round(), it); });
  }
  position();
  pane.appendChild(holder);
  map.on("zoom viewreset", position);
  if (map._zoomAnimated) { map.on("zoomanim", animate); }
  function meets(a, b) {
    return a.left - pad < b.right && b.left - pad < a.right && a.top - pad < b.bottom && b.top - pad < a.bottom;
  }
  var pending = false, runs = 0;
  function update() {
    pending = false;
    if (!items.length) { return; }  // removed
    var zoom = map.getZoom(), frame = map.getContainer().getBoundingClientRect(), blocked = [], placed = [];
    var named = {};  // the names placed: one anchor of a name is shown
    blockedSelectors.forEach(function (selector) {
      doc.querySelectorAll(selector).forEach(function (node) {
        var r = node.getBoundingClientRect();
        if (r.width > 0 && r.height > 0) { blocked.push(r); }
      });
    });
    items.forEach(function (it) {
      it.on = zoom >= it.min && zoom < it.max;
      it.el.classList.toggle("pp-label-off", !it.on);
    });
    var rects = items.map(function (it) { return it.on ? it.text.getBoundingClientRect() : null; });
    items.forEach(function (it, i) {
      var r = rects[i], show = false;
      if (named[it.name]) {
        show = false;
      } else if (r && it.keep) {  // never dropped; shown when any of it is in the map
        show = r.right > frame.left && r.left < frame.right && r.bottom > frame.top && r.top < frame.bottom;
      } else if (r && r.left >= frame.left && r.right <= frame.right &&
                 r.top >= frame.top && r.bottom <= frame.bottom) {  // others: wholly in the map, or not at all
        show = !(placed.some(function (p) { return meets(r, p); }) ||
                 blocked.some(function (b) { return meets(r, b); }));
      }
      if (show) { placed.push(r); named[it.name] = true; }
      it.el.classList.toggle("pp-label-hidden", !show);
    });
    runs += 1;  // tests wait on these: the labels are placed for this zoom, this many times
    map.getContainer().setAttribute("data-pp-labels-zoom", String(zoom));
    map.getContainer().setAttribute("data-pp-labels-runs", String(runs));
  }
  function schedule() {
    if (!pending && items.length) { pending = true; (window.requestAnimationFrame || setTimeout)(update); }
  }
  map.on("zoomend moveend resize", schedule);
  map.whenReady(schedule);
  doc.addEventListener("toggle", schedule, true);
  window.addEventListener("load", schedule);
  if (doc.fonts && doc.fonts.ready) { doc.fonts.ready.then(schedule); }
  schedule();
  return {remove: function () {  // the labels of a view that is replaced (panprd/map/ppmap.js)
    items = [];
    map.off("zoomend moveend resize", schedule);
    map.off("zoom viewreset", position);
    map.off("zoomanim", animate);
    doc.removeEventListener("toggle", schedule, true);
    window.removeEventListener("load", schedule);
    holder.remove();
  }};
})"""


def script_json(value: object) -> str:
    """JSON that cannot end or confuse the ``<script>`` element it is written into."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                          ("\u2029", "\\u2029")):
        text = text.replace(char, escaped)
    return text


class LabelLayer(folium.MacroElement):
    """Zoom-aware, decluttered labels for a folium map; add it to the map (``LabelLayer(labels).add_to(m)``).

    ``inset_selector`` and ``blocked_selectors`` name the elements labels must not cover (CSS selectors,
    matched in the map's document).
    """

    _template = folium.template.Template(
        "{% macro script(this, kwargs) %}{{ this.script(this._parent.get_name()) }}{% endmacro %}"
    )

    def __init__(self, labels: Sequence[Label], inset_selector: str = ".pp-inset",
                 blocked_selectors: Sequence[str] = DEFAULT_BLOCKED):
        super().__init__()
        self._name = "LabelLayer"
        self.labels = sort_for_placement(labels)
        self.blocked = [inset_selector, *blocked_selectors]
        for label in self.labels:
            if label.colour is not None and not _COLOUR.match(label.colour):
                raise ValueError(f"label {label.key!r}: colour {label.colour!r} is not a #rrggbb colour")
            if label.kind not in KINDS:
                raise ValueError(f"label {label.key!r}: kind {label.kind!r} is not one of {KINDS}")
            if label.align not in ALIGNS:
                raise ValueError(f"label {label.key!r}: align {label.align!r} is not one of {ALIGNS}")

    def rows(self) -> list[list[object]]:
        """One compact row per label: key, escaped text, lat, lon, kind, min zoom, max zoom, keep (0/1),
        align code, colour ("" for the kind's); a name's further anchors (labels whose group is its key) ride
        on its row as their min zoom and [lat, lon, lat, lon, ...], and are placed after every other label."""
        keys = {label.key for label in self.labels}
        further: dict[str, list[Label]] = {}
        for label in self.labels:
            if label.group in keys:
                further.setdefault(label.group, []).append(label)
        rows = []
        for label in self.labels:
            if label.group in keys:
                continue
            row = [label.key, html.escape(label.text), round(label.lat, 4), round(label.lon, 4), label.kind,
                   label.min_zoom, label.max_zoom, int(label.keep), _ALIGN_CODE[label.align], label.colour or ""]
            if label.key in further:
                anchors = further[label.key]
                row += [anchors[0].min_zoom, [v for a in anchors for v in (round(a.lat, 4), round(a.lon, 4))]]
            rows.append(row)
        return rows

    def script(self, map_name: str) -> str:
        return (f"{LABEL_JS}({map_name},{script_json(self.rows())},{script_json(self.blocked)},"
                f"{script_json(LABEL_CSS)},{COLLISION_PAD_PX});")


class MetricScale(folium.MacroElement):
    """Leaflet's scale bar in kilometres only (folium's ``control_scale=True`` adds miles too)."""

    _template = folium.template.Template(
        "{% macro script(this, kwargs) %}L.control.scale({position: {{ this.position|tojson }}, metric: true,"
        " imperial: false}).addTo({{ this._parent.get_name() }});{% endmacro %}"
    )

    def __init__(self, position: str = "bottomleft"):
        super().__init__()
        self._name = "MetricScale"
        self.position = position
