"""The ledger as every page but /tracking sees it: each action's status and light joined onto the measures.

The pages read statuses once per (data version, `store.last_change(engine)`) — the latter already
holds today's date in Asia/Shanghai, on which lights depend — and join them onto `ds.measures` by
`measure_id` (`with_statuses`). From then on the status and light are columns like the others:
`filters.apply` filters on them, maps colour by them, tables and downloads carry them. With no
ledger (the database cannot be opened) every action is grey / no report and the dashboard works
from the policy data alone. No Streamlit here; `panprd.ui.ledger` caches and shows the banner.

Map colours (documented in docs/tracking.md): a feature or a Fujian unit takes the worst light of
the shown actions that name it (red > yellow > green > grey), with the count of each light.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd
from sqlalchemy import Engine

from panprd.tracking import clock, status, store, units
from panprd.tracking.status import LIGHTS, ActionState, PlaceLight, UnitProgress

# The columns the join adds to the measures (status_frame's, without the id).
STATUS_COLUMNS: tuple[str, ...] = ("status", "status_zh", "light", "as_of", "due", "lead_today")
NO_REPORT = status.NO_STATUS  # the `status` filter's value for an action no report sets a status for
# The lights' colours, told apart with deuteranopia and protanopia too (CIEDE2000 ≥ 10 between any two, simulated:
# tests/test_colour_vision.py), and never by colour alone: each has its shape beside or instead of a plain dot,
# on the map, in the legend, the chips and the tables (issue 22).
LIGHT_COLOURS: dict[str, str] = {"green": "#00796b", "yellow": "#f9a825", "red": "#c62828", "grey": "#9e9e9e"}
LIGHT_SYMBOLS: dict[str, str] = {"green": "●", "yellow": "▲", "red": "■", "grey": "○"}


@dataclass(frozen=True, eq=False)
class LedgerView:
    """What the pages know of the ledger: every action's state, the cache key they were read at, and
    the engine (for signed-in details); `problem` is the banner's message when the store is unavailable."""

    states: Mapping[str, ActionState] = field(default_factory=dict)
    key: str = "none"
    engine: Engine | None = None
    problem: store.TrackingError | None = None

    @property
    def available(self) -> bool:
        return self.engine is not None

    @property
    def version(self) -> str:
        """Which ledger, at which change: what a process-wide cache of anything showing statuses is keyed
        on (two databases may share a last-change time)."""
        return f"{self.engine.url if self.engine is not None else ''}#{self.key}"


def cache_key(engine: Engine | None, now: datetime | None = None) -> str:
    """What the statuses are read at: the ledger's last change (today's date included), or "none"."""
    return "none" if engine is None else store.last_change(engine, now)


def read(engine: Engine, measures: pd.DataFrame, now: datetime | None = None) -> LedgerView:
    """Every action's state from the ledger. Raises store.StoreUnavailable (then use `unread`)."""
    key = cache_key(engine, now)
    return LedgerView(status.action_states(engine, units.actions_from_measures(measures), now), key, engine)


def unread(measures: pd.DataFrame, problem: store.TrackingError | None = None,
           now: datetime | None = None) -> LedgerView:
    """The view with no ledger: every action grey / no report, with the banner's message."""
    states = status.compute_states(units.actions_from_measures(measures), [], {}, clock.today(now))
    return LedgerView(states, "none", None, problem)


def with_statuses(measures: pd.DataFrame, states: Mapping[str, ActionState]) -> pd.DataFrame:
    """The measures with STATUS_COLUMNS joined by measure_id (an action with no state: no report, grey)."""
    joined = status.status_frame(states).drop(columns="measure_id").reindex(measures.index)
    joined = joined.fillna("")
    joined["light"] = joined["light"].replace("", "grey")
    return measures.drop(columns=[c for c in STATUS_COLUMNS if c in measures.columns]).join(joined)


def status_values(frame: pd.DataFrame) -> pd.Series:
    """Each row's `status` filter value: its status code, or NO_REPORT (also for a frame never joined)."""
    if "status" not in frame.columns:
        return pd.Series(NO_REPORT, index=frame.index, dtype=object)
    return frame["status"].where(frame["status"] != "", NO_REPORT)


def light_values(frame: pd.DataFrame) -> pd.Series:
    """Each row's light (grey for a frame never joined)."""
    if "light" not in frame.columns:
        return pd.Series("grey", index=frame.index, dtype=object)
    return frame["light"]


def worst_lights(frame: pd.DataFrame, column: str, keys: Iterable[str] | None = None) -> dict[str, PlaceLight]:
    """Per value of a multi-valued column (`features`, `fujian_units`): the worst light of the rows
    naming it and the count of each light; `keys` restricts the result."""
    lights: dict[str, list[str]] = {}
    for values, light in zip(frame[column], light_values(frame)):
        for value in values:
            lights.setdefault(value, []).append(light)
    wanted = set(keys) if keys is not None else set(lights)
    return {k: PlaceLight(status.worst_light(ls), {name: ls.count(name) for name in LIGHTS})
            for k, ls in lights.items() if k in wanted}


def completed(frame: pd.DataFrame) -> int:
    """Actions among the rows whose completion the office confirmed (the overview's 已完成 N / 214)."""
    return int((status_values(frame) == "completed").sum())


def unit_progress(frame: pd.DataFrame, unit_map: Mapping[str, units.Mapping2016] | None = None
                  ) -> dict[str, UnitProgress]:
    """Per 2016 unit name of the matrix: of the rows listing it, those it leads (the ledger's 牵头, in
    today's name, is one of the units the name maps to), how many of those are confirmed completed,
    and how many are red."""
    unit_map = unit_map if unit_map is not None else units.read_unit_map()
    leads = frame["lead_today"] if "lead_today" in frame.columns else pd.Series("", index=frame.index)
    tally: dict[str, list[int]] = {}
    for names, lead, state, light in zip(frame["lead_units"], leads, status_values(frame), light_values(frame)):
        for name in names:
            mapped = unit_map.get(name)
            if not lead or mapped is None or lead not in mapped.units_today:
                continue
            counts = tally.setdefault(name, [0, 0, 0])
            counts[0] += 1
            counts[1] += state == "completed"
            counts[2] += light == "red"
    return {name: UnitProgress(*counts) for name, counts in tally.items()}
