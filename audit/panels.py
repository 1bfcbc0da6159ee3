"""Compliance panel on the workspace home page: chain status, pending disposal batches, active
holds (SPEC §5). Two queries; the chain status comes from the cache of the last verification."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from advisory.rules import is_compliance_or_admin

from .selectors import last_verification, panel_counts


def workspace_panels(user) -> list[dict]:
    if not is_compliance_or_admin(user):
        return []
    counts = panel_counts()
    last = last_verification()
    if last is None:
        chain = {"label": _("Audit chain not verified yet"), "badge": _("unknown"), "tone": "amber"}
    elif last.get("intact"):
        chain = {
            "label": _("Audit chain intact"),
            "badge": _("intact"),
            "tone": "green",
            "meta": last.get("at"),
        }
    else:
        from .templatetags.audit_tags import verification_problem

        broken_at = last.get("broken_sequence")
        chain = {
            "label": (
                _("Audit chain broken at #%(s)s") % {"s": broken_at}
                if broken_at is not None
                else _("Audit trail failed verification")
            ),
            "badge": _("broken"),
            "tone": "red",
            "meta": verification_problem(last.get("code", ""), last.get("params"), last.get("problem", "")),
        }
    chain["url"] = reverse("audit:verify")
    pending = counts["pending_batches"]
    return [
        {
            "title": _("Audit archive"),
            "count": pending,
            "tone": "amber" if pending else "green",
            "items": [
                chain,
                {
                    "label": _("Disposal batches awaiting approval"),
                    "badge": str(pending),
                    "tone": "amber" if pending else "grey",
                    "url": reverse("audit:retention"),
                },
                {
                    "label": _("Active legal holds"),
                    "badge": str(counts["active_holds"]),
                    "tone": "blue",
                    "url": reverse("audit:retention"),
                },
            ],
            "empty": "",
            "link_url": reverse("audit:browser"),
        }
    ]
