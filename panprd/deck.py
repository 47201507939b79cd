"""The meeting deck: the agenda (the saved views of views.toml, or the theme steps of a page) as a 16:9
PowerPoint file a presenter takes into the room, made with python-pptx. No Streamlit here.

One slide per agenda item: its title in the UI language, the map of the view as a picture (the same
`panprd.map.png` PNG as the download, drawn for the width it has on the slide), the headline counts,
the first actions of the view in a real table (continued on following slides), the 示意图 notice and the
boundary data's source as text, a footer citing the policy, the data version and the export date, and
speaker notes quoting `text_zh` of the actions on the slide with their clause numbers. A cover slide
(the meeting title the presenter typed) and a closing slide listing every item with the URL that reopens
it. A view with unknown keys or values still gets its slide with the note the app shows; a view whose
page is unknown gets a slide saying so.

Every text is a plain run: data is never parsed as markup, no field and no hyperlink is made from it.
Chinese text declares 微软雅黑 (Microsoft YaHei) with a GB2312 charset, so PowerPoint and WPS substitute
another Chinese sans serif where it is missing; no font is embedded. The maps carry their own rendered
text (Noto Sans CJK).

Building takes seconds (one matplotlib map per item), so `Builds` runs it on a worker thread, once per
content key (`content_key`: views.toml bytes, data version, ledger version, language, title, date, URL),
and keeps the last few decks.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import threading
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from lxml import etree
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.util import Emu, Inches, Pt

from panprd import data, explorer, filters, ledger_view, pages, policy, views, vocab
from panprd import origin as origins
from panprd.i18n import t
from panprd.map import png as static_map

PPTX_MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
SLIDE_W, SLIDE_H = Inches(13.333), Inches(7.5)  # 16:9
FONT_LATIN = "Microsoft YaHei"
FONT_EA = "微软雅黑"
FONT_PANOSE, FONT_CHARSET = "020B0503020204020204", "-122"  # Microsoft YaHei's; -122 = GB2312: a Chinese fallback
MARGIN = Inches(0.45)
MAP_BOX = (MARGIN, Inches(1.4), Inches(7.8), Inches(7.8 * 9 / 16))  # left, top, width, height
# The PNG is drawn as if 14.5 in wide and shown at 7.8 in: its type reads at 0.54 × its points (0.49 at the
# download's 16 in), and the overview's legend (20 entries) still fits under the map's title.
MAP_WIDTH_IN = 14.5
SIDE_LEFT, SIDE_WIDTH = Inches(8.45), Inches(4.43)
SIDE_COLUMNS = (0.68, 1.95, 1.0, 0.8)  # id, title, lead unit, status (inches), beside the map
FULL_COLUMNS = (0.9, 6.4, 3.5, 1.63)  # on a continuation slide
TABLE_BOTTOM = Inches(6.6)
TOP_ACTIONS = 20  # the first N actions of a view are listed (beside the map, then on continuation slides)
CELL_MARGIN_X, CELL_MARGIN_Y = Inches(0.05), Inches(0.03)
GREY, DARK, NOTICE = RGBColor(0x61, 0x61, 0x61), RGBColor(0x21, 0x21, 0x21), RGBColor(0xB7, 0x1C, 0x1C)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # characters XML 1.0 cannot hold


# One agenda item: a saved view, or a theme step written as one (title in both languages, page, query).
Item = views.SavedView


@dataclass(frozen=True)
class Agenda:
    """What the deck shows: the saved views (when the page is one of them) or the page's theme steps."""

    items: tuple[Item, ...]
    saved: bool  # True: the views of views.toml; False: one item per theme
    page: str


def read_saved(text: str) -> list[views.SavedView]:
    """The saved views, unknown pages kept (they get a slide saying so); none when views.toml is unusable."""
    try:
        return views.parse_views(text, check_pages=False)
    except views.ViewsError:
        return []


def agenda(view: filters.ViewState, saved: Sequence[views.SavedView]) -> Agenda:
    """The saved views when `view` is one of them, else one item per theme on this page, as presenter mode
    steps (panprd.views.view_steps / theme_steps)."""
    if views.view_position(list(saved), view) is not None:
        return Agenda(tuple(saved), True, view.page)
    steps = views.theme_steps(filters.ViewState(view.page))
    return Agenda(tuple(Item(s.title_zh, s.title_en, s.page, f"theme={s.params['theme']}") for s in steps),
                  False, view.page)


