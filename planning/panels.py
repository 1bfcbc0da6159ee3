"""Home-page panels (advisory/oversight/panels.py format); each costs at most two queries."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from advisory.clock import today
from advisory.formats import local_datetime
from advisory.models import DocumentStatus
from advisory.roles import Role

from . import selectors
from .models import Proposal, ProposalStatus, Review, ReviewStatus


def _proposal_items(qs) -> list[dict]:
    return [
        {
            "label": f"{p.number} · {p.client.name}",
            "url": reverse("planning:proposal_detail", args=[p.pk]),
            "meta": p.updated_at,
            "badge": p.get_status_display(),
            "tone": "amber",
        }
        for p in qs.select_related("client")[:5]
    ]


def workspace_panels(user) -> list[dict]:
    panels: list[dict] = []
    if user.role == Role.ADVISOR:
        mine = Proposal.objects.filter(advisor=user, status=ProposalStatus.DRAFT).order_by("-updated_at")
        panels.append(
            {
                "title": _("My draft and returned proposals"),
                "items": _proposal_items(mine),
                "empty": _("No drafts."),
                "link_url": reverse("planning:proposal_list") + "?tab=mine&status=draft",
            }
        )
        reviews = Review.objects.filter(client__advisor=user, status=ReviewStatus.OPEN).select_related(
            "client"
        )
        on = today()
        panels.append(
            {
                "title": _("Reviews due"),
                "items": [
                    {
                        "label": r.client.name,
                        "url": reverse("planning:review_detail", args=[r.pk]),
                        "meta": r.due_date,
                        "badge": _("overdue") if r.due_date < on else _("due"),
                        "tone": "red" if r.due_date < on else "amber",
                    }
                    for r in reviews.order_by("due_date")[:5]
                ],
                "empty": _("No reviews due."),
                "link_url": reverse("planning:review_list") + "?status=open",
            }
        )
    elif user.role in (Role.RISK_REVIEWER, Role.COMPLIANCE):
        tab = "awaiting_review" if user.role == Role.RISK_REVIEWER else "awaiting_compliance"
        qs = selectors.proposal_list(user=user, tab=tab).order_by("submitted_at", "id")
        panels.append(
            {
                "title": _("Awaiting my review") if tab == "awaiting_review" else _("Awaiting compliance"),
                "items": _proposal_items(qs),
                "empty": _("Nothing waiting."),
                "link_url": reverse("planning:proposal_list") + f"?tab={tab}",
            }
        )
    return panels


def portal_panels(user) -> list[dict]:
    client = selectors.client_of_user(user=user)
    if client is None:
        return []
    waiting = Proposal.objects.filter(client=client, status=ProposalStatus.ISSUED).order_by("-issued_at")[:5]
    return [
        {
            "title": _("Proposals awaiting my decision"),
            "items": [
                {
                    "label": f"{p.number} · {p.title}",
                    "url": reverse("planning_portal:proposal_detail", args=[p.pk]),
                    "meta": p.issued_at,
                    "badge": _("Your decision"),
                    "tone": "amber",
                }
                for p in waiting
            ],
            "empty": _("Nothing to decide."),
            "link_url": reverse("planning_portal:proposal_list"),
        },
        {
            "title": _("My reports"),
            "items": [_report_item(doc) for doc in selectors.document_list(user=user)[:5]],
            "empty": _("No reports yet. Open a proposal to ask for one."),
            "link_url": reverse("planning_portal:documents"),
        },
    ]


def _report_item(doc) -> dict:
    """One line of the client's "My reports" card: title, when (firm time zone), status, and the
    download link once it is ready."""
    ready = doc.status == DocumentStatus.READY
    return {
        "label": doc.title,
        "url": reverse("planning_portal:document_download", args=[doc.pk]) if ready else "",
        "meta": local_datetime(doc.created_at),
        "badge": doc.get_status_display(),
        "tone": "green" if ready else "amber",
    }
