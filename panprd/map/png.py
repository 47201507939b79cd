"""A static PNG of the current filtered view, for slides: title, legend, the 示意图 notice and the
南海诸岛 inset, drawn with matplotlib (Agg, no pyplot: safe off the main thread) and a CJK font.

It draws the same map spec as the interactive map (panprd.map.spec): the same window, display
geometries, colours and legend entries; Taiwan is one of the provinces, in the same grey as the other
provinces; the inset in the lower right corner is drawn from our own polygons (Hainan's include the
South China Sea islands) and the maritime boundary line of the boundary data.
"""

from __future__ import annotations

import functools
import io
import shutil
import subprocess
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import shapely
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Text

from panprd import ledger_view
from panprd.data import Dataset
from panprd.i18n import t
from panprd.map import files as mapdata
from panprd.map import labels, levels
from panprd.map import leaflet as maps
from panprd.map import spec as mapspec
from panprd.map import text as maptext
from panprd.map.spec import MapSpec

matplotlib.use("Agg")  # no display on a server; Figure + FigureCanvasAgg below never touch pyplot anyway

WIDTH_IN, HEIGHT_IN, DPI = 16.0, 9.0, 120  # 1920 × 1080, a 16:9 slide
NOTICE_COLOUR = "#b71c1c"
CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN", "Noto Sans SC", "WenQuanYi Zen Hei",
                "WenQuanYi Micro Hei", "Microsoft YaHei", "SimHei", "PingFang SC", "Droid Sans Fallback")
TEXT_SCALE = 1.3  # the PNG's type is larger than the screen's, so it reads as one zoom level out
SCALE_BAR_ANCHOR = (0.20, 0.03)  # right of the legend (lower left), left of the inset (lower right)
TITLE_BOX = {"boxstyle": "round,pad=0.45", "facecolor": "white", "edgecolor": "#bdbdbd", "alpha": 0.94}


@dataclass(frozen=True)
class Font:
    family: str
    path: str


@dataclass
class StaticMap:
    """The PNG and the figure it was drawn from (for the page's messages and for tests)."""

    png: bytes
    width: int
    height: int
    seconds: float
    font: Font | None
    figure: Figure
    message: str | None = None  # set when no CJK font was found

    @property
    def texts(self) -> list[str]:
        """Every text the figure holds: read from what was drawn, not from a list kept beside it."""
        return [a.get_text() for a in self.figure.findobj(Text) if a.get_text()]


