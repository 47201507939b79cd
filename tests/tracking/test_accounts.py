"""Accounts, sign-in rate limit, sessions, and that no password or hash leaks."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from panprd.tracking import accounts, schema, transfer
from panprd.tracking.accounts import SignInRefused, authenticate

from .conftest import NOW, PASSWORD


def test_sign_in_with_the_right_password(engine, people):
    account = authenticate(engine, "jt", PASSWORD, NOW)
    assert (account.login, account.role, account.units) == ("jt", "reporter", ("省交通运输厅",))


@pytest.mark.parametrize(("login", "password"), [("jt", "wrong password"), ("nobody", PASSWORD), ("jt", "")])
def test_wrong_login_or_password_gets_one_message(engine, people, login, password):
    with pytest.raises(SignInRefused, match="登录名或密码错误"):
        authenticate(engine, login, password, NOW)


def test_failed_sign_ins_are_rate_limited_per_login(engine, people):
    for attempt in range(accounts.MAX_FAILURES):
        with pytest.raises(SignInRefused, match="还可尝试"):
            authenticate(engine, "jt", "guess", NOW + timedelta(seconds=attempt))
    with pytest.raises(SignInRefused, match="次数过多") as caught:
        authenticate(engine, "jt", PASSWORD, NOW + timedelta(minutes=1))
    assert caught.value.retry_at == NOW + accounts.FAILURE_WINDOW
    assert "12:15" in str(caught.value)  # 04:00 UTC + 15 min, shown in Beijing time
    # Another login is not affected.
    assert authenticate(engine, "fgw", PASSWORD, NOW + timedelta(minutes=1)).login == "fgw"
    # Once the first failure leaves the window, the right password works again and clears the count.
    assert authenticate(engine, "jt", PASSWORD, NOW + accounts.FAILURE_WINDOW + timedelta(seconds=1)).login == "jt"
    with pytest.raises(SignInRefused, match=f"还可尝试 {accounts.MAX_FAILURES - 1} 次"):
        authenticate(engine, "jt", "guess", NOW + accounts.FAILURE_WINDOW + timedelta(seconds=2))


def test_a_deactivated_account_cannot_sign_in_and_loses_its_sessions(engine, people):
    token = accounts.create_session(engine, people["jt"], NOW)
    assert accounts.session_account(engine, token, NOW).login == "jt"
    accounts.deactivate(engine, "jt", NOW)
    with pytest.raises(SignInRefused, match="已停用"):
        authenticate(engine, "jt", PASSWORD, NOW)
    assert accounts.session_account(engine, token, NOW) is None


def test_a_session_of_an_inactive_account_finds_no_one(engine, people):
    """Even a session row left unrevoked (e.g. written by another tool) does not sign in an inactive account."""
    token = accounts.create_session(engine, people["sw"], NOW)
    with engine.begin() as connection:
        connection.execute(update(schema.accounts).where(schema.accounts.c.login == "sw").values(active=False))
    assert accounts.session_account(engine, token, NOW) is None


def test_sessions_expire_and_can_be_revoked(engine, people):
    token = accounts.create_session(engine, people["fgw"], NOW, ttl=timedelta(hours=1))
    assert accounts.session_account(engine, token, NOW + timedelta(minutes=59)).login == "fgw"
    assert accounts.session_account(engine, token, NOW + timedelta(hours=1)) is None
    other = accounts.create_session(engine, people["fgw"], NOW)
    accounts.revoke_session(engine, other, NOW)
    assert accounts.session_account(engine, other, NOW) is None
    assert accounts.session_account(engine, "made-up", NOW) is None
    assert accounts.session_account(engine, "", NOW) is None


def test_only_a_hash_of_the_session_token_is_stored(engine, people):
    token = accounts.create_session(engine, people["fgw"], NOW)
    with engine.connect() as connection:
        stored = connection.execute(select(schema.sessions.c.token_hash)).scalars().all()
    assert token not in stored and len(stored) == 1 and len(stored[0]) == 64
    assert len(token) >= 40


def test_passwords_are_argon2_hashes_that_never_leave(engine, people, caplog):
    caplog.set_level(logging.DEBUG)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)
    try:
        accounts.add_account(engine, "new", "reporter", ["省商务厅"], "another secret pw", NOW)
        authenticate(engine, "new", "another secret pw", NOW)
        with pytest.raises(accounts.AccountError) as duplicate:
            accounts.add_account(engine, "new", "reporter", ["省商务厅"], "another secret pw", NOW)
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    with engine.connect() as connection:
        hashes = connection.execute(select(schema.accounts.c.password_hash)).scalars().all()
    assert all(h.startswith("$argon2id$") for h in hashes)
    exported = transfer.export_bytes(engine).decode()
    shown = [caplog.text, exported, str(duplicate.value), repr(accounts.get_account(engine, "new"))]
    for text in shown:
        assert "another secret pw" not in text and "$argon2" not in text
        assert not any(h in text for h in hashes)
    assert "SELECT" in caplog.text  # the engine did log its statements, just not their parameters


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"units": ["省经信委"]}, "未知单位"),  # a 2016 name: accounts belong to today's units
    ({"units": []}, "至少一个单位"),
    ({"role": "admin"}, "未知角色"),
    ({"login": "has space"}, "登录名"),
    ({"password": "short"}, "至少 10 个字符"),
])
def test_bad_accounts_are_refused(engine, kwargs, message):
    fields = {"login": "x", "role": "reporter", "units": ["省工信厅"], "password": "long enough pw"} | kwargs
    with pytest.raises(accounts.AccountError, match=message):
        accounts.add_account(engine, fields["login"], fields["role"], fields["units"], fields["password"], NOW)
