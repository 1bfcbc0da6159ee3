"""Suitability that cannot go stale (issue 14, SPEC §2–3): issued and accepted proposals are
re-checked nightly and whenever their inputs change (a client's profile, a product's rating, the
model portfolio). Findings are stored on the proposal as codes with parameters (rendered in the
reader's language by `finding_text`) and become warnings through planning.warnings: concentration,
suitability and profile — opened when found, closed when resolved."""

from __future__ import annotations

import datetime
import logging
from decimal import Decimal

from django.db import transaction
from django.urls import reverse

from advisory.clock import now, today
from advisory.history import audited_save
from advisory.notifications import notify
from advisory.texts import Joined, Text, encode, render, text
from audit.managers import allow_bulk_writes

from .. import conf
from ..models import Proposal, ProposalStatus

logger = logging.getLogger(__name__)

__all__ = [
    "MONITORED",
    "finding_text",
    "on_suitability_inputs_changed",
    "proposal_findings",
    "proposal_monitor",
    "proposal_monitor_sweep",
    "proposals_recheck_for",
]

MONITORED = (ProposalStatus.ISSUED, ProposalStatus.ACCEPTED)
ZERO = Decimal("0")


def _f(code: str, **params) -> dict:
    return {"code": code, "params": {k: encode(v) for k, v in params.items()}}


def proposal_findings(*, proposal: Proposal, on: datetime.date | None = None) -> dict[str, list[dict]]:
    """What is wrong with this proposal today, by warning kind. Reads the client's current profile,
    each product's current rating and governance state, the exceptions that still hold, and the
    configured concentration limit; compares ratings with the ones the proposal was approved on."""
    from risk.selectors import approved_exception, client_risk_profile
    from risk.services import suitability_check

    on = on or today()
    client = proposal.client
    profile = client_risk_profile(client=client, on=on)
    found: dict[str, list[dict]] = {"profile": [], "suitability": [], "concentration": []}
    if profile is None:
        found["profile"].append(_f("profile_missing"))
    elif profile.is_expired:
        found["profile"].append(_f("profile_expired", date=profile.valid_until))
    elif profile.needs_reassessment:
        found["profile"].append(_f("profile_reassess", reason=profile.reassessment_reason))
    lines = list(proposal.lines.select_related("product").order_by("position", "id"))
    total = sum((line.amount for line in lines), ZERO)
    by_product: dict[int, Decimal] = {}
    products = {}
    for line in lines:
        by_product[line.product_id] = by_product.get(line.product_id, ZERO) + line.amount
        products[line.product_id] = line.product
    approved_ratings = {
        row.get("product_id"): row.get("risk_rating") for row in (proposal.checks or {}).get("lines", [])
    }
    limit = Decimal(str(conf.get("CONCENTRATION_LIMIT")))
    for pid, product in products.items():
        was = approved_ratings.get(pid)
        if was and was != product.risk_rating:
            found["suitability"].append(_f("rerated", product=product.code, old=was, new=product.risk_rating))
        if product.rating_approved_at is None:
            found["suitability"].append(_f("rating_unapproved", product=product.code))
        elif not product.rating_is_current(on):
            found["suitability"].append(
                _f("rating_review_lapsed", product=product.code, date=product.rating_review_due)
            )
        if profile is not None and not profile.is_expired:
            verdict = suitability_check(client=client, product=product, on=on, profile=profile)
            if not verdict.suitable and (
                approved_exception(
                    client=client,
                    product=product,
                    on=on,
                    amount=by_product[pid],
                    proposal_number=proposal.number,
                    client_level=profile.level,
                )
                is None
            ):
                found["suitability"].append(
                    _f("above_level", product=product.code, rating=product.risk_rating, level=profile.level)
                )
        weight = by_product[pid] / total if total else ZERO
        if weight > limit:
            found["concentration"].append(
                _f("concentration", product=product.code, weight=f"{weight:.1%}", limit=f"{limit:.0%}")
            )
    return found


def finding_as_text(finding: dict) -> Text:
    """One stored finding ({"code", "params"}) as a text of the registry (advisory.texts)."""
    return Text("finding." + finding.get("code", ""), finding.get("params") or {})


