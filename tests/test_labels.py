"""Map labels: the names, where they sit, which give way in a collision, the PNG adapter, the scale bar, escaping."""

from __future__ import annotations

import html
import json
import re
from itertools import combinations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Text
from pyproj import Geod

from panprd import vocab
from panprd.assets import offline_map
from panprd.map import labels
from panprd.map import leaflet as maps
from panprd.map import png as static_map
from panprd.map import spec as mapspec
from panprd.map.label_layer import LabelLayer, MetricScale, script_json
from panprd.map.labels import Label
from tests.test_hostile import HTML_SIGNS, MARKUP, write_hostile_copy

CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")
REGION_KEYS = [*vocab.PARTNERS, vocab.FUJIAN_CODE, "330000", "710000"]
ZH_SHORT = {"440000": "广东", "450000": "广西", "810000": "香港", "820000": "澳门", "330000": "浙江",
            "710000": "台湾省", "350000": "福建", "350100": "福州", "350128": "平潭"}
OVERVIEW_ZOOM, FUJIAN_PAGE_ZOOM = 5.75, 7.0  # the maps' opening zooms (see panprd.map.labels)


@pytest.fixture(scope="module", params=["zh", "en"])
def admin(ds, request) -> tuple[str, dict[str, Label]]:
    return request.param, {lab.key: lab for lab in labels.admin_labels(ds, request.param)}


def test_every_region_and_fujian_unit_has_a_label(admin) -> None:
    lang, by_key = admin
    for key in [*REGION_KEYS, *vocab.FUJIAN_UNITS, "diaoyudao", "chiweiyu"]:
        assert key in by_key, key
        assert by_key[key].text.strip(), key
    assert {by_key[k].kind for k in vocab.FUJIAN_UNITS} == {"city"}
    assert by_key["810000"].kind == by_key["820000"].kind == "sar"
    if lang == "en":
        assert not [lab.text for lab in by_key.values() if CJK.search(lab.text)]
        assert by_key["440000"].text == "Guangdong" and by_key["710000"].text == "Taiwan"
        assert by_key["350128"].text == "Pingtan" and by_key["diaoyudao"].text == "Diaoyu Dao"
    else:
        assert {k: by_key[k].text for k in ZH_SHORT} == ZH_SHORT
        assert by_key["diaoyudao"].text == "钓鱼岛" and by_key["chiweiyu"].text == "赤尾屿"


def test_keep_labels_are_taiwan_and_its_islets(admin) -> None:
    _, by_key = admin
    assert {k for k, lab in by_key.items() if lab.keep} == {"710000", "diaoyudao", "chiweiyu"}


def test_labels_sit_on_their_own_land(ds, admin) -> None:
    """Each province and city label lies inside its polygon (the islets' inside Taiwan's, on the islet);
    Hong Kong's and Macao's sit beside theirs, on the side their text runs away from."""
    _, by_key = admin
    geo = ds.geo.admin
    for key, lab in by_key.items():
        point = shapely.Point(lab.lon, lab.lat)
        if lab.kind == "island":
            assert geo.at["710000", "geometry"].distance(point) < 1e-3, key
        elif lab.kind == "sar":
            minx, _, maxx, _ = geo.at[key, "geometry"].bounds
            assert lab.lon == pytest.approx(maxx if lab.align == "left" else minx, abs=1e-3), key
        else:  # a county's further anchors inside the county
            assert geo.at[lab.name_of, "geometry"].contains(point), key
    assert abs(by_key["diaoyudao"].lon - 123.47) < 0.05 and abs(by_key["chiweiyu"].lon - 124.56) < 0.05


def test_labels_follow_the_zoom(admin) -> None:
    _, by_key = admin
    overview = {k for k, lab in by_key.items() if lab.shown_at(OVERVIEW_ZOOM)}
    fujian = {k for k, lab in by_key.items() if lab.shown_at(FUJIAN_PAGE_ZOOM)}
    assert set(REGION_KEYS) <= overview and not set(vocab.FUJIAN_UNITS) & overview
    assert set(vocab.FUJIAN_UNITS) <= fujian and vocab.FUJIAN_CODE not in fujian
    assert {"710000", "diaoyudao", "chiweiyu"} <= overview & fujian


