"""The transfer zones map page (see panprd.ui.map_page)."""

from panprd.ui import map_page

map_page("transfer_zones")
