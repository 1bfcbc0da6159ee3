"""Single-request timings of the workspace list pages on a bench firm (not the load test).

Each page is requested through Django's test client (the whole middleware stack) as the bench
account the load test uses for it: one warm-up, then --runs requests; the median, min and max
wall-clock time, the number of SQL queries and the slowest query are printed with the load
average. Read-only: sessions are signed cookies, the sign-in signals are switched off, and the
whole run is one transaction that is rolled back — so indexes not built on the bench database
yet can be tried with --sql (CREATE INDEX statements run inside that transaction first, e.g. the
output of `manage.py sqlmigrate complaints 0015` without CONCURRENTLY).

    CONN_MAX_AGE=600 DJANGO_SETTINGS_MODULE=advisory.settings.dev \\
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_firm_1m .venv/bin/python bench/page_timings.py --runs 7
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, os.environ.get("ADVISORY_ROOT") or str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advisory.settings.dev")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.signals import user_logged_in  # noqa: E402
from django.db import connection, reset_queries, transaction  # noqa: E402
from django.test import Client  # noqa: E402

PAGES = [
    # (name, role of the bench account, url) — the load test's pages (bench/load/locustfile.py)
    ("client list", "advisor", "/app/clients/?page=2"),
    ("client list: search", "advisor", "/app/clients/?q=王"),
    ("proposal list", "advisor", "/app/planning/"),
    ("proposal list: awaiting review", "risk_reviewer", "/app/planning/?status=submitted"),
    ("complaint list", "advisor", "/app/complaints/"),
    ("risk: assessments", "risk_reviewer", "/app/risk/assessments/"),
    ("audit trail", "compliance", "/app/audit/"),
    ("audit trail: filtered", "compliance", "/app/audit/?action=update"),
    ("warnings", "compliance", "/app/oversight/warnings/"),
    ("quality dashboard", "compliance", "/app/oversight/"),
    ("quality dashboard: a team", "compliance", "/app/oversight/?team=Team+7"),
    ("quality dashboard: an advisor", "compliance", None),
    ("complaint page", "advisor", None),  # one of the advisor's tickets, as the load test picks
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--only", default="", help="comma-separated substrings of page names")
    parser.add_argument("--queries", action="store_true", help="print the slowest queries")
    parser.add_argument("--profile", action="store_true", help="print a profile of one request")
    parser.add_argument("--sql", default="", help="a file of statements to run first (rolled back)")
    parser.add_argument(
        "--no-kept",
        action="store_true",
        help="recompute every month on every request (the dashboard's worst case)",
    )
    parser.add_argument(
        "--firm-time",
        default="",
        help="the clock from this moment (ISO 8601 with offset), as bench/load_test.py --firm-time",
    )
    args = parser.parse_args()
    if args.firm_time:
        import datetime

        import time_machine

        time_machine.travel(datetime.datetime.fromisoformat(args.firm_time), tick=True).start()
    with transaction.atomic():
        if args.sql:
            t0 = time.perf_counter()
            with connection.cursor() as cursor:
                for statement in Path(args.sql).read_text().split(";"):
                    statement = statement.strip().replace(" CONCURRENTLY", "")
                    if statement and not statement.startswith("--"):
                        cursor.execute(statement)
            print(f"ran {args.sql} in {time.perf_counter() - t0:.1f} s (rolled back at the end)")
        run(args)
        transaction.set_rollback(True)


def run(args) -> None:

    from advisory.models import User

    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    if args.no_kept:
        settings.OVERSIGHT_SETTLED_MONTHS_SECONDS = 0
    settings.DEBUG = True  # to count the queries
    user_logged_in.receivers = []
    accounts = {
        role: User.objects.filter(email__startswith=f"bench-{role}", role=role).order_by("id").first()
        for role in ("advisor", "risk_reviewer", "compliance")
    }
    clients = {}
    for role, user in accounts.items():
        c = Client()
        c.force_login(user)
        clients[role] = c
    wanted = [w.strip() for w in args.only.split(",") if w.strip()]
    print(f"db {connection.settings_dict['NAME']} · runs {args.runs} · load {os.getloadavg()[0]:.2f}")
    for name, role, url in PAGES:
        if wanted and not any(w in name for w in wanted):
            continue
        if url is None and name == "complaint page":
            from complaints.models import Complaint

            ticket = Complaint.objects.filter(client__advisor=accounts["advisor"]).order_by("-id").first()
            url = f"/app/complaints/{ticket.pk}/"
        elif url is None:
            url = f"/app/oversight/?advisor={accounts['advisor'].pk}"
        c = clients[role]
        times, n_queries, slowest = [], 0, (0.0, "")
        c.get(url)  # warm-up
        for _ in range(args.runs):
            reset_queries()
            t0 = time.perf_counter()
            response = c.get(url)
            times.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, (name, response.status_code)
            n_queries = len(connection.queries)
            for q in connection.queries:
                if float(q["time"]) * 1000 > slowest[0]:
                    slowest = (float(q["time"]) * 1000, q["sql"])
            if args.queries and _ == 0:
                for q in sorted(connection.queries, key=lambda q: -float(q["time"]))[:5]:
                    print(f"      {float(q['time']) * 1000:7.1f} ms  {q['sql'][:300]}")
        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.runcall(c.get, url)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
        print(
            f"{name:<32} median {statistics.median(times):7.1f} ms  min {min(times):7.1f}  "
            f"max {max(times):7.1f}  queries {n_queries:3d}  slowest {slowest[0]:6.1f} ms  "
            f"load {os.getloadavg()[0]:.2f}",
            flush=True,
        )
        if args.queries:
            print(f"      slowest: {slowest[1][:400]}")


if __name__ == "__main__":
    main()
