"""Benchmark the dashboard against a naive folium map; print one table and write bench/results.md.

    .venv/bin/python bench/run.py [--repeat 3] [--scales 1,10,100] [--changes 30] [--sessions 20]

Per data scale (×1 = the repository's data; ×10, ×100 = synthetic copies in a temp dir, see
bench/synth.py) and per app (ours: app.py; naive: bench/naive_app.py, the explore() map), it
measures: the overview payload (map HTML; st_folium arguments as the server sends them; websocket
bytes Chromium receives until the map is painted), cold start (process start to map painted in
headless Chromium), filter latency (theme multiselect click to new map painted, `--changes`
changes), server time per rerun (browser-less websocket client: rerun request to
script_finished), the in-process build and st_folium argument time, and server RSS with 1 and
with `--sessions` concurrent sessions. Plus the cold start of a one-polygon floor page
(bench/floor_app.py). All traffic stays on 127.0.0.1; every wait has a timeout; every server is
stopped in a `finally`. Installs nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import os
import platform
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
import tomllib
from collections.abc import Callable
from pathlib import Path

APP_DIR = Path(__file__).resolve().parent.parent
if str(APP_DIR) not in sys.path:  # run as a script: make `bench` and `panprd` importable
    sys.path.insert(0, str(APP_DIR))

from playwright.sync_api import sync_playwright  # noqa: E402

from bench import browser as br  # noqa: E402
from bench import inprocess, synth, wsclient  # noqa: E402
from bench import server as srv  # noqa: E402
from panprd import vocab  # noqa: E402

OUT_DIR = APP_DIR / "bench" / "out"  # logs (git-ignored)
RESULTS_MD = APP_DIR / "bench" / "results.md"
THEMES = list(vocab.THEMES)
MB = 1024 * 1024

Figures = dict[str, float | None]


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100), linear between closest ranks."""
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low, high = int(pos), min(int(pos) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def max_message_bytes() -> int:
    """server.maxMessageSize from .streamlit/config.toml (Streamlit's default: 200 MB)."""
    path = APP_DIR / ".streamlit" / "config.toml"
    config = tomllib.loads(path.read_text()) if path.exists() else {}
    return int(config.get("server", {}).get("maxMessageSize", 200)) * MB


def app_copy(name: str, workdir: Path) -> Path:
    """bench/<name> copied into its own folder: Streamlit serves the static/ next to the script."""
    folder = workdir / name.removesuffix(".py")
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(APP_DIR / "bench" / name, folder / name))


class RssSampler:
    """Samples the RSS of servers (their process groups, summed) every 0.2 s in a thread; `peak` is the
    largest sample."""

    def __init__(self, *pgids: int):
        self.pgids, self.peak, self._stop = pgids, 0, threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, sum(srv.rss_bytes(pgid) for pgid in self.pgids))
            self._stop.wait(0.2)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def browser_figures(browser, app: Path, data_root: Path, changes: int, log_dir: Path) -> Figures:
    """Cold start and filter latency of one app in Chromium (a fresh server of its own)."""
    server = srv.start(app, log_dir, data_root, wait=False)
    try:
        run, cold = br.cold_start(browser, server)
        figures: Figures = {"cold_start_s": cold["cold_start_s"], "first_paint_s": cold["first_paint_s"],
                            "ws_bytes_first_paint": cold["ws_bytes"],
                            "map_file_bytes_first": cold["map_file_bytes"],
                            "map_file_wire_first": cold["map_file_wire"]}
        again = br.second_visit(browser, run)
        figures |= {"ws_bytes_second_visit": again["ws_bytes"], "map_file_bytes_second": again["map_file_bytes"],
                    "map_file_wire_second": again["map_file_wire"],
                    "new_visitor_s": br.new_visitor(browser, server)["seconds"]}
        if changes:
            results = br.filter_changes(run, changes, screenshot_dir=OUT_DIR)
            done = [r for r in results if r["ms"] is not None]
            figures["filter_timeouts"] = len(results) - len(done)
            if done:
                figures |= {
                    "filter_median_ms": statistics.median(r["ms"] for r in done),
                    "filter_p95_ms": percentile([r["ms"] for r in done], 95),
                    "ws_bytes_per_change": statistics.mean(r["ws_bytes"] for r in done),
                }
        if run.errors:
            print(f"    page errors: {run.errors[:3]}", flush=True)
        run.page.context.close()
        return figures
    finally:
        srv.stop(server)


