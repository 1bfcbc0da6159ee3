"""Product governance (issue 14): product risk ratings submitted, decided and reviewed."""

from __future__ import annotations

import datetime
import logging

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils.translation import gettext as _

from advisory.clock import now, today
from advisory.errors import Conflict, DomainError, NotAllowed
from advisory.history import audited_save
from advisory.notifications import notify
from advisory.texts import text
from audit.managers import allow_bulk_writes
from audit.models import AuditAction
from audit.services import audit_log

from .. import conf
from ..models import LapseReason, Product, ProductRatingAssessment, ProductRiskRating, RatingAssessmentStatus
from .common import _inputs_changed, _require, _url
from .suitability_exceptions import exception_expiry_sweep, suitability_exceptions_lapse

# Log under the name the package always used, so logging configuration is unchanged.
logger = logging.getLogger("risk.services")


def product_rating_submit(
    *, product: Product, actor, proposed_rating: str, rationale: str, factors: str
) -> ProductRatingAssessment:
    """The written assessment behind a product's rating (rationale, factors, assessor). It takes
    effect only once a second person (risk reviewer or compliance) approves it."""
    _require(
        actor, "risk.assess_product", product, _("Only risk, compliance or product staff may assess ratings.")
    )
    errors: dict[str, list[str]] = {}
    if proposed_rating not in ProductRiskRating.values:
        errors["proposed_rating"] = [_("Choose a rating from R1 to R5.")]
    if not rationale.strip():
        errors["rationale"] = [_("Write the rationale for the rating.")]
    if not [f for f in factors.splitlines() if f.strip()]:
        errors["factors"] = [_("List the factors considered, one per line.")]
    if errors:
        raise DomainError(_("The assessment is incomplete."), fields=errors)
    with transaction.atomic():
        product = Product.objects.select_for_update().get(pk=product.pk)  # the rating as it stands now
        if ProductRatingAssessment.objects.filter(
            product=product, status=RatingAssessmentStatus.PENDING
        ).exists():
            raise Conflict(_("An assessment of this product is already awaiting approval."))
        assessment = ProductRatingAssessment(
            product=product,
            previous_rating=product.risk_rating if product.rating_approved_at else "",
            proposed_rating=proposed_rating,
            rationale=rationale.strip(),
            factors="\n".join(f.strip() for f in factors.splitlines() if f.strip()),
            assessor=actor,
        )
        audited_save(assessment, actor=actor, reason="Product rating assessment written")
        from advisory.models import User
        from advisory.roles import Role

        notify(
            recipients=[
                u
                for u in User.objects.filter(role__in=[Role.RISK_REVIEWER, Role.COMPLIANCE], is_active=True)
                if u.pk != actor.pk
            ],
            kind="risk.rating_pending",
            subject=text("notify.risk_rating_pending", p=product.code),
            body=assessment.rationale,
            url=_url("risk:rating_detail", assessment.pk),
        )
    return assessment


def _rating_decide(
    *, assessment: ProductRatingAssessment, actor, approve: bool, note: str
) -> ProductRatingAssessment:
    _require(
        actor,
        "risk.approve_rating",
        assessment,
        _("Only a risk reviewer or compliance officer may approve ratings."),
    )
    if not approve and not note.strip():
        raise DomainError(_("Give the reason for the rejection."), field="note")
    with transaction.atomic():
        assessment = (
            ProductRatingAssessment.objects.select_for_update()
            .select_related("product")
            .get(pk=assessment.pk)
        )
        if assessment.status != RatingAssessmentStatus.PENDING:
            raise Conflict(_("This assessment is already decided."))
        if assessment.assessor_id == actor.pk:
            raise NotAllowed(_("A second person must approve: the assessor cannot approve their own rating."))
        stamp = now()
        old = assessment.status
        assessment.decided_by, assessment.decided_at = actor, stamp
        assessment.decision_note = note.strip()
        assessment.status = RatingAssessmentStatus.APPROVED if approve else RatingAssessmentStatus.REJECTED
        if approve:
            months = int(conf.get("RATING_REVIEW_MONTHS"))
            assessment.review_due = today() + relativedelta(months=months)
        status = RatingAssessmentStatus(assessment.status).label
        decided = (
            text("audit.rating_decided_note", status=status, note=note.strip())
            if note.strip()
            else text("audit.rating_decided", status=status)
        )
        audited_save(assessment, actor=actor, reason=decided)
        audit_log(
            actor=actor,
            action=AuditAction.TRANSITION,
            obj=assessment,
            reason=note.strip() or text("audit.rating_decided", status=status),
            changes={"status": [old, assessment.status]},
        )
        if approve:
            _rating_apply(assessment=assessment, actor=actor)
        notify(
            recipients=[assessment.assessor],
            kind="risk.rating_decided",
            subject=text(
                "notify.risk_rating_decided",
                p=assessment.product.code,
                s=dict(assessment._meta.get_field("status").flatchoices).get(
                    assessment.status, assessment.status
                ),
            ),
            body=note,
            url=_url("risk:rating_detail", assessment.pk),
        )
    return assessment


