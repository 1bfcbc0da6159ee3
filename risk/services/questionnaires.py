"""Risk questionnaire versions (SPEC §2): draft edits, new versions and publishing."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from advisory.clock import now
from advisory.errors import Conflict, DomainError
from advisory.history import audited_delete, audited_save
from advisory.texts import text
from audit.models import AuditAction
from audit.services import audit_log

from ..models import Question, QuestionnaireVersion, QuestionOption, VersionStatus
from .common import LEVELS, _require


def _check_draft(version: QuestionnaireVersion) -> None:
    if version.is_frozen:
        raise Conflict(
            _("Version %(n)s is %(s)s and frozen; create a new version to change it.")
            % {"n": version.number, "s": version.get_status_display().lower()}
        )


def _locked_draft(version: QuestionnaireVersion) -> QuestionnaireVersion:
    """The version as it is now, locked until the transaction ends, and still a draft: a publish
    (which locks it too) that commits while an edit waits is seen, so nothing is written into a
    frozen version. Call inside a transaction."""
    locked = QuestionnaireVersion.objects.select_for_update().get(pk=version.pk)
    _check_draft(locked)
    return locked


def validate_score_bands(bands: list[dict]) -> None:
    """Five contiguous ascending bands C1..C5 with min ≤ max."""
    if [b.get("level") for b in bands] != [lvl.value for lvl in LEVELS]:
        raise DomainError(
            _("Define exactly one score band per level, C1 to C5 in order."), field="score_bands"
        )
    try:
        pairs = [(int(b["min"]), int(b["max"])) for b in bands]
    except (KeyError, TypeError, ValueError) as exc:
        raise DomainError(_("Every band needs a whole-number min and max."), field="score_bands") from exc
    for i, (lo, hi) in enumerate(pairs):
        if lo > hi:
            raise DomainError(_("A band's min is above its max."), field="score_bands")
        if i and lo != pairs[i - 1][1] + 1:
            raise DomainError(
                _("Bands must be contiguous (each min = previous max + 1)."), field="score_bands"
            )


def questionnaire_version_update(
    *, version: QuestionnaireVersion, actor, **fields: Any
) -> QuestionnaireVersion:
    """Edit a draft version's texts and bands. Published versions are frozen (SPEC §2)."""
    _require(actor, "risk.manage_questionnaires")
    _check_draft(version)
    allowed = {"title", "title_zh", "introduction", "introduction_zh", "score_bands"}
    unknown = [key for key in fields if key not in allowed]
    if unknown:
        raise DomainError(_("Unknown field %(f)s.") % {"f": unknown[0]})
    if "score_bands" in fields:
        validate_score_bands(fields["score_bands"])
    with transaction.atomic():
        version = _locked_draft(version)
        for key, value in fields.items():
            setattr(version, key, value)
        audited_save(version, actor=actor, reason="Draft questionnaire edited")
    return version


def question_save(
    *,
    version: QuestionnaireVersion,
    actor,
    code: str,
    order: int,
    role: str,
    text: str,
    text_zh: str = "",
    options: list[dict],
) -> Question:
    """Add or replace a question (by code) in a draft version; options: [{code, text, text_zh, score, meaning}]."""
    _require(actor, "risk.manage_questionnaires")
    _check_draft(version)
    if not options:
        raise DomainError(_("A question needs at least one option."), field="options")
    with transaction.atomic():
        version = _locked_draft(version)
        question, _created = Question.objects.get_or_create(
            version=version, code=code, defaults={"order": order, "role": role, "text": text}
        )
        question.order, question.role, question.text, question.text_zh = order, role, text, text_zh
        audited_save(question, actor=actor, reason="Question saved")
        question.options.all().delete()
        for i, opt in enumerate(options, start=1):
            audited_save(
                QuestionOption(
                    question=question,
                    order=opt.get("order", i),
                    code=opt["code"],
                    text=opt["text"],
                    text_zh=opt.get("text_zh", ""),
                    score=int(opt["score"]),
                    meaning=opt.get("meaning", ""),
                ),
                actor=actor,
                reason="Option saved",
            )
    return question


