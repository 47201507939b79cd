"""The policy text parsed once: its sections, numbered clauses and paragraphs, and its metadata.

The text is the provenance of every record, so both the loader (every clause of sections 二 to 十 must
be quoted by a row) and the pages (the policy view, clause links) read it through this one parser.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from panprd import vocab
from panprd.messages import Message

_NUMERALS = {v: k for k, v in vocab.SECTION_NUMERALS.items()}
_SECTION_HEAD = re.compile(r"^([一二三四五六七八九十]+)、(.*)$")
_CLAUSE_HEAD = re.compile(r"^（([一二三四五六七八九十]+)）")
_UNITS_LINE = re.compile(r"^责任单位[:：]")
# The sections whose numbered clauses carry actions (一 is the general requirements).
ACTION_SECTIONS = range(2, 11)


def clause_ref(section: int, clause: int) -> str:
    """The clause's key in URLs and data: `4.1`."""
    return f"{section}.{clause}"


def parse_ref(ref: str) -> tuple[int, int]:
    section, clause = (int(p) for p in ref.split("."))
    return section, clause


def clause_label(section: int, clause: int) -> str:
    """The clause as the text numbers it: 四（一）."""
    return f"{vocab.SECTION_NUMERALS[section]}（{vocab.SECTION_NUMERALS[clause]}）"


def clause_anchor(ref: str) -> str:
    """The HTML id of a clause on the policy page."""
    return "clause-" + ref.replace(".", "-")


@dataclass(frozen=True)
class Paragraph:
    kind: str  # "text" or "units" (a 责任单位 line)
    text: str


@dataclass(frozen=True)
class Clause:
    section: int
    number: int
    paragraphs: tuple[Paragraph, ...]

    @property
    def ref(self) -> str:
        return clause_ref(self.section, self.number)

    @property
    def anchor(self) -> str:
        return clause_anchor(self.ref)

    @property
    def label(self) -> str:
        return clause_label(self.section, self.number)

    @property
    def heading(self) -> str:
        """The clause's title sentence: its first paragraph up to the first 。, without the numeral."""
        return _CLAUSE_HEAD.sub("", self.paragraphs[0].text).split("。", 1)[0]


@dataclass(frozen=True)
class Section:
    number: int
    title: str
    paragraphs: tuple[str, ...]  # text under the heading that belongs to no clause (section 一)
    clauses: tuple[Clause, ...]

    @property
    def numeral(self) -> str:
        return vocab.SECTION_NUMERALS.get(self.number, str(self.number))


@dataclass(frozen=True)
class PolicyText:
    preamble: tuple[str, ...]
    sections: tuple[Section, ...]
    closing: tuple[str, ...]

    @property
    def clauses(self) -> list[Clause]:
        return [c for s in self.sections for c in s.clauses]

    @property
    def action_clauses(self) -> list[Clause]:
        """The numbered clauses of sections 二 to 十, in text order: each must be quoted by a record."""
        return [c for c in self.clauses if c.section in ACTION_SECTIONS]

    @property
    def refs(self) -> frozenset[str]:
        return frozenset(c.ref for c in self.clauses)

    def clause(self, ref: str) -> Clause | None:
        return next((c for c in self.clauses if c.ref == ref), None)


def parse(source_text: str) -> PolicyText:
    """The text in its sections and numbered clauses.

    A paragraph after a clause's 责任单位 line belongs to that clause when its own 责任单位 line
    follows before the next heading (the 原中央苏区 paragraph after 四（三）); otherwise it is the
    closing text (the last paragraph, the signature and the date).
    """
    preamble: list[str] = []
    sections: list[dict] = []
    clause: dict | None = None
    pending: list[Paragraph] = []  # text after a clause's units line, not yet known to be the clause's

    def settle() -> None:
        nonlocal pending
        if clause is not None and pending:
            clause["paragraphs"].extend(pending)
        pending = []

    for raw in source_text.splitlines():
        line = raw.strip(" \t\u3000\ufeff")
        if not line:
            continue
        head = _SECTION_HEAD.match(line)
        if head and head[1] in _NUMERALS:
            settle()
            clause = None
            sections.append({"number": _NUMERALS[head[1]], "title": head[2].strip(), "paragraphs": [],
                             "clauses": []})
            continue
        sub = _CLAUSE_HEAD.match(line)
        if sub and sections and sub[1] in _NUMERALS:
            settle()
            clause = {"section": sections[-1]["number"], "number": _NUMERALS[sub[1]],
                      "paragraphs": [Paragraph("text", line)]}
            sections[-1]["clauses"].append(clause)
            continue
        if _UNITS_LINE.match(line) and clause is not None:
            settle()
            clause["paragraphs"].append(Paragraph("units", line))
            continue
        if clause is not None:
            target = pending if clause["paragraphs"][-1].kind == "units" else clause["paragraphs"]
            target.append(Paragraph("text", line))
        elif sections:
            sections[-1]["paragraphs"].append(line)
        else:
            preamble.append(line)
    return PolicyText(
        preamble=tuple(preamble),
        sections=tuple(
            Section(s["number"], s["title"], tuple(s["paragraphs"]),
                    tuple(Clause(c["section"], c["number"], tuple(c["paragraphs"])) for c in s["clauses"]))
            for s in sections
        ),
        closing=tuple(p.text for p in pending),
    )


