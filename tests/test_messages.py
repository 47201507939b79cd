"""Data and ledger errors reach the reader in the page's language, with the file, row and column (issue 24).

The templates live in panprd.i18n (MESSAGES_ZH / MESSAGES_EN); the checks and the ledger raise Messages.
The page tests break a copy of the data the ways a colleague's save breaks it, then open the page in
Chinese and in English: the banner names the same file, row and byte in each, and none of the other
language's sentence.
"""

from __future__ import annotations

import ast
import html
import json
import shutil
import string
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from panprd import data, i18n
from panprd.messages import Message
from tests.test_pages import html_of
from tests.test_tracking_page import cookies, ledger_db, open_tracking  # noqa: F401 (fixtures)

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PACKAGE = Path(__file__).resolve().parent.parent / "panprd"


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_both_languages_have_every_message_with_the_same_values():
    assert set(i18n.MESSAGES_ZH) == set(i18n.MESSAGES_EN)
    differ = {key: (fields(i18n.MESSAGES_ZH[key]), fields(i18n.MESSAGES_EN[key])) for key in i18n.MESSAGES_ZH
              if fields(i18n.MESSAGES_ZH[key]) != fields(i18n.MESSAGES_EN[key])}
    assert not differ
    assert set(i18n.ZH) == set(i18n.EN) and not set(i18n.ZH) & set(i18n.MESSAGES_ZH)


def test_every_message_the_code_raises_has_its_templates():
    """Each literal Message("key", ...) in the package names a template (an unexercised path included)."""
    used = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Message"
                    and node.args and isinstance(node.args[0], ast.Constant)):
                used.add(node.args[0].value)
    assert len(used) > 90
    assert used - set(i18n.MESSAGES_EN) == set()


def test_a_message_renders_its_values_in_each_language():
    said = Message("issue_not_utf8", byte=7, hint=Message("issue_hint_gbk"))
    assert said.text("zh") == ("不是 UTF-8 编码（第 7 字节）：看来是 GBK/GB18030 编码，"
                               "即中文 Windows 上 Excel 保存 CSV 的编码；请另存为“CSV UTF-8（逗号分隔）”")
    assert str(said) == said.text("en") and "byte 7" in str(said) and "GBK" in str(said)
    listed = Message("ledger_not_listed", action="4.1.17", units="省商务厅", can=("省发改委", "省交通运输厅"))
    assert "省发改委、省交通运输厅" in listed.text("zh") and "省发改委, 省交通运输厅" in listed.text("en")
    assert listed.bilingual() == f"{listed.text('zh')} / {listed.text('en')}"
    with pytest.raises(KeyError, match="no message template"):
        Message("no_such_key")


def test_an_issue_says_where_in_each_language():
    issue = data.Issue("measures.csv", 4, "theme", Message("issue_topic_unknown", value="x"))
    assert issue.text("zh") == "measures.csv 第 4 行，theme 列：未知领域“x”"
    assert issue.text("en") == str(issue) == "measures.csv, row 4, column theme: unknown topic 'x'"


# ---------------------------------------------------------------- the pages, with data saved badly


def _copy(root: Path) -> Path:
    for name in ("geodata", "sources"):
        shutil.copytree(data.ROOT / name, root / name)
    shutil.copy(data.ROOT / "measures.csv", root / "measures.csv")
    return root


def _measures_gbk(root: Path) -> None:
    text = (root / "measures.csv").read_text("utf-8")
    (root / "measures.csv").write_bytes(text.encode("gbk", errors="replace"))


def _measures_semicolons(root: Path) -> None:
    header, rest = (root / "measures.csv").read_text("utf-8").split("\n", 1)
    (root / "measures.csv").write_text(header.replace(",", ";") + "\n" + rest, encoding="utf-8")


def _features_truncated(root: Path) -> None:
    path = root / "geodata" / "features.geojson"
    path.write_bytes(path.read_bytes()[:5000])


