"""A map page: its layer and title come from the page registry (panprd.pages)."""

from panprd.ui import frame, map_page

frame.body("corridors", map_page.render)
