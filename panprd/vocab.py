"""The controlled vocabularies: the one list of each thing the data, the URLs and the pages use.

Every other module imports its slugs, codes and column names from here, so a new topic or
partner is added in exactly one place.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path


@dataclass(frozen=True)
class Term:
    """A slug or code with its label in each UI language."""

    key: str
    zh: str
    en: str

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


def _terms(*rows: tuple[str, str, str]) -> dict[str, Term]:
    return {key: Term(key, zh, en) for key, zh, en in rows}


# One theme per substantive section of the policy (二 to 十).
THEMES: dict[str, Term] = _terms(
    ("economy", "区域经济合作", "Regional economic cooperation"),
    ("market", "统一市场建设", "Unified market"),
    ("infrastructure", "基础设施一体化", "Integrated infrastructure"),
    ("innovation", "创新驱动发展", "Innovation-driven development"),
    ("social", "社会事业合作", "Social services cooperation"),
    ("opening", "对外开放", "Opening up"),
    ("ecology", "生态文明建设", "Ecological civilisation"),
    ("hk_macao", "闽港闽澳合作", "Fujian–Hong Kong–Macao cooperation"),
    ("mechanism", "机制保障", "Institutional safeguards"),
)
SECTION_THEME: dict[int, str] = {section: theme for section, theme in zip(range(2, 11), THEMES)}
SECTION_NUMERALS: dict[int, str] = dict(zip(range(1, 11), "一二三四五六七八九十"))

TOPICS: dict[str, Term] = _terms(
    ("planning", "规划与布局", "Planning and spatial layout"),
    ("urban", "城市群与城镇化", "Urban agglomeration"),
    ("industry", "产业协作", "Industry"),
    ("services", "服务业", "Services"),
    ("digital_economy", "数字经济", "Digital economy"),
    ("agriculture", "农业", "Agriculture"),
    ("marine", "海洋经济", "Marine economy"),
    ("industrial_transfer", "产业转移", "Industrial transfer"),
    ("market_rules", "市场规则", "Market rules"),
    ("standards", "标准与认证", "Standards and certification"),
    ("regulation", "市场监管与执法", "Market regulation"),
    ("credit", "社会信用", "Social credit"),
    ("ip", "知识产权", "Intellectual property"),
    ("customs", "口岸与通关", "Ports of entry and customs"),
    ("rail", "铁路", "Railways"),
    ("road", "公路", "Roads"),
    ("port", "港口", "Seaports"),
    ("airport", "机场与航线", "Airports and air routes"),
    ("logistics", "物流与多式联运", "Logistics and multimodal transport"),
    ("energy", "能源", "Energy"),
    ("ict", "信息基础设施", "Information infrastructure"),
    ("science", "科技创新", "Science and innovation"),
    ("entrepreneurship", "创新创业", "Entrepreneurship"),
    ("education", "教育", "Education"),
    ("culture", "文化", "Culture"),
    ("sport", "体育", "Sport"),
    ("health", "医疗卫生", "Health"),
    ("food_drug", "食品药品安全", "Food and drug safety"),
    ("labour", "人力资源与社会保障", "Labour and social security"),
    ("tourism", "旅游", "Tourism"),
    ("policing", "警务与治安", "Policing and public order"),
    ("emergency", "应急管理", "Emergency management"),
    ("trade", "经贸合作", "Trade and investment"),
    ("ftz", "自由贸易试验区", "Free trade zone"),
    ("bonded", "海关特殊监管区域", "Bonded and special customs zones"),
    ("finance", "金融", "Finance"),
    ("environment", "环境保护", "Environmental protection"),
    ("conservation", "自然保护", "Nature conservation"),
    ("nuclear_safety", "核安全", "Nuclear safety"),
    ("talent", "人才交流", "Talent exchange"),
    ("youth", "青少年交流", "Youth exchange"),
    ("governance", "合作机制", "Cooperation mechanisms"),
)

LAYERS: dict[str, Term] = _terms(
    ("corridor", "合作通道", "Cooperation corridors"),
    ("transfer_zone", "产业转移与合作园区", "Industrial transfer and cooperation zones"),
    ("ecology", "生态区域", "Ecological areas"),
)

FEATURE_KINDS: dict[str, Term] = _terms(
    ("railway", "铁路", "Railway"),
    ("port", "港口", "Port"),
    ("airport", "机场", "Airport"),
    ("grid_link", "电网联网", "Power grid link"),
    ("pipeline", "输气管道", "Gas pipeline"),
    ("data_centre", "数据中心", "Data centre"),
    ("ict", "信息网络", "Information network"),
    ("zone", "园区与合作区", "Zone"),
    ("transfer_area", "承接产业转移示范区", "Industrial transfer demonstration area"),
    ("cooperation_zone", "省际合作区", "Inter-provincial cooperation zone"),
    ("innovation_zone", "自主创新示范区与高新区", "Innovation demonstration and high-tech zone"),
    ("new_area", "国家级新区", "State-level new area"),
    ("ftz", "自由贸易试验区", "Pilot free trade zone"),
    ("pilot_zone", "试验区", "Pilot zone"),
    ("marine_economy_zone", "海洋经济试验区", "Marine economy pilot zone"),
    ("bonded_zone", "保税区域", "Bonded zone"),
    ("basin", "流域", "River basin"),
    ("park", "国家公园", "National park"),
    ("reserve_network", "保护区网络", "Reserve network"),
)

# The 9+2 members. Fujian itself is a member but never its own partner.
PARTNERS: dict[str, Term] = _terms(
    ("440000", "广东", "Guangdong"),
    ("360000", "江西", "Jiangxi"),
    ("450000", "广西", "Guangxi"),
    ("460000", "海南", "Hainan"),
    ("430000", "湖南", "Hunan"),
    ("510000", "四川", "Sichuan"),
    ("520000", "贵州", "Guizhou"),
    ("530000", "云南", "Yunnan"),
    ("810000", "香港", "Hong Kong"),
    ("820000", "澳门", "Macao"),
)
FUJIAN_CODE = "350000"
PINGTAN_CODE = "350128"

# Fujian's ten units as the policy addresses them: nine cities and Pingtan (Fuzhou here excludes it).
FUJIAN_UNITS: dict[str, Term] = _terms(
    ("350100", "福州市", "Fuzhou"),
    ("350200", "厦门市", "Xiamen"),
    ("350300", "莆田市", "Putian"),
    ("350400", "三明市", "Sanming"),
    ("350500", "泉州市", "Quanzhou"),
    ("350600", "漳州市", "Zhangzhou"),
    ("350700", "南平市", "Nanping"),
    ("350800", "龙岩市", "Longyan"),
    ("350900", "宁德市", "Ningde"),
    (PINGTAN_CODE, "平潭综合实验区", "Pingtan"),
)


def fujian_unit_of(code: str) -> str | None:
    """The Fujian unit (city or Pingtan) a GB/T 2260 code rolls up to, or None outside Fujian."""
    if code == PINGTAN_CODE:
        return PINGTAN_CODE
    if not code.startswith("35") or code == FUJIAN_CODE:
        return None
    city = code[:4] + "00"
    return city if city in FUJIAN_UNITS else None


# measures.csv: the data contract. Order is the order of the file's columns. Implementation status is
# not part of it: it lives in the tracking ledger, reported by the responsible units (measures.csv is
# the read-only record of what the policy says).
MEASURE_COLUMNS: tuple[str, ...] = (
    "measure_id",
    "section",
    "clause",
    "theme",
    "topic",
    "title_zh",
    "title_en",
    "text_zh",
    "lead_units",
    "places",
    "partners",
    "features",
    "layer",
)
REQUIRED_COLUMNS: tuple[str, ...] = (
    "measure_id",
    "section",
    "clause",
    "theme",
    "topic",
    "title_zh",
    "title_en",
    "text_zh",
    "lead_units",
)
OPTIONAL_COLUMNS: tuple[str, ...] = tuple(c for c in MEASURE_COLUMNS if c not in REQUIRED_COLUMNS)
MULTI_VALUED_COLUMNS: tuple[str, ...] = ("lead_units", "places", "partners", "features")
LIST_SEPARATOR = ";"

# Properties every named feature in geodata/features.geojson carries. Each text field comes in both
# UI languages (data.feature_text picks one); geometry_basis_* says how the geometry was made or, for
# a feature without geometry, why it is not mapped.
FEATURE_PROPERTIES: tuple[str, ...] = (
    "id",
    "name_zh",
    "name_en",
    "short_zh",
    "short_en",
    "kind",
    "layer",
    "geometry_basis_zh",
    "geometry_basis_en",
    "source_zh",
    "source_en",
    "places",
    "partners",
)
# The bilingual text fields of a feature: FEATURE_PROPERTIES has `<field>_zh` and `<field>_en` of each.
FEATURE_TEXT_FIELDS: tuple[str, ...] = ("name", "short", "geometry_basis", "source")
# Properties only multi-site features carry (the mangrove reserve network): the names of the sites,
# `;`-separated, in the order of the geometry's parts, so a label layer can name each site.
FEATURE_PART_PROPERTIES: tuple[str, ...] = ("parts_zh", "parts_en")
# How the geometry_basis of a feature without geometry begins, followed by the reason, per language.
NOT_MAPPED_PREFIX: dict[str, str] = {"zh": "未上图：", "en": "Not mapped: "}
# Railways that leave China: drawn only at their Chinese terminal, so not held to the rule that a
# railway is drawn through at least one intermediate place (python -m panprd check).
RAILWAYS_LEAVING_CHINA: frozenset[str] = frozenset({"rail_china_europe_xiamen_lodz"})
ADMIN_PROPERTIES: tuple[str, ...] = ("id", "name_zh", "name_en", "level", "parent")
ADMIN_LEVELS: tuple[str, ...] = ("province", "city", "county")


# ---------------------------------------------------------------- lead units' English names

UNITS_FILE = Path(__file__).resolve().parent / "units.csv"
UNIT_COLUMNS: tuple[str, ...] = ("name_zh", "name_en", "source")
OUR_TRANSLATION = "our translation"
# CJK ideographs, CJK punctuation and full-width forms: none of them belongs in an English name.
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


class VocabFileError(ValueError):
    """A vocabulary file that cannot be used; `problems` name the file, row and column of each."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def read_unit_terms(path: Path) -> dict[str, Term]:
    """Lead-unit names (as data.normalise_unit spells them) → Term with the English name.

    Rows are numbered as in a spreadsheet (the header is row 1). Every problem of the file is
    collected and raised together, so one fix-up pass is enough.
    """
    name = f"panprd/{path.name}" if path.parent == UNITS_FILE.parent else str(path)
    problems: list[str] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = [h.strip() for h in next(reader, [])]
        missing = [c for c in UNIT_COLUMNS if c not in header]
        if missing:
            raise VocabFileError([f"{name}, row 1, column {c}: required column missing" for c in missing])
        terms: dict[str, Term] = {}
        first_row_of: dict[tuple[str, str], int] = {}
        for cells in reader:
            row = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            record = {c: (cells[header.index(c)].strip() if header.index(c) < len(cells) else "") for c in UNIT_COLUMNS}
            found = _unit_row_problems(record, row, first_row_of)
            problems += [f"{name}, row {row}, column {column}: {message}" for column, message in found]
            if not found:
                terms[record["name_zh"]] = Term(record["name_zh"], record["name_zh"], record["name_en"])
    if problems:
        raise VocabFileError(problems)
    return terms