def content_key(views_bytes: bytes, data_version: str, ledger_version: str, lang: str, title: str, day: date,
                base_url: str, plan: Agenda) -> str:
    """What a built deck depends on: two sessions asking for the same inputs share one build."""
    parts = [views_bytes.hex(), data_version, ledger_version, lang, title, day.isoformat(), base_url, repr(plan)]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:24]


def file_name(plan: Agenda, lang: str, day: date) -> str:
    """泛珠合作汇报_2026-12-06.pptx (the agenda), 泛珠合作汇报_按主题_corridors_2026-12-06.pptx (themes)."""
    middle = "" if plan.saved else f"_{t('deck_file_themes', lang)}_{plan.page}"
    return f"{t('deck_file', lang)}{middle}_{day.isoformat()}.pptx"


def item_url(item: Item, lang: str, base_url: str) -> str | None:
    """The URL that reopens the item in presenter mode (None for an unknown page)."""
    if item.page not in pages.BY_KEY:
        return None
    step = views.view_steps([views.SavedView(item.title_zh, item.title_en, item.page, item.query)], lang)[0]
    return absolute(base_url, step.href)


def absolute(base_url: str, href: str) -> str:
    """An app link (./corridors?…) under the app's address (or from the site's root without one)."""
    return base_url.rstrip("/") + "/" + href.removeprefix("./")


# ------------------------------------------------------------------------------------------ what a slide shows


@dataclass
class ItemView:
    """An agenda item resolved against the data: its rows, the notes on its query, the map's page."""

    item: Item
    rows: pd.DataFrame | None  # None: the page is unknown
    notes: list[str] = field(default_factory=list)
    view: filters.ViewState | None = None

    @property
    def map_page(self) -> str:
        """The page whose map is drawn: a map page's own, else the overview's (as the explorer's small map)."""
        return self.item.page if pages.BY_KEY[self.item.page].kind == "map" else "overview"


def resolve(ds: data.Dataset, item: Item) -> ItemView:
    """The item's filtered rows (and its clause on the explorer and policy pages), and what in its query the
    app would ignore (views.view_problems)."""
    if item.page not in pages.BY_KEY:
        return ItemView(item, None)
    saved = views.SavedView(item.title_zh, item.title_en, item.page, item.query)
    view, _ = filters.view_from_query(item.page, saved.params, filters.choices_from(ds.measures), ds.feature_keys,
                                      ds.policy.refs, ds.measures.index)
    rows = filters.apply(ds.measures, view.filters)
    if view.clause and pages.BY_KEY[item.page].kind in ("measures", "policy"):
        rows = explorer.rows_of_clause(rows, view.clause)
    return ItemView(item, rows, views.view_problems(saved, ds), view)


# ------------------------------------------------------------------------------------------ writing text


def plain(text: object) -> str:
    """Data as a plain run's text: characters XML cannot hold are dropped, nothing else is touched."""
    return _NOT_XML.sub("", str(text))


def _declare_fonts(run) -> None:
    """Microsoft YaHei for Latin and East Asian text, with its panose and charset so a PC without it
    substitutes a Chinese sans serif."""
    rpr = run._r.get_or_add_rPr()
    latin = rpr.get_or_add_latin()
    latin.set("typeface", FONT_LATIN)
    latin.set("panose", FONT_PANOSE)
    latin.set("pitchFamily", "34")
    latin.set("charset", "0")
    ea = etree.SubElement(rpr, "{http://schemas.openxmlformats.org/drawingml/2006/main}ea")
    ea.set("typeface", FONT_EA)
    ea.set("panose", FONT_PANOSE)
    ea.set("pitchFamily", "34")
    ea.set("charset", FONT_CHARSET)
    latin.addnext(ea)


