"""The meeting deck's controls on the pages (AppTest): presenter mode's 汇报材料 menu and the explorer."""

from __future__ import annotations

from apptest_pages import open_page

from panprd.i18n import t


def test_presenter_mode_makes_the_deck_with_the_typed_title_and_offers_it():
    at = open_page("corridors", partner="440000", present="1")
    assert [w.label for w in at.text_input if w.key == "pp_deck_present_title"] == [t("deck_meeting_title", "zh")]
    assert not at.get("download_button")  # made only when asked
    at.text_input(key="pp_deck_present_title").input("2026年泛珠合作联席会议")
    at.button(key="pp_deck_present_build").click().run(timeout=180)
    assert not at.exception, at.exception
    buttons = at.get("download_button")
    assert [b.proto.label for b in buttons] == [t("deck_download", "zh")]
    assert any(c.value.startswith("已生成：") for c in at.caption)
    at.run()  # the same content again: the made deck is offered at once, no button to make it
    assert [b.proto.label for b in at.get("download_button")] == [t("deck_download", "zh")]
    assert not [b for b in at.button if b.key == "pp_deck_present_build"]


def test_the_explorer_offers_the_deck_under_its_downloads_in_english():
    at = open_page("measures", lang="en", partner="810000,820000")
    assert [b.label for b in at.button if b.key == "pp_deck_build"] == [t("deck_build", "en")]
    assert [w.label for w in at.text_input if w.key == "pp_deck_title"] == [t("deck_meeting_title", "en")]
