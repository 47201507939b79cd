"""The lead units × themes matrix (panprd.ui.units_page)."""

from panprd.ui import frame, units_page

units_page.render(frame.context("units"))
