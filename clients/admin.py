"""Admin for client files and onboarding. Encrypted personal data is shown masked and cannot be
edited here (changes go through the workspace, which validates and logs them)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from audit.admin import DisposalOnlyAdmin

from .models import (
    SENSITIVE_FIELDS,
    Client,
    ClientDocument,
    Consent,
    Household,
    OnboardingCase,
    OnboardingStepLog,
    RelatedParty,
    ServiceAgreement,
)


@admin.register(Client)
class ClientAdmin(DisposalOnlyAdmin, SimpleHistoryAdmin):
    list_display = ["file_number", "name", "kind", "status", "advisor", "wealth_tier", "created_at"]
    list_filter = ["status", "kind", "wealth_tier", "investment_experience", "service_need"]
    search_fields = ["file_number", "name"]  # email is encrypted: not searchable
    list_select_related = ["advisor"]
    raw_id_fields = ["user", "household"]
    exclude = [*SENSITIVE_FIELDS, "id_number_hash"]
    # Retention-relevant fields change only through the services, with a reason, in the trail
    # (client_reassign, client_end_relationship and its four-eyes backdating), never here.
    readonly_fields = [
        "status",
        "advisor",
        "relationship_started_on",
        "relationship_ended_on",
        "file_number",
        "masked_id_number",
        "masked_phone",
        "masked_address",
        "masked_bank_account_number",
        "wealth_tier",
        "investment_experience",
        "service_need",
        "classified_at",
        "identity_verified_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False  # opened by advisors in the workspace (file number, identity checks)


class StepLogInline(admin.TabularInline):
    model = OnboardingStepLog
    extra = 0
    can_delete = False
    readonly_fields = ["action", "from_step", "to_step", "actor", "at", "note"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(OnboardingCase)
class OnboardingCaseAdmin(SimpleHistoryAdmin):
    list_display = ["acceptance_number", "client", "step", "review_deadline", "is_overdue", "is_special"]
    list_filter = ["step", "is_overdue", "is_special", "involves_large_fund_movement"]
    search_fields = ["acceptance_number", "client__name", "client__file_number"]
    list_select_related = ["client"]
    raw_id_fields = ["client", "opened_by", "reviewed_by"]
    # The step only moves through clients.services.onboarding_transition.
    readonly_fields = [
        "acceptance_number",
        "step",
        "submitted_at",
        "review_deadline",
        "review_days",
        "is_overdue",
        "overdue_since",
        "reviewed_at",
        "reviewed_by",
        "completed_at",
    ]
    inlines = [StepLogInline]


@admin.register(Household)
class HouseholdAdmin(SimpleHistoryAdmin):
    search_fields = ["name"]


@admin.register(RelatedParty)
class RelatedPartyAdmin(SimpleHistoryAdmin):
    list_display = ["name", "relationship", "client"]
    raw_id_fields = ["client", "related_client"]


@admin.register(ServiceAgreement)
class ServiceAgreementAdmin(SimpleHistoryAdmin):
    list_display = ["client", "fee_structure", "starts_on", "ends_on", "status"]
    list_filter = ["status", "fee_structure"]
    raw_id_fields = ["client"]


@admin.register(Consent)
class ConsentAdmin(SimpleHistoryAdmin):
    list_display = ["client", "kind", "channel", "given_at", "withdrawn_at"]
    list_filter = ["kind", "channel"]
    raw_id_fields = ["client", "recorded_by"]


@admin.register(ClientDocument)
class ClientDocumentAdmin(SimpleHistoryAdmin):
    list_display = ["title", "client", "kind", "content_type", "size_bytes", "created_at"]
    raw_id_fields = ["client", "uploaded_by"]
    readonly_fields = ["file", "original_name", "content_type", "size_bytes", "sha256"]


# -- know your client: read-only here; every change goes through clients.kyc / due_diligence /
# screening in the workspace (validation, four eyes, audit) -----------------------------------
from .kyc_models import (  # noqa: E402
    DueDiligence,
    IdentityDocument,
    KycProfile,
    KycRefresh,
    ScreeningHit,
    WatchList,
    WatchListEntry,
    WatchListUpload,
)


class ReadOnlyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(IdentityDocument)
class IdentityDocumentAdmin(ReadOnlyAdmin):
    list_display = [
        "client",
        "document_type",
        "masked_number",
        "issued_on",
        "expires_on",
        "verified_by",
        "superseded_at",
    ]
    list_filter = ["document_type", "verification_method"]
    search_fields = ["client__file_number", "client__name"]
    list_select_related = ["client", "verified_by"]
    exclude = ["number", "number_hash"]


@admin.register(KycProfile)
class KycProfileAdmin(ReadOnlyAdmin):
    list_display = ["client", "aml_risk", "last_refreshed_on", "next_refresh_due"]
    list_filter = ["aml_risk"]
    search_fields = ["client__file_number", "client__name"]
    list_select_related = ["client"]


@admin.register(KycRefresh)
class KycRefreshAdmin(ReadOnlyAdmin):
    list_display = ["client", "status", "due_on", "started_at", "reviewed_by", "completed_at"]
    list_filter = ["status"]
    search_fields = ["client__file_number", "client__name"]
    list_select_related = ["client", "reviewed_by"]


@admin.register(DueDiligence)
class DueDiligenceAdmin(ReadOnlyAdmin):
    list_display = ["case", "ml_risk", "edd_status", "recorded_by", "recorded_at"]
    list_filter = ["ml_risk", "edd_status"]
    list_select_related = ["case", "recorded_by"]


@admin.register(WatchList)
class WatchListAdmin(ReadOnlyAdmin):
    list_display = ["name", "entry_count", "last_upload", "updated_at"]


@admin.register(WatchListUpload)
class WatchListUploadAdmin(ReadOnlyAdmin):
    list_display = [
        "original_name",
        "row_count",
        "added",
        "removed",
        "uploaded_by",
        "created_at",
        "screened_at",
    ]
    list_select_related = ["uploaded_by"]


@admin.register(WatchListEntry)
class WatchListEntryAdmin(admin.ModelAdmin):
    list_display = ["name", "watch_list", "birth_date", "is_active", "upload", "removed_by"]
    list_filter = ["watch_list", "is_active"]
    search_fields = ["name"]
    list_select_related = ["watch_list", "upload", "removed_by"]
    exclude = ["id_numbers", "id_hashes", "name_keys", "fingerprint"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ScreeningHit)
class ScreeningHitAdmin(ReadOnlyAdmin):
    list_display = ["subject_name", "client", "entry", "score", "matched_on", "status", "reviewed_by"]
    list_filter = ["status", "subject_kind", "matched_on"]
    search_fields = ["subject_name", "client__file_number", "entry__name"]
    list_select_related = ["client", "entry", "reviewed_by"]


# The service record (clients/service_admin.py).
from . import service_admin  # noqa: E402, F401
