"""Opening a page of the app under AppTest, as a reader's first visit does: the URL's query, then the page."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def open_page(page: str, **query: str) -> AppTest:
    """Run app.py with `query` in the URL, switch to `page` (a file of pages/), fail on any exception."""
    at = AppTest.from_file(APP, default_timeout=90)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if page != "overview":
        at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def html_of(at: AppTest) -> str:
    """Every st.html body of the run, joined."""
    return "\n".join(el.proto.body for el in at.get("html"))
