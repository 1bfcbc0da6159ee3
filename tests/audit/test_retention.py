"""Retention: the retained-until date, and deletion refused on every path (SPEC §5)."""

import datetime

import pytest
import time_machine
from django.contrib import admin
from django.db import transaction

from audit.models import AuditExport, HoldScope, RetentionRule
from audit.retention import RetentionConflict, add_years
from audit.selectors import retention_status
from audit.services import hold_place, hold_release

from .factories import AuditExportFactory

# the default rules come from a data migration, which a transactional test run before on the
# same worker has flushed away: put them back (tests/audit/conftest.py)
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("retention_rules")]

FROZEN = datetime.datetime(2026, 6, 30, 12, 0, tzinfo=datetime.UTC)


def test_add_years_handles_leap_day():
    assert add_years(datetime.date(2024, 2, 29), 3) == datetime.date(2027, 2, 28)


@time_machine.travel(FROZEN, tick=False)
def test_retention_status_says_until_when_and_why():
    export = AuditExportFactory(completed_at=datetime.datetime(2025, 3, 31, 10, tzinfo=datetime.UTC))
    status = retention_status(export)
    assert status.until == datetime.date(2028, 3, 31)
    assert status.reason == "Retained until 2028-03-31 under the 3-year service-record rule"
    assert status.held is False


def test_record_whose_clock_has_not_started_is_retained_indefinitely():
    export = AuditExportFactory(completed_at=None)
    status = retention_status(export)
    assert status.until is None
    assert "indefinitely" in status.reason
    with pytest.raises(RetentionConflict, match="indefinitely"), transaction.atomic():
        export.delete()


def test_rule_change_moves_the_date(compliance_officer):
    export = AuditExportFactory(completed_at=datetime.datetime(2025, 3, 31, 10, tzinfo=datetime.UTC))
    from audit.services import retention_rule_update

    retention_rule_update(
        rule=RetentionRule.objects.get(record_type="service_record"), actor=compliance_officer, years=6
    )
    assert retention_status(export).until == datetime.date(2031, 3, 31)


def test_model_delete_is_refused_with_the_reason():
    export = AuditExportFactory()
    with (
        pytest.raises(
            RetentionConflict, match=r"Retained until \d{4}-\d\d-\d\d under the 3-year service-record rule"
        ),
        transaction.atomic(),
    ):
        export.delete()
    assert AuditExport.objects.filter(pk=export.pk).exists()


def test_queryset_delete_is_refused_and_nothing_is_deleted():
    old = AuditExportFactory(completed_at=datetime.datetime(2010, 1, 1, tzinfo=datetime.UTC))
    young = AuditExportFactory()
    with pytest.raises(RetentionConflict), transaction.atomic():
        AuditExport.objects.filter(pk__in=[old.pk, young.pk]).delete()
    assert AuditExport.objects.filter(pk__in=[old.pk, young.pk]).count() == 2


def test_record_past_retention_can_be_deleted():
    old = AuditExportFactory(completed_at=datetime.datetime(2010, 1, 1, tzinfo=datetime.UTC))
    old.delete()
    assert not AuditExport.objects.filter(pk=old.pk).exists()


def test_legal_hold_blocks_deletion_even_past_retention(compliance_officer):
    old = AuditExportFactory(client_id=42, completed_at=datetime.datetime(2010, 1, 1, tzinfo=datetime.UTC))
    hold = hold_place(actor=compliance_officer, scope=HoldScope.CLIENT, client_id=42, reason="Litigation")
    assert retention_status(old).held
    with pytest.raises(RetentionConflict, match="legal hold"), transaction.atomic():
        old.delete()
    hold_release(hold=hold, actor=compliance_officer, reason="Case closed")
    old.delete()


