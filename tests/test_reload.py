"""Data files changing on disk while the app runs: reloaded when valid, last valid version kept otherwise."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from streamlit.testing.v1 import AppTest

from panprd import data

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def copy_data(tmp_path: Path) -> Path:
    for name in ("geodata", "sources"):
        shutil.copytree(data.ROOT / name, tmp_path / name)
    shutil.copy(data.ROOT / "measures.csv", tmp_path / "measures.csv")
    return tmp_path / "measures.csv"


def actions(at: AppTest) -> int:
    return int(next(m.value for m in at.metric if m.label == "措施"))


def save(path: Path, raw: bytes) -> None:
    """Save as an editor would, and make sure the modification time moves on."""
    stamp = path.stat().st_mtime_ns
    path.write_bytes(raw)
    os.utime(path, ns=(stamp + 10**9, stamp + 10**9))


def test_a_new_valid_file_is_picked_up_and_a_broken_one_does_not_replace_it(tmp_path, monkeypatch):
    measures = copy_data(tmp_path)
    monkeypatch.setattr(data, "ROOT", tmp_path)
    at = AppTest.from_file(APP, default_timeout=60).run()
    total = actions(at)
    lines = measures.read_text(encoding="utf-8").splitlines()
    save(measures, ("\n".join(lines[:-1]) + "\n").encode())  # a colleague deletes the last row
    at.run()
    assert actions(at) == total - 1
    save(measures, measures.read_text(encoding="utf-8").encode("utf-16"))  # then saves it as UTF-16
    at.run()
    assert not at.exception
    assert actions(at) == total - 1
    body = "\n".join(el.proto.body for el in at.get("html"))
    assert "pp-stale" in body and "UTF-16" in body


def test_read_stable_rereads_a_file_that_changed_while_being_read(tmp_path, monkeypatch):
    path = tmp_path / "measures.csv"
    path.write_bytes(b"half")
    original = Path.read_bytes
    calls = []

    def read_during_save(self):
        raw = original(self)
        if not calls:  # the first read races a writer that finishes just after it
            path.write_bytes(b"the whole file")
        calls.append(raw)
        return raw

    monkeypatch.setattr(Path, "read_bytes", read_during_save)
    assert data.read_stable(path) == b"the whole file"
    assert len(calls) == 2


def test_the_data_version_follows_the_bytes_of_every_data_file(tmp_path, ds):
    copy_data(tmp_path)
    assert data.load(tmp_path).version == ds.version  # the same bytes elsewhere: the same version
    assert len(ds.version) == 12
    for path in data.data_files(tmp_path):
        if not path.exists():
            continue
        original = path.read_bytes()
        path.write_bytes(original + b"\n")  # a trailing newline changes no record but is another version
        try:
            assert data.load(tmp_path).version != ds.version, path.name
        finally:
            path.write_bytes(original)
