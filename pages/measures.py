"""The measures explorer (panprd.ui.explorer_page)."""

from panprd.ui import explorer_page, frame

explorer_page.render(frame.context("measures"))