def test_islet_labels_need_the_islets_in_the_data() -> None:
    """An altered Taiwan geometry without the islets gives no islet label rather than one in the open sea."""
    island_only = shapely.box(120.0, 22.0, 122.0, 25.3)
    assert labels.islet_labels(island_only, "zh") == []


# ---------------------------------------------------------------- feature labels


def _features(**columns) -> gpd.GeoDataFrame:
    geometry = columns.pop("geometry")
    return gpd.GeoDataFrame(columns, geometry=geometry, index=columns.pop("id"), crs="EPSG:4326")


def test_feature_labels_use_short_names_and_sensible_anchors() -> None:
    line = shapely.LineString([(116.0, 25.0), (118.0, 25.0), (118.0, 27.0)])
    far_line = shapely.LineString([(118.1, 24.5), (19.5, 51.8)])  # Xiamen to Łódź: mostly outside the window
    features = _features(
        id=["rail", "far", "port", "zone"], name_zh=["某某铁路全称", "中欧班列", "某港", "某区"],
        name_en=["Some Railway, full name", "China–Europe train", "Port", "Zone"],
        short_zh=["某铁路", None, "", None], short_en=["Some Railway", None, None, None],
        kind=["railway", "railway", "port", "zone"],
        geometry=[line, far_line, shapely.Point(119.3, 26.0), shapely.box(117.0, 24.0, 117.4, 24.2)],
    )
    zh = {lab.key: lab for lab in labels.feature_labels(features, "zh", {"railway": "#7b1fa2"})}
    en = {lab.key: lab for lab in labels.feature_labels(features, "en")}
    assert zh["rail"].text == "某铁路" and en["rail"].text == "Some Railway"
    assert zh["far"].text == "中欧班列" and zh["port"].text == "某港"  # no (or an empty) short name: the full one
    assert zh["rail"].colour == "#7b1fa2" and en["rail"].colour is None
    assert line.distance(shapely.Point(zh["rail"].lon, zh["rail"].lat)) < 1e-6
    assert (zh["rail"].lon, zh["rail"].lat) == (118.0, 25.0)  # halfway along the line
    assert shapely.box(*labels.REGION_WINDOW).contains(shapely.Point(zh["far"].lon, zh["far"].lat))
    assert (zh["port"].lon, zh["port"].lat) == (119.3, 26.0) and zh["port"].align == "left"  # beside its marker
    assert zh["rail"].min_zoom == labels.FUJIAN_ZOOM and zh["port"].min_zoom == labels.POINT_LABEL_ZOOM
    assert zh["zone"].min_zoom <= labels.POINT_LABEL_ZOOM
    assert all(lab.kind == "feature" and lab.priority < labels.PRIORITY_CITY for lab in zh.values())


def test_feature_labels_of_the_real_data(ds) -> None:
    mapped = ds.geo.features[ds.geo.features.geometry.notna() & ~ds.geo.features.geometry.is_empty]
    found = labels.feature_labels(ds.geo.features, "en")
    assert {lab.key for lab in found} == set(mapped.index)
    assert not [lab.text for lab in found if CJK.search(lab.text)]


# ---------------------------------------------------------------- collisions


def _label(key: str, x: float, priority: int, keep: bool = False) -> Label:
    return Label(key, key, x, 0.0, priority, 0, 19, "province", keep)


def _project(lon: float, lat: float) -> tuple[float, float]:
    return lon, lat


def _measure(_: Label) -> tuple[float, float]:
    return 40.0, 14.0


def test_place_drops_the_lower_priority_of_two_overlapping_labels() -> None:
    high, low, apart = _label("high", 0, 80), _label("low", 30, 70), _label("apart", 100, 10)
    for order in ([low, high, apart], [high, low, apart]):
        assert [lab.key for lab in labels.place(order, _project, _measure)] == ["high", "apart"]