def finding_text(finding: dict) -> str:
    """One finding in the reader's language."""
    return render(
        "finding." + finding.get("code", ""), finding.get("params"), fallback=finding.get("code", "")
    )


def proposal_monitor(*, proposal: Proposal, on: datetime.date | None = None) -> dict[str, list[dict]]:
    """Re-check one issued or accepted proposal and store the findings (no status change: the
    approved `checks` stay as they were approved). Called by the nightly sweep and on change."""
    findings = proposal_findings(proposal=proposal, on=on)
    with transaction.atomic():
        locked = (
            Proposal.objects.select_for_update()
            .select_related("advisor")
            .filter(pk=proposal.pk, status__in=MONITORED)
            .first()
        )
        if locked is None:
            return findings
        if locked.monitor != findings:
            was_clean = not any((locked.monitor or {}).values())
            locked.monitor = findings
            locked.monitored_at = now()
            audited_save(locked, actor=None, reason="Suitability re-checked")
            if was_clean and any(findings.values()):
                notify(
                    recipients=[locked.advisor],
                    kind="planning.proposal.recheck",
                    subject=text("notify.proposal_recheck_failed", p=locked.number),
                    body=text(
                        "text.list",
                        items=Joined([finding_as_text(f) for rows in findings.values() for f in rows]),
                    ),
                    url=reverse("planning:proposal_detail", args=[locked.pk]),
                )
        else:
            # Nothing changed: only the time of the re-check moves (no history row per night).
            with allow_bulk_writes():
                Proposal.objects.filter(pk=locked.pk).update(monitored_at=now())
    proposal.monitor = findings
    return findings


def proposal_monitor_sweep(*, on: datetime.date | None = None) -> dict[str, int]:
    """Nightly (issue 14): re-check every issued and accepted proposal, then sync the warnings.
    Idempotent: the findings are recomputed from the facts, and warnings are deduplicated per
    kind and subject (advisory.warnings)."""
    from . import warnings_sync

    checked = flagged = 0
    for proposal in (
        Proposal.objects.filter(status__in=MONITORED).select_related("client").order_by("pk").iterator()
    ):
        findings = proposal_monitor(proposal=proposal, on=on)
        checked += 1
        flagged += any(findings.values())
    counts = {"checked": checked, "flagged": flagged, **{f"warn_{k}": v for k, v in warnings_sync().items()}}
    logger.info("proposal monitor sweep: %s", counts)
    return counts


def proposals_recheck_for(
    *,
    client_ids: list[int] | None = None,
    product_ids: list[int] | None = None,
    level: str | None = None,
) -> dict[str, int]:
    """Re-check what relies on a changed input: drafts run their checks again (so the advisor sees
    the new result), issued/accepted proposals are monitored, and the warnings are synced."""
    from . import proposal_recheck, warnings_sync

    qs = Proposal.objects.none()
    if client_ids:
        qs = qs | Proposal.objects.filter(client_id__in=client_ids)
    if product_ids:
        qs = qs | Proposal.objects.filter(lines__product_id__in=product_ids)
    if level:
        qs = qs | Proposal.objects.filter(risk_level=level)
    drafts = monitored = 0
    for proposal in qs.distinct().select_related("client").order_by("pk"):
        if proposal.status == ProposalStatus.DRAFT:
            proposal_recheck(proposal=proposal, actor=None)
            drafts += 1
        elif proposal.status in MONITORED:
            proposal_monitor(proposal=proposal)
            monitored += 1
    if drafts or monitored:
        warnings_sync()
    return {"drafts": drafts, "monitored": monitored}


def on_suitability_inputs_changed(
    sender, *, client_ids=(), product_ids=(), reason: str = "", **kwargs
) -> None:
    """Receiver of risk.signals.suitability_inputs_changed (sent after commit): queue the re-check
    (a re-rating can touch many proposals; the request that approved it does not wait)."""
    from ..tasks import proposals_recheck_task

    try:
        proposals_recheck_task.delay(list(client_ids), list(product_ids), reason)
    except Exception:  # the change itself is committed; the nightly sweep catches up
        logger.exception("planning: could not queue the re-check after %s", reason)
