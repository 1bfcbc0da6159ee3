"""Proposals created and edited (SPEC §3), with their lines validated and checks re-run."""

from __future__ import annotations

import json
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from advisory.clock import today
from advisory.editing import Guard
from advisory.errors import Conflict, DomainError, NotAllowed
from advisory.history import audited_delete, audited_save
from advisory.models import User
from advisory.money import to_money
from advisory.numbering import next_number
from advisory.rules import can
from audit.managers import allow_bulk_writes

from ..models import Goal, Proposal, ProposalLine, ProposalStatus
from .checks import _apply_checks, _kyc_check, _risk_profile

PROPOSAL_FIELDS = ["title", "liquidity_need_amount", "liquidity_need_days", "annual_contribution", "currency"]


def _validate_lines(lines: Iterable[tuple[Any, Decimal]]) -> list[tuple[Any, Decimal]]:
    out = []
    on = today()
    for product, amount in lines:
        amount = Decimal(str(amount))
        if amount <= 0:
            raise DomainError(_("Each line needs an amount above zero."), field="lines")
        if not product.is_active:
            raise DomainError(_("%(p)s is not on sale.") % {"p": product}, field="lines")
        if not product.rating_is_current(on):
            raise DomainError(
                _(
                    "%(p)s cannot be offered: its risk rating needs an approved written assessment "
                    "with a current review (product governance)."
                )
                % {"p": product},
                field="lines",
            )
        out.append((product, to_money(amount)))
    return out


def _write_lines(proposal: Proposal, lines: list[tuple[Any, Decimal]], actor: User) -> list[ProposalLine]:
    """Make the proposal's lines equal `lines`, touching only rows that change: existing rows are
    updated in place by position (one bulk statement with history and audit entries), new ones
    bulk-created, surplus ones deleted (their history stays)."""
    from audit.bulk import bulk_create_audited, bulk_update_audited

    existing = list(proposal.lines.order_by("position", "id")) if proposal.pk else []
    changed, created, result = [], [], []
    for position, (product, amount) in enumerate(lines):
        if position < len(existing):
            line = existing[position]
            if (line.product_id, line.amount, line.position) != (product.pk, amount, position):
                line.product, line.amount, line.position = product, amount, position
                changed.append(line)
            line.product = product
        else:
            line = ProposalLine(proposal=proposal, product=product, amount=amount, position=position)
            created.append(line)
        result.append(line)
    for old in existing[len(lines) :]:
        audited_delete(old, actor=actor, reason="Proposal line removed")
    if changed:
        bulk_update_audited(
            changed, ["product", "amount", "position"], actor=actor, reason="Proposal line changed"
        )
    if created:
        made = bulk_create_audited(created, actor=actor, reason="Proposal line added")
        for line, row in zip(created, made, strict=True):
            line.pk = row.pk
    return result


def proposal_create(
    *,
    client,
    actor: User,
    title: str,
    lines: Iterable[tuple[Any, Decimal]] = (),
    goals: Iterable[Goal] | None = None,
    **fields: Any,
) -> Proposal:
    """A draft proposal by the client's advisor; the checks run on save (SPEC §3)."""
    if not (actor.is_advisor and client.advisor_id == actor.pk):
        raise NotAllowed(_("Only the client's responsible advisor may draft a proposal."))
    profile = _risk_profile(client)
    if profile is not None and profile.needs_reassessment:
        raise Conflict(
            _(
                "The client's risk profile needs re-assessment (%(r)s): new proposals are blocked until "
                "the client is re-assessed."
            )
            % {"r": profile.reassessment_reason or _("significant change")}
        )
    _kyc_check(client)
    clean_lines = _validate_lines(lines)
    with transaction.atomic():
        proposal = Proposal(client=client, advisor=actor, title=title)
        for key, value in fields.items():
            if key in PROPOSAL_FIELDS and value is not None:
                setattr(proposal, key, value)
        for _attempt in range(5):
            proposal.number = next_number(prefix="PRP", year=today().year)
            try:
                with transaction.atomic():
                    audited_save(proposal, actor=actor, reason="Proposal drafted")
                break
            except IntegrityError:
                proposal.pk = None
                continue
        if goals is not None:
            proposal.goals.set([g for g in goals if g.client_id == client.pk])
        written = _write_lines(proposal, clean_lines, actor)
        _apply_checks(proposal, _with_products(written))
        audited_save(proposal, actor=actor, reason="Checks run")
    return proposal


