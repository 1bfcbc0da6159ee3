"""The staff link of a ticket in the texts the system writes (notifications, emails), built
without loading the URLconf.

The escalation sweep and the mailbox poll run in processes that never serve a page (a worker, a
cron command); reversing one URL name there imported every app's views, DRF and the API schema
(more than half a second of CPU per process). The staff screens are mounted at `STAFF_PREFIX` in
advisory/urls.py; tests/complaints/test_links.py checks that these links are exactly what
`reverse("complaints:detail", ...)` gives, so moving the screens without changing this fails a
test rather than sending broken links.
"""

from __future__ import annotations

from django.urls import get_script_prefix

STAFF_PREFIX = "app/complaints/"


def complaint_staff_url(complaint_id: int) -> str:
    """The same as `reverse("complaints:detail", args=[complaint_id])` (script prefix included)."""
    return f"{get_script_prefix()}{STAFF_PREFIX}{int(complaint_id)}/"
