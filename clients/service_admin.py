"""Admin for the service record: read-mostly (records are written through the screens and the
API, where the rules live); administrators see the history of every change."""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .service_models import Activity, ActivityAttachment, CalendarFeed, FollowUpTask


class AttachmentInline(admin.TabularInline):
    model = ActivityAttachment
    extra = 0
    readonly_fields = ("document", "created_at")
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Activity)
class ActivityAdmin(SimpleHistoryAdmin):
    list_display = ("starts_at", "client", "kind", "channel", "subject", "executor", "status")
    list_filter = ("kind", "channel", "status")
    search_fields = ("subject", "client__name", "client__file_number")
    raw_id_fields = ("client", "executor")
    readonly_fields = ("completed_at",)
    inlines = [AttachmentInline]
    date_hierarchy = "starts_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(FollowUpTask)
class FollowUpTaskAdmin(SimpleHistoryAdmin):
    list_display = ("due_on", "client", "title", "assignee", "status")
    list_filter = ("status",)
    search_fields = ("title", "client__name")
    raw_id_fields = ("client", "activity", "assignee", "completed_by")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CalendarFeed)
class CalendarFeedAdmin(SimpleHistoryAdmin):
    """Administrators can see who has a live feed and revoke one (set "revoked")."""

    list_display = ("user", "created_at", "revoked_at")
    readonly_fields = ("user", "created_at")
    exclude = ("token_hash",)

    def has_add_permission(self, request) -> bool:
        return False
