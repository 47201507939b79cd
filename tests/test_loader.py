"""The measures.csv loader: what it accepts, and the error it gives for each kind of broken file."""

from __future__ import annotations

import csv
import io

import pytest

from panprd import data, policy, vocab

SOURCE = (data.ROOT / "sources" / f"{data.SOURCE_NAME}.txt").read_text(encoding="utf-8")
REF = data.Reference(
    source_text=SOURCE,
    admin_codes=frozenset({*vocab.FUJIAN_UNITS, "350430", "350825", "350000", "440000"}),
    feature_ids=frozenset({"rail_pumei_jianning_guanzhishan"}),
)
GOOD = {
    "measure_id": "4.1.01",
    "section": "4",
    "clause": "1",
    "theme": "infrastructure",
    "topic": "rail",
    "title_zh": "浦梅铁路建宁至冠豸山段",
    "title_en": "Pumei railway, Jianning–Guanzhishan section",
    "text_zh": "加快浦梅铁路建宁至冠豸山段",
    "lead_units": "省发改委;交通运输厅",
    "places": "350430;350825",
    "partners": "",
    "features": "rail_pumei_jianning_guanzhishan",
    "layer": "corridor",
}


def csv_bytes(rows: list[dict[str, str]], header: list[str] | None = None, *, delimiter: str = ",",
              line_end: str = "\n", encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO(newline="")
    header = header or list(vocab.MEASURE_COLUMNS)
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=line_end)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(c, "") for c in header])
    return buffer.getvalue().encode(encoding)


def second(**changes: str) -> dict[str, str]:
    return {**GOOD, "measure_id": "4.1.02", **changes}


def load(raw: bytes):
    return data.read_measures(raw, REF)


def test_valid_file_loads_with_typed_columns():
    measures, rejected, issues = load(csv_bytes([GOOD]))
    assert rejected.empty and not issues
    row = measures.loc["4.1.01"]
    assert row["section"] == 4 and row["places"] == ("350430", "350825")
    assert row["fujian_units"] == ("350400", "350800")
    assert row["lead_units"] == ("省发改委", "省交通运输厅")  # the dropped 省 is restored


@pytest.mark.parametrize("variant", ["bom", "crlf", "trailing_blank"])
def test_what_is_merely_different_is_accepted(variant):
    raw = csv_bytes([GOOD], line_end="\r\n" if variant == "crlf" else "\n")
    if variant == "bom":
        raw = b"\xef\xbb\xbf" + raw
    if variant == "trailing_blank":
        raw += b"\n\n"
    measures, rejected, issues = load(raw)
    assert list(measures.index) == ["4.1.01"] and rejected.empty and not issues


def test_gbk_file_is_named_as_gbk():
    with pytest.raises(data.DataError) as exc:
        load(csv_bytes([GOOD], encoding="gbk"))
    issue = exc.value.issues[0]
    assert issue.file == "measures.csv" and issue.row == 2 and "GBK" in issue.message


def test_utf16_file_is_named_as_utf16():
    with pytest.raises(data.DataError) as exc:
        load(csv_bytes([GOOD]).decode("utf-8").encode("utf-16"))
    assert "UTF-16" in exc.value.issues[0].message


def test_semicolon_dialect_is_explained():
    with pytest.raises(data.DataError) as exc:
        load(csv_bytes([GOOD], delimiter=";"))
    assert "';'" in exc.value.issues[0].message and exc.value.issues[0].row == 1


def test_missing_required_column_names_the_column():
    header = [c for c in vocab.MEASURE_COLUMNS if c != "theme"]
    with pytest.raises(data.DataError) as exc:
        load(csv_bytes([GOOD], header=header))
    assert [(i.row, i.column) for i in exc.value.issues] == [(1, "theme")]


def test_unknown_extra_column_is_a_warning():
    measures, _, issues = load(csv_bytes([GOOD], header=[*vocab.MEASURE_COLUMNS, "notes"]))
    assert len(measures) == 1
    assert [(i.severity, i.column) for i in issues] == [("warning", "notes")]


BROKEN = {
    "duplicate_id": (second(measure_id="4.1.01"), "measure_id", "duplicate of row 2"),
    "bad_id": (second(measure_id="4-1-2"), "measure_id", "not of the form"),
    "id_disagrees": (second(measure_id="4.2.02"), "measure_id", "does not agree"),
    "unknown_theme": (second(theme="economics"), "theme", "unknown theme"),
    "wrong_theme_for_section": (second(theme="ecology"), "theme", "section 4 has theme"),
    "unknown_topic": (second(topic="railways"), "topic", "unknown topic"),
    "unknown_layer": (second(layer="corridors"), "layer", "unknown layer"),
    "not_verbatim": (second(text_zh="加快浦梅铁路建设"), "text_zh", "verbatim"),
    "unknown_place": (second(places="350999"), "places", "350999"),
    "non_fujian_place": (second(places="440000"), "places", "440000"),
    "unknown_partner": (second(partners="330000"), "partners", "330000"),
    "unknown_feature": (second(features="rail_nowhere"), "features", "rail_nowhere"),
    "empty_title": (second(title_zh=""), "title_zh", "empty"),
    "empty_units": (second(lead_units=" "), "lead_units", "empty"),
    "section_not_int": (second(section="四"), "section", "not an integer"),
    "huge_cell": (second(title_en="x" * 100_000), "title_en", "characters"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_row_is_rejected_by_row_and_column_and_the_rest_kept(case):
    row, column, words = BROKEN[case]
    measures, rejected, issues = load(csv_bytes([GOOD, row]))
    assert list(measures.index) == ["4.1.01"]
    assert list(rejected["row"]) == [3]
    errors = [i for i in issues if i.severity == "error"]
    assert any(i.row == 3 and i.column == column and words in i.message for i in errors), errors
    assert all(i.file == "measures.csv" for i in errors)
    assert column in [reason.column for reason in rejected.iloc[0]["reasons"]]


def test_row_with_too_many_fields_is_rejected():
    raw = csv_bytes([GOOD]) + b"4.1.02,4,1,infrastructure,rail,a,b," + "加快".encode() + b",u,,,,,,,,extra,more\n"
    measures, rejected, issues = load(raw)
    assert list(measures.index) == ["4.1.01"] and list(rejected["row"]) == [3]
    assert any("fields" in i.message and i.row == 3 for i in issues)


def test_row_numbers_count_physical_lines_of_multiline_cells():
    first = {**GOOD, "title_en": "line one\nline two"}
    _, rejected, _ = load(csv_bytes([first, second(topic="nope")]))
    assert list(rejected["row"]) == [4]


@pytest.mark.parametrize("name,expected", [
    ("发改委", "省发改委"), ("省经信委", "省经信委"), ("财政厅（省医保办）", "省财政厅（省医保办）"),
    ("福州海关", "福州海关"), ("民航福建监管局", "民航福建监管局"), ("国开行福建省分行", "国开行福建省分行"),
    ("相关设区市人民政府", "相关设区市人民政府"), ("福州市政府", "福州市政府"), ("铁办", "省铁办"),
])
def test_unit_names_are_normalised(name, expected):
    assert data.normalise_unit(name) == expected


def test_the_parser_finds_every_numbered_clause():
    pairs = [(c.section, c.number) for c in policy.parse(SOURCE).action_clauses]
    per_section = {s: sum(1 for sec, _ in pairs if sec == s) for s in range(2, 11)}
    assert per_section == {2: 3, 3: 3, 4: 3, 5: 2, 6: 7, 7: 3, 8: 2, 9: 3, 10: 2}
