"""What `make run` serves: the dashboard (app.py) on Streamlit's own server, plus the sign-in endpoints.

`streamlit run serve.py` finds `app` below and serves `app.py` as usual; `st.App(routes=...)` is
Streamlit's supported way to add HTTP routes to its server, used here for the two endpoints that set
and clear the HttpOnly session cookie (panprd.websession), which a Streamlit script cannot do. Its lifespan
builds what a first visit needs before the server answers (panprd.ui.warmup).
"""

import streamlit as st

from panprd import websession
from panprd.ui import ledger, oidc_signin, warmup

app = st.App("app.py", routes=websession.routes(ledger.opened) + oidc_signin.routes(), lifespan=warmup.lifespan)
