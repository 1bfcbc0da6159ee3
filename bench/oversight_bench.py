"""Benchmark: the quality dashboard and the risk warnings sweep at firm scale (issue 7).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_oversight .venv/bin/python bench/oversight_bench.py

Creates (once; reused on later runs) 100,000 clients, 200,000 complaints, 100,000 onboarding
cases, ~80,000 answered surveys, 2,000 violation cases, 1,000,000 audit entries and staff with
training records, all with `INSERT ... SELECT generate_series` (seconds, not minutes). Then it
times the dashboard page (GET /app/oversight/ as a supervisor, the whole request through the
middleware stack), the indicators API and the warnings sweep, and prints medians.
Options: --runs N (default 15), --rebuild (drop the data and create it again).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advisory.settings.dev")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, models, reset_queries  # noqa: E402
from django.test import Client as HttpClient  # noqa: E402

N_CLIENTS = 100_000
N_COMPLAINTS = 200_000
N_AUDIT = 1_000_000
N_ADVISORS = 50


def _literal(field: models.Field):
    value = field.get_default()
    return field.get_db_prep_save(value, connection)


def insert_series(model: type[models.Model], n: int, overrides: dict[str, str], *, source: str = "") -> int:
    """INSERT INTO <table> SELECT ... FROM generate_series(1, n) g — every NOT NULL column gets
    its override expression, its Django default, '' for blank text, or now() for timestamps."""
    cols, exprs, params = [], [], []
    for f in model._meta.concrete_fields:
        if f.primary_key and f.column not in overrides:
            continue
        col = f.column
        if col in overrides:
            cols.append(col)
            exprs.append(overrides[col].replace("%", "%%"))
        elif f.null:
            continue
        elif f.has_default():
            cols.append(col)
            exprs.append("%s")
            params.append(_literal(f))
        elif isinstance(f, models.DateTimeField):
            cols.append(col)
            exprs.append("now()")
        elif isinstance(f, (models.CharField, models.TextField)) and f.blank:
            cols.append(col)
            exprs.append("''")
        else:
            raise SystemExit(f"no value for {model._meta.label}.{col}")
    sql = (
        f'INSERT INTO "{model._meta.db_table}" ({", ".join(chr(34) + c + chr(34) for c in cols)}) '
        f"SELECT {', '.join(exprs)} FROM {(source or f'generate_series(1, {n}) g').replace('%', '%%')}"
    )
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.rowcount


def build(rebuild: bool) -> None:
    from advisory.models import RiskWarning, User
    from advisory.oversight.models import TrainingRecord
    from audit.models import AuditChainHead, AuditEntry
    from clients.models import Client, OnboardingCase
    from complaints.models import Complaint, SatisfactionSurvey, SLAPolicy, ViolationCase

    call_command("migrate", verbosity=0)
    if Client.objects.filter(file_number__startswith="BN-").exists() and not rebuild:
        print("data present (use --rebuild to recreate)")
        return
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        # bench data only: the audit tables refuse TRUNCATE (audit/protection.py); as the database
        # superuser, switch the protection triggers off for this session while the data is rebuilt
        cur.execute("SET session_replication_role = replica")
        for model in (
            SatisfactionSurvey,
            ViolationCase,
            Complaint,
            OnboardingCase,
            TrainingRecord,
            RiskWarning,
        ):
            cur.execute(f'TRUNCATE "{model._meta.db_table}" CASCADE')
        cur.execute(f'TRUNCATE "{Client._meta.db_table}" CASCADE')
        cur.execute(f'TRUNCATE "{AuditEntry._meta.db_table}"')
    # staff: advisors in 5 teams, one supervisor, one compliance officer
    staff = []
    for i in range(N_ADVISORS):
        u, _ = User.objects.get_or_create(
            email=f"bench-advisor{i}@bench.test",
            defaults={"full_name": f"Bench Advisor {i}", "role": "advisor", "team": f"Team {i % 5}"},
        )
        staff.append(u)
    sup, _ = User.objects.get_or_create(
        email="bench-supervisor@bench.test", defaults={"full_name": "Bench Supervisor", "role": "supervisor"}
    )
    User.objects.get_or_create(
        email="bench-compliance@bench.test", defaults={"full_name": "Bench Compliance", "role": "compliance"}
    )
    a0 = min(u.pk for u in staff)
    policy, _ = SLAPolicy.objects.get_or_create(name="Bench policy", defaults={"is_default": False})
    statuses = "(ARRAY['active','active','active','active','active','active','active','ended','onboarding','prospect'])"
    insert_series(
        Client,
        N_CLIENTS,
        {
            "file_number": "'BN-' || lpad(g::text, 9, '0')",
            "name": "'Bench client ' || g",
            "advisor_id": f"{a0} + (g % {N_ADVISORS})",
            "status": f"{statuses}[1 + g % 10]",
            "relationship_started_on": "(current_date - (g % 1500) * interval '1 day')::date",
            "relationship_ended_on": "CASE WHEN g % 10 = 7 THEN (current_date - (g % 300) * interval '1 day')::date END",
        },
    )
    c0 = Client.objects.filter(file_number__startswith="BN-").aggregate(m=models.Min("id"))["m"]
    print(f"clients: {time.perf_counter() - t0:.1f}s")
    # complaints over 15 months; 95% resolved, the rest open (most of those overdue)
    recv = "(now() - ((g % 450) * interval '1 day') - ((g % 9) * interval '1 hour'))"
    insert_series(
        Complaint,
        N_COMPLAINTS,
        {
            "number": "'BN-' || lpad(g::text, 9, '0')",
            "client_id": f"{c0} + (g % {N_CLIENTS})",
            "channel": "(ARRAY['portal','phone','email','in_person','letter','app_social'])[1 + g % 6]",
            "category": "(ARRAY['service_attitude','fees','mis_selling','other'])[1 + g % 4]",
            "priority": "(ARRAY['low','normal','normal','high','urgent'])[1 + g % 5]",
            "subject": "'Bench complaint ' || g",
            "description": "'x'",
            "state": "CASE WHEN g % 20 = 0 THEN 'investigating' WHEN g % 3 = 0 THEN 'resolved' ELSE 'closed' END",
            "assignee_id": f"{a0} + (g % {N_ADVISORS})",
            "policy_id": str(policy.pk),
            "received_at": recv,
            "ack_due_at": f"{recv} + interval '3 days'",
            "acknowledged_at": f"{recv} + ((g % 60) * interval '1 hour')",
            "first_response_at": f"{recv} + ((g % 60) * interval '1 hour')",
            "resolved_at": f"CASE WHEN g % 20 = 0 THEN NULL ELSE {recv} + ((g % 25) * interval '1 day') END",
            "closed_at": f"CASE WHEN g % 20 = 0 OR g % 3 = 0 THEN NULL ELSE {recv} + ((g % 25 + 5) * interval '1 day') END",
            "resolve_due_at": f"{recv} + interval '14 days'",
            "warn_at": f"{recv} + interval '10 days'",
            "compliance_at": f"{recv} + interval '21 days'",
            "next_escalation_at": f"CASE WHEN g % 20 = 0 THEN {recv} + interval '10 days' END",
            "ack_breached": "(g % 60) > 40",
            "resolution_breached": "(g % 25) > 14",
        },
    )
    print(f"complaints: {time.perf_counter() - t0:.1f}s")
    cmin = Complaint.objects.filter(number__startswith="BN-").aggregate(m=models.Min("id"))["m"]
    insert_series(
        SatisfactionSurvey,
        0,
        {
            "complaint_id": "c.id",
            "client_id": "c.client_id",
            "sent_at": "c.resolved_at",
            "answered_at": "c.resolved_at + interval '2 days'",
            "csat": "1 + (c.id % 5)",
            "nps": "c.id % 11",
        },
        source=f'"{Complaint._meta.db_table}" c WHERE c.resolved_at IS NOT NULL AND c.id % 5 <> 0',
    )
    insert_series(
        ViolationCase,
        0,
        {
            "complaint_id": "c.id",
            "client_id": "c.client_id",
            "staff_member_id": "c.assignee_id",
            "summary": "'bench'",
            "opened_by_id": str(sup.pk),
            "opened_at": "c.received_at + interval '3 days'",
        },
        source=f'"{Complaint._meta.db_table}" c WHERE c.id % 100 = {cmin % 100}',
    )
    deadline = "(now() - ((g % 400) * interval '1 day') + interval '2 days')"
    insert_series(
        OnboardingCase,
        N_CLIENTS,
        {
            "acceptance_number": "'BN-' || lpad(g::text, 9, '0')",
            "client_id": f"{c0} + g - 1",
            "step": "CASE WHEN g % 50 = 0 THEN 'initial_review' ELSE 'registered' END",
            "opened_by_id": f"{a0} + (g % {N_ADVISORS})",
            "submitted_at": f"{deadline} - interval '2 days'",
            "review_deadline": deadline,
            "reviewed_at": f"CASE WHEN g % 50 = 0 THEN NULL ELSE {deadline} + ((g % 7 - 5) * interval '1 day') END",
        },
    )
    print(f"surveys, violations, onboarding: {time.perf_counter() - t0:.1f}s")
    insert_series(
        TrainingRecord,
        N_ADVISORS * 24,
        {
            "user_id": f"{a0} + (g % {N_ADVISORS})",
            "title": "'Course ' || g",
            "hours": "2.0",
            "required": "true",
            "due_on": "(current_date - (g % 720) * interval '1 day')::date",
            "completed_on": "CASE WHEN g % 9 = 0 THEN NULL ELSE (current_date - (g % 720 + g % 5 - 2) * interval '1 day')::date END",
        },
    )
    s0 = AuditEntry.objects.aggregate(m=models.Max("sequence"))["m"] or 0
    insert_series(
        AuditEntry,
        N_AUDIT,
        {
            "sequence": f"{s0} + g",
            "occurred_at": "now() - (g % 500) * interval '1 day'",
            "actor_id": f"{a0} + (g % {N_ADVISORS})",
            "actor_label": "'bench'",
            "action": "(ARRAY['create','update','view','transition'])[1 + g % 4]",
            "record_type": "'complaints.complaint'",
            "record_id": "(g % 200000)::text",
            "client_id": f"{c0} + (g % {N_CLIENTS})",
            "changes": "'{}'::jsonb",
            "prev_hash": "md5((g - 1)::text) || md5((g - 1)::text)",
            "hash": "md5(g::text) || md5(g::text)",
        },
    )
    with connection.cursor() as cur:
        last = s0 + N_AUDIT
        cur.execute(
            f'UPDATE "{AuditChainHead._meta.db_table}" SET sequence = {last}, '
            f"last_hash = md5('{N_AUDIT}') || md5('{N_AUDIT}') WHERE id = 1"
        )
        cur.execute("SET session_replication_role = DEFAULT")
        cur.execute("ANALYZE")
    print(f"audit entries: {time.perf_counter() - t0:.1f}s (total build)")


def timed(fn, runs: int) -> tuple[float, list[float]]:
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    return statistics.median(samples), samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database of your own.")
    settings.ALLOWED_HOSTS = ["*"]
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 600
    build(args.rebuild)

    from advisory.models import RiskWarning, User
    from advisory.oversight.services import risk_warning_sweep
    from audit.models import AuditEntry
    from clients.models import Client
    from complaints.models import Complaint

    print(
        f"rows: clients={Client.objects.count():,} complaints={Complaint.objects.count():,} "
        f"audit entries={AuditEntry.objects.count():,}"
    )
    sup = User.objects.get(email="bench-supervisor@bench.test")
    http = HttpClient()
    http.force_login(sup)
    advisor = User.objects.filter(role="advisor", email__startswith="bench-").first()

    # warnings sweep: first run (opens warnings) and steady state (nothing changes)
    RiskWarning.objects.all().delete()
    t = time.perf_counter()
    first = risk_warning_sweep()
    first_ms = (time.perf_counter() - t) * 1000
    opened = sum(r["opened"] for r in first.values())
    sweep_med, sweep_samples = timed(risk_warning_sweep, max(3, args.runs // 3))
    print(
        f"warnings sweep: first run {first_ms:.0f} ms (opened {opened:,}); steady state median {sweep_med:.0f} ms"
    )

    from advisory.oversight.services import indicator_rollup_refresh

    roll_med, _ = timed(indicator_rollup_refresh, 3)
    print(f"indicator rollup (12 months x all advisors): median {roll_med:.0f} ms")

    pages = {
        "dashboard (default: live, 3 months)": "/app/oversight/",
        "dashboard stored figures (?live=0)": "/app/oversight/?live=0",
        "dashboard 12 months": "/app/oversight/?span=12",
        f"dashboard advisor={advisor.pk}": f"/app/oversight/?advisor={advisor.pk}&span=3",
        "dashboard team": "/app/oversight/?team=Team+1",
        "indicators API": "/api/v1/oversight/indicators/",
        "drill-down complaint_rate": "/app/oversight/indicators/complaint_rate/",
        "warnings list": "/app/oversight/warnings/",
    }
    for label, url in pages.items():
        assert http.get(url).status_code == 200, url  # warm-up
        seen: list[str] = []

        def count(execute, sql, params, many, context, seen=seen):
            seen.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            http.get(url)
        med, samples = timed(lambda url=url: http.get(url), args.runs)
        print(
            f"{label:<34} median {med:7.1f} ms  min {min(samples):7.1f}  max {max(samples):7.1f}  "
            f"queries {len(seen)}"
        )
    reset_queries()


if __name__ == "__main__":
    main()
