"""Exports of the client lists (advisory.exports): the columns the pages show, read from the
pages' own filtered querysets."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from advisory.exports.registry import Column, ExportList, Filter, register

from .kyc_models import HitStatus, HitSubject
from .models import ClientKind, ClientStatus, OnboardingStep, WealthTier
from .service_models import ActivityChannel, ActivityKind, ActivityStatus

# how a hit matched, as the queue's badge says it
MATCHED_ON = {"name": _("Name"), "id_number": _("ID number")}


def _client_rows(*, user, params):
    from .views import client_rows

    return client_rows(user=user, params=params)


def _onboarding_rows(*, user, params):
    from .views import onboarding_rows

    return onboarding_rows(user=user, params=params)


def _activity_rows(*, user, params):
    from .service_views import activity_rows

    return activity_rows(user=user, params=params)


def _screening_rows(*, user, params):
    from .kyc_views import screening_rows

    return screening_rows(user=user, params=params)


def _watch_list_choices():
    from .kyc_models import WatchList

    return list(WatchList.objects.order_by("name").values_list("pk", "name"))


def _advisor_choices():
    from .selectors import advisor_choices

    return advisor_choices()


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


register(
    ExportList(
        name="clients.screening",
        title=_("Screening queue"),
        perm="clients.screening_queue",
        list_url="clients:screening_queue",
        rows=_screening_rows,
        columns=[
            Column(_("Name screened"), "subject_name"),
            Column(_("Client"), "client.file_number"),
            Column(_("Who matched"), "subject_kind", choices=HitSubject.choices),
            Column(_("List entry"), "entry.name"),
            Column(_("List"), "entry.watch_list.name"),
            Column(_("Score"), "score"),
            Column(_("Matched on"), lambda h: MATCHED_ON.get(h.matched_on, h.matched_on)),
            Column(_("Status"), "status", choices=HitStatus.choices),
            Column(_("Found"), "created_at"),
            Column(_("Reviewed by"), "reviewed_by.full_name"),
            Column(_("Reviewed at"), "reviewed_at"),
            Column(_("Reason for the disposition"), "reason"),
        ],
        filters=[
            Filter("q", _("Search")),
            Filter("status", _("Status"), HitStatus.choices),
            Filter("list", _("List"), _watch_list_choices),
            Filter("subject", _("Who matched"), HitSubject.choices),
            Filter("min_score", _("Minimum score")),
        ],
        extra_params=("sort",),
    )
)
