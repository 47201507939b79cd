"""Lead units × themes: who leads what, each unit a link to the explorer filtered by it (see panprd.ui_pages)."""

from panprd.ui_pages import units_page

units_page()
