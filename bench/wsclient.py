"""A minimal browser-less Streamlit client: protobuf BackMsg/ForwardMsg over /_stcore/stream.

A session connects, sends a `rerun_script` BackMsg carrying the page's query string (the same
message the browser sends on load and on a URL change) and reads ForwardMsgs until
`script_finished`. It never reports cached messages, so the server always sends everything.
`Session.change(query)` does what the browser does when a reader sets the filters of `query`: when the
page has its filter widgets in a fragment (issue 23), it sets those widgets' states in a fragment rerun, as
the frontend sends them; otherwise (the before checkout, the naive page) it reruns with the new URL.
Used for the memory figures (many concurrent sessions), the per-rerun server time, and the nginx
load test (`--local-addr` binds a session to its own 127.0.0.x source address).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

from panprd import filters

RUN_TIMEOUT_S = 120.0
CONNECT_TIMEOUT_S = 30.0


@dataclass
class Run:
    """What one script run sent: seconds from rerun request to script_finished, and bytes."""

    seconds: float
    bytes_received: int
    component_args_bytes: int  # json_args of the st_folium component instance(s)
    errors: list[str] = field(default_factory=list)
    fragment: bool = False  # a fragment's rerun (the filter widgets set), not the whole page's


@dataclass
class Widget:
    """A filter widget the page sent: its element id, the fragment it is in, its formatted options."""

    id: str
    fragment_id: str
    options: list[str]


def ws_url(base_url: str) -> str:
    return base_url.replace("http://", "ws://", 1).rstrip("/") + "/_stcore/stream"


class Session:
    """One Streamlit session over one websocket."""

    def __init__(self, base_url: str, local_addr: str | None = None):
        self.base_url = base_url
        self.local_addr = local_addr
        self.ws = None
        self.query = ""  # the page's query string now (the server writes it back on a widget change)
        self.page_script_hash = ""
        self.widgets: dict[str, Widget] = {}  # by filter key, from the last run that sent them

    async def __aenter__(self) -> Session:
        kwargs = {"local_addr": (self.local_addr, 0)} if self.local_addr else {}
        self.ws = await websockets.connect(ws_url(self.base_url), subprotocols=["streamlit"], max_size=None,
                                           open_timeout=CONNECT_TIMEOUT_S, ping_interval=None, **kwargs)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self.ws is not None:
            await self.ws.close()

    async def run(self, query: str = "", timeout: float = RUN_TIMEOUT_S) -> Run:
        """Request a rerun with `query` as the URL query string; read until the run finishes."""
        msg = BackMsg()
        msg.rerun_script.query_string = query
        msg.rerun_script.page_name = ""
        self.query = query
        return await self._send(msg, timeout)

    async def change(self, query: str, timeout: float = RUN_TIMEOUT_S) -> Run:
        """Set the filters of `query` (its other keys are the page's, as now) the way the page offers them."""
        wanted, now = parse_qs(query), parse_qs(self.query)
        if not self.widgets or any(key not in filters.SPECS for key in wanted):  # a new URL: the filters replaced
            kept = {k: v for k, v in now.items() if k not in filters.SPECS}
            return await self.run(urlencode({**kept, **wanted}, doseq=True), timeout)
        lang = now.get("lang", ["zh"])[0]
        msg = BackMsg()
        msg.rerun_script.query_string = self.query
        msg.rerun_script.page_script_hash = self.page_script_hash
        msg.rerun_script.fragment_id = next(iter(self.widgets.values())).fragment_id
        for key, widget in self.widgets.items():
            state = WidgetState(id=widget.id)
            spec = filters.SPECS[key]
            if spec.is_text:
                state.string_value = wanted.get(key, [""])[0]
            else:
                labels = {spec.label(value, lang) for value in wanted.get(key, [])}
                state.string_array_value.data.extend(o for o in widget.options if o.rsplit(" (", 1)[0] in labels)
            msg.rerun_script.widget_states.widgets.append(state)
        return await self._send(msg, timeout, fragment=True)

    def _seen(self, fwd: ForwardMsg) -> None:
        """Keep what a later change needs: the page, its query string, the filter widgets of a fragment."""
        kind = fwd.WhichOneof("type")
        if kind == "new_session":
            self.page_script_hash = fwd.new_session.page_script_hash
        elif kind == "page_info_changed":
            self.query = fwd.page_info_changed.query_string
        elif kind == "delta" and fwd.delta.fragment_id and fwd.delta.WhichOneof("type") == "new_element":
            element = fwd.delta.new_element
            which = element.WhichOneof("type")
            if which in ("multiselect", "text_input"):
                proto = getattr(element, which)
                key = proto.id.rsplit("-", 1)[-1].removeprefix("w_")
                if key in filters.SPECS:
                    self.widgets[key] = Widget(proto.id, fwd.delta.fragment_id, list(getattr(proto, "options", [])))

    async def _send(self, msg: BackMsg, timeout: float, fragment: bool = False) -> Run:
        start = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        received = component = 0
        errors: list[str] = []
        while True:
            left = timeout - (time.perf_counter() - start)
            if left <= 0:
                raise TimeoutError(f"no script_finished within {timeout:.0f} s")
            data = await asyncio.wait_for(self.ws.recv(), left)
            received += len(data)
            fwd = ForwardMsg()
            fwd.ParseFromString(data)
            self._seen(fwd)
            kind = fwd.WhichOneof("type")
            if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                element = fwd.delta.new_element
                which = element.WhichOneof("type")
                if which == "component_instance":
                    component += len(element.component_instance.json_args.encode())
                elif which == "exception":
                    errors.append(f"exception: {element.exception.message[:200]}")
            elif kind == "script_finished":
                status = ForwardMsg.ScriptFinishedStatus.Name(fwd.script_finished)
                if status not in ("FINISHED_SUCCESSFULLY", "FINISHED_EARLY_FOR_RERUN",
                                  "FINISHED_FRAGMENT_RUN_SUCCESSFULLY"):
                    errors.append(status)
                return Run(time.perf_counter() - start, received, component, errors, fragment)


async def rerun_series(base_url: str, queries: list[str]) -> list[Run]:
    """One session that opens the page with the first query, then sets the filters of each further one."""
    async with Session(base_url) as session:
        first, *changes = queries
        return [await session.run(first)] + [await session.change(q) for q in changes]


async def concurrent(base_url: str, n: int, queries: list[str], local_addrs: list[str | None] | None = None,
                     hold: asyncio.Event | None = None, ready: asyncio.Event | None = None,
                     timeout: float = 600.0, per_session: list[list[str]] | None = None) -> list[list[Run] | str]:
    """`n` sessions at once, each running `queries` in turn; per session its runs or an error text.

    With `ready`/`hold`: every session stays connected after its runs; `ready` is set when all are
    done and the sessions close only when `hold` is set (so the caller can read memory meanwhile).
    `per_session[i]`, when given, replaces `queries` for session i. A session opens the page with its first
    query and sets the filters of each further one (`Session.change`).
    """
    addrs = local_addrs or [None] * n
    done = 0

    async def one(i: int) -> list[Run] | str:
        nonlocal done
        try:
            async with Session(base_url, addrs[i]) as session:
                first, *changes = per_session[i] if per_session else queries
                runs = [await session.run(first)] + [await session.change(q) for q in changes]
                done += 1
                if ready is not None and done == n:
                    ready.set()
                if hold is not None:
                    await hold.wait()
                return runs
        except Exception as exc:  # a failed session is a result, not a crash
            done += 1
            if ready is not None and done == n:
                ready.set()
            return f"{type(exc).__name__}: {exc}"

    return await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(n))), timeout)


def summary(results: list[list[Run] | str]) -> dict[str, object]:
    """Counts and timings of a `concurrent` result, as plain JSON-able values."""
    runs = [r for res in results if not isinstance(res, str) for r in res]
    failed = [res for res in results if isinstance(res, str)]
    errors = [e for r in runs for e in r.errors]
    seconds = [r.seconds for r in runs]
    timeouts = sum(1 for text in failed + errors if text.startswith("TimeoutError"))
    return {
        "sessions": len(results),
        "timeouts": timeouts,
        "sessions_failed": len(failed),
        "runs": len(runs),
        "run_errors": len(errors),
        "first_errors": (failed + errors)[:3],
        "median_run_ms": round(statistics.median(seconds) * 1000) if seconds else None,
        "max_run_ms": round(max(seconds) * 1000) if seconds else None,
    }
