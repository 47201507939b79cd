"""Entry point: `streamlit run app.py`. The frame of every page, as Streamlit's multipage docs describe it.

The page registry (panprd.pages) becomes the navigation; the frame (page config, assets, data, view
state, sidebar, presenter bar, title, notes) runs here once per rerun, then the chosen page draws its
body from the context the frame made. The overview is the default page, served at `/`; navigation is
drawn by the frame (page links that carry the query string), so Streamlit's own menu is hidden.
"""

import streamlit as st

from panprd import pages
from panprd.ui import frame

entries = {spec.key: st.Page(spec.file, url_path=spec.key, default=spec.is_default, title=spec.title("zh"))
           for spec in pages.PAGES}
chosen = st.navigation(list(entries.values()), position="hidden")
frame.start(next(pages.BY_KEY[key] for key, entry in entries.items() if entry is chosen))
chosen.run()
