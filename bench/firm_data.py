"""Bench data for a large firm (issue 18 §4): clients, assessments, proposals, complaints, audit
entries with history rows, staff — built in PostgreSQL with INSERT … SELECT generate_series.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_firm_100k .venv/bin/python bench/firm_data.py --scale 100k
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_firm_1m   .venv/bin/python bench/firm_data.py --scale 1m

| scale | clients | assessments | proposals | complaints | audit entries | history rows | staff |
|---|---|---|---|---|---|---|---|
| 100k | 100,000 | 300,000 | 50,000 | 200,000 | 1,000,000 | one per client, assessment, proposal, complaint | 200 |
| 1m | 1,000,000 | 3,000,000 | 500,000 | 2,000,000 | 10,000,000 | same | 2,000 |

It first runs the migrations and the demo data (`seed_demo`: the demo staff and portal client with
their known passwords, the questionnaire, products and model portfolios the bench rows point to),
then adds the bulk rows. Advisors own ~500 clients each; names are Chinese with a few English ones;
dates spread over five years. The bench connects as the PostgreSQL superuser and switches the audit
protection triggers off for its own session while it loads (`session_replication_role = replica`);
the audit entries it writes carry placeholder hashes (the load test reads and writes through the
application, whose own entries are chained as usual; `audit_verify` is not meaningful on bench
data). Staff accounts: `bench-advisor<N>@bench.test` etc., password `bench-pass-2026`.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advisory.settings.dev")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, models  # noqa: E402
from oversight_bench import insert_series  # noqa: E402 - the same generate_series loader (bench/)

BENCH_PASSWORD = "bench-pass-2026"  # noqa: S105 - bench accounts only
SCALES = {
    "100k": {"clients": 100_000, "staff": 200},
    "1m": {"clients": 1_000_000, "staff": 2_000},
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红娥玲芬芳燕彬斌宇浩凯健俊帆帅旭宁龙林欣雨晨阳佳怡思琪子轩梓涵浩然"
ENGLISH = ["James Smith", "Emily Chen", "Michael Brown", "Olivia Wilson", "David Lee", "Sophie Taylor"]


def sql_literal_array(items: list[str]) -> str:
    return "ARRAY[" + ", ".join("'" + i.replace("'", "''") + "'" for i in items) + "]"


def history_of(model: type[models.Model], where: str, *, user_column: str | None = None) -> int:
    """One '+' history row per record of `model` matching `where` (SQL on alias t), copied from
    the record's own columns, dated at its creation."""
    hist = model.history.model
    base_cols = {f.column for f in model._meta.concrete_fields}
    cols, exprs = [], []
    for f in hist._meta.concrete_fields:
        col = f.column
        if col == "history_id":
            continue
        if col == "history_date":
            exprs.append("t.created_at" if "created_at" in base_cols else "now()")
        elif col == "history_type":
            exprs.append("'+'")
        elif col == "history_change_reason":
            exprs.append("'bench'")
        elif col == "history_user_id":
            exprs.append(f"t.{user_column}" if user_column else "NULL")
        elif col in base_cols:
            exprs.append(f't."{col}"')
        elif f.null:
            exprs.append("NULL")
        else:
            exprs.append("''")
        cols.append(col)
    quoted = ", ".join(f'"{c}"' for c in cols)
    sql = f'INSERT INTO "{hist._meta.db_table}" ({quoted}) SELECT {", ".join(exprs)} FROM "{model._meta.db_table}" t WHERE {where}'
    with connection.cursor() as cur:
        cur.execute(sql)
        return cur.rowcount


def build(scale: str) -> None:
    from advisory.models import User
    from clients.models import Client

    n_staff = SCALES[scale]["staff"]
    t0 = time.perf_counter()

    def done(label: str, rows: int) -> None:
        print(
            f"{label:<34} {rows:>12,} rows  {time.perf_counter() - t0:7.1f} s  load {os.getloadavg()[0]:.1f}",
            flush=True,
        )

    call_command("migrate", verbosity=0)
    if not User.objects.filter(email__startswith="bench-").exists():
        call_command("seed_demo", verbosity=0)
        done("migrate + demo data", Client.objects.count())
    with connection.cursor() as cur:
        cur.execute("SET session_replication_role = replica")
    # each step runs once: a build stopped half-way resumes at the first missing step
    if not User.objects.filter(email__startswith="bench-").exists():
        _staff(n_staff)
    _rest(scale)