def test_place_pads_the_boxes() -> None:
    a, b = _label("a", 0, 80), _label("b", 41, 70)  # 1 px apart: within the padding
    assert [lab.key for lab in labels.place([a, b], _project, _measure)] == ["a"]
    assert len(labels.place([a, b], _project, _measure, pad=0)) == 2


def test_place_never_drops_keep_labels() -> None:
    keep = _label("taiwan", 0, 1, keep=True)
    other_keep = _label("islet", 10, 1, keep=True)
    high = _label("high", 5, 100)
    placed = labels.place([high, keep, other_keep], _project, _measure, blocked=[(-50, -50, 50, 50)])
    assert [lab.key for lab in placed] == ["taiwan", "islet"]


def test_place_never_covers_a_blocked_box_or_leaves_the_frame() -> None:
    candidates = [_label(f"l{i}", i * 45.0, 50) for i in range(10)]
    blocked = [(80, -5, 150, 5)]
    placed = labels.place(candidates, _project, _measure, blocked=blocked, frame=(-20, -20, 400, 20))
    boxes = {lab.key: labels.label_box(lab, lab.lon, lab.lat, 40, 14) for lab in placed}
    assert boxes and not [k for k, box in boxes.items() if labels.boxes_overlap(box, blocked[0])]
    assert {"l0", "l1", "l4", "l5", "l6", "l7", "l8"} == set(boxes)  # l2, l3 meet the block; l9 leaves the frame


# ---------------------------------------------------------------- the PNG adapter and the scale bar


@pytest.fixture(scope="module")
def cjk() -> font_manager.FontProperties:
    font = static_map.cjk_font()
    assert font is not None, "no CJK font: install fonts-noto-cjk"
    return font_manager.FontProperties(family=font.family)


