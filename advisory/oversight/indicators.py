"""The quality indicators of the dashboard (SPEC §6), each with its exact formula.

Every indicator is computed per calendar month (firm time zone) by ONE aggregate query over a
12-month window (`monthly()` → {month: (numerator, denominator)}); the value of a period of N
months is Σ numerator / Σ denominator over its months (× 100 for percentages). So the page costs
a fixed number of queries whatever the amount of data, and the trend and the value agree.

Rules that hold for every ratio indicator: an empty period or a zero denominator gives `None`
(shown as "—", status grey); counts give 0 for an empty period.

Sources are looked up lazily (`django.apps.apps.get_model`) because the oversight package reads
the business apps without them depending on it; an indicator whose source tables do not exist
reports `available = False` ("no data source yet").
"""

from __future__ import annotations

import calendar
import contextlib
import dataclasses
import datetime
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from advisory.clock import today

from .models import Direction

RUNNING = ("received", "acknowledged", "investigating")
HOUR = 3600.0
DAY = 86400.0


# --- periods and filters ---------------------------------------------------------------------


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def add_months(day: datetime.date, n: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_end(day: datetime.date) -> datetime.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


SPANS = (1, 3, 6, 12)


@dataclass(frozen=True)
class Filters:
    """What the dashboard is asked: the period is the `span` months ending with `end_month`;
    the trend is the 12 months ending with `end_month`."""

    end_month: datetime.date
    span: int = 3
    advisor_id: int | None = None
    team: str = ""
    # read only the rows placed on or after this month (the live part of a window whose earlier
    # months are kept, see `live_buckets`); the buckets stay those of the whole window
    since: datetime.date | None = None

    @property
    def months(self) -> list[datetime.date]:
        return [add_months(self.end_month, -i) for i in range(11, -1, -1)]

    @property
    def period_months(self) -> list[datetime.date]:
        return self.months[-self.span :]

    @property
    def period_start(self) -> datetime.date:
        return self.period_months[0]

    @property
    def period_end(self) -> datetime.date:
        return month_end(self.end_month)

    @property
    def window_start(self) -> datetime.date:
        return max(self.months[0], self.since) if self.since else self.months[0]

    @property
    def window_stop(self) -> datetime.date:
        """First day after the window (exclusive bound)."""
        return add_months(self.end_month, 1)

    def aware(self, day: datetime.date) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))

    @classmethod
    def parse(cls, params, *, default_span: int = 3) -> Filters:
        """From a query dict: month=YYYY-MM, span=1|3|6|12, advisor=<id>, team=<name>.
        Bad values fall back to the defaults (a filter never causes an error page)."""
        end = month_start(today())
        raw = (params.get("month") or "").strip()
        if raw:
            with contextlib.suppress(ValueError):
                end = datetime.datetime.strptime(raw, "%Y-%m").date()
        try:
            span = int(params.get("span") or default_span)
        except ValueError:
            span = default_span
        if span not in SPANS:
            span = default_span
        try:
            advisor_id = int(params.get("advisor")) if params.get("advisor") else None
        except ValueError:
            advisor_id = None
        return cls(end_month=end, span=span, advisor_id=advisor_id, team=(params.get("team") or "").strip())


# --- results ----------------------------------------------------------------------------------


@dataclass
class Result:
    indicator: Indicator
    available: bool
    value: float | None = None
    trend: list[float | None] = field(default_factory=list)
    numerator: float = 0
    denominator: float = 0


RAG_LABELS = {
    "green": _("on target"),
    "amber": _("close to target"),
    "red": _("off target"),
    "grey": _("no data"),
}


def rag_status(value: float | None, *, target: Decimal | float, direction: str, band: Decimal | float) -> str:
    """green: meets the target; amber: misses it by at most `band`; red: misses by more;
    grey: no value."""
    if value is None:
        return "grey"
    gap = (value - float(target)) if direction == Direction.HIGHER else (float(target) - value)
    gap = round(gap, 9)  # 3.9 − 4.2 must be exactly −0.3, not −0.30000000000000027
    if gap >= 0:
        return "green"
    if gap >= -float(band):
        return "amber"
    return "red"


# --- helpers ----------------------------------------------------------------------------------


