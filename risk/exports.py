"""Export of the product list (advisory.exports): the page's columns, from the page's rows."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from advisory.exports.registry import Column, ExportList, Filter, register

from .models import AssetClass, ProductRiskRating, RiskGrade, RiskRegisterCategory, RiskResponse, RiskStatus


def _product_rows(*, user, params):
    from .views import product_rows

    return product_rows(user=user, params=params)


def _register_rows(*, user, params):
    from .views import register_rows

    return register_rows(user=user, params=params)


register(
    ExportList(
        name="risk.products",
        title=_("Products"),
        perm="risk.view_products",
        list_url="risk:product_list",
        rows=_product_rows,
        columns=[
            Column(_("Code"), "code"),
            Column(pgettext_lazy("of a thing", "Name"), "name"),
            Column(_("Type"), "kind"),
            Column(_("Asset class"), "asset_class", choices=AssetClass.choices),
            Column(_("Risk rating"), "risk_rating", choices=ProductRiskRating.choices),
            Column(_("Days to cash"), "liquidity_days"),
            Column(_("On sale"), "is_active"),
        ],
        filters=[
            Filter("q", _("Search")),
            Filter("rating", _("Rating"), ProductRiskRating.choices),
            Filter("asset_class", _("Asset class"), AssetClass.choices),
            Filter("kind", _("Type")),
        ],
        extra_params=(),
    )
)

register(
    ExportList(
        name="risk.register",
        title=_("Risk register"),
        perm="risk.view_register",
        list_url="risk:register",
        rows=_register_rows,
        columns=[
            Column(_("Ref."), "reference"),
            Column(_("Title"), "title"),
            Column(_("Category"), "category", choices=RiskRegisterCategory.choices),
            Column(_("probability (1–5)"), "probability"),
            Column(_("impact (1–5)"), "impact"),
            Column(_("Level"), "level", choices=RiskGrade.choices),
            Column(_("Owner"), "owner.full_name"),
            Column(_("Response"), "response", choices=RiskResponse.choices),
            Column(_("Next review"), "review_date"),
            Column(_("Status"), "status", choices=RiskStatus.choices),
        ],
        filters=[
            Filter("q", _("Search")),
            Filter("category", _("Category"), RiskRegisterCategory.choices),
            Filter("level", _("Level"), RiskGrade.choices),
            Filter("status", _("Status"), RiskStatus.choices),
            Filter("overdue", _("Review overdue"), [("on", _("Yes"))]),
        ],
        extra_params=(),
    )
)