def _staff(n_staff: int) -> None:
    from django.contrib.auth.hashers import make_password

    from advisory.models import User

    password = make_password(BENCH_PASSWORD)
    n_advisors = n_staff * 8 // 10
    roles = (
        ["risk_reviewer"] * (n_staff // 20)
        + ["compliance"] * (n_staff // 20)
        + ["supervisor"] * (n_staff // 10)
    )
    roles = ["advisor"] * n_advisors + roles[: n_staff - n_advisors]
    role_array = sql_literal_array(roles)
    insert_series(
        User,
        n_staff,
        {
            "email": f"'bench-' || ({role_array})[g] || g || '@bench.test'",
            "full_name": f"substr('{SURNAMES}', 1 + g % {len(SURNAMES)}, 1) || substr('{GIVEN}', 1 + (g * 7) % {len(GIVEN)}, 1) || substr('{GIVEN}', 1 + (g * 13) % {len(GIVEN)}, 1)",
            "role": f"({role_array})[g]",
            "team": "'Team ' || (g % 40)",
            "password": f"'{password}'",
            "is_active": "true",
            "is_staff": "false",
            "is_superuser": "false",
            "date_joined": "now() - (g % 1800) * interval '1 day'",
        },
    )
    print(f"staff: {n_staff}", flush=True)


def _rest(scale: str) -> None:
    from advisory.models import User
    from audit.models import AuditChainHead, AuditEntry
    from clients.models import Client
    from complaints.models import Complaint, SLAPolicy
    from planning.models import Proposal
    from risk.models import QuestionnaireVersion, RiskAssessment

    n_clients = SCALES[scale]["clients"]
    n_staff = SCALES[scale]["staff"]
    n_assess, n_prop, n_compl, n_audit = 3 * n_clients, n_clients // 2, 2 * n_clients, 10 * n_clients
    n_advisors = n_staff * 8 // 10
    t0 = time.perf_counter()

    def done(label: str, rows: int) -> None:
        print(
            f"{label:<34} {rows:>12,} rows  {time.perf_counter() - t0:7.1f} s  load {os.getloadavg()[0]:.1f}",
            flush=True,
        )

    staff = User.objects.filter(email__startswith="bench-")
    a0 = staff.filter(role="advisor").aggregate(m=models.Min("id"))["m"]
    reviewer = staff.filter(role="risk_reviewer").aggregate(m=models.Min("id"))["m"]

    english = sql_literal_array(ENGLISH)
    have_clients = Client.objects.filter(file_number__startswith="BF-").exists()
    name = (
        f"CASE WHEN g % 50 = 0 THEN ({english})[1 + g % {len(ENGLISH)}] ELSE "
        f"substr('{SURNAMES}', 1 + g % {len(SURNAMES)}, 1) || substr('{GIVEN}', 1 + (g / 7) % {len(GIVEN)}, 1)"
        f" || CASE WHEN g % 3 = 0 THEN '' ELSE substr('{GIVEN}', 1 + (g / 3) % {len(GIVEN)}, 1) END END"
    )
    statuses = "(ARRAY['active','active','active','active','active','active','active','ended','onboarding','prospect'])"
    if not have_clients:
        insert_series(
            Client,
            n_clients,
            {
                "file_number": "'BF-' || lpad(g::text, 9, '0')",
                "name": name,
                "advisor_id": f"{a0} + (g % {n_advisors})",
                "status": f"{statuses}[1 + g % 10]",
                "preferred_language": "CASE WHEN g % 50 = 0 THEN 'en' ELSE 'zh-hans' END",
                "relationship_started_on": "(current_date - (g % 1800) * interval '1 day')::date",
                "relationship_ended_on": "CASE WHEN g % 10 = 7 THEN (current_date - (g % 300) * interval '1 day')::date END",
                "created_at": "now() - (g % 1800) * interval '1 day'",
                "updated_at": "now() - (g % 900) * interval '1 day'",
            },
        )
    c0 = Client.objects.filter(file_number__startswith="BF-").aggregate(m=models.Min("id"))["m"]
    done("clients", n_clients)

    version = QuestionnaireVersion.objects.order_by("-id").first()
    have = RiskAssessment.objects.filter(client_id__gte=c0).exists()
    levels = "(ARRAY['C1','C2','C3','C3','C4','C5'])"
    if not have:
        insert_series(
            RiskAssessment,
            n_assess,
            {
                "client_id": f"{c0} + (g % {n_clients})",
                "version_id": str(version.pk),
                "score": "20 + g % 60",
                "willingness_level": f"{levels}[1 + g % 6]",
                "capacity_level": f"{levels}[1 + (g / 3) % 6]",
                "effective_level": f"{levels}[1 + g % 6]",
                "administered_by_id": f"{a0} + (g % {n_advisors})",
                "status": "CASE WHEN g % 3 = 0 THEN 'confirmed' WHEN g % 3 = 1 THEN 'superseded' ELSE 'draft' END",
                "confirmed_at": "CASE WHEN g % 3 = 0 THEN now() - (g % 700) * interval '1 day' END",
                "confirmed_by_id": f"CASE WHEN g % 3 = 0 THEN {reviewer} END",
                "valid_until": "(current_date + ((g % 730) - 200) * interval '1 day')::date",
                "created_at": "now() - (g % 1800) * interval '1 day'",
                "updated_at": "now() - (g % 700) * interval '1 day'",
            },
        )
    done("risk assessments", n_assess)

    have = Proposal.objects.filter(number__startswith="BF-").exists()
    pstatus = (
        "(ARRAY['draft','submitted','risk_approved','issued','accepted','accepted','declined','withdrawn'])"
    )
    if not have:
        insert_series(
            Proposal,
            n_prop,
            {
                "number": "'BF-' || lpad(g::text, 9, '0')",
                "client_id": f"{c0} + ((g * 2) % {n_clients})",
                "advisor_id": f"{a0} + (((g * 2) % {n_clients}) % {n_advisors})",
                "title": "'资产配置方案 ' || g",
                "status": f"{pstatus}[1 + g % 8]",
                "risk_level": f"{levels}[1 + g % 6]",
                "created_at": "now() - (g % 1500) * interval '1 day'",
                "updated_at": "now() - (g % 600) * interval '1 day'",
            },
        )
    done("proposals", n_prop)

    have = Complaint.objects.filter(number__startswith="BF-").exists()
    policy = SLAPolicy.objects.filter(is_default=True).first() or SLAPolicy.objects.first()
    recv = "(now() - ((g % 1800) * interval '1 day') - ((g % 9) * interval '1 hour'))"
    if not have:
        insert_series(
            Complaint,
            n_compl,
            {
                "number": "'BF-' || lpad(g::text, 9, '0')",
                "client_id": f"{c0} + (g % {n_clients})",
                "channel": "(ARRAY['portal','phone','email','in_person','letter','app_social'])[1 + g % 6]",
                "category": "(ARRAY['service_attitude','fees','mis_selling','other'])[1 + g % 4]",
                "priority": "(ARRAY['low','normal','normal','high','urgent'])[1 + g % 5]",
                "subject": "'关于服务的投诉 ' || g",
                "description": "'客户对服务提出意见。'",
                "state": "CASE WHEN g % 200 = 0 THEN 'investigating' WHEN g % 3 = 0 THEN 'resolved' ELSE 'closed' END",
                "assignee_id": f"{a0} + ((g % {n_clients}) % {n_advisors})",
                "policy_id": str(policy.pk),
                "received_at": recv,
                "ack_due_at": f"{recv} + interval '1 day'",
                "acknowledged_at": f"{recv} + ((g % 30) * interval '1 hour')",
                "first_response_at": f"{recv} + ((g % 60) * interval '1 hour')",
                "resolved_at": f"CASE WHEN g % 200 = 0 THEN NULL ELSE {recv} + ((g % 25) * interval '1 day') END",
                "closed_at": f"CASE WHEN g % 200 = 0 OR g % 3 = 0 THEN NULL ELSE {recv} + ((g % 25 + 5) * interval '1 day') END",
                "resolve_due_at": f"{recv} + interval '14 days'",
                "warn_at": f"{recv} + interval '10 days'",
                "compliance_at": f"{recv} + interval '21 days'",
                "next_escalation_at": f"CASE WHEN g % 200 = 0 THEN {recv} + interval '10 days' END",
                "created_at": recv,
                "updated_at": recv,
            },
        )
    done("complaints", n_compl)

    # portal clients with a login (the load test signs in as bench-portal<N>@bench.test)
    n_portal = 200
    if not User.objects.filter(email__startswith="bench-portal").exists():
        password = User.objects.filter(email__startswith="bench-").values_list("password", flat=True).first()
        insert_series(
            User,
            n_portal,
            {
                "email": "'bench-portal' || g || '@bench.test'",
                "full_name": "'客户' || g",
                "role": "'client'",
                "password": f"'{password}'",
                "is_active": "true",
                "is_staff": "false",
                "is_superuser": "false",
                "date_joined": "now()",
            },
        )
        with connection.cursor() as cur:
            cur.execute(
                f"""UPDATE "{Client._meta.db_table}" c SET user_id = u.id
                    FROM "{User._meta.db_table}" u
                    WHERE u.email = 'bench-portal' || (c.id - {c0} + 1) || '@bench.test'
                      AND c.id < {c0} + {n_portal}"""
            )
        done("portal clients", n_portal)

    if not Client.history.filter(history_change_reason="bench").exists():
        rows = history_of(Client, "t.file_number LIKE 'BF-%%'", user_column="advisor_id")
        rows += history_of(RiskAssessment, f"t.client_id >= {c0}", user_column="administered_by_id")
        rows += history_of(Proposal, "t.number LIKE 'BF-%%'", user_column="advisor_id")
        rows += history_of(Complaint, "t.number LIKE 'BF-%%'", user_column="assignee_id")
        done("history rows", rows)
    if AuditEntry.objects.filter(actor_label="bench").exists():
        print("bench data present (drop the database to rebuild)")
        return

    s0 = AuditEntry.objects.aggregate(m=models.Max("sequence"))["m"] or 0
    insert_series(
        AuditEntry,
        n_audit,
        {
            "sequence": f"{s0} + g",
            "occurred_at": "now() - (g % 1800) * interval '1 day' - (g % 86400) * interval '1 second'",
            "actor_id": f"{a0} + (g % {n_advisors})",
            "actor_label": "'bench'",
            "action": "(ARRAY['create','update','view','transition'])[1 + g % 4]",
            "record_type": "(ARRAY['clients.client','complaints.complaint','planning.proposal','risk.riskassessment'])[1 + g % 4]",
            "record_id": f"({c0} + g % {n_clients})::text",
            "record_label": "'BF-' || lpad((g % 1000000)::text, 9, '0')",
            "client_id": f"{c0} + (g % {n_clients})",
            "changes": "'{}'",
            "prev_hash": "md5((g - 1)::text) || md5((g - 1)::text)",
            "hash": "md5(g::text) || md5(g::text)",
        },
    )
    with connection.cursor() as cur:
        last = s0 + n_audit
        cur.execute(
            f'UPDATE "{AuditChainHead._meta.db_table}" SET sequence = {last}, '
            f"last_hash = md5('{n_audit}') || md5('{n_audit}') WHERE id = 1"
        )
        cur.execute("SET session_replication_role = DEFAULT")
    done("audit entries", n_audit)
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE") if connection.get_autocommit() else cur.execute("ANALYZE")
    done("analyze", 0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", choices=sorted(SCALES), default="100k")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database of your own (the postgres superuser).")
    build(args.scale)


if __name__ == "__main__":
    main()
