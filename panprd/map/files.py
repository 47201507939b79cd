"""The map's static files: every shape the maps draw, and the script that draws a view from them.

A map page's iframe loads two files from the app's own static folder (`/app/static/mapdata/`), named by a
hash of their content, so that a browser that has them (a second visit, another page, a filter change)
does not fetch them again, and a new data version can never be answered with an old file:

- `shapes-<hash>.js`: `window.ppShapes`, every display geometry by key: `a:<code>` provinces and Fujian's
  units as the basemap draws them, `m:<n>` the maritime line, `r:<code>` the lights' rings inside each unit,
  `f:<id>` the features; and `window.ppInset`, the 南海诸岛 inset (inline SVG, drawn once) with its title in
  each language. Written once per data version.
- `ppmap-<hash>.js`: `ppView(map, view)` (panprd/map/ppmap.js), with the label layer's script
  (panprd.map.label_layer) and the unpacker's scale filled in.
- `level-<n>-<unit>-<hash>.js`: one unit's outline at a finer level (panprd.map.levels), and from
  COUNTY_ZOOM its county borders, for the browser to fetch when the reader zooms into it: one file per
  level and unit (a city, Pingtan, a neighbouring province's part near Fujian, Taiwan), so a close-up of
  Xiamen fetches Xiamen.
- `levels-<hash>.js`: the list of those files (level, zoom, unit, URL, the grid cells it covers) and the
  counties' names in each language, fetched the first time the reader zooms to the first level; the
  shapes file names it (`window.ppLevels`), so a first visit at region zoom carries neither.

Coordinates travel packed: each ring or line as one flat list of integer steps of 10^-COORD_DECIMALS
degrees from the previous position (the display geometries already lie on that grid).
"""

from __future__ import annotations

import functools
import hashlib
import html
import math
import threading
from dataclasses import dataclass
from pathlib import Path

import shapely

from panprd.assets import STATIC_DIR, atomic_write
from panprd.data import Dataset
from panprd.filters import LANGS
from panprd.i18n import t
from panprd.map import labels
from panprd.map import levels as maplevels
from panprd.map import spec as mapspec
from panprd.map.label_layer import COLLISION_PAD_PX, LABEL_CSS, LABEL_JS, LabelLayer, script_json

SCALE = 10 ** mapspec.COORD_DECIMALS
LEVEL_SCALE = 10 ** 5  # the levels' coordinates are rounded to 5 decimals (about 1 m)
CELL_DEG = 0.5  # a level file is fetched when one of the cells of this size it touches is in view
SUBDIR = "mapdata"
RENDERER_SOURCE = Path(__file__).with_name("ppmap.js")


def _steps(positions, scale: int) -> list[int]:
    out: list[int] = []
    last_x = last_y = 0
    for x, y, *_ in positions:
        ix, iy = round(x * scale), round(y * scale)
        out += (ix - last_x, iy - last_y)
        last_x, last_y = ix, iy
    return out


def packed(geom: shapely.Geometry, scale: int = SCALE) -> list:
    """A geometry as [type, packed coordinates], what ppmap.js unpacks (`scale`: steps per degree)."""
    mapping = shapely.geometry.mapping(geom)
    kind, coords = mapping["type"], mapping["coordinates"]
    if kind == "Point":
        return [kind, [round(coords[0] * scale), round(coords[1] * scale)]]
    if kind in ("MultiPoint", "LineString"):
        return [kind, _steps(coords, scale)]
    if kind in ("MultiLineString", "Polygon"):
        return [kind, [_steps(line, scale) for line in coords]]
    if kind == "MultiPolygon":
        return [kind, [[_steps(ring, scale) for ring in polygon] for polygon in coords]]
    raise ValueError(f"cannot pack a {kind} geometry")


def _positions(steps: list[int], scale: int) -> list[tuple[float, float]]:
    out, x, y = [], 0, 0
    for i in range(0, len(steps), 2):
        x, y = x + steps[i], y + steps[i + 1]
        out.append((x / scale, y / scale))
    return out


def unpacked(shape: list, scale: int = SCALE) -> shapely.Geometry:
    """A packed geometry back as a shapely one, as the browser reads it (for tests)."""
    kind, coords = shape
    if kind == "Point":
        mapping: dict = {"type": kind, "coordinates": (coords[0] / scale, coords[1] / scale)}
    elif kind in ("MultiPoint", "LineString"):
        mapping = {"type": kind, "coordinates": _positions(coords, scale)}
    elif kind in ("MultiLineString", "Polygon"):
        mapping = {"type": kind, "coordinates": [_positions(line, scale) for line in coords]}
    else:
        mapping = {"type": kind, "coordinates": [[_positions(ring, scale) for ring in poly] for poly in coords]}
    return shapely.geometry.shape(mapping)


def admin_key(code: str) -> str:
    return f"a:{code}"


def maritime_key(n: int) -> str:
    return f"m:{n}"


