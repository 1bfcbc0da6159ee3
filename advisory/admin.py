from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

# every admin change is applied to the current, locked row (advisory.admin_locking)
from . import admin_locking  # noqa: F401
from .models import (
    ApiToken,
    ArchivedDocument,
    ExportJob,
    Notification,
    NumberSequence,
    StaffQualification,
    User,
)


@admin.register(User)
class UserAdmin(BaseUserAdmin, SimpleHistoryAdmin):
    ordering = ["full_name"]
    list_display = ["email", "full_name", "role", "team", "is_active", "last_login"]
    list_filter = ["role", "team", "is_active"]
    search_fields = ["email", "full_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Person"), {"fields": ("full_name", "phone", "role", "team", "supervisor")}),
        (_("Access"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "full_name", "role", "password1", "password2")}),
    )
    readonly_fields = ["last_login", "date_joined"]


@admin.register(StaffQualification)
class StaffQualificationAdmin(SimpleHistoryAdmin):
    list_display = ["user", "kind", "number", "issued_on", "expires_on", "qualifies_for_advice"]
    list_filter = ["kind", "qualifies_for_advice"]
    search_fields = ["user__full_name", "number"]
    autocomplete_fields = ["user"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "kind", "__str__", "created_at", "read_at"]
    list_filter = ["kind"]
    search_fields = ["subject", "recipient__email"]


@admin.register(ArchivedDocument)
class ArchivedDocumentAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "version", "status", "sha256", "created_at"]
    list_filter = ["kind", "status"]
    readonly_fields = [f.name for f in ArchivedDocument._meta.fields]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    """Read-only: who exported which list, with which filters, and how many rows."""

    list_display = [
        "created_at",
        "requested_by",
        "list_name",
        "format",
        "status",
        "row_count",
        "is_background",
    ]
    list_filter = ["list_name", "format", "status", "is_background"]
    readonly_fields = [f.name for f in ExportJob._meta.fields]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(NumberSequence)
class NumberSequenceAdmin(admin.ModelAdmin):
    list_display = ["prefix", "year", "last_value"]
    readonly_fields = ["prefix", "year", "last_value"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Administrators see every personal API token and revoke them; nobody creates one here (the
    key would have to be shown to someone other than its owner)."""

    list_display = ["user", "name", "key_prefix", "created_at", "expires_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__email", "user__full_name", "name", "key_prefix"]
    readonly_fields = [f.name for f in ApiToken._meta.fields]
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset) -> None:
        from .errors import DomainError
        from .security import api_token_revoke

        revoked = 0
        for token in queryset.select_related("user"):
            try:
                api_token_revoke(token=token, actor=request.user, reason="revoked by an administrator")
                revoked += 1
            except DomainError as exc:
                self.message_user(request, exc.message, level="error")
        self.message_user(request, _("%(n)s tokens revoked.") % {"n": revoked})
