"""Accounts, sign-in and server-side sessions.

Passwords are kept only as argon2 hashes (argon2-cffi). No function here returns, logs or prints
a hash: `Account` does not carry it, exports leave it out, and the engine hides statement
parameters from error messages. Failed sign-ins are limited per login: after
`MAX_FAILURES` failures within `FAILURE_WINDOW`, that login is refused until the oldest of
them leaves the window, even with the right password.

Sessions: `create_session` returns a random token for an HttpOnly cookie; only its sha256 is
stored, with an expiry, so a copy of the database does not hold usable tokens.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, delete, exc, insert, select, update

from panprd.messages import Message
from panprd.tracking import clock, schema
from panprd.tracking.store import TrackingError, reading, writing
from panprd.tracking.units import today_units

ROLES = ("reporter", "office")
MIN_PASSWORD_CHARS = 10
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
SESSION_TTL = timedelta(hours=12)

_hasher = PasswordHasher()  # argon2-cffi's defaults (RFC 9106 low-memory profile); tests swap in a cheap one


@cache
def _dummy_hash() -> str:
    """Verified against when the login does not exist, so an unknown login costs the same time."""
    return _hasher.hash(secrets.token_hex(16))


class AccountError(TrackingError):
    """An account cannot be created or changed as asked."""


class SignInRefused(TrackingError):
    """Wrong login or password, deactivated account, or too many failures (`retry_at` is then set)."""

    def __init__(self, said: Message, retry_at: datetime | None = None):
        super().__init__(said)
        self.retry_at = retry_at


@dataclass(frozen=True)
class Account:
    id: int
    login: str
    role: str
    units: tuple[str, ...]
    active: bool
    created_at: str
    deactivated_at: str | None

    @property
    def is_office(self) -> bool:
        return self.role == "office"


_ACCOUNT_COLUMNS = [schema.accounts.c[name] for name in ("id", "login", "role", "active", "created_at",
                                                         "deactivated_at")]


def load_accounts(connection: Connection, where) -> list[Account]:
    """Accounts matching a WHERE clause, with their units, on an open connection."""
    rows = connection.execute(select(*_ACCOUNT_COLUMNS).where(where).order_by(schema.accounts.c.id)).all()
    ids = [row.id for row in rows]
    units: dict[int, list[str]] = {i: [] for i in ids}
    if ids:
        for account_id, unit in connection.execute(
                select(schema.account_units.c.account_id, schema.account_units.c.unit)
                .where(schema.account_units.c.account_id.in_(ids)).order_by(schema.account_units.c.unit)):
            units[account_id].append(unit)
    return [Account(row.id, row.login, row.role, tuple(units[row.id]), bool(row.active), row.created_at,
                    row.deactivated_at) for row in rows]


def get_account(engine: Engine, login: str) -> Account | None:
    with reading(engine) as connection:
        found = load_accounts(connection, schema.accounts.c.login == login)
    return found[0] if found else None


def list_accounts(engine: Engine) -> list[Account]:
    with reading(engine) as connection:
        return load_accounts(connection, schema.accounts.c.id.is_not(None))


def accounts_of_units(engine: Engine, units: Iterable[str]) -> list[Account]:
    """Active accounts tied to any of `units` (e.g. who to notify about an action)."""
    wanted = set(units)
    return [a for a in list_accounts(engine) if a.active and wanted & set(a.units)]


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(Message("ledger_password_short", n=MIN_PASSWORD_CHARS))


def add_account(engine: Engine, login: str, role: str, units: Iterable[str], password: str | None,
                now: datetime | None = None) -> Account:
    """Create an account tied to today's units (`units_2016.csv`); a reporter needs at least one unit."""
    login = login.strip()
    units = tuple(dict.fromkeys(u.strip() for u in units if u.strip()))
    if not login or len(login) > 64 or any(c.isspace() for c in login):
        raise AccountError(Message("ledger_login_form"))
    if role not in ROLES:
        raise AccountError(Message("ledger_role_unknown", role=role))
    if role == "reporter" and not units:
        raise AccountError(Message("ledger_reporter_units"))
    known = today_units()
    unknown = [u for u in units if u not in known]
    if unknown:
        raise AccountError(Message("ledger_units_unknown", units=tuple(unknown)))
    if password is not None:
        _check_password(password)
    hashed = _hasher.hash(password) if password is not None else None
    try:
        with writing(engine) as connection:
            account_id = connection.execute(insert(schema.accounts).values(
                login=login, role=role, password_hash=hashed, active=True, created_at=clock.stamp(now),
            )).inserted_primary_key[0]
            if units:
                connection.execute(insert(schema.account_units),
                                   [{"account_id": account_id, "unit": u} for u in units])
    except exc.IntegrityError:
        raise AccountError(Message("ledger_login_exists", login=login)) from None
    account = get_account(engine, login)
    assert account is not None
    return account


def set_password(engine: Engine, login: str, password: str) -> None:
    """Set or replace an account's password (accounts restored from an export have none)."""
    _check_password(password)
    hashed = _hasher.hash(password)
    with writing(engine) as connection:
        changed = connection.execute(update(schema.accounts).where(schema.accounts.c.login == login)
                                     .values(password_hash=hashed)).rowcount
    if not changed:
        raise AccountError(Message("ledger_no_account", login=login))


