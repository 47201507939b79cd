"""units_2016.csv and how an action's units are derived from measures.csv."""

from __future__ import annotations

import pytest

from panprd.tracking import units
from panprd.tracking.units import CITY_GOVERNMENTS, build_actions, read_unit_map


def test_every_unit_of_measures_csv_is_mapped(ds):
    names = [u for us in ds.measures["lead_units"] for u in us]
    assert units.unmapped_names(names) == []


def test_every_mapping_has_a_source_and_a_confidence():
    for mapping in read_unit_map().values():
        assert mapping.source.strip()
        assert mapping.confidence in ("sure", "uncertain")


def test_renamed_units_map_to_today():
    unit_map = read_unit_map()
    assert unit_map["省经信委"].units_today == ("省工信厅",)
    assert unit_map["省文化厅"].units_today == unit_map["省旅游局"].units_today == ("省文旅厅",)
    assert unit_map["福建检验检疫局"].units_today == ("福州海关",)
    assert unit_map["厦门检验检疫局"].units_today == ("厦门海关",)
    assert unit_map["省发改委"].source == "unchanged"


def test_the_city_group_expands_to_the_cities_concerned():
    group = ["省发改委", "相关设区市人民政府"]
    nine = build_actions({"a": group})["a"].units
    assert nine[1:] == tuple(CITY_GOVERNMENTS.values())
    assert build_actions({"a": group}, {"a": ["350300"]})["a"].units == ("省发改委", "莆田市人民政府")
    # A county code rolls up to its city, Pingtan (350128) to Fuzhou; the group's order is kept.
    assert build_actions({"a": group}, {"a": ["350782", "350128"]})["a"].units == (
        "省发改委", "福州市人民政府", "南平市人民政府")


def test_first_unit_leads_and_merged_units_appear_once():
    action = build_actions({"6.3.02": ["省文化厅", "省旅游局", "省外办"]})["6.3.02"]
    assert action.lead == "省文旅厅"
    assert action.units == ("省文旅厅", "省外办")
    assert action.names_2016 == ("省文化厅", "省旅游局", "省外办")


def test_real_action_4_1_17(ds):
    action = units.actions_from_measures(ds.measures)["4.1.17"]
    assert action.lead == "省发改委"
    assert "省交通运输厅" in action.units and "莆田市人民政府" in action.units
    assert "福州市人民政府" not in action.units  # only Putian is named in this row's places


def test_a_malformed_mapping_file_names_row_and_column():
    with pytest.raises(units.UnitMapError, match=r"row 3, column source"):
        read_unit_map("name_2016,unit_today,source,confidence\n省发改委,省发改委,unchanged,sure\n省A,省B,,sure\n")
    with pytest.raises(units.UnitMapError, match=r"row 3, column name_2016: '省A' appears twice"):
        read_unit_map("name_2016,unit_today,source,confidence\n省A,省B,x,sure\n省A,省B,x,sure\n")
