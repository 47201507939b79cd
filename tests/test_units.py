"""panprd/units.csv: the lead units' English names, validated like the vocabularies."""

from __future__ import annotations

import re

import pytest

from panprd import vocab

HEADER = "name_zh,name_en,source\n"
GOOD = "省发改委,Fujian Provincial Development and Reform Commission,our translation\n"


def write(tmp_path, text: str):
    path = tmp_path / "units.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_lead_unit_in_measures_has_an_english_name(ds):
    names = [u for units in ds.measures["lead_units"] for u in units]
    assert vocab.units_missing_english(names) == []
    assert len(set(names)) == len(vocab.unit_terms()) == 60  # no stale entry either


def test_the_real_file_is_clean_and_each_source_is_a_citation_or_our_translation():
    for term in vocab.unit_terms().values():
        assert term.en and not re.search(r"[\u4e00-\u9fff]", term.en)
    rows = vocab.read_unit_terms(vocab.UNITS_FILE)
    assert rows == vocab.unit_terms()


def test_unit_label_by_language_and_fallback():
    assert vocab.unit_label("省经信委", "en") == "Fujian Provincial Economic and Information Technology Commission"
    assert vocab.unit_label("省经信委", "zh") == "省经信委"
    assert vocab.unit_label("不存在的单位", "en") == "不存在的单位"


def test_units_missing_english_names_the_unknown_once_in_order():
    assert vocab.units_missing_english(["乙局", "省发改委", "甲局", "乙局"]) == ["乙局", "甲局"]


def test_a_good_small_file_reads(tmp_path):
    terms = vocab.read_unit_terms(write(tmp_path, HEADER + GOOD))
    assert terms["省发改委"].en == "Fujian Provincial Development and Reform Commission"


@pytest.mark.parametrize("body, row, column, message", [
    ("省发改委,,our translation\n", 2, "name_en", "empty"),
    (",Some Office,our translation\n", 2, "name_zh", "empty"),
    ("省发改委,Some Office,\n", 2, "source", "empty"),
    (GOOD + "省发改委,Another Office,our translation\n", 3, "name_zh", "duplicates row 2"),
    (GOOD + "省商务厅,fujian provincial development and reform commission,our translation\n", 3, "name_en",
     "duplicates row 2"),
    ("省发改委;省商务厅,Some Office,our translation\n", 2, "name_zh", "contains ';'"),
    ("省发改委,Some; Office,our translation\n", 2, "name_en", "contains ';'"),
    ("省发改委,Fujian 发改委,our translation\n", 2, "name_en", "Chinese characters"),
    ("省发改委,Fujian（DRC）,our translation\n", 2, "name_en", "Chinese characters"),  # full-width brackets
    ("省发改委,Some Office,Our Translation\n", 2, "source", "exactly 'our translation'"),
])
def test_each_bad_row_is_named_by_file_row_and_column(tmp_path, body, row, column, message):
    path = write(tmp_path, HEADER + body)
    with pytest.raises(vocab.VocabFileError) as info:
        vocab.read_unit_terms(path)
    problem = next(p for p in info.value.problems if f"row {row}, column {column}" in p)
    assert problem.startswith(str(path)) and message in problem


def test_a_missing_column_is_named(tmp_path):
    with pytest.raises(vocab.VocabFileError, match=r"row 1, column source: required column missing"):
        vocab.read_unit_terms(write(tmp_path, "name_zh,name_en\n省发改委,X\n"))


def test_all_problems_are_reported_together(tmp_path):
    with pytest.raises(vocab.VocabFileError) as info:
        vocab.read_unit_terms(write(tmp_path, HEADER + "甲,,our translation\n乙,B;C,\n"))
    assert len(info.value.problems) == 3
