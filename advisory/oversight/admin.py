from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import ImprovementAction, QualityReport, QualityTarget, TrainingRecord


@admin.register(QualityTarget)
class QualityTargetAdmin(SimpleHistoryAdmin):
    list_display = ["indicator", "target", "direction", "amber_band", "updated_at"]


@admin.register(TrainingRecord)
class TrainingRecordAdmin(SimpleHistoryAdmin):
    list_display = ["title", "user", "hours", "required", "due_on", "completed_on"]
    list_filter = ["required"]
    search_fields = ["title", "user__full_name"]


@admin.register(ImprovementAction)
class ImprovementActionAdmin(SimpleHistoryAdmin):
    list_display = ["title", "link_type", "link_ref", "owner", "due_on", "status", "effectiveness"]
    list_filter = ["status", "link_type"]
    readonly_fields = ["status", "effectiveness", "checked_at", "checked_by"]


@admin.register(QualityReport)
class QualityReportAdmin(SimpleHistoryAdmin):
    list_display = ["month", "created_at"]
