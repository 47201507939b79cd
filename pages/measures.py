"""The measures explorer: filtered actions as a table with facets, a small map, downloads (see panprd.ui_pages)."""

from panprd.ui_pages import measures_page

measures_page()