def _rating_apply(*, assessment: ProductRatingAssessment, actor) -> None:
    """The approved assessment is now the product's rating. Re-rating (a different rating)
    reopens what relied on the old one: its exceptions lapse and planning re-checks drafts and
    monitors issued/accepted proposals (risk.signals.suitability_inputs_changed)."""
    product = Product.objects.select_for_update().get(pk=assessment.product_id)
    # locked and read as they are: a review reminder claimed on one meanwhile stays recorded
    for older in (
        ProductRatingAssessment.objects.select_for_update()
        .filter(product=product, status=RatingAssessmentStatus.APPROVED)
        .exclude(pk=assessment.pk)
        .order_by("pk")
    ):
        older.status = RatingAssessmentStatus.SUPERSEDED
        audited_save(
            older, actor=actor, reason=text("audit.superseded_by_rating_assessment_pk", pk=assessment.pk)
        )
    old_rating = product.risk_rating
    rerated = old_rating != assessment.proposed_rating
    product.risk_rating = assessment.proposed_rating
    product.rating_approved_at = assessment.decided_at
    product.rating_review_due = assessment.review_due
    audited_save(
        product,
        actor=actor,
        reason=text("audit.rating_old_new_approved", old=old_rating, new=product.risk_rating)
        if rerated
        else text("audit.rating_confirmed"),
    )
    if rerated:
        suitability_exceptions_lapse(reason=LapseReason.RERATED, actor=actor, product_id=product.pk)
        audit_log(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=product,
            reason="Product re-rated",
            changes={"risk_rating": [old_rating, product.risk_rating]},
        )
    _inputs_changed(product_ids=[product.pk], reason="rerated" if rerated else "rating_confirmed")


def product_rating_approve(
    *, assessment: ProductRatingAssessment, actor, note: str = ""
) -> ProductRatingAssessment:
    return _rating_decide(assessment=assessment, actor=actor, approve=True, note=note)


def product_rating_reject(
    *, assessment: ProductRatingAssessment, actor, note: str
) -> ProductRatingAssessment:
    return _rating_decide(assessment=assessment, actor=actor, approve=False, note=note)


def _claim_rating_reminder(pk: int, stamp: datetime.datetime) -> bool:
    with allow_bulk_writes():
        return (
            ProductRatingAssessment.objects.filter(pk=pk, review_reminder_sent_at__isnull=True).update(
                review_reminder_sent_at=stamp
            )
            == 1
        )


def rating_review_sweep(*, on: datetime.date | None = None) -> dict[str, int]:
    """Issue 14: ratings are reviewed on a schedule (default yearly). RATING_REVIEW_WARNING_DAYS
    before the review is due, risk and compliance are warned once per assessment (conditional
    UPDATE claims the reminder); a lapsed review makes the product not offerable (Product.
    is_offerable) and planning's monitoring raises warnings on proposals holding it."""
    from advisory.models import User
    from advisory.roles import Role

    on = on or today()
    soon = on + datetime.timedelta(days=int(conf.get("RATING_REVIEW_WARNING_DAYS")))
    stamp = now()
    warned = 0
    people = list(User.objects.filter(role__in=[Role.RISK_REVIEWER, Role.COMPLIANCE], is_active=True))
    due = (
        ProductRatingAssessment.objects.filter(
            status=RatingAssessmentStatus.APPROVED, review_due__lte=soon, review_reminder_sent_at__isnull=True
        )
        .select_related("product")
        .order_by("pk")
    )
    for a in due:
        with transaction.atomic():
            if not _claim_rating_reminder(a.pk, stamp):
                continue
            lapsed = a.review_due < on
            notify(
                recipients=people,
                kind="risk.rating_review_due",
                subject=text(
                    "notify.risk_rating_review_lapsed" if lapsed else "notify.risk_rating_review_due",
                    p=a.product.code,
                    d=a.review_due,
                ),
                body=a.product.name,
                url=_url("risk:rating_list"),
            )
            audit_log(
                actor=None, action=AuditAction.NOTIFICATION, obj=a, reason="Rating review reminder sent"
            )
            warned += 1
    lapsed_ids = list(
        Product.objects.filter(
            rating_review_due__lt=on, rating_review_due__gte=on - datetime.timedelta(days=1)
        ).values_list("pk", flat=True)
    )
    if lapsed_ids:
        _inputs_changed(product_ids=lapsed_ids, reason="rating_review_lapsed")
    expired = exception_expiry_sweep(on=on)
    logger.info(
        "rating_review_sweep warned=%s lapsed=%s exceptions_expired=%s", warned, len(lapsed_ids), expired
    )
    return {"warned": warned, "lapsed": len(lapsed_ids), "exceptions_lapsed": expired}
