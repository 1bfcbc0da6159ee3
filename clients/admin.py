"""Admin for client files and onboarding. Encrypted personal data is shown masked and cannot be
edited here (changes go through the workspace, which validates and logs them)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

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
class ClientAdmin(SimpleHistoryAdmin):
    list_display = ["file_number", "name", "kind", "status", "advisor", "wealth_tier", "created_at"]
    list_filter = ["status", "kind", "wealth_tier", "investment_experience", "service_need"]
    search_fields = ["file_number", "name"]  # email is encrypted: not searchable
    list_select_related = ["advisor"]
    raw_id_fields = ["advisor", "user", "household"]
    exclude = [*SENSITIVE_FIELDS, "id_number_hash"]
    readonly_fields = [
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

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # client files are retained (SPEC §5); relationships are ended, not deleted


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
