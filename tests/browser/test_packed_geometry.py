"""The shapes the browser draws are the geometries the view names: packed into the static shapes file (or
inline, for the lights' anchors), unpacked by ppmap.js, drawn by Leaflet; in a close-up the units in view
are the finer level's outlines (panprd.map.levels), swapped into the same shapes."""

from __future__ import annotations

import shapely

from panprd.map import files as mapdata
from panprd.map import leaflet as maps
from panprd.map import levels
from panprd.map import spec as mapspec

# Every drawn layer with an id: [id, GeoJSON geometry as Leaflet holds it] (maritime segments share one id).
JS_DRAWN = """() => { const out = [];
  map_div.eachLayer(l => { const p = l.feature && l.feature.properties;
    if (p && p.id && p.id !== 'maritime' && l.toGeoJSON) out.push([p.id, l.toGeoJSON(false).geometry]); });
  return out; }"""


def test_a_close_up_draws_every_shape_it_names(ds, page, app_server, wait_for_map):
    # Xiamen's close-up on the overview: points, lines and areas from the shapes file, and the units in
    # view at the level the close-up's zoom draws, from that level's files.
    spec = mapspec.build(ds, ds.measures, "overview", focus="350200", selected=("350200",))
    shapes = mapdata.shapes(ds)
    sent = {props["id"]: mapdata.unpacked(g if isinstance(g, list) else shapes[g])
            for part in maps.parts_of(maps.draw(ds, spec)).values() if part["id"] != "maritime" and "features" in part
            for g, _, props in part["features"]}
    assert {"Point", "LineString", "Polygon", "MultiPolygon"} <= {g.geom_type for g in sent.values()}
    page.goto(f"{app_server}/?feature=350200")
    frame = wait_for_map(page)
    frame.wait_for_function("() => document.querySelector('.leaflet-container[data-pp-view]')")
    frame.wait_for_function("() => { const c = document.querySelector('.leaflet-container');"
                            " return c.dataset.ppLevelPending === '0' && Number(c.dataset.ppLevelUnits) > 0; }")
    name = frame.evaluate("() => document.querySelector('.leaflet-container').dataset.ppLevel")
    level = next(level for level in levels.of(ds) if level.name == name)
    finer = levels.unit_shapes(ds.geo, level)
    drawn = {fid: shapely.geometry.shape(geometry) for fid, geometry in frame.evaluate(JS_DRAWN)}
    assert set(drawn) == set(sent)
    swapped = [fid for fid in drawn if fid in finer and drawn[fid].equals_exact(finer[fid].outline, 1e-9)]
    assert "350200" in swapped and set(swapped) <= set(finer)
    for fid, geom in sent.items():
        if fid in swapped:
            continue
        assert drawn[fid].geom_type == geom.geom_type, fid
        assert shapely.get_num_coordinates(drawn[fid]) == shapely.get_num_coordinates(geom), fid
        assert drawn[fid].equals_exact(geom, 1e-9), fid