async def _sessions(base_url: str, pgid: int, reruns: int, sessions: int) -> Figures:
    """One session's rerun series and RSS, then `sessions` concurrent sessions and their RSS."""
    queries = [""] + ["" if i % 2 else f"theme={THEMES[(i // 2) % len(THEMES)]}" for i in range(reruns)]
    async with wsclient.Session(base_url) as first:
        runs = [await first.run(queries[0])] + [await first.change(q) for q in queries[1:]]
        warm = runs[1:]
        figures: Figures = {
            "rerun_median_ms": statistics.median(r.seconds for r in warm) * 1000,
            "rerun_p95_ms": percentile([r.seconds for r in warm], 95) * 1000,
            "component_args_bytes": runs[0].component_args_bytes,
            "rss_1_mb": srv.rss_bytes(pgid) / MB,
        }
        errors = sum(len(r.errors) for r in runs)
        hold, ready = asyncio.Event(), asyncio.Event()
        view = f"theme={THEMES[0]}"
        start = time.perf_counter()
        with RssSampler(pgid) as sampler:
            # The others each run the overview, then one theme view, and stay connected until `hold`.
            task = asyncio.ensure_future(wsclient.concurrent(base_url, sessions - 1, ["", view], hold=hold,
                                                             ready=ready))
            await asyncio.wait_for(ready.wait(), 900)
            # All sessions connected and done; the first one reruns once more meanwhile.
            errors += len((await first.change("" if first.query else view)).errors)
            figures["rss_n_mb"] = srv.rss_bytes(pgid) / MB
            hold.set()
            results = await task
        summary = wsclient.summary(results)
        figures |= {
            "rss_peak_mb": sampler.peak / MB,
            "sessions_wall_s": time.perf_counter() - start,
            "session_errors": errors + int(summary["sessions_failed"]) + int(summary["run_errors"])
            - int(summary["timeouts"]),
            "session_timeouts": summary["timeouts"],
            "concurrent_median_run_ms": summary["median_run_ms"],
        }
        if summary["first_errors"]:
            print(f"    session errors: {summary['first_errors']}", flush=True)
    figures["rss_per_session_mb"] = (figures["rss_n_mb"] - figures["rss_1_mb"]) / max(1, sessions - 1)
    return figures


def run_in_thread(func: Callable[[], Figures]) -> Figures:
    """Run `func` in a thread of its own (Playwright's sync API owns this thread's event loop)."""
    result: list[Figures] = []
    failure: list[BaseException] = []

    def target() -> None:
        try:
            result.append(func())
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return result[0]


def session_figures(app: Path, data_root: Path, reruns: int, sessions: int, log_dir: Path) -> Figures:
    """Server time per rerun and memory with 1 and `sessions` sessions (browser-less clients)."""
    server = srv.start(app, log_dir, data_root)
    try:
        coro = _sessions(server.base_url, server.proc.pid, reruns, sessions)
        return run_in_thread(lambda: asyncio.run(asyncio.wait_for(coro, 1800)))
    finally:
        srv.stop(server)


def timed(label: str, func: Callable[[], Figures]) -> Figures:
    """Run one measurement step, print how long it took; a failure becomes an `error` figure."""
    start = time.monotonic()
    print(f"  {label} ...", end=" ", flush=True)
    try:
        figures = func()
    except Exception as exc:  # report and go on: the other figures are still worth having
        print(f"FAILED after {time.monotonic() - start:.0f} s: {type(exc).__name__}: {str(exc)[:300]}", flush=True)
        return {"error": 1}
    print(f"{time.monotonic() - start:.0f} s", flush=True)
    return figures


