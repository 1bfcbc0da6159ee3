"""Complaints benchmark, side by side with django-helpdesk 2.6.1 (docs/benchmarks/complaints.md).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_complaints \
        .venv/bin/python bench/complaints_bench.py [--tickets 200000] [--due 1000] [--passes 5] [--no-peer]

Ours: 200,000 open tickets, 1,000 of them past their next escalation threshold; times
(a) `complaint_escalation_sweep()` and (b) the staff queue page `complaints:list` through the
Django test client, several passes back to back, medians and query counts.

Peer: a throw-away django-helpdesk site under /tmp/helpdesk_bench_site run with the Python of a
separate virtualenv (HELPDESK_PYTHON, default /tmp/helpdesk-venv/bin/python; create it with
`python3 -m venv /tmp/helpdesk-venv && /tmp/helpdesk-venv/bin/pip install django-helpdesk==2.6.1
"psycopg[binary]" "Django>=5.2,<5.3"`), its own database bench_helpdesk, the same number of open
tickets with the same number due; times its `escalate_tickets` command and its DataTables
ticket-list JSON view (`helpdesk:datatables_ticket_list`, which is what its list page loads).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEER_DIR = Path("/tmp/helpdesk_bench_site")  # noqa: S108 - throw-away site, outside the repo
PEER_PYTHON = os.environ.get("HELPDESK_PYTHON", "/tmp/helpdesk-venv/bin/python")  # noqa: S108
PEER_DB = os.environ.get("HELPDESK_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_helpdesk")


def _ensure_database(url: str) -> None:
    import psycopg2
    from psycopg2 import sql

    name = url.rsplit("/", 1)[-1]
    base = url.rsplit("/", 1)[0] + "/postgres"
    conn = psycopg2.connect(base)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cur.fetchone():
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    conn.close()


# ------------------------------------------------------------------------------------------
# ours
# ------------------------------------------------------------------------------------------
def run_ours(tickets: int, due: int, passes: int) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advisory.settings.test")
    # The sweep hands the escalation emails to a worker after commit (file-system broker here);
    # the email task is timed on its own below.
    os.environ.setdefault("ADVISORY_VAR_DIR", "/tmp/complaints_bench_var")  # noqa: S108
    url = os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_complaints")
    _ensure_database(url)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client as HttpClient
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from advisory.celery import app, ensure_broker_folders
    from advisory.clock import now
    from advisory.models import Notification, User
    from advisory.roles import Role
    from audit.managers import allow_bulk_writes
    from clients.models import Client
    from complaints import services
    from complaints.models import Complaint, ComplaintEscalation, ComplaintEvent

    app.conf.task_always_eager = False
    ensure_broker_folders()
    call_command("migrate", verbosity=0)
    connection.queries_limit = 1_000_000
    supervisor, _ = User.objects.get_or_create(
        email="bench-supervisor@example.test",
        defaults={"full_name": "Bench Supervisor", "role": Role.SUPERVISOR},
    )
    advisors = []
    for i in range(20):
        u, _ = User.objects.get_or_create(
            email=f"bench-advisor{i}@example.test",
            defaults={"full_name": f"Bench Advisor {i}", "role": Role.ADVISOR, "supervisor": supervisor},
        )
        advisors.append(u)
    User.objects.get_or_create(
        email="bench-compliance@example.test",
        defaults={"full_name": "Bench Compliance", "role": Role.COMPLIANCE},
    )
    policy = services.default_policy()
    stamp = now()
    if Complaint.objects.count() != tickets:
        t0 = time.perf_counter()
        with allow_bulk_writes():
            # bench data only: the retention guard refuses deleting open complaints, so truncate
            with connection.cursor() as cur:
                cur.execute("TRUNCATE complaints_complaint, complaints_historicalcomplaint CASCADE")
                cur.execute("DELETE FROM clients_client WHERE file_number LIKE 'CL-B-%%'")
            clients = Client.objects.bulk_create(
                [
                    Client(file_number=f"CL-B-{i:06d}", name=f"Bench client {i}", advisor=advisors[i % 20])
                    for i in range(1000)
                ]
            )
            batch: list[Complaint] = []
            for i in range(tickets):
                is_due = i % (tickets // due) == 0 and i // (tickets // due) < due
                received = stamp - datetime.timedelta(hours=1 + (i % 200))
                if is_due:
                    warn, breach, comp = (
                        stamp - datetime.timedelta(minutes=5),
                        stamp + datetime.timedelta(days=1),
                        stamp + datetime.timedelta(days=3),
                    )
                else:
                    warn = stamp + datetime.timedelta(days=2, minutes=i % 5000)
                    breach = warn + datetime.timedelta(days=2)
                    comp = breach + datetime.timedelta(days=3)
                client = clients[i % 1000]
                batch.append(
                    Complaint(
                        number=f"CP-B-{i:07d}",
                        client=client,
                        channel="phone",
                        category="fees",
                        priority="normal",
                        subject=f"Bench ticket {i}",
                        description="Bench",
                        state="investigating",
                        assignee_id=client.advisor_id,
                        policy=policy,
                        received_at=received,
                        ack_due_at=received + datetime.timedelta(days=1),
                        warn_at=warn,
                        resolve_due_at=breach,
                        compliance_at=comp,
                        next_escalation_at=warn,
                        next_escalation_level=1,
                    )
                )
                if len(batch) == 5000:
                    Complaint.objects.bulk_create(batch)
                    batch = []
            if batch:
                Complaint.objects.bulk_create(batch)
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE complaints_complaint")
        print(f"ours: loaded {tickets} tickets in {time.perf_counter() - t0:.1f}s", flush=True)
    due_ids = list(
        Complaint.objects.filter(
            number__in=[f"CP-B-{i:07d}" for i in range(0, tickets, tickets // due)][:due]
        ).values_list("pk", flat=True)
    )

    def reset() -> None:
        ComplaintEscalation.objects.filter(complaint_id__in=due_ids).delete()
        ComplaintEvent.objects.filter(complaint_id__in=due_ids, kind="escalation").delete()
        Notification.objects.filter(kind="complaint.escalation").delete()
        t = now()
        with connection.cursor() as cur:
            cur.execute(
                "UPDATE complaints_complaint SET escalation_level = 0, next_escalation_level = 1, "
                "resolution_breached = false, warn_at = %s, next_escalation_at = %s WHERE id = ANY(%s)",
                [t - datetime.timedelta(minutes=5), t - datetime.timedelta(minutes=5), due_ids],
            )

    reverse("complaints:list")  # a running worker has its URLconf loaded
    reset()
    services.complaint_escalation_sweep()  # warm-up pass, not timed
    sweep_times, sweep_queries, escalated = [], [], []
    for _ in range(passes):
        reset()
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            result = services.complaint_escalation_sweep()
            sweep_times.append(time.perf_counter() - t0)
        sweep_queries.append(len(ctx.captured_queries))
        escalated.append(result["escalations"])
    email_ids = list(Notification.objects.filter(kind="complaint.escalation").values_list("pk", flat=True))
    t0 = time.perf_counter()
    services.notification_emails_send(notification_ids=email_ids)
    email_task = time.perf_counter() - t0
    # a sweep with nothing due: the cost of the quiet tickets alone
    with CaptureQueriesContext(connection) as ctx:
        t0 = time.perf_counter()
        services.complaint_escalation_sweep()
        idle = time.perf_counter() - t0

    http = HttpClient()
    http.force_login(supervisor)
    list_url = reverse("complaints:list")
    http.get(list_url)
    list_times, list_queries = [], []
    for _ in range(passes * 2):
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            response = http.get(list_url)
            list_times.append(time.perf_counter() - t0)
        assert response.status_code == 200, response.status_code
        list_queries.append(len(ctx.captured_queries))
    return {
        "tickets": Complaint.objects.count(),
        "due": len(due_ids),
        "sweep_s": sweep_times,
        "sweep_median_s": statistics.median(sweep_times),
        "sweep_queries": sweep_queries,
        "escalated": escalated,
        "idle_sweep_s": idle,
        "email_task_s": email_task,
        "emails": len(email_ids),
        "list_s": list_times,
        "list_median_s": statistics.median(list_times),
        "list_queries": list_queries[-1],
        "list_bytes": len(response.content),
    }


# ------------------------------------------------------------------------------------------
# peer (django-helpdesk), run in its own virtualenv
# ------------------------------------------------------------------------------------------
PEER_SETTINGS = """
import environ  # noqa
"""

PEER_FILES = {
    "peersite/__init__.py": "",
    "peersite/settings.py": textwrap.dedent(
        """
        import os
        from urllib.parse import urlparse
        u = urlparse(os.environ["HELPDESK_DATABASE_URL"])
        SECRET_KEY = "bench-only"
        DEBUG = False
        ALLOWED_HOSTS = ["*"]
        INSTALLED_APPS = [
            "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
            "django.contrib.sessions", "django.contrib.messages", "django.contrib.staticfiles",
            "django.contrib.sites", "django.contrib.humanize", "rest_framework", "helpdesk",
        ]
        SITE_ID = 1
        HELPDESK_TEAMS_MODE_ENABLED = False
        MIDDLEWARE = [
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
        ]
        ROOT_URLCONF = "peersite.urls"
        TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [], "APP_DIRS": True,
            "OPTIONS": {"context_processors": ["django.template.context_processors.request",
            "django.contrib.auth.context_processors.auth", "django.contrib.messages.context_processors.messages"]}}]
        DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": u.path.lstrip("/"),
            "USER": u.username or "postgres", "HOST": u.hostname, "PORT": u.port or 5432}}
        EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        USE_TZ = True
        TIME_ZONE = "Asia/Shanghai"
        STATIC_URL = "/static/"
        DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
        PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        """
    ),
    "peersite/urls.py": textwrap.dedent(
        """
        from django.urls import include, path
        urlpatterns = [path("helpdesk/", include("helpdesk.urls", namespace="helpdesk"))]
        """
    ),
    "peer_bench.py": textwrap.dedent(
        """
        import datetime, json, os, statistics, sys, time
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peersite.settings")
        import django
        django.setup()
        from django.contrib.auth import get_user_model
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext
        from django.urls import reverse
        from django.utils import timezone
        from helpdesk.models import FollowUp, Queue, Ticket
        from helpdesk.query import query_to_base64

        tickets, due, passes = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
        connection.queries_limit = 1_000_000  # count every statement of the escalation command
        connection.ensure_connection()
        from collections import deque
        connection.queries_log = deque(maxlen=connection.queries_limit)
        call_command("migrate", verbosity=0)
        User = get_user_model()
        staff, _ = User.objects.get_or_create(username="bench", defaults={"is_staff": True, "email": "b@x.test"})
        queue, _ = Queue.objects.get_or_create(slug="complaints", defaults={"title": "Complaints", "escalate_days": 1})
        now = timezone.now()
        if Ticket.objects.count() != tickets:
            t0 = time.perf_counter()
            Ticket.objects.all().delete()
            field = Ticket._meta.get_field("created")
            field.auto_now_add = False
            step = tickets // due
            batch = []
            for i in range(tickets):
                is_due = i % step == 0 and i // step < due
                created = now - (datetime.timedelta(days=10) if is_due else datetime.timedelta(hours=1 + i % 20))
                batch.append(Ticket(title=f"Bench ticket {i}", queue=queue, created=created, modified=created,
                    status=Ticket.OPEN_STATUS, priority=3, submitter_email="c@x.test", assigned_to=staff,
                    description="Bench"))
                if len(batch) == 5000:
                    Ticket.objects.bulk_create(batch); batch = []
            if batch:
                Ticket.objects.bulk_create(batch)
            with connection.cursor() as cur:
                cur.execute("VACUUM ANALYZE helpdesk_ticket")
            print(f"peer: loaded {tickets} tickets in {time.perf_counter() - t0:.1f}s", file=sys.stderr, flush=True)
        due_ids = list(Ticket.objects.filter(created__lte=now - datetime.timedelta(days=5)).values_list("id", flat=True))

        def reset():
            FollowUp.objects.filter(ticket_id__in=due_ids).delete()
            Ticket.objects.filter(id__in=due_ids).update(priority=3, last_escalation=None)

        sweep, sweep_q, escalated = [], [], []
        for _ in range(passes):
            reset()
            with CaptureQueriesContext(connection) as ctx:
                t0 = time.perf_counter()
                call_command("escalate_tickets")
                sweep.append(time.perf_counter() - t0)
            sweep_q.append(len(ctx.captured_queries))
            escalated.append(Ticket.objects.filter(id__in=due_ids, last_escalation__isnull=False).count())
        http = Client()
        http.force_login(staff)
        query = {"filtering": {"status__in": [1, 2]}, "sorting": "created", "search_string": "", "sortreverse": False}
        url = reverse("helpdesk:datatables_ticket_list", args=[query_to_base64(query)]) + "?draw=1&start=0&length=25"
        r = http.get(url)
        assert r.status_code == 200, r.status_code
        lst, lst_q = [], 0
        for _ in range(passes * 2):
            with CaptureQueriesContext(connection) as ctx:
                t0 = time.perf_counter()
                r = http.get(url)
                lst.append(time.perf_counter() - t0)
            lst_q = len(ctx.captured_queries)
        print(json.dumps({"tickets": Ticket.objects.count(), "due": len(due_ids), "sweep_s": sweep,
            "sweep_median_s": statistics.median(sweep), "sweep_queries": sweep_q, "escalated": escalated,
            "list_s": lst, "list_median_s": statistics.median(lst), "list_queries": lst_q,
            "list_rows": len(json.loads(r.content)["data"])}))
        """
    ),
}


def run_peer(tickets: int, due: int, passes: int) -> dict | None:
    if not Path(PEER_PYTHON).exists():
        print(f"peer: {PEER_PYTHON} not found; skipping (see the module docstring)", flush=True)
        return None
    _ensure_database(PEER_DB)
    for name, text in PEER_FILES.items():
        path = PEER_DIR / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    env = {**os.environ, "HELPDESK_DATABASE_URL": PEER_DB, "PYTHONPATH": str(PEER_DIR)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    proc = subprocess.run(  # noqa: S603 - fixed command, our own script
        [PEER_PYTHON, str(PEER_DIR / "peer_bench.py"), str(tickets), str(due), str(passes)],
        cwd=PEER_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    sys.stderr.write(proc.stderr[-3000:])
    if proc.returncode != 0:
        print("peer failed", flush=True)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=200_000)
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--peer-passes", type=int, default=3, help="the peer takes minutes per pass")
    parser.add_argument("--no-peer", action="store_true")
    args = parser.parse_args()
    ours = run_ours(args.tickets, args.due, args.passes)
    print("ours:", json.dumps(ours, default=str), flush=True)
    peer = None if args.no_peer else run_peer(args.tickets, args.due, args.peer_passes)
    if peer:
        print("peer:", json.dumps(peer), flush=True)
    print("\n| measure | ours (median) | django-helpdesk 2.6.1 (median) | ratio |")
    print("|---|---|---|---|")
    for key, label in (("sweep_median_s", "escalation sweep"), ("list_median_s", "staff ticket list")):
        theirs = peer[key] if peer else None
        ratio = f"{theirs / ours[key]:.0f}× faster" if theirs else "—"
        print(
            f"| {label} | {ours[key] * 1000:.1f} ms | {theirs * 1000:.1f} ms | {ratio} |"
            if theirs
            else f"| {label} | {ours[key] * 1000:.1f} ms | — | — |"
        )
    print(
        f"| sweep SQL statements (1,000 due) | {ours['sweep_queries'][-1]} | {peer['sweep_queries'][-1] if peer else '—'} | |"
    )
    print(
        f"| list SQL statements per page | {ours['list_queries']} | {peer['list_queries'] if peer else '—'} | |"
    )


if __name__ == "__main__":
    main()
