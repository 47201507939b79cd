"""cProfile of the server side of map-page reruns under Streamlit's AppTest.

    .venv/bin/python bench/profile_rerun.py [--reruns 10] [--top 25] [--random]

One warm-up run of the overview, then `--reruns` reruns that alternate between no filter and one
theme after another (the same views as bench/run.py's rerun series), or with `--random` the first
session's random filter states of bench/load.py (every one a new view), each profiled. Prints the
median wall time of a rerun, the cumulative time of the steps that matter (our map build, the
st_folium call, the frame and sidebar, the facets) per rerun, and pstats' top functions by
cumulative time. AppTest adds its own overhead (no websocket, but its own element tree): the
figures are for comparing before/after, not for the budget.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import parse_qsl

APP_DIR = Path(__file__).resolve().parent.parent
if str(APP_DIR) not in sys.path:
    sys.path.insert(0, str(APP_DIR))

from streamlit.runtime.scriptrunner import script_runner  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from bench import load  # noqa: E402
from panprd import vocab  # noqa: E402

# (file-name suffix, function name) -> the step's label
STEPS = {
    ("ui/frame.py", "start"): "frame.start (config, data, sidebar, title)",
    ("ui/frame.py", "filter_bar"): "filter bar widgets (facets)",
    ("filters.py", "facet_counts"): "filters.facet_counts",
    ("ui/map_page.py", "map_with_panel"): "map_page.map_with_panel",
    ("mapspec.py", "build"): "mapspec.build",
    ("maps.py", "view_layers"): "maps.view_layers (the view ppView draws)",
    ("ui/mapview.py", "cached"): "mapview.cached (a hit, or the build on a miss)",
    ("ui/mapview.py", "base_args"): "mapview.base_args (the base map, once per language)",
    ("ui/mapview.py", "show"): "mapview.show (send the base arguments and the view)",
    ("ui/downloads.py", "buttons"): "downloads.buttons",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reruns", type=int, default=10)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--random", action="store_true",
                        help="the load test's seeded random filter states (bench/load.py) instead of theme / none")
    args = parser.parse_args()
    if args.random:  # one session's worth of bench/load.py's views, each new: the cost of a miss
        queries = [dict(parse_qsl(q)) for q in load.session_queries(1, args.reruns, 13)[0][1:]]
    else:
        queries = [{"theme": list(vocab.THEMES)[(i // 2) % len(vocab.THEMES)]} if i % 2 else {}
                   for i in range(args.reruns)]
    at = AppTest.from_file(str(APP_DIR / "app.py"), default_timeout=120)
    at.run()
    profile = cProfile.Profile()
    profiling = False
    original = script_runner.ScriptRunner._run_script

    def profiled(self, *a, **kw):  # the script runs in its own thread: profile it there
        return profile.runcall(original, self, *a, **kw) if profiling else original(self, *a, **kw)

    script_runner.ScriptRunner._run_script = profiled
    walls = []
    for i in range(args.reruns):
        at.query_params.clear()
        for key, value in queries[i].items():
            at.query_params[key] = value
        start = time.perf_counter()
        profiling = True
        at.run()
        profiling = False
        walls.append(time.perf_counter() - start)
        assert not at.exception, at.exception
    stats = pstats.Stats(profile)
    print(f"{args.reruns} reruns under AppTest, median wall {statistics.median(walls) * 1000:.0f} ms, "
          f"profiled total {sum(walls):.2f} s")
    print("\n| step | cumulative ms per rerun |\n|---|---:|")
    for (file, func), label in STEPS.items():
        total = sum(v[3] for (f, _line, name), v in stats.stats.items() if f.endswith(file) and name == func)
        if total:
            print(f"| {label} | {total / args.reruns * 1000:.1f} |")
    out = io.StringIO()
    pstats.Stats(profile, stream=out).strip_dirs().sort_stats("cumulative").print_stats(args.top)
    print("\n```\n" + out.getvalue().strip() + "\n```")


if __name__ == "__main__":
    main()