def one_run(args: argparse.Namespace, workdir: Path) -> dict[str, Figures]:
    """Every figure once: {"<scale>/<app>": figures, "floor": figures}."""
    log_dir = OUT_DIR / "logs"
    apps = {"ours": APP_DIR / "app.py", "naive": app_copy("naive_app.py", workdir)}
    if args.before:
        apps = {"before": args.before.resolve() / "app.py", **apps}
    floor = app_copy("floor_app.py", workdir)
    limit = max_message_bytes()
    out: dict[str, Figures] = {}
    with sync_playwright() as pw:
        browser = br.launch(pw)
        try:
            print("floor page", flush=True)
            out["floor"] = timed("cold start", lambda: browser_figures(browser, floor, APP_DIR, 0, log_dir))
            for scale in args.scales:
                root = APP_DIR if scale == 1 else synth.make_data_root(workdir / f"data-x{scale}", scale)
                print(f"×{scale}", flush=True)
                inproc = timed("in-process build and payload",
                               lambda root=root, scale=scale: inprocess.measure(
                                   root, THEMES, args.inproc_runs, args.inproc_runs if scale == 1 else 2))
                for name, app in apps.items():
                    figures: Figures = dict(inproc.get(name, {}))  # ("before": no in-process figures)
                    if name == "before" and scale not in args.before_scales:
                        continue
                    if name == "naive" and (figures.get("html_bytes") or 0) > limit:
                        print(f"  naive app skipped: its map ({figures['html_bytes'] / MB:.0f} MB) exceeds "
                              f"server.maxMessageSize ({limit / MB:.0f} MB)", flush=True)
                        figures["over_message_limit"] = 1
                    elif name == "naive" and scale not in args.naive_scales:
                        pass
                    else:
                        figures |= timed(f"{name}: browser",
                                         lambda app=app, root=root: browser_figures(browser, app, root, args.changes,
                                                                                    log_dir))
                        figures |= timed(f"{name}: sessions",
                                         lambda app=app, root=root: session_figures(app, root, args.reruns,
                                                                                    args.sessions, log_dir))
                    out[f"{scale}/{name}"] = figures
                if root != APP_DIR:
                    shutil.rmtree(root, ignore_errors=True)
        finally:
            browser.close()
    return out


# ------------------------------------------------------------------------------------------ report

ROWS: list[tuple[str, str, str]] = [  # key, label, format
    ("html_bytes", "overview payload: map HTML (bytes)", "{:,.0f}"),
    ("component_args_bytes", "overview payload: st_folium args over the websocket (bytes)", "{:,.0f}"),
    ("ws_bytes_first_paint", "websocket bytes received until the map is painted (CDP)", "{:,.0f}"),
    ("cold_start_s", "cold start: process start → map painted (s)", "{:.2f}"),
    ("filter_median_ms", "filter change → map repainted, median (ms)", "{:.0f}"),
    ("filter_p95_ms", "filter change → map repainted, p95 (ms)", "{:.0f}"),
    ("ws_bytes_per_change", "websocket bytes per filter change, mean (CDP; repeated views come from cache)",
     "{:,.0f}"),
    ("filter_timeouts", f"filter changes not repainted within {br.CHANGE_TIMEOUT_MS // 1000} s", "{:.0f}"),
    ("rerun_median_ms", "server time per rerun, median (ws client: rerun → script_finished, ms)", "{:.0f}"),
    ("rerun_p95_ms", "server time per rerun, p95 (ms)", "{:.0f}"),
    ("first_paint_s", "first visitor: health check ok → map painted (s)", "{:.2f}"),
    ("new_visitor_s", "new visitor of a warm server (fresh browser): navigation → map painted (s)", "{:.2f}"),
    ("build_ms", "in-process: filters.apply + mapspec.build + maps.draw / naive_map, median (ms)", "{:.0f}"),
    ("args_ms", "in-process: st_folium argument building, median (ms)", "{:.0f}"),
    ("rss_1_mb", "server RSS, 1 session (MiB)", "{:.0f}"),
    ("rss_n_mb", "server RSS, N concurrent sessions (MiB)", "{:.0f}"),
    ("rss_peak_mb", "server RSS peak while N sessions run (MiB)", "{:.0f}"),
    ("rss_per_session_mb", "RSS growth per extra session (MiB)", "{:.1f}"),
    ("sessions_wall_s", "N concurrent sessions: wall time for all runs (s)", "{:.1f}"),
    ("concurrent_median_run_ms", "N concurrent sessions: median run (ms)", "{:.0f}"),
    ("session_errors", "N concurrent sessions: errors (not counting timeouts)", "{:.0f}"),
    ("session_timeouts", f"N concurrent sessions: runs not finished within {wsclient.RUN_TIMEOUT_S:.0f} s",
     "{:.0f}"),
]


