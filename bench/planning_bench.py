"""Planning benchmarks (issue 4):

1. a proposal with 20 lines saved with every check and a 10,000-path projection (target < 300 ms);
2. one investment-proposal PDF rendered (target < 1.5 s median);
3. two Celery workers rendering 100 PDFs (measured rate).

Run against a PostgreSQL database of your own and Redis db 5:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_planning REDIS_URL=redis://127.0.0.1:6379/5 \
        .venv/bin/python bench/planning_bench.py [--runs 15] [--pdfs 7] [--workers 2 --jobs 100]

The script migrates the database, creates its data (idempotently), prints medians.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advisory.settings.dev")


def setup() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def data():
    import datetime

    from advisory.clock import now, today
    from advisory.models import StaffQualification, User
    from advisory.roles import Role
    from clients.models import Client
    from planning import services
    from risk.models import AssessmentStatus, Product, Questionnaire, QuestionnaireVersion, RiskAssessment

    advisor, _ = User.objects.get_or_create(
        email="bench-advisor@example.test", defaults={"full_name": "Bench Advisor", "role": Role.ADVISOR}
    )
    StaffQualification.objects.get_or_create(
        kind="cfp", number="BENCH-1", defaults={"user": advisor, "issued_on": datetime.date(2020, 1, 1)}
    )
    client, _ = Client.objects.get_or_create(
        file_number="CL-2026-BENCH1",
        defaults={"name": "基准客户 Bench Client", "advisor": advisor, "status": "active"},
    )
    if not RiskAssessment.objects.filter(client=client).exists():
        q, _ = Questionnaire.objects.get_or_create(code="bench", defaults={"name": "Bench"})
        v, _ = QuestionnaireVersion.objects.get_or_create(
            questionnaire=q,
            number=1,
            defaults={"title": "Bench", "status": "published", "published_at": now()},
        )
        RiskAssessment.objects.create(
            client=client,
            version=v,
            administered_by=advisor,
            willingness_level="C4",
            capacity_level="C4",
            effective_level="C4",
            status=AssessmentStatus.CONFIRMED,
            confirmed_at=now(),
            valid_until=today() + datetime.timedelta(days=300),
        )
    services.model_portfolios_install_defaults()
    # 20 products following the C4 model: cash 1, bonds 5, equities 10, real estate 2, alternatives 2
    spec = (
        [("cash", 1, "R1")]
        + [("bonds", 5, "R2")]
        + [("equities", 10, "R4")]
        + [("real_estate", 2, "R3")]
        + [("alternatives", 2, "R3")]
    )
    weights = {
        "cash": "0.05",
        "bonds": "0.25",
        "equities": "0.50",
        "real_estate": "0.10",
        "alternatives": "0.10",
    }
    lines = []
    for asset_class, count, rating in spec:
        for i in range(count):
            product, _ = Product.objects.get_or_create(
                code=f"BENCH-{asset_class[:4]}-{i}",
                defaults={
                    "name": f"Bench {asset_class} {i}",
                    "kind": "fund",
                    "risk_rating": rating,
                    "asset_class": asset_class,
                    "liquidity_days": 3,
                },
            )
            lines.append((product, Decimal("1000000") * Decimal(weights[asset_class]) / count))
    return advisor, client, lines


def bench_save(runs: int) -> list[float]:
    from planning import services
    from planning.models import Proposal

    advisor, client, lines = data()
    proposal = Proposal.objects.filter(
        client=client, title="Bench 20 lines"
    ).first() or services.proposal_create(client=client, actor=advisor, title="Bench 20 lines", lines=lines)
    assert proposal.checks_ok, proposal.checks["failures"]
    assert proposal.checks["projection"]["paths"] == 10000
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        services.proposal_update(proposal=proposal, actor=advisor, lines=lines)
        times.append(time.perf_counter() - started)
    return times


def bench_save_changed(runs: int) -> list[float]:
    """Every save changes all 20 amounts: 20 line updates with history and audit entries."""
    from planning import services
    from planning.models import Proposal

    advisor, client, lines = data()
    proposal = Proposal.objects.get(client=client, title="Bench 20 lines")
    times = []
    for run in range(runs):
        bump = Decimal(run % 2 + 1)  # differs from the previous save every time
        changed = [(product, amount + bump) for product, amount in lines]
        started = time.perf_counter()
        services.proposal_update(proposal=proposal, actor=advisor, lines=changed)
        times.append(time.perf_counter() - started)
    return times


def bench_checks_only(runs: int) -> list[float]:
    from planning import services
    from planning.models import Proposal

    proposal = Proposal.objects.get(title="Bench 20 lines")
    lines = list(proposal.lines.select_related("product"))
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        services.proposal_run_checks(proposal=proposal, lines=lines)
        times.append(time.perf_counter() - started)
    return times


def bench_pdf(count: int) -> list[float]:
    from advisory.documents import document_render
    from planning import services
    from planning.models import Proposal

    proposal = Proposal.objects.get(title="Bench 20 lines")
    times = []
    for _ in range(count):
        with _no_queue():
            doc = services.proposal_document_request(
                proposal=proposal, kind=services.DOC_PROPOSAL, actor=None
            )
        started = time.perf_counter()
        document_render(document_id=doc.pk)
        times.append(time.perf_counter() - started)
    return times


class _no_queue:  # noqa: N801 - a context manager used like a function
    """Render in-process: make on_commit(delay) a no-op while requesting."""

    def __enter__(self):
        from advisory import tasks

        self._delay = tasks.document_render_task.delay
        tasks.document_render_task.delay = lambda *a, **k: None

    def __exit__(self, *exc):
        from advisory import tasks

        tasks.document_render_task.delay = self._delay


def bench_workers(workers: int, jobs: int) -> dict:
    from django.conf import settings

    from advisory.models import ArchivedDocument, DocumentStatus
    from planning import services
    from planning.models import Proposal

    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        raise SystemExit("Set REDIS_URL (e.g. redis://127.0.0.1:6379/5) for the worker benchmark.")
    import redis

    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    logs = []
    procs = []
    for n in range(workers):
        log = open(f"/tmp/planning_bench_w{n + 1}.log", "w")  # noqa: SIM115
        logs.append(log)
        procs.append(
            subprocess.Popen(
                [
                    str(ROOT / ".venv/bin/celery"),
                    "-A",
                    "advisory",
                    "worker",
                    "--pool=solo",
                    "-c",
                    "1",
                    "-n",
                    f"w{n + 1}@%h",
                    "-l",
                    "WARNING",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    try:
        time.sleep(6)  # let the workers connect
        proposal = Proposal.objects.get(title="Bench 20 lines")
        started = time.perf_counter()
        ids = [
            services.proposal_document_request(proposal=proposal, kind=services.DOC_PROPOSAL, actor=None).pk
            for _ in range(jobs)
        ]
        while True:
            done = ArchivedDocument.objects.filter(
                pk__in=ids, status__in=[DocumentStatus.READY, DocumentStatus.FAILED]
            ).count()
            if done == jobs:
                break
            if time.perf_counter() - started > 900:
                raise SystemExit(f"timeout: {done}/{jobs} done")
            time.sleep(0.5)
        elapsed = time.perf_counter() - started
        failed = ArchivedDocument.objects.filter(pk__in=ids, status=DocumentStatus.FAILED).count()
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=30)
        for log in logs:
            log.close()
    return {
        "jobs": jobs,
        "workers": workers,
        "seconds": elapsed,
        "per_minute": jobs / elapsed * 60,
        "failed": failed,
    }


def _fmt(times: list[float]) -> str:
    ms = sorted(t * 1000 for t in times)
    return f"median {statistics.median(ms):.0f} ms, min {ms[0]:.0f} ms, max {ms[-1]:.0f} ms (n={len(ms)})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--pdfs", type=int, default=7)
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=100)
    args = parser.parse_args()
    setup()
    from django.db import connection

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    print("save 20-line proposal with all checks + 10,000-path projection:", _fmt(bench_save(args.runs)))
    print("same, all 20 line amounts changed on every save:", _fmt(bench_save_changed(args.runs)))
    print("checks + projection alone (no writes):", _fmt(bench_checks_only(args.runs)))
    if args.pdfs:
        print("render one investment-proposal PDF:", _fmt(bench_pdf(args.pdfs)))
    if args.workers:
        result = bench_workers(args.workers, args.jobs)
        print(
            f"{result['workers']} Celery workers rendered {result['jobs']} PDFs in {result['seconds']:.1f} s "
            f"= {result['per_minute']:.1f} PDFs/minute ({result['failed']} failed)"
        )


if __name__ == "__main__":
    main()
