"""Saved views (views.toml) and the presenter's steps: bookmarkable URLs, recognised whatever their order."""

from __future__ import annotations

import pytest

from panprd import filters, pages, views, vocab


def state(page: str, params: dict[str, str], ds) -> filters.ViewState:
    return filters.view_from_query(page, params, filters.choices_from(ds.measures), ds.feature_keys,
                                   ds.policy.refs)[0]


@pytest.fixture(scope="module")
def saved() -> list[views.SavedView]:
    return views.load_views()


def test_saved_views_parse_and_use_only_known_keys_and_values(ds, saved):
    assert 6 <= len(saved) <= 9
    for view in saved:
        assert view.title_zh and view.title_en and view.page in pages.BY_KEY
        assert views.view_problems(view, ds) == [], view
        rows = filters.apply(ds.measures, filters.from_query(view.params, filters.choices_from(ds.measures))[0])
        assert len(rows) > 0, view  # every agenda item shows something
    assert any(v.page == "corridors" and v.params == {"partner": "440000"} for v in saved)  # 闽粤合作


def test_no_saved_view_is_a_theme_step_and_views_are_distinct(ds, saved):
    for view in saved:
        assert views.theme_position(state(view.page, {**view.params, "present": "1"}, ds)) is None, view
    keys = [(v.page, tuple(sorted(v.params.items()))) for v in saved]
    assert len(keys) == len(set(keys))


def test_bad_views_files_are_explained():
    with pytest.raises(views.ViewsError, match="page 'nowhere'"):
        views.parse_views('[[view]]\ntitle_zh="a"\ntitle_en="a"\npage="nowhere"\nquery=""\n')
    with pytest.raises(views.ViewsError, match="no text `query`"):
        views.parse_views('[[view]]\ntitle_zh="a"\ntitle_en="a"\npage="units"\n')
    with pytest.raises(views.ViewsError, match="views.toml"):
        views.parse_views("[[view]\n")


def test_view_problems_name_unknown_keys_and_values(ds):
    bad = views.SavedView("x", "x", "corridors", "partner=999999&colour=red&feature=nope&present=1")
    problems = " | ".join(views.view_problems(bad, ds))
    assert "999999" in problems and "colour" in problems and "nope" in problems and "present" in problems


def test_theme_steps_are_bookmarkable_urls(ds):
    view = state("ecology", {"theme": "market", "partner": "440000", "lang": "en", "present": "1"}, ds)
    steps = views.theme_steps(view)
    assert [s.params["theme"] for s in steps] == list(vocab.THEMES)
    assert steps[0].href == "./ecology?theme=economy&lang=en&present=1"
    assert steps[0].title("en") == "Regional economic cooperation" and steps[0].title("zh") == "区域经济合作"
    assert views.theme_position(state("ecology", {"theme": "market", "present": "1"}, ds)) == 1
    assert views.theme_position(state("ecology", {"theme": "market", "partner": "440000"}, ds)) is None
    assert views.theme_position(state("ecology", {"theme": "nonsense"}, ds)) is None


def test_view_steps_and_positions(ds, saved):
    steps = views.view_steps(saved, "zh")
    assert len(steps) == len(saved)
    for i, (view, step) in enumerate(zip(saved, steps)):
        assert step.params == {**view.params, "present": "1"}
        assert step.href.startswith("./" if view.page == "overview" else f"./{view.page}")
        assert views.view_position(saved, state(view.page, step.params, ds)) == i
    # order of keys and of comma-separated values does not matter; other pages or filters do
    gd = next(i for i, v in enumerate(saved) if v.page == "corridors" and v.params == {"partner": "440000"})
    assert views.view_position(saved, state("corridors", {"present": "1", "lang": "en", "partner": "440000"}, ds)) == gd
    assert views.view_position(saved, state("ecology", {"partner": "440000"}, ds)) is None
    assert views.view_position(saved, state("corridors", {"partner": "440000", "topic": "rail"}, ds)) is None
    hk = views.view_position(saved, state("measures", {"partner": "820000,810000"}, ds))
    assert hk is not None and saved[hk].params == {"partner": "810000,820000"}
