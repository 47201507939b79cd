"""Where the data comes from, as the downloads and credits quote it, from the origin records that
`data.load` reads once (the loader is the only reader of the files):

- `sources/fujian-panprd-2016.toml` (`policy.Metadata`): the policy text's title, issuer, date, the
  State Council opinions it implements, where our copy came from, its sha256;
- `geodata/origin.json`: written by the geodata build: `{"producer", "built", "package": {"name",
  "version", "licence", "url"}, "inputs": [...], "outputs": [...]}`.

A corrected record corrects every download. A missing geodata record is said in so many words.
"""

from __future__ import annotations

from panprd.messages import Message
from panprd.policy import Metadata

GEODATA_ORIGIN = "geodata/origin.json"
PACKAGE_KEYS: tuple[str, ...] = ("name", "version", "licence", "url")


def geodata_problems(record: object) -> list[Message]:
    """What makes a geodata origin record unusable (empty when it is sound)."""
    package = record.get("package") if isinstance(record, dict) else None
    if not isinstance(package, dict):
        return [Message("issue_package")]
    missing = tuple(f"package.{key}" for key in PACKAGE_KEYS if not str(package.get(key, "")).strip())
    return [Message("issue_package_keys", keys=missing)] if missing else []


def citation(meta: Metadata, lang: str, text_path: str) -> str:
    """How to cite the policy text, with the file and checksum of the copy every record quotes."""
    if lang == "zh":
        return (f"{meta.title_zh}（{meta.issuer_zh}，{meta.date}，贯彻{meta.implements}）。"
                f"文本：{text_path}，sha256 {meta.sha256}")
    return (f"{meta.title_en} ({meta.issuer_en}, {meta.date}; implements {meta.implements}). "
            f"Text: {text_path}, sha256 {meta.sha256}")


def boundaries_credit(record: dict | None, lang: str) -> str:
    """The boundary data's package, version and licence in a few words, for the credit on every map."""
    if record is None:
        return "来源记录缺失" if lang == "zh" else "origin record missing"
    package = record["package"]
    return f"{package['name']} {package['version']}, {package['licence']}"


def licence_note(record: dict | None, lang: str) -> str:
    """The boundary data's package, version, licence and address, or that the record is missing."""
    if record is None:
        return (f"边界数据来源记录缺失（{GEODATA_ORIGIN}）" if lang == "zh"
                else f"origin record missing ({GEODATA_ORIGIN})")
    package = record["package"]
    name = f"{package['name']} {package['version']}"
    built, producer = record.get("built"), record.get("producer")
    if lang == "zh":
        made = f"；{producer or ''}生成于 {built}" if built else ""
        return f"边界数据：{name}（{package['licence']} 许可），{package['url']}{made}"
    made = (f"; built {built}" + (f" by {producer}" if producer else "")) if built else ""
    return f"Boundary data: {name} ({package['licence']} licence), {package['url']}{made}"
