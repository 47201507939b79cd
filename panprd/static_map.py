"""A static PNG of the current filtered view, for slides: title, legend, the 示意图 notice and the
南海诸岛 inset, drawn with matplotlib (Agg, no pyplot: safe off the main thread) and a CJK font.

The territory rules are the interactive maps' (panprd.maps): the same display geometries and colours;
Taiwan is one of the provinces, in the same grey as the other provinces; the inset in the lower right
corner is drawn from our own polygons (Hainan's include the South China Sea islands) and the maritime
boundary line of the boundary data.
"""

from __future__ import annotations

import functools
import io
import shutil
import subprocess
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
import shapely
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from panprd import maps, vocab
from panprd.data import Dataset
from panprd.i18n import t

matplotlib.use("Agg")  # no display on a server; Figure + FigureCanvasAgg below never touch pyplot anyway

WIDTH_IN, HEIGHT_IN, DPI = 16.0, 9.0, 120  # 1920 × 1080, a 16:9 slide
NOTICE_COLOUR = "#b71c1c"
INSET_WINDOW = (105.0, 2.5, 125.0, 25.0)  # lon/lat window of the 南海诸岛 inset (as in the interactive map)
CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN", "Noto Sans SC", "WenQuanYi Zen Hei",
                "WenQuanYi Micro Hei", "Microsoft YaHei", "SimHei", "PingFang SC", "Droid Sans Fallback")
POINT_KINDS_MARKER = "o"


@dataclass(frozen=True)
class Font:
    family: str
    path: str


@dataclass
class StaticMap:
    """The PNG and what went into it (for the page's messages and for tests)."""

    png: bytes
    width: int
    height: int
    seconds: float
    font: Font | None
    texts: list[str] = field(default_factory=list)  # every label drawn: title, notice, legend, inset
    message: str | None = None  # set when no CJK font was found


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


def _extent(ds: Dataset, features: gpd.GeoDataFrame, layer: str | None) -> tuple[float, float, float, float]:
    """The interactive map's window (Fujian with the visible features, the 9+2 on the overview),
    padded and widened to the 16:9 frame in a lat-corrected projection."""
    geoms = [ds.geo.admin.at[vocab.FUJIAN_CODE, "geometry"], *features.geometry]
    if layer is None:
        geoms += list(ds.geo.admin.loc[[p for p in vocab.PARTNERS if p in ds.geo.admin.index]].geometry)
    box = shapely.union_all([shapely.envelope(g) for g in geoms]).intersection(shapely.box(*maps.MAIN_WINDOW))
    minx, miny, maxx, maxy = box.bounds
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
    for line in maps._lines(geom):
        xy = np.asarray(line.coords)
        kwargs = {"dashes": dashes} if dashes else {}
        ax.plot(xy[:, 0], xy[:, 1], color=colour, linewidth=linewidth, zorder=zorder, solid_capstyle="round",
                **kwargs)


def _dashes(dash: str | None) -> tuple[float, ...] | None:
    return tuple(float(v) / 2 for v in dash.split()) if dash else None


def _unit_colours(measures: pd.DataFrame, choropleth: bool) -> tuple[dict[str, str], list[int]]:
    counts = maps.unit_counts(measures)
    breaks = maps.class_breaks(list(counts.values())) if choropleth else []
    colours = {code: (maps._class_colour(counts[code], breaks) if choropleth else maps.FUJIAN_COLOUR)
               for code in vocab.FUJIAN_UNITS}
    return colours, breaks


