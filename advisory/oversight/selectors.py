"""Reads for the oversight screens and API, scoped to the user, with a fixed query count."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Count, DecimalField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from advisory.charts import line_chart
from advisory.clock import today
from advisory.models import RiskWarning, StaffQualification, User
from advisory.roles import WORKSPACE_ROLES, Role
from advisory.rules import can

from .indicators import BY_CODE, INDICATORS, RAG_LABELS, Filters, Indicator, live_buckets, rag_status
from .models import ActionStatus, ImprovementAction, QualityTarget, TrainingRecord

# The unit of an indicator's values, in words, for the chart's y axis.
UNIT_WORDS = {
    "%": "%",
    "h": gettext_lazy("hours"),
    "d": gettext_lazy("days"),
    "/5": gettext_lazy("score (1–5)"),
    "": gettext_lazy("number"),
}


def targets_by_code() -> dict[str, dict]:
    """Every indicator's target: the stored one, or the indicator's default. One query."""
    stored = {t.indicator: t for t in QualityTarget.objects.all()}
    out = {}
    for ind in INDICATORS:
        t = stored.get(ind.code)
        out[ind.code] = {
            "target": t.target if t else ind.default_target,
            "direction": t.direction if t else ind.direction,
            "amber_band": t.amber_band if t else ind.default_amber,
            "stored": t,
        }
    return out


def format_value(ind: Indicator, value: float | None) -> str:
    if value is None:
        return "—"
    text = f"{value:,.{ind.decimals}f}"
    return f"{text}{ind.unit}" if ind.unit in ("%", "h", "d", "/5") else text


def snapshot_buckets(f: Filters) -> tuple[dict[str, dict], object] | None:
    """Monthly figures from the snapshot rollup when all 12 months of the window have been
    refreshed: ({code: {month: (num, den)}}, refreshed_at), else None. Two queries."""
    from django.db.models import Min

    from .models import IndicatorSnapshot
    from .services import SNAPSHOT_MARKER

    marks = IndicatorSnapshot.objects.filter(indicator=SNAPSHOT_MARKER, month__in=f.months).aggregate(
        n=Count("id"), at=Min("refreshed_at")
    )
    if marks["n"] < len(f.months):
        return None
    qs = IndicatorSnapshot.objects.filter(month__in=f.months).exclude(indicator=SNAPSHOT_MARKER)
    if f.advisor_id:
        qs = qs.filter(advisor_id=f.advisor_id)
    if f.team:
        qs = qs.filter(advisor__team=f.team)
    out: dict[str, dict] = {}
    for row in (
        qs.values("indicator", "month").annotate(num=Sum("numerator"), den=Sum("denominator")).order_by()
    ):
        out.setdefault(row["indicator"], {})[row["month"]] = (row["num"] or 0.0, row["den"] or 0.0)
    return out, marks["at"]


def indicator_row(
    ind: Indicator, f: Filters, targets: dict, *, chart: bool = True, buckets: dict | None = None
) -> dict:
    result = ind.compute(f, buckets)
    t = targets[ind.code]
    status = rag_status(result.value, target=t["target"], direction=t["direction"], band=t["amber_band"])
    labels = [m.strftime("%Y-%m") for m in f.months]
    return {
        "indicator": ind,
        "code": ind.code,
        "label": ind.label,
        "formula": ind.formula,
        "available": result.available,
        "value": result.value,
        "display": format_value(ind, result.value) if result.available else "",
        "numerator": result.numerator,
        "denominator": result.denominator,
        "target": t["target"],
        "direction": t["direction"],
        "amber_band": t["amber_band"],
        "status": status if result.available else "grey",
        "status_label": RAG_LABELS[status if result.available else "grey"],
        "explanation": ind.explanation,
        "trend": result.trend,
        "trend_rows": list(zip(labels, [format_value(ind, v) for v in result.trend], strict=True)),
        "chart": line_chart(
            labels,
            {str(ind.label): result.trend},
            target=float(t["target"]),
            title=str(ind.label),
            height=190,
            y_label=str(UNIT_WORDS.get(ind.unit, "")),
            target_label=_("Target %(target)s") % {"target": t["target"]},
        )
        if chart and result.available
        else "",
    }


def dashboard(*, filters: Filters, chart: bool = True, live: bool = True) -> list[dict]:
    """All indicators with value, target, status and trend. A fixed number of queries whatever
    the data volume: live by default — indicators over the same rows share one grouped query
    (`indicators.live_buckets`: ten queries for the fourteen indicators) — or, with
    `live=False`, from the stored monthly rollup (three queries) when it covers the window."""
    return dashboard_with_source(filters=filters, chart=chart, live=live)[0]


def dashboard_with_source(
    *, filters: Filters, chart: bool = True, live: bool = True
) -> tuple[list[dict], object]:
    """(rows, refreshed_at) — refreshed_at is None for live figures."""
    targets = targets_by_code()
    snap = None if live else snapshot_buckets(filters)
    if snap is None:
        live_figures = live_buckets(filters)
        rows = [
            indicator_row(ind, filters, targets, chart=chart, buckets=live_figures.get(ind.code, {}))
            for ind in INDICATORS
        ]
        return rows, None
    buckets, at = snap
    rows = [
        indicator_row(ind, filters, targets, chart=chart, buckets=buckets.get(ind.code, {}))
        for ind in INDICATORS
    ]
    return rows, at


def filter_choices() -> dict:
    """Advisors and teams for the filter form (two queries)."""
    return {"advisors": advisor_choices(), "teams": team_choices()}


def advisor_choices(*, active_only: bool = True) -> list[tuple[int, str]]:
    """(id, name) of the advisors, by name: tuples, not model instances (a large firm has 1,600
    advisors, and an instance costs ~15 µs). `active_only=False` keeps those who have left, whose
    warnings and figures remain."""
    qs = User.objects.filter(role=Role.ADVISOR)
    if active_only:
        qs = qs.filter(is_active=True)
    return list(qs.order_by("full_name", "pk").values_list("pk", "full_name"))


def team_choices() -> list[str]:
    return list(
        User.objects.filter(role__in=WORKSPACE_ROLES)
        .exclude(team="")
        .values_list("team", flat=True)
        .distinct()
        .order_by("team")
    )


# --- warnings ---------------------------------------------------------------------------------


def warning_list(
    *, user: User, kind: str = "", severity: str = "", state: str = "open", advisor_id: int | None = None
) -> QuerySet[RiskWarning]:
    """Advisors see only warnings on their own book (advisor = them); oversight roles see all."""
    qs = RiskWarning.objects.select_related("advisor")
    if not user.is_oversight:
        qs = qs.filter(advisor=user)
    elif advisor_id:
        qs = qs.filter(advisor_id=advisor_id)
    if kind:
        qs = qs.filter(kind=kind)
    if severity:
        qs = qs.filter(severity=severity)
    if state == "open":
        qs = qs.filter(is_open=True)
    elif state == "closed":
        qs = qs.filter(is_open=False)
    return qs.order_by("-opened_at", "-id")


# Pages a warning may link to that not everyone who sees the warning may open: the route name and
# the permission it needs. A reader without it gets the warning without a link (no dead end on a
# 403 page), e.g. a risk reviewer or the advisor holding an expiring qualification, who may not
# open the staff page.
RESTRICTED_WARNING_LINKS = {"oversight:staff_detail": "oversight.view_staff"}


def warning_url(*, user: User, url: str) -> str:
    """The warning's link if `user` may open the page it points to, else ""."""
    from urllib.parse import urlsplit

    from django.urls import Resolver404, resolve

    if not url:
        return ""
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return url
    perm = RESTRICTED_WARNING_LINKS.get(match.view_name)
    if perm and not can(user, perm):
        return ""
    return url


