"""Admin for return visits, their scripts and suggestions. Scripts are edited here (one per
occasion); visits and suggestions are worked on the staff screens."""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from advisory.history import audited_save

from .feedback_models import ReturnVisit, ReturnVisitScript, Suggestion


@admin.register(ReturnVisitScript)
class ReturnVisitScriptAdmin(SimpleHistoryAdmin):
    list_display = ("trigger", "title", "updated_at")

    def save_model(self, request, obj, form, change) -> None:
        audited_save(obj, actor=request.user, reason="return-visit script edited in admin")


@admin.register(ReturnVisit)
class ReturnVisitAdmin(SimpleHistoryAdmin):
    list_display = ("due_on", "client", "trigger", "assignee", "status", "attempts", "issues_found")
    list_filter = ("trigger", "status", "issues_found")
    search_fields = ("client__name", "client__file_number", "source_ref")
    raw_id_fields = ("client", "assignee", "completed_by")
    readonly_fields = ("questions", "answers", "completed_at", "completed_by", "source_ref")

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Suggestion)
class SuggestionAdmin(SimpleHistoryAdmin):
    list_display = ("created_at", "client", "subject", "status", "answered_by")
    list_filter = ("status",)
    search_fields = ("subject", "client__name")
    raw_id_fields = ("client", "answered_by", "closed_by")
    readonly_fields = ("body", "answered_at", "closed_at")

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
