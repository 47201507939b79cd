"""Map builders: which features each page draws, their styles, the legend, inset and escaping."""

from __future__ import annotations

import copy
import re

import folium
import pytest
import shapely

from panprd import filters, pages, vocab
from panprd.i18n import t
from panprd.map import files as mapdata
from panprd.map import leaflet as maps
from panprd.map import spec as mapspec
from panprd.ui import mapview

HOSTILE = "<img src=x onerror=alert(1)></script><script>alert(2)</script>"


MAP_PAGES = [p.key for p in pages.MAP_PAGES]


def rendered(ds, measures, page, lang="zh", focus=None, tianditu_key=None):
    fmap = maps.draw(ds, mapspec.build(ds, measures, page, lang, focus), tianditu_key)
    return fmap, maps.map_payload(fmap)


def styles_of(drawn, layer: str) -> dict[str, dict]:
    """The style the view gives each drawn feature of one layer ("admin" for the basemap), by id: what
    ppView paints, read from the view the browser gets, not from the spec."""
    return maps.styles_of(drawn, layer)


@pytest.mark.parametrize("page", MAP_PAGES)
def test_each_page_draws_exactly_its_layer(ds, page):
    fmap, _ = rendered(ds, ds.measures, page=page)
    layer = pages.BY_KEY[page].layer
    expected = set(mapspec.features_of(ds, ds.measures, layer).index)
    assert expected, page
    assert maps.feature_ids_in(fmap) == expected
    if layer:
        assert set(ds.geo.features.loc[list(expected), "layer"]) == {layer}


def test_corridors_include_railways_drawn_as_lines_in_their_kind_colour(ds):
    features = mapspec.features_of(ds, ds.measures, "corridor")
    railways = features[features["kind"] == "railway"]
    assert (railways.geometry.geom_type.isin(["LineString", "MultiLineString"])).sum() >= 5
    fmap, _ = rendered(ds, ds.measures, page="corridors")
    styles = styles_of(fmap, "corridor")
    for fid in railways.index:
        assert styles[fid]["color"] == mapspec.KIND_STYLES["railway"].colour, fid
    others = set(styles) - set(railways.index)
    assert others and all(styles[f]["color"] != mapspec.KIND_STYLES["railway"].colour for f in others)


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
    for page in MAP_PAGES:
        for lang in ("zh", "en"):
            _, html = rendered(ds, ds.measures, page=page, lang=lang)
            assert "pp-notice" in html and "示意图" in html  # on the map; the legend beside it
            assert "pp-legend" in maps.legend_html(mapspec.build(ds, ds.measures, page, lang))
            assert "pp-inset" in html and ("南海诸岛" if lang == "zh" else "South China Sea Islands") in html


def test_choropleth_follows_the_filters(ds):
    """The colours painted on the overview's Fujian units change with the filter: Longyan alone is the
    darkest class when the filter is Longyan, while with no filter the units spread over the classes."""
    longyan = filters.apply(ds.measures, filters.Filters(place=("350800",)))
    counts = mapspec.unit_counts(longyan)
    assert counts["350800"] == len(longyan) > 0 and set(counts) == set(vocab.FUJIAN_UNITS)
    fills = {c: s["fillColor"] for c, s in styles_of(rendered(ds, longyan, "overview")[0], "admin").items()
             if c in vocab.FUJIAN_UNITS}
    shade = {c: mapspec.CHOROPLETH_COLOURS.index(f) for c, f in fills.items()}
    assert shade["350800"] >= 3 and shade["350800"] == max(shade.values())
    assert all(shade[c] == 0 for c in vocab.FUJIAN_UNITS if counts[c] == 0) and min(shade.values()) == 0
    everything = {c: s["fillColor"] for c, s in styles_of(rendered(ds, ds.measures, "overview")[0], "admin").items()
                  if c in vocab.FUJIAN_UNITS}
    assert len(set(everything.values())) >= 3 and everything != fills
    corridors = styles_of(rendered(ds, longyan, "corridors")[0], "admin")  # no choropleth off the overview
    assert {corridors[c]["fillColor"] for c in vocab.FUJIAN_UNITS} == {mapspec.FUJIAN_COLOUR}


def test_class_breaks():
    assert mapspec.class_breaks([0, 0]) == []
    assert mapspec.class_breaks([0, 1, 8]) == [2, 4, 6, 8]
    assert mapspec.class_breaks([3]) == [1, 2, 3, 4]


def test_hostile_names_are_escaped_everywhere(ds):
    hostile = copy.copy(ds)
    hostile.geo = copy.copy(ds.geo)
    hostile.geo.features = ds.geo.features.copy()
    fid = mapspec.features_of(ds, ds.measures, "corridor").index[0]
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
    fmap, _ = rendered(ds, ds.measures, "corridors", focus=fid)
    (south, west), (north, east) = _fit(fmap)
    minx, miny, maxx, maxy = ds.geo.features.at[fid, "geometry"].bounds
    assert west <= minx and east >= maxx and south <= miny and north >= maxy
    assert east - west < (maxx - minx) + 1


def _fit(drawn):
    return drawn.view["bounds"]


def test_display_basemap_is_still_a_coverage_with_the_islands_that_matter(ds):
    basemap, features = mapspec.display_geometries(ds.geo)
    assert shapely.coverage_is_valid(shapely.GeometryCollection(list(basemap.values)))
    assert basemap["350100"].intersection(basemap["350900"]).length > 0
    assert basemap["350800"].intersection(basemap["440000"]).length > 0
    taiwan = basemap["710000"]
    for lon, lat in [(123.47, 25.74), (124.56, 25.92)]:  # 钓鱼岛, 赤尾屿
        assert taiwan.distance(shapely.Point(lon, lat)) < 0.03
    assert basemap["460000"].bounds[1] < 10  # Hainan keeps the 南海诸岛
    assert set(features.index) == set(ds.geo.features.geometry.dropna().index)


