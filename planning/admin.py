from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from advisory.errors import DomainError

from . import services
from .models import (
    FinancialSnapshot,
    Goal,
    Holding,
    ModelPortfolio,
    ModelPortfolioWeight,
    Proposal,
    ProposalLine,
    Review,
)


class WeightInline(admin.TabularInline):
    model = ModelPortfolioWeight
    extra = 0

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None or not obj.is_frozen

    has_add_permission = has_change_permission
    has_delete_permission = has_change_permission


@admin.register(ModelPortfolio)
class ModelPortfolioAdmin(SimpleHistoryAdmin):
    """Administrators edit drafts; published versions are frozen (use "new version")."""

    list_display = ["level", "version", "name", "status", "published_at"]
    list_filter = ["level", "status"]
    inlines = [WeightInline]
    actions = ["publish", "new_version"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_frozen:
            return ["level", "version", "name", "status", "published_at", "notes"]
        return ["version", "status", "published_at"]

    def save_model(self, request, obj, form, change):
        if obj.pk is None:
            from django.db.models import Max

            obj.version = (
                ModelPortfolio.objects.filter(level=obj.level).aggregate(v=Max("version"))["v"] or 0
            ) + 1
        obj._history_user = request.user
        obj._change_reason = "Edited in admin"
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Publish the selected drafts"))
    def publish(self, request, queryset):
        for portfolio in queryset:
            try:
                services.model_portfolio_publish(portfolio=portfolio, actor=request.user)
            except DomainError as exc:
                self.message_user(request, f"{portfolio}: {exc.message}", messages.ERROR)

    @admin.action(description=_("Create a new draft version from the selected"))
    def new_version(self, request, queryset):
        for portfolio in queryset:
            services.model_portfolio_new_version(portfolio=portfolio, actor=request.user)


class LineInline(admin.TabularInline):
    model = ProposalLine
    extra = 0
    readonly_fields = ["product", "amount", "position"]
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Proposal)
class ProposalAdmin(SimpleHistoryAdmin):
    """Read-only: proposals change only through the workflow (planning.services)."""

    list_display = ["number", "client", "advisor", "status", "total_amount", "checks_ok", "updated_at"]
    list_filter = ["status", "checks_ok"]
    search_fields = ["number", "title", "client__name"]
    inlines = [LineInline]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(FinancialSnapshot)
class FinancialSnapshotAdmin(SimpleHistoryAdmin):
    list_display = ["client", "as_of", "monthly_income", "monthly_expenses", "liabilities"]
    search_fields = ["client__name"]
    raw_id_fields = ["client"]


@admin.register(Goal)
class GoalAdmin(SimpleHistoryAdmin):
    list_display = ["name", "client", "kind", "target_amount", "target_date", "priority", "is_active"]
    list_filter = ["kind", "is_active"]
    raw_id_fields = ["client"]


@admin.register(Review)
class ReviewAdmin(SimpleHistoryAdmin):
    list_display = ["client", "proposal", "sequence", "due_date", "status", "max_drift", "rebalance_proposed"]
    list_filter = ["status", "level"]
    raw_id_fields = ["client", "proposal"]


@admin.register(Holding)
class HoldingAdmin(SimpleHistoryAdmin):
    """Read-only: holdings are entered or imported on the plan's holdings screen."""

    list_display = ["plan", "client", "as_of", "asset_class", "product", "market_value", "currency", "source"]
    list_filter = ["source", "asset_class"]
    search_fields = ["plan__number", "client__name"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