def _write(frame, lines: Sequence[str] | str, size: float, colour: RGBColor = DARK, bold: bool = False,
           align=None, first: bool = True) -> None:
    """Lines as paragraphs of plain runs (the first into the frame's existing paragraph when `first`)."""
    for n, line in enumerate([lines] if isinstance(lines, str) else lines):
        paragraph = frame.paragraphs[0] if first and n == 0 else frame.add_paragraph()
        if align is not None:
            paragraph.alignment = align
        run = paragraph.add_run()
        run.text = plain(line)
        run.font.size = Pt(size)
        run.font.bold = bold
        run.font.color.rgb = colour
        _declare_fonts(run)


def _box(slide, left: int, top: int, width: int, height: int, lines: Sequence[str] | str, size: float,
         colour: RGBColor = DARK, bold: bool = False, align=None, anchor=MSO_ANCHOR.TOP):
    shape = slide.shapes.add_textbox(left, top, width, height)
    frame = shape.text_frame
    frame.word_wrap = True
    frame.auto_size = MSO_AUTO_SIZE.NONE
    frame.vertical_anchor = anchor
    for side in ("margin_left", "margin_right", "margin_top", "margin_bottom"):
        setattr(frame, side, Inches(0.04))
    _write(frame, lines, size, colour, bold, align)
    return shape


def _title(slide, text: str, subtitle: str = "") -> None:
    _box(slide, MARGIN, Inches(0.3), SLIDE_W - 2 * MARGIN, Inches(0.7), text, 26, bold=True, anchor=MSO_ANCHOR.BOTTOM)
    if subtitle:
        _box(slide, MARGIN, Inches(0.98), SLIDE_W - 2 * MARGIN, Inches(0.36), subtitle, 12, GREY)


def _footer(slide, ds: data.Dataset, lang: str, day: date) -> None:
    meta = ds.metadata
    citation = f"{meta.title(lang)}（{meta.issuer(lang)}，{meta.date}）" if lang == "zh" else \
        f"{meta.title(lang)} ({meta.issuer(lang)}, {meta.date})"
    text = t("deck_footer", lang).format(citation=citation, version=ds.version, date=day.isoformat())
    _box(slide, MARGIN, SLIDE_H - Inches(0.52), SLIDE_W - 2 * MARGIN, Inches(0.42), text, 8, GREY)


def _notes(slide, lines: Sequence[str]) -> None:
    frame = slide.notes_slide.notes_text_frame
    for n, line in enumerate(lines):
        paragraph = frame.paragraphs[0] if n == 0 else frame.add_paragraph()
        paragraph.add_run().text = plain(line)


def action_note(row: pd.Series, lang: str) -> str:
    """One action's speaker note: its id, clause numbers and the policy's sentence, verbatim (`text_zh`)."""
    return t("deck_note_action", lang).format(
        id=row.name, clause=policy.clause_label(row["section"], row["clause"]),
        ref=policy.clause_ref(row["section"], row["clause"]), text=row["text_zh"])


# ------------------------------------------------------------------------------------------ the table


def _lead(units: Sequence[str], lang: str) -> str:
    if not units:
        return ""
    first = vocab.unit_label(units[0], lang)
    return first if len(units) == 1 else t("deck_more_units", lang).format(unit=first, n=len(units),
                                                                             more=len(units) - 1)


def _status(row: pd.Series, lang: str) -> tuple[str, str]:
    """(label, light) of an action: the ledger's status, or 未填报, and its light."""
    code = row.get("status", "") or ledger_view.NO_REPORT
    return filters.STATUS_TERMS[code].label(lang) if code in filters.STATUS_TERMS else code, row.get("light", "grey")


def _cell(cell, text: str, size: float, bold: bool = False, colour: RGBColor = DARK) -> None:
    cell.margin_left = cell.margin_right = CELL_MARGIN_X
    cell.margin_top = cell.margin_bottom = CELL_MARGIN_Y
    cell.vertical_anchor = MSO_ANCHOR.MIDDLE
    _write(cell.text_frame, text, size, colour, bold)


def text_lines(text: str, width_in: float, size: float) -> int:
    """How many lines `text` takes in a cell `width_in` wide at `size` points (a wide character is one em,
    any other about half): rows are made as tall as their text, so no renderer clips them."""
    ems_per_line = max((width_in - 2 * CELL_MARGIN_X / 914400) * 72 / size, 1.0)
    ems = sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.58 for ch in text)
    return max(1, math.ceil(ems / ems_per_line * 1.05))