def ring_key(code: str) -> str:
    return f"r:{code}"


def feature_key(fid: str) -> str:
    return f"f:{fid}"


def shapes(ds: Dataset) -> dict[str, list]:
    """Every shape a map may draw by reference, packed, by key."""
    basemap, display = mapspec.display_geometries(ds.geo)
    out = {admin_key(code): packed(geom) for code, geom in basemap.items() if not geom.is_empty}
    out.update({maritime_key(n): packed(geom) for n, geom in enumerate(ds.geo.maritime.geometry)})
    out.update({ring_key(code): packed(geom) for code, geom in mapspec.unit_rings(ds.geo).items()
                if not geom.is_empty})
    out.update({feature_key(fid): packed(geom) for fid, geom in display.items()
                if geom is not None and not geom.is_empty})
    return out


def shapes_js(ds: Dataset, levels_url: str | None = None) -> str:
    """The shapes, the 南海诸岛 inset with its title in each language (ppView puts it on the map once), and
    where the finer levels' list is (`levels_url`, beside this file) with the zoom it is wanted from."""
    inset = {"html": _inset(ds.geo, *INSET_SIZE), "titles": {lang: _inset_title(lang) for lang in LANGS}}
    first = maplevels.of(ds)[:1]
    levels = {"list": levels_url, "from": first[0].min_zoom,
              "failed": {lang: t("level_failed", lang) for lang in LANGS}} if levels_url and first else {}
    return (f"window.ppShapes={script_json(shapes(ds))};\nwindow.ppInset={script_json(inset)};\n"
            f"window.ppLevels={script_json(levels)};\n")


def levels_js(ds: Dataset, urls: dict[tuple[str, str], str]) -> str:
    """The levels' list (levels_manifest) and the counties' names as label rows in each language:
    `window.ppLevelList(...)`, what ppmap.js asks for at the first level's zoom."""
    counties = {lang: LabelLayer(labels.county_labels(ds, lang)).rows() for lang in LANGS}
    body = {**levels_manifest(ds, urls), "counties": counties, "borderColour": mapspec.COUNTY_EDGE}
    return f"window.ppLevelList({script_json(body)});\n"


@dataclass(frozen=True)
class LevelFile:
    """One unit at one level, as the browser fetches it: its text and the grid cells (CELL_DEG, numbered
    from 0°, 0°) its outline touches; a box would fetch Jiangxi for a view of Xiamen."""

    level: str
    unit: str
    text: str
    cells: tuple[tuple[int, int], ...]


def level_files(ds: Dataset) -> tuple[LevelFile, ...]:
    """Each level's units (panprd.map.levels.unit_shapes) as the files the browser fetches."""
    return _level_files(ds.geo, maplevels.of(ds))


@functools.lru_cache(maxsize=4)
def _level_files(geo, levels: tuple[maplevels.Level, ...]) -> tuple[LevelFile, ...]:
    out = []
    for level in levels:
        for unit, shape in maplevels.unit_shapes(geo, level).items():
            payload = {"level": level.name, "unit": unit, "scale": LEVEL_SCALE,
                       "outline": packed(shape.outline, LEVEL_SCALE),
                       "borders": packed(shape.borders, LEVEL_SCALE) if shape.borders is not None else None}
            out.append(LevelFile(level.name, unit, f"window.ppLevelLoaded({script_json(payload)});\n",
                                 _cells(shape.outline)))
    return tuple(out)


def _cells(geom: shapely.Geometry) -> tuple[tuple[int, int], ...]:
    shapely.prepare(geom)
    x0, y0, x1, y1 = (math.floor(v / CELL_DEG) for v in geom.bounds)
    return tuple((x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)
                 if geom.intersects(shapely.box(x * CELL_DEG, y * CELL_DEG, (x + 1) * CELL_DEG, (y + 1) * CELL_DEG)))


def levels_manifest(ds: Dataset, urls: dict[tuple[str, str], str]) -> dict:
    """{cell, levels: [{name, minZoom, borders, files: [[unit, url, [x, y, x, y, ...]]]}]}, coarsest first."""
    files = level_files(ds)
    return {"cell": CELL_DEG, "levels": [
        {"name": level.name, "minZoom": level.min_zoom, "borders": level.min_zoom >= maplevels.COUNTY_ZOOM,
         "files": [[f.unit, urls[(f.level, f.unit)], [n for cell in f.cells for n in cell]]
                   for f in files if f.level == level.name]}
        for level in maplevels.of(ds)]}


def lines_of(geom) -> list[shapely.LineString]:
    """Every ring or line of a geometry, as line strings, for drawing paths."""
    if geom.is_empty:
        return []
    if geom.geom_type == "Polygon":
        return [shapely.LineString(geom.exterior.coords), *(shapely.LineString(r.coords) for r in geom.interiors)]
    if geom.geom_type == "LineString":
        return [geom]
    if hasattr(geom, "geoms"):
        return [line for part in geom.geoms for line in lines_of(part)]
    return []


