"""Demo app for the label layer's browser test: our polygons, the labels, the metric scale bar, in st_folium.

Query parameters: ``lang`` (``zh`` default, ``en``) and ``view`` (``region``: the overview's window,
default; ``fujian``: the corridors page's). The environment variable ``PANPRD_LABEL_DEMO_MARKUP``
names a feature planted in the sea off Guangdong (the hostile-name check). The test runs a
temp copy of this file, so ``static/`` is created next to the copy, not in the repository.
"""

from __future__ import annotations

import html
import os
from pathlib import Path

import folium
import geopandas as gpd
import shapely
import streamlit as st
from streamlit_folium import st_folium

from panprd import data, vocab
from panprd.assets import ensure_static_assets, offline_map
from panprd.map import files as mapdata
from panprd.map import labels
from panprd.map import spec as mapspec
from panprd.map.label_layer import LabelLayer, MetricScale

ensure_static_assets(Path(__file__).parent / "static")
st.set_page_config(page_title="labels demo", layout="wide")

VIEWS = {"region": [[17.5, 97.35], [31.0, 120.72]], "fujian": [[23.23, 113.53], [28.64, 120.72]]}
lang = "en" if st.query_params.get("lang") == "en" else "zh"
view = st.query_params.get("view", "region")
ds = data.load()
admin = ds.geo.admin

fmap = offline_map(zoom_snap=0.25, attribution_control=False)
fmap.get_root().header.add_child(folium.Element(f"<style>.leaflet-container{{background:{mapspec.SEA_COLOUR}}}</style>"))
provinces = admin[(admin["level"] == "province") & (admin["id"] != vocab.FUJIAN_CODE)]
units = admin.loc[list(vocab.FUJIAN_UNITS)]
for frame, fill, edge in ((provinces, mapspec.LAND_COLOUR, "#9e9e9e"), (units, mapspec.FUJIAN_COLOUR, "#8d6e63")):
    shapes = gpd.GeoDataFrame({"id": frame["id"]}, geometry=shapely.simplify(frame.geometry.values, 0.02),
                              crs="EPSG:4326")
    folium.GeoJson(shapes.__geo_interface__, style_function=lambda _, f=fill, e=edge: {
        "fillColor": f, "color": e, "weight": 0.8, "fillOpacity": 1}).add_to(fmap)

markup = os.environ.get("PANPRD_LABEL_DEMO_MARKUP", "")
hostile = gpd.GeoDataFrame(
    {"name_zh": [markup], "name_en": [markup], "kind": ["zone"]},
    geometry=[shapely.box(114.0, 20.3, 118.0, 21.4)], index=["hostile_demo"], crs="EPSG:4326",
)
if markup:
    folium.GeoJson(hostile.geometry.__geo_interface__, style_function=lambda _: {
        "color": "#c62828", "weight": 2, "fillOpacity": 0.1}).add_to(fmap)

layer_labels = labels.admin_labels(ds, lang)
if markup:
    layer_labels += labels.feature_labels(hostile, lang, {"zone": "#c62828"})
LabelLayer(layer_labels).add_to(fmap)
MetricScale().add_to(fmap)
legend = ('<div class="pp-legend" style="position:absolute;z-index:800;left:10px;bottom:64px;background:#fffffff0;'
          'padding:6px 10px;border-radius:6px;font:12px sans-serif">'
          f'{html.escape("图例 · legend")}<br>■ 福建 ■ 9+2 ■ other provinces</div>'
          '<div class="pp-notice" style="position:absolute;z-index:800;left:54px;top:10px;background:#fffffff0;'
          'padding:3px 8px;color:#b71c1c;font:700 13px sans-serif">示意图</div>')
fmap.get_root().html.add_child(folium.Element(legend))
fmap.get_root().html.add_child(folium.Element(mapdata.south_china_sea_inset(ds, lang)))
fmap.fit_bounds(VIEWS.get(view, VIEWS["region"]))

st_folium(fmap, height=620, use_container_width=True, returned_objects=[], key="labels_demo")