def median_figures(runs: list[dict[str, Figures]]) -> tuple[dict[str, Figures], dict[str, dict[str, float]]]:
    """Per-figure medians over the runs, and the median of each run's own ours/naive ratio."""
    keys = {k for run in runs for k in run}
    medians: dict[str, Figures] = {}
    for key in keys:
        names = {n for run in runs for n in run.get(key, {})}
        medians[key] = {}
        for name in names:
            values = [run[key][name] for run in runs if run.get(key, {}).get(name) is not None]
            medians[key][name] = statistics.median(values) if values else None
    ratios: dict[str, dict[str, float]] = {}
    for scale_key in {k.split("/")[0] for k in keys if "/" in k}:
        ratios[scale_key] = {}
        for name, *_ in ROWS:
            per_run = [run[f"{scale_key}/ours"][name] / run[f"{scale_key}/naive"][name] for run in runs
                       if run.get(f"{scale_key}/ours", {}).get(name) and run.get(f"{scale_key}/naive", {}).get(name)]
            if per_run:
                ratios[scale_key][name] = statistics.median(per_run)
    return medians, ratios


def fmt(value: float | None, pattern: str) -> str:
    return "—" if value is None else pattern.format(value)


def table(medians: dict[str, Figures], ratios: dict[str, dict[str, float]], scales: list[int],
          sessions: int) -> list[str]:
    """The markdown table: figure, before (another checkout, when measured), ours, naive, ours/naive; one
    block per scale."""
    lines = ["| figure | before | after (this checkout) | naive | after / naive |", "|---|---:|---:|---:|---:|"]
    for scale in scales:
        ours, naive = medians.get(f"{scale}/ours", {}), medians.get(f"{scale}/naive", {})
        before = medians.get(f"{scale}/before", {})
        for key, label, pattern in ROWS:
            if ours.get(key) is None and naive.get(key) is None:
                continue
            ratio = ratios.get(str(scale), {}).get(key)
            naive_text = fmt(naive.get(key), pattern)
            if naive.get("over_message_limit") and naive.get(key) is None:
                naive_text = "not servable (> maxMessageSize)"
            lines.append(f"| ×{scale} {label.replace('N ', f'{sessions} ')} | {fmt(before.get(key), pattern)} | "
                         f"{fmt(ours.get(key), pattern)} | {naive_text} | {fmt(ratio, '{:.3f}')} |")
    floor = medians.get("floor", {}).get("cold_start_s")
    lines.append(f"| floor page (one polygon, st_folium, local assets): cold start (s) | | {fmt(floor, '{:.2f}')} "
                 "| | |")
    return lines


