"""No role above the rules: the administrator is a Django superuser, yet every permission the rules
define gives it exactly the administrator role's rights, whichever way the question is asked."""

from __future__ import annotations

import pathlib
import re

import pytest
import rules
from django.template import Context, Template

from advisory.models import ArchivedDocument
from advisory.roles import Role
from advisory.rules import can
from advisory.security import api_token_issue
from tests.complaints.factories import make_complaint
from tests.factories import UserFactory
from tests.oversight.factories import ImprovementActionFactory
from tests.planning.factories import ClientFactory, make_profile, make_ready_proposal

ROOT = pathlib.Path(__file__).resolve().parents[2]
APPS = ["advisory", "audit", "clients", "risk", "planning", "complaints", "templates"]


def _answer(fn, *args):
    try:
        return bool(fn(*args))
    except Exception as exc:  # a predicate that does not apply to this kind of object
        return type(exc).__name__


@pytest.fixture
def objects(db, advisor):
    """Representative objects of every kind the rules are asked about, held by another advisor."""
    other = UserFactory(role=Role.ADVISOR)
    client = ClientFactory(advisor=other)
    assessment = make_profile(client=client)
    proposal = make_ready_proposal(client=client, advisor=other)
    complaint = make_complaint(client=client, actor=other)
    action = ImprovementActionFactory(owner=other)
    document = ArchivedDocument.objects.create(
        kind="planning.financial_report",
        title="Report",
        subject_type="planning.proposal",
        subject_id=str(proposal.pk),
        client_id=client.pk,
    )
    token, _key = api_token_issue(user=other, actor=other)
    return [None, client, assessment, proposal, complaint, action, document, token, other, advisor]


def test_superuser_administrator_gets_exactly_the_administrator_roles_rights(objects):
    # given: two administrators, one of them a Django superuser
    superuser = UserFactory(role=Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
    plain = UserFactory(role=Role.ADMINISTRATOR, is_staff=True, is_superuser=False)
    template = Template("{% load advisory_tags %}{% if user|can:perm %}yes{% else %}no{% endif %}")
    perms = sorted(rules.permissions.permissions.keys())
    assert len(perms) > 50  # every app's rules are registered
    mismatches = []
    denied = 0
    # when: every rule is asked about every representative object, every way the code asks
    for perm in perms:
        for obj in objects:
            expected = _answer(rules.has_perm, perm, plain, obj)
            denied += expected is False
            asked = {
                "can": _answer(can, superuser, perm, obj),
                "user.has_perm": _answer(superuser.has_perm, perm, obj),
            }
            if obj is None:
                rendered = template.render(Context({"user": superuser, "perm": perm}))
                asked["template"] = rendered == "yes"
            for way, got in asked.items():
                if got != expected:
                    mismatches.append((perm, type(obj).__name__, way, got, expected))
    # then: the superuser got no more (and no less) than the role, and the role is refused things
    assert mismatches == []
    assert denied > 0


def test_superuser_administrator_cannot_change_another_advisors_plan(objects):
    from advisory.errors import NotAllowed
    from planning import services

    superuser = UserFactory(role=Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
    client = objects[1]
    with pytest.raises(NotAllowed):
        services.snapshot_create(client=client, actor=superuser, data={})
    with pytest.raises(NotAllowed):
        services.goal_save(client=client, actor=superuser, data={})
    assert not client.snapshots.exists() if hasattr(client, "snapshots") else True


def test_django_admin_still_works_for_the_superuser(web_as, administrator):
    http = web_as(administrator)
    assert http.get("/admin/").status_code == 200
    assert http.get("/admin/advisory/user/").status_code == 200
    assert http.get("/admin/clients/client/").status_code == 200


def test_no_permission_question_bypasses_the_rules_function():
    """Code asks `can(user, perm, obj)` and templates `user|can:"perm"`; `has_perm` and `perms.`
    (which let a superuser through everything) are not used outside the rules plumbing."""
    offenders = []
    for app in APPS:
        for path in (ROOT / app).rglob("*"):
            if path.suffix not in {".py", ".html"} or "migrations" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            rel = path.relative_to(ROOT).as_posix()
            if path.suffix == ".py" and rel not in {"advisory/models.py", "advisory/rules.py"}:
                offenders += [f"{rel}: {m}" for m in re.findall(r"\.has_perms?\(", text)]
            if path.suffix == ".html":
                offenders += [f"{rel}: {m}" for m in re.findall(r"\bperms\.\w+", text)]
    assert offenders == []
