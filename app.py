"""Entry point: `streamlit run app.py`. Routes the URL paths to the pages; the pages do the rest.

The Overview is the default page, served at `/`; navigation is drawn by panprd.ui (page links that
carry the filter query string), so Streamlit's own menu is hidden.
"""

import streamlit as st

pages = [
    st.Page("pages/overview.py", url_path="overview", default=True, title="总览 Overview"),
    st.Page("pages/corridors.py", url_path="corridors", title="合作通道 Corridors"),
    st.Page("pages/transfer_zones.py", url_path="transfer_zones", title="产业转移与合作园区 Transfer zones"),
    st.Page("pages/ecology.py", url_path="ecology", title="生态区域 Ecology"),
    st.Page("pages/measures.py", url_path="measures", title="措施浏览 Measures explorer"),
    st.Page("pages/units.py", url_path="units", title="责任单位 Lead units"),
    st.Page("pages/policy.py", url_path="policy", title="政策原文 Policy text"),
]
st.navigation(pages, position="hidden").run()