def test_admin_delete_view_shows_the_reason_instead_of_an_error(web_as, administrator):
    # given
    export = AuditExportFactory()
    assert isinstance(admin.site._registry[AuditExport], admin.ModelAdmin)
    http = web_as(administrator)
    # when
    response = http.post(f"/admin/audit/auditexport/{export.pk}/delete/", {"post": "yes"}, follow=True)
    # then
    assert response.status_code == 200
    assert AuditExport.objects.filter(pk=export.pk).exists()
    messages = [str(m) for m in response.context["messages"]]
    assert any("Retained until" in m for m in messages)


def test_admin_bulk_delete_action_shows_the_reason(web_as, administrator):
    export = AuditExportFactory()
    http = web_as(administrator)
    response = http.post(
        "/admin/audit/auditexport/",
        {"action": "delete_selected", "_selected_action": [export.pk], "post": "yes"},
        follow=True,
    )
    assert response.status_code == 200
    assert AuditExport.objects.filter(pk=export.pk).exists()
    assert any("Retained until" in str(m) for m in response.context["messages"])


@pytest.mark.urls("tests.audit.urls_guard")
@pytest.mark.django_db(transaction=True)
def test_api_delete_is_refused_with_409(api_as, administrator, retention_rules):
    export = AuditExportFactory()
    response = api_as(administrator).delete(f"/exports/{export.pk}/")
    assert response.status_code == 409
    assert "Retained until" in response.json()["error"]["message"]
    assert AuditExport.objects.filter(pk=export.pk).exists()


def test_retained_until_template_tag():
    from django.template import Context, Template

    export = AuditExportFactory()
    html = Template("{% load audit_tags %}{% retained_until obj %}").render(Context({"obj": export}))
    assert "Retained until" in html


def test_any_model_admin_shows_the_refusal_not_an_error(rf, administrator):
    from django.contrib.messages.storage.fallback import FallbackStorage

    # given: a plain ModelAdmin (as another app would write it), not RetentionGuardedAdmin
    export = AuditExportFactory()
    model_admin = admin.ModelAdmin(AuditExport, admin.AdminSite(name="plain"))
    request = rf.post(f"/admin/audit/auditexport/{export.pk}/delete/", {"post": "yes"})
    request.user = administrator
    request.session = {}
    request._dont_enforce_csrf_checks = True
    request._messages = FallbackStorage(request)
    # when
    response = model_admin.delete_view(request, str(export.pk))
    # then
    assert response.status_code == 302
    assert AuditExport.objects.filter(pk=export.pk).exists()
    assert any("Retained until" in str(m) for m in request._messages)


@time_machine.travel(FROZEN, tick=False)
def test_the_retention_reason_reads_in_the_readers_language():
    from django.utils import translation

    export = AuditExportFactory(completed_at=datetime.datetime(2025, 3, 31, 10, tzinfo=datetime.UTC))
    with translation.override("zh-hans"):
        chinese = retention_status(export).reason
    with translation.override("zh-hant"):
        traditional = retention_status(export).reason
    assert chinese == "依据3年期服务记录保存规则保存至2028-03-31"
    assert traditional == "依據3年期服務紀錄保存規則保存至2028-03-31"
    assert retention_status(export).reason == "Retained until 2028-03-31 under the 3-year service-record rule"
    # a record whose clock has not started names the event it waits for
    waiting = AuditExportFactory(completed_at=None)
    with translation.override("zh-hans"):
        assert retention_status(waiting).reason == (
            "依据3年期服务记录保存规则无限期保存：保存期自服务完成起算，该事件尚未发生"
        )


def test_the_installed_rules_read_in_the_readers_language_until_a_firm_retypes_them(
    web_as, compliance_officer
):
    from django.utils import translation

    rule = RetentionRule.objects.get(record_type="client_file")
    with translation.override("zh-hans"):
        assert (str(rule.name_label), str(rule.trigger_label)) == ("客户档案", "客户关系终止")
        page = web_as(compliance_officer).get("/app/audit/retention/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "客户档案" in page.content.decode() and "client_file" not in page.content.decode()
    rule.name, rule.trigger = "客户档案（含开户资料）", "客户关系终止日"
    rule.save()
    assert (rule.name_label, rule.trigger_label) == ("客户档案（含开户资料）", "客户关系终止日")
