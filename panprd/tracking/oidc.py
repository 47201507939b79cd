"""Sign-in through the province's identity platform (OIDC): which ledger account a platform identity is.

The platform vouches for a person and sends claims (e.g. a department code); `oidc_units.csv`
says which of today's units a claim value stands for (columns claim, value, unit, source; the
source says where the code comes from). A person whose claims map to at least one unit gets a
reporter account of those units, made on first sign-in: its login is `oidc:` + the platform's
subject (`sub`), and it has no password, so it can be used only through the platform. The office
deactivates it like any other account; a person whose claims map to no unit is refused, with
the claims that were looked at. No Streamlit here (panprd.ui.oidc_signin draws it).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from panprd.messages import Message
from panprd.tracking import accounts
from panprd.tracking.accounts import Account, AccountError
from panprd.tracking.store import TrackingError
from panprd.tracking.units import today_units

CLAIM_MAP = Path(__file__).resolve().parent / "oidc_units.csv"
COLUMNS = ("claim", "value", "unit", "source")
LOGIN_PREFIX = "oidc:"


class ClaimMapError(TrackingError):
    """oidc_units.csv cannot be used; the message names the file, row and column."""


class PlatformRefused(TrackingError):
    """The platform's identity maps to no usable account; the message is shown as is."""


@dataclass(frozen=True)
class ClaimRule:
    claim: str
    value: str
    unit: str
    source: str


def claim_map_path() -> Path:
    """PANPRD_OIDC_UNITS, or the table shipped beside this module."""
    return Path(os.environ.get("PANPRD_OIDC_UNITS") or CLAIM_MAP)


def read_claim_map(path: Path | None = None) -> list[ClaimRule]:
    """The rules of the claim table, every row checked: unknown units and empty cells name row and column."""
    path = path or claim_map_path()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise ClaimMapError(Message("ledger_claim_unreadable", path=str(path), reason=error.strerror)) from None
    rows = list(csv.reader(text.splitlines()))
    if not rows or tuple(h.strip() for h in rows[0]) != COLUMNS:
        raise ClaimMapError(Message("ledger_claim_header", path=str(path), columns=",".join(COLUMNS)))
    known = today_units()
    rules: list[ClaimRule] = []
    errors: list[Message] = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = dict(zip(COLUMNS, [cell.strip() for cell in row] + [""] * (len(COLUMNS) - len(row))))
        if len(row) > len(COLUMNS):
            errors.append(Message("ledger_claim_cells", path=str(path), row=number, n=len(row), expected=len(COLUMNS)))
            continue
        for column in COLUMNS:
            if not cells[column]:
                errors.append(Message("ledger_claim_empty", path=str(path), row=number, column=column))
        if cells["unit"] and cells["unit"] not in known:
            errors.append(Message("ledger_claim_unit", path=str(path), row=number, unit=cells["unit"]))
        rules.append(ClaimRule(**cells))
    if errors:
        raise ClaimMapError(*errors)
    return rules


def _claim_values(claims: Mapping[str, object], claim: str) -> set[str]:
    value = claims.get(claim)
    if isinstance(value, list | tuple):
        return {str(v) for v in value}
    return set() if value is None else {str(value)}


def units_for(claims: Mapping[str, object], rules: list[ClaimRule]) -> list[str]:
    """Today's units the claims stand for, in the table's order, each once."""
    return list(dict.fromkeys(r.unit for r in rules if r.value in _claim_values(claims, r.claim)))


def is_platform_account(account: Account) -> bool:
    return account.login.startswith(LOGIN_PREFIX)


def login_for(claims: Mapping[str, object]) -> str:
    subject = str(claims.get("sub") or "").strip()
    if not subject:
        raise PlatformRefused(Message("ledger_no_subject"))
    return (LOGIN_PREFIX + "".join(subject.split()))[:64]


def account_for(engine: Engine, claims: Mapping[str, object], rules: list[ClaimRule],
                now: datetime | None = None) -> Account:
    """The ledger account of a platform identity, made on its first sign-in; PlatformRefused when none can be."""
    login = login_for(claims)
    account = accounts.get_account(engine, login)
    if account is None:
        units = units_for(claims, rules)
        if not units:
            looked_at = ", ".join(sorted({f"{r.claim}={', '.join(sorted(_claim_values(claims, r.claim))) or '—'}"
                                          for r in rules})) or "—"
            raise PlatformRefused(Message("ledger_no_unit", claims=looked_at))
        try:
            account = accounts.add_account(engine, login, "reporter", units, None, now)
        except AccountError:  # made by another process at the same moment
            account = accounts.get_account(engine, login)
            assert account is not None
    if not account.active:
        raise PlatformRefused(accounts.deactivated_message(account))
    return account
