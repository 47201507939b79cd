"""The policy text in sections and clauses, each with its actions, places and features (see panprd.ui_pages)."""

from panprd.ui_pages import policy_page

policy_page()
