"""The implementation ledger: sign-in, reports and the office's review (panprd.ui.tracking_page)."""

from panprd.ui import frame, tracking_page

frame.body("tracking", tracking_page.render)