def budgets(medians: dict[str, Figures], ratios: dict[str, dict[str, float]], scales: list[int],
            sessions: int) -> list[tuple[str, bool | None, str]]:
    """(budget, passed or None when not measured, the figures behind it)."""
    ours1 = medians.get("1/ours", {})
    out: list[tuple[str, bool | None, str]] = []

    def check(name: str, value: float | None, limit: float | None, text: str) -> None:
        out.append((name, None if value is None or limit is None else value <= limit, text))

    share = ratios.get("1", {}).get("html_bytes")
    check("overview payload ≤ 5% of naive", share, 0.05,
          f"{fmt(share and share * 100, '{:.2f}')}% ({fmt(ours1.get('html_bytes'), '{:,.0f}')} of "
          f"{fmt(medians.get('1/naive', {}).get('html_bytes'), '{:,.0f}')} bytes)")
    med, p95 = ours1.get("filter_median_ms"), ours1.get("filter_p95_ms")
    lost = ours1.get("filter_timeouts") or 0
    check("filter → repainted median ≤ 300 ms", med, 300, f"{fmt(med, '{:.0f}')} ms")
    check("filter → repainted p95 ≤ 600 ms", p95 if not lost else float("inf"), 600,
          f"{fmt(p95, '{:.0f}')} ms" + (f", {lost:.0f} changes not repainted" if lost else ""))
    rerun = ours1.get("rerun_median_ms")
    check("server script time per rerun ≤ 100 ms median", rerun, 100,
          f"{fmt(rerun, '{:.0f}')} ms (ws client, rerun → script_finished); in-process build "
          f"{fmt(ours1.get('build_ms'), '{:.0f}')} ms + st_folium args {fmt(ours1.get('args_ms'), '{:.0f}')} ms")
    cold, floor = ours1.get("cold_start_s"), medians.get("floor", {}).get("cold_start_s")
    check("cold start ≤ 1.5× floor page", cold, floor and 1.5 * floor,
          f"{fmt(cold, '{:.2f}')} s vs 1.5 × {fmt(floor, '{:.2f}')} s = {fmt(floor and 1.5 * floor, '{:.2f}')} s")
    errors = ours1.get("session_errors")
    timeouts = ours1.get("session_timeouts")
    failures = None if errors is None else errors + (timeouts or 0)
    check(f"{sessions} concurrent sessions without errors", failures, 0,
          f"{fmt(errors, '{:.0f}')} errors, {fmt(timeouts, '{:.0f}')} timeouts; "
          f"RSS {fmt(ours1.get('rss_1_mb'), '{:.0f}')} MiB with 1 session, "
          f"{fmt(ours1.get('rss_n_mb'), '{:.0f}')} MiB with {sessions}: "
          f"{fmt(ours1.get('rss_per_session_mb'), '{:.1f}')} MiB per extra session")
    if 100 in scales:
        big = medians.get("100/ours", {}).get("filter_median_ms")
        check("×100 filter latency ≤ 3× ×1", big, med and 3 * med,
              f"{fmt(big, '{:.0f}')} ms vs 3 × {fmt(med, '{:.0f}')} ms = {fmt(med and 3 * med, '{:.0f}')} ms")
    return out


