"""Offline map assets: Leaflet served by the app itself, never by a CDN.

Why: the app runs on offline intranets where public CDNs are unreachable (or blocked), and
``st_folium`` (streamlit-folium 0.27.4) makes the browser fetch every asset folium lists.

How streamlit-folium loads assets: ``st_folium`` walks the map and its children and collects
``default_js`` / ``default_css`` of every ``folium.elements.JSCSSMixin`` (for a plain
``folium.Map``: Leaflet, jQuery, Bootstrap 5, awesome-markers, Font Awesome, glyphicons, all on
CDNs; a branca ``ColorMap`` anywhere in the tree adds two d3 CDN URLs, so do not use branca
colormaps). It strips ``<script src>`` / ``<link rel="stylesheet">`` from the rendered header and
passes the URL lists to its frontend, which appends them as ``<script>`` / ``<link>`` tags inside
the component iframe. The frontend bundle itself (React + streamlit-component-lib) contains no
Leaflet and fetches nothing else.

What we override: ``offline_map`` sets the map instance's ``default_js`` / ``default_css`` to
Leaflet only (plus a tiny ``$`` shim, see ``JQUERY_SHIM``), pointing at files that
``ensure_static_assets`` copies from the installed XStatic-Leaflet package into
``static/vendor/``. Streamlit 1.67 serves the ``static`` folder next to the main script (not the
cwd) at ``<baseUrlPath>/app/static/`` when ``server.enableStaticServing = true``.

URLs inside the iframe: the component iframe document lives at
``<baseUrlPath>/component/streamlit_folium.st_folium/index.html``, so the default
``DEFAULT_STATIC_URL = "../../app/static"`` resolves to ``<baseUrlPath>/app/static`` whatever the
base path is, including behind a reverse proxy that strips a prefix. A root-absolute
``"/app/static"`` also works, but only when the app is served at the root of its host.

Map features checked to work with Leaflet alone: GeoJson with GeoJsonTooltip/GeoJsonPopup,
CircleMarker, PolyLine, Tooltip, LayerControl (its icon is ``images/layers.png``), the scale bar
(``control_scale=True``) and raw HTML via ``folium.Element``. folium's ``Popup`` wraps its HTML
with ``$(`...`)[0]`` (jQuery), hence the shim. Avoid anything else that pulls in CDN assets:
``folium.Icon``/awesome markers, plugins, branca colormaps, ``GeoJson(embed=False)`` (``$.ajax``)
and tile layers (``tiles=None`` is the default here). st_folium appends the root ``html``
(``m.get_root().html``) after the map div, so overlay HTML (legends) needs
``position:absolute; z-index:1000`` (or use a Leaflet control); inline ``<script>`` in the header
or root html is inserted via ``innerHTML`` and never runs.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import branca.colormap
import folium
import folium.elements
import xstatic.pkg.leaflet as xleaflet

#: The folder Streamlit serves at <baseUrlPath>/app/static/: the one next to app.py.
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

#: Base URL of the static folder as seen from inside the st_folium iframe (see module docstring).
DEFAULT_STATIC_URL = "../../app/static"

#: Leaflet files copied from the XStatic package (relative to its BASE_DIR).
LEAFLET_FILES = (
    "leaflet.js",
    "leaflet.js.map",
    "leaflet.css",
    "images/layers.png",
    "images/layers-2x.png",
    "images/marker-icon.png",
    "images/marker-icon-2x.png",
    "images/marker-shadow.png",
)

#: Minimal stand-in for the two jQuery idioms in folium's core templates: ``$(htmlString)``
#: (``Popup``: returns the parsed nodes, like jQuery) and ``$(document).ready(fn)`` / ``$(fn)``
#: (``Map.keep_in_front``). It does not define ``window.jQuery`` and yields to a real jQuery.
JQUERY_SHIM = """\
/* panprd: minimal $ for folium's Popup and keep_in_front templates; not jQuery. */
(function () {
  if (window.$) { return; }
  window.$ = function (arg) {
    if (typeof arg === "string") {
      var start = arg.indexOf("<"), end = arg.lastIndexOf(">");
      if (start >= 0 && end > start) {
        var tpl = document.createElement("template");
        tpl.innerHTML = arg.slice(start, end + 1);
        return Array.prototype.slice.call(tpl.content.childNodes);
      }
      return Array.prototype.slice.call(document.querySelectorAll(arg));
    }
    var ready = function (fn) {
      if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", function () { fn(); });
      } else {
        setTimeout(fn, 0);
      }
    };
    if (typeof arg === "function") { ready(arg); arg = document; }
    var nodes = [arg];
    nodes.ready = function (fn) { ready(fn); return nodes; };
    return nodes;
  };
})();
"""

Links = list[tuple[str, str]]
#: Stands for the two public d3 URLs streamlit-folium adds when a branca ColorMap is in the map.
_D3_FROM_CDN = "https://(d3 added by streamlit-folium for a branca ColorMap)"

_SHIM_PATH = "panprd/folium-jquery-shim.js"
_STAMP_NAME = ".panprd-assets"


def _stamp() -> str:
    """Version marker of the vendored files: Leaflet package version and shim size."""
    return f"xstatic-leaflet {xleaflet.PACKAGE_VERSION}; shim {len(JQUERY_SHIM.encode())}\n"


def atomic_write(dest: Path, data: bytes) -> None:
    """Write ``data`` to ``dest`` via a temp file and rename (safe with concurrent sessions)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _expected(vendor: Path) -> dict[Path, Path | None]:
    """Destination -> source file (``None`` for the generated shim)."""
    src = Path(xleaflet.BASE_DIR)
    files: dict[Path, Path | None] = {vendor / "leaflet" / name: src / name for name in LEAFLET_FILES}
    files[vendor / _SHIM_PATH] = None
    return files


