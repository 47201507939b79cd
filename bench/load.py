"""Load test: 20 and 50 concurrent browser-less sessions changing filters on the real server.

Each session talks Streamlit's own websocket protocol (bench/wsclient.py), so the server does all
it does for a browser: runs the page, builds the map, sends every element. Loopback only, bounded
in sessions, runs and time. Prints, per load: errors, per-run latency (median, p95, max) and the
server's resident memory (before, peak, after). Usage: `.venv/bin/python bench/load.py [20 50]`.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import server, wsclient  # noqa: E402
from bench.run import RssSampler  # noqa: E402

# What a user does in a meeting: open the page, then change filters.
QUERIES = [
    "",
    "theme=ecology",
    "theme=infrastructure&partner=440000",
    "q=铁路",
    "place=350800",
    "theme=social&lang=en",
]
TIMEOUT_S = 600.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def one_load(base_url: str, pgid: int, sessions: int) -> dict[str, object]:
    before = server.rss_bytes(pgid)
    start = time.perf_counter()
    with RssSampler(pgid) as rss:
        results = asyncio.run(wsclient.concurrent(base_url, sessions, QUERIES, timeout=TIMEOUT_S))
    wall = time.perf_counter() - start
    runs = [r for res in results if not isinstance(res, str) for r in res]
    seconds = [r.seconds for r in runs]
    errors = [res for res in results if isinstance(res, str)] + [e for r in runs for e in r.errors]
    return {
        "sessions": sessions,
        "runs": len(runs),
        "errors": len(errors),
        "first_error": errors[0][:120] if errors else "",
        "median_ms": round(statistics.median(seconds) * 1000) if seconds else None,
        "p95_ms": round(percentile(seconds, 0.95) * 1000) if seconds else None,
        "max_ms": round(max(seconds) * 1000) if seconds else None,
        "wall_s": round(wall, 1),
        "rss_before_mib": round(before / 2**20),
        "rss_peak_mib": round(rss.peak / 2**20),
        "rss_after_mib": round(server.rss_bytes(pgid) / 2**20),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sessions", nargs="*", type=int, default=[20, 50])
    args = parser.parse_args()
    if any(n < 1 or n > 100 for n in args.sessions):
        parser.error("between 1 and 100 sessions per load")
    app = server.APP_DIR / "app.py"
    srv = server.start(app, server.APP_DIR / "bench" / "out" / "logs")
    try:
        asyncio.run(wsclient.rerun_series(srv.base_url, [""]))  # warm the data and layer caches
        rows = [one_load(srv.base_url, srv.proc.pid, n) for n in args.sessions]
    finally:
        server.stop_all()
    header = ["sessions", "runs", "errors", "median_ms", "p95_ms", "max_ms", "wall_s", "rss_before_mib",
              "rss_peak_mib", "rss_after_mib"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(str(row[h]) for h in header) + " |")
    for row in rows:
        if row["errors"]:
            print(f"{row['sessions']} sessions: first error: {row['first_error']}")
    raise SystemExit(1 if any(row["errors"] for row in rows) else 0)


if __name__ == "__main__":
    main()
