"""Audit archive benchmarks (SPEC §5, issues 6 and 12).

    createdb -h 127.0.0.1 -U postgres bench_audit   # once
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_audit .venv/bin/python bench/audit_bench.py
    # issue 12 only (1,000,000 entries + their history rows, full and incremental verification):
    DATABASE_URL=... .venv/bin/python bench/audit_bench.py --verify-only

Measures, on a PostgreSQL database of its own:
1. write overhead of auditing on a bulk import of 10,000 clients: plain bulk_create vs
   simple-history's bulk_create_with_history vs audit.bulk.bulk_create_audited (history + chain);
2. `audit_verify` over 1,000,000 entries (generated with a valid chain and loaded with COPY);
3. the audit browser's filtered page (full HTTP request through the middleware) with those entries.
4. (issue 12) `audit_verify` full and incremental over N entries that each mirror a history row
   (generated with generate_series + COPY, signed checkpoints every --checkpoint-every entries),
   with the load average printed per pass.
Options: --entries N (default 1,000,000), --clients N (default 10,000), --skip-generate,
--verify-only, --checkpoint-every N (default 1000), --new-entries N (default 1000).
The database connection must be a superuser (generation switches the audit triggers off for its
own session, as a DBA restoring data would).
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advisory.settings.test")
_BENCH_VAR = Path(os.environ.get("BENCH_AUDIT_DIR", "/tmp/bench-audit"))
os.environ.setdefault("AUDIT_SIGNING_KEY_FILE", str(_BENCH_VAR / "keys" / "signing.pem"))
os.environ.setdefault("AUDIT_PUBLIC_KEY_FILE", str(_BENCH_VAR / "keys" / "signing.pub.pem"))
os.environ.setdefault("AUDIT_CHECKPOINT_DIR", str(_BENCH_VAR / "checkpoints"))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client as HttpClient  # noqa: E402

from audit.fields import canonical_json  # noqa: E402
from audit.models import AuditEntry  # noqa: E402
from audit.services import GENESIS, _chain_digest, audit_verify, content_digest  # noqa: E402

ACTIONS = (
    ["create"] * 20
    + ["update"] * 50
    + ["transition"] * 10
    + ["login"] * 10
    + ["reveal", "download", "export"] * 3
    + ["login_failed"]
)
TYPES = [
    "clients.client",
    "clients.onboardingcase",
    "risk.riskassessment",
    "planning.proposal",
    "planning.review",
    "complaints.complaint",
    "advisory.user",
    "risk.questionnaireresponse",
]


def median_ms(fn, runs: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), times


def generate_entries(n: int, *, actors: list[int], clients: int = 20000) -> float:
    """Write n entries with a valid chain via COPY (hashes computed exactly as the app does)."""
    rng = random.Random(42)
    with connection.cursor() as cur:
        cur.execute("SET session_replication_role = replica")  # superuser: audit triggers off
        cur.execute("TRUNCATE audit_auditentry, audit_auditchainhead")
        cur.execute("SET session_replication_role = DEFAULT")
    start = datetime.datetime(2023, 1, 1, tzinfo=datetime.UTC)
    step = datetime.timedelta(seconds=(3 * 365 * 86400) / n)
    prev = GENESIS
    cols = (
        "sequence,occurred_at,actor_id,actor_label,action,record_type,record_id,record_label,client_id,reason,"
        "changes,ip_address,user_agent,history_id,content_hash,redacted,prev_hash,hash"
    )
    t0 = time.perf_counter()
    chunk = 100_000
    raw = connection.connection if connection.connection else None
    for base in range(0, n, chunk):
        buf = io.StringIO()
        for seq in range(base + 1, min(base + chunk, n) + 1):
            when = start + step * seq
            actor = rng.choice(actors)
            action = rng.choice(ACTIONS)
            rtype = rng.choice(TYPES)
            rid = str(rng.randint(1, 200000))
            client = rng.randint(1, clients)
            label = f"Record {rid}"
            changes = {
                "status": ["draft", "submitted"],
                "amount": [rng.randint(0, 10**6), rng.randint(0, 10**6)],
            }
            reason = "Bench change"
            ip, ua = "10.0.0.1", "bench/1.0"
            chash = content_digest(label, changes)
            h = _chain_digest(
                prev,
                seq,
                when,
                actor,
                f"user{actor}@example.test",
                action,
                rtype,
                rid,
                client,
                reason,
                ip,
                ua,
                None,
                chash,
            )
            row = [
                str(seq),
                when.isoformat(),
                str(actor),
                f"user{actor}@example.test",
                action,
                rtype,
                rid,
                label,
                str(client),
                reason,
                canonical_json(changes).replace("\\", "\\\\"),
                ip,
                ua,
                "\\N",
                chash,
                "f",
                prev,
                h,
            ]
            buf.write("\t".join(row) + "\n")
            prev = h
        buf.seek(0)
        connection.ensure_connection()
        raw = connection.connection
        with raw.cursor() as cur:
            cur.copy_expert(f"COPY audit_auditentry ({cols}) FROM STDIN", buf)
        raw.commit()
    with connection.cursor() as cur:
        cur.execute("SET session_replication_role = replica")
        cur.execute(
            "INSERT INTO audit_auditchainhead (id, sequence, last_hash) VALUES (1, %s, %s)", [n, prev]
        )
        cur.execute("SET session_replication_role = DEFAULT")
        cur.execute("ANALYZE audit_auditentry")
    return time.perf_counter() - t0


HISTORY_TABLE = "audit_historicalretentionrule"


def generate_with_history(n: int, *, checkpoint_every: int) -> float:
    """Issue 12: n history rows (generate_series, in SQL) and n chained entries that mirror them —
    each entry carries the row's history_id and digest, computed by PostgreSQL exactly as the append
    path does — loaded with COPY; then one signed checkpoint file every `checkpoint_every` entries."""
    import base64
    import json
    import shutil

    from audit.checkpoints import (
        FORMAT,
        _file_name,
        _private_key,
        _signed_bytes,
        checkpoint_dir,
        key_generate,
    )
    from audit.checkpoints import key_id as kid_of
    from audit.protection import history_digest_sql

    t0 = time.perf_counter()
    shutil.rmtree(_BENCH_VAR, ignore_errors=True)
    key_generate()
    key = _private_key()
    kid = kid_of(key.public_key())
    folder = checkpoint_dir()
    folder.mkdir(parents=True, exist_ok=True)
    with connection.cursor() as cur:
        cur.execute("SET session_replication_role = replica")  # superuser: audit triggers off
        cur.execute(
            f"TRUNCATE audit_auditentry, audit_auditchainhead, audit_auditcheckpoint, audit_auditverification, {HISTORY_TABLE}"
        )
        cur.execute(
            f"""INSERT INTO {HISTORY_TABLE} (history_id, id, record_type, name, years, trigger, description,
                       history_date, history_change_reason, history_type, history_user_id)
                SELECT g, (g %% 50000) + 1, 'rule' || ((g %% 50000) + 1), 'Bench rule ' || g, 1 + g %% 10,
                       'closed', 'Bench description of change ' || g,
                       timestamptz '2023-01-01 00:00:00+00' + g * interval '90 seconds', 'Bench change',
                       CASE WHEN g <= 50000 THEN '+' ELSE '~' END, 1 + g %% 50
                  FROM generate_series(1, %s) g""",
            [n],
        )
        cur.execute(f"SELECT setval(pg_get_serial_sequence('{HISTORY_TABLE}', 'history_id'), %s)", [n])
        cur.execute("SET session_replication_role = DEFAULT")
        cur.execute(f"ANALYZE {HISTORY_TABLE}")
    print(f"   {n:,} history rows in {time.perf_counter() - t0:.1f} s")
    cols = (
        "sequence,occurred_at,actor_id,actor_label,action,record_type,record_id,record_label,client_id,reason,"
        "changes,ip_address,user_agent,history_id,history_hash,content_hash,redacted,prev_hash,hash"
    )
    prev = GENESIS
    connection.ensure_connection()
    raw = connection.connection
    with transaction.atomic():  # a named (server-side) cursor needs a transaction
        read = raw.cursor(name="bench_history")
        read.itersize = 50_000
        read.execute(
            f"SELECT h.history_id, h.id, h.history_date, h.history_type, h.history_user_id, {history_digest_sql(HISTORY_TABLE)}"
            f" FROM {HISTORY_TABLE} h ORDER BY h.history_id"
        )
        write = raw.cursor()
        buf = io.StringIO()
        seq = 0
        changes = {"years": [3, 4]}
        changes_text = canonical_json(changes)
        for history_id, rid, when, htype, actor, digest in read:
            seq += 1
            action = "create" if htype == "+" else "update"
            label = f"Bench rule {history_id}"
            chash = content_digest(label, changes)
            h = _chain_digest(
                prev,
                seq,
                when,
                actor,
                f"user{actor}@example.test",
                action,
                "audit.retentionrule",
                str(rid),
                None,
                "Bench change",
                "10.0.0.1",
                "bench/1.0",
                history_id,
                chash,
                digest,
            )
            buf.write(
                "\t".join(
                    [
                        str(seq),
                        when.isoformat(),
                        str(actor),
                        f"user{actor}@example.test",
                        action,
                        "audit.retentionrule",
                        str(rid),
                        label,
                        "\\N",
                        "Bench change",
                        changes_text,
                        "10.0.0.1",
                        "bench/1.0",
                        str(history_id),
                        digest,
                        chash,
                        "f",
                        prev,
                        h,
                    ]
                )
                + "\n"
            )
            prev = h
            if seq % checkpoint_every == 0:
                at = datetime.datetime(2023, 1, 1, tzinfo=datetime.UTC) + datetime.timedelta(seconds=90 * seq)
                payload = {
                    "format": FORMAT,
                    "sequence": seq,
                    "hash": h,
                    "signed_at": at.isoformat(timespec="microseconds"),
                    "key_id": kid,
                }
                payload["signature"] = base64.b64encode(key.sign(_signed_bytes(payload))).decode()
                (folder / _file_name(seq, at)).write_text(
                    json.dumps(payload, sort_keys=True, indent=2) + "\n"
                )
            if seq % 100_000 == 0:
                buf.seek(0)
                write.copy_expert(f"COPY audit_auditentry ({cols}) FROM STDIN", buf)
                buf = io.StringIO()
        buf.seek(0)
        write.copy_expert(f"COPY audit_auditentry ({cols}) FROM STDIN", buf)
        read.close()
        write.execute("SET session_replication_role = replica")
        write.execute(
            "INSERT INTO audit_auditchainhead (id, sequence, last_hash) VALUES (1, %s, %s)", [seq, prev]
        )
        write.execute("SET session_replication_role = DEFAULT")
    with connection.cursor() as cur:
        cur.execute("ANALYZE audit_auditentry")
    return time.perf_counter() - t0


def _load() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"load {one:.1f} (5 min {five:.1f})"


def bench_verify(*, new_entries: int) -> dict:
    """Full verification (3 passes), then new records written through the application (history
    row + chained entry each), a checkpoint, and incremental verification (3 passes)."""
    from advisory.history import audited_save
    from audit.checkpoints import checkpoint_create
    from audit.models import RetentionRule
    from audit.services import audit_verify_and_record

    out: dict = {"full": [], "incremental": []}
    print(f"\n4. audit_verify over {AuditEntry.objects.count():,} entries and their history rows")
    for _ in range(3):
        load = _load()
        result = audit_verify_and_record(actor=None, full=True)
        out["full"].append(result.seconds)
        print(f"  full         {result.seconds:6.2f} s  {load}  {result}")
    # CPU actually spent (the database backend's and this process's), serial plan: what the run
    # costs on an idle machine whatever the load of the shared host at the time of the run
    from django.db import connection as conn

    with conn.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
        cur.execute("SET max_parallel_workers_per_gather = 0")
    tick = os.sysconf("SC_CLK_TCK")

    def backend_cpu() -> float:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / tick

    if Path(f"/proc/{pid}/stat").exists():  # the database runs on this host
        load = _load()
        before_db, before_py, t0 = backend_cpu(), time.process_time(), time.perf_counter()
        result = audit_verify_and_record(actor=None, full=True)
        cpu = backend_cpu() - before_db + time.process_time() - before_py
        out["serial_cpu"] = cpu
        print(
            f"  full, serial plan: CPU {cpu:.2f} s (database {backend_cpu() - before_db:.2f} s), "
            f"wall {time.perf_counter() - t0:.2f} s  {load}  {result}"
        )
    with conn.cursor() as cur:
        cur.execute("RESET max_parallel_workers_per_gather")
    t0 = time.perf_counter()
    tag = f"{int(time.time()) % 10**6}"
    for i in range(new_entries):
        rule = RetentionRule(record_type=f"n{tag}-{i}", name=f"New rule {i}", years=5, trigger="closed")
        audited_save(rule, actor=None, reason="bench: new record")
    print(
        f"  wrote {new_entries} records through the app (history + chain) in {time.perf_counter() - t0:.1f} s"
    )
    # the incremental run starts at the checkpoint the full run confirmed
    for _ in range(3):
        load = _load()
        result = audit_verify_and_record(actor=None, full=False)
        out["incremental"].append(result.seconds)
        print(f"  incremental  {result.seconds:6.2f} s  {load}  {result}")
    checkpoint_create(email=False)
    return out


def bench_import(n: int) -> dict:
    from simple_history.utils import bulk_create_with_history

    from advisory.models import User
    from advisory.roles import Role
    from audit.bulk import bulk_create_audited
    from audit.managers import allow_bulk_writes
    from clients.models import Client

    advisor, _ = User.objects.get_or_create(
        email="bench-advisor@example.test", defaults={"full_name": "Bench", "role": Role.ADVISOR}
    )

    def make(tag: str) -> list:
        return [
            Client(
                file_number=f"B{tag}{i:07d}",
                name=f"Bench Client {i}",
                advisor=advisor,
                email=f"c{i}@example.test",
                id_number=f"1101011990{i:08d}",
                phone="13800000000",
            )
            for i in range(n)
        ]

    def wipe() -> None:
        with connection.cursor() as cur:
            cur.execute("DELETE FROM clients_historicalclient WHERE file_number LIKE 'B%%'")
            cur.execute("DELETE FROM clients_client WHERE file_number LIKE 'B%%'")

    out = {}
    for label, fn in [
        (
            "plain bulk_create (no history, no audit)",
            lambda objs: Client.objects.bulk_create(objs, batch_size=1000),
        ),
        (
            "bulk_create_with_history (history only)",
            lambda objs: bulk_create_with_history(objs, Client, batch_size=1000),
        ),
        (
            "bulk_create_audited (history + hash chain)",
            lambda objs: bulk_create_audited(objs, actor=advisor, reason="bench import"),
        ),
    ]:
        runs = []
        for r in range(3):
            wipe()
            objs = make(f"{r}")
            t0 = time.perf_counter()
            with transaction.atomic(), allow_bulk_writes():
                fn(objs)
            runs.append(time.perf_counter() - t0)
        out[label] = statistics.median(runs)
        print(f"  {label:<45} median {out[label]:.2f} s  runs {[round(x, 2) for x in runs]}")
    wipe()
    return out


def bench_browser(runs: int) -> dict:
    from advisory.models import User
    from advisory.roles import Role

    officer, _ = User.objects.get_or_create(
        email="bench-compliance@example.test", defaults={"full_name": "Bench C", "role": Role.COMPLIANCE}
    )
    http = HttpClient()
    http.force_login(officer)
    last = AuditEntry.objects.order_by("-sequence").values_list("occurred_at", flat=True).first()
    month_ago = (last - datetime.timedelta(days=30)).date().isoformat()
    year_ago = (last - datetime.timedelta(days=400)).date().isoformat()
    year_ago_end = (last - datetime.timedelta(days=370)).date().isoformat()
    cases = {
        "no filter (newest page)": "",
        "client_id": "?client_id=4242",
        "user (actor_id)": "?actor_id=7",
        "action=reveal": "?action=reveal",
        "record_type + action": "?record_type=planning.proposal&action=transition",
        "action + last 30 days": f"?action=update&date_from={month_ago}",
        "record_type + a month a year ago": f"?record_type=complaints.complaint&date_from={year_ago}&date_to={year_ago_end}",
        "user + action + a month a year ago": f"?actor_id=7&action=login&date_from={year_ago}&date_to={year_ago_end}",
        "client timeline": None,
    }
    out = {}
    for label, query in cases.items():
        url = "/app/audit/clients/4242/" if query is None else "/app/audit/" + query
        response = http.get(url)
        assert response.status_code == 200, (url, response.status_code)
        med, times = median_ms(lambda url=url: http.get(url), runs)
        out[label] = med
        print(f"  {label:<40} median {med:7.1f} ms  (p90 {sorted(times)[int(len(times) * 0.9) - 1]:.1f})")
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--skip-generate", action="store_true")
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--verify-only", action="store_true", help="issue 12: only section 4")
    parser.add_argument("--checkpoint-every", type=int, default=1000)
    parser.add_argument("--new-entries", type=int, default=1000)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database of your own.")
    print(f"database: {settings.DATABASES['default']['NAME']}  cpus: {os.cpu_count()}")
    call_command("migrate", verbosity=0)
    if args.verify_only:
        print(f"cpus: {os.cpu_count()}  {_load()}")
        if not args.skip_generate:
            print(f"\n   generating {args.entries:,} history rows and their chained entries ...")
            secs = generate_with_history(args.entries, checkpoint_every=args.checkpoint_every)
            print(f"   generated in {secs:.1f} s")
        res = bench_verify(new_entries=args.new_entries)
        print(
            f"\n  full median {statistics.median(res['full']):.2f} s, "
            f"incremental median {statistics.median(res['incremental']):.2f} s  ({_load()})"
        )
        return
    if not args.skip_import:
        print(f"\n1. bulk import of {args.clients} clients")
        res = bench_import(args.clients)
        plain, hist, audited = res.values()
        print(
            f"  ratio history/plain {hist / plain:.2f}×, audited/plain {audited / plain:.2f}×, audited/history {audited / hist:.2f}×"
        )
    if not args.skip_generate:
        print(f"\n   generating {args.entries:,} chained entries with COPY ...")
        secs = generate_entries(args.entries, actors=list(range(1, 51)))
        print(f"   generated in {secs:.1f} s")
    print(f"\n2. audit_verify over {AuditEntry.objects.count():,} entries")
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        result = audit_verify()
        times.append(time.perf_counter() - t0)
        print(f"  {result}  {times[-1]:.2f} s")
    print(f"  median {statistics.median(times):.2f} s")
    print("\n3. audit browser filtered page (HTTP, 25 runs each)")
    bench_browser(25)


if __name__ == "__main__":
    main()