def question_delete(*, question: Question, actor) -> None:
    _require(actor, "risk.manage_questionnaires")
    _check_draft(question.version)
    with transaction.atomic():
        _locked_draft(question.version)
        audited_delete(question, actor=actor, reason=text("audit.question_removed"))


def questionnaire_new_version(*, version: QuestionnaireVersion, actor) -> QuestionnaireVersion:
    """ "Edit" of a questionnaire: a new draft version copying the questions, options and bands."""
    _require(actor, "risk.manage_questionnaires")
    with transaction.atomic():
        last = (
            QuestionnaireVersion.objects.select_for_update()
            .filter(questionnaire_id=version.questionnaire_id)
            .order_by("-number")
            .first()
        )
        if QuestionnaireVersion.objects.filter(
            questionnaire_id=version.questionnaire_id, status=VersionStatus.DRAFT
        ).exists():
            raise Conflict(_("A draft version already exists; edit that one or publish it first."))
        new = QuestionnaireVersion(
            questionnaire_id=version.questionnaire_id,
            number=last.number + 1,
            title=version.title,
            title_zh=version.title_zh,
            introduction=version.introduction,
            introduction_zh=version.introduction_zh,
            score_bands=list(version.score_bands),
        )
        audited_save(
            new, actor=actor, reason=text("audit.new_draft_from_version_number", number=version.number)
        )
        for q in version.questions.prefetch_related("options").all():
            nq = Question(
                version=new, order=q.order, code=q.code, role=q.role, text=q.text, text_zh=q.text_zh
            )
            audited_save(nq, actor=actor, reason="Copied question")
            for o in q.options.all():
                audited_save(
                    QuestionOption(
                        question=nq,
                        order=o.order,
                        code=o.code,
                        text=o.text,
                        text_zh=o.text_zh,
                        score=o.score,
                        meaning=o.meaning,
                    ),
                    actor=actor,
                    reason="Copied option",
                )
    return new


def questionnaire_version_publish(*, version: QuestionnaireVersion, actor) -> QuestionnaireVersion:
    """Publish a draft: it becomes frozen and the questionnaire's previous published version retires."""
    _require(actor, "risk.manage_questionnaires")
    with transaction.atomic():
        version = QuestionnaireVersion.objects.select_for_update().get(pk=version.pk)
        _check_draft(version)
        questions = list(version.questions.prefetch_related("options"))
        if not questions:
            raise DomainError(_("A questionnaire needs questions before it is published."))
        if any(not q.options.all() for q in questions):
            raise DomainError(_("Every question needs options before publishing."))
        validate_score_bands(version.score_bands)
        max_score = sum(max(o.score for o in q.options.all()) for q in questions)
        min_score = sum(min(o.score for o in q.options.all()) for q in questions)
        bands = version.score_bands
        if int(bands[0]["min"]) > min_score or int(bands[-1]["max"]) < max_score:
            raise DomainError(
                _("The bands must cover every possible score (%(lo)s to %(hi)s).")
                % {"lo": min_score, "hi": max_score},
                field="score_bands",
            )
        for old in QuestionnaireVersion.objects.filter(
            questionnaire_id=version.questionnaire_id, status=VersionStatus.PUBLISHED
        ):
            old.status = VersionStatus.RETIRED
            audited_save(
                old, actor=actor, reason=text("audit.retired_by_version_number", number=version.number)
            )
        version.status = VersionStatus.PUBLISHED
        version.published_at = now()
        version.published_by = actor
        audited_save(version, actor=actor, reason="Published")
        audit_log(
            actor=actor,
            action=AuditAction.TRANSITION,
            obj=version,
            reason="Questionnaire version published",
            changes={"status": [VersionStatus.DRAFT, VersionStatus.PUBLISHED]},
        )
    return version