def _unit_row_problems(record: dict[str, str], row: int,
                       first_row_of: dict[tuple[str, str], int]) -> list[tuple[str, str]]:
    """(column, message) for each problem of one units.csv row; records its names for the duplicate check."""
    found: list[tuple[str, str]] = []
    for column in UNIT_COLUMNS:
        if not record[column]:
            found.append((column, "empty; a value is required"))
    for column in ("name_zh", "name_en"):
        value = record[column]
        if LIST_SEPARATOR in value:
            found.append((column, f"contains '{LIST_SEPARATOR}', the list separator of measures.csv"))
        key = (column, value.casefold())
        if value and key in first_row_of:
            found.append((column, f"'{value}' duplicates row {first_row_of[key]}"))
        elif value:
            first_row_of[key] = row
    if _CJK.search(record["name_en"]):
        found.append(("name_en", f"'{record['name_en']}' contains Chinese characters"))
    source = record["source"]
    if source and source.casefold() == OUR_TRANSLATION and source != OUR_TRANSLATION:
        found.append(("source", f"write exactly '{OUR_TRANSLATION}', not '{source}'"))
    return found


@cache
def unit_terms() -> dict[str, Term]:
    """The lead units' names in both languages, from panprd/units.csv (read once per process)."""
    return read_unit_terms(UNITS_FILE)


def unit_label(name_zh: str, lang: str) -> str:
    """A lead unit's name in the UI language; the Chinese name when no English name is known."""
    term = unit_terms().get(name_zh)
    return term.label(lang) if term else name_zh


def units_missing_english(names: Iterable[str]) -> list[str]:
    """The lead units, in first-seen order, that units.csv gives no English name (for `check`)."""
    known = unit_terms()
    return [n for n in dict.fromkeys(names) if n not in known]
