"""Time in the ledger: stored as UTC, reasoned about in Asia/Shanghai (dates, quarters, "today").

Every function that depends on the time takes `now` (an aware datetime, default: the real clock),
so tests pin the clock instead of racing it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
POLICY_DATE = date(2016, 11, 14)  # the policy's issue date: no report can describe an earlier state


def current(now: datetime | None = None) -> datetime:
    """`now` as an aware UTC datetime (the real clock when None); a naive `now` is refused."""
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(UTC)


def stamp(now: datetime | None = None) -> str:
    """The fixed-width UTC ISO-8601 text stored in the database: 2026-11-28T07:58:21.123456Z."""
    return current(now).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_stamp(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def today(now: datetime | None = None) -> date:
    """Today's date in Asia/Shanghai."""
    return current(now).astimezone(SHANGHAI).date()


def quarter_start(now: datetime | None = None) -> datetime:
    """The first instant of the current quarter in Asia/Shanghai, as a UTC datetime."""
    local = current(now).astimezone(SHANGHAI)
    first = datetime(local.year, 3 * ((local.month - 1) // 3) + 1, 1, tzinfo=SHANGHAI)
    return first.astimezone(UTC)
