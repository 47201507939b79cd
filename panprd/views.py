"""Saved views (`views.toml`, the agenda a presenter steps through) and the presenter's steps.

Each step is a URL a presenter can bookmark: its page and filter query plus `present=1`. The
presenter recognises which saved view a URL shows by its page and filters (order of keys and of
comma-separated values ignored), and steps through the themes on any other URL.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl

from panprd import data, filters, pages, vocab
from panprd.messages import Message

VIEWS_PATH = data.APP_DIR / "views.toml"


@dataclass(frozen=True)
class SavedView:
    title_zh: str
    title_en: str
    page: str
    query: str

    def title(self, lang: str) -> str:
        return self.title_zh if lang == "zh" else self.title_en

    @property
    def params(self) -> dict[str, str]:
        return dict(parse_qsl(self.query.lstrip("?"), keep_blank_values=False))


class ViewsError(ValueError):
    """views.toml cannot be used; the message names the entry and the field (English in `str()`)."""

    def __init__(self, said: Message):
        self.said = said
        super().__init__(f"{VIEWS_PATH.name}: {said}")

    def text(self, lang: str) -> str:
        return Message("where_said", where=VIEWS_PATH.name, message=self.said).text(lang)


def parse_views(text: str, check_pages: bool = True) -> list[SavedView]:
    """The `[[view]]` entries of views.toml, each with title_zh, title_en, page and query. The meeting deck
    reads them with `check_pages=False`: a view of an unknown page then still gets its slide, saying so."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ViewsError(Message("issue_views_toml", error=str(exc))) from None
    entries = doc.get("view", [])
    if not isinstance(entries, list):
        raise ViewsError(Message("issue_views_array"))
    views = []
    for n, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise ViewsError(Message("issue_view_not_table", n=n))
        for key in ("title_zh", "title_en", "page", "query"):
            if not isinstance(entry.get(key), str):
                raise ViewsError(Message("issue_view_no_text", n=n, key=key))
        if check_pages and entry["page"] not in pages.BY_KEY:
            raise ViewsError(Message("issue_view_page", n=n, page=entry["page"], expected=tuple(pages.BY_KEY)))
        views.append(SavedView(entry["title_zh"], entry["title_en"], entry["page"], entry["query"]))
    return views


def load_views(path: Path = VIEWS_PATH) -> list[SavedView]:
    """The saved views of the repository; none when the file is missing."""
    if not path.exists():
        return []
    return parse_views(path.read_text(encoding="utf-8"))


def view_problems(view: SavedView, ds: data.Dataset) -> list[str]:
    """What in a view's query the app would ignore (unknown keys or values); empty when it is sound."""
    params = view.params
    problems = [f"{key}: a view key; a saved view holds filters (present is added by the presenter)"
                for key in params if key in filters.CARRIED_KEYS]
    _, notes = filters.view_from_query(view.page, params, filters.choices_from(ds.measures), ds.feature_keys,
                                       ds.policy.refs)
    return problems + [f"{n.key}={n.value}: {n.reason}" for n in notes]


@dataclass(frozen=True)
class Step:
    """One presenter step: a page with its query (present=1 included), and its title."""

    page: str
    params: dict[str, str] = field(hash=False)
    title_zh: str = ""
    title_en: str = ""

    def title(self, lang: str) -> str:
        return self.title_zh if lang == "zh" else self.title_en

    @property
    def href(self) -> str:
        return filters.page_href(self.page, self.params)


def _normalised(params: dict[str, str]) -> dict[str, frozenset[str]]:
    out = {}
    for key, value in params.items():
        if key in (*filters.KEYS, *filters.PAGE_KEYS) and value:
            out[key] = frozenset({value}) if key == "q" else frozenset(v.strip() for v in value.split(",") if v.strip())
    return out


def theme_steps(view: filters.ViewState) -> list[Step]:
    """Step through the themes on this page: present=1&theme=<theme> (and the language), one step per
    section of the policy. The other filters are left out, so a theme step is never a saved view."""
    base = {"lang": view.lang} if view.lang != "zh" else {}
    return [Step(view.page, {"theme": key, **base, "present": "1"}, term.zh, term.en)
            for key, term in vocab.THEMES.items()]


def view_steps(views: list[SavedView], lang: str) -> list[Step]:
    """Step through the saved views: each view's own page and query, plus present=1 (and the language)."""
    extra = {"lang": lang} if lang != "zh" else {}
    return [Step(v.page, {**v.params, **extra, "present": "1"}, v.title_zh, v.title_en) for v in views]


def view_position(views: list[SavedView], view: filters.ViewState) -> int | None:
    """The index of the saved view this page and query show (filter order and value order ignored)."""
    query = _normalised(view.query())
    return next((i for i, v in enumerate(views) if v.page == view.page and _normalised(v.params) == query), None)


def theme_position(view: filters.ViewState) -> int | None:
    """The theme step this view shows: one theme and no other filter; None otherwise."""
    themes = view.filters["theme"]
    if len(themes) != 1 or set(view.filters.query()) != {"theme"} or view.feature or view.clause:
        return None
    return list(vocab.THEMES).index(themes[0])