@functools.lru_cache(maxsize=1)
def cjk_font() -> Font | None:
    """A font with Chinese glyphs: fontconfig's match for Noto Sans CJK SC, else a known family
    matplotlib already knows. Registered with matplotlib; None when there is none."""
    candidates: list[tuple[str, str]] = []
    if shutil.which("fc-match"):
        for family in CJK_FAMILIES[:3]:
            try:
                out = subprocess.run(["fc-match", "-f", "%{family}|%{file}", family], capture_output=True,
                                     text=True, timeout=5, check=False).stdout
            except (OSError, subprocess.SubprocessError):
                break
            found_family, _, path = out.partition("|")
            names = [n.strip() for n in found_family.split(",")]
            match = next((f for f in CJK_FAMILIES if f in names), None)
            if match and path and Path(path).exists():
                candidates.append((match, path))
                break
    for family, path in candidates:
        try:
            if family not in {f.name for f in font_manager.fontManager.ttflist}:
                font_manager.fontManager.addfont(path)
        except (OSError, RuntimeError, ValueError):
            continue
        if family in {f.name for f in font_manager.fontManager.ttflist}:
            return Font(family, path)
    known = {f.name: f.fname for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in known:
            return Font(family, known[family])
    return None


def extent(spec: MapSpec) -> tuple[float, float, float, float]:
    """The spec's window, padded and widened to the 16:9 frame in a lat-corrected projection."""
    minx, miny, maxx, maxy = spec.window
    padx, pady = (maxx - minx) * 0.06 + 0.3, (maxy - miny) * 0.06 + 0.3
    minx, maxx, miny, maxy = minx - padx, maxx + padx, miny - pady, maxy + pady
    coslat = np.cos(np.radians((miny + maxy) / 2))
    target = WIDTH_IN / HEIGHT_IN  # width / height of the frame, in projected units
    width, height = (maxx - minx) * coslat, maxy - miny
    if width / height < target:
        grow = (height * target / coslat - (maxx - minx)) / 2
        minx, maxx = minx - grow, maxx + grow
    else:
        grow = ((maxx - minx) * coslat / target - height) / 2
        miny, maxy = miny - grow, maxy + grow
    return minx, miny, maxx, maxy


def _path(geom):
    """One compound matplotlib path of a (multi)polygon, holes included; None when it has no area."""
    from matplotlib.path import Path as MplPath

    if geom is None or geom.is_empty:
        return None
    polys = [geom] if geom.geom_type == "Polygon" else [g for g in getattr(geom, "geoms", [])
                                                         if g.geom_type == "Polygon"]
    verts, codes = [], []
    for poly in polys:
        for ring in (poly.exterior, *poly.interiors):
            coords = np.asarray(ring.coords)[:, :2]
            if len(coords) < 4:
                continue
            verts.append(coords)
            codes += [MplPath.MOVETO] + [MplPath.LINETO] * (len(coords) - 2) + [MplPath.CLOSEPOLY]
    return MplPath(np.concatenate(verts), codes) if verts else None


def _fill(ax, geoms, facecolor, edgecolor, linewidth, zorder, alpha=1.0, linestyle="-") -> None:
    """Fill polygon geometries; `facecolor` is one colour or a list, one per geometry."""
    from matplotlib.collections import PathCollection

    colours = facecolor if isinstance(facecolor, list) else [facecolor] * len(list(geoms))
    pairs = [(path, colour) for geom, colour in zip(geoms, colours) if (path := _path(geom)) is not None]
    if not pairs:
        return
    ax.add_collection(PathCollection([p for p, _ in pairs], facecolors=[c for _, c in pairs], edgecolors=edgecolor,
                                     linewidths=linewidth, zorder=zorder, alpha=alpha, linestyles=linestyle))


def _lines(ax, geom, colour, linewidth, zorder, dashes=None) -> None:
    for line in mapdata.lines_of(geom):
        xy = np.asarray(line.coords)
        kwargs = {"dashes": dashes} if dashes else {}
        ax.plot(xy[:, 0], xy[:, 1], color=colour, linewidth=linewidth, zorder=zorder, solid_capstyle="round",
                **kwargs)


def _dashes(dash: str | None) -> tuple[float, ...] | None:
    return tuple(float(v) / 2 for v in dash.split()) if dash else None


def _sea_axes(fig: Figure, rect: tuple[float, ...], box: tuple[float, ...], adjustable: str):
    """Axes of sea colour over a lon/lat box, in a latitude-corrected aspect, without ticks."""
    ax = fig.add_axes(rect)
    ax.set_facecolor(mapspec.SEA_COLOUR)
    minx, miny, maxx, maxy = box
    ax.set_xlim(minx, maxx)
    ax.set_ylim(miny, maxy)
    ax.set_aspect(1 / np.cos(np.radians((miny + maxy) / 2)), adjustable=adjustable)
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def _map_axes(fig: Figure, spec: MapSpec):
    ax = _sea_axes(fig, (0, 0, 1, 1), extent(spec), "datalim")
    for spine in ax.spines.values():
        spine.set_visible(False)
    return ax


def level_drawn(ds: Dataset, ax) -> levels.Level | None:
    """The finer level the interactive map draws at this picture's scale (its pixels per degree), or None:
    a close-up's coast is as fine on the slide as on the screen (issue 20)."""
    ax.apply_aspect()  # the limits the figure will be drawn with
    x0, x1 = ax.get_xlim()
    return levels.at_zoom(ds, levels.zoom_of_width(abs(x1 - x0), ax.get_window_extent().width))


def _draw_basemap(ax, ds: Dataset, spec: MapSpec, level: levels.Level | None) -> None:
    """Provinces (Taiwan among them, in the same grey), partners tinted; Fujian's units on top. In a
    close-up (`level`: level_drawn) the units the finer level holds are drawn from it, with their county
    borders."""
    basemap, _ = mapspec.display_geometries(ds.geo)
    borders = []
    if level is not None:
        finer = levels.unit_shapes(ds.geo, level)
        basemap = basemap.copy()
        for code in basemap.index.intersection(list(finer)):
            basemap[code] = finer[code].outline
        borders = [finer[code].borders for code in spec.unit_fill if code in finer and finer[code].borders]
    _fill(ax, basemap[list(spec.province_fill)], list(spec.province_fill.values()), mapspec.PROVINCE_EDGE, 0.6, 1)
    _fill(ax, basemap[sorted(spec.partners)], "none", mapspec.PARTNER_EDGE, 2.0, 1.5)
    _fill(ax, basemap[list(spec.unit_fill)], list(spec.unit_fill.values()), mapspec.UNIT_EDGE, 0.9, 2)
    for border in borders:
        _lines(ax, border, mapspec.COUNTY_EDGE, 0.6, 2.1)
    _lines(ax, ds.geo.maritime.geometry.union_all(), mapspec.MARITIME_COLOUR, 1.2, 3, (6, 4))


def _draw_labels(ax, ds: Dataset, spec: MapSpec, props, furniture: list, text_scale: float = TEXT_SCALE) -> None:
    """The interactive map's names at the zoom this frame matches, none over another or over the title,
    notice, legend or inset (panprd.map.labels), and a metric scale bar clear of the legend."""
    sizes = {"province": 13, "sar": 11, "city": 12, "county": 10, "island": 11, "feature": 10}
    names = maps.map_labels(ds, spec) + labels.county_labels(ds, spec.lang)  # counties from city zoom
    labels.place_on_axes(ax, names, props, sizes, blocked=furniture, zoom=labels.static_zoom(ax, text_scale=text_scale))
    miny, maxy = ax.get_ylim()
    labels.draw_scale_bar(ax, (miny + maxy) / 2, anchor=SCALE_BAR_ANCHOR, fontproperties=props, fontsize=12)


def _draw_features(ax, ds: Dataset, spec: MapSpec, close_up: bool) -> None:
    """The features, styled by kind as on the interactive maps; in a close-up (a finer level drawn) at the
    geodata's own resolution rather than the display's ~2 km."""
    _, display = mapspec.display_geometries(ds.geo)
    for fid, row in spec.features.iterrows():
        style = spec.style(row["kind"])
        geom = row.geometry if close_up else display.get(fid, row.geometry)
        kind = geom.geom_type
        if kind in ("Polygon", "MultiPolygon"):
            _fill(ax, [geom], style.colour, "none", 0, 4, alpha=0.22)
            _fill(ax, [geom], "none", style.colour, 1.8, 4, linestyle="--" if style.dash else "-")
        elif kind in ("LineString", "MultiLineString"):
            _lines(ax, geom, style.colour, style.weight * 0.9 + 0.8, 5, _dashes(style.dash))
        elif kind in ("Point", "MultiPoint"):
            pts = [geom] if kind == "Point" else list(geom.geoms)
            ax.scatter([p.x for p in pts], [p.y for p in pts], s=90, color=style.colour, edgecolors="white",
                       linewidths=1.5, zorder=7)


# The lights' shapes in matplotlib's markers (ledger_view.LIGHT_SYMBOLS: ●▲■○).
LIGHT_MARKERS: dict[str, str] = {"green": "o", "yellow": "^", "red": "s", "grey": "o"}


def _draw_lights(ax, ds: Dataset, spec: MapSpec) -> None:
    """The traffic lights as on the interactive map: rings inside the Fujian units, dots on the features."""
    if not spec.lights:
        return
    colours = ledger_view.LIGHT_COLOURS
    rings = mapspec.unit_rings(ds.geo)
    for code, lit in spec.unit_lights.items():
        if code in rings.index:
            _lines(ax, rings[code], colours[lit.light], 1.4 if lit.light == "grey" else 2.6, 6)
    _, display = mapspec.display_geometries(ds.geo)
    dots = [(mapspec.light_anchor(display[f]), lit.light) for f, lit in spec.feature_lights.items()
            if f in display.index]
    for light in colours:  # each light its shape; grey (no report) smaller, so the lights that say something stand out
        points = [p for p, k in dots if k == light]
        if points:
            ax.scatter([p.x for p in points], [p.y for p in points], s=20 if light == "grey" else 70,
                       marker=LIGHT_MARKERS[light], color=colours[light], edgecolors="white", linewidths=1.5, zorder=8)


def _draw_headings(fig: Figure, spec: MapSpec, title: str, subtitle: str, props, bold) -> list:
    """Title (and subtitle) in the top left corner, the 示意图 notice in the top right; returns them."""
    drawn = [fig.text(0.015, 0.975, title, fontproperties=bold, fontsize=24, va="top", ha="left", color="#212121",
                      bbox=TITLE_BOX, zorder=10)]
    if subtitle:
        drawn.append(fig.text(0.017, 0.895, subtitle, fontproperties=props, fontsize=14, va="top", ha="left",
                              color="#424242", bbox={**TITLE_BOX, "pad": 0.3}, zorder=10))
    notice_box = {"boxstyle": "round,pad=0.4", "facecolor": "white", "edgecolor": NOTICE_COLOUR, "linewidth": 1.5}
    drawn.append(fig.text(0.985, 0.975, t("schematic_notice", spec.lang), fontproperties=bold, fontsize=16,
                          va="top", ha="right", color=NOTICE_COLOUR, bbox=notice_box, zorder=10))
    credit = t("png_credit", spec.lang).format(boundaries=spec.boundaries)
    drawn.append(fig.text(0.012, 0.012, credit, fontproperties=props, fontsize=10,
                          color="#616161", ha="left", va="bottom", zorder=10))
    return drawn


def _handle(entry: mapspec.LegendEntry):
    label = f"{entry.heading}: {entry.label}" if entry.heading else entry.label
    if entry.shape == "line":
        return Line2D([], [], color=entry.colour, linewidth=entry.weight * 0.9 + 0.8, label=label,
                      **({"dashes": _dashes(entry.dash)} if entry.dash else {}))
    if entry.shape == "point":
        marker = next((LIGHT_MARKERS[k] for k, v in ledger_view.LIGHT_SYMBOLS.items() if v == entry.symbol), "o")
        return Line2D([], [], marker=marker, linestyle="none", markersize=10, color=entry.colour,
                      markeredgecolor="white", label=label)
    if entry.shape == "area":
        return Patch(facecolor=entry.colour + "38", edgecolor=entry.colour, label=label)
    return Patch(facecolor=entry.colour, edgecolor=mapspec.PROVINCE_EDGE, label=label)


def _draw_legend(ax, spec: MapSpec, props, bold):
    legend = ax.legend(handles=[_handle(e) for e in spec.legend], loc="lower left", prop=props.copy(), fontsize=13,
                       framealpha=0.94, title=t("legend", spec.lang), title_fontproperties=bold, borderpad=0.8,
                       bbox_to_anchor=(0.008, 0.045))
    legend.get_title().set_fontsize(14)
    for text in legend.get_texts():
        text.set_fontsize(13)
    legend.set_zorder(10)
    return legend


def _draw_inset(fig: Figure, ds: Dataset, spec: MapSpec, props):
    """The 南海诸岛 inset in the lower right corner."""
    basemap, _ = mapspec.display_geometries(ds.geo)
    inset = _sea_axes(fig, (0.862, 0.035, 0.125, 0.3), mapspec.INSET_WINDOW, "box")
    clip = shapely.box(*mapspec.INSET_WINDOW)
    land = [g for g in shapely.intersection(basemap.values, clip) if not g.is_empty]
    _fill(inset, land, mapspec.LAND_COLOUR, mapspec.PROVINCE_EDGE, 0.4, 1)
    _lines(inset, ds.geo.maritime.geometry.union_all().intersection(clip), mapspec.MARITIME_COLOUR, 0.9, 2, (3, 2))
    for spine in inset.spines.values():
        spine.set_edgecolor("#607d8b")
        spine.set_linewidth(1.2)
    inset.text(0.5, 0.03, t("inset_title", spec.lang), transform=inset.transAxes, ha="center", va="bottom",
               fontproperties=props, fontsize=12, color="#212121",
               bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1.5})
    return inset


