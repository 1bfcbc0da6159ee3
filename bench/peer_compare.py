"""Side by side, from one run: the escalation sweep and the staff ticket list against
django-helpdesk 2.6.1 (issue 18; figures in docs/benchmarks/complaints.md).

    .venv/bin/python bench/peer_compare.py [--tickets 200000] [--due 1000] [--passes 3]
        [--peer-dir /work/peer] [--peer-kit /work/shared/peer-bench] [--list-requests 5]

The peer runs from its own virtualenv, outside this repository (nothing of it is committed):

    python3.11 -m venv /work/peer/venv
    /work/peer/venv/bin/pip install django-helpdesk==2.6.1 "psycopg[binary]" "Django>=5.2,<5.3"

The script builds the peer's Django site under <peer-dir>/site from the peer kit
(`startproject` + the kit's settings snippet and urls) and loads both data sets once into
template databases:

- ours (`bench_sweep_tpl`, or $BENCH_SWEEP_TPL; migrated again on reuse, so its database functions
  and triggers are this code's): 200,000 open tickets (state investigating), 1,000 clients over 20
  advisors, 4 supervisors (5 advisors each), 2 compliance officers. 1,000 tickets are due, one
  threshold each, spread over the three levels: a third at 75 % of the budget (warning to the
  assignee), a third at the deadline (breach, to the assignee's supervisor; their warning is
  already recorded), a third at 50 % past it (to every compliance officer; warning and breach
  already recorded). The 199,000 others are due days later. Every ticket has its creation row in
  the history table.
- peer (`peer_cmp_tpl`): the kit's `load_data.py` (200,000 open tickets, exactly 1,000 due by
  `escalate_tickets`' own filter, half of them assigned; the e-mails go to the submitter and the
  assignee). Its split holds about 4 hours after the load; the script re-checks it and reloads.

Every pass gets a fresh copy of the template for each measurement
(`CREATE DATABASE x TEMPLATE tpl`, dropped afterwards), so each pass does exactly the same writes
and nothing has to be undone: the audit and history tables are append-only (triggers refuse
UPDATE/DELETE), and a rolled-back transaction would leave out the commit the real sweep pays for.

Each pass, alternating which side goes first, for ours and for the peer:
- whole fresh process: ours `python manage.py complaint_escalation_sweep` (the emails go to the
  file-system broker after commit, CELERY_TASK_ALWAYS_EAGER=false), the peer `python manage.py
  escalate_tickets`; wall time from spawn to exit, and the CPU time (user + system) the process
  used, from `os.wait4`: on a shared, loaded machine the CPU time moves much less than the wall
  time. Our code is byte-compiled first (`compileall`), as the image does at build: with
  PYTHONDONTWRITEBYTECODE set, each process would otherwise compile every module again.
- warm call: a long-lived process per side (which ran one warm-up sweep on its own copy before
  pass 1) connects to a fresh copy and times one call of the sweep (wall and the process's CPU
  time; the database server's work is in the wall time only), counting its SQL statements
  (connection.execute_wrapper). Then it times the staff ticket list on that copy: ours
  `complaints:list` (the full HTML page with 25 rows) as a supervisor; the peer `helpdesk:list`
  (the page shell, no rows) and `helpdesk:datatables_ticket_list` (the JSON with the 25 rows it
  loads on opening, without order parameters as the page sends it) as the staff user; the test
  Client in-process, one warm-up request then --list-requests timed ones.
- the audit chain runs as deployed on PostgreSQL (`AUDIT_CHAIN_MODE=deferred`; BENCH_CHAIN_MODE=inline
  chains inside the sweep's transaction instead): the sweep inserts its entries unchained and
  hands them to the worker; the warm process then runs the sequencer as the worker's
  `audit_chain_task` does and times it separately ("chaining"), and the pass checks that every
  entry got chained.
- the rows written are counted (ours: escalations, notifications, audit entries, history rows;
  peer: follow-ups and ticket changes) and checked.
`/proc/loadavg` is printed with every measurement. At the end: medians, ratios (peer / ours),
statements per escalated ticket; the raw figures go to --json (default /tmp/peer_compare.json).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG = {"host": "127.0.0.1", "port": "5432", "user": "postgres"}
OURS_TPL = os.environ.get("BENCH_SWEEP_TPL", "bench_sweep_tpl")  # another name keeps a second copy apart
PEER_TPL = "peer_cmp_tpl"
VAR_DIR = "/tmp/peer_compare_var"  # noqa: S108 - the file-system broker of the bench processes
# the sweep's history reason as stored (complaints.services.escalation.HISTORY_REASON, a text code)
REASON = '{"code":"audit.sla_escalation_sweep","params":{}}'


def loadavg() -> str:
    with open("/proc/loadavg") as fh:
        return " ".join(fh.read().split()[:3])


def psql(sql: str, db: str = "postgres") -> str:
    out = subprocess.run(  # noqa: S603
        ["psql", "-h", PG["host"], "-p", PG["port"], "-U", PG["user"], "-d", db, "-Atqc", sql],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def db_exists(name: str) -> bool:
    return psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'") == "1"


def drop_db(name: str) -> None:
    assert name.startswith(("bench_sweep", "peer_cmp")), name
    psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def copy_db(template: str, name: str) -> float:
    drop_db(name)
    t0 = time.perf_counter()
    psql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return time.perf_counter() - t0


def db_url(name: str) -> str:
    return f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{name}"


def ours_env(db: str) -> dict:
    env = dict(os.environ)
    env.pop("REDIS_URL", None)  # the file-system broker: nothing leaves the machine
    env.update(
        DATABASE_URL=db_url(db),
        DJANGO_SETTINGS_MODULE="advisory.settings.test",
        # the chain as deployed on PostgreSQL (the test settings chain inline): entries are
        # chained after commit by the sequencer; the warm call times that separately (chain_s)
        AUDIT_CHAIN_MODE=os.environ.get("BENCH_CHAIN_MODE", "deferred"),
        ADVISORY_VAR_DIR=VAR_DIR,
        PYTHONPATH=str(ROOT),
    )
    return env


# ------------------------------------------------------------------------------------------
# children: ours (this repository's venv)
# ------------------------------------------------------------------------------------------
def _ours_setup() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from advisory.celery import app, ensure_broker_folders

    app.conf.task_always_eager = False  # emails go to a worker after commit, as in production
    ensure_broker_folders()


def child_ours_sweep() -> None:
    """Django set-up and one sweep, without `manage.py` (kept for profiling; the timed fresh
    process is `manage.py complaint_escalation_sweep`)."""
    _ours_setup()
    from complaints.services import complaint_escalation_sweep

    result = complaint_escalation_sweep()
    print(json.dumps(result))


def child_ours_load(tickets: int, due: int) -> None:
    """Migrate and load the template database (SQL INSERT … SELECT over generate_series)."""
    _ours_setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from advisory.clock import now
    from advisory.models import User
    from advisory.roles import Role
    from audit.managers import allow_bulk_writes
    from clients.models import Client
    from complaints.models import Complaint, ComplaintEscalation
    from complaints.services import default_policy

    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    supervisors = [
        User.objects.create(
            email=f"bench-supervisor{i}@example.test", full_name=f"Bench Supervisor {i}", role=Role.SUPERVISOR
        )
        for i in range(4)
    ]
    advisors = [
        User.objects.create(
            email=f"bench-advisor{i}@example.test",
            full_name=f"Bench Advisor {i}",
            role=Role.ADVISOR,
            supervisor=supervisors[i // 5],
        )
        for i in range(20)
    ]
    for i in range(2):
        User.objects.create(
            email=f"bench-compliance{i}@example.test", full_name=f"Bench Compliance {i}", role=Role.COMPLIANCE
        )
    policy = default_policy()
    stamp = now()
    with allow_bulk_writes():
        clients = Client.objects.bulk_create(
            [
                Client(file_number=f"CL-B-{i:06d}", name=f"Bench client {i}", advisor=advisors[i % 20])
                for i in range(1000)
            ]
        )
    proto = Complaint(
        number="x",
        client=clients[0],
        channel="phone",
        category="fees",
        priority="normal",
        subject="x",
        description="Bench ticket: the client disputes a fee on the last statement.",
        state="investigating",
        policy=policy,
        received_at=stamp,
        ack_due_at=stamp,
        warn_at=stamp,
        resolve_due_at=stamp,
        compliance_at=stamp,
        created_at=stamp,
        updated_at=stamp,
    )
    step = tickets // due
    # s.lvl: None = not due; 0 = warning due, 1 = breach due (warning recorded), 2 = compliance due
    exprs = {
        "number": "'CP-B-' || lpad(s.g::text, 7, '0')",
        "subject": "'Bench ticket ' || s.g",
        "client_id": "(%(clients)s::bigint[])[1 + s.g %% 1000]",
        "assignee_id": "(%(advisors)s::bigint[])[1 + s.g %% 20]",
        "received_at": "%(t)s - make_interval(hours => 1 + s.g %% 200)",
        "ack_due_at": "%(t)s - make_interval(hours => 1 + s.g %% 200) + interval '1 day'",
        "warn_at": "CASE s.lvl WHEN 0 THEN %(t)s - interval '5 min' WHEN 1 THEN %(t)s - interval '2 days'"
        " WHEN 2 THEN %(t)s - interval '4 days' ELSE s.quiet END",
        "resolve_due_at": "CASE s.lvl WHEN 0 THEN %(t)s + interval '1 day' WHEN 1 THEN %(t)s - interval '5 min'"
        " WHEN 2 THEN %(t)s - interval '2 days' ELSE s.quiet + interval '2 days' END",
        "compliance_at": "CASE s.lvl WHEN 0 THEN %(t)s + interval '3 days' WHEN 1 THEN %(t)s + interval '2 days'"
        " WHEN 2 THEN %(t)s - interval '5 min' ELSE s.quiet + interval '5 days' END",
        "escalation_level": "coalesce(s.lvl, 0)",
        "next_escalation_level": "coalesce(s.lvl, 0) + 1",
        "next_escalation_at": "CASE s.lvl WHEN 0 THEN %(t)s - interval '5 min' WHEN 1 THEN %(t)s - interval '5 min'"
        " WHEN 2 THEN %(t)s - interval '5 min' ELSE s.quiet END",
        "resolution_breached": "coalesce(s.lvl, 0) = 2",
    }
    params: dict = {
        "clients": [c.pk for c in clients],
        "advisors": [a.pk for a in advisors],
        "t": stamp,
        "n": tickets,
        "step": step,
        "due": due,
    }
    cols, vals = [], []
    for f in Complaint._meta.concrete_fields:
        if f.primary_key:
            continue
        cols.append(connection.ops.quote_name(f.column))
        if f.attname in exprs:
            vals.append(exprs[f.attname])
        else:
            key = f"c_{f.attname}"
            params[key] = f.get_db_prep_save(getattr(proto, f.attname), connection)
            vals.append(f"%({key})s")
    table = Complaint._meta.db_table
    sql = (
        f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(vals)} FROM ("  # noqa: S608
        " SELECT g, CASE WHEN g %% %(step)s = 0 AND g / %(step)s <= %(due)s THEN (g / %(step)s) %% 3 END AS lvl,"
        " %(t)s + interval '2 days' + make_interval(mins => g %% 5000) AS quiet"
        " FROM generate_series(1, %(n)s) AS g) s ORDER BY s.g"
    )
    hist = Complaint.history.model._meta.db_table
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql, params)
        # the creation row of each ticket in its history, as the service would have written it
        cur.execute(
            f"INSERT INTO {hist} ({', '.join(cols)}, id, history_date, history_type, history_change_reason)"  # noqa: S608
            f" SELECT {', '.join(cols)}, id, received_at, '+', 'bench data' FROM {table} ORDER BY id"
        )
        # the levels already passed by the due tickets at breach and compliance
        esc = ComplaintEscalation._meta.db_table
        cur.execute(
            f"INSERT INTO {esc} (complaint_id, level, threshold_at, escalated_at, recipients, notified)"  # noqa: S608
            f" SELECT c.id, l.level, CASE l.level WHEN 1 THEN c.warn_at ELSE c.resolve_due_at END,"
            f" CASE l.level WHEN 1 THEN c.warn_at ELSE c.resolve_due_at END, 'bench', true"
            f" FROM {table} c JOIN generate_series(1, 2) AS l(level) ON l.level <= c.escalation_level"
            f" ORDER BY c.id, l.level"
        )
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    due_now = Complaint.objects.filter(next_escalation_at__lte=now()).count()
    print(
        json.dumps(
            {
                "tickets": Complaint.objects.count(),
                "due": due_now,
                "load_s": round(time.perf_counter() - t0, 1),
            }
        )
    )


class StatementCounter:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)


def _serve(handle) -> None:
    """Answer one JSON command per stdin line with one JSON line on stdout."""
    for line in sys.stdin:
        cmd = json.loads(line)
        out = handle(cmd)
        sys.__stdout__.write(json.dumps(out) + "\n")
        sys.__stdout__.flush()


def _switch_db(name: str) -> None:
    from django.db import connection

    connection.close()
    connection.settings_dict["NAME"] = name
    connection.ensure_connection()
    with connection.cursor() as cur:
        cur.execute("SELECT 1")


def _time_requests(client, url: str, params: dict | None, n: int, check) -> dict:
    from django.db import connection

    check(client.get(url, params or {}))  # warm-up
    times, queries = [], []
    for _ in range(n):
        counter = StatementCounter()
        with connection.execute_wrapper(counter):
            t0 = time.perf_counter()
            resp = client.get(url, params or {})
            times.append((time.perf_counter() - t0) * 1000)
        check(resp)
        queries.append(counter.n)
    return {
        "ms": [round(t, 1) for t in times],
        "median_ms": round(statistics.median(times), 1),
        "queries": queries[-1],
    }


def child_ours_warm() -> None:
    sys.stdout = sys.stderr  # only the JSON answers go to stdout
    _ours_setup()
    from django.db import connection
    from django.test import Client as HttpClient
    from django.urls import reverse

    from advisory.models import User
    from advisory.roles import Role
    from audit.sequencer import chain_batch
    from complaints.services import complaint_escalation_sweep

    def handle(cmd: dict) -> dict:
        _switch_db(cmd["db"])
        counter = StatementCounter()
        with connection.execute_wrapper(counter):
            c0, t0 = time.process_time(), time.perf_counter()
            result = complaint_escalation_sweep()
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        # what the worker then does with the handed-over entries (audit.tasks.audit_chain_task):
        # chain them, in batches, until none is left; nothing to do with the chain inline
        c0, t0 = time.process_time(), time.perf_counter()
        chained = 0
        while n := chain_batch(wait=True):
            chained += n
        chain_wall, chain_cpu = time.perf_counter() - t0, time.process_time() - c0
        out = {
            "sweep_s": round(wall, 4),
            "sweep_cpu_s": round(cpu, 4),
            "chain_s": round(chain_wall, 4),
            "chain_cpu_s": round(chain_cpu, 4),
            "chained_after": chained,
            "statements": counter.n,
            "result": result,
        }
        if cmd.get("list"):
            supervisor = User.objects.filter(role=Role.SUPERVISOR).order_by("pk").first()
            http = HttpClient()
            http.force_login(supervisor)

            def check(resp):
                assert resp.status_code == 200, resp.status_code

            out["list"] = _time_requests(http, reverse("complaints:list"), None, cmd["list"], check)
        connection.close()
        return out

    _serve(handle)


# ------------------------------------------------------------------------------------------
# children: the peer (its own venv; this file uses only the standard library at import time)
# ------------------------------------------------------------------------------------------
PEER_QUERY = {
    "filtering": {"status__in": [1, 2]},
    "sorting": "created",
    "search_string": "",
    "sortreverse": False,
}
PEER_JSON_PARAMS = {"draw": "1", "start": "0", "length": "25", "search[value]": ""}


def child_peer_warm() -> None:
    sys.stdout = sys.stderr
    site = os.environ["PEER_SITE_DIR"]
    sys.path.insert(0, site)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_cfg.settings")
    import io

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from helpdesk.query import query_to_base64

    def handle(cmd: dict) -> dict:
        _switch_db(cmd["db"])
        counter = StatementCounter()
        with connection.execute_wrapper(counter):
            c0, t0 = time.process_time(), time.perf_counter()
            call_command("escalate_tickets", stdout=io.StringIO())
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        out = {"sweep_s": round(wall, 4), "sweep_cpu_s": round(cpu, 4), "statements": counter.n}
        if cmd.get("list"):
            http = Client()
            http.force_login(get_user_model().objects.get(username="staff"))

            def check(resp):
                assert resp.status_code == 200, resp.status_code

            def check_json(resp):
                check(resp)
                assert len(json.loads(resp.content)["data"]) == 25

            out["list_shell"] = _time_requests(http, reverse("helpdesk:list"), None, cmd["list"], check)
            url = reverse("helpdesk:datatables_ticket_list", args=[query_to_base64(PEER_QUERY)])
            out["list_json"] = _time_requests(http, url, PEER_JSON_PARAMS, cmd["list"], check_json)
        connection.close()
        return out

    _serve(handle)


# ------------------------------------------------------------------------------------------
# orchestration
# ------------------------------------------------------------------------------------------
class Peer:
    def __init__(self, args) -> None:
        self.dir = Path(args.peer_dir)
        self.kit = Path(args.peer_kit)
        self.python = str(self.dir / "venv" / "bin" / "python")
        self.site = self.dir / "site"
        self.n, self.d = args.tickets, args.due

    def env(self, db: str) -> dict:
        env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")}
        env.update(
            PEER_DB=db,
            PEER_SITE_DIR=str(self.site),
            PEER_DIR=str(self.dir),
            PEER_RESULTS_DIR=str(self.dir / "results"),
            PGHOST=PG["host"],
            PGPORT=PG["port"],
            PGUSER=PG["user"],
        )
        return env

    def prepare(self) -> None:
        if not Path(self.python).exists():
            sys.exit(f"peer: {self.python} missing; create the venv (see the module docstring)")
        if not (self.site / "manage.py").exists():
            self.site.mkdir(parents=True, exist_ok=True)
            subprocess.run(  # noqa: S603
                [str(self.dir / "venv" / "bin" / "django-admin"), "startproject", "site_cfg", str(self.site)],
                check=True,
            )
            with open(self.site / "site_cfg" / "settings.py", "a") as fh:
                fh.write((self.kit / "settings_snippet.py").read_text())
            (self.site / "site_cfg" / "urls.py").write_text((self.kit / "site_urls.py").read_text())
        if db_exists(PEER_TPL):
            ok = subprocess.run(  # noqa: S603
                [self.python, str(self.kit / "load_data.py"), "--check", str(self.d)],
                cwd=self.site,
                env=self.env(PEER_TPL),
                check=False,
            )
            count = psql("SELECT count(*) FROM helpdesk_ticket", PEER_TPL)
            if ok.returncode == 0 and int(count) == self.n:
                return
            print("peer: template stale (its due split holds ~4 h); reloading", flush=True)
            drop_db(PEER_TPL)
        psql(f'CREATE DATABASE "{PEER_TPL}"')
        t0 = time.perf_counter()
        subprocess.run(  # noqa: S603
            [self.python, "manage.py", "migrate", "-v", "0"],
            cwd=self.site,
            env=self.env(PEER_TPL),
            check=True,
        )
        subprocess.run(  # noqa: S603
            [self.python, str(self.kit / "load_data.py"), str(self.n), str(self.d)],
            cwd=self.site,
            env=self.env(PEER_TPL),
            check=True,
        )
        print(f"peer: template loaded in {time.perf_counter() - t0:.0f} s", flush=True)

    def fresh_cmd(self, db: str) -> tuple[list[str], dict, Path]:
        return [self.python, "manage.py", "escalate_tickets"], self.env(db), self.site

    def warm_cmd(self, db: str) -> tuple[list[str], dict, Path]:
        return [self.python, str(Path(__file__).resolve()), "--child", "peer-warm"], self.env(db), self.site

    def counts(self, db: str) -> dict:
        row = psql(
            "SELECT (SELECT count(*) FROM helpdesk_followup), (SELECT count(*) FROM helpdesk_ticketchange)",
            db,
        )
        f, c = (int(x) for x in row.split("|"))
        return {"escalated": f, "followups": f, "ticketchanges": c, "ok": f == self.d and c == self.d}


class Ours:
    def __init__(self, args) -> None:
        self.python = sys.executable
        self.n, self.d = args.tickets, args.due

    def prepare(self) -> None:
        # byte-compile the code as the image does at build (Dockerfile): the fresh process runs
        # with PYTHONDONTWRITEBYTECODE as there, and would otherwise compile every module again
        subprocess.run(  # noqa: S603
            [self.python, "-m", "compileall", "-q", "-x", "/node_modules/", str(ROOT)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        if db_exists(OURS_TPL):
            row = psql(
                "SELECT count(*), count(*) FILTER (WHERE next_escalation_at <= now()),"
                " count(*) FILTER (WHERE next_escalation_at <= now() + interval '1 day')"
                " FROM complaints_complaint",
                OURS_TPL,
            )
            n, due, soon = (int(x) for x in row.split("|"))
            if n == self.n and due == self.d and soon == self.d:
                # the database functions and triggers of this code (post_migrate re-creates them),
                # not those of the code that loaded the template
                subprocess.run(  # noqa: S603
                    [self.python, "manage.py", "migrate", "-v", "0"],
                    cwd=ROOT,
                    env=ours_env(OURS_TPL),
                    check=True,
                )
                return
            drop_db(OURS_TPL)
        psql(f'CREATE DATABASE "{OURS_TPL}"')
        out = subprocess.run(  # noqa: S603
            [self.python, str(Path(__file__).resolve()), "--child", "ours-load", "--tickets", str(self.n),
             "--due", str(self.d)],
            cwd=ROOT, env=ours_env(OURS_TPL), check=True, capture_output=True, text=True,
        )  # fmt: skip
        print("ours: loaded", out.stdout.strip().splitlines()[-1], flush=True)

    def fresh_cmd(self, db: str) -> tuple[list[str], dict, Path]:
        env = ours_env(db)
        env["CELERY_TASK_ALWAYS_EAGER"] = "false"  # emails to the broker after commit, as in production
        return [self.python, "manage.py", "complaint_escalation_sweep"], env, ROOT

    def warm_cmd(self, db: str) -> tuple[list[str], dict, Path]:
        return [self.python, str(Path(__file__).resolve()), "--child", "ours-warm"], ours_env(db), ROOT

    def counts(self, db: str) -> dict:
        row = psql(
            "SELECT (SELECT count(*) FROM complaints_complaintescalation WHERE recipients <> 'bench'),"
            " (SELECT count(*) FROM advisory_notification WHERE kind = 'complaint.escalation'),"
            " (SELECT count(*) FROM audit_auditentry WHERE action = 'escalation'),"
            f" (SELECT count(*) FROM complaints_historicalcomplaint WHERE history_change_reason = '{REASON}'),"
            " (SELECT count(*) FROM audit_auditentry WHERE action = 'escalation' AND history_id IS NOT NULL),"
            " (SELECT count(*) FROM audit_auditentry WHERE action = 'escalation' AND sequence IS NOT NULL)",
            db,
        )
        e, n, a, h, linked, chained = (int(x) for x in row.split("|"))
        return {
            "escalated": e,
            "notifications": n,
            "audit_entries": a,
            "history_rows": h,
            "audit_linked_to_history": linked,
            "audit_chained": chained,  # the fresh process hands its entries to the worker (none runs)
            "ok": e == self.d and a == self.d and h == self.d and linked == self.d and n >= self.d,
        }


def run_fresh(side, db: str) -> tuple[float, float]:
    """Wall time from spawn to exit, and the CPU time (user + system) the process used."""
    cmd, env, cwd = side.fresh_cmd(db)
    with open(os.devnull, "w") as out, open(f"{VAR_DIR}/fresh.err", "w") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err)  # noqa: S603
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{cmd} failed:\n{Path(VAR_DIR, 'fresh.err').read_text()[-3000:]}")
    return wall, usage.ru_utime + usage.ru_stime


class Warm:
    def __init__(self, side, db: str) -> None:
        cmd, env, cwd = side.warm_cmd(db)
        self.proc = subprocess.Popen(  # noqa: S603
            cmd, cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def call(self, db: str, list_requests: int = 0) -> dict:
        self.proc.stdin.write(json.dumps({"db": db, "list": list_requests}) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            sys.exit("warm worker died")
        return json.loads(line)

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def med(values: list[float]) -> float:
    return statistics.median(values)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=200_000)
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--list-requests", type=int, default=5)
    parser.add_argument("--peer-dir", default=os.environ.get("PEER_DIR", "/work/peer"))
    parser.add_argument("--peer-kit", default=os.environ.get("PEER_KIT", "/work/shared/peer-bench"))
    parser.add_argument("--json", default="/tmp/peer_compare.json")  # noqa: S108
    parser.add_argument("--child", choices=["ours-sweep", "ours-load", "ours-warm", "peer-warm"])
    parser.add_argument("--only", choices=["ours", "peer"], help="measure one side only (profiling)")
    args = parser.parse_args()
    if args.child:
        {
            "ours-sweep": child_ours_sweep,
            "ours-load": lambda: child_ours_load(args.tickets, args.due),
            "ours-warm": child_ours_warm,
            "peer-warm": child_peer_warm,
        }[args.child]()
        return

    started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    os.makedirs(VAR_DIR, exist_ok=True)
    print(f"peer_compare: {started}; {os.cpu_count()} cores; load {loadavg()}", flush=True)
    sides = {}
    if args.only != "peer":
        sides["ours"] = Ours(args)
    if args.only != "ours":
        sides["peer"] = Peer(args)
    tpl = {"ours": OURS_TPL, "peer": PEER_TPL}
    for side in sides.values():
        side.prepare()

    runs: dict[str, list[dict]] = {name: [] for name in sides}
    warm: dict[str, Warm] = {}
    try:
        for name, side in sides.items():  # warm-up: one sweep and one list request per process
            db = f"{tpl[name]}_w0"
            copy_db(tpl[name], db)
            warm[name] = Warm(side, db)
            warm[name].call(db, 1)
            drop_db(db)
        order = list(sides)
        for p in range(1, args.passes + 1):
            for name in order if p % 2 else order[::-1]:
                side = sides[name]
                rec: dict = {"pass": p}
                db = f"{tpl[name]}_p{p}f"
                copy_db(tpl[name], db)
                rec["load_fresh"] = loadavg()
                wall, cpu = run_fresh(side, db)
                rec["fresh_s"], rec["fresh_cpu_s"] = round(wall, 3), round(cpu, 3)
                rec["fresh_counts"] = side.counts(db)
                drop_db(db)
                db = f"{tpl[name]}_p{p}w"
                copy_db(tpl[name], db)
                rec["load_warm"] = loadavg()
                rec.update(warm[name].call(db, args.list_requests))
                rec["warm_counts"] = side.counts(db)
                drop_db(db)
                runs[name].append(rec)
                lst = (
                    f"list {rec['list']['median_ms']:.1f} ms ({rec['list']['queries']} q)"
                    if "list" in rec
                    else f"list shell {rec['list_shell']['median_ms']:.1f} ms + json "
                    f"{rec['list_json']['median_ms']:.1f} ms ({rec['list_shell']['queries']}+"
                    f"{rec['list_json']['queries']} q)"
                )
                ok = rec["fresh_counts"]["ok"] and rec["warm_counts"]["ok"]
                if name == "ours":  # every entry of the warm call chained once the sequencer ran
                    ok = ok and rec["warm_counts"]["audit_chained"] == args.due
                print(
                    f"pass {p} {name:4s}: fresh process {rec['fresh_s']:.2f} s (CPU {rec['fresh_cpu_s']:.2f} s) "
                    f"[load {rec['load_fresh']}]; warm call {rec['sweep_s']:.3f} s (CPU {rec['sweep_cpu_s']:.3f} s), "
                    f"{rec['statements']} statements [load {rec['load_warm']}]; "
                    + (
                        f"then chained {rec['chained_after']} in {rec['chain_s']:.3f} s; "
                        if "chain_s" in rec
                        else ""
                    )
                    + f"{lst}; writes {'ok' if ok else 'WRONG'} {rec['warm_counts']}",
                    flush=True,
                )
    finally:
        for w in warm.values():
            w.close()
        for name in sides:
            for suffix in ["_w0"] + [f"_p{p}{k}" for p in range(1, args.passes + 1) for k in "fw"]:
                drop_db(tpl[name] + suffix)

    summary: dict = {"started": started, "ended": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())}
    for name, recs in runs.items():
        s = {
            "fresh_s": med([r["fresh_s"] for r in recs]),
            "fresh_cpu_s": med([r["fresh_cpu_s"] for r in recs]),
            "warm_s": med([r["sweep_s"] for r in recs]),
            "warm_cpu_s": med([r["sweep_cpu_s"] for r in recs]),
            "statements": recs[-1]["statements"],
            "per_ticket": recs[-1]["statements"] / args.due,
        }
        if name == "ours":
            s["chain_s"] = med([r["chain_s"] for r in recs])
            s["warm_plus_chain_s"] = med([r["sweep_s"] + r["chain_s"] for r in recs])
        if name == "ours":
            s["list_ms"] = med([r["list"]["median_ms"] for r in recs])
            s["list_q"] = recs[-1]["list"]["queries"]
        else:
            s["shell_ms"] = med([r["list_shell"]["median_ms"] for r in recs])
            s["json_ms"] = med([r["list_json"]["median_ms"] for r in recs])
            s["list_ms"] = s["shell_ms"] + s["json_ms"]
            s["list_q"] = recs[-1]["list_shell"]["queries"] + recs[-1]["list_json"]["queries"]
        summary[name] = s
    print(f"\n{args.passes} passes each, {args.tickets:,} open tickets, {args.due:,} due; "
          f"{summary['started']} – {summary['ended']}; load now {loadavg()}")  # fmt: skip
    print("| measure (median) | ours | django-helpdesk 2.6.1 | ratio |")
    print("|---|---|---|---|")

    def row(label: str, key: str, fmt: str, unit: str) -> None:
        o, pe = summary.get("ours", {}).get(key), summary.get("peer", {}).get(key)
        ratio = f"{pe / o:.1f}×" if o and pe else "—"
        o_s = (fmt % o) + unit if o is not None else "—"
        p_s = (fmt % pe) + unit if pe is not None else "—"
        print(f"| {label} | {o_s} | {p_s} | {ratio} |")

    row("sweep, whole fresh process", "fresh_s", "%.2f", " s")
    row("sweep, whole fresh process: its CPU time (user + sys)", "fresh_cpu_s", "%.2f", " s")
    row("sweep, warm call", "warm_s", "%.3f", " s")
    row("sweep, warm call: the calling process's CPU time", "warm_cpu_s", "%.3f", " s")
    row("then: the sequencer chains the call's audit entries (worker)", "chain_s", "%.3f", " s")
    row("warm call + chaining", "warm_plus_chain_s", "%.3f", " s")
    row("SQL statements per sweep", "statements", "%d", "")
    row("statements per escalated ticket", "per_ticket", "%.3f", "")
    row("staff ticket list (ours: page; peer: shell + JSON)", "list_ms", "%.1f", " ms")
    row("SQL statements per list", "list_q", "%d", "")
    if "peer" in summary:
        print(
            f"peer list detail: shell {summary['peer']['shell_ms']:.1f} ms, JSON {summary['peer']['json_ms']:.1f} ms"
        )
    Path(args.json).write_text(json.dumps({"summary": summary, "runs": runs}, indent=1, default=str))
    print(f"raw figures: {args.json}")


if __name__ == "__main__":
    main()
