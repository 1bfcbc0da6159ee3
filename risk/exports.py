"""Export of the product list (advisory.exports): the page's columns, from the page's rows."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from advisory.exports.registry import Column, ExportList, Filter, register

from .models import AssetClass, ProductRiskRating


def _product_rows(*, user, params):
    from .views import product_rows

    return product_rows(user=user, params=params)


register(
    ExportList(
        name="risk.products",
        title=_("Products"),
        perm="risk.view_products",
        list_url="risk:product_list",
        rows=_product_rows,
        columns=[
            Column(_("Code"), "code"),
            Column(_("Name"), "name"),
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