def _with_products(lines: list[ProposalLine]) -> list[ProposalLine]:
    return lines  # products are already attached (the objects the caller passed)


def proposal_update(
    *,
    proposal: Proposal,
    actor: User,
    lines: Iterable[tuple[Any, Decimal]] | None = None,
    goals: Iterable[Goal] | None = None,
    edits: Guard | None = None,
    **fields: Any,
) -> Proposal:
    """Edit a draft (by its advisor); the checks run again on every save. With `edits`, a change
    made elsewhere since the form was opened (another tab, the API) is kept, or the save refused
    when both changed the same field (advisory.editing); the lines count as one field."""
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().select_related("client").get(pk=proposal.pk)
        if not can(actor, "planning.change_proposal", proposal):
            if proposal.status != ProposalStatus.DRAFT:
                raise Conflict(
                    _("Only a draft can be edited; this proposal is %(s)s.")
                    % {"s": proposal.get_status_display()}
                )
            raise NotAllowed(_("Only the proposal's advisor may edit it."))
        if edits is not None:
            fields = edits.merge(proposal, {**fields, "goals": goals, "lines": lines}, actor=actor)
            goals, lines = fields.pop("goals", None), fields.pop("lines", None)
        for key, value in fields.items():
            if key in PROPOSAL_FIELDS and value is not None:
                setattr(proposal, key, value)
        if goals is not None:
            proposal.goals.set([g for g in goals if g.client_id == proposal.client_id])
        written = None
        if lines is not None:
            written = _write_lines(proposal, _validate_lines(lines), actor)
        _apply_checks(proposal, written)
        audited_save(proposal, actor=actor, reason="Proposal edited; checks run")
    return proposal


# What a run of the checks decides (planning.services.checks._apply_checks), besides its time.
CHECK_OUTCOME = ("checks", "checks_ok", "total_amount", "risk_level", "model_portfolio_id")


def _outcome(proposal: Proposal) -> tuple:
    """The checks' outcome without the time they ran (`checks["computed_at"]`, `checked_at`)."""
    values = [getattr(proposal, name) for name in CHECK_OUTCOME]
    values[0] = {key: value for key, value in (values[0] or {}).items() if key != "computed_at"}
    return tuple(values)


def proposal_recheck(*, proposal: Proposal, actor: User | None) -> Proposal:
    """Run a draft's checks again after one of their inputs changed (a re-rated product, a new
    risk profile, a new model portfolio).

    The row is locked and read again first: an edit the advisor saved meanwhile is not overwritten
    with the caller's older copy, and a proposal submitted meanwhile keeps the checks it was
    submitted with (it is no longer a draft: nothing is written). A history row and an audit
    entry are written only when the outcome changed; when it did not, only `checked_at` moves, as
    the nightly monitoring does for issued proposals."""
    with transaction.atomic():
        locked = Proposal.objects.select_for_update().select_related("client").filter(pk=proposal.pk).first()
        if locked is None or locked.status != ProposalStatus.DRAFT:
            return locked or proposal
        before = _outcome(locked)
        _apply_checks(locked)
        # the new result as it will be stored (tuples become lists), to compare with the stored one
        locked.checks = json.loads(json.dumps(locked.checks))
        if _outcome(locked) == before:
            with allow_bulk_writes():  # the time of a re-check that changed nothing: no history row
                Proposal.objects.filter(pk=locked.pk).update(
                    checked_at=locked.checked_at, checks=locked.checks
                )
        else:
            audited_save(locked, actor=actor, reason="Checks run again")
    return locked