def warning_counts(*, user: User) -> dict:
    """Open warnings by severity, for the dashboard and the home page (one query)."""
    qs = warning_list(user=user)
    row = qs.aggregate(
        total=Count("id"),
        critical=Count("id", filter=Q(severity="critical")),
        warning=Count("id", filter=Q(severity="warning")),
    )
    return row


# --- staff ------------------------------------------------------------------------------------


def staff_list(*, search: str = "", role: str = "", team: str = "") -> QuerySet[User]:
    """Staff members with their qualification and training figures (subqueries, no row
    multiplication): number of current qualifications, next expiry, training hours completed
    this year, required trainings overdue."""
    on = today()
    current = StaffQualification.objects.filter(user_id=OuterRef("pk"), issued_on__lte=on).filter(
        Q(expires_on__isnull=True) | Q(expires_on__gte=on)
    )
    next_expiry = current.filter(expires_on__isnull=False).order_by("expires_on").values("expires_on")[:1]
    current_count = current.order_by().values("user_id").annotate(n=Count("id")).values("n")
    year_start = on.replace(month=1, day=1)
    hours = (
        TrainingRecord.objects.filter(user_id=OuterRef("pk"), completed_on__gte=year_start)
        .order_by()
        .values("user_id")
        .annotate(h=Sum("hours"))
        .values("h")
    )
    overdue = (
        TrainingRecord.objects.filter(
            user_id=OuterRef("pk"), required=True, completed_on__isnull=True, due_on__lt=on
        )
        .order_by()
        .values("user_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    qs = User.objects.filter(role__in=WORKSPACE_ROLES, is_active=True).annotate(
        current_qualifications=Coalesce(Subquery(current_count), Value(0)),
        next_expiry=Subquery(next_expiry),
        training_hours=Coalesce(
            Subquery(hours, output_field=DecimalField(max_digits=8, decimal_places=1)),
            Value(Decimal("0")),
            output_field=DecimalField(max_digits=8, decimal_places=1),
        ),
        training_overdue=Coalesce(Subquery(overdue), Value(0)),
    )
    if search:
        qs = qs.filter(Q(full_name__icontains=search) | Q(email__icontains=search))
    if role:
        qs = qs.filter(role=role)
    if team:
        qs = qs.filter(team=team)
    return qs.order_by("full_name", "id")


def staff_detail(*, user: User) -> dict:
    on = today()
    qualifications = list(StaffQualification.objects.filter(user=user).order_by("kind", "-issued_on"))
    for q in qualifications:
        q.current = q.is_current(on)
        q.expiring = q.expires_on is not None and on <= q.expires_on <= on + datetime.timedelta(days=60)
    training = list(TrainingRecord.objects.filter(user=user).order_by("-due_on", "-id"))
    for t in training:
        t.overdue = t.required and t.completed_on is None and t.due_on < on
    return {
        "qualifications": qualifications,
        "training": training,
        "hours_total": sum((t.hours for t in training if t.completed_on), Decimal("0")),
    }


def staff_violations(*, user: User) -> list | None:
    """Conduct violation cases against the staff member (complaints app), or None when the
    complaints app has no violation cases yet."""
    from .indicators import violation_model

    model = violation_model()
    if model is None:
        return None
    names = {f.name for f in model._meta.get_fields()}
    person = next((n for n in ("staff_member", "subject_user", "staff", "user") if n in names), None)
    if person is None:
        return None
    return list(model.objects.filter(**{person: user}).order_by("-opened_at")[:100])


# --- improvement actions ----------------------------------------------------------------------


def action_list(
    *, user: User, status: str = "", link_type: str = "", owner_id: int | None = None, open_only: bool = False
) -> QuerySet[ImprovementAction]:
    qs = ImprovementAction.objects.select_related("owner", "checked_by")
    if not can(user, "oversight.add_action"):
        qs = qs.filter(owner=user)
    elif owner_id:
        qs = qs.filter(owner_id=owner_id)
    if status:
        qs = qs.filter(status=status)
    if link_type:
        qs = qs.filter(link_type=link_type)
    if open_only:
        qs = qs.exclude(status=ActionStatus.CLOSED)
    return qs.order_by("due_on", "id")


def action_link_url(action: ImprovementAction) -> str:
    from django.urls import NoReverseMatch, reverse

    names = {
        "indicator": "oversight:indicator_detail",
        "complaint": "complaints:detail",
        "violation": "complaints:violation_detail",
    }
    try:
        return reverse(names[action.link_type], args=[action.link_ref])
    except (NoReverseMatch, KeyError):
        return ""


def action_link_label(action: ImprovementAction) -> str:
    if action.link_type == "indicator":
        ind = BY_CODE.get(action.link_ref)
        return str(ind.label) if ind else action.link_ref
    return f"{action.get_link_type_display()} #{action.link_ref}"


def action_list_all_open() -> QuerySet[ImprovementAction]:
    """Every open improvement action (for the firm-wide monthly report)."""
    return (
        ImprovementAction.objects.select_related("owner")
        .exclude(status=ActionStatus.CLOSED)
        .order_by("due_on", "id")
    )
