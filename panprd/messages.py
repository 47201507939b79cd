"""A message to a person, kept as its key and values until the reader's language is known.

The data checks and the ledger find problems long before anyone knows who will read them: the data
is loaded once per process, a refusal is raised deep in the ledger. So they say `Message("key",
row=3, ...)`, and whoever shows it picks the language: a page in its own (`text(lang)`), the
command line both (`bilingual()`, Chinese first). The templates are in `panprd.i18n` with every
other sentence of the UI; a value may itself be a Message (rendered in the same language), a tuple
(joined with the language's list separator) or a dict by language (a term's two names).
"""

from __future__ import annotations

from dataclasses import dataclass

from panprd import i18n

LIST_SEPARATOR = {"zh": "、", "en": ", "}


@dataclass(frozen=True, init=False)
class Message:
    key: str
    values: tuple[tuple[str, object], ...]

    def __init__(self, key: str, /, **values: object):
        if key not in i18n.STRINGS["en"]:
            raise KeyError(f"no message template {key!r} in panprd/i18n.py")
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "values", tuple(values.items()))

    def text(self, lang: str) -> str:
        return i18n.t(self.key, lang).format(**{name: in_language(value, lang) for name, value in self.values})

    def bilingual(self) -> str:
        """Chinese, then English: what the command line prints and the logs keep."""
        return f"{self.text('zh')} / {self.text('en')}"

    def __str__(self) -> str:
        return self.text("en")


def in_language(value: object, lang: str) -> object:
    """A message's value as the reader of `lang` sees it (numbers and dates stay as they are, for formats)."""
    if isinstance(value, Message):
        return value.text(lang)
    if isinstance(value, tuple):
        return LIST_SEPARATOR[lang].join(str(in_language(v, lang)) for v in value)
    if isinstance(value, dict):
        return value[lang]
    return value
