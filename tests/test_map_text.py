"""The map in words (issue 22): the summary says what is drawn, and the list has every drawn feature and unit."""

from __future__ import annotations

import io

from PIL import Image

from panprd import filters, vocab
from panprd.map import png
from panprd.map import spec as mapspec
from panprd.map import text as maptext


def test_summary_counts_the_features_and_names_the_filters(ds):
    chosen = filters.Filters(partner=("440000",))
    measures = filters.apply(ds.measures, chosen)
    spec = mapspec.build(ds, measures, "corridors", "zh")
    summary = maptext.summary(spec, chosen.describe("zh"))
    assert f"显示 {len(spec.features)} 个要素" in summary and len(spec.features) > 0
    assert "铁路" in summary and "筛选：广东" in summary and "10 个设区市及平潭" in summary
    english = maptext.summary(mapspec.build(ds, ds.measures, "overview", "en"), "")
    assert "shaded by the number of actions" in english and "Filters: none" in english


def test_every_drawn_feature_and_unit_is_listed_once(ds):
    spec = mapspec.build(ds, ds.measures, "ecology", "en")
    entries = maptext.entries(spec)
    keys = [e.key for e in entries]
    assert sorted(keys) == sorted([*spec.features.index, *vocab.FUJIAN_UNITS]) and len(set(keys)) == len(keys)
    longyan = next(e for e in entries if e.key == "350800")
    assert longyan.name == "Longyan" and longyan.detail.startswith(f"{spec.unit_counts['350800']} actions")


def test_the_png_carries_its_alt_text(ds):
    chosen = filters.Filters(theme=("ecology",))
    measures = filters.apply(ds.measures, chosen)
    drawn = png.render(ds, measures, "ecology", "zh", "生态文明建设", filters_text=chosen.describe("zh"))
    text = Image.open(io.BytesIO(drawn.png)).text
    spec = mapspec.build(ds, measures, "ecology", "zh")
    assert text["Title"] == "生态文明建设"
    assert text["Description"] == maptext.summary(spec, "生态文明建设") and "个要素" in text["Description"]