def deactivate(engine: Engine, login: str, now: datetime | None = None) -> Account:
    """Deactivate an account and end its sessions; its reports stay in the history."""
    stamp = clock.stamp(now)
    with writing(engine) as connection:
        found = load_accounts(connection, schema.accounts.c.login == login)
        if not found:
            raise AccountError(Message("ledger_no_account", login=login))
        if found[0].active:
            connection.execute(update(schema.accounts).where(schema.accounts.c.id == found[0].id)
                               .values(active=False, deactivated_at=stamp))
            connection.execute(update(schema.sessions).where(schema.sessions.c.account_id == found[0].id,
                                                             schema.sessions.c.revoked_at.is_(None))
                               .values(revoked_at=stamp))
    account = get_account(engine, login)
    assert account is not None
    return account


def deactivated_message(account: Account) -> Message:
    return Message("ledger_deactivated", login=account.login)


def authenticate(engine: Engine, login: str, password: str, now: datetime | None = None) -> Account:
    """The account when the password is right; SignInRefused otherwise (rate-limited per login)."""
    moment = clock.current(now)
    window_start = clock.stamp(moment - FAILURE_WINDOW)
    key = login[:64]  # the column's width; no longer login exists
    with reading(engine) as connection:
        failures = connection.execute(
            select(schema.sign_in_failures.c.at).where(schema.sign_in_failures.c.login == key,
                                                       schema.sign_in_failures.c.at > window_start)
            .order_by(schema.sign_in_failures.c.at)).scalars().all()
        row = connection.execute(select(schema.accounts.c.password_hash)
                                 .where(schema.accounts.c.login == login)).first()
    if len(failures) >= MAX_FAILURES:
        retry_at = clock.parse_stamp(failures[-MAX_FAILURES]) + FAILURE_WINDOW
        local = retry_at.astimezone(clock.SHANGHAI).strftime("%H:%M")
        raise SignInRefused(Message("ledger_too_many", at=local), retry_at)
    stored = row.password_hash if row is not None else None
    try:
        _hasher.verify(stored or _dummy_hash(), password)
        verified = stored is not None
    except (VerificationError, InvalidHashError):
        verified = False
    if not verified:
        with writing(engine) as connection:
            # Failures older than the window count for nothing: drop them, whatever the login.
            connection.execute(delete(schema.sign_in_failures).where(schema.sign_in_failures.c.at <= window_start))
            connection.execute(insert(schema.sign_in_failures).values(login=key, at=clock.stamp(moment)))
        left = MAX_FAILURES - len(failures) - 1
        raise SignInRefused(Message("ledger_wrong_password", left=left, minutes=FAILURE_WINDOW.seconds // 60))
    account = get_account(engine, login)
    assert account is not None
    if not account.active:
        raise SignInRefused(deactivated_message(account))
    with writing(engine) as connection:
        connection.execute(delete(schema.sign_in_failures).where(schema.sign_in_failures.c.login == login))
        if _hasher.check_needs_rehash(stored):
            connection.execute(update(schema.accounts).where(schema.accounts.c.id == account.id)
                               .values(password_hash=_hasher.hash(password)))
    return account


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_session(engine: Engine, account: Account, now: datetime | None = None,
                   ttl: timedelta = SESSION_TTL) -> str:
    """A new random session token for `account` (put it in a signed HttpOnly cookie, never a URL)."""
    token = secrets.token_urlsafe(32)
    moment = clock.current(now)
    with writing(engine) as connection:
        # Sessions are not history: expired and revoked ones are dropped as new ones are made.
        connection.execute(delete(schema.sessions).where(
            (schema.sessions.c.expires_at <= clock.stamp(moment)) | schema.sessions.c.revoked_at.is_not(None)))
        connection.execute(insert(schema.sessions).values(
            token_hash=_token_hash(token), account_id=account.id, created_at=clock.stamp(moment),
            expires_at=clock.stamp(moment + ttl)))
    return token


def session_account(engine: Engine, token: str, now: datetime | None = None) -> Account | None:
    """The signed-in account of a session token; None when unknown, expired, revoked or deactivated."""
    if not token:
        return None
    with reading(engine) as connection:
        account_id = connection.execute(
            select(schema.sessions.c.account_id).where(schema.sessions.c.token_hash == _token_hash(token),
                                                       schema.sessions.c.revoked_at.is_(None),
                                                       schema.sessions.c.expires_at > clock.stamp(now))).scalar()
        found = load_accounts(connection, schema.accounts.c.id == account_id) if account_id is not None else []
    return found[0] if found and found[0].active else None


def revoke_session(engine: Engine, token: str, now: datetime | None = None) -> None:
    """Sign out: the token no longer finds an account."""
    with writing(engine) as connection:
        connection.execute(update(schema.sessions).where(schema.sessions.c.token_hash == _token_hash(token),
                                                         schema.sessions.c.revoked_at.is_(None))
                           .values(revoked_at=clock.stamp(now)))


