"""The registry of pages: the one list that navigation, links, the presenter and the tests read.

No Streamlit here: `app.py` turns the registry into `st.Page`s, and links are built from it by
`filters.ViewState.href`. A page's title is its `page_<key>` string in panprd.i18n.
"""

from __future__ import annotations

from dataclasses import dataclass

from panprd.i18n import t


@dataclass(frozen=True)
class PageSpec:
    key: str
    kind: str  # "map", "measures", "units", "policy" or "tracking": which ui function draws it
    layer: str | None = None  # the map layer a map page shows (None on the overview: every layer)

    @property
    def file(self) -> str:
        return f"pages/{self.key}.py"

    @property
    def is_default(self) -> bool:
        return self is PAGES[0]

    @property
    def path(self) -> str:
        """Relative URL path; the default page is the app's root."""
        return "./" if self.is_default else f"./{self.key}"

    def title(self, lang: str) -> str:
        return t(f"page_{self.key}", lang)


PAGES: tuple[PageSpec, ...] = (
    PageSpec("overview", "map"),
    PageSpec("corridors", "map", "corridor"),
    PageSpec("transfer_zones", "map", "transfer_zone"),
    PageSpec("ecology", "map", "ecology"),
    PageSpec("measures", "measures"),
    PageSpec("units", "units"),
    PageSpec("policy", "policy"),
    PageSpec("tracking", "tracking"),
)
BY_KEY: dict[str, PageSpec] = {p.key: p for p in PAGES}
MAP_PAGES: tuple[PageSpec, ...] = tuple(p for p in PAGES if p.kind == "map")
# The page that shows each map layer (a feature chip opens its layer's page).
LAYER_PAGE: dict[str, str] = {p.layer: p.key for p in MAP_PAGES if p.layer}
