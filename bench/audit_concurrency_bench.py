"""Benchmark: audited writes under concurrency, with the audit chain on and off (issue 18 part 3).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_audit_conc \\
        .venv/bin/python bench/audit_concurrency_bench.py [--writers 1,4,16,64] [--seconds 6] [--passes 2]
            [--think-ms 0]

Every writer is a separate process with its own database connection, acting as its own advisor
on its own client, complaint and draft proposal (as staff do: different people, different files),
and calls the service layer in turn: `clients.services.client_update` (a financial figure: history
row, classification, audit entry), `complaints.services.complaint_reply` (a reply to the client on
the timeline, notification) and `planning.services.proposal_update` (a draft saved: the checks run
again, history row, audit entry).

Modes (AUDIT_CHAIN_MODE, alternated within each pass, the order rotating from pass to pass):
* off      — entries written, never chained: the baseline without the chain;
* inline   — the writer chains inside its own transaction under the chain head's row lock and holds
             it until commit (the design before issue 18; SQLite still works this way);
* deferred — writers insert unchained; the sequencer chains committed entries right after commit,
             in the writer's process (its on-commit run);
* listener — writers insert unchained and send NOTIFY; a separate `manage.py audit_chain --listen`
             process (started for the cell, on this machine, so its CPU counts) chains what commits.

--think-ms T makes each writer pause T ms (±50 %, uniformly drawn) after every write, as a person
does between saves; 0 (the default) is the saturation test, writers back to back. The latency of a
write never includes the pause.

Per cell: writes/s, audit entries/s, p50/p95/max latency of one service call, entries still
unchained when the cell ended and the seconds the sequencer needed to catch up, and the load average.
At the end every entry is chained and `audit_verify --full` must say intact.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advisory.settings.test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_audit_conc")
os.environ.setdefault("AXES_ENABLED", "false")

MODES = ("off", "inline", "deferred", "listener")
EMAIL = "bench-writer-{n:03d}@example.test"


def ensure_database() -> None:
    import psycopg2

    url = os.environ["DATABASE_URL"]
    name = url.rsplit("/", 1)[1]
    conn = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname=%s", [name])
        if not cur.fetchone():
            cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


ensure_database()

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().split(" ", 3)[:3].__str__().replace("'", "")


def build(writers: int) -> list[tuple[int, int, int, int]]:
    """(advisor id, client id, complaint id, proposal id) per writer; created once, reused."""
    from advisory.models import User
    from advisory.roles import Role
    from clients.models import Client
    from complaints.models import Complaint
    from planning.models import Proposal
    from risk.models import Product
    from tests.complaints.factories import make_complaint
    from tests.factories import StaffQualificationFactory, UserFactory
    from tests.planning.factories import ClientFactory, ProductFactory, make_ready_proposal

    settings.AUDIT_CHAIN_MODE = "inline"
    # factory_boy numbers from 0 in every process: continue after the rows already there
    ClientFactory.reset_sequence(Client.objects.count() + 1)
    ProductFactory.reset_sequence(Product.objects.count() + 1)
    out = []
    for n in range(writers):
        advisor = User.objects.filter(email=EMAIL.format(n=n)).first()
        if advisor is None:
            advisor = UserFactory(role=Role.ADVISOR, email=EMAIL.format(n=n), full_name=f"Bench Writer {n}")
            StaffQualificationFactory(user=advisor, number=f"BENCH-{n:05d}")
        client = Client.objects.filter(advisor=advisor).order_by("id").first() or ClientFactory(
            advisor=advisor, name=f"Bench Client {n}", monthly_income=Decimal("30000")
        )

        complaint = Complaint.objects.filter(client=client).order_by("id").first() or make_complaint(
            client=client, actor=advisor
        )
        proposal = Proposal.objects.filter(client=client, status="draft").order_by(
            "id"
        ).first() or make_ready_proposal(client=client, advisor=advisor)
        out.append((advisor.pk, client.pk, complaint.pk, proposal.pk))
    return out


def _one_write(kind: int, i: int, ids: tuple[int, int, int, int]) -> None:
    from advisory.models import User
    from clients.models import Client
    from clients.services import client_update
    from complaints.models import Complaint
    from complaints.services import complaint_reply
    from planning.models import Proposal
    from planning.services import proposal_update

    advisor_id, client_id, complaint_id, proposal_id = ids
    actor = User.objects.get(pk=advisor_id)
    if kind == 0:
        client = Client.objects.get(pk=client_id)
        client_update(
            client=client,
            actor=actor,
            data={"monthly_income": Decimal(30000 + (i % 997))},
            reason="Income confirmed by phone",
        )
    elif kind == 1:
        complaint = Complaint.objects.select_related("client").get(pk=complaint_id)
        complaint_reply(complaint=complaint, actor=actor, body=f"We are looking into it (update {i}).")
    else:
        proposal = Proposal.objects.get(pk=proposal_id)
        proposal_update(proposal=proposal, actor=actor, title=f"Balanced plan v{i}")


def _writer(mode: str, ids, barrier, start_at, seconds: float, think_ms: float, out) -> None:
    import random

    from django.db import connections as conns

    rng = random.Random(ids[0])

    settings.AUDIT_CHAIN_MODE = mode
    for kind in range(3):  # warm: connection, imports, caches
        _one_write(kind, kind, ids)
    barrier.wait()
    while start_at.value == 0.0 or time.time() < start_at.value:
        time.sleep(0.001)
    deadline = start_at.value + seconds
    lat: list[float] = []
    i = 3
    while True:
        t0 = time.perf_counter()
        if time.time() >= deadline:
            break
        _one_write(i % 3, i, ids)
        lat.append(time.perf_counter() - t0)
        i += 1
        if think_ms:
            time.sleep(think_ms * rng.uniform(0.5, 1.5) / 1000)
    out.put(lat)
    conns.close_all()


def _entries() -> int:
    from audit.models import AuditEntry

    return AuditEntry.objects.count()


def _drain() -> float:
    from audit.sequencer import pending_count, sequencer_run

    t0 = time.perf_counter()
    sequencer_run(wait=True)
    assert pending_count() == 0
    return time.perf_counter() - t0


def _start_listener() -> subprocess.Popen:
    """The listening sequencer as deployed (`audit_chain --listen`), connected before the cell."""
    from audit.sequencer import listening_sequencers

    proc = subprocess.Popen(
        [sys.executable, "manage.py", "audit_chain", "--listen"],
        cwd=ROOT,
        env={**os.environ, "AUDIT_CHAIN_MODE": "listener"},
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if listening_sequencers():
            return proc
        time.sleep(0.05)
    proc.kill()
    raise SystemExit("the listening sequencer did not connect within 30 s")


def _stop_listener(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    proc.wait(30)


def cell(mode: str, writers: int, ids, seconds: float, think_ms: float = 0.0) -> dict:
    from audit.sequencer import pending_count

    settings.AUDIT_CHAIN_MODE = "deferred"
    _drain()
    before = _entries()
    listener = _start_listener() if mode == "listener" else None
    connections.close_all()  # the children open their own connections
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(writers + 1)
    start_at = ctx.Value("d", 0.0)
    out = ctx.Queue()
    procs = [
        ctx.Process(target=_writer, args=(mode, ids[n], barrier, start_at, seconds, think_ms, out))
        for n in range(writers)
    ]
    for p in procs:
        p.start()
    barrier.wait()
    before = _entries()  # after the writers' warm-up
    connections.close_all()
    start_at.value = time.time() + 0.2
    lat: list[float] = []
    for _ in procs:
        lat.extend(out.get())
    end_load = loadavg()
    pending = pending_count()
    for p in procs:
        p.join()
    if listener is not None:
        _stop_listener(listener)
    written = _entries() - before
    drain = _drain() if mode != "off" else 0.0
    lat.sort()
    return {
        "mode": mode,
        "writers": writers,
        "writes_s": len(lat) / seconds,
        "entries_s": written / seconds,
        "p50": statistics.median(lat) * 1000,
        "p95": lat[int(len(lat) * 0.95) - 1] * 1000 if len(lat) >= 20 else max(lat) * 1000,
        "max": lat[-1] * 1000,
        "pending": pending if mode != "off" else None,
        "catchup": drain,
        "load": end_load,
        "latencies": lat,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--writers", default="1,4,16,64")
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--passes", type=int, default=2)
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--think-ms", type=float, default=0.0, help="pause after each write (mean, ±50%%)")
    args = parser.parse_args()
    levels = [int(x) for x in args.writers.split(",")]
    modes = args.modes.split(",")

    call_command("migrate", verbosity=0)
    print(
        f"machine: {platform.node()} {os.cpu_count()} cores, PostgreSQL, Python {platform.python_version()}; "
        f"{time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())} UTC; load {loadavg()}; "
        f"think time {args.think_ms:g} ms"
    )
    ids = build(max(levels))
    results: list[dict] = []
    header = (
        f"{'pass':>4} {'mode':<8} {'writers':>7} {'writes/s':>9} {'entries/s':>9} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'max ms':>8} {'pending':>7} {'catch-up s':>10}  load"
    )
    print(header)
    for n in range(args.passes):
        for writers in levels:
            order = modes[n % len(modes) :] + modes[: n % len(modes)]
            for mode in order:
                r = cell(mode, writers, ids, args.seconds, args.think_ms)
                r["pass"] = n + 1
                results.append(r)
                print(
                    f"{n + 1:>4} {mode:<8} {writers:>7} {r['writes_s']:>9.1f} {r['entries_s']:>9.1f} {r['p50']:>8.1f} "
                    f"{r['p95']:>8.1f} {r['max']:>8.1f} {'' if r['pending'] is None else r['pending']:>7} "
                    f"{r['catchup']:>10.3f}  {r['load']}",
                    flush=True,
                )

    print(
        "\nover the passes: writes/s (median), p95 ms of every write of the level's cells pooled "
        "(a single writer with a think time makes few writes per cell); ratio = chain mode / off"
    )
    single = {}
    for writers in levels:
        row = {}
        for mode in modes:
            rs = [r for r in results if r["mode"] == mode and r["writers"] == writers]
            pooled = sorted(x for r in rs for x in r["latencies"])
            row[mode] = (
                statistics.median(r["writes_s"] for r in rs),
                pooled[max(0, int(len(pooled) * 0.95) - 1)] * 1000,
                len(pooled),
            )
            if writers == levels[0]:
                single[mode] = row[mode][1]
        parts = []
        for mode in modes:
            w, p95, n = row[mode]
            ratio = f" ({w / row['off'][0]:.0%} of off)" if "off" in row and mode != "off" else ""
            p95x = (
                f", p95 {p95 / single[mode]:.1f}x single" if mode in single and writers != levels[0] else ""
            )
            parts.append(f"{mode} {w:.1f}/s p95 {p95:.0f} ms (n={n}){ratio}{p95x}")
        print(f"  {writers:>3} writers: " + "; ".join(parts))

    from audit.services import audit_verify

    _drain()
    result = audit_verify(full=True)
    print(f"\nafter the run: {result}; load {loadavg()}")


if __name__ == "__main__":
    main()