def render(ds: Dataset, measures: pd.DataFrame, page: str, lang: str, title: str, subtitle: str = "",
           show_lights: bool | None = None, *, width_in: float = WIDTH_IN, filters_text: str = "",
           focus: str | None = None) -> StaticMap:
    """Draw one page's map spec for the filtered rows: basemap, features, names, title, legend, notice, inset;
    the traffic lights as mapspec.build decides (`show_lights`: as on the page's map). The file's Title and
    Description (PNG text chunks) are the title and the map in words (panprd.map.text), its alt text.

    Always 1920 × 1080 pixels; `width_in` is the width the picture will have on a slide (the meeting deck
    places it beside a table), so its type is set in the slide's points and stays readable there. `focus`
    (a view's ?feature=) fits the window to that feature or unit, as the page's map does: a close-up is
    drawn from the finer level its scale calls for, with the county borders."""
    started = time.perf_counter()
    font = cjk_font()
    message = None
    if font is None:
        message = ("No CJK font found (install fonts-noto-cjk); the map's labels are in English and Chinese "
                   "characters in the title may not show.")
        lang = "en"
    spec = mapspec.build(ds, measures, page, lang, focus=focus, show_lights=show_lights)
    props = font_manager.FontProperties(family=font.family) if font else font_manager.FontProperties()
    bold = props.copy()
    bold.set_weight("bold")
    dpi = WIDTH_IN * DPI / width_in
    fig = Figure(figsize=(width_in, width_in * HEIGHT_IN / WIDTH_IN), dpi=dpi, facecolor="white")
    FigureCanvasAgg(fig)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # missing glyphs when no CJK font: said in `message`
        ax = _map_axes(fig, spec)
        level = level_drawn(ds, ax)
        _draw_basemap(ax, ds, spec, level)
        _draw_features(ax, ds, spec, level is not None)
        _draw_lights(ax, ds, spec)
        furniture = _draw_headings(fig, spec, title, subtitle, props, bold)
        furniture += [_draw_legend(ax, spec, props, bold), _draw_inset(fig, ds, spec, props)]
        _draw_labels(ax, ds, spec, props, furniture, TEXT_SCALE * WIDTH_IN / width_in)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi, facecolor="white",
                    metadata={"Title": title, "Description": maptext.summary(spec, filters_text)})
    width, height = int(WIDTH_IN * DPI), int(HEIGHT_IN * DPI)
    return StaticMap(buffer.getvalue(), width, height, time.perf_counter() - started, font, fig, message)


def render_png(ds: Dataset, measures: pd.DataFrame, page: str, lang: str, title: str) -> bytes:
    """The PNG bytes of the filtered view (1920 × 1080)."""
    return render(ds, measures, page, lang, title).png
