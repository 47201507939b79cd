"""A small ledger for the page tests: written through the ledger's own functions into a temporary database.

- 4.1.17 (lead 省发改委, Putian, the 向莆 railway): reported completed with evidence, confirmed by the office:
  green, completed.
- 4.1.02 (lead 省发改委, Sanming and Longyan, the 浦梅 railway): on schedule, due date long past: red.
Every other action: no report, grey. The note and evidence carry `text` (markup, a formula) so that the
surfaces that must not show them, or must escape them, can be checked.
"""

from __future__ import annotations

from pathlib import Path

from panprd import data
from panprd.tracking import accounts, clock, ledger, store, units

COMPLETED, RED = "4.1.17", "4.1.02"
PASSWORD = "correct horse battery"


def seed(path: Path, text: str = "进展说明：已通车") -> str:
    """Create the ledger at `path` and return its SQLAlchemy URL (for PANPRD_DB_URL)."""
    url = f"sqlite:///{path}"
    engine = store.open_store(url)
    try:
        actions = units.actions_from_measures(data.load().measures)
        accounts.add_account(engine, "fgw", "reporter", ["省发改委"], PASSWORD)
        accounts.add_account(engine, "office", "office", [], PASSWORD)
        today = clock.today().isoformat()
        done = ledger.submit_report(engine, actions, "fgw", COMPLETED, "completed", today, note=f"note {text}",
                                    evidence=f"evidence {text}")
        ledger.review_report(engine, "office", done, "confirmed")
        ledger.submit_report(engine, actions, "fgw", RED, "on_schedule", today, note=f"note {text}")
        ledger.set_due(engine, actions, "office", RED, "2020-06-30", 0)
    finally:
        engine.dispose()
    return url
