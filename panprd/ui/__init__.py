"""The Streamlit layer, and the only package that imports Streamlit: the page frame (frame), the
presenter bar (presenter), one module per kind of page (map_page, explorer_page, units_page,
policy_page), the downloads and the HTML helpers. Everything these modules show is computed by the
plain functions of panprd, which tests call without Streamlit."""
