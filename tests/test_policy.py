"""The policy text parsed once: sections, clauses, the paragraphs nothing loses, and its metadata."""

from __future__ import annotations

import datetime

import pytest

from panprd import data
from panprd import policy as policy_module


@pytest.fixture(scope="module")
def policy(ds) -> policy_module.PolicyText:
    return ds.policy


def test_policy_has_nine_numbered_sections_and_28_clauses(ds, policy):
    numbered = [s for s in policy.sections if s.clauses]
    assert [s.number for s in numbered] == list(range(2, 11))  # 二 to 十
    assert [s.number for s in policy.sections] == list(range(1, 11))  # 一 总体要求 has no clause
    assert len(policy.clauses) == 28
    assert policy.action_clauses == policy.clauses and policy.refs == {c.ref for c in policy.clauses}
    assert policy.sections[3].title == "推进重大基础设施一体化建设"
    assert policy.clause("4.1").heading == "建设现代化综合交通运输体系"
    assert policy.clause("4.1").anchor == "clause-4-1" and policy.clause("4.1").label == "四（一）"
    assert policy.clause("99.1") is None


def test_the_extra_paragraph_after_4_3_belongs_to_clause_4_3(policy):
    clause = policy.clause("4.3")
    assert [p.kind for p in clause.paragraphs] == ["text", "units", "text", "units"]
    assert clause.paragraphs[2].text.startswith("实施赣闽粤原中央苏区农村超高速无线局域网工程")
    assert clause.paragraphs[3].text == "责任单位：省发改委、经信委等，相关设区市人民政府"
    assert all("苏区" not in p.text for c in policy.clauses if c.ref != "4.3" for p in c.paragraphs)


def test_every_clause_has_its_units_line_and_the_rest_is_preamble_or_closing(ds, policy):
    for clause in policy.clauses:
        assert clause.paragraphs[0].text.startswith("（")
        assert clause.paragraphs[-1].kind == "units", clause.ref
    assert policy.preamble[0].startswith("各设区市人民政府")
    assert policy.closing[-2:] == ("福建省人民政府", "2016年11月14日")
    assert policy.closing[0].startswith("积极参与和深化泛珠三角区域合作")
    # nothing of the text is lost
    text = "".join(ds.source_text.split())
    pieces = [*policy.preamble, *[p for s in policy.sections for p in (f"{s.numeral}、{s.title}", *s.paragraphs)],
              *[p.text for c in policy.clauses for p in c.paragraphs], *policy.closing]
    assert sum(len("".join(p.split())) for p in pieces) == len(text)


def test_every_measure_quotes_the_text_of_its_own_clause(ds, policy):
    for mid, row in ds.measures.iterrows():
        clause = policy.clause(f"{row['section']}.{row['clause']}")
        assert clause is not None, mid
        assert row["text_zh"] in "".join(p.text for p in clause.paragraphs), mid


def test_metadata_names_the_document_and_matches_our_copy(ds):
    meta = ds.metadata
    assert meta.date == datetime.date(2016, 11, 14) and meta.issuer_zh == "福建省人民政府"
    assert meta.citation("zh") == "福建省人民政府《" + meta.title_zh + "》（2016年11月14日）"
    assert meta.citation("en").endswith("(2016-11-14)") and "Fujian" in meta.citation("en")
    import hashlib

    assert hashlib.sha256(ds.source_text.encode("utf-8")).hexdigest() == meta.sha256


def test_bad_metadata_is_named_by_file_and_field(tmp_path):
    path = tmp_path / "x.toml"
    path.write_text('title_zh = "a"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="x.toml: field\\(s\\) missing: title_en"):
        policy_module.read_metadata(path)
    source = (data.ROOT / "sources" / f"{data.SOURCE_NAME}.toml").read_text(encoding="utf-8")
    path.write_text(source.replace("date = 2016-11-14", 'date = "14 Nov"'), encoding="utf-8")
    with pytest.raises(ValueError, match="field date"):
        policy_module.read_metadata(path)