@dataclass(frozen=True)
class Metadata:
    """What the policy text is and where our copy came from (sources/<name>.toml)."""

    title_zh: str
    title_en: str
    issuer_zh: str
    issuer_en: str
    date: date
    implements: str
    copy_from: str
    sha256: str

    def title(self, lang: str) -> str:
        return self.title_zh if lang == "zh" else self.title_en

    def issuer(self, lang: str) -> str:
        return self.issuer_zh if lang == "zh" else self.issuer_en

    def citation(self, lang: str) -> str:
        """One line: issuer, title, date: as the Excel `about` sheet and the map credits quote it."""
        if lang == "zh":
            return f"{self.issuer_zh}《{self.title_zh}》（{self.date:%Y年%-m月%-d日}）"
        return f"{self.issuer_en}, {self.title_en} ({self.date.isoformat()})"


METADATA_FIELDS: tuple[str, ...] = ("title_zh", "title_en", "issuer_zh", "issuer_en", "date", "implements",
                                    "copy_from", "sha256")


class SourceError(ValueError):
    """A source file that cannot be used: its name and every problem as (row, column, Message).

    `str()` is the English lines the command line prints; a page shows each problem in its language.
    """

    def __init__(self, name: str, problems: list[tuple[int | None, str | None, Message]]):
        self.name = name
        self.problems = problems
        super().__init__("\n".join(_english(name, *problem) for problem in problems))


def _english(name: str, row: int | None, column: str | None, said: Message) -> str:
    where = name + (f", row {row}" if row is not None else "") + (f", column {column}" if column else "")
    return f"{where}: {said}"


def read_metadata(path: Path) -> Metadata:
    """The metadata file; SourceError naming the file and the field when it cannot be used."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SourceError(path.name, [(None, None, Message("issue_toml", error=str(exc)))]) from None
    return parse_metadata(raw, path.name)


def parse_metadata(raw: bytes, name: str) -> Metadata:
    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SourceError(name, [(None, None, Message("issue_toml", error=str(exc)))]) from None
    missing = tuple(f for f in METADATA_FIELDS if f not in doc)
    if missing:
        raise SourceError(name, [(None, None, Message("issue_fields_missing", fields=missing))])
    if not isinstance(doc["date"], date):
        raise SourceError(name, [(None, "date", Message("issue_toml_date"))])
    return Metadata(**{f: doc[f] if f == "date" else str(doc[f]) for f in METADATA_FIELDS})


HEADING_COLUMNS: tuple[str, ...] = ("ref", "title_zh", "title_en", "source")


def parse_headings_en(raw: bytes, name: str, text: PolicyText) -> dict[str, str]:
    """English titles of the sections (ref `4`) and clauses (ref `4.1`), by ref.

    The text is Chinese only; these titles let an English reader find their way. Each row repeats the
    Chinese title, which must be the text's own, so a title cannot drift from what it translates; every
    section and clause needs one. SourceError lists every problem by row and column.
    """
    expected = {str(s.number): s.title for s in text.sections} | {c.ref: c.heading for c in text.clauses}
    try:
        decoded = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(name, [(None, None, Message("issue_not_utf8", byte=exc.start,
                                                      hint=Message("issue_hint_bytes")))]) from None
    rows = list(csv.DictReader(io.StringIO(decoded, newline="")))
    problems: list[tuple[int | None, str | None, Message]] = [
        (1, c, Message("issue_column_missing")) for c in HEADING_COLUMNS if rows and c not in rows[0]]
    titles: dict[str, str] = {}
    for number, row in enumerate(rows if not problems else [], start=2):
        ref, title_en = (row.get("ref") or "").strip(), (row.get("title_en") or "").strip()
        if ref not in expected:
            problems.append((number, "ref", Message("issue_ref_unknown", value=ref[:20])))
        elif (row.get("title_zh") or "").strip() != expected[ref]:
            problems.append((number, "title_zh", Message("issue_title_zh", ref=ref, title=expected[ref])))
        elif not title_en or re.search(r"[\u3000-\u9fff]", title_en):
            problems.append((number, "title_en", Message("issue_title_en")))
        elif not (row.get("source") or "").strip():
            problems.append((number, "source", Message("issue_heading_source")))
        elif ref in titles:
            problems.append((number, "ref", Message("issue_ref_twice", ref=ref)))
        else:
            titles[ref] = title_en
    problems += [(None, None, Message("issue_no_english_title", ref=ref, title=title))
                 for ref, title in expected.items() if ref not in titles and not problems]
    if problems:
        raise SourceError(name, problems)
    return titles