def _cells(row: pd.Series, lang: str) -> tuple[str, str, str, str, str]:
    """id, short title, lead unit, status label and light of one action."""
    label, light = _status(row, lang)
    return str(row.name), str(row["title_zh" if lang == "zh" else "title_en"]), _lead(row["lead_units"], lang), \
        label, light


def _row_height(texts: Sequence[str], widths: Sequence[float], size: float) -> int:
    lines = max(text_lines(text, width, size) for text, width in zip(texts, widths))
    return Pt(lines * size * 1.22 + 2) + 2 * CELL_MARGIN_Y


def fitting_rows(rows: pd.DataFrame, lang: str, widths: Sequence[float], size: float, height: int) -> int:
    """How many of `rows` (at least one) a table of these column widths fits in `height`, header included."""
    used = _row_height([t("deck_col_title", lang)], widths[1:2], size)
    for n, (_, row) in enumerate(rows.iterrows()):
        used += _row_height(_cells(row, lang)[:4], widths, size)
        if used > height:
            return max(n, 1)
    return len(rows)


def _table(slide, rows: pd.DataFrame, lang: str, left: int, top: int, widths: Sequence[float], size: float) -> None:
    """The actions as a PowerPoint table: id, short title, lead unit, status with its light's colour."""
    cells = [_cells(row, lang) for _, row in rows.iterrows()]
    heights = [_row_height([t("deck_col_title", lang)], widths[1:2], size)]
    heights += [_row_height(c[:4], widths, size) for c in cells]
    shape = slide.shapes.add_table(len(rows) + 1, 4, left, top, Inches(sum(widths)), sum(heights))
    table = shape.table
    for col, width in zip(table.columns, widths):
        col.width = Inches(width)
    for table_row, height in zip(table.rows, heights):
        table_row.height = height
    for c, key in enumerate(("deck_col_id", "deck_col_title", "deck_col_unit", "deck_col_status")):
        _cell(table.cell(0, c), t(key, lang), size, bold=True, colour=RGBColor(0xFF, 0xFF, 0xFF))
    for r, (mid, title, lead, label, light) in enumerate(cells, start=1):
        _cell(table.cell(r, 0), mid, size)
        _cell(table.cell(r, 1), title, size)
        _cell(table.cell(r, 2), lead, size)
        status_cell = table.cell(r, 3)
        light = light if light in ledger_view.LIGHT_SYMBOLS else "grey"  # its shape too: never the colour alone
        _cell(status_cell, ledger_view.LIGHT_SYMBOLS[light] + " ", size, bold=True,
              colour=RGBColor.from_string(ledger_view.LIGHT_COLOURS[light].lstrip("#")))
        run = status_cell.text_frame.paragraphs[0].add_run()
        run.text = plain(label)
        run.font.size = Pt(size)
        _declare_fonts(run)


# ------------------------------------------------------------------------------------------ the slides


def _counts(slide, rows: pd.DataFrame, lang: str) -> None:
    clauses = len(rows[["section", "clause"]].drop_duplicates())
    partners = len({p for ps in rows["partners"] for p in ps})
    done = t("count_completed_value", lang).format(n=ledger_view.completed(rows), total=len(rows))
    figures = (("count_actions", str(len(rows))), ("count_clauses", str(clauses)),
               ("count_partners", str(partners)), ("count_completed", done))
    width = SIDE_WIDTH // len(figures)
    for n, (key, value) in enumerate(figures):
        shape = _box(slide, SIDE_LEFT + n * width, Inches(1.4), width - Inches(0.08), Inches(0.85), value,
                     22 if len(value) <= 4 else 15, bold=True, align=PP_ALIGN.CENTER)
        _write(shape.text_frame, t(key, lang), 10, GREY, align=PP_ALIGN.CENTER, first=False)
        shape.fill.solid()
        shape.fill.fore_color.rgb = RGBColor(0xF5, 0xF5, 0xF5)


def _picture(slide, png: bytes) -> None:
    left, top, width, height = MAP_BOX
    slide.shapes.add_picture(io.BytesIO(png), left, top, width, height)


