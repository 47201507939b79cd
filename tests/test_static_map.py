"""The PNG map image for slides: a real image, quick, with its title, legend, notice and inset."""

from __future__ import annotations

import io

import numpy as np
import pytest
import shapely
from PIL import Image

from panprd import filters
from panprd.i18n import t
from panprd.map import png as static_map
from panprd.map import spec as mapspec

NOTICE_RGB = (0xB7, 0x1C, 0x1C)


@pytest.fixture(scope="module")
def ecology_gd(ds):
    return filters.apply(ds.measures, filters.Filters(theme=("ecology",), partner=("440000",)))


@pytest.fixture(scope="module")
def rendered(ds, ecology_gd) -> static_map.StaticMap:
    static_map.render(ds, ecology_gd, "overview", "zh", "warm-up")  # fonts and display geometries, once
    return static_map.render(ds, ecology_gd, "overview", "zh", "生态文明建设 · 广东", "6 项措施")


def pixels(png: bytes) -> np.ndarray:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return np.asarray(image.convert("RGB"))


def near(rgb: np.ndarray, colour: tuple[int, int, int], tolerance: int = 12) -> np.ndarray:
    return (np.abs(rgb.astype(int) - np.array(colour)) <= tolerance).all(axis=-1)


def hex_rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def test_png_decodes_at_slide_size_and_is_not_blank(rendered):
    rgb = pixels(rendered.png)
    assert rgb.shape == (1080, 1920, 3) == (rendered.height, rendered.width, 3)
    assert len(np.unique(rgb.reshape(-1, 3), axis=0)) > 50
    assert near(rgb, hex_rgb(mapspec.SEA_COLOUR), 3).mean() > 0.1  # the sea
    provinces = near(rgb, hex_rgb(mapspec.LAND_COLOUR), 3) | near(rgb, hex_rgb(mapspec.MEMBER_COLOUR), 3)
    assert provinces.mean() > 0.05  # the other provinces: 9+2 members, and outside it Zhejiang and Taiwan
    assert near(rgb, hex_rgb(mapspec.PARTNER_COLOUR), 3).mean() > 0.01  # Guangdong, named by the filter


def test_png_carries_title_notice_legend_and_inset(rendered):
    assert rendered.font is not None and "CJK" in rendered.font.family
    assert rendered.message is None
    for text in ("生态文明建设 · 广东", "6 项措施", t("schematic_notice", "zh"), t("inset_title", "zh"),
                 t("legend", "zh"), "流域", t("legend_partner", "zh"), t("legend_province", "zh")):
        assert text in rendered.texts, text
    rgb = pixels(rendered.png)
    red = near(rgb, NOTICE_RGB, 20)
    top_right = red[:120, 1300:]
    assert top_right.sum() > 500  # the red 示意图 notice (text and frame) in the top right corner
    assert red[200:, :].sum() < top_right.sum()  # and not spread over the map


def test_taiwan_is_drawn_in_the_same_grey_as_other_provinces(ds):
    """Render the corridors layer (Taiwan in the window) and check a point inside Taiwan is province grey."""
    result = static_map.render(ds, ds.measures, "corridors", "en", "Corridors")
    rgb = pixels(result.png)
    minx, miny, maxx, maxy = static_map.extent(mapspec.build(ds, ds.measures, "corridors", "en"))
    point = ds.geo.admin.at["710000", "geometry"].representative_point()
    col = int((point.x - minx) / (maxx - minx) * result.width)
    row = int((maxy - point.y) / (maxy - miny) * result.height)
    assert 0 <= col < result.width and 0 <= row < result.height
    patch = rgb[row - 3:row + 4, col - 3:col + 4]
    assert near(patch, hex_rgb(mapspec.LAND_COLOUR), 6).mean() > 0.5
    assert t("schematic_notice", "en") in result.texts and "South China Sea Islands" in result.texts


def test_every_action_renders_and_the_render_time_is_recorded(ds, rendered):
    """How fast is measured by bench/run.py, not asserted here (the machines are shared and noisy)."""
    png = static_map.render_png(ds, ds.measures, "overview", "zh", "全部措施")
    assert png.startswith(b"\x89PNG") and rendered.seconds > 0


def test_empty_selection_still_renders_the_basemap(ds):
    nothing = ds.measures.iloc[0:0]
    rgb = pixels(static_map.render_png(ds, nothing, "ecology", "zh", "无"))
    assert near(rgb, hex_rgb(mapspec.FUJIAN_COLOUR), 3).mean() > 0.01


def test_without_a_cjk_font_the_labels_fall_back_to_english(ds, ecology_gd, monkeypatch):
    monkeypatch.setattr(static_map, "cjk_font", lambda: None)
    result = static_map.render(ds, ecology_gd, "overview", "zh", "Ecology")
    assert result.font is None and "fonts-noto-cjk" in result.message
    assert t("schematic_notice", "en") in result.texts and t("inset_title", "en") in result.texts
    assert pixels(result.png).shape == (1080, 1920, 3)


def test_a_close_up_is_drawn_from_the_finer_level_with_its_districts_named(ds):
    """?feature=350200's PNG (issue 20): the land the basemap's ~2 km outline misses (鼓浪屿, the coves) is
    land in the picture, and the districts carry their names; the
    overview's PNG names none."""
    from panprd.map import levels

    result = static_map.render(ds, ds.measures.iloc[:0], "overview", "zh", "厦门", focus="350200")  # no features
    ax = result.figure.axes[0]
    level = static_map.level_drawn(ds, ax)
    assert level is not None and level.min_zoom >= levels.COUNTY_ZOOM
    fine = levels.unit_shapes(ds.geo, level)["350200"].outline
    coarse_land = shapely.union_all(mapspec.display_geometries(ds.geo)[0].values)
    missed = [p for p in getattr(fine.difference(coarse_land), "geoms", []) if p.area > 4e-6]  # > ~200 m square
    assert len(missed) >= 5
    rgb = pixels(result.png)
    height = rgb.shape[0]
    sea = hex_rgb(mapspec.SEA_COLOUR)
    on_land = 0
    for part in missed:
        point = part.representative_point()
        x, y = ax.transData.transform((point.x, point.y))
        on_land += not near(rgb[height - 1 - round(y), round(x)], sea, 6).item()
    assert on_land >= 0.8 * len(missed), (on_land, len(missed))
    districts = {"思明区", "湖里区", "集美区", "海沧区", "同安区", "翔安区"}
    assert len(districts & set(result.texts)) >= 5, result.texts
    overview = static_map.render(ds, ds.measures, "overview", "zh", "总览")
    assert not districts & set(overview.texts)
