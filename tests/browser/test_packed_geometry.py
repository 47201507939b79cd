"""The shapes the browser draws are the geometries the view names: packed into the static shapes file (or
inline, for a close-up's finer units and counties), unpacked by ppmap.js, drawn by Leaflet."""

from __future__ import annotations

import shapely

from panprd.map import files as mapdata
from panprd.map import leaflet as maps
from panprd.map import spec as mapspec

# Every drawn layer with an id: [id, GeoJSON geometry as Leaflet holds it] (maritime segments share one id).
JS_DRAWN = """() => { const out = [];
  map_div.eachLayer(l => { const p = l.feature && l.feature.properties;
    if (p && p.id && p.id !== 'maritime' && l.toGeoJSON) out.push([p.id, l.toGeoJSON(false).geometry]); });
  return out; }"""


def test_a_close_up_draws_every_shape_it_names(ds, page, app_server, wait_for_map):
    # Xiamen's close-up on the overview: points, lines and areas, the units in the window at the geodata's
    # resolution (inline) and the others from the shapes file, and the county borders (inline).
    spec = mapspec.build(ds, ds.measures, "overview", focus="350200", selected=("350200",))
    assert spec.detail
    shapes = mapdata.shapes(ds)
    sent = {props["id"]: mapdata.unpacked(g if isinstance(g, list) else shapes[g])
            for part in maps.parts_of(maps.draw(ds, spec)).values() if part["id"] != "maritime" and "features" in part
            for g, _, props in part["features"]}
    assert {"Point", "LineString", "Polygon", "MultiPolygon"} <= {g.geom_type for g in sent.values()}
    page.goto(f"{app_server}/?feature=350200")
    frame = wait_for_map(page)
    frame.wait_for_function("() => document.querySelector('.leaflet-container[data-pp-view]')")
    drawn = {fid: shapely.geometry.shape(geometry) for fid, geometry in frame.evaluate(JS_DRAWN)}
    assert set(drawn) == set(sent)
    for fid, geom in sent.items():
        assert drawn[fid].geom_type == geom.geom_type, fid
        assert shapely.get_num_coordinates(drawn[fid]) == shapely.get_num_coordinates(geom), fid
        assert drawn[fid].equals_exact(geom, 1e-9), fid
