"""Where one warm escalation sweep call spends its time (issue 18 §2; figures in
docs/benchmarks/complaints.md): per SQL statement, the commit, the calling process's CPU and the
WAL the call writes.

    .venv/bin/python bench/sweep_profile.py [--passes 5] [--template bench_sweep_tpl]
        [--variants as-is,no-fk,no-cover,checkpoint]

It uses the template database `bench/peer_compare.py` builds (200,000 open tickets, 1,000 due over
the three levels; run that script once first). Each measurement copies the template
(`CREATE DATABASE … TEMPLATE`, as the side-by-side run does), connects this process to the copy and
times one call of `complaint_escalation_sweep` with the audit chain as deployed (deferred: the
call inserts its entries unchained) and the e-mails handed to the file-system broker after commit.
One untimed call on a copy first warms the process. The variants alternate within each pass:

- `as-is`: the schema as migrated.
- `no-fk`: diagnostic only. On the throw-away copy, the foreign-key constraints of the tables the
  sweep inserts into are dropped, to measure what their row-by-row checks cost (PostgreSQL checks
  a foreign key once per inserted row, at commit for Django's deferred constraints). Never a
  deployment option: it says where the commit's time goes, nothing more.
- `no-cover`: diagnostic only. The quality dashboard's covering index on the tickets' received
  date (`complaint_received_cover`) is dropped on the copy. It includes `resolution_breached`,
  which the sweep sets at the breach, so those tickets cannot be updated in place (HOT): each
  writes a new row version and an entry in each of the table's indexes that covers it. Shows what
  that costs; the dashboard counts a month's complaints from that index without reading the table.
- `checkpoint`: a `CHECKPOINT` right before the call, so the first change of every page writes a
  full-page image to the WAL, as the first sweep after a checkpoint does.

Printed per measurement: wall time, the process's CPU time, the commit, the sum of the statements
and the WAL written (`pg_current_wal_insert_lsn` before and after; the machine should be otherwise
quiet); then, per variant, the median of each statement over the passes, with the load average.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

from sweep_ab import loadavg, psql  # the sibling script's helpers (bench/ is on the path)

ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = "/tmp/sweep_profile_var"  # noqa: S108 - the file-system broker of this process
COPY = "bench_sweep_profile"
VARIANTS = ("as-is", "no-fk", "no-cover", "checkpoint")
FK_TABLES = ("complaints_complaintescalation", "advisory_notification", "complaints_escalationtimer")


def label(sql: str) -> str:
    """A short, stable name for a statement: its verb and the table it writes or reads first."""
    words = sql.replace('"', "").split()
    upper = [w.upper() for w in words]
    verb = upper[0]
    if verb == "WITH":
        return "UPDATE tickets + INSERT history (one statement, with the timers' trigger)"
    if verb == "UPDATE" and len(words) > 1:
        return f"UPDATE {words[1]}"
    keyword = {"INSERT": "INTO", "SELECT": "FROM", "DELETE": "FROM"}.get(verb)
    if keyword in upper[:-1]:
        return f"{verb} {words[upper.index(keyword) + 1].split('.')[0]}"
    return verb


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--template", default=os.environ.get("BENCH_SWEEP_TPL", "bench_sweep_tpl"))
    parser.add_argument("--variants", default=",".join(VARIANTS))
    args = parser.parse_args()
    variants = [v for v in args.variants.split(",") if v]
    unknown = set(variants) - set(VARIANTS)
    if unknown:
        parser.error(f"unknown variants: {', '.join(sorted(unknown))}")
    if psql(f"SELECT 1 FROM pg_database WHERE datname = '{args.template}'") != "1":
        sys.exit(f"no template database {args.template}: run bench/peer_compare.py once first")

    os.environ.pop("REDIS_URL", None)
    os.environ.update(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{COPY}",
        DJANGO_SETTINGS_MODULE="advisory.settings.test",
        AUDIT_CHAIN_MODE="deferred",
        ADVISORY_VAR_DIR=VAR_DIR,
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection, connections
    from django.db.backends.base.base import BaseDatabaseWrapper

    from advisory.celery import app, ensure_broker_folders
    from complaints.services import complaint_escalation_sweep

    app.conf.task_always_eager = False  # e-mails go to a worker after commit, as deployed
    ensure_broker_folders()

    commits: list[float] = []
    plain_commit = BaseDatabaseWrapper._commit

    def timed_commit(self):  # the sweep's transaction ends in this call
        t0 = time.perf_counter()
        try:
            return plain_commit(self)
        finally:
            commits.append(time.perf_counter() - t0)

    BaseDatabaseWrapper._commit = timed_commit

    statements: list[tuple[str, float]] = []

    def timed(execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append((label(sql), time.perf_counter() - t0))

    def fresh_copy(variant: str) -> None:
        connections.close_all()
        psql(f'DROP DATABASE IF EXISTS "{COPY}" WITH (FORCE)')
        psql(f'CREATE DATABASE "{COPY}" TEMPLATE "{args.template}"')
        connection.ensure_connection()
        with connection.cursor() as cur:
            if variant == "no-fk":
                cur.execute(
                    "SELECT conrelid::regclass::text, conname FROM pg_constraint"
                    " WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)",
                    [list(FK_TABLES)],
                )
                for table, name in cur.fetchall():
                    cur.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            elif variant == "no-cover":
                cur.execute("DROP INDEX complaint_received_cover")
            elif variant == "checkpoint":
                cur.execute("CHECKPOINT")

    def wal_lsn() -> str:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_current_wal_insert_lsn()")
            return cur.fetchone()[0]

    def wal_bytes(start: str, end: str) -> int:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_wal_lsn_diff(%s, %s)", [end, start])
            return int(cur.fetchone()[0])

    def measure(variant: str) -> dict:
        fresh_copy(variant)
        start = wal_lsn()
        statements.clear()
        commits.clear()
        with connection.execute_wrapper(timed):
            c0, t0 = time.process_time(), time.perf_counter()
            result = complaint_escalation_sweep()
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        end = wal_lsn()
        assert result["escalations"] > 0, result
        by_label: dict[str, float] = defaultdict(float)
        for name, seconds in statements:
            by_label[name] += seconds
        return {
            "wall": wall,
            "cpu": cpu,
            "commit": sum(commits),
            "sql": sum(s for _, s in statements),
            "count": len(statements),
            "wal": wal_bytes(start, end),
            "by_label": dict(by_label),
            "result": result,
        }

    print(f"warm-up on a copy of {args.template} [load {loadavg()}]")
    measure("as-is")
    started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    runs: dict[str, list[dict]] = {v: [] for v in variants}
    for p in range(args.passes):
        order = variants if p % 2 == 0 else list(reversed(variants))
        for variant in order:
            m = measure(variant)
            runs[variant].append(m)
            print(
                f"pass {p + 1} {variant:10} wall {m['wall'] * 1000:6.1f} ms  CPU {m['cpu'] * 1000:5.1f} ms"
                f"  commit {m['commit'] * 1000:5.1f} ms  statements {m['count']} in {m['sql'] * 1000:5.1f} ms"
                f"  WAL {m['wal'] / 1e6:.2f} MB  [load {loadavg()}]"
            )
    connections.close_all()
    psql(f'DROP DATABASE IF EXISTS "{COPY}" WITH (FORCE)')

    print(
        f"\n{args.passes} passes, {started} – {time.strftime('%H:%M:%S UTC', time.gmtime())}; load {loadavg()}"
    )
    for variant in variants:
        ms = runs[variant]

        def med(values: list[float]) -> float:
            return statistics.median(values) * 1000

        print(f"\n{variant}: {ms[0]['result']}")
        print("| part | median ms |\n|---|---|")
        print(f"| whole call (wall) | {med([m['wall'] for m in ms]):.1f} |")
        print(f"| the process's CPU | {med([m['cpu'] for m in ms]):.1f} |")
        medians = {n: med([m["by_label"].get(n, 0.0) for m in ms]) for m in ms for n in m["by_label"]}
        names = sorted(medians, key=lambda n: -medians[n])
        for name in names:
            print(f"| {name} | {medians[name]:.1f} |")
        print(f"| commit | {med([m['commit'] for m in ms]):.1f} |")
        print(f"| WAL written | {statistics.median(m['wal'] for m in ms) / 1e6:.2f} MB |")


if __name__ == "__main__":
    main()
