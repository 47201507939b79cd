"""A map page: its layer and title come from the page registry (panprd.pages)."""

from panprd.ui import frame, map_page

map_page.render(frame.context("overview"))
