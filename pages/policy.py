"""The policy text (panprd.ui.policy_page)."""

from panprd.ui import frame, policy_page

frame.body("policy", policy_page.render)
