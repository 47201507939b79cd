"""The floor for cold start: a one-polygon st_folium page with the same local Leaflet assets.

Run from a temp copy (bench/run.py copies it) because Streamlit serves the `static/` folder next
to the main script.
"""

from __future__ import annotations

from pathlib import Path

import folium
from streamlit_folium import st_folium

from panprd.assets import ensure_static_assets, offline_map

ensure_static_assets(Path(__file__).parent / "static")

fmap = offline_map(location=[26.0, 118.0], zoom_start=6)
folium.GeoJson({"type": "Polygon", "coordinates": [[[116.0, 24.0], [120.0, 24.0], [120.0, 27.5], [116.0, 24.0]]]},
               name="polygon").add_to(fmap)
st_folium(fmap, height=620, use_container_width=True, returned_objects=[], key="floor")