@pytest.mark.parametrize("page", MAP_PAGES)
def test_st_folium_would_load_no_asset_from_another_host(ds, page, tmp_path):
    from panprd.assets import external_asset_urls

    drawn, _ = rendered(ds, ds.measures, page)
    assert external_asset_urls(drawn.base) == []
    sent = maps.base_map(ds, "zh", files=mapdata.publish(ds, tmp_path))  # the scripts as files, as the app sends it
    links = mapview.component_args(sent, "k")["js_links"]
    assert external_asset_urls(sent) == [] and [u.split("/")[-2] for u in links[-2:]] == ["mapdata", "mapdata"]
    assert all((tmp_path / u.removeprefix("../../app/static/")).is_file() for u in links[-2:])
    assert external_asset_urls(folium.Map(tiles=None))  # the check can fail: folium's defaults are CDN URLs


def test_the_9_plus_2_members_read_apart_from_other_provinces_and_named_partners_stand_out(ds):
    hk_macao = filters.apply(ds.measures, filters.Filters(partner=("810000", "820000")))
    spec = mapspec.build(ds, hk_macao, "overview")
    fill = spec.province_fill
    assert fill["810000"] == fill["820000"] == mapspec.PARTNER_COLOUR  # named by the actions shown
    assert {fill[c] for c in ("430000", "510000", "520000", "530000")} == {mapspec.MEMBER_COLOUR}
    assert fill["330000"] == fill["710000"] == mapspec.LAND_COLOUR  # 浙江, 台湾省: outside the 9+2
    styles = styles_of(maps.draw(ds, spec), "admin")
    assert styles["810000"]["color"] == mapspec.PARTNER_EDGE and styles["810000"]["weight"] > 2
    assert styles["430000"]["color"] == mapspec.PROVINCE_EDGE
    labels = [e.label for e in spec.legend]
    assert t("legend_member", "zh") in labels and t("legend_province", "zh") in labels


@pytest.mark.parametrize("page", MAP_PAGES)
def test_taiwan_is_in_the_window_of_every_map_page(ds, page):
    minx, miny, maxx, maxy = mapspec.build(ds, ds.measures, page).window
    taiwan = ds.geo.admin.at["710000", "geometry"]
    assert shapely.box(minx, miny, maxx, maxy).contains(taiwan.representative_point())
    for lon, lat in [(123.47, 25.74), (124.56, 25.92)]:  # 钓鱼岛, 赤尾屿
        assert minx <= lon <= maxx and miny <= lat <= maxy


def test_a_click_reaches_every_fujian_unit_whatever_lies_on_top(ds):
    spec = mapspec.build(ds, ds.measures, "overview")
    basemap, _ = mapspec.display_geometries(ds.geo)
    for code in vocab.FUJIAN_UNITS:
        point = basemap[code].representative_point()
        hits = mapspec.hit_test(ds, spec, point.x, point.y)
        assert code in hits, code
        areas = [h for h in hits if h in spec.features.index
                 and spec.features.at[h, "geometry"].geom_type in ("Polygon", "MultiPolygon")]
        assert all(hits.index(code) < hits.index(a) for a in areas), (code, hits)  # no area hides the unit


def test_a_click_near_a_line_finds_it_first_and_far_away_finds_nothing(ds):
    spec = mapspec.build(ds, ds.measures, "corridors")
    line = spec.features.at["rail_xiangpu", "geometry"]
    point = line.interpolate(0.5, normalized=True)
    assert mapspec.hit_test(ds, spec, point.x + 0.01, point.y)[0] == "rail_xiangpu"
    assert mapspec.hit_test(ds, spec, 112.0, 14.0) == ()  # the open sea


def test_a_chosen_feature_is_drawn_heavier_and_the_others_dimmed(ds):
    plain = styles_of(rendered(ds, ds.measures, "corridors")[0], "corridor")
    chosen = styles_of(maps.draw(ds, mapspec.build(ds, ds.measures, "corridors", selected=("rail_xiangpu",))),
                       "corridor")
    assert chosen["rail_xiangpu"]["weight"] > plain["rail_xiangpu"]["weight"]
    assert chosen["rail_xiangpu"]["className"] == "pp-selected"
    other = next(f for f in chosen if f != "rail_xiangpu")
    assert chosen[other]["opacity"] < plain[other]["opacity"]
    units = styles_of(maps.draw(ds, mapspec.build(ds, ds.measures, "overview", selected=("350200",))), "admin")
    assert units["350200"]["weight"] > units["350100"]["weight"]


def test_transfer_zones_have_one_colour_per_kind_and_smaller_zones_on_top(ds):
    fmap, _ = rendered(ds, ds.measures, "transfer_zones")
    styles = styles_of(fmap, "transfer_zone")
    features = ds.geo.features.loc[list(styles)]
    colours = {kind: {styles[f]["color"] for f in group.index} for kind, group in features.groupby("kind")}
    assert len(colours) >= 5 and all(len(c) == 1 for c in colours.values())  # one colour per kind
    assert len({next(iter(c)) for c in colours.values()}) == len(colours)  # and a different one for each
    areas = [g.area for g in features.geometry if g.geom_type in ("Polygon", "MultiPolygon")]
    assert areas == sorted(areas, reverse=True)  # drawn in order: the smaller zone comes later, on top