INSET_SIZE = (130, 180)
TITLE = "{title}"  # where the inset's title goes: the drawing is the same in every language


def south_china_sea_inset(ds: Dataset, lang: str) -> str:
    """The 南海诸岛 inset as inline SVG drawn from our own Hainan polygons and the maritime line."""
    return _inset(ds.geo, *INSET_SIZE).replace(TITLE, _inset_title(lang))


def _inset_title(lang: str) -> str:
    return html.escape(t("inset_title", lang), quote=True)


@functools.lru_cache(maxsize=8)
def _inset(geo, width: int, height: int) -> str:
    """The inset with TITLE where its title goes, once per loaded data (a Geo hashes by identity)."""
    box = mapspec.INSET_WINDOW
    sx = width / (box[2] - box[0])
    sy = height / (box[3] - box[1])

    def path(geom) -> str:
        parts = []
        for line in lines_of(geom):
            points = [(round((x - box[0]) * sx), round((box[3] - y) * sy)) for x, y in line.coords]
            points = [p for i, p in enumerate(points) if i == 0 or p != points[i - 1]]
            parts.append("M" + "L".join(f"{x},{y}" for x, y in points))
        return "".join(parts)

    clip = shapely.box(*box)
    basemap, _ = mapspec.display_geometries(geo)
    land = shapely.intersection(basemap.values, clip)
    land_paths = "".join(f'<path d="{path(g)}Z" fill="{mapspec.LAND_COLOUR}" stroke="{mapspec.PROVINCE_EDGE}" '
                         'stroke-width="0.5"/>' for g in land if not g.is_empty)
    sea = [g for g in geo.maritime.geometry.intersection(clip) if not g.is_empty]
    sea_line = "".join(f'<path d="{path(g)}" fill="none" stroke="{mapspec.MARITIME_COLOUR}" stroke-width="1" '
                       'stroke-dasharray="3 2"/>' for g in sea)
    label = TITLE
    return (
        f'<div class="pp-inset" style="position:absolute;z-index:800;right:10px;bottom:28px;'
        f'background:{mapspec.SEA_COLOUR};border:1px solid #607d8b;box-shadow:0 1px 4px #0004;padding:2px">'
        f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="{label}">'
        f"{land_paths}{sea_line}</svg>"
        f'<div style="font:12px sans-serif;text-align:center">{label}</div></div>'
    )


def renderer_js() -> str:
    """ppmap.js with its placeholders filled, without its comments and indentation (a first visit fetches it)."""
    source = RENDERER_SOURCE.read_text(encoding="utf-8")
    for name, value in (("__SCALE__", str(SCALE)), ("__LABEL_JS__", LABEL_JS),
                        ("__LABEL_CSS__", script_json(LABEL_CSS)), ("__LABEL_PAD__", str(COLLISION_PAD_PX))):
        source = source.replace(name, value)
    return compact_js(source)


def compact_js(source: str) -> str:
    """A script without its leading block comment, whole-line `//` comments, blank lines and indentation.
    Safe for these scripts: none has a string or template literal spanning lines (tests/test_mapdata.py)."""
    if source.startswith("/*"):
        source = source[source.index("*/") + 2:]
    lines = (line.strip() for line in source.splitlines())
    return "\n".join(line for line in lines if line and not line.startswith("//")) + "\n"


@dataclass(frozen=True)
class Files:
    """The two files' URLs, relative to the static folder (for `assets.offline_map`'s static URL)."""

    renderer: str
    shapes: str


_lock = threading.Lock()
_published: dict[tuple[str, str], Files] = {}


def _write_once(folder: Path, stem: str, text: str) -> str:
    body = text.encode("utf-8")
    name = f"{stem}-{hashlib.sha256(body).hexdigest()[:16]}.js"
    path = folder / name
    if not path.exists() or path.stat().st_size != len(body):  # another process may have written it already
        atomic_write(path, body)
    return f"{SUBDIR}/{name}"


def publish(ds: Dataset, static_dir: Path = STATIC_DIR) -> Files:
    """Write the renderer and this data version's shapes into `static_dir/mapdata` (once per process and
    data version; files already there from another process are kept) and give their URLs."""
    key = (str(static_dir), ds.version)
    with _lock:
        if key not in _published:
            folder = static_dir / SUBDIR
            urls = {(f.level, f.unit): _write_once(folder, f"level-{f.level}-{f.unit}", f.text).split("/")[-1]
                    for f in level_files(ds)}  # beside ppmap.js, which fetches them from its own folder
            listed = _write_once(folder, "levels", levels_js(ds, urls)).split("/")[-1] if urls else None
            _published[key] = Files(_write_once(folder, "ppmap", renderer_js()),
                                    _write_once(folder, "shapes", shapes_js(ds, listed)))
        return _published[key]
