"""The naive baseline as a page: a theme multiselect and the explore() map, rebuilt from scratch.

No caching: every rerun reads the full-resolution boundaries and measures.csv again (see
bench/naive.py). Reads the data from PANPRD_DATA_ROOT like the app. Run from a temp copy
(bench/run.py copies it) because Streamlit serves the `static/` folder next to the main script.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit_folium import st_folium

from bench.naive import naive_map
from panprd import vocab
from panprd.assets import ensure_static_assets
from panprd.data import ROOT  # PANPRD_DATA_ROOT or the project folder

ensure_static_assets(Path(__file__).parent / "static")

st.set_page_config(page_title="naive", layout="wide")
# ?theme=a,b preselects themes, so the browser-less client can filter by query string like in the app.
from_url = [v for v in st.query_params.get("theme", "").split(",") if v in vocab.THEMES]
themes = st.sidebar.multiselect("theme", list(vocab.THEMES), default=from_url)
st.title("naive overview")
st_folium(naive_map(ROOT, tuple(themes)), height=620, use_container_width=True, returned_objects=[], key="naive")
