from django.contrib import admin, messages
from django.db import transaction
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from advisory.errors import Conflict, DomainError

from .models import (
    AuditCheckpoint,
    AuditEntry,
    AuditExport,
    AuditVerification,
    DisposalBatch,
    DisposalItem,
    LegalHold,
    RetentionRule,
)


class RetentionGuardedAdmin(admin.ModelAdmin):
    """ModelAdmin mixin: a delete refused by the retention guard (or a legal hold) shows the reason
    ("Retained until 2031-06-30 under the 5-year client-file rule") instead of a server error.
    Use it as a base class (or mixin before admin.ModelAdmin) for every model with retention."""

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except Conflict as exc:
            self.message_user(request, exc.message, level=messages.ERROR)
            return HttpResponseRedirect(request.path.rsplit("/delete/", 1)[0] + "/change/")

    def delete_model(self, request, obj):
        with transaction.atomic():  # a savepoint: a refusal rolls back only this delete
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():  # the Conflict propagates to changelist_view, which shows it
            super().delete_queryset(request, queryset)

    def changelist_view(self, request, extra_context=None):
        try:
            return super().changelist_view(request, extra_context)
        except Conflict as exc:
            self.message_user(request, exc.message, level=messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class DisposalOnlyAdmin(admin.ModelAdmin):
    """For record types that leave only through an approved disposal batch (client files): the
    delete view and the "delete selected" action are offered, and answer why not and until when
    ("Retained until 2031-06-30 under the 5-year client-file rule") instead of a bare 403."""

    def has_delete_permission(self, request, obj=None) -> bool:
        # Offered to whoever may see the record: nothing is deleted here, the page says why not.
        return super().has_view_permission(request, obj)

    def delete_view(self, request, object_id, extra_context=None):
        from .retention import retention_refuse_delete

        obj = self.get_object(request, object_id)
        if obj is None:
            return super().delete_view(request, object_id, extra_context)
        try:
            retention_refuse_delete(obj)
        except Conflict as exc:
            self.message_user(request, exc.message, level=messages.ERROR)
        except DomainError as exc:
            self.message_user(request, exc.message, level=messages.ERROR)
        return HttpResponseRedirect(request.path.rsplit("/delete/", 1)[0] + "/change/")

    def delete_queryset(self, request, queryset):
        """Refuse the whole action, naming each record's reason (shown by changelist_view)."""
        from .retention import retention_refuse_delete

        reasons = []
        for obj in queryset[:20]:
            try:
                retention_refuse_delete(obj)
            except DomainError as exc:
                reasons.append(exc.message)
        raise Conflict(" ".join(reasons))

    def delete_model(self, request, obj):
        from .retention import retention_refuse_delete

        retention_refuse_delete(obj)


def _guard_every_model_admin() -> None:
    """The same protection for every ModelAdmin, including other apps' that do not inherit
    RetentionGuardedAdmin: a retention refusal becomes an error message, not a server error."""
    base = admin.ModelAdmin
    if getattr(base, "_audit_retention_guard", False):
        return
    delete_view, delete_model = base.delete_view, base.delete_model
    delete_queryset, changelist_view = base.delete_queryset, base.changelist_view

    def guarded_delete_view(self, request, object_id, extra_context=None):
        try:
            return delete_view(self, request, object_id, extra_context)
        except Conflict as exc:
            self.message_user(request, exc.message, level=messages.ERROR)
            return HttpResponseRedirect(request.path.rsplit("/delete/", 1)[0] + "/change/")

    def guarded_delete_model(self, request, obj):
        with transaction.atomic():
            delete_model(self, request, obj)

    def guarded_delete_queryset(self, request, queryset):
        with transaction.atomic():
            delete_queryset(self, request, queryset)

    def guarded_changelist_view(self, request, extra_context=None):
        try:
            return changelist_view(self, request, extra_context)
        except Conflict as exc:
            self.message_user(request, exc.message, level=messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    base.delete_view = guarded_delete_view
    base.delete_model = guarded_delete_model
    base.delete_queryset = guarded_delete_queryset
    base.changelist_view = guarded_changelist_view
    base._audit_retention_guard = True


_guard_every_model_admin()


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = [
        "sequence",
        "occurred_at",
        "actor_label",
        "action",
        "record_type",
        "record_id",
        "reason_display",
    ]
    list_filter = ["action"]
    search_fields = ["=record_id", "=actor_label"]
    readonly_fields = ["reason_display", *(f.name for f in AuditEntry._meta.fields)]
    show_full_result_count = False

    @admin.display(description=_("why"))
    def reason_display(self, obj: AuditEntry) -> str:
        """The reason in the reader's language (`reason` is the stored, hashed value)."""
        return obj.reason_text

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RetentionRule)
class RetentionRuleAdmin(admin.ModelAdmin):
    list_display = ["record_type", "name", "years", "trigger"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(LegalHold)
class LegalHoldAdmin(RetentionGuardedAdmin):
    """Read-only: holds are placed and released only in the workflow (audit:retention, the API),
    which records who, when and why."""

    list_display = ["pk", "scope", "client_id", "record_type", "placed_at", "released_at"]
    readonly_fields = [f.name for f in LegalHold._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditExport)
class AuditExportAdmin(RetentionGuardedAdmin):
    list_display = ["pk", "format", "requested_by", "created_at", "completed_at"]


class DisposalItemInline(admin.TabularInline):
    model = DisposalItem
    extra = 0
    can_delete = False
    readonly_fields = [f.name for f in DisposalItem._meta.fields]


@admin.register(DisposalBatch)
class DisposalBatchAdmin(admin.ModelAdmin):
    list_display = ["pk", "status", "proposed_at", "reviewed_by", "reviewed_at"]
    readonly_fields = [f.name for f in DisposalBatch._meta.fields]
    inlines = [DisposalItemInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class _ReadOnlyAdmin(admin.ModelAdmin):
    """Append-only records (the database refuses changes too): visible, never edited."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditCheckpoint)
class AuditCheckpointAdmin(_ReadOnlyAdmin):
    list_display = ["file_name", "sequence", "signed_at", "key_id"]
    search_fields = ["file_name", "hash"]


@admin.register(AuditVerification)
class AuditVerificationAdmin(_ReadOnlyAdmin):
    list_display = [
        "started_at",
        "kind",
        "intact",
        "from_sequence",
        "last_sequence",
        "last_checkpoint",
        "seconds",
    ]
    list_filter = ["kind", "intact"]
