"""Shared fixtures: the real data, loaded once per test session; a ledger database outside the worktree."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from panprd import data


@pytest.fixture(scope="session")
def ds() -> data.Dataset:
    return data.load()


@pytest.fixture(scope="session", autouse=True)
def ledger_outside_the_worktree(tmp_path_factory) -> Iterator[str]:
    """Every page opens the tracking ledger: point PANPRD_DB_URL at a temporary file for the whole session
    (AppTest pages and the browser tests' servers, which inherit the environment), never var/tracking.db."""
    previous = os.environ.get("PANPRD_DB_URL")
    url = f"sqlite:///{tmp_path_factory.mktemp('ledger') / 'tracking.db'}"
    os.environ["PANPRD_DB_URL"] = url
    yield url
    if previous is None:
        os.environ.pop("PANPRD_DB_URL", None)
    else:
        os.environ["PANPRD_DB_URL"] = previous