def issue_table(medians: dict[str, Figures], scales: list[int]) -> list[str]:
    """Issue 23's budgets that a single session measures (and issue 13's that it must keep), before / after /
    naive (`make load` has the concurrent-session rows)."""
    cols = {name: medians.get(f"1/{name}", {}) for name in ("before", "ours", "naive")}
    big = {name: medians.get(f"100/{name}", {}) for name in ("before", "ours")} if 100 in scales else {}

    def pair(fig: Figures, a: str, b: str, pattern: str = "{:.0f}") -> str:
        return f"{fmt(fig.get(a), pattern)} / {fmt(fig.get(b), pattern)}"

    def first_visit(fig: Figures) -> float | None:  # websocket bytes until painted + the map's static files
        return fig.get("ws_bytes_first_paint") and fig["ws_bytes_first_paint"] + fig.get("map_file_bytes_first", 0)

    def share(name: str) -> str:
        ours, naive = first_visit(cols[name]), first_visit(cols["naive"])
        if not ours or not naive:
            return "—"
        wire = cols[name].get("map_file_wire_first", 0)
        return (f"{ours / naive:.1%} ({ours:,.0f} B: websocket {cols[name]['ws_bytes_first_paint']:,.0f}, files "
                f"{cols[name].get('map_file_bytes_first', 0):,.0f}, files on the wire {wire:,.0f})")

    def second(name: str) -> str:
        fig = cols[name]
        if not first_visit(fig) or "ws_bytes_second_visit" not in fig:
            return "—"
        # what crosses the network again: the websocket (Streamlit sends the page anew) and the map files on
        # the wire (a file the browser has costs nothing, or a 304's headers)
        again = fig["ws_bytes_second_visit"] + fig.get("map_file_wire_second", 0)
        return (f"{again / first_visit(fig):.0%} ({again:,.0f} of {first_visit(fig):,.0f} B: websocket "
                f"{fig['ws_bytes_second_visit']:,.0f}, map files {fig.get('map_file_wire_second', 0):,.0f} on the "
                f"wire, {fig.get('map_file_bytes_second', 0):,.0f} read from the browser's cache)")

    def times_one(name: str) -> str:
        big_ms, one_ms = big.get(name, {}).get("filter_median_ms"), cols[name].get("filter_median_ms")
        return f"{big_ms / one_ms:.1f}× ({big_ms:.0f} vs {one_ms:.0f} ms)" if big_ms and one_ms else "—"

    rows = [
        ("filter → repaint, one session, ×1, median / p95 (ms)",
         *(pair(cols[n], "filter_median_ms", "filter_p95_ms") for n in cols), "≤ 200 / ≤ 300"),
        ("server time per rerun, cache hit, median (ms)",
         *(fmt(cols[n].get("rerun_median_ms"), "{:.0f}") for n in cols), "≤ 30"),
        ("a new visitor on a warm server: navigation → map painted (s)",
         *(fmt(cols[n].get("new_visitor_s"), "{:.2f}") for n in cols), "≤ 2.5"),
        ("the first visitor: health check ok → map painted (s)",
         *(fmt(cols[n].get("first_paint_s"), "{:.2f}") for n in cols), "—"),
        ("first-visit map payload (websocket bytes until painted + map files), share of naive",
         share("before"), share("ours"), "100%", "≤ 2.5%"),
        ("second visit, same browser: bytes transferred again until painted (websocket + map files on the wire)",
         second("before"), second("ours"), second("naive"), "≤ 20% of first"),
        ("×100 data: repaint vs ×1", times_one("before"), times_one("ours"), "—", "≤ 2×"),
        ("memory per extra session (MiB)", *(fmt(cols[n].get("rss_per_session_mb"), "{:.1f}") for n in cols), "≤ 5"),
    ]
    return ["| budget (issue 23; issue 13's kept) | before | after | naive | goal |", "|---|---:|---:|---:|---:|",
            *(f"| {' | '.join(row)} |" for row in rows)]


def report(runs: list[dict[str, Figures]], args: argparse.Namespace, started: str, load: tuple) -> str:
    medians, ratios = median_figures(runs)
    lines = issue_table(medians, args.scales) + [""] + table(medians, ratios, args.scales, args.sessions)
    marks = budgets(medians, ratios, args.scales, args.sessions)
    verdict = {True: "PASS", False: "MISS", None: "NOT MEASURED"}
    budget_lines = [f"- **{verdict[ok]}** {name}: {text}" for name, ok, text in marks]
    header = [
        f"Run {started}, {len(runs)} repeat(s) (medians; ratios are per run, then the median), "
        f"{args.changes} filter changes, {args.reruns} reruns, {args.sessions} concurrent sessions; "
        f"{os.cpu_count()} cores, load average before/after {load[0]:.2f}/{os.getloadavg()[0]:.2f}; "
        f"Python {platform.python_version()}.",
        "",
    ]
    return "\n".join([*header, *lines, "", "Budgets:", "", *budget_lines, ""])


DECK_HEADING = "## Meeting deck (issue 21)"