def _model(label: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def _fields(model: type[models.Model] | None) -> set[str]:
    if model is None:
        return set()
    return {f.name for f in model._meta.get_fields()}


def _is_datetime(model: type[models.Model], name: str) -> bool:
    return isinstance(model._meta.get_field(name), models.DateTimeField)


def _as_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


class MonthBucket(models.Func):
    """The month of the window a timestamp falls in, 1..12 (0 before, 13 after), on PostgreSQL
    `width_bucket(ts, ARRAY[13 month starts])` — a binary search per row, much cheaper than
    converting every row to the firm's time zone for DATE_TRUNC. Other databases use TruncMonth."""

    function = "width_bucket"
    output_field = models.IntegerField()

    def __init__(self, expression, bounds: list, **extra):
        self.bounds = bounds
        super().__init__(expression, **extra)

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        cast = "date" if all(type(b) is datetime.date for b in self.bounds) else "timestamptz"
        marks = ", ".join(["%s"] * len(self.bounds))
        return f"width_bucket({sql}, ARRAY[{marks}]::{cast}[])", (*params, *self.bounds)


def _with_condition(expr, condition: Q):
    """A copy of an aggregate expression (or an arithmetic of aggregates) whose aggregates also
    filter on `condition` — to fold an indicator's own WHERE into a shared query."""
    if not condition:
        return expr
    if isinstance(expr, models.Aggregate):
        clone = expr.copy()
        clone.filter = (clone.filter & condition) if clone.filter is not None else condition
        return clone
    clone = expr.copy()
    clone.set_source_expressions([_with_condition(e, condition) for e in expr.get_source_expressions()])
    return clone


class Indicator:
    """One indicator. Subclasses set the class attributes and implement `source()`/`monthly()`."""

    code: str = ""
    label = ""
    unit = ""  # "%", "h", "d", "/5", "" (count), "per 100"
    decimals = 1
    percent = False  # value = Σnum / Σden × 100
    is_count = False  # value = Σnum; empty period → 0
    default_target: Decimal = Decimal("0")
    direction: str = Direction.HIGHER
    default_amber: Decimal = Decimal("0")
    formula = ""  # how the figure is computed (shown as a tooltip)
    explanation = ""  # one sentence in plain words (shown under the indicator)
    # Indicators with the same `fuse` key read the same rows placed by the same date field: the
    # live dashboard computes them in ONE grouped query (`live_buckets`), each aggregate also
    # filtered by the indicator's own `condition()`.
    fuse: str = ""

    def condition(self) -> Q:
        """The indicator's own restriction of the shared rows of its `fuse` group."""
        return Q()

    # the query set of the records behind the number, and the date field that places them in a month
    def source(self) -> tuple[models.QuerySet, str, str] | None:
        """(queryset, date field, advisor path) or None when the source does not exist yet."""
        return None

    def available(self) -> bool:
        return self.source() is not None

    def base_source(self) -> tuple[models.QuerySet, str, str] | None:
        """The rows of the indicator's `fuse` group, before its own `condition()`."""
        return self.source()

    def scoped(self, f: Filters, *, window: bool = True) -> models.QuerySet | None:
        src = self.source()
        if src is None:
            return None
        return self.scope_queryset(*src, f, window=window)

    def scope_queryset(
        self, qs: models.QuerySet, date_field: str, advisor_path: str, f: Filters, *, window: bool = True
    ) -> models.QuerySet:
        """`qs` narrowed to the window (or the period) and to the advisor or team asked for."""
        model = qs.model
        start = f.window_start if window else f.period_start
        stop = f.window_stop
        if _is_datetime(model, date_field.split("__")[0]) and "__" not in date_field:
            start, stop = f.aware(start), f.aware(stop)
        qs = qs.filter(**{f"{date_field}__gte": start, f"{date_field}__lt": stop})
        if f.advisor_id:
            qs = qs.filter(**{f"{advisor_path}_id": f.advisor_id})
        if f.team:
            qs = qs.filter(**{f"{advisor_path}__team": f.team})
        return qs

    def aggregates(self) -> dict:
        """{num: expr, den: expr} for the monthly GROUP BY."""
        return {"num": Count("pk"), "den": Count("pk")}

    def monthly(self, f: Filters) -> dict[datetime.date, tuple[float, float]]:
        qs = self.scoped(f)
        if qs is None:
            return {}
        return _grouped(qs, self.source()[1], f, {"": self.aggregates()})[""]

    def finish(self, f: Filters, buckets: dict) -> dict:
        """Complete the buckets of a fused query (an indicator with a second source adds it)."""
        return buckets

    def combine(self, num: float, den: float) -> float | None:
        if self.is_count:
            return num
        if not den:
            return None
        return num / den * (100 if self.percent else 1)

    def monthly_by_advisor(self, f: Filters) -> dict[tuple[datetime.date, int | None], tuple[float, float]]:
        """The same aggregates as `monthly`, for the whole firm, grouped by month and advisor
        (for the snapshot rollup). One query."""
        src = self.source()
        if src is None:
            return {}
        qs = self.scoped(Filters(end_month=f.end_month, span=f.span))
        rows = (
            qs.annotate(_m=TruncMonth(src[1]), _a=F(f"{src[2]}_id"))
            .values("_m", "_a")
            .annotate(**self.aggregates())
            .order_by()
        )
        return {(_as_date(r["_m"]), r["_a"]): (_f(r["num"]), _f(r["den"])) for r in rows}

    def compute(self, f: Filters, buckets: dict | None = None) -> Result:
        """Value and trend, from live queries or from precomputed monthly `buckets`."""
        if not self.available():
            return Result(self, available=False, trend=[None] * 12)
        if buckets is None:
            buckets = self.monthly(f)
        trend = [self.combine(*buckets.get(m, (0, 0))) for m in f.months]
        num = sum(buckets.get(m, (0, 0))[0] for m in f.period_months)
        den = sum(buckets.get(m, (0, 0))[1] for m in f.period_months)
        return Result(
            self, available=True, value=self.combine(num, den), trend=trend, numerator=num, denominator=den
        )

    def records(self, f: Filters) -> models.QuerySet | None:
        """The records behind the period's number (drill-down)."""
        return self.scoped(f, window=False)

    def describe(self, obj: models.Model) -> dict:
        """One drill-down row: label, link, date, figure."""
        url = obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else ""
        return {"label": str(obj), "url": url, "date": getattr(obj, self.source()[1], None), "figure": ""}


def _url(name: str, pk) -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return ""


def _f(value) -> float:
    if value is None:
        return 0.0
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    return float(value)


def _grouped(qs, date_field: str, f: Filters, aggregates: dict[str, dict]) -> dict[str, dict]:
    """One GROUP BY month query for several aggregate sets {key: {"num": expr, "den": expr}}:
    {key: {month: (num, den)}}."""
    from django.db import connection

    flat = {f"{key}__{name}": expr for key, pair in aggregates.items() for name, expr in pair.items()}
    if connection.vendor == "postgresql":
        model = qs.model
        bounds = [*f.months, f.window_stop]
        if _is_datetime(model, date_field.split("__")[0]) and "__" not in date_field:
            bounds = [f.aware(d) for d in bounds]
        bucket = MonthBucket(F(date_field), bounds)
        rows = qs.annotate(_b=bucket).values("_b").annotate(**flat).order_by()
        month_of = {i + 1: m for i, m in enumerate(f.months)}
        keyed = ((month_of.get(r["_b"]), r) for r in rows)
    else:
        rows = qs.annotate(_m=TruncMonth(date_field)).values("_m").annotate(**flat).order_by()
        keyed = ((_as_date(r["_m"]), r) for r in rows)
    out: dict[str, dict] = {key: {} for key in aggregates}
    for month, r in keyed:
        if month is None:
            continue
        for key in aggregates:
            out[key][month] = (_f(r[f"{key}__num"]), _f(r[f"{key}__den"]))
    return out


def settled_seconds() -> int:
    """How long the figures of the months before the current one are kept (0 = never)."""
    return int(getattr(settings, "OVERSIGHT_SETTLED_MONTHS_SECONDS", 0))


def _cache_key(kind: str, f: Filters, current: datetime.date) -> str:
    scope = hashlib.sha256(f"{f.advisor_id or ''}|{f.team}".encode()).hexdigest()[:16]
    return f"oversight:v1:{kind}:{f.end_month:%Y-%m}:{current:%Y-%m}:{scope}"


def _query_units(indicators: list[Indicator]) -> dict[str, list[Indicator]]:
    """The queries of the live dashboard: a `fuse` group (one grouped query) or one indicator."""
    units: dict[str, list[Indicator]] = {}
    for ind in indicators:
        if ind.available():
            units.setdefault(ind.fuse or f"_{ind.code}", []).append(ind)
    return units


def _unit_buckets(members: list[Indicator], f: Filters) -> dict[str, dict]:
    """{code: {month: (num, den)}} of one query unit, over `f`'s window (from `f.since`)."""
    lead = members[0]
    if not lead.fuse:
        return {lead.code: lead.monthly(f)}
    qs, date_field, advisor_path = lead.base_source()
    qs = lead.scope_queryset(qs, date_field, advisor_path, f)
    sets = {
        ind.code: {k: _with_condition(v, ind.condition()) for k, v in ind.aggregates().items()}
        for ind in members
    }
    return {
        code: BY_CODE[code].finish(f, buckets) for code, buckets in _grouped(qs, date_field, f, sets).items()
    }


def live_buckets(f: Filters, indicators: list[Indicator] | None = None) -> dict[str, dict]:
    """{code: {month: (num, den)}} for every available indicator, computed live. Indicators that
    share a `fuse` key are computed together in one grouped query; the others one query each.

    The months before the current one are settled: they move only through late events (a late
    resolution, a survey answered weeks after it was sent, a deadline passing), so their buckets
    are kept for `OVERSIGHT_SETTLED_MONTHS_SECONDS` (per query, window and advisor or team) and
    only the rows of the current month are read on every request — a narrow range instead of the
    twelve months of complaints. The first request after they expire reads the whole window."""
    indicators = INDICATORS if indicators is None else indicators
    ttl = settled_seconds()
    current = month_start(today())
    settled = [m for m in f.months if m < current]
    out: dict[str, dict] = {}
    for unit, members in _query_units(indicators).items():
        key = _cache_key(unit, f, current) if ttl and settled else ""
        kept = cache.get(key) if key else None
        if kept is None:
            fresh = _unit_buckets(members, f)
            if key:
                cache.set(
                    key, {c: {m: v for m, v in b.items() if m < current} for c, b in fresh.items()}, ttl
                )
            out.update(fresh)
            continue
        if len(settled) == len(f.months):  # a window wholly in the past
            out.update(kept)
            continue
        live = _unit_buckets(members, dataclasses.replace(f, since=current))
        for code, buckets in live.items():
            merged = dict(kept.get(code, {}))
            merged.update({m: v for m, v in buckets.items() if m >= current})
            out[code] = merged
    return out


# --- complaints sources -----------------------------------------------------------------------


def complaint_model():
    model = _model("complaints.Complaint")
    return model if model is not None and {"client", "received_at"} <= _fields(model) else None


def survey_model():
    model = _model("complaints.SatisfactionSurvey")
    return model if model is not None and {"client", "answered_at"} <= _fields(model) else None


def violation_model():
    model = _model("complaints.ViolationCase")
    return model if model is not None and {"opened_at", "staff_member"} <= _fields(model) else None


class _ComplaintIndicator(Indicator):
    date_field = "received_at"
    advisor_path = "client__advisor"
    needs: tuple[str, ...] = ()

    def source(self):
        model = complaint_model()
        if model is None or not set(self.needs) <= _fields(model):
            return None
        return model.objects.select_related("client"), self.date_field, self.advisor_path

    def describe(self, obj):
        figure = obj.get_state_display()
        if self.date_field != "received_at" and getattr(obj, self.date_field, None):
            delta = getattr(obj, self.date_field) - obj.received_at
            figure = f"{figure} · {delta.total_seconds() / HOUR:,.1f} h"
        return {
            "label": f"{obj.number} {obj.subject} — {obj.client.name}",
            "url": _url("complaints:detail", obj.pk),
            "date": getattr(obj, self.date_field),
            "figure": figure,
        }


class _SurveyIndicator(Indicator):
    """Surveys of all clients (after complaints, accepted proposals, reviews, return visits and
    the yearly survey). `complainants_only` narrows to the surveys sent after a complaint."""

    complainants_only = False
    fuse = "surveys_answered"

    def condition(self) -> Q:
        return Q(complaint__isnull=False) if self.complainants_only else Q()

    def base_source(self):
        model = survey_model()
        if model is None:
            return None
        return model.objects.select_related("complaint", "client"), "answered_at", "client__advisor"

    def source(self):
        src = self.base_source()
        if src is None:
            return None
        condition = self.condition()
        return (src[0].filter(condition) if condition else src[0]), *src[1:]

    def describe(self, obj):
        trigger = obj.get_trigger_display() if hasattr(obj, "get_trigger_display") else ""
        if obj.complaint_id:
            label, url = (
                f"{obj.complaint.number} — {obj.client.name}",
                _url("complaints:detail", obj.complaint_id),
            )
        else:
            label, url = f"{trigger} — {obj.client.name}", _url("clients:detail", obj.client_id)
        return {
            "label": label,
            "url": url,
            "date": obj.answered_at,
            "figure": f"CSAT {obj.csat if obj.csat is not None else '—'} · NPS {obj.nps if obj.nps is not None else '—'}",
        }


class CSAT(_SurveyIndicator):
    """CSAT (all clients): the mean satisfaction score (1–5) of the surveys answered in the
    period (Σ csat / number of answered surveys with a CSAT score). No answers → None."""

    code = "csat"
    label = _("Customer satisfaction (CSAT), all clients")
    unit = "/5"
    decimals = 2
    default_target = Decimal("4.2")
    default_amber = Decimal("0.3")
    formula = _("sum of satisfaction scores (1–5) ÷ answered surveys")
    explanation = _("How satisfied clients say they are with our service, on average, on a scale of 1 to 5.")

    def aggregates(self):
        return {"num": Sum("csat"), "den": Count("csat")}


class NPS(_SurveyIndicator):
    """NPS (all clients): % promoters (NPS 9–10) − % detractors (0–6) among surveys answered in
    the period with an NPS answer, from −100 to +100. No answers → None."""

    code = "nps"
    label = _("Net promoter score (NPS), all clients")
    unit = ""
    decimals = 0
    percent = True
    default_target = Decimal("30")
    default_amber = Decimal("10")
    formula = _("(promoters, 9–10 − detractors, 0–6) ÷ recommendation answers × 100")
    explanation = _(
        "How many more clients would recommend us than would advise against us, from −100 to +100."
    )

    def aggregates(self):
        return {
            "num": Count("pk", filter=Q(nps__gte=9)) - Count("pk", filter=Q(nps__lte=6)),
            "den": Count("nps"),
        }


class ComplainantCSAT(CSAT):
    """CSAT of complainants: as CSAT, over the surveys sent after a complaint closed."""

    code = "csat_complainants"
    label = _("Customer satisfaction (CSAT), complainants")
    complainants_only = True
    default_target = Decimal("4.0")
    formula = _("sum of satisfaction scores (1–5) ÷ answered complaint surveys")
    explanation = _(
        "How satisfied clients who complained are with how we handled it, on average, on a scale of 1 to 5."
    )


class ComplainantNPS(NPS):
    """NPS of complainants: as NPS, over the surveys sent after a complaint closed."""

    code = "nps_complainants"
    label = _("Net promoter score (NPS), complainants")
    complainants_only = True
    default_target = Decimal("0")
    formula = _("(promoters − detractors) ÷ recommendation answers of complaint surveys × 100")
    explanation = _("Whether clients who complained would still recommend us, from −100 to +100.")


class SurveyResponseRate(_SurveyIndicator):
    """Survey response rate: of the surveys sent in the period (placed in the month sent), the
    share answered by now, in %. No survey sent → None."""

    code = "survey_response_rate"
    label = _("Survey response rate")
    unit = "%"
    percent = True
    default_target = Decimal("40")
    default_amber = Decimal("10")
    formula = _("surveys sent and answered ÷ surveys sent × 100")
    explanation = _("The share of satisfaction surveys that clients answered.")
    fuse = ""  # placed by the month sent: a query of its own

    def source(self):
        src = super().source()
        return (src[0], "sent_at", src[2]) if src else None

    def aggregates(self):
        return {"num": Count("pk", filter=Q(answered_at__isnull=False)), "den": Count("pk")}


class FirstResponse(_ComplaintIndicator):
    """First-response time: mean elapsed (wall-clock) hours from receipt to the first response to
    the client (`first_response_at`: the acknowledgement or first reply, whichever came first),
    over the complaints first answered in the period (placed in that month). Rows whose response
    is stamped before receipt are data errors and left out. None without any."""

    code = "first_response"
    label = _("First-response time")
    unit = "h"
    date_field = "first_response_at"
    needs = ("first_response_at",)
    direction = Direction.LOWER
    default_target = Decimal("24")
    default_amber = Decimal("8")
    formula = _("sum of (first response − received) ÷ complaints answered, in hours")
    explanation = _("How long, on average, a client waits for our first answer to a complaint.")

    def source(self):
        src = super().source()
        # a response stamped before receipt is a data error, not a fast answer: left out
        return (src[0].filter(first_response_at__gte=F("received_at")), *src[1:]) if src else None

    def aggregates(self):
        delta = ExpressionWrapper(F("first_response_at") - F("received_at"), output_field=DurationField())
        return {"num": Sum(delta), "den": Count("pk")}

    def combine(self, num, den):
        return None if not den else num / den / HOUR


class HandlingTime(_ComplaintIndicator):
    """Handling time: mean elapsed days from receipt to resolution of the complaints resolved in
    the period (placed in the month of resolution; resolutions stamped before receipt are left
    out as data errors). None without any."""

    code = "handling_time"
    label = _("Handling time")
    unit = "d"
    date_field = "resolved_at"
    needs = ("resolved_at",)
    direction = Direction.LOWER
    default_target = Decimal("10")
    default_amber = Decimal("3")
    formula = _("sum of (resolved − received) ÷ resolved complaints, in days")
    explanation = _("How long, on average, it takes to resolve a complaint.")

    def source(self):
        src = super().source()
        return (src[0].filter(resolved_at__gte=F("received_at")), *src[1:]) if src else None

    def aggregates(self):
        delta = ExpressionWrapper(F("resolved_at") - F("received_at"), output_field=DurationField())
        return {"num": Sum(delta), "den": Count("pk")}

    def combine(self, num, den):
        return None if not den else num / den / DAY


class ComplaintRate(_ComplaintIndicator):
    """Complaint rate: complaints received per 100 active clients per month. A client is active in
    a month when its relationship started on or before the month's last day (the creation date
    when no start is recorded), it has not ended before the month's first day, and it is not a
    prospect. Over N months: Σ complaints ÷ Σ monthly active clients × 100. No active clients → None.
    Two queries: complaints per month, and active clients per month (conditional counts)."""

    fuse = "complaints_received"
    code = "complaint_rate"
    label = _("Complaint rate (per 100 active clients)")
    unit = ""
    decimals = 2
    percent = True
    direction = Direction.LOWER
    default_target = Decimal("5")
    default_amber = Decimal("2")
    formula = _("complaints received ÷ active clients in the month × 100")
    explanation = _("How many complaints we receive for every 100 active clients.")

    def aggregates(self):
        return {"num": Count("pk"), "den": Count("pk")}

    def monthly(self, f):
        return self.finish(f, super().monthly(f))

    def finish(self, f, buckets):
        """The complaints counted with the other received-complaint indicators, over the active
        clients of each month (a second query)."""
        active = active_clients_by_month(f)
        return {m: (buckets.get(m, (0, 0))[0], active.get(m, 0)) for m in f.months}

    def monthly_by_advisor(self, f):
        complaints = super().monthly_by_advisor(f)
        active = active_clients_by_month_and_advisor(f)
        keys = set(complaints) | set(active)
        return {k: (complaints.get(k, (0, 0))[0], active.get(k, 0)) for k in keys}


def _active_clients(f: Filters):
    from django.db.models.functions import Coalesce, TruncDate

    client = _model("clients.Client")
    if client is None:
        return None, {}
    qs = client.objects.exclude(status__in=["prospect", "onboarding"]).annotate(
        _start=Coalesce("relationship_started_on", TruncDate("created_at"))
    )
    aggregates = {
        f"m{i}": Count(
            "pk",
            filter=Q(_start__lte=month_end(m))
            & (Q(relationship_ended_on__isnull=True) | Q(relationship_ended_on__gte=m)),
        )
        for i, m in enumerate(f.months)
    }
    return qs, aggregates


def active_clients_by_month(f: Filters) -> dict[datetime.date, int]:
    """For each month of the window, the number of clients active in that month: one query over
    every client, so the counts are kept like settled months (`settled_seconds()`) — clients
    start and end far more rarely than the dashboard is opened."""
    ttl = settled_seconds()
    key = _cache_key("active_clients", f, month_start(today())) if ttl else ""
    counts = cache.get(key) if key else None
    if counts is None:
        counts = _count_active_clients(f)
        if key:
            cache.set(key, counts, ttl)
    return counts


def _count_active_clients(f: Filters) -> dict[datetime.date, int]:
    qs, aggregates = _active_clients(f)
    if qs is None:
        return {}
    if f.advisor_id:
        qs = qs.filter(advisor_id=f.advisor_id)
    if f.team:
        qs = qs.filter(advisor__team=f.team)
    from django.db import connection

    if connection.vendor != "postgresql":
        row = qs.aggregate(**aggregates)
        return {m: row[f"m{i}"] or 0 for i, m in enumerate(f.months)}
    # PostgreSQL: one pass placing each client's start and end in the window's months (0 = before,
    # 13 = after), grouped — at most 14 × 15 rows — instead of 12 conditional counts per client.
    # Active in month i (1..12): started by its last day (start bucket ≤ i) and not ended before
    # its first day (no end, or end bucket ≥ i).
    bounds = [*f.months, f.window_stop]
    rows = (
        qs.annotate(_sb=MonthBucket(F("_start"), bounds), _eb=MonthBucket(F("relationship_ended_on"), bounds))
        .values("_sb", "_eb")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = [0] * 12
    for r in rows:
        for i in range(1, 13):
            if r["_sb"] <= i and (r["_eb"] is None or r["_eb"] >= i):
                counts[i - 1] += r["n"]
    return dict(zip(f.months, counts, strict=True))


def active_clients_by_month_and_advisor(f: Filters) -> dict[tuple[datetime.date, int], int]:
    """One query: active clients per month of the window and advisor."""
    qs, aggregates = _active_clients(f)
    if qs is None:
        return {}
    out = {}
    for row in qs.values("advisor_id").annotate(**aggregates).order_by():
        for i, m in enumerate(f.months):
            if row[f"m{i}"]:
                out[(m, row["advisor_id"])] = row[f"m{i}"]
    return out


class ResolutionRate(_ComplaintIndicator):
    """Resolution rate: of the complaints received in the period, the share resolved (resolved_at
    set) by now, in %. No complaints received → None."""

    fuse = "complaints_received"
    code = "resolution_rate"
    label = _("Resolution rate")
    unit = "%"
    percent = True
    needs = ("resolved_at",)
    default_target = Decimal("90")
    default_amber = Decimal("10")
    formula = _("received complaints resolved ÷ received complaints × 100")
    explanation = _("The share of complaints received in the period that have been resolved.")

    def aggregates(self):
        return {"num": Count("pk", filter=Q(resolved_at__isnull=False)), "den": Count("pk")}


class SlaBreachRate(_ComplaintIndicator):
    """SLA breach rate: of the complaints received in the period, the share that breached an SLA —
    the acknowledgement or resolution SLA flagged as breached by the complaints app
    (`ack_breached`, `resolution_breached`), or still unresolved with the clock running and the
    resolution deadline (`resolve_due_at`) in the past — in %. No complaints → None."""

    fuse = "complaints_received"
    code = "sla_breach_rate"
    label = _("SLA breach rate")
    unit = "%"
    percent = True
    needs = ("resolved_at", "resolve_due_at", "ack_breached", "resolution_breached")
    direction = Direction.LOWER
    default_target = Decimal("5")
    default_amber = Decimal("5")
    formula = _("received complaints past a handling deadline ÷ received complaints × 100")
    explanation = _(
        "The share of complaints where we missed a promised deadline (acknowledgement or resolution)."
    )

    def aggregates(self):
        from advisory.clock import now

        breached = (
            Q(ack_breached=True)
            | Q(resolution_breached=True)
            | Q(resolved_at__isnull=True, state__in=RUNNING, resolve_due_at__lt=now())
        )
        return {"num": Count("pk", filter=breached), "den": Count("pk")}


class Violations(Indicator):
    """Compliance violations: the number of violation cases opened in the period (count; 0 when
    there are none)."""

    code = "violations"
    label = _("Compliance violations")
    is_count = True
    decimals = 0
    direction = Direction.LOWER
    default_target = Decimal("0")
    default_amber = Decimal("1")
    formula = _("violation cases opened")
    explanation = _("How many cases of staff misconduct were opened.")

    def source(self):
        model = violation_model()
        if model is None:
            return None
        return model.objects.select_related("staff_member", "complaint"), "opened_at", "staff_member"

    def describe(self, obj):
        return {
            "label": f"{obj} ({obj.complaint.number})",
            "url": _url("complaints:violation_detail", obj.pk),
            "date": obj.opened_at,
            "figure": obj.get_stage_display(),
        }


class Warnings(Indicator):
    """Risk warnings: the number of automatic risk warnings opened in the period (count; 0 when
    none). The dashboard also shows how many are open now."""

    code = "risk_warnings"
    label = _("Risk warnings raised")
    is_count = True
    decimals = 0
    direction = Direction.LOWER
    default_target = Decimal("10")
    default_amber = Decimal("5")
    formula = _("automatic risk warnings opened")
    explanation = _("How many automatic risk warnings the system raised.")

    def source(self):
        from advisory.models import RiskWarning

        return RiskWarning.objects.select_related("advisor"), "opened_at", "advisor"

    def describe(self, obj):
        return {"label": obj.text, "url": obj.url, "date": obj.opened_at, "figure": obj.get_kind_display()}


def onboarding_model():
    model = _model("clients.OnboardingCase")
    needed = {"client", "review_deadline", "reviewed_at"}
    return model if model is not None and needed <= _fields(model) else None


class OnboardingTimeliness(Indicator):
    """Onboarding timeliness: of the onboarding cases whose initial-review deadline
    (`review_deadline`) fell in the period and is decided — reviewed, or the deadline already
    passed — the share reviewed on or before the deadline, in %. No such cases → None."""

    code = "onboarding_timeliness"
    label = _("Onboarding timeliness")
    unit = "%"
    percent = True
    default_target = Decimal("95")
    default_amber = Decimal("5")
    formula = _("cases reviewed by their deadline ÷ cases due × 100")
    explanation = _("The share of new clients whose initial review was done by its deadline.")

    def source(self):
        model = onboarding_model()
        if model is None:
            return None
        from advisory.clock import now

        decided = Q(reviewed_at__isnull=False) | Q(review_deadline__lt=now())
        return model.objects.filter(decided).select_related("client"), "review_deadline", "client__advisor"

    def describe(self, obj):
        on_time = obj.reviewed_at is not None and obj.reviewed_at <= obj.review_deadline
        return {
            "label": f"{obj.acceptance_number} — {obj.client.name}",
            "url": _url("clients:onboarding_detail", obj.pk),
            "date": obj.review_deadline,
            "figure": _("on time") if on_time else _("late"),
        }

    def aggregates(self):
        return {"num": Count("pk", filter=Q(reviewed_at__lte=F("review_deadline"))), "den": Count("pk")}


class TrainingCompletion(Indicator):
    """Staff training completion: of the required training records due in the period and decided
    (completed, or the due date already passed), the share completed on or before their due
    date, in %. None when nothing was due."""

    code = "training_completion"
    label = _("Staff training completion")
    unit = "%"
    percent = True
    default_target = Decimal("90")
    default_amber = Decimal("10")
    formula = _("required trainings completed by the due date ÷ required trainings due × 100")
    explanation = _("The share of required staff trainings completed on time.")

    def source(self):
        from .models import TrainingRecord

        decided = Q(completed_on__isnull=False) | Q(due_on__lt=today())
        return TrainingRecord.objects.filter(decided, required=True).select_related("user"), "due_on", "user"

    def aggregates(self):
        return {"num": Count("pk", filter=Q(completed_on__lte=F("due_on"))), "den": Count("pk")}

    def describe(self, obj):
        from django.urls import reverse

        return {
            "label": f"{obj.title} — {obj.user}",
            "url": reverse("oversight:staff_detail", args=[obj.user_id]),
            "date": obj.due_on,
            "figure": obj.completed_on or _("not completed"),
        }


INDICATORS: list[Indicator] = [
    CSAT(),
    NPS(),
    ComplainantCSAT(),
    ComplainantNPS(),
    SurveyResponseRate(),
    FirstResponse(),
    HandlingTime(),
    ComplaintRate(),
    ResolutionRate(),
    SlaBreachRate(),
    Violations(),
    Warnings(),
    OnboardingTimeliness(),
    TrainingCompletion(),
]
BY_CODE: dict[str, Indicator] = {i.code: i for i in INDICATORS}

__all__ = ["BY_CODE", "INDICATORS", "Filters", "Indicator", "Result", "rag_status"]
