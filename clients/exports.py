"""Exports of the client lists (advisory.exports): the columns the pages show, read from the
pages' own filtered querysets."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from advisory.exports.registry import Column, ExportList, Filter, register

from .models import ClientKind, ClientStatus, OnboardingStep, WealthTier
from .service_models import ActivityChannel, ActivityKind, ActivityStatus


def _client_rows(*, user, params):
    from .views import client_rows

    return client_rows(user=user, params=params)


def _onboarding_rows(*, user, params):
    from .views import onboarding_rows

    return onboarding_rows(user=user, params=params)


def _activity_rows(*, user, params):
    from .service_views import activity_rows

    return activity_rows(user=user, params=params)


def _advisor_choices():
    from .selectors import advisors

    return [(a.pk, a.full_name) for a in advisors()]


register(
    ExportList(
        name="clients.clients",
        title=_("Clients"),
        perm="clients.list_clients",
        list_url="clients:list",
        rows=_client_rows,
        columns=[
            Column(_("File number"), "file_number"),
            Column(_("Name"), "name"),
            Column(_("Kind"), "kind", choices=ClientKind.choices),
            Column(_("Status"), "status", choices=ClientStatus.choices),
            Column(_("Wealth tier"), "wealth_tier", choices=WealthTier.choices),
            Column(_("Advisor"), "advisor.full_name"),
            Column(_("Opened"), "created_at"),
        ],
        filters=[
            Filter("q", _("Search")),
            Filter("status", _("Status"), ClientStatus.choices),
            Filter("kind", _("Kind"), ClientKind.choices),
            Filter("tier", _("Wealth tier"), WealthTier.choices),
            Filter("advisor", _("Advisor"), _advisor_choices),
        ],
    )
)

register(
    ExportList(
        name="clients.onboarding",
        title=_("Onboarding"),
        perm="clients.list_clients",
        list_url="clients:onboarding_list",
        rows=_onboarding_rows,
        columns=[
            Column(_("Acceptance number"), "acceptance_number"),
            Column(_("Client"), "client.name"),
            Column(_("File number"), "client.file_number"),
            Column(_("Step"), "step", choices=OnboardingStep.choices),
            Column(_("Advisor"), "client.advisor.full_name"),
            Column(_("special"), "is_special"),
            Column(_("large funds"), "involves_large_fund_movement"),
            Column(_("Review due"), "review_deadline"),
            Column(_("Opened"), "created_at"),
        ],
        filters=[
            Filter("q", _("Search")),
            Filter("step", _("Step"), OnboardingStep.choices),
            Filter("overdue", _("Overdue only"), [("1", _("Yes"))]),
        ],
    )
)

register(
    ExportList(
        name="clients.activities",
        title=_("Service record"),
        perm="advisory.use_workspace",
        list_url="clients:activity_list",
        rows=_activity_rows,
        columns=[
            Column(_("Time"), "starts_at"),
            Column(_("Client"), "client.name"),
            Column(_("Kind"), "kind", choices=ActivityKind.choices),
            Column(_("Channel"), "channel", choices=ActivityChannel.choices),
            Column(_("Subject"), "subject"),
            Column(_("Executor"), "executor.full_name"),
            Column(_("Files"), "attachment_count"),
            Column(_("Status"), "status", choices=ActivityStatus.choices),
        ],
        filters=[
            Filter("q", _("Search")),
            Filter("kind", _("Kind"), ActivityKind.choices),
            Filter("status", _("Status"), ActivityStatus.choices),
        ],
    )
)
