"""Map builders: which features each page draws, their styles, the legend, inset and escaping."""

from __future__ import annotations

import copy
import re

import folium
import pytest
import shapely

from panprd import filters, maps, vocab

HOSTILE = "<img src=x onerror=alert(1)></script><script>alert(2)</script>"


def rendered(ds, measures, **view):
    fmap = maps.build_map(ds, measures, maps.MapView(**view))
    return fmap, maps.map_payload(fmap)


@pytest.mark.parametrize("page", list(maps.PAGE_LAYERS))
def test_each_page_draws_exactly_its_layer(ds, page):
    fmap, _ = rendered(ds, ds.measures, page=page)
    layer = maps.PAGE_LAYERS[page]
    expected = set(maps.visible_features(ds, ds.measures, layer).index)
    assert expected, page
    assert maps.feature_ids_in(fmap) == expected
    if layer:
        assert set(ds.geo.features.loc[list(expected), "layer"]) == {layer}


def test_corridors_include_railways_drawn_as_lines_in_their_kind_colour(ds):
    features = maps.visible_features(ds, ds.measures, "corridor")
    railways = features[features["kind"] == "railway"]
    assert (railways.geometry.geom_type.isin(["LineString", "MultiLineString"])).sum() >= 5
    _, page = rendered(ds, ds.measures, page="corridors")
    assert maps.KIND_STYLES["railway"][0] in page


def test_filters_change_what_is_drawn(ds):
    ecology_gd = filters.apply(ds.measures, filters.Filters(theme=("ecology",), partner=("440000",)))
    fmap, _ = rendered(ds, ecology_gd, page="ecology")
    everything, _ = rendered(ds, ds.measures, page="ecology")
    assert 0 < len(maps.feature_ids_in(fmap)) < len(maps.feature_ids_in(everything))
    assert "basin_tingjiang_hanjiang" in maps.feature_ids_in(fmap)


def test_map_html_loads_nothing_from_outside(ds):
    _, page = rendered(ds, ds.measures, page="overview")
    urls = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert urls and all(not re.match(r"(https?:)?//", u) for u in urls), urls
    assert "cdn" not in page.lower()


def test_tianditu_is_the_only_online_layer_and_only_with_a_key(ds):
    _, without = rendered(ds, ds.measures, page="overview")
    _, with_key = rendered(ds, ds.measures, page="overview", tianditu_key="k123")
    assert "tianditu" not in without
    assert "tianditu.gov.cn" in with_key and "tk=k123" in with_key


def test_legend_notice_and_inset_on_every_page(ds):
    for page in maps.PAGE_LAYERS:
        for lang in ("zh", "en"):
            _, html = rendered(ds, ds.measures, page=page, lang=lang)
            assert "pp-legend" in html and "示意图" in html
            assert "pp-inset" in html and ("南海诸岛" if lang == "zh" else "South China Sea Islands") in html


def test_choropleth_follows_the_filters(ds):
    counts_all = maps.unit_counts(ds.measures)
    longyan = filters.apply(ds.measures, filters.Filters(place=("350800",)))
    counts = maps.unit_counts(longyan)
    assert counts["350800"] == len(longyan) > 0
    assert sum(counts_all.values()) >= sum(counts.values())
    assert set(counts) == set(vocab.FUJIAN_UNITS)


def test_class_breaks():
    assert maps.class_breaks([0, 0]) == []
    assert maps.class_breaks([0, 1, 8]) == [2, 4, 6, 8]
    assert maps.class_breaks([3]) == [1, 2, 3, 4]


def test_hostile_names_are_escaped_everywhere(ds):
    hostile = copy.copy(ds)
    hostile.geo = copy.copy(ds.geo)
    hostile.geo.features = ds.geo.features.copy()
    fid = maps.visible_features(ds, ds.measures, "corridor").index[0]
    hostile.geo.features.loc[fid, ["name_zh", "name_en"]] = HOSTILE
    admin = ds.geo.admin.copy()
    admin.loc["350800", ["name_zh", "name_en"]] = HOSTILE
    hostile.geo.admin = admin
    for lang in ("zh", "en"):
        _, html = rendered(hostile, ds.measures, page="corridors", lang=lang)
        assert "<img src=x" not in html and "<script>alert" not in html
        # escaped once, then JSON-encoded by folium (& as \u0026)
        assert "\\u0026lt;img src=x onerror=alert(1)\\u0026gt;" in html


def test_focus_zooms_to_the_feature(ds):
    fid = "rail_xiangpu"
    fmap = maps.build_map(ds, ds.measures, maps.MapView(page="corridors", focus=fid))
    (south, west), (north, east) = _fit(fmap)
    minx, miny, maxx, maxy = ds.geo.features.at[fid, "geometry"].bounds
    assert west <= minx and east >= maxx and south <= miny and north >= maxy
    assert east - west < (maxx - minx) + 1


def _fit(fmap):
    for child in fmap._children.values():
        if type(child).__name__ == "FitBounds":
            return child.bounds
    raise AssertionError("no fit_bounds")


def test_display_basemap_is_still_a_coverage_with_the_islands_that_matter(ds):
    basemap, features = maps.display_geometries(ds.geo)
    assert shapely.coverage_is_valid(shapely.GeometryCollection(list(basemap.values)))
    assert basemap["350100"].intersection(basemap["350900"]).length > 0
    assert basemap["350800"].intersection(basemap["440000"]).length > 0
    taiwan = basemap["710000"]
    for lon, lat in [(123.47, 25.74), (124.56, 25.92)]:  # 钓鱼岛, 赤尾屿
        assert taiwan.distance(shapely.Point(lon, lat)) < 0.03
    assert basemap["460000"].bounds[1] < 10  # Hainan keeps the 南海诸岛
    assert set(features.index) == set(ds.geo.features.geometry.dropna().index)


@pytest.mark.parametrize("page", list(maps.PAGE_LAYERS))
def test_st_folium_would_load_no_asset_from_another_host(ds, page):
    from panprd.assets import external_asset_urls

    fmap = maps.build_map(ds, ds.measures, maps.MapView(page=page, choropleth=page == "overview"))
    assert external_asset_urls(fmap) == []
    assert external_asset_urls(folium.Map(tiles=None))  # the check can fail: folium's defaults are CDN URLs