def deck_section(figures: Figures, started: str) -> str:
    """The meeting deck's figures (bench.inprocess.deck_figures) as a section of results.md."""
    mb = (figures["bytes"] or 0) / MB
    return "\n".join([
        DECK_HEADING, "",
        f"Measured {started} by `bench/run.py --deck-only` (`bench.inprocess.deck_figures`), in one process with the "
        f"data loaded; {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}.", "",
        "| figure | value | goal |", "|---|---:|---:|",
        f"| deck of the {figures['items']:.0f} saved views: slides | {figures['slides']:.0f} | — |",
        f"| build, cold (first deck of the process), s | {figures['cold_s']:.1f} | ≤ 20 |",
        f"| build, cold again (another title; matplotlib warm), s | {figures['warm_s']:.1f} | — |",
        f"| cached (same content key), s | {figures['cached_s']:.3f} | ≤ 1 |",
        f"| size, bytes | {figures['bytes']:,.0f} ({mb:.1f} MB) | ≤ 15 MB |",
        f"| another session's filter + map build, median, alone / while a deck builds on the worker thread, ms | "
        f"{figures['rerun_alone_ms']:.0f} / {figures['rerun_during_ms']:.0f} | — |",
        "",
    ])


def write_deck_section(path: Path, section: str) -> None:
    """Put the deck's section into results.md, replacing the one there (the rest of the file is kept)."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    head, found, tail = text.partition(DECK_HEADING)
    rest = tail[tail.find("\n## "):] if found and "\n## " in tail else ""
    path.write_text(head.rstrip("\n") + "\n\n" + section + rest.lstrip("\n"), encoding="utf-8")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark the dashboard against the naive explore() map.")
    parser.add_argument("--repeat", type=int, default=1, help="runs of everything; the table shows medians")
    parser.add_argument("--scales", default="1,10,100", help="data multipliers, comma-separated")
    parser.add_argument("--naive-scales", default="1,10,100",
                        help="scales at which the naive app is also served (it is always measured in-process)")
    parser.add_argument("--changes", type=int, default=30, help="timed filter changes in Chromium")
    parser.add_argument("--reruns", type=int, default=30, help="timed reruns of one websocket session")
    parser.add_argument("--sessions", type=int, default=20, help="concurrent websocket sessions")
    parser.add_argument("--inproc-runs", type=int, default=6,
                        help="in-process builds per scale (the naive map: 2 above ×1)")
    parser.add_argument("--before", type=Path, help="another checkout served the same way: the before column")
    parser.add_argument("--before-scales", default="1", help="scales at which the before checkout is served")
    parser.add_argument("--output", type=Path, default=RESULTS_MD, help="markdown results file")
    parser.add_argument("--no-write", action="store_true", help="do not write the results file")
    parser.add_argument("--deck-only", action="store_true",
                        help="measure only the meeting deck (in-process) and update its section of the results file")
    args = parser.parse_args(argv)
    args.scales = [int(s) for s in args.scales.split(",") if s]
    args.naive_scales = [int(s) for s in args.naive_scales.split(",") if s]
    args.before_scales = [int(s) for s in args.before_scales.split(",") if s]
    if 1 not in args.scales:
        parser.error("--scales must include 1 (the budgets are stated against it)")
    if args.sessions < 2 or args.changes < 0 or args.reruns < 1 or args.repeat < 1:
        parser.error("need --sessions >= 2, --reruns >= 1, --repeat >= 1")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    # SIGTERM/SIGHUP end the run through the `finally` below, so no server is left behind.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: sys.exit(1))
    started = datetime.datetime.now().isoformat(timespec="seconds")
    if args.deck_only:
        section = deck_section(inprocess.deck_figures(APP_DIR), started)
        print(section)
        if not args.no_write:
            write_deck_section(args.output, section)
        return
    load = os.getloadavg()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="panprd-bench-"))
    runs = []
    try:
        for i in range(args.repeat):
            print(f"== run {i + 1}/{args.repeat}", flush=True)
            runs.append(one_run(args, workdir))
    finally:
        srv.stop_all()
        shutil.rmtree(workdir, ignore_errors=True)
    text = report(runs, args, started, load) + "\n" + deck_section(inprocess.deck_figures(APP_DIR), started)
    print()
    print(text)
    if not args.no_write:
        command = " ".join(["bench/run.py", *(argv if argv is not None else sys.argv[1:])])
        args.output.write_text(f"# Benchmark results\n\nWritten by `{command}`; see bench/README.md.\n\n{text}")
        print(f"written: {args.output}")


if __name__ == "__main__":
    main()