def render(ds: Dataset, measures: pd.DataFrame, layer: str | None, lang: str, title: str,
           subtitle: str = "") -> StaticMap:
    """Draw the filtered view: the basemap, the features of `layer` (all layers when None, with
    Fujian's units shaded by their number of actions, as on the overview), title, legend, notice, inset."""
    started = time.perf_counter()
    font = cjk_font()
    message = None
    if font is None:
        message = ("No CJK font found (install fonts-noto-cjk); the map's labels are in English and Chinese "
                   "characters in the title may not show.")
        lang = "en"
    props = font_manager.FontProperties(family=font.family) if font else font_manager.FontProperties()
    bold = props.copy()
    bold.set_weight("bold")
    texts: list[str] = []
    choropleth = layer is None

    basemap, display = maps.display_geometries(ds.geo)
    admin = ds.geo.admin
    features = maps.visible_features(ds, measures, layer)
    partners = {p for ps in features["partners"] for p in ps}
    provinces = admin[(admin["level"] == "province") & (admin["id"] != vocab.FUJIAN_CODE)].index
    units = list(vocab.FUJIAN_UNITS)
    unit_fill, breaks = _unit_colours(measures, choropleth)

    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_facecolor(maps.SEA_COLOUR)
    minx, miny, maxx, maxy = _extent(ds, features, layer)
    ax.set_xlim(minx, maxx)
    ax.set_ylim(miny, maxy)
    ax.set_aspect(1 / np.cos(np.radians((miny + maxy) / 2)), adjustable="datalim")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # missing glyphs when no CJK font: said in `message`
        # Provinces (Taiwan among them, in the same grey), partners tinted; Fujian's units on top.
        province_fill = [maps.PARTNER_COLOUR if code in partners else maps.LAND_COLOUR for code in provinces]
        _fill(ax, basemap[provinces], province_fill, "#9e9e9e", 0.6, 1)
        _fill(ax, basemap[units], [unit_fill[u] for u in units], "#8d6e63", 0.9, 2)
        _lines(ax, ds.geo.maritime.geometry.union_all(), "#5c6bc0", 1.2, 3, (6, 4))
        view = shapely.box(minx, miny, maxx, maxy)
        for code in [*provinces, *units]:
            geom = basemap[code]
            if geom.is_empty or not geom.intersects(view) or code in ("810000", "820000"):
                continue  # Hong Kong and Macao are too small to carry a label at this scale
            point = geom.intersection(view).representative_point()
            if code in vocab.FUJIAN_UNITS:
                name = vocab.FUJIAN_UNITS[code].label(lang)
                if code == vocab.PINGTAN_CODE:
                    name = "平潭" if lang == "zh" else name
                elif lang == "zh":
                    name = name.removesuffix("市")
                size, colour = 11, "#4e342e"
            else:
                name = str(admin.at[code, "name_zh" if lang == "zh" else "name_en"])
                for suffix in ("特别行政区", "壮族自治区", "省"):
                    name = name.removesuffix(suffix)
                size, colour = 12, "#616161"
            ax.text(point.x, point.y, name, fontproperties=props, fontsize=size, color=colour, ha="center",
                    va="center", zorder=6, clip_on=True)
        # The features, styled by kind as on the interactive maps.
        kinds_drawn: list[str] = []
        for fid, row in features.iterrows():
            colour, weight, dash = maps.KIND_STYLES.get(row["kind"], ("#424242", 2, None))
            geom = display.get(fid, row.geometry)
            kind = geom.geom_type
            if kind in ("Polygon", "MultiPolygon"):
                _fill(ax, [geom], colour, "none", 0, 4, alpha=0.22)
                _fill(ax, [geom], "none", colour, 1.8, 4, linestyle="--" if dash else "-")
            elif kind in ("LineString", "MultiLineString"):
                _lines(ax, geom, colour, weight * 0.9 + 0.8, 5, _dashes(dash))
            elif kind in ("Point", "MultiPoint"):
                pts = [geom] if kind == "Point" else list(geom.geoms)
                ax.scatter([p.x for p in pts], [p.y for p in pts], s=90, color=colour, edgecolors="white",
                           linewidths=1.5, zorder=7)
            if row["kind"] not in kinds_drawn:
                kinds_drawn.append(row["kind"])

        # Title (and subtitle) in the top left corner, the 示意图 notice under it.
        title_box = {"boxstyle": "round,pad=0.45", "facecolor": "white", "edgecolor": "#bdbdbd", "alpha": 0.94}
        fig.text(0.015, 0.975, title, fontproperties=bold, fontsize=24, va="top", ha="left", color="#212121",
                 bbox=title_box, zorder=10)
        texts.append(title)
        if subtitle:
            fig.text(0.017, 0.895, subtitle, fontproperties=props, fontsize=14, va="top", ha="left",
                     color="#424242", bbox={**title_box, "pad": 0.3}, zorder=10)
            texts.append(subtitle)
        notice = t("schematic_notice", lang)
        fig.text(0.985, 0.975, notice, fontproperties=bold, fontsize=16, va="top", ha="right", color=NOTICE_COLOUR,
                 bbox={"boxstyle": "round,pad=0.4", "facecolor": "white", "edgecolor": NOTICE_COLOUR,
                       "linewidth": 1.5}, zorder=10)
        texts.append(notice)

        # Legend: the kinds drawn, then the basemap colours (or the choropleth classes).
        handles = []
        for kind in [k for k in maps.KIND_STYLES if k in kinds_drawn]:
            colour, weight, dash = maps.KIND_STYLES[kind]
            label = vocab.FEATURE_KINDS[kind].label(lang)
            geom_types = set(features[features["kind"] == kind].geometry.geom_type)
            if geom_types & {"LineString", "MultiLineString"}:
                handles.append(Line2D([], [], color=colour, linewidth=weight * 0.9 + 0.8, label=label,
                                      **({"dashes": _dashes(dash)} if dash else {})))
            elif geom_types <= {"Point", "MultiPoint"}:
                handles.append(Line2D([], [], marker="o", linestyle="none", markersize=10, color=colour,
                                      markeredgecolor="white", label=label))
            else:
                handles.append(Patch(facecolor=colour + "38", edgecolor=colour, label=label))
            texts.append(label)
        if choropleth:
            lower = 1
            handles.append(Patch(facecolor=maps.CHOROPLETH_COLOURS[0], edgecolor="#8d6e63",
                                 label=f"{t('legend_choropleth', lang)}: 0"))
            for colour, upper in zip(maps.CHOROPLETH_COLOURS[1:], breaks):
                label = f"{lower}" if lower == upper else f"{lower}–{upper}"
                handles.append(Patch(facecolor=colour, edgecolor="#8d6e63", label=label))
                lower = upper + 1
            texts.append(t("legend_choropleth", lang))
        else:
            handles.append(Patch(facecolor=maps.FUJIAN_COLOUR, edgecolor="#8d6e63", label=t("legend_fujian", lang)))
            texts.append(t("legend_fujian", lang))
        for key, colour in (("legend_partner", maps.PARTNER_COLOUR), ("legend_province", maps.LAND_COLOUR)):
            handles.append(Patch(facecolor=colour, edgecolor="#9e9e9e", label=t(key, lang)))
            texts.append(t(key, lang))
        handles.append(Line2D([], [], color="#5c6bc0", linewidth=1.2, dashes=(6, 4), label=t("png_maritime", lang)))
        texts.append(t("png_maritime", lang))
        legend = ax.legend(handles=handles, loc="lower left", prop=props.copy(), fontsize=13, framealpha=0.94,
                           title=t("legend", lang), title_fontproperties=bold, borderpad=0.8,
                           bbox_to_anchor=(0.008, 0.045))
        legend.get_title().set_fontsize(14)
        for text in legend.get_texts():
            text.set_fontsize(13)
        legend.set_zorder(10)
        texts.append(t("legend", lang))
        credit = t("png_credit", lang)
        fig.text(0.012, 0.012, credit, fontproperties=props, fontsize=10, color="#616161", ha="left", va="bottom",
                 zorder=10)
        texts.append(credit)

        # The 南海诸岛 inset in the lower right corner.
        inset = fig.add_axes((0.862, 0.035, 0.125, 0.3))
        inset.set_facecolor(maps.SEA_COLOUR)
        x0, y0, x1, y1 = INSET_WINDOW
        clip = shapely.box(*INSET_WINDOW)
        land = [g for g in shapely.intersection(basemap.values, clip) if not g.is_empty]
        _fill(inset, land, maps.LAND_COLOUR, "#9e9e9e", 0.4, 1)
        _lines(inset, ds.geo.maritime.geometry.union_all().intersection(clip), "#5c6bc0", 0.9, 2, (3, 2))
        inset.set_xlim(x0, x1)
        inset.set_ylim(y0, y1)
        inset.set_aspect(1 / np.cos(np.radians((y0 + y1) / 2)), adjustable="box")
        inset.set_xticks([])
        inset.set_yticks([])
        for spine in inset.spines.values():
            spine.set_edgecolor("#607d8b")
            spine.set_linewidth(1.2)
        inset_title = t("inset_title", lang)
        inset.text(0.5, 0.03, inset_title, transform=inset.transAxes, ha="center", va="bottom", fontproperties=props,
                   fontsize=12, color="#212121", bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8,
                                                       "pad": 1.5})
        texts.append(inset_title)

        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    png = buffer.getvalue()
    width, height = int(WIDTH_IN * DPI), int(HEIGHT_IN * DPI)
    return StaticMap(png, width, height, time.perf_counter() - started, font, texts, message)


def render_png(ds: Dataset, measures: pd.DataFrame, layer: str | None, lang: str, title: str) -> bytes:
    """The PNG bytes of the filtered view (1920 × 1080)."""
    return render(ds, measures, layer, lang, title).png
