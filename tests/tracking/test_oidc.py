"""Platform identities (OIDC claims) to ledger accounts: the claim table, accounts made on first sign-in,
refusals; and the signed target that brings a user back to the page asked for."""

from __future__ import annotations

import pytest

from panprd.tracking import accounts, oidc
from panprd.tracking.ledger import submit_report
from panprd.tracking.oidc import ClaimMapError, PlatformRefused
from panprd.ui import oidc_signin

from .conftest import NOW

TABLE = ("claim,value,unit,source\n"
         "dept_code,TEST-JTT,省交通运输厅,test fixture (not a real code)\n"
         "dept_code,TEST-FGW,省发改委,test fixture (not a real code)\n")


@pytest.fixture
def rules(tmp_path):
    path = tmp_path / "oidc_units.csv"
    path.write_text(TABLE, encoding="utf-8")
    return oidc.read_claim_map(path)


def test_the_shipped_table_is_valid_and_holds_no_invented_codes():
    assert oidc.read_claim_map(oidc.CLAIM_MAP) == []


def test_bad_rows_are_named_by_file_row_and_column(tmp_path):
    path = tmp_path / "map.csv"
    path.write_text(TABLE + "dept_code,X,省不存在厅,s\ndept_code,,省发改委,\n", encoding="utf-8")
    with pytest.raises(ClaimMapError) as refused:
        oidc.read_claim_map(path)
    assert len(str(refused.value).splitlines()) == 3 and "第 4 行" in str(refused.value)  # zh / en, per line
    lines = refused.value.text("en").splitlines()
    assert lines == [f"{path}, row 4, column unit: '省不存在厅' is not one of today's units "
                     "(panprd/tracking/units_2016.csv, column unit_today)",
                     f"{path}, row 5, column value: empty", f"{path}, row 5, column source: empty"]
    path.write_text("claim,value,unit\n", encoding="utf-8")
    with pytest.raises(ClaimMapError, match="row 1: the header must be claim,value,unit,source"):
        oidc.read_claim_map(path)


def test_claims_map_to_units_single_values_and_lists(rules):
    assert oidc.units_for({"dept_code": "TEST-JTT"}, rules) == ["省交通运输厅"]
    assert oidc.units_for({"dept_code": ["TEST-FGW", "TEST-JTT"]}, rules) == ["省交通运输厅", "省发改委"]
    assert oidc.units_for({"dept_code": "OTHER"}, rules) == []


def test_first_sign_in_makes_a_passwordless_reporter_that_reports_for_its_unit(engine, actions, rules):
    claims = {"sub": "alice-123", "dept_code": "TEST-JTT", "iat": 1}
    account = oidc.account_for(engine, claims, rules, NOW)
    assert (account.login, account.role, account.units) == ("oidc:alice-123", "reporter", ("省交通运输厅",))
    assert oidc.is_platform_account(account)
    assert oidc.account_for(engine, claims, rules, NOW).id == account.id  # the same account next time
    with pytest.raises(accounts.SignInRefused):  # no password: only through the platform
        accounts.authenticate(engine, "oidc:alice-123", "", NOW)
    submit_report(engine, actions, account.login, "4.1.17", "on_schedule", "2026-10-31", now=NOW)


def test_unmapped_and_deactivated_identities_are_refused(engine, rules):
    with pytest.raises(PlatformRefused, match=r"maps to no responsible unit; ask the office \(dept_code=OTHER\)"):
        oidc.account_for(engine, {"sub": "bob", "dept_code": "OTHER"}, rules, NOW)
    assert accounts.get_account(engine, "oidc:bob") is None
    with pytest.raises(PlatformRefused, match="no subject"):
        oidc.account_for(engine, {"dept_code": "TEST-JTT"}, rules, NOW)
    oidc.account_for(engine, {"sub": "carol", "dept_code": "TEST-FGW"}, rules, NOW)
    accounts.deactivate(engine, "oidc:carol", NOW)
    with pytest.raises(PlatformRefused, match="deactivated"):
        oidc.account_for(engine, {"sub": "carol", "dept_code": "TEST-FGW"}, rules, NOW)


def test_the_target_cookie_is_signed_short_lived_and_only_a_path_of_this_app(monkeypatch):
    monkeypatch.setenv("PANPRD_SESSION_SECRET", "test secret")
    cookie = oidc_signin._encode_target("/tracking?measure=4.1.17", 1000)
    assert oidc_signin.read_target(cookie, 1000 + 599) == ("/tracking?measure=4.1.17", 1000)
    assert oidc_signin.read_target(cookie, 1000 + 601) is None
    assert oidc_signin.read_target(cookie[:-2] + "xx", 1000) is None
    outside = oidc_signin._encode_target("https://evil.example/", 1000)
    assert oidc_signin.read_target(outside, 1000)[0] == "/tracking"  # websession.safe_next's default
