"""Where the data comes from, read from the origin records kept beside the data.

- `sources/fujian-panprd-2016.toml`: the policy text's metadata (title, issuer, date, the State
  Council opinions it implements, where our copy came from, its sha256).
- `geodata/origin.json`: written by the geodata build: `{"producer", "built", "package": {"name",
  "version", "licence", "url"}, "inputs": [...], "outputs": [...]}`.

Exports and credits quote these records instead of carrying their own copy of the facts, so a
corrected record corrects every download. A missing geodata record is said in so many words.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from panprd import data

POLICY_METADATA = Path("sources") / "fujian-panprd-2016.toml"
GEODATA_ORIGIN = Path("geodata") / "origin.json"
POLICY_KEYS: tuple[str, ...] = ("file", "title_zh", "title_en", "issuer_zh", "issuer_en", "date", "sha256")
PACKAGE_KEYS: tuple[str, ...] = ("name", "version", "licence", "url")


class OriginError(ValueError):
    """An origin record that exists but cannot be used; the message names the file and the key."""


def policy_metadata(root: Path | None = None) -> dict:
    """The policy text's metadata from its TOML record; raises OriginError when it is unusable."""
    path = (root or data.ROOT) / POLICY_METADATA
    try:
        record = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise OriginError(f"{POLICY_METADATA}: file missing") from None
    except tomllib.TOMLDecodeError as exc:
        raise OriginError(f"{POLICY_METADATA}: not valid TOML: {exc}") from None
    missing = [key for key in POLICY_KEYS if not str(record.get(key, "")).strip()]
    if missing:
        raise OriginError(f"{POLICY_METADATA}: key {', '.join(missing)} missing or empty")
    return record


def geodata_origin(root: Path | None = None) -> dict | None:
    """The geodata build's origin record, None when there is none; raises OriginError when unusable."""
    path = (root or data.ROOT) / GEODATA_ORIGIN
    if not path.exists():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise OriginError(f"{GEODATA_ORIGIN}: invalid JSON at line {exc.lineno}, column {exc.colno}: "
                          f"{exc.msg}") from None
    package = record.get("package") if isinstance(record, dict) else None
    if not isinstance(package, dict):
        raise OriginError(f"{GEODATA_ORIGIN}: key package missing or not an object")
    missing = [key for key in PACKAGE_KEYS if not str(package.get(key, "")).strip()]
    if missing:
        raise OriginError(f"{GEODATA_ORIGIN}: key package.{', package.'.join(missing)} missing or empty")
    return record


def citation(lang: str, root: Path | None = None) -> str:
    """How to cite the policy text, with the file and checksum of the copy every record quotes."""
    meta = policy_metadata(root)
    text, sha = f"{POLICY_METADATA.parent}/{meta['file']}", meta["sha256"]
    if lang == "zh":
        implements = f"，贯彻{meta['implements']}" if meta.get("implements") else ""
        return f"{meta['title_zh']}（{meta['issuer_zh']}，{meta['date']}{implements}）。文本：{text}，sha256 {sha}"
    implements = f"; implements {meta['implements']}" if meta.get("implements") else ""
    return f"{meta['title_en']} ({meta['issuer_en']}, {meta['date']}{implements}). Text: {text}, sha256 {sha}"


def licence_note(lang: str, root: Path | None = None) -> str:
    """The boundary data's package, version, licence and address, or that the record is missing."""
    record = geodata_origin(root)
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
