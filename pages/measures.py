"""The measures explorer (panprd.ui.explorer_page)."""

from panprd.ui import explorer_page, frame

frame.body("measures", explorer_page.render)
