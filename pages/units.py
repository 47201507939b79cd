"""The lead units × themes matrix (panprd.ui.units_page)."""

from panprd.ui import frame, units_page

frame.body("units", units_page.render)
