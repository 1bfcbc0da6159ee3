"""Admin for the staff area. State (restrictions, results, statuses) changes through the services
and screens: the admin shows it read-only so it cannot bypass the rules."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from advisory.history import audited_save
from advisory.texts import text

from .models import (
    Appraisal,
    AuditFinding,
    ConflictDeclaration,
    ExternalEvaluation,
    InternalAudit,
    PermissionRestriction,
    StaffReminder,
    TrainingPlan,
)


class _Audited(SimpleHistoryAdmin):
    def save_model(self, request, obj, form, change) -> None:
        audited_save(
            obj,
            actor=request.user,
            reason=text("audit.verbose_name_edited_in_admin", verbose_name=obj._meta.verbose_name),
        )


@admin.register(TrainingPlan)
class TrainingPlanAdmin(_Audited):
    list_display = [
        "year",
        "role",
        "required_hours",
        "topic_compliance",
        "topic_ethics",
        "topic_aml",
        "topic_products",
    ]
    list_filter = ["year", "role"]


@admin.register(Appraisal)
class AppraisalAdmin(_Audited):
    list_display = [
        "staff_member",
        "kind",
        "period_start",
        "period_end",
        "total_score",
        "pass_mark",
        "passed",
    ]
    list_filter = ["passed", "kind"]
    search_fields = ["staff_member__full_name"]
    readonly_fields = [f.name for f in Appraisal._meta.concrete_fields if f.name not in ("notes",)]


@admin.register(PermissionRestriction)
class PermissionRestrictionAdmin(_Audited):
    list_display = ["staff_member", "source", "starts_on", "ends_on", "case_ref", "lifted_at"]
    list_filter = ["source"]
    search_fields = ["staff_member__full_name", "case_ref"]
    readonly_fields = [f.name for f in PermissionRestriction._meta.concrete_fields]


@admin.register(ConflictDeclaration)
class ConflictDeclarationAdmin(_Audited):
    list_display = ["staff_member", "year", "occasion", "has_interests", "status", "reviewed_by"]
    list_filter = ["status", "year", "occasion"]
    search_fields = ["staff_member__full_name"]
    readonly_fields = ["status", "reviewed_by", "reviewed_at", "submitted_at", "staff_member"]


class FindingInline(admin.TabularInline):
    model = AuditFinding
    extra = 0
    raw_id_fields = ["owner", "improvement_action", "closed_by"]
    readonly_fields = ["status", "closed_at", "closed_by"]


@admin.register(InternalAudit)
class InternalAuditAdmin(_Audited):
    list_display = ["title", "area", "period_start", "period_end", "auditor", "status"]
    list_filter = ["status", "area"]
    readonly_fields = ["status", "reported_at", "closed_at"]
    inlines = [FindingInline]


@admin.register(AuditFinding)
class AuditFindingAdmin(_Audited):
    list_display = ["title", "audit", "severity", "owner", "due_on", "status"]
    list_filter = ["status", "severity"]
    readonly_fields = ["status", "closed_at", "closed_by"]


@admin.register(ExternalEvaluation)
class ExternalEvaluationAdmin(_Audited):
    list_display = ["evaluator", "kind", "area", "evaluated_on", "rating", "score"]
    list_filter = ["kind", "area"]


@admin.register(StaffReminder)
class StaffReminderAdmin(admin.ModelAdmin):
    list_display = ["kind", "subject", "period", "sent_at"]
    list_filter = ["kind"]
