"""Notifications about a record that has moved on are marked done (issue 13)."""

import pytest
from django.urls import reverse

from advisory.models import Notification
from advisory.notifications import notifications_resolve, notify
from advisory.roles import Role
from advisory.staff import services as staff_services
from advisory.staff.models import DeclarationStatus
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_resolve_marks_done_only_what_no_longer_applies(advisor, colleague, compliance_officer):
    # given two notifications about one declaration: one open while submitted, one open in any state
    declaration = staff_services.declaration_submit(actor=advisor, occasion="yearly", has_interests=False)
    asked = Notification.objects.get(kind="staff.declaration_submitted", recipient=compliance_officer)
    assert asked.about_type == "staff.conflictdeclaration" and asked.open_states == ["submitted"]
    lasting = notify(
        recipients=[colleague],
        kind="test.lasting",
        subject="x",
        about=declaration,
        open_states=["submitted", "mitigation"],
    )[0]
    unrelated = notify(recipients=[colleague], kind="test.plain", subject="y")[0]
    # when the record stays where it is, nothing changes
    assert notifications_resolve(about=declaration) == 0
    # when compliance reviews it (it leaves "submitted" for "mitigation")
    staff_services.declaration_review(
        actor=compliance_officer, declaration=declaration, status="mitigation", note="Keep out of it"
    )
    # then the request to review it is done and counts as read; the others stay open
    asked.refresh_from_db()
    lasting.refresh_from_db()
    unrelated.refresh_from_db()
    assert asked.done_at is not None and asked.read_at is not None
    assert lasting.done_at is None and unrelated.done_at is None
    # and resolving again changes nothing (safe to run twice)
    declaration.refresh_from_db()
    assert declaration.status == DeclarationStatus.MITIGATION
    assert notifications_resolve(about=declaration) == 0


def test_notifications_page_shows_done_and_does_not_count_it_as_new(web_as, advisor, compliance_officer):
    # given a review request that was dealt with by a colleague
    declaration = staff_services.declaration_submit(actor=advisor, occasion="yearly", has_interests=False)
    other = UserFactory(role=Role.COMPLIANCE, full_name="Second Compliance")
    staff_services.declaration_submit(actor=other, occasion="yearly", has_interests=False)
    staff_services.declaration_review(actor=other, declaration=declaration, status="cleared")
    # when the first compliance officer opens their notifications
    page = web_as(compliance_officer).get(reverse("notifications")).content.decode()
    # then the request is shown as done, and the count of unread ones left it out
    assert "Done" in page and 'class="done muted"' in page
    unread = compliance_officer.notifications.filter(read_at__isnull=True)
    assert not unread.filter(about_id=str(declaration.pk)).exists()
