"""Tiny single-page app for the offline-assets browser test.

The browser test copies this file into a temp directory and runs it from there, because
Streamlit serves the ``static/`` folder next to the main script; ``ensure_static_assets``
therefore fills ``<temp dir>/static/vendor/`` and the repository stays clean.
"""

from __future__ import annotations

from pathlib import Path

import folium
import streamlit as st
from streamlit_folium import st_folium

from panprd.assets import ensure_static_assets, offline_map

ensure_static_assets(Path(__file__).parent / "static")

st.title("offline map demo")

m = offline_map(location=[25.0, 118.0], zoom_start=6, control_scale=True)
polygon = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"name": "福建 demo polygon"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[116.0, 24.0], [120.0, 24.0], [120.0, 27.5], [116.0, 27.5], [116.0, 24.0]]],
            },
        }
    ],
}
folium.GeoJson(
    polygon,
    name="polygon",
    tooltip=folium.GeoJsonTooltip(fields=["name"]),
    popup=folium.GeoJsonPopup(fields=["name"]),
).add_to(m)
folium.CircleMarker([26.07, 119.3], radius=8, popup="福州 popup", tooltip="福州").add_to(m)
folium.PolyLine([[24.5, 118.1], [23.1, 113.3]], tooltip="line").add_to(m)
folium.LayerControl().add_to(m)
# st_folium appends the root html after the map div: overlay it with absolute positioning.
legend = (
    '<div id="demo-legend" style="position:absolute; bottom:28px; right:10px; z-index:1000;'
    ' background:#fff; padding:4px 8px;">图例 legend</div>'
)
m.get_root().html.add_child(folium.Element(legend))

st_folium(m, returned_objects=[], key="demo_map", height=500, width=700)
