"""The packed coordinates (panprd.maps.PackedCollection) unpack in the browser to the geometries drawn."""

from __future__ import annotations

import json

from panprd import filters, maps, mapspec

UNPACK = "(args) => { eval(args[0]); return eval(args[1]); }"


def flat(value) -> list[float]:
    if isinstance(value, (list, tuple)):
        return [x for v in value for x in flat(v)]
    return [value]


def shape(value):
    return [shape(v) for v in value] if isinstance(value, (list, tuple)) and isinstance(value[0], (list, tuple)) \
        else len(value)


def test_every_layer_of_a_close_up_unpacks_to_its_geometries(ds, page):
    # A close-up of Xiamen on the overview: points, lines and areas, the units at the geodata's resolution
    # and the county borders (not on the display grid: rounded to it when packed).
    measures = ds.measures
    spec = mapspec.build(ds, filters.apply(measures, filters.Filters()), "overview", focus="350200")
    assert spec.detail
    fmap = maps.draw(ds, spec)
    layers = [c.data for c in maps._walk(fmap) if isinstance(getattr(c, "data", None), maps.PackedCollection)]
    kinds = {f["geometry"]["type"] for layer in layers for f in layer["features"]}
    assert {"Point", "LineString", "Polygon", "MultiPolygon"} <= kinds
    for layer in layers:
        packed = maps._dumps(layer, sort_keys=True, separators=(",", ":"))
        assert packed.startswith("ppGeo(") and len(packed) < len(json.dumps(layer, separators=(",", ":")))
        unpacked = page.evaluate(UNPACK, [maps.UNPACK_JS, packed])
        assert len(unpacked["features"]) == len(layer["features"])
        for got, sent in zip(unpacked["features"], layer["features"]):
            assert got["properties"] == sent["properties"]
            assert got["geometry"]["type"] == sent["geometry"]["type"]
            assert shape(got["geometry"]["coordinates"]) == shape(sent["geometry"]["coordinates"])
            # each coordinate within half a step of the grid (the display geometries lie on it: exact)
            worst = max(abs(a - b) for a, b in zip(flat(got["geometry"]["coordinates"]),
                                                   flat(sent["geometry"]["coordinates"])))
            assert worst <= 0.5 / maps.PACK_SCALE + 1e-9
