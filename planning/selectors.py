"""Every read the planning screens and API need, scoped to the user (SPEC §3)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from advisory.models import ArchivedDocument, DocumentStatus
from advisory.roles import Role
from advisory.rules import can

from .models import FinancialSnapshot, Goal, ModelPortfolio, Proposal, ProposalStatus, Review, ReviewStatus
from .rules import CLIENT_VISIBLE_STATUSES

PROPOSAL_TABS = {
    "all": None,
    "mine": None,  # advisor: own proposals
    "drafts": None,
    "returned": None,
    "awaiting_review": None,  # risk reviewer: submitted
    "awaiting_compliance": None,  # compliance: risk approved
    "issued": None,
    "closed": None,
}
PROPOSAL_SORTS = {
    "number",
    "-number",
    "client",
    "-client",
    "status",
    "-status",
    "total",
    "-total",
    "updated",
    "-updated",
}
_SORT_FIELDS = {
    "number": "number",
    "client": "client__name",
    "status": "status",
    "total": "total_amount",
    "updated": "updated_at",
}


def client_scope_q(user, prefix: str = "client__") -> Q | None:
    """Rows of the clients `user` may see: None = all (oversight); advisors their book; clients themselves."""
    if not (user and user.is_authenticated and user.is_active):
        return Q(pk__in=[])
    if user.is_oversight:
        return None
    if user.is_advisor:
        return Q(**{f"{prefix}advisor": user})
    if user.is_client:
        return Q(**{f"{prefix}user": user})
    return Q(pk__in=[])


def _scoped(qs: QuerySet, user, prefix: str = "client__") -> QuerySet:
    q = client_scope_q(user, prefix)
    return qs if q is None else qs.filter(q)


def visible_clients(*, user) -> QuerySet:
    from clients.models import Client

    return _scoped(Client.objects.select_related("advisor"), user, prefix="")


def client_get(*, user, pk: int):
    try:
        return visible_clients(user=user).get(pk=pk)
    except Exception as exc:  # DoesNotExist or bad id
        raise Http404 from exc


def client_of_user(*, user):
    from clients.models import Client

    return Client.objects.filter(user=user).first()


def proposal_list(
    *,
    user,
    tab: str = "all",
    search: str = "",
    sort: str = "",
    status: str = "",
    client_id: int | None = None,
) -> QuerySet[Proposal]:
    qs = _scoped(Proposal.objects.select_related("client", "advisor"), user)
    if user.is_client:
        qs = qs.filter(status__in=CLIENT_VISIBLE_STATUSES)
    if tab == "mine":
        qs = qs.filter(advisor=user)
    elif tab == "drafts":
        qs = qs.filter(status=ProposalStatus.DRAFT)
    elif tab == "returned":
        qs = qs.filter(status=ProposalStatus.DRAFT).exclude(rejection_reason="")
    elif tab == "awaiting_review":
        qs = qs.filter(status=ProposalStatus.SUBMITTED).exclude(advisor=user)
    elif tab == "awaiting_compliance":
        qs = (
            qs.filter(status=ProposalStatus.RISK_APPROVED)
            .exclude(advisor=user)
            .exclude(risk_approved_by=user)
        )
    elif tab == "issued":
        qs = qs.filter(status__in=[ProposalStatus.COMPLIANCE_APPROVED, ProposalStatus.ISSUED])
    elif tab == "closed":
        qs = qs.filter(
            status__in=[ProposalStatus.ACCEPTED, ProposalStatus.DECLINED, ProposalStatus.WITHDRAWN]
        )
    if status:
        qs = qs.filter(status=status)
    if client_id:
        qs = qs.filter(client_id=client_id)
    if search:
        qs = qs.filter(
            Q(number__icontains=search)
            | Q(title__icontains=search)
            | Q(client__name__icontains=search)
            | Q(client__file_number__icontains=search)
        )
    if sort in PROPOSAL_SORTS:
        field = _SORT_FIELDS[sort.lstrip("-")]
        qs = qs.order_by(f"-{field}" if sort.startswith("-") else field, "-id")
    else:
        qs = qs.order_by("-updated_at", "-id")
    return qs


def default_tab(user) -> str:
    return {
        Role.ADVISOR: "mine",
        Role.RISK_REVIEWER: "awaiting_review",
        Role.COMPLIANCE: "awaiting_compliance",
    }.get(user.role, "all")


def proposal_get(*, user, pk: int) -> Proposal:
    qs = proposal_list(user=user).select_related(
        "model_portfolio", "risk_approved_by", "compliance_approved_by", "client__user"
    )
    try:
        return qs.get(pk=pk)
    except (Proposal.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def proposal_lines(*, proposal: Proposal):
    return list(proposal.lines.select_related("product").order_by("position", "id"))


def proposal_timeline(*, proposal: Proposal) -> list:
    from audit.models import AuditAction, AuditEntry

    return list(
        AuditEntry.objects.filter(
            record_type="planning.proposal", record_id=str(proposal.pk), action=AuditAction.TRANSITION
        )
        .select_related("actor")
        .order_by("sequence")
    )


def snapshot_list(*, client) -> QuerySet[FinancialSnapshot]:
    return FinancialSnapshot.objects.filter(client=client).order_by("-as_of", "-id")


def goal_list(*, client, active_only: bool = False) -> QuerySet[Goal]:
    qs = Goal.objects.filter(client=client)
    return qs.filter(is_active=True) if active_only else qs


def model_portfolio_list() -> QuerySet[ModelPortfolio]:
    return ModelPortfolio.objects.prefetch_related("weights").order_by("level", "-version")


def review_list(*, user, status: str = "", due: str = "", search: str = "") -> QuerySet[Review]:
    from advisory.clock import today

    qs = _scoped(Review.objects.select_related("client", "client__advisor", "proposal"), user)
    if status:
        qs = qs.filter(status=status)
    if due == "overdue":
        qs = qs.filter(status=ReviewStatus.OPEN, due_date__lt=today())
    if search:
        qs = qs.filter(Q(client__name__icontains=search) | Q(proposal__number__icontains=search))
    return qs.order_by("status", "due_date", "id")


def review_get(*, user, pk: int) -> Review:
    try:
        return review_list(user=user).select_related("proposal__model_portfolio", "completed_by").get(pk=pk)
    except (Review.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


PLANNING_DOC_PREFIX = "planning."


def document_list(*, user, subject: Proposal | None = None, client_id: int | None = None) -> QuerySet:
    qs = ArchivedDocument.objects.filter(kind__startswith=PLANNING_DOC_PREFIX)
    if user.is_client:
        client = client_of_user(user=user)
        if client is None:
            return qs.none()
        visible = Proposal.objects.filter(client=client, status__in=CLIENT_VISIBLE_STATUSES).values_list(
            "pk", flat=True
        )
        qs = qs.filter(
            client_id=client.pk,
            status__in=[DocumentStatus.PENDING, DocumentStatus.RENDERING, DocumentStatus.READY],
            subject_type="planning.proposal",
            subject_id__in=[str(pk) for pk in visible],
        )
    elif user.is_advisor:
        qs = qs.filter(client_id__in=visible_clients(user=user).values("pk"))
    elif not user.is_oversight:
        return qs.none()
    if subject is not None:
        qs = qs.filter(subject_type="planning.proposal", subject_id=str(subject.pk))
    if client_id is not None:
        qs = qs.filter(client_id=client_id)
    return qs.order_by("-created_at", "-id")


def document_get(*, user, pk: int) -> ArchivedDocument:
    try:
        return document_list(user=user).get(pk=pk)
    except (ArchivedDocument.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def holding_list(*, user, plan: Proposal) -> QuerySet:
    """The plan's recorded holdings, newest first; the caller has already scoped the plan."""
    from .models import Holding

    if not can(user, "planning.view_holdings", plan.client):
        return Holding.objects.none()
    return (
        Holding.objects.filter(plan=plan)
        .select_related("product", "recorded_by")
        .order_by("-as_of", "asset_class", "id")
    )