def _headings_wrong_title(root: Path) -> None:
    path = root / "sources" / f"{data.SOURCE_NAME}{data.HEADINGS_SUFFIX}"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace(lines[1].split(",")[1], "改过的标题", 1)  # row 2's Chinese title
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _bad_rows(root: Path) -> None:
    lines = (root / "measures.csv").read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace(",economy,", ",economics,", 1)
    (root / "measures.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _origin_without_licence(root: Path) -> None:
    path = root / "geodata" / "origin.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    record["package"]["licence"] = ""
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")


# (how the save breaks, what the Chinese page says, what the English page says)
BROKEN: dict[str, tuple[Callable[[Path], None], tuple[str, ...], tuple[str, ...]]] = {
    "gbk": (_measures_gbk, ("measures.csv 第 2 行：不是 UTF-8 编码（第", "看来是 GBK/GB18030 编码", "请另存为"),
            ("measures.csv, row 2: not UTF-8 (byte", "it looks like GBK/GB18030", "save it as")),
    "semicolons": (_measures_semicolons, ("measures.csv 第 1 行：表头只有一列且含“;”",),
                   ("measures.csv, row 1: the header is one column containing ';'",)),
    "truncated_geojson": (_features_truncated, ("geodata/features.geojson 第 5 行：JSON 无效（第 5 行第",
                                                "文件是否不完整？"),
                          ("geodata/features.geojson, row 5: invalid JSON at line 5, column", "(truncated file?)")),
    "headings": (_headings_wrong_title, ("第 2 行，title_zh 列：原文中",),
                 (", row 2, column title_zh: the text's title",)),
    "rejected_row": (_bad_rows, ("measures.csv 中有 1 行未通过校验", "theme：未知主题“economics”；应为以下之一："),
                     ("1 rows of measures.csv failed validation", "theme: unknown theme 'economics'; expected one of")),
    "origin": (_origin_without_licence, ("geodata/origin.json：package.licence 项缺失或为空",),
               ("geodata/origin.json: key package.licence missing or empty",)),
}


def _page(lang: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["lang"] = lang
    return at.run()


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_bad_save_is_explained_in_the_page_language(case, lang, tmp_path, monkeypatch):
    breaks, zh_says, en_says = BROKEN[case]
    breaks(_copy(tmp_path))
    monkeypatch.setattr(data, "ROOT", tmp_path)
    at = _page(lang)
    assert not at.exception
    shown = html.unescape(html_of(at) + "\n".join(e.value for e in at.error))
    says, other = (zh_says, en_says) if lang == "zh" else (en_says, zh_says)
    for words in says:
        assert words in shown, (case, lang, words)
    for words in other:
        assert words not in shown, (case, lang, words)


# ---------------------------------------------------------------- the ledger's refusals


def _submit(at: AppTest, lang: str) -> AppTest:
    return at.button(key=f"FormSubmitter:tr_form-{i18n.t('track_submit', lang)}").click().run()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_refused_report_is_explained_in_the_page_language(lang, ledger_db, cookies):  # noqa: F811
    cookies.sign_in(ledger_db, "sw")
    at = open_tracking(measure="4.1.17", lang=lang)
    at.selectbox(key="tr_status").set_value("completed")
    body = html_of(_submit(at, lang))
    refusal = body[body.index("pp-track-refused"):]
    zh = ("措施 4.1.17 的责任单位不包括省商务厅", "可填报的单位：省发改委、省交通运输厅", "已完成须提供佐证")
    en = ("省商务厅 is not listed for action 4.1.17", "the units that can report are: 省发改委, 省交通运输厅",
          "report needs evidence")
    says, other = (zh, en) if lang == "zh" else (en, zh)
    assert all(words in refusal for words in says), refusal
    assert not any(words in refusal for words in other), refusal


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_refused_sign_in_is_explained_in_the_page_language(lang, ledger_db, cookies):  # noqa: F811
    from panprd import websession
    from panprd.tracking import accounts

    cookies.jar[websession.NOTICE_COOKIE] = websession._put_notice(
        accounts.SignInRefused(Message("ledger_wrong_password", left=2, minutes=15)), "jt")
    body = html_of(open_tracking(lang=lang))
    zh, en = "登录名或密码错误（还可尝试 2 次", "Wrong login or password (2 attempt(s) left"
    says, other = (zh, en) if lang == "zh" else (en, zh)
    assert says in body and other not in body
