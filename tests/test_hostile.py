"""Markup in every text field of measures.csv and every property of geodata renders as text, on every page."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pytest
from ledger_seed import seed
from streamlit.testing.v1 import AppTest

from panprd import data, vocab

APP = str(Path(__file__).resolve().parent.parent / "app.py")
MARKUP = '<img src=x onerror=alert(1)>"\'</script><script>alert(2)</script>![x](http://example.invalid/x.png)'
HTML_SIGNS = ("<img src=x", "<script>alert")
MARKDOWN_SIGN = "](http://example.invalid"  # a Markdown image would make the browser fetch from outside


def write_hostile_copy(root: Path) -> Path:
    """A copy of the data with MARKUP in every text field and property (and one row rejected for it)."""
    for name in ("geodata", "sources"):
        shutil.copytree(data.ROOT / name, root / name)
    rows = list(csv.DictReader(io.StringIO((data.ROOT / "measures.csv").read_text(encoding="utf-8"))))
    for row in rows:
        row["title_zh"] = row["title_zh"] + MARKUP
        row["title_en"] = MARKUP + row["title_en"]
        row["lead_units"] = row["lead_units"] + ";" + MARKUP
    rejected = dict(rows[0], measure_id=MARKUP, text_zh=MARKUP, topic=MARKUP, places=MARKUP, features=MARKUP)
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=list(vocab.MEASURE_COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows([*rows, rejected])
    (root / "measures.csv").write_text(out.getvalue(), encoding="utf-8")
    for name in ("features.geojson", "cities.geojson", "provinces.geojson", "maritime.geojson"):
        path = root / "geodata" / name
        doc = json.loads(path.read_text(encoding="utf-8"))
        for feature in doc["features"]:
            for key in (*(key for key in vocab.FEATURE_PROPERTIES if key.endswith(("_zh", "_en"))), "parts_zh"):
                if key in feature["properties"]:
                    feature["properties"][key] = feature["properties"][key] + MARKUP
        path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def hostile_root(tmp_path_factory) -> Path:
    return write_hostile_copy(tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="module")
def hostile_ledger(tmp_path_factory) -> str:
    """A ledger whose notes and evidence are MARKUP (a confirmed completion and a red action)."""
    return seed(tmp_path_factory.mktemp("hostile-ledger") / "tracking.db", MARKUP)


def html_text(at: AppTest) -> str:
    """What the page sends as raw HTML: st.html bodies and the map component's arguments, with the
    JSON string escapes (\\u003c, \\u0026) undone as the browser's script does before Leaflet puts a
    tooltip into the page: an unescaped name would be markup again there."""
    parts = [el.proto.body for el in at.get("html")] + [str(el.proto) for el in at.get("component_instance")]
    return re.sub(r"\\+u([0-9a-fA-F]{4})", lambda m: chr(int(m[1], 16)), "\n".join(parts))


def markdown_text(at: AppTest) -> str:
    """What the page sends through Markdown: markdown, captions, titles, alerts, widget labels."""
    parts = [el.value for el in (*at.markdown, *at.caption, *at.title)]
    parts += [str(el.proto) for el in at.get("alert")]
    parts += [w.label for w in (*at.multiselect, *at.radio, *at.text_input)]
    return "\n".join(parts)


FEATURES = {"overview": "350800", "corridors": "rail_xiangpu", "transfer_zones": "zone_minyue_economic",
            "ecology": "basin_tingjiang_hanjiang"}


@pytest.mark.parametrize("page", [*FEATURES, "measures", "policy", "units"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_markup_from_the_data_reaches_the_page_unescaped(hostile_root, hostile_ledger, monkeypatch, page, lang):
    """Markup in the data and in the ledger's notes and evidence (statuses on every page: chips, panel,
    map tooltips, the explorer's columns)."""
    monkeypatch.setattr(data, "ROOT", hostile_root)
    monkeypatch.setenv("PANPRD_DB_URL", hostile_ledger)
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["lang"] = lang
    if page in FEATURES:
        at.query_params["feature"] = FEATURES[page]
    at.run()
    if page != "overview":
        at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    html = html_text(at)
    assert "pp-banner" in html  # the rejected-row banner did render
    assert "pp-ledger-banner" not in html  # and the statuses came from the hostile ledger
    if page in FEATURES:
        assert "pp-action" in html and "pp-status" in html  # the panel, with its status chips
    if page == "policy":
        assert 'data-status="completed"' in html
    for sign in HTML_SIGNS:
        assert sign not in html, (page, sign)
    markdown = markdown_text(at)
    for sign in (*HTML_SIGNS, MARKDOWN_SIGN):
        assert sign not in markdown, (page, sign)
