"""Export of the proposal list (advisory.exports): the page's columns, from the page's rows."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from advisory.exports.registry import Column, ExportList, Filter, register

from .models import ProposalStatus, ReviewStatus


def _proposal_rows(*, user, params):
    from .views import proposal_rows

    return proposal_rows(user=user, params=params)


def _review_rows(*, user, params):
    from .views import review_rows

    return review_rows(user=user, params=params)


def _tab_choices():
    from .views import TAB_LABELS

    return list(TAB_LABELS.items())


register(
    ExportList(
        name="planning.proposals",
        title=_("Proposals"),
        perm="advisory.use_workspace",
        list_url="planning:proposal_list",
        rows=_proposal_rows,
        columns=[
            Column(_("Number"), "number"),
            Column(_("Client"), "client.name"),
            Column(_("File number"), "client.file_number"),
            Column(_("Title"), "title"),
            Column(_("Advisor"), "advisor.full_name"),
            Column(_("Total"), "total_amount"),
            Column(_("Currency"), "currency"),
            Column(_("checks pass"), "checks_ok"),
            Column(_("Status"), "status", choices=ProposalStatus.choices),
            Column(_("Updated"), "updated_at"),
        ],
        filters=[
            Filter("tab", _("View"), _tab_choices),
            Filter("q", _("Search")),
            Filter("status", _("Status"), ProposalStatus.choices),
        ],
    )
)

register(
    ExportList(
        name="planning.reviews",
        title=_("Periodic reviews"),
        perm="advisory.use_workspace",
        list_url="planning:review_list",
        rows=_review_rows,
        columns=[
            Column(_("Client"), "client.name"),
            Column(_("Advisor"), "client.advisor.full_name"),
            Column(_("Proposal"), "proposal.number"),
            Column(_("review number"), "sequence"),
            Column(_("investor level"), "level"),
            Column(_("Due"), "due_date"),
            Column(_("Status"), "status", choices=ReviewStatus.choices),
            Column(_("largest drift"), "max_drift"),
            Column(_("rebalancing proposed"), "rebalance_proposed"),
        ],
        filters=[
            Filter("q", _("Search")),
            Filter("status", _("Status"), ReviewStatus.choices),
            Filter("due", _("Due"), [("overdue", _("Overdue"))]),
        ],
        extra_params=(),
    )
)
