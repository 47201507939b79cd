"""Free-text search that finds words: `port` finds "port" and "ports", not "airport" or "support".

The query is split on white space into terms; a text matches when every term matches (AND).

- A term of Latin letters and digits only (`port`, `Xiamen`, `2020`) matches whole words,
  case-insensitively. A word is a run of Latin letters and digits: anything else (spaces,
  punctuation, Chinese characters) ends it, so `Fujian` is found in "Fujian's" and `2020` in
  "2020年".
- Plurals, the one stemming rule: a term also matches its plural, `term+s` or `term+es`, and for a
  term ending in consonant + y the `-ies` form (`port` → ports, `railway` → railways, `box` →
  boxes, `city` → cities). A plural term of at least five letters also matches its singular
  (`ports` → port, `cities` → city, `zones` → zone); shorter ones and words ending in -ss, -us, -is
  are taken as they are, so `news` does not find "new" and `status` does not find "statu".
  Nothing else is stemmed: `port` does not find "reporting", "transport" or "porter".
- Any other term (Chinese, or with punctuation such as `9+2`) matches as a substring,
  case-insensitively, as Chinese has no spaces between words.

No Streamlit here: the filters and the pages call these functions.
"""

from __future__ import annotations

import html
import re

import pandas as pd

_WORD_CHARS = "0-9A-Za-z\u00c0-\u024f"  # ASCII letters and digits, Latin-1 and Latin Extended-A/B letters
_WORD_TERM = re.compile(f"[{_WORD_CHARS}]+")
_BEFORE = f"(?<![{_WORD_CHARS}])"
_AFTER = f"(?![{_WORD_CHARS}])"
_VOWELS = "aeiou"


def terms(q: str) -> list[str]:
    """The query's terms: split on white space, duplicates dropped (case-insensitively)."""
    return list({t.casefold(): t for t in q.split()}.values())


def _singular(word: str) -> str | None:
    """The singular of a plural query word of five letters or more, None when it is not one."""
    if len(word) < 5 or word.endswith(("ss", "us", "is")) or not word.endswith("s"):
        return None
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("ses", "xes", "zes", "ches", "shes")):
        return word[:-2]
    return word[:-1]


def _forms(stem: str) -> set[str]:
    """The stem, its -s and -es plurals and, after consonant + y, its -ies plural."""
    forms = {stem, stem + "s", stem + "es"}
    if len(stem) > 1 and stem.endswith("y") and stem[-2] not in _VOWELS:
        forms.add(stem[:-1] + "ies")
    return forms


def term_pattern(term: str) -> str:
    """The regular expression (no flags) of one query term, as the module docstring defines."""
    word = term.casefold()
    if not _WORD_TERM.fullmatch(word):
        return re.escape(term)
    forms = _forms(word)
    if singular := _singular(word):
        forms |= _forms(singular)
    alternatives = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
    return f"{_BEFORE}(?:{alternatives}){_AFTER}"


def _any_term(q: str) -> re.Pattern[str] | None:
    """One pattern matching any term (longest first, so a longer term wins where two overlap)."""
    found = sorted(terms(q), key=len, reverse=True)
    return re.compile("|".join(f"(?:{term_pattern(t)})" for t in found), re.IGNORECASE) if found else None


def mask(texts: pd.Series, q: str) -> pd.Series:
    """True where the text matches every term of `q` (every row for an empty query)."""
    out = pd.Series(True, index=texts.index)
    haystack = texts.fillna("").astype(str)
    for term in terms(q):
        out &= haystack.str.contains(term_pattern(term), flags=re.IGNORECASE, regex=True)
    return out


def count(text: str, q: str) -> int:
    """How many places in `text` match a term of `q` (non-overlapping)."""
    pattern = _any_term(q)
    return sum(1 for _ in pattern.finditer(text)) if pattern else 0


def highlight(text: str, q: str) -> str:
    """`text` HTML-escaped, with every match of a term of `q` wrapped in <mark>.

    Matches are found in the raw text and each piece is escaped on its own, so a mark never
    falls inside an entity: `amp` leaves the `&amp;` of "A & B" alone, `lt` the `&lt;` of "<b>".
    """
    pattern = _any_term(q)
    if pattern is None:
        return html.escape(text)
    pieces: list[str] = []
    done = 0
    for match in pattern.finditer(text):
        if match.end() == match.start():
            continue
        pieces.append(html.escape(text[done:match.start()]))
        pieces.append(f"<mark>{html.escape(match.group())}</mark>")
        done = match.end()
    pieces.append(html.escape(text[done:]))
    return "".join(pieces)