def ensure_static_assets(static_dir: Path) -> None:
    """Copy Leaflet (JS, CSS, images) and the ``$`` shim into ``static_dir/vendor/``.

    Idempotent and cheap when up to date: only compares a version marker and file sizes.
    """
    vendor = Path(static_dir) / "vendor"
    files = _expected(vendor)
    stamp_file = vendor / _STAMP_NAME
    shim = JQUERY_SHIM.encode()

    def _size(src: Path | None) -> int:
        return len(shim) if src is None else src.stat().st_size

    try:
        up_to_date = stamp_file.read_text(encoding="utf-8") == _stamp() and all(
            dest.stat().st_size == _size(src) for dest, src in files.items()
        )
    except OSError:
        up_to_date = False
    if up_to_date:
        return

    for dest, src in files.items():
        atomic_write(dest, shim if src is None else src.read_bytes())
    atomic_write(stamp_file, _stamp().encode())


def offline_js_css(static_url: str = DEFAULT_STATIC_URL) -> tuple[Links, Links]:
    """The (name, url) lists for a map's ``default_js`` and ``default_css``, served locally."""
    base = static_url.rstrip("/") + "/vendor"
    js = [("leaflet", f"{base}/leaflet/leaflet.js"), ("jquery", f"{base}/{_SHIM_PATH}")]
    css = [("leaflet_css", f"{base}/leaflet/leaflet.css")]
    return js, css


def offline_map(static_url: str = DEFAULT_STATIC_URL, **kwargs: Any) -> folium.Map:
    """A ``folium.Map`` (``tiles=None`` by default) that loads only locally served Leaflet.

    ``static_url`` is the app's static folder as seen from the st_folium iframe; the other
    keyword arguments go to ``folium.Map``. Call ``ensure_static_assets`` at app start.
    """
    kwargs.setdefault("tiles", None)
    m = folium.Map(**kwargs)
    # Instance attributes: folium's class-level lists stay untouched.
    m.default_js, m.default_css = offline_js_css(static_url)
    return m


def elements(root: Any) -> Iterator[Any]:
    """A folium element and every element under it, depth first (branca's `_children`; the contract test
    tests/test_third_party_contract.py guards the field)."""
    yield root
    for child in getattr(root, "_children", {}).values():
        yield from elements(child)


def external_asset_urls(fig: folium.MacroElement) -> list[str]:
    """URLs that st_folium would make the browser load from another host.

    Mirrors streamlit-folium's walk over ``JSCSSMixin`` elements (and the d3 it adds for
    branca colormaps); an empty list means the map is offline-safe. Useful in unit tests.
    """
    urls: list[str] = []
    for elem in elements(fig):
        if isinstance(elem, branca.colormap.ColorMap):
            urls.append(_D3_FROM_CDN)
        if isinstance(elem, folium.elements.JSCSSMixin):
            urls.extend(u for _, u in elem.default_js)
            urls.extend(u for _, u in elem.default_css)
    return [u for u in dict.fromkeys(urls) if u.startswith(("http:", "https:", "//"))]
