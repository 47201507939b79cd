"""The private APIs of other packages that the project leans on, checked so that an upgrade fails here, with
a message naming what changed, rather than as a blank map in the browser.

- streamlit-folium (pinned ~=0.27.4): `panprd.ui.mapview` calls its private helpers `_get_html`,
  `_get_header`, `_get_map_string` and the component `_component_func` itself (to keep the base map's iframe
  from view to view), and `generate_js_hash` / `get_full_id`. The component's arguments must be the ones
  `st_folium` itself passes, since the frontend reads them by name.
- branca (folium's element tree): `panprd.assets.elements` walks `Element._children`, and the
  label and scale layers' templates use `this._parent` (branca's own templates do the same).
- Leaflet (XStatic-Leaflet): `panprd/map/ppmap.js` replaces `L.Map.Keyboard.prototype._onMouseDown`, which
  focuses the map on mousedown, so that the focus does not scroll the page under the pointer; and
  `panprd.map.label_layer` places its names as Leaflet's Marker does, through `map._zoomAnimated` and
  `map._latLngToNewLayerPoint` during a zoom animation.

- Streamlit (pinned ~=1.67.0): `declare_component` registers a component only inside a script run, so
  `panprd.ui.warmup` (which imports streamlit-folium before any run) registers it itself through
  `runtime.get_instance().component_registry.register_component`.

To upgrade streamlit-folium: raise the pin in pyproject.toml, run this file, and follow what it names.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from importlib.metadata import version
from pathlib import Path

import branca.element
import folium
import pytest
import streamlit_folium
import xstatic.pkg.leaflet

from panprd.ui import mapview

HELPERS = {  # name -> the parameter names mapview relies on, in order
    "_get_html": ["fig"],
    "_get_header": ["fig"],
    "_get_map_string": ["fig"],
    "generate_js_hash": ["js_string", "key", "return_on_hover"],
    "get_full_id": ["m"],
}


@pytest.mark.parametrize("name", sorted(HELPERS))
def test_streamlit_folium_helper_exists_with_its_signature(name: str) -> None:
    helper = getattr(streamlit_folium, name, None)
    assert callable(helper), (f"streamlit_folium.{name} is gone (streamlit-folium {version('streamlit-folium')}); "
                              "panprd.ui.mapview calls it")
    params = list(inspect.signature(helper).parameters)
    assert params == HELPERS[name], \
        f"streamlit_folium.{name}{inspect.signature(helper)} changed: mapview passes {HELPERS[name]}"


def st_folium_component_arguments() -> set[str]:
    """The keyword names st_folium passes to `_component_func`, read from its source."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(streamlit_folium.st_folium)))
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)
             and getattr(node.func, "id", None) == "_component_func"]
    assert len(calls) == 1, f"st_folium calls _component_func {len(calls)} times; mapview.show copies one call"
    return {kw.arg for kw in calls[0].keywords if kw.arg}


def test_component_gets_the_arguments_st_folium_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    assert callable(getattr(streamlit_folium, "_component_func", None)), \
        "streamlit_folium._component_func is gone; panprd.ui.mapview.show calls the component directly"
    sent: dict[str, object] = {}
    monkeypatch.setattr(streamlit_folium, "_component_func", lambda **kwargs: sent.update(kwargs))
    fmap = folium.Map(tiles=None)
    built = mapview.BuiltMap(mapview.component_args(fmap, "k"), "", "v", "", False)
    mapview.show(built, "k", 400)
    theirs = st_folium_component_arguments()
    assert set(sent) == theirs, (f"st_folium passes {sorted(theirs - set(sent))} that mapview.show does not, "
                                 f"and mapview.show passes {sorted(set(sent) - theirs)} that st_folium does not")


def test_branca_element_tree_fields() -> None:
    parent, child = folium.Map(tiles=None), folium.FeatureGroup()
    child.add_to(parent)
    children = getattr(parent, "_children", None)
    assert isinstance(children, dict) and child in children.values(), \
        "branca Element._children is no longer a dict of the children (panprd.assets.elements)"
    assert getattr(child, "_parent", None) is parent, \
        "branca Element._parent is no longer the parent (the label and scale templates use this._parent)"
    assert isinstance(branca.element.MacroElement()._name, str), "branca MacroElement._name is gone"


def test_leaflet_keyboard_handler_focuses_on_mousedown_through_the_method_ppmap_replaces() -> None:
    """The replaced method must be the one Leaflet binds to mousedown, and read `_focused` as ppmap.js does."""
    source = (Path(xstatic.pkg.leaflet.BASE_DIR) / "leaflet-src.js").read_text(encoding="utf-8")
    start = source.find("var Keyboard = Handler.extend(")
    assert start >= 0, f"Leaflet {xstatic.pkg.leaflet.VERSION}: no Keyboard handler (ppmap.js patches its mousedown)"
    handler = source[start:source.find("Map.addInitHook('addHandler', 'keyboard'", start)]
    assert "mousedown: this._onMouseDown" in handler and "_onMouseDown: function" in handler, \
        f"Leaflet {xstatic.pkg.leaflet.VERSION}: Keyboard no longer focuses through _onMouseDown; see ppmap.js"
    assert "this._focused" in handler, f"Leaflet {xstatic.pkg.leaflet.VERSION}: Keyboard._focused is gone"


def test_leaflet_marker_zoom_animation_is_the_one_the_label_layer_copies() -> None:
    """The labels follow a zoom animation as a Leaflet marker does (panprd.map.label_layer): the map's
    `_zoomAnimated` flag and `_latLngToNewLayerPoint(latlng, zoom, center)`."""
    source = (Path(xstatic.pkg.leaflet.BASE_DIR) / "leaflet-src.js").read_text(encoding="utf-8")
    name = f"Leaflet {xstatic.pkg.leaflet.VERSION}"
    assert "_latLngToNewLayerPoint: function (latlng, zoom, center)" in source, \
        f"{name}: Map._latLngToNewLayerPoint changed; see label_layer.LABEL_JS"
    assert "this._map._latLngToNewLayerPoint(this._latlng, opt.zoom, opt.center).round()" in source, \
        f"{name}: Marker no longer animates a zoom as label_layer.LABEL_JS does"
    assert "this._zoomAnimated = map._zoomAnimated;" in source, f"{name}: Map._zoomAnimated is gone"


def test_streamlit_registers_a_component_only_in_a_script_run_and_warmup_registers_it() -> None:
    """What panprd.ui.warmup relies on: outside a script run `declare_component` registers nothing (so the
    warm start must), and the registry's `register_component` takes the component object."""
    from streamlit import runtime
    from streamlit.components.v1 import component_registry
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    from panprd.ui import warmup

    source = inspect.getsource(component_registry.declare_component)
    assert "get_script_run_ctx()" in source and "register_component(component)" in source, (
        "streamlit's declare_component no longer registers only inside a script run: re-check panprd.ui.warmup")
    assert get_script_run_ctx() is None
    assert hasattr(runtime, "get_instance")
    registry = component_registry.ComponentRegistry
    assert hasattr(registry, "instance")
    from streamlit.components.types.base_component_registry import BaseComponentRegistry
    assert list(inspect.signature(BaseComponentRegistry.register_component).parameters) == ["self", "component"]
    assert isinstance(streamlit_folium._component_func, component_registry.CustomComponent)
    assert "register_component(streamlit_folium._component_func)" in inspect.getsource(warmup)