def _map_text(slide, ds: data.Dataset, lang: str, notes: Sequence[str]) -> None:
    """Under the map: the URL notes of the view, the 示意图 notice and the boundary data's source, as text."""
    left, top, width, height = MAP_BOX
    shape = _box(slide, left, top + height + Inches(0.06), width, Inches(0.8), t("schematic_notice", lang), 9,
                 NOTICE, bold=True)
    _write(shape.text_frame, origins.licence_note(ds.origin, lang), 8, GREY, first=False)
    if notes:
        _write(shape.text_frame, t("url_notes", lang) + " " + "; ".join(notes), 9, DARK, first=False)


def _item_slides(prs, ds: data.Dataset, resolved: ItemView, lang: str, day: date, base_url: str) -> None:
    """The slide of one agenda item and its continuation slides."""
    blank = prs.slide_layouts[6]
    item = resolved.item
    title = item.title(lang)
    url = item_url(item, lang, base_url)
    slide = prs.slides.add_slide(blank)
    if resolved.rows is None:
        _title(slide, title)
        _box(slide, MARGIN, Inches(1.6), SLIDE_W - 2 * MARGIN, Inches(1.2),
             t("deck_unknown_page", lang).format(page=item.page, query=item.query or "—"), 18, NOTICE)
        _footer(slide, ds, lang, day)
        return
    rows, view = resolved.rows, resolved.view
    description = view.filters.describe(lang) or t("png_no_filter", lang)
    subtitle = t("deck_rows_of", lang).format(page=pages.BY_KEY[item.page].title(lang), filters=description,
                                              n=len(rows))
    _title(slide, title, subtitle)
    drawn = static_map.render(ds, rows, resolved.map_page, lang, title, "", filters.lights_asked(view.filters),
                              width_in=MAP_WIDTH_IN, focus=view.feature)
    _picture(slide, drawn.png)
    _map_text(slide, ds, lang, resolved.notes)
    _counts(slide, rows, lang)
    listed = rows.iloc[:TOP_ACTIONS]
    table_top = Inches(2.45)
    if listed.empty:
        _box(slide, SIDE_LEFT, table_top, SIDE_WIDTH, Inches(0.8), t("empty_result", lang), 14, GREY)
        first = listed
    else:
        first = listed.iloc[:fitting_rows(listed, lang, SIDE_COLUMNS, 9, TABLE_BOTTOM - table_top)]
        _table(slide, first, lang, SIDE_LEFT, table_top, SIDE_COLUMNS, 9)
    _footer(slide, ds, lang, day)
    head = [title, t("deck_note_url", lang).format(url=url), ""]
    _notes(slide, head + [action_note(row, lang) for _, row in first.iterrows()])
    rest, n = listed.iloc[len(first):], 0
    while not rest.empty:
        n += 1
        chunk = rest.iloc[:fitting_rows(rest, lang, FULL_COLUMNS, 11, TABLE_BOTTOM - Inches(1.45))]
        rest = rest.iloc[len(chunk):]
        slide = prs.slides.add_slide(blank)
        _title(slide, t("deck_continued", lang).format(title=title, i=n), subtitle)
        _table(slide, chunk, lang, MARGIN, Inches(1.45), FULL_COLUMNS, 11)
        _footer(slide, ds, lang, day)
        _notes(slide, head + [action_note(row, lang) for _, row in chunk.iterrows()])
    if len(rows) > len(listed):
        explorer_url = absolute(base_url, view.href("measures"))
        more = t("deck_more_rows", lang).format(n=len(rows) - len(listed), url=explorer_url)
        left, width = (MARGIN, SLIDE_W - 2 * MARGIN) if n else (SIDE_LEFT, SIDE_WIDTH)
        _box(slide, left, SLIDE_H - Inches(0.86), width, Inches(0.3), more, 9, GREY)


