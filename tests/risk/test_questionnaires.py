import pytest

from advisory.errors import Conflict, DomainError, NotAllowed
from advisory.texts import render_reason, render_stored
from risk.models import QuestionnaireVersion, VersionStatus, level_category
from risk.services import (
    question_delete,
    question_save,
    questionnaire_new_version,
    questionnaire_version_publish,
    questionnaire_version_update,
    score_answers,
)
from tests.risk.factories import make_version

pytestmark = pytest.mark.django_db


def test_published_version_refuses_edits(version, risk_reviewer):
    with pytest.raises(Conflict, match="frozen"):
        questionnaire_version_update(version=version, actor=risk_reviewer, title="Changed")
    with pytest.raises(Conflict):
        question_save(
            version=version, actor=risk_reviewer, code="new", order=3, role="other", text="New?",
            options=[{"code": "a", "text": "A", "score": 1}],
        )  # fmt: skip
    version.refresh_from_db()
    assert version.title == "Risk tolerance" and version.questions.count() == 2


def test_edit_creates_a_new_draft_version_copying_questions(version, risk_reviewer):
    # when
    new = questionnaire_new_version(version=version, actor=risk_reviewer)
    # then
    assert new.number == 2 and new.status == VersionStatus.DRAFT
    assert list(new.questions.values_list("code", flat=True)) == ["horizon", "objective"]
    assert new.questions.get(code="horizon").options.count() == 5
    assert new.score_bands == version.score_bands
    # the draft can be edited, the original stays as it was
    questionnaire_version_update(version=new, actor=risk_reviewer, title="Risk tolerance 2027")
    assert QuestionnaireVersion.objects.get(pk=version.pk).title == "Risk tolerance"


def test_only_one_draft_at_a_time(version, risk_reviewer):
    questionnaire_new_version(version=version, actor=risk_reviewer)
    with pytest.raises(Conflict):
        questionnaire_new_version(version=version, actor=risk_reviewer)


def test_publish_freezes_and_retires_previous(version, compliance_officer):
    new = questionnaire_new_version(version=version, actor=compliance_officer)
    questionnaire_version_publish(version=new, actor=compliance_officer)
    new.refresh_from_db()
    version.refresh_from_db()
    assert new.status == VersionStatus.PUBLISHED and new.published_by == compliance_officer
    assert version.status == VersionStatus.RETIRED
    with pytest.raises(Conflict):
        questionnaire_version_publish(version=new, actor=compliance_officer)


def test_publish_refuses_bands_that_do_not_cover_all_scores(version, risk_reviewer):
    new = questionnaire_new_version(version=version, actor=risk_reviewer)
    bands = [dict(b) for b in new.score_bands]
    bands[-1]["max"] = 9  # the top score is 10
    questionnaire_version_update(version=new, actor=risk_reviewer, score_bands=bands)
    with pytest.raises(DomainError, match="cover"):
        questionnaire_version_publish(version=new, actor=risk_reviewer)


def test_bands_must_be_contiguous(version, risk_reviewer):
    new = questionnaire_new_version(version=version, actor=risk_reviewer)
    bands = [dict(b) for b in new.score_bands]
    bands[1]["min"] = 5
    with pytest.raises(DomainError, match="contiguous"):
        questionnaire_version_update(version=new, actor=risk_reviewer, score_bands=bands)


@pytest.mark.parametrize("user", ["advisor", "supervisor", "client_user"])
def test_only_reviewers_compliance_admin_manage_questionnaires(request, version, user):
    with pytest.raises(NotAllowed):
        questionnaire_new_version(version=version, actor=request.getfixturevalue(user))


