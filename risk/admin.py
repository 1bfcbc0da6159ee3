"""Admin for questionnaires (published versions read-only), products, assessments (read-only:
they change through the services), exceptions and the risk register."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from advisory.errors import DomainError

from . import services
from .models import (
    LifeEvent,
    Product,
    ProductRatingAssessment,
    ProfessionalInvestorClassification,
    Question,
    Questionnaire,
    QuestionnaireVersion,
    QuestionOption,
    Risk,
    RiskAssessment,
    SuitabilityException,
)


@admin.register(Product)
class ProductAdmin(SimpleHistoryAdmin):
    list_display = [
        "code", "name", "kind", "risk_rating", "asset_class", "liquidity_days", "is_active", "rating_review_due",
    ]  # fmt: skip
    list_filter = ["risk_rating", "asset_class", "kind", "is_active"]
    search_fields = ["code", "name"]
    # The rating changes only through an approved written assessment (risk:rating_list).
    readonly_fields = ["rating_approved_at", "rating_review_due"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "risk_rating"] if obj is not None else fields


@admin.register(Questionnaire)
class QuestionnaireAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "name_zh"]


class FrozenMixin:
    """Published or retired versions are frozen: no edits, no deletes (SPEC §2)."""

    def _frozen(self, obj) -> bool:
        version = getattr(obj, "version", obj) if obj is not None else None
        if isinstance(obj, QuestionOption):
            version = obj.question.version
        return version is not None and getattr(version, "is_frozen", False)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self._frozen(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self._frozen(obj)


class QuestionInline(FrozenMixin, admin.TabularInline):
    model = Question
    extra = 0
    fields = ["order", "code", "role", "text", "text_zh"]
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not self._frozen(obj)


class OptionInline(FrozenMixin, admin.TabularInline):
    model = QuestionOption
    extra = 0
    fields = ["order", "code", "text", "text_zh", "score", "meaning"]

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not self._frozen(obj)


@admin.register(QuestionnaireVersion)
class QuestionnaireVersionAdmin(FrozenMixin, SimpleHistoryAdmin):
    list_display = ["questionnaire", "number", "title", "status", "published_at"]
    list_filter = ["status", "questionnaire"]
    readonly_fields = ["status", "published_at", "published_by"]
    inlines = [QuestionInline]
    actions = ["new_version", "publish"]

    @admin.action(description=_("Create a new draft version from the selected one"))
    def new_version(self, request, queryset):
        for version in queryset:
            try:
                services.questionnaire_new_version(version=version, actor=request.user)
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)

    @admin.action(description=_("Publish the selected draft"))
    def publish(self, request, queryset):
        for version in queryset:
            try:
                services.questionnaire_version_publish(version=version, actor=request.user)
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)

    def save_model(self, request, obj, form, change):
        if obj.pk and obj.is_frozen:
            raise DomainError(_("Published versions are frozen."))
        if obj.score_bands:
            services.validate_score_bands(obj.score_bands)
        super().save_model(request, obj, form, change)


@admin.register(Question)
class QuestionAdmin(FrozenMixin, SimpleHistoryAdmin):
    list_display = ["version", "order", "code", "role", "text"]
    list_filter = ["version", "role"]
    inlines = [OptionInline]


class ReadOnlyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RiskAssessment)
class RiskAssessmentAdmin(ReadOnlyAdmin):
    list_display = ["id", "client", "effective_level", "status", "valid_until", "confirmed_at"]
    list_filter = ["status", "effective_level", "channel"]
    search_fields = ["client__name", "client__file_number"]
    list_select_related = ["client"]


@admin.register(SuitabilityException)
class SuitabilityExceptionAdmin(ReadOnlyAdmin):
    list_display = ["id", "client", "product", "client_level", "product_rating", "status", "created_at"]
    list_filter = ["status"]
    list_select_related = ["client", "product"]


@admin.register(ProfessionalInvestorClassification)
class ProfessionalInvestorClassificationAdmin(SimpleHistoryAdmin):
    list_display = ["client", "valid_from", "valid_until", "recorded_by", "revoked_at"]
    list_select_related = ["client", "recorded_by"]
    raw_id_fields = ["client"]

    def save_model(self, request, obj, form, change):
        if not obj.recorded_by_id:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Risk)
class RiskAdmin(SimpleHistoryAdmin):
    list_display = [
        "reference",
        "title",
        "category",
        "probability",
        "impact",
        "level",
        "owner",
        "review_date",
        "status",
    ]
    list_filter = ["category", "level", "status", "response"]
    search_fields = ["reference", "title"]
    readonly_fields = ["level"]

    def save_model(self, request, obj, form, change):
        obj.level = services.risk_level_for(probability=obj.probability, impact=obj.impact)
        if not obj.reference:
            obj.reference = services._next_reference()
        super().save_model(request, obj, form, change)


@admin.register(LifeEvent)
class LifeEventAdmin(ReadOnlyAdmin):
    list_display = ["client", "kind", "occurred_on", "is_significant", "recorded_by"]
    list_filter = ["kind", "is_significant"]
    search_fields = ["client__name", "client__file_number"]


@admin.register(ProductRatingAssessment)
class ProductRatingAssessmentAdmin(ReadOnlyAdmin):
    list_display = [
        "product",
        "previous_rating",
        "proposed_rating",
        "status",
        "assessor",
        "decided_by",
        "review_due",
    ]
    list_filter = ["status", "proposed_rating"]
    search_fields = ["product__code", "product__name"]
