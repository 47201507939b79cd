"""`python -m panprd check [measures.csv]`: validate the data and print a summary.

Exit status 0 when every row is valid, every reference resolves and every clause of sections
二 to 十 is quoted by at least one row; 1 otherwise; 2 when the files cannot be read at all.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from panprd import data, vocab
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
    places = {u for us in measures["fujian_units"] for u in us}
    print(f"Fujian units covered: {len(places)} of {len(vocab.FUJIAN_UNITS)}")
    partners = {p for ps in measures["partners"] for p in ps}
    print(f"partners named: {len(partners)} of {len(vocab.PARTNERS)}")
    admin_invalid = int((~ds.geo.admin.geometry.is_valid).sum())
    print(f"invalid geometries: {admin_invalid}")
    clauses = data.clauses_of_source(ds.source_text)
    quoted = set(zip(measures["section"], measures["clause"]))
    missing = [f"{vocab.SECTION_NUMERALS[s]}（{vocab.SECTION_NUMERALS[c]}）"
               for s, c in clauses if (s, c) not in quoted]
    print(f"clauses of sections 二–十: {len(clauses)}, quoted by a row: {len(clauses) - len(missing)}")
    if missing:
        print(f"  not quoted: {', '.join(missing)}")
    errors = ds.errors
    for issue in ds.issues:
        print(f"{issue.severity}: {issue}")
    print(f"unresolved references and other errors: {len(errors)}")
    return 1 if errors or missing or admin_invalid or len(ds.rejected) else 0


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
