"""The policy text (panprd.ui.policy_page)."""

from panprd.ui import frame, policy_page

policy_page.render(frame.context("policy"))
