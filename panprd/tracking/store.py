"""The ledger's database: where it is, opening it, keeping its schema current, and its errors.

The embedded default is the SQLite file `var/tracking.db` beside the app (WAL, busy timeout),
created with its tables on first use; `PANPRD_DB_URL` (any SQLAlchemy URL) overrides it. A
database that cannot be used raises `StoreUnavailable` with a plain message the UI can show as
a banner while the rest of the dashboard keeps working.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, exc, func, inspect, select
from sqlalchemy.engine import make_url

from panprd.messages import Message
from panprd.tracking import clock, schema

APP_DIR = Path(__file__).resolve().parent.parent.parent
DEFAULT_DB = APP_DIR / "var" / "tracking.db"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
WRITE_OPTION = "panprd_write"  # execution option: this transaction writes (SQLite: BEGIN IMMEDIATE)

# A database server (PostgreSQL) is shared by every app process: each keeps a small pool. pre_ping
# tests a pooled connection before handing it out, so a server restarted (or a connection cut by a
# firewall) costs one reconnect, not a failed page; recycle drops connections older than 30 minutes
# before idle-timeouts on the way do. Each process holds at most pool_size + max_overflow connections.
SERVER_POOL = {"pool_size": 5, "max_overflow": 5, "pool_timeout": 10, "pool_pre_ping": True, "pool_recycle": 1800}
# An unreachable server (host down, packets dropped) is given up after 5 s rather than the OS's minutes.
SERVER_CONNECT_ARGS = {"connect_timeout": 5, "application_name": "panprd"}


class TrackingError(Exception):
    """Base of every error the ledger reports to a user: one or more Messages, shown in the reader's
    language (`text(lang)`); `str()` says each in both, Chinese first, as the command line prints."""

    def __init__(self, *said: Message):
        self.said = said
        super().__init__("\n".join(m.bilingual() for m in said))

    def text(self, lang: str) -> str:
        return "\n".join(m.text(lang) for m in self.said)


class StoreUnavailable(TrackingError):
    """The database cannot be read or written (locked, read-only, missing schema version, down)."""


def database_url() -> str:
    return os.environ.get("PANPRD_DB_URL") or f"sqlite:///{DEFAULT_DB}"


def shown_url(url: str | None = None) -> str:
    """The database URL with any password masked, for messages."""
    return make_url(url or database_url()).render_as_string(hide_password=True)


def open_store(url: str | None = None, *, busy_timeout: float = 5.0, check_schema: bool = True) -> Engine:
    """An engine on the ledger database, its tables created when the database is new.

    `busy_timeout` (seconds) is how long a SQLite writer waits for another writer's lock.
    Raises StoreUnavailable when the database cannot be opened or is at an older schema
    (`check_schema=False` skips that check, for `db upgrade` itself).
    """
    url = url or database_url()
    parsed = make_url(url)
    is_sqlite = parsed.get_backend_name() == "sqlite"
    if is_sqlite and parsed.database and parsed.database != ":memory:" and not parsed.query.get("uri"):
        try:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreUnavailable(Message("ledger_folder", path=parsed.database, reason=error.strerror)) from None
    if is_sqlite:
        engine = create_engine(url, hide_parameters=True, connect_args={"timeout": busy_timeout})
    else:
        connect_args = SERVER_CONNECT_ARGS if parsed.get_backend_name() == "postgresql" else {}
        engine = create_engine(url, hide_parameters=True, connect_args=connect_args, **SERVER_POOL)
    if is_sqlite:
        _configure_sqlite(engine, busy_timeout)
    if check_schema:
        try:
            ensure_schema(engine)
        except BaseException:
            engine.dispose()  # no pooled connection outlives a refused open
            raise
    return engine


def _configure_sqlite(engine: Engine, busy_timeout: float) -> None:
    """WAL, busy timeout, foreign keys; and BEGIN IMMEDIATE for writers so they queue, not deadlock."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # the begin hook below issues BEGIN itself
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        with suppress(sqlite3.OperationalError):  # a read-only file: reads may work, writes raise StoreUnavailable
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        write = connection.get_execution_options().get(WRITE_OPTION)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


# How psycopg words a connection that never opened, and one that was lost in use.
UNREACHABLE = ("connection failed", "could not connect", "connection refused", "timeout expired",
               "no such file or directory", "could not translate host name")
DROPPED = ("server closed the connection", "terminating connection", "connection is closed", "consuming input failed",
           "connection is lost", "ssl syscall")


def _unavailable(error: exc.DBAPIError) -> StoreUnavailable:
    """A plain message for a database failure; never the statement or its parameters."""
    reason = str(error.orig).splitlines()[0] if error.orig is not None else type(error).__name__
    lowered = reason.lower()
    if "locked" in lowered or "busy" in lowered:
        said = Message("ledger_locked")
    elif "readonly" in lowered or "read-only" in lowered or "read only" in lowered:
        said = Message("ledger_readonly")
    elif any(words in lowered for words in DROPPED):
        said = Message("ledger_dropped")
    elif any(words in lowered for words in UNREACHABLE):
        said = Message("ledger_unreachable", reason=reason)
    elif "unable to open" in lowered:
        said = Message("ledger_cannot_open")
    else:
        said = Message("ledger_unusable", reason=reason)
    return StoreUnavailable(said)


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A connection for reads; database failures become StoreUnavailable."""
    try:
        with engine.connect() as connection:
            yield connection
    except exc.IntegrityError:
        raise
    except exc.DBAPIError as error:
        raise _unavailable(error) from None


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """One write transaction (all or nothing); database failures become StoreUnavailable.

    IntegrityError passes through: callers turn a unique-key clash into their own message.
    """
    try:
        with engine.execution_options(**{WRITE_OPTION: True}).begin() as connection:
            yield connection
    except exc.IntegrityError:
        raise
    except exc.DBAPIError as error:
        raise _unavailable(error) from None


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with reading(engine) as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> str | None:
    """Bring the schema to the newest migration (`python -m panprd db upgrade`); return the revision."""
    config = alembic_config()
    with writing(engine) as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return current_revision(engine)


def ensure_schema(engine: Engine) -> None:
    """Create the tables of a new, empty database; refuse a database at an older schema."""
    head = head_revision()
    current = current_revision(engine)
    if current == head:
        return
    if current is None:
        with reading(engine) as connection:
            has_tables = inspect(connection).has_table(schema.accounts.name)
        if not has_tables:
            try:
                upgrade(engine)
            except (exc.DBAPIError, StoreUnavailable):
                if current_revision(engine) != head:  # not another process creating it at the same moment
                    raise
            return
    raise StoreUnavailable(Message("ledger_schema", current=current or Message("ledger_none"), head=head))


def last_change(engine: Engine, now: datetime | None = None) -> str:
    """A key that changes whenever a status, light or due date could change (map caches key on it).

    The newest report, review and plan change, and today's date in Asia/Shanghai, because lights
    depend on the date (the 30-day window, past due).
    """
    with reading(engine) as connection:
        ids = [connection.execute(select(func.max(table.c.id))).scalar() or 0
               for table in (schema.reports, schema.reviews, schema.plan_changes)]
    return "-".join(str(i) for i in ids) + f"-{clock.today(now).isoformat()}"
