"""The know-your-client section of the client page (identity documents, risk rating and
refresh, screening hits). Four queries; screening hits only for those who may see them."""

from __future__ import annotations

from django.utils.translation import gettext as _

from advisory.clock import today

from . import kyc, kyc_selectors
from .kyc_models import KycRefresh, RefreshStatus
from .rules import can


def client_sections(*, client, user) -> list[dict]:
    if not can(user, "clients.view_kyc", client):
        return []
    on = today()
    horizon = kyc.expiry_warning_days()
    documents = list(kyc_selectors.identity_document_list(user=user, client_id=client.pk))
    for doc in documents:
        doc.is_current = doc.superseded_at is None
        doc.is_expired = doc.expires_on is not None and doc.expires_on < on
        doc.is_expiring = (
            doc.expires_on is not None and not doc.is_expired and (doc.expires_on - on).days <= horizon
        )
    profile = kyc.kyc_profile_get(client)
    refresh = (
        KycRefresh.objects.filter(client=client).exclude(status=RefreshStatus.COMPLETED).first()
        if client.pk
        else None
    )
    show_hits = can(user, "clients.view_screening_hit", client)
    hits = list(kyc_selectors.screening_hit_list(user=user, client_id=client.pk)[:20]) if show_hits else []
    return [
        {
            "title": _("Know your client"),
            "template": "clients/_kyc_section.html",
            "context": {
                "client": client,
                "documents": documents,
                "profile": profile,
                "refresh_overdue": bool(
                    profile and profile.next_refresh_due and profile.next_refresh_due < on
                ),
                "refresh": refresh,
                "blockers": kyc.relationship_blockers(client=client, on=on, documents=documents),
                "show_hits": show_hits,
                "hits": hits,
                "can_record": can(user, "clients.record_identity_document", client),
                "can_refresh": can(user, "clients.work_kyc_refresh", client) and refresh is None,
            },
        }
    ]
