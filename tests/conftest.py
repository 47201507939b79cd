"""Shared fixtures: the real data, loaded once per test session."""

from __future__ import annotations

import pytest

from panprd import data


@pytest.fixture(scope="session")
def ds() -> data.Dataset:
    return data.load()
