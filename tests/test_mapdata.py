"""The static shapes file: every shape a map names, packed on the display grid, and written once per data
version under a name that changes with its content."""

from __future__ import annotations

import copy
import hashlib

import shapely

from panprd.map import files as mapdata
from panprd.map import leaflet as maps
from panprd.map import spec as mapspec

HALF_STEP = 0.5 / mapdata.SCALE * 2 ** 0.5  # a position rounded to the grid moves at most this far


def test_the_shapes_unpack_to_the_display_geometries(ds):
    shapes = mapdata.shapes(ds)
    basemap, display = mapspec.display_geometries(ds.geo)
    sources = {**{mapdata.admin_key(c): g for c, g in basemap.items()},
               **{mapdata.feature_key(f): g for f, g in display.items()},
               **{mapdata.ring_key(c): g for c, g in mapspec.unit_rings(ds.geo).items()},
               **{mapdata.maritime_key(n): g for n, g in enumerate(ds.geo.maritime.geometry)}}
    assert set(shapes) == {k for k, g in sources.items() if g is not None and not g.is_empty}
    for key, packed in shapes.items():
        geom = mapdata.unpacked(packed)
        assert geom.geom_type == sources[key].geom_type, key
        assert shapely.get_num_coordinates(geom) == shapely.get_num_coordinates(sources[key]), key
        assert geom.hausdorff_distance(sources[key]) <= HALF_STEP + 1e-12, key
    # packed: integer steps, smaller than the plain coordinates
    assert len(mapdata.shapes_js(ds)) < sum(len(str(shapely.geometry.mapping(g)["coordinates"]))
                                            for g in sources.values() if g is not None)


def test_every_shape_a_view_refers_to_is_in_the_file(ds):
    shapes = mapdata.shapes(ds)
    for page in ("overview", "corridors", "transfer_zones", "ecology"):
        for part in maps.parts_of(maps.draw(ds, mapspec.build(ds, ds.measures, page))).values():
            refs = [g for g, _, _ in part.get("features", []) if isinstance(g, str)]
            assert set(refs) <= set(shapes) and (refs or "lines" in part or part["id"] == "counties"), part["id"]


def test_files_are_named_by_content_and_written_once(ds, tmp_path):
    files = mapdata.publish(ds, tmp_path)
    shapes_file = tmp_path / files.shapes
    names = {(f.level, f.unit): f"level-{f.level}-{f.unit}-{hashlib.sha256(f.text.encode()).hexdigest()[:16]}.js"
             for f in mapdata.level_files(ds)}  # each unit at each level, beside the shapes, named by content
    assert {f.name for f in shapes_file.parent.glob("level-*.js")} == set(names.values()) and len(names) > 30
    listed = next(shapes_file.parent.glob("levels-*.js"))
    assert listed.read_text(encoding="utf-8") == mapdata.levels_js(ds, names)
    assert shapes_file.read_text(encoding="utf-8") == mapdata.shapes_js(ds, listed.name)
    assert "window.ppView" in (tmp_path / files.renderer).read_text(encoding="utf-8")
    stamp = shapes_file.stat().st_mtime_ns
    assert mapdata.publish(ds, tmp_path) == files and shapes_file.stat().st_mtime_ns == stamp
    changed = copy.copy(ds)  # another data version: another file beside the first
    changed.geo = copy.copy(ds.geo)
    changed.geo.features = ds.geo.features.iloc[1:]
    changed.version = "another"
    other = mapdata.publish(changed, tmp_path)
    assert other.shapes != files.shapes and shapes_file.exists() and other.renderer == files.renderer


def test_a_hostile_id_cannot_end_the_script(ds):
    hostile = copy.copy(ds)
    hostile.geo = copy.copy(ds.geo)
    hostile.geo.features = ds.geo.features.rename(index={ds.geo.features.index[0]: "</script><script>alert(1)"})
    assert "</script>" not in mapdata.shapes_js(hostile)


def test_the_inset_travels_with_the_shapes_and_the_base_keeps_a_slot(ds):
    js = mapdata.shapes_js(ds)
    assert "南海诸岛" in js and "South China Sea Islands" in js and js.count("pp-inset") == 1  # drawn once
    base = maps.base_map(ds, "en", files=mapdata.publish(ds)).get_root().render()
    assert 'class="pp-inset-slot" data-lang="en"' in base and "<svg" not in base  # not re-sent with every rerun


def test_the_renderer_is_sent_without_its_comments_and_keeps_every_line_of_code():
    """files.compact_js only drops whole lines of comment and indentation: safe while no string spans lines
    (no template literal, no line continued with a backslash) in ppmap.js or the label layer's script."""
    from panprd.map import files, label_layer

    for source in (files.RENDERER_SOURCE.read_text(encoding="utf-8"), label_layer.LABEL_JS):
        assert "`" not in source.replace("`index`", "")  # the one backtick pair is inside a // comment
        assert not any(line.rstrip().endswith("\\") for line in source.splitlines())
    sent = files.renderer_js()
    assert "/*" not in sent.split("\n", 1)[0] and not any(line.startswith(("//", " ")) for line in sent.splitlines())
    code = [line.strip() for line in files.RENDERER_SOURCE.read_text(encoding="utf-8").split("*/", 1)[1].splitlines()
            if line.strip() and not line.strip().startswith("//") and "__LABEL_JS__" not in line]
    kept = set(sent.splitlines())
    assert [line for line in code if line.replace("__SCALE__", str(files.SCALE)) not in kept
            and "__LABEL_" not in line] == []
