from django.contrib import admin

from .models import ImportBatch


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    """Read-only: batches change only through the import services (upload, confirm, run)."""

    list_display = (
        "number",
        "kind",
        "state",
        "original_name",
        "row_count",
        "error_row_count",
        "uploaded_by",
        "created_at",
    )
    list_filter = ("kind", "state")
    search_fields = ("number", "original_name", "sha256")
    date_hierarchy = "created_at"
    list_select_related = ("uploaded_by",)
    exclude = ("row_errors",)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "row_errors"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