def _cover(prs, ds: data.Dataset, plan: Agenda, lang: str, title: str, day: date) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    meta = ds.metadata
    _box(slide, MARGIN, Inches(2.0), SLIDE_W - 2 * MARGIN, Inches(1.4), title or t("deck_default_title", lang), 40,
         bold=True, anchor=MSO_ANCHOR.BOTTOM)
    _box(slide, MARGIN, Inches(3.55), SLIDE_W - 2 * MARGIN, Inches(0.6), day.isoformat(), 22, GREY)
    kind = (t("deck_cover_agenda", lang).format(n=len(plan.items)) if plan.saved else
            t("deck_cover_themes", lang).format(n=len(plan.items), page=pages.BY_KEY[plan.page].title(lang)))
    basis = t("deck_cover_basis", lang).format(title=meta.title(lang), issuer=meta.issuer(lang), date=meta.date)
    _box(slide, MARGIN, Inches(4.4), SLIDE_W - 2 * MARGIN, Inches(1.4), [kind, basis], 16, DARK)
    _footer(slide, ds, lang, day)


def _closing(prs, ds: data.Dataset, plan: Agenda, lang: str, day: date, base_url: str) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    _title(slide, t("deck_closing_title", lang), t("deck_closing_hint", lang))
    lines = [f"{n}. {item.title(lang)} — {item_url(item, lang, base_url) or '—'}"
             for n, item in enumerate(plan.items, start=1)]
    _box(slide, MARGIN, Inches(1.5), SLIDE_W - 2 * MARGIN, Inches(5.3), lines, 14 if len(lines) <= 10 else 11)
    _footer(slide, ds, lang, day)


@dataclass(frozen=True)
class Deck:
    pptx: bytes
    slides: int
    seconds: float


Progress = Callable[[int, int, str], None]  # (item number from 1, items, its title)


def build(ds: data.Dataset, plan: Agenda, lang: str, title: str, day: date, base_url: str = "",
          progress: Progress | None = None) -> Deck:
    """The deck of an agenda: cover, one slide (and its continuations) per item, closing slide.

    `ds.measures` carries the ledger's statuses (ledger_view.with_statuses); `base_url` is the app's address
    the closing slide's links start with (empty: links relative to the app)."""
    started = time.perf_counter()
    prs = Presentation()
    prs.slide_width, prs.slide_height = Emu(SLIDE_W), Emu(SLIDE_H)
    _cover(prs, ds, plan, lang, title, day)
    for n, item in enumerate(plan.items, start=1):
        if progress is not None:
            progress(n, len(plan.items), item.title(lang))
        _item_slides(prs, ds, resolve(ds, item), lang, day, base_url)
    _closing(prs, ds, plan, lang, day, base_url)
    out = io.BytesIO()
    prs.save(out)
    return Deck(out.getvalue(), len(prs.slides), time.perf_counter() - started)


# ------------------------------------------------------------------------------------------ the worker


@dataclass
class Build:
    """One deck being built (or built): how far it got, and its future."""

    key: str
    step: int = 0
    steps: int = 1
    label: str = ""
    future: Future | None = None

    def report(self, n: int, total: int, label: str) -> None:
        self.step, self.steps, self.label = n, total, label

    @property
    def done(self) -> bool:
        return self.future is not None and self.future.done()

    @property
    def fraction(self) -> float:
        return min(1.0, (self.step - 1) / max(self.steps, 1)) if self.step else 0.0


class Builds:
    """Decks built on one worker thread, once per content key; the last `kept` are kept (a failed build is
    forgotten, so asking again retries). The script thread only polls, so other sessions never wait on it."""

    def __init__(self, kept: int = 4) -> None:
        self._kept = kept
        self._lock = threading.Lock()
        self._builds: OrderedDict[str, Build] = OrderedDict()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="panprd-deck")

    def get(self, key: str) -> Build | None:
        with self._lock:
            found = self._builds.get(key)
            if found is not None and found.done and found.future.exception() is not None:
                del self._builds[key]
                return found  # its failure is shown once
            return found

    def start(self, key: str, make: Callable[[Progress], Deck]) -> Build:
        """The build of `key`: the running or finished one, else a new one queued on the worker."""
        with self._lock:
            found = self._builds.get(key)
            if found is not None:
                self._builds.move_to_end(key)
                return found
            started = Build(key)
            started.future = self._pool.submit(make, started.report)
            self._builds[key] = started
            finished = [k for k, b in self._builds.items() if b.done and k != key]
            while len(self._builds) > self._kept and finished:
                del self._builds[finished.pop(0)]
            return started
