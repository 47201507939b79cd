"""`python -m panprd check [measures.csv]`: validate the data and print a summary.

Exit status 0 when every row is valid, every reference resolves, every clause of sections 二 to 十
is quoted by at least one row and every named feature passes data.feature_issues (basis and source
in both languages, a stated reason where there is no geometry, railways in China drawn through at
least one intermediate place); 1 otherwise; 2 when the files cannot be read at all.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import geopandas as gpd
from shapely import get_num_coordinates, get_num_geometries

from panprd import data, vocab
from panprd.map import levels
from panprd.tracking import cli as tracking_cli


def check(root: Path, measures_path: Path | None = None) -> int:
    try:
        raw = measures_path.read_bytes() if measures_path else None
        ds = data.load(root, measures_bytes=raw)
    except data.DataError as exc:
        print("Data cannot be used:")
        for issue in exc.issues:
            print(f"  {issue}")
        return 2
    measures = ds.measures
    print(f"measures: {len(measures)} valid rows, {len(ds.rejected)} rejected")
    print("rows per theme:")
    for theme, count in Counter(measures["theme"]).most_common():
        print(f"  {theme:15} {count}")
    print("rows per layer:")
    for layer, count in Counter(measures["layer"].replace("", "(none)")).most_common():
        print(f"  {layer:15} {count}")
    features = ds.geo.features
    mapped = features.geometry.notna() & ~features.geometry.is_empty
    referenced = {f for fs in measures["features"] for f in fs}
    print(f"features: {len(features)} ({int(mapped.sum())} mapped), {len(referenced)} referenced by a measure")
    for layer, count in Counter(features["layer"]).most_common():
        print(f"  {layer:15} {count}")
    unreferenced = sorted(set(features.index) - referenced)
    if unreferenced:
        print(f"  not referenced by any measure: {', '.join(unreferenced)}")
    print_feature_summary(features)
    places = {u for us in measures["fujian_units"] for u in us}
    print(f"Fujian units covered: {len(places)} of {len(vocab.FUJIAN_UNITS)}")
    partners = {p for ps in measures["partners"] for p in ps}
    print(f"partners named: {len(partners)} of {len(vocab.PARTNERS)}")
    admin_invalid = int((~ds.geo.admin.geometry.is_valid).sum())
    print(f"invalid geometries: {admin_invalid}")
    clauses = ds.policy.action_clauses
    quoted = set(zip(measures["section"], measures["clause"]))
    missing = [c.label for c in clauses if (c.section, c.number) not in quoted]
    print(f"clauses of sections 二–十: {len(clauses)}, quoted by a row: {len(clauses) - len(missing)}")
    if missing:
        print(f"  not quoted: {', '.join(missing)}")
    units = {u for us in measures["lead_units"] for u in us}
    no_english = vocab.units_missing_english(units)
    print(f"lead units: {len(units)}, without an English name in panprd/units.csv: {len(no_english)}")
    if no_english:
        print(f"  {', '.join(sorted(no_english))}")
    level_problems = print_levels(ds, root / "geodata")
    errors = ds.errors + level_problems
    for issue in ds.issues + level_problems:
        print(f"{issue.severity}: {issue}")
    print(f"unresolved references and other errors: {len(errors)}")
    return 1 if errors or missing or admin_invalid or len(ds.rejected) or no_english else 0


def print_levels(ds: data.Dataset, geodata_dir: Path) -> list[data.Issue]:
    """The finer levels (panprd.map.levels): counts read off each file, the deviation the build measured
    against the full-resolution source; a file whose sha256 is not origin.json's is an error, named."""
    problems = levels.problems(ds, geodata_dir)
    bad = {issue.file for issue in problems}
    records = levels.records(ds)
    print(f"finer levels: {len(records)} (geodata/levels/)")
    for record in records:
        name = f"geodata/{record['file']}"
        if name in bad:
            print(f"  level {record['level']}: {name} refused (see below)")
            continue
        geoms = gpd.read_file(geodata_dir / record["file"]).geometry.values
        polygons, vertices = int(get_num_geometries(geoms).sum()), int(get_num_coordinates(geoms).sum())
        print(f"  level {record['level']} from zoom {record['min_zoom']}: {len(geoms)} counties, {polygons} polygons "
              f"(islands kept: every ring of the source, {polygons - len(geoms)} beyond one per county), "
              f"{vertices:,} vertices, tolerance {record['coverage_simplify_deg']} deg, largest deviation from "
              f"the full-resolution source {record['max_deviation_m']} m (Hausdorff, {record['max_deviation_at']})")
    return problems


def print_feature_summary(features: gpd.GeoDataFrame) -> None:
    """The counts behind the feature rules; the features that break them are listed as errors below."""
    railways = features[features["kind"] == "railway"]
    leaving = sorted(fid for fid in railways.index if data.railway_leaves_china(fid))
    in_china = railways.drop(leaving)
    through = [data.intermediate_points(geom) for geom in in_china.geometry]
    drawn = sum(1 for n in through if n >= 1)
    print(f"railways in China: {len(in_china)}, drawn with at least one intermediate place: {drawn}"
          f" (fewest {min(through, default=0)}, most {max(through, default=0)})")
    if leaving:
        print(f"  leaving China, drawn at the Chinese terminal only (exempt): {', '.join(leaving)}")
    unmapped = features[features.geometry.isna() | features.geometry.is_empty]
    prefixes = vocab.NOT_MAPPED_PREFIX
    stated = sum(1 for _, f in unmapped.iterrows()
                 if all(f[f"geometry_basis_{lang}"].startswith(p) and f[f"geometry_basis_{lang}"] != p
                        for lang, p in prefixes.items()))
    print(f"not mapped: {len(unmapped)}, with a stated reason in zh and en: {stated}")
    for fid, feat in unmapped.iterrows():
        print(f"  {fid}: {feat['geometry_basis_en']}")
    bilingual = sum(1 for _, f in features.iterrows()
                    if all(str(f[f"{field}_{lang}"]).strip() for field in ("geometry_basis", "source")
                           for lang in ("zh", "en")))
    print(f"geometry basis and source in zh and en: {bilingual} of {len(features)} features")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m panprd")
    sub = parser.add_subparsers(dest="command", required=True)
    check_parser = sub.add_parser("check", help="validate measures.csv and geodata/ and print a summary")
    check_parser.add_argument("measures", nargs="?", type=Path, help="a measures.csv to check instead of ours")
    tracking_cli.register(sub)
    args = parser.parse_args(argv)
    if args.command in tracking_cli.COMMANDS:
        return tracking_cli.dispatch(args)
    return check(data.ROOT, args.measures)


if __name__ == "__main__":
    sys.exit(main())