# Bands in the factory: C1 0–3, C2 4–5, C3 6–7, C4 8, C5 9–10; horizon and objective score 1..5.
@pytest.mark.parametrize(
    ("horizon", "objective", "score", "level"),
    [
        ("lt1y", "income", 3, "C1"),  # top edge of C1
        ("lt1y", "balanced", 4, "C2"),  # bottom edge of C2
        ("1to3y", "balanced", 5, "C2"),  # top edge of C2
        ("3to5y", "balanced", 6, "C3"),  # bottom edge of C3
        ("3to5y", "growth", 7, "C3"),
        ("5to10y", "growth", 8, "C4"),
        ("5to10y", "max_growth", 9, "C5"),  # bottom edge of C5
        ("gt10y", "max_growth", 10, "C5"),
    ],
)
def test_scoring_and_level_mapping_at_band_edges(version, horizon, objective, score, level):
    result = score_answers(version=version, answers={"horizon": horizon, "objective": objective})
    assert result.score == score
    assert result.willingness_level == level


def test_missing_or_unknown_answers_are_refused(version):
    with pytest.raises(DomainError) as err:
        score_answers(version=version, answers={"horizon": "lt1y"})
    assert "objective" in err.value.fields
    with pytest.raises(DomainError):
        score_answers(version=version, answers={"horizon": "lt1y", "objective": "nope"})


def test_level_grouping():
    assert [level_category(f"C{n}") for n in range(1, 6)] == [
        "conservative", "conservative", "balanced", "aggressive", "aggressive",
    ]  # fmt: skip


def test_contradiction_detected(version):
    result = score_answers(version=version, answers={"horizon": "lt1y", "objective": "max_growth"})
    assert result.contradictions and "1 year" in render_stored(result.contradictions[0], "risk")
    assert not score_answers(
        version=version, answers={"horizon": "gt10y", "objective": "max_growth"}
    ).contradictions


def test_draft_version_cannot_be_answered(own_client, advisor):
    from risk.services import assessment_submit

    draft = make_version(status=VersionStatus.DRAFT, code="other")
    with pytest.raises(Conflict):
        assessment_submit(client=own_client, actor=advisor, answers={"horizon": "lt1y"}, version=draft)


def test_a_draft_published_while_its_editor_was_open_takes_no_more_edits(version, compliance_officer):
    # given an editor opened on a draft, which is then published
    draft = questionnaire_new_version(version=version, actor=compliance_officer)
    on_the_page = QuestionnaireVersion.objects.get(pk=draft.pk)
    questionnaire_version_publish(version=draft, actor=compliance_officer)
    # when the editor saves a question, the title, or removes a question
    with pytest.raises(Conflict, match="frozen"):
        question_save(
            version=on_the_page, actor=compliance_officer, code="new", order=3, role="other", text="New?",
            options=[{"code": "a", "text": "A", "score": 1}],
        )  # fmt: skip
    with pytest.raises(Conflict, match="frozen"):
        questionnaire_version_update(version=on_the_page, actor=compliance_officer, title="Changed")
    with pytest.raises(Conflict, match="frozen"):
        question_delete(question=on_the_page.questions.first(), actor=compliance_officer)
    # then the published version is as it was published
    draft.refresh_from_db()
    assert draft.status == VersionStatus.PUBLISHED and draft.title == "Risk tolerance"
    assert sorted(draft.questions.values_list("code", flat=True)) == ["horizon", "objective"]


def test_removing_a_question_from_a_draft_records_who_and_why(version, compliance_officer):
    # given a draft with the published version's questions
    draft = questionnaire_new_version(version=version, actor=compliance_officer)
    question = draft.questions.get(code="horizon")
    pk = question.pk
    # when compliance removes one
    question_delete(question=question, actor=compliance_officer)
    # then its history keeps the deletion, by whom and why, in the reader's language
    removed = type(question).history.filter(id=pk, history_type="-").get()
    assert removed.history_user == compliance_officer
    assert render_reason(removed.history_change_reason, "en") == "Question removed from the draft"
    assert render_reason(removed.history_change_reason, "zh-hans") == "已从草稿中删除题目"
    assert list(draft.questions.values_list("code", flat=True)) == ["objective"]
