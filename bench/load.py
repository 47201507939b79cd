"""Load test: 20 and 50 concurrent browser-less sessions changing filters on the real server.

Each session talks Streamlit's own websocket protocol (bench/wsclient.py), so the server does all
it does for a browser: runs the page, builds the map, sends every element. Each session opens the
overview and then makes `--changes` filter changes drawn at random (seeded: the same draws for
every app and run) from the data's vocabularies: one to three of theme, partner, place, lead unit
and a search term, in Chinese or English. Sessions change filters back to back, without a pause.

The deployment measured is the one README documents for a meeting, `make meeting` (bench/meeting.py): one
app process per core behind nginx, each session from its own loopback address (127.0.0.2, 127.0.0.3 …) as
the room's laptops are, so that nginx spreads them; `--processes 1` measures one process alone (what
`make run` starts, no nginx); `--url` runs the same load against a server already running.
`--before DIR` runs the same load first against another checkout (`make load` makes one of main as of
issue 13's start), so the table has a before and an after column taken in one run. Loopback only,
bounded in sessions, runs and time.
Prints per load: the runs that were a fragment's rerun (the filter bar's widgets set; the before checkout has
none: it reruns the page with the new URL), errors, per-run latency (median, p95, max), the map cache's hit
rate on the server (counters the app writes when PANPRD_CACHE_STATS names a file), server memory, and the load average.
Usage: `.venv/bin/python bench/load.py [20 50] [--before /tmp/before] [--changes 5] [--seed 13] [--processes N]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import meeting, server, wsclient  # noqa: E402
from bench.run import RssSampler  # noqa: E402
from panprd import data, filters, vocab  # noqa: E402

TIMEOUT_S = 600.0
SEARCH_TERMS = ("铁路", "港口", "旅游", "生态", "海洋", "能源", "口岸", "航空", "port", "rail")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def random_query(rng: random.Random, choices: dict[str, list[str]]) -> str:
    """One filter state: one to three filters (a search term among them at times)."""
    keys = rng.sample([*choices, "q"], rng.choice((1, 1, 2, 2, 3)))
    params = {key: rng.choice(SEARCH_TERMS) if key == "q" else rng.choice(choices[key]) for key in sorted(keys)}
    return urlencode(params)


def session_queries(sessions: int, changes: int, seed: int) -> list[list[str]]:
    """Per session: the overview (in English for 30% of the sessions), then `changes` random filter states
    (seeded per session), each set as the page offers it (`wsclient.Session.change`: the filter bar's widgets
    in a fragment rerun, or a new URL that keeps the session's language)."""
    measures = data.load().measures
    choices = {key: sorted(values) for key, values in filters.choices_from(measures).items()
               if key in ("theme", "partner", "place", "unit")}
    assert set(choices["theme"]) <= set(vocab.THEMES)
    return [["lang=en" if random.Random(seed * 1000 + i * 100 + 99).random() < 0.3 else ""]
            + [random_query(random.Random(seed * 1000 + i * 100 + j), choices) for j in range(changes)]
            for i in range(sessions)]


def read_stats(paths: list[Path]) -> dict[str, int]:
    """The map cache's counters, summed over the app processes."""
    total: dict[str, int] = {}
    for path in paths:
        try:
            counters = json.loads(path.read_text())["maps"]
        except (OSError, ValueError, KeyError):
            continue
        for name, value in counters.items():
            total[name] = total.get(name, 0) + value
    return total


def rss(pgids: list[int]) -> int:
    return sum(server.rss_bytes(pgid) for pgid in pgids)


def source_addresses(sessions: int, spread: bool) -> list[str | None]:
    """Each session's own loopback address when nginx spreads sessions by client address."""
    return [f"127.0.{2 + i // 250}.{2 + i % 250}" for i in range(sessions)] if spread else [None] * sessions


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def one_load(base_url: str, pgids: list[int], sessions: int, changes: int, seed: int,
             stats_paths: list[Path], spread: bool) -> dict[str, object]:
    per_session = session_queries(sessions, changes, seed)
    before = rss(pgids)
    stats_before = read_stats(stats_paths)
    load_before = load_average()
    addrs = source_addresses(sessions, spread)
    start = time.perf_counter()
    with RssSampler(*pgids) as sampler:
        results = asyncio.run(wsclient.concurrent(base_url, sessions, [], addrs, timeout=TIMEOUT_S,
                                                  per_session=per_session))
    peak = round(sampler.peak / 2**20) if pgids else None
    wall = time.perf_counter() - start
    runs = [r for res in results if not isinstance(res, str) for r in res]
    seconds = [r.seconds for r in runs]
    errors = [res for res in results if isinstance(res, str)] + [e for r in runs for e in r.errors]
    stats_after = read_stats(stats_paths)
    hits = stats_after.get("hits", 0) - stats_before.get("hits", 0)
    misses = stats_after.get("misses", 0) - stats_before.get("misses", 0)
    return {
        "sessions": sessions,
        "runs": len(runs),
        "views": len({q for qs in per_session for q in qs}),
        "fragment_runs": sum(r.fragment for r in runs),
        "errors": len(errors),
        "first_error": errors[0][:120] if errors else "",
        "median_ms": round(statistics.median(seconds) * 1000) if seconds else None,
        "p95_ms": round(percentile(seconds, 0.95) * 1000) if seconds else None,
        "max_ms": round(max(seconds) * 1000) if seconds else None,
        "hit_rate": f"{hits / (hits + misses):.0%} ({hits}/{hits + misses})" if hits + misses else "—",
        "wall_s": round(wall, 1),
        "rss_before_mib": round(before / 2**20) if pgids else None,
        "rss_peak_mib": peak,
        "load_avg": f"{load_before} → {load_average()}",
    }


def run_app(app_dir: Path, loads: list[int], changes: int, seed: int, url: str | None,
            processes: int) -> list[dict[str, object]]:
    """The loads against one checkout's app in the meeting deployment (`processes` app processes behind
    nginx; one process alone when 1), warmed by one session per process; or against `url`."""
    if url:
        return [one_load(url, [], n, changes, seed, [], False) for n in loads]
    stats = [Path(tempfile.mkstemp(prefix="panprd-cache-", suffix=".json")[1]) for _ in range(processes)]
    env = [{"PANPRD_CACHE_STATS": str(path)} for path in stats]
    logs = server.APP_DIR / "bench" / "out" / "logs"
    try:
        if processes == 1:
            srv = server.start(app_dir / "app.py", logs, app_dir=app_dir, env_extra=env[0])
            base_url, apps, stop = srv.base_url, [srv], lambda: server.stop(srv)
        else:
            running = meeting.start(app_dir, processes=processes, log_dir=logs, env_per_process=env)
            base_url, apps, stop = running.base_url, running.apps, lambda: meeting.stop(running)
        try:
            for app in apps:  # warm the data and layer caches of every process
                asyncio.run(wsclient.rerun_series(app.base_url, [""]))
            return [one_load(base_url, [app.proc.pid for app in apps], n, changes, seed, stats, processes > 1)
                    for n in loads]
        finally:
            stop()
    finally:
        for path in stats:
            path.unlink(missing_ok=True)


HEADER = ["sessions", "runs", "views", "fragment_runs", "errors", "median_ms", "p95_ms", "max_ms", "hit_rate", "wall_s",
          "rss_before_mib", "rss_peak_mib", "load_avg"]


def table(columns: dict[str, list[dict[str, object]]]) -> str:
    """One row per app and load."""
    lines = ["| app | " + " | ".join(HEADER) + " |", "|---|" + "---|" * len(HEADER)]
    for name, rows in columns.items():
        lines += [f"| {name} | " + " | ".join("—" if row[h] is None else str(row[h]) for h in HEADER) + " |"
                  for row in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sessions", nargs="*", type=int, default=[20, 50])
    parser.add_argument("--changes", type=int, default=5, help="random filter changes per session")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--before", type=Path, help="another checkout to load first (the before column)")
    parser.add_argument("--url", help="a server already running (no memory or hit-rate figures)")
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1,
                        help="app processes behind nginx (the meeting deployment, default: one per core); 1: one "
                             "process alone, no nginx")
    args = parser.parse_args()
    if any(n < 1 or n > 100 for n in args.sessions):
        parser.error("between 1 and 100 sessions per load")
    columns: dict[str, list[dict[str, object]]] = {}
    try:
        if args.before:
            columns["before"] = run_app(args.before.resolve(), args.sessions, args.changes, args.seed, None,
                                        args.processes)
        columns["after" if args.before else "this checkout"] = run_app(server.APP_DIR, args.sessions, args.changes,
                                                                      args.seed, args.url, args.processes)
    finally:
        server.stop_all()
    deployment = ("a server already running" if args.url else "one process" if args.processes == 1
                  else f"{args.processes} app processes behind nginx")
    print(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} seed {args.seed}, {args.changes} random changes per session "
          f"after the overview, {os.cpu_count()} cores, {deployment}")
    print(table(columns))
    rows = [row for rows in columns.values() for row in rows]
    for row in rows:
        if row["errors"]:
            print(f"{row['sessions']} sessions: first error: {row['first_error']}")
    raise SystemExit(1 if any(row["errors"] for row in rows) else 0)


if __name__ == "__main__":
    main()