def _fujian_axes(ds, width_in: float, height_in: float, dpi: int):
    """Axes over the corridors page's PNG extent (Fujian with its corridors, widened to 16:9)."""
    minx, miny, maxx, maxy = static_map.extent(mapspec.build(ds, ds.measures, "corridors"))
    fig = Figure(figsize=(width_in, height_in), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(minx, maxx)
    ax.set_ylim(miny, maxy)
    ax.set_aspect(1 / np.cos(np.radians((miny + maxy) / 2)), adjustable="datalim")
    ax.set_xticks([])  # as on the PNG export: no tick labels among the figure's texts
    ax.set_yticks([])
    return fig, ax


def _drawn_boxes(fig) -> list[tuple[str, object]]:
    """Every non-empty text's box as drawn (drawing settles the axes' aspect and limits)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    return [(t.get_text(), t.get_window_extent(renderer)) for t in fig.findobj(Text) if t.get_text()]


def _cities_and_taiwan(ds, lang: str) -> list[Label]:
    return [lab for lab in labels.admin_labels(ds, lang) if lab.kind == "city" or lab.key == "710000"]


SIZES = {"city": 11, "province": 12}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_png_labels_at_slide_size_all_drawn_apart(ds, cjk, lang: str) -> None:
    """At 1920×1080 over the Fujian extent the ten units and Taiwan all fit: 莆田, 平潭 and 厦门 are all drawn."""
    fig, ax = _fujian_axes(ds, 16, 9, 120)
    wanted = _cities_and_taiwan(ds, lang)
    drawn = labels.place_on_axes(ax, wanted, cjk, SIZES, zoom=FUJIAN_PAGE_ZOOM)
    assert sorted(t.get_text() for t in drawn) == sorted(lab.text for lab in wanted)
    boxes = _drawn_boxes(fig)
    assert len(boxes) == len(wanted)
    assert not [(a, b) for (a, ba), (b, bb) in combinations(boxes, 2) if ba.overlaps(bb)]
    assert all(t.get_path_effects() for t in drawn)  # the halo


def test_png_labels_on_a_small_figure_give_way_by_priority(ds, cjk) -> None:
    """At 800×450 the English names crowd the coast: 平潭 (last of the units in priority) and 泉州 give way;
    莆田, 厦门, 福州 and Taiwan stay, and every drop is forced by a label placed before it."""
    fig, ax = _fujian_axes(ds, 8, 4.5, 100)
    wanted = _cities_and_taiwan(ds, "en")
    drawn = labels.place_on_axes(ax, wanted, cjk, SIZES, zoom=FUJIAN_PAGE_ZOOM)
    texts = [t.get_text() for t in drawn]
    assert {"Taiwan", "Fuzhou", "Xiamen", "Putian"} <= set(texts)
    assert {"Pingtan", "Quanzhou"}.isdisjoint(texts)
    boxes = _drawn_boxes(fig)
    assert not [(a, b) for (a, ba), (b, bb) in combinations(boxes, 2) if ba.overlaps(bb)]
    # Each dropped label, drawn alone, would meet a drawn label of at least its priority.
    by_text = {lab.text: lab for lab in wanted}
    drawn_boxes = dict(boxes)
    for lab in wanted:
        if lab.text in texts:
            continue
        alone, alone_ax = _fujian_axes(ds, 8, 4.5, 100)
        (artist,) = labels.place_on_axes(alone_ax, [lab], cjk, SIZES, zoom=FUJIAN_PAGE_ZOOM)
        box = artist.get_window_extent(alone.canvas.get_renderer()).expanded(1.0, 1.0)
        blockers = [text for text, other in drawn_boxes.items()
                    if by_text[text].priority >= lab.priority and box.padded(labels.COLLISION_PAD_PX).overlaps(other)]
        assert blockers, lab.text


def test_png_labels_placed_with_the_drawn_limits(ds, cjk) -> None:
    """On a square figure the 16:9 extent's latitudes stretch when drawn (fixed aspect): placement must use
    the limits the figure is drawn with, or labels judged apart end up on top of each other."""
    fig, ax = _fujian_axes(ds, 5, 5, 100)
    drawn = labels.place_on_axes(ax, labels.admin_labels(ds, "en"), cjk, SIZES, zoom=FUJIAN_PAGE_ZOOM)
    assert len(drawn) >= 8
    boxes = _drawn_boxes(fig)
    assert not [(a, b) for (a, ba), (b, bb) in combinations(boxes, 2) if ba.overlaps(bb)]
    frame = ax.get_window_extent()
    assert all(frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
               for _, box in boxes)


@pytest.mark.parametrize("size", [(16, 9, 120), (16, 4, 100), (5, 5, 100)])
def test_static_zoom_is_the_leaflet_zoom_of_the_drawn_axes(ds, size) -> None:
    fig, ax = _fujian_axes(ds, *size)
    zoom = labels.static_zoom(ax)
    fig.canvas.draw()
    x0, x1 = ax.get_xlim()
    pixels_per_degree = ax.get_window_extent().width / (x1 - x0)
    assert 256 * 2**zoom / 360 == pytest.approx(pixels_per_degree)  # Leaflet: 256 px per 360° at zoom 0
    assert labels.static_zoom(ax, text_scale=2) == pytest.approx(zoom - 1)


def test_png_labels_avoid_blocked_artists(ds, cjk) -> None:
    fig, ax = _fujian_axes(ds, 16, 9, 120)
    renderer = fig.canvas.get_renderer()
    wanted = _cities_and_taiwan(ds, "zh")
    fuzhou = next(lab for lab in wanted if lab.key == "350100")
    x, y = ax.transData.transform((fuzhou.lon, fuzhou.lat))
    title = fig.text(x / fig.bbox.width, y / fig.bbox.height, "标题 title", fontproperties=cjk, fontsize=20)
    drawn = labels.place_on_axes(ax, wanted, cjk, SIZES, blocked=[title], zoom=FUJIAN_PAGE_ZOOM)
    assert "福州" not in [t.get_text() for t in drawn]
    title_box = title.get_window_extent(renderer)
    assert not [t.get_text() for t in drawn if t.get_window_extent(renderer).overlaps(title_box)]


def test_png_labels_follow_the_zoom(ds, cjk) -> None:
    fig, ax = _fujian_axes(ds, 16, 9, 120)
    drawn = labels.place_on_axes(ax, labels.admin_labels(ds, "zh"), cjk, SIZES, zoom=OVERVIEW_ZOOM)
    texts = {t.get_text() for t in drawn}
    assert "福建" in texts and not texts & {"福州", "厦门"}


@pytest.mark.parametrize(("size", "lat"), [((16, 9, 120), 26.0), ((8, 4.5, 100), 24.0), ((4, 4, 100), 30.0)])
def test_scale_bar_is_round_and_true(ds, size, lat: float) -> None:
    fig, ax = _fujian_axes(ds, *size)
    km = labels.draw_scale_bar(ax, lat)
    assert km in labels.SCALE_STEPS_KM
    (bar,) = [line for line in ax.findobj(Line2D) if line.get_gid() == "scale-bar"]
    xs = bar.get_xdata()
    (x0, _), (x1, _) = ax.transAxes.transform([(min(xs), 0), (max(xs), 0)])
    lon0, _ = ax.transData.inverted().transform((x0, 0))
    lon1, _ = ax.transData.inverted().transform((x1, 0))
    _, _, metres = Geod(ellps="WGS84").inv(lon0, lat, lon1, lat)  # along the parallel, on the ellipsoid
    assert metres / 1000 == pytest.approx(km, rel=0.05)
    width_share = (x1 - x0) / ax.get_window_extent().width
    assert 1 / 12 < width_share < 1 / 3  # about a sixth of the map
    (text,) = [t for t in ax.findobj(Text) if t.get_gid() == "scale-bar-text"]
    assert text.get_text() == f"{km:g} km"


# ---------------------------------------------------------------- the folium layer and escaping


def _rendered(labels_: list[Label]) -> str:
    fmap = offline_map(location=[25, 118], zoom_start=6)
    LabelLayer(labels_).add_to(fmap)
    MetricScale().add_to(fmap)
    return fmap.get_root().render()


def _payload_rows(page_html: str) -> list[list]:
    """The label rows the layer's script carries (JSON after the code, up to the blocked selectors)."""
    start = page_html.index("})(map_") + 2
    start = page_html.index(",", start) + 1
    decoder = json.JSONDecoder()
    rows, _ = decoder.raw_decode(page_html[start:])
    return rows


def test_markup_in_a_feature_name_is_escaped() -> None:
    name = "<img src=x onerror=alert(1)>"
    features = _features(id=["x"], name_zh=[name], name_en=[name], kind=["zone"],
                         geometry=[shapely.box(117, 24, 118, 25)])
    (label,) = labels.feature_labels(features, "zh")
    assert label.text == name  # plain text in the data; escaped where it becomes HTML
    (row,) = LabelLayer([label]).rows()
    assert row[1].startswith("&lt;img") and html.unescape(row[1]) == name
    payload = script_json(LabelLayer([label]).rows())
    assert "<" not in payload and ">" not in payload and "&" not in payload and "\\u0026lt;img" in payload
    page = _rendered([label])
    assert "<img src=x" not in page
    assert _payload_rows(page)[0][1] == row[1]


def test_script_json_cannot_end_the_script_element() -> None:
    value = ["</script><script>alert(1)</script>", "a & b", "\u2028"]
    text = script_json(value)
    assert not set(text) & {"<", ">", "&", "\u2028"}
    assert json.loads(text) == value


def test_hostile_data_reaches_the_labels_as_text(tmp_path) -> None:
    """The hostile copy of the data (markup in every name): the labels carry it, the map page has none of it."""
    from panprd import data

    hostile = data.load(write_hostile_copy(tmp_path))
    built = labels.admin_labels(hostile, "zh") + labels.feature_labels(hostile.geo.features, "en")
    assert any(MARKUP in lab.text for lab in built)
    page = _rendered(built)
    for sign in (*HTML_SIGNS, "</script><script>"):
        assert sign not in page, sign
    rows = _payload_rows(page)
    assert {html.unescape(row[1]) for row in rows} == {lab.text for lab in built}


def test_label_layer_refuses_a_colour_or_kind_that_is_not_one() -> None:
    label = Label("k", "t", 118, 25, 1, 0, 19, "feature", colour="red;background:url(//x)")
    with pytest.raises(ValueError, match="colour"):
        LabelLayer([label])
    with pytest.raises(ValueError, match="kind"):
        LabelLayer([Label("k", "t", 118, 25, 1, 0, 19, "<b>")])


def test_label_layer_script_and_metric_scale() -> None:
    page = _rendered([Label("710000", "台湾省", 121.0, 23.7, 79, 0, 19, "province", keep=True)])
    assert 'createPane("ppLabels")' in page and 'pane.style.pointerEvents = "none"' in page
    assert 'L.control.scale({position: "bottomleft", metric: true, imperial: false})' in page
    assert _payload_rows(page) == [["710000", "台湾省", 23.7, 121.0, "province", 0, 19, 1, "c", ""]]


def test_labels_add_little_to_the_overview_payload(ds) -> None:
    """The overview's map with its labels (admin and features) is at most 10% larger than without."""
    spec = mapspec.build(ds, ds.measures, "overview", "zh")
    without = len(maps.map_payload(maps.draw(ds, spec, labelled=False)).encode())
    fmap = maps.draw(ds, spec)
    assert len(maps.map_labels(ds, spec)) > 30
    with_labels = len(maps.map_payload(fmap).encode())
    assert with_labels - without < 0.10 * without, (without, with_labels)


def test_a_county_wider_than_the_map_is_named_in_any_window_inside_it(ds, admin) -> None:
    """At zoom 11 the map of a 1400 px page is ~0.45° × 0.3°: in every such window (0.05° steps) that a
    Fujian county fills the most of, one of its anchors lies inside, 0.02° (~28 px, half a name) clear of
    the edges; the further anchors appear only from COUNTY_ANCHOR_ZOOM, after every other label."""
    _, by_key = admin
    admin_rows = ds.geo.admin
    counties = admin_rows[(admin_rows["level"] == "county") & admin_rows.index.str.startswith("35")
                          & ~admin_rows.index.isin(list(vocab.FUJIAN_UNITS))]
    anchors: dict[str, list[Label]] = {}
    for lab in by_key.values():
        anchors.setdefault(lab.name_of, []).append(lab)
    further = [lab for lab in by_key.values() if lab.group]
    assert {lab.min_zoom for lab in further} == {labels.COUNTY_ANCHOR_ZOOM}
    assert all(lab.priority < labels.PRIORITY_COUNTY for lab in further)
    assert len(anchors["350121"]) >= 4  # 闽侯县
    windows, missed = 0, []
    for code, geom in counties.geometry.items():
        minx, miny, maxx, maxy = geom.bounds
        for x in np.arange(minx, maxx - 0.45, 0.05):
            for y in np.arange(miny, maxy - 0.3, 0.05):
                window = shapely.box(x, y, x + 0.45, y + 0.3)
                if geom.intersection(window).area < 0.6 * window.area:
                    continue  # mostly another county's or the sea
                windows += 1
                inner = window.buffer(-0.02)
                if not any(inner.contains(shapely.Point(lab.lon, lab.lat)) for lab in anchors[code]):
                    missed.append((code, round(x, 2), round(y, 2)))
    assert windows > 500 and missed == []


def test_one_anchor_of_a_name_is_placed() -> None:
    """Two anchors of one name, both free to show: the first placed wins, the other is dropped."""
    first = Label("c", "闽侯县", 0.0, 0.0, 30, 0, 19, "county")
    other = Label("c~0", "闽侯县", 10.0, 10.0, 29, 0, 19, "county", group="c")
    alone = Label("d", "长乐区", 20.0, 20.0, 30, 0, 19, "county")
    placed = labels.place([other, first, alone], lambda lon, lat: (lon * 10, lat * 10), lambda lab: (20, 10))
    assert [lab.key for lab in placed] == ["c", "d"]
    rows = LabelLayer([first, other, alone]).rows()
    assert [r[0] for r in rows] == ["c", "d"] and rows[0][10:] == [0, [10.0, 10.0]]
