"""Benchmark: advisor's client list, client page and the onboarding overdue sweep at scale.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_clients .venv/bin/python bench/clients_bench.py

Creates (once; reuses the data on later runs) 100,000 clients over 40 advisors, 300,000 risk
assessments if the risk app has `RiskAssessment`, 6,000 onboarding cases of which 1,000 wait for
their initial review past the deadline. Then measures through Django's test Client against the
real views (warm-up first), and prints medians and query counts. Bulk loading bypasses history
(it is benchmark data, not business records).
"""

from __future__ import annotations

import datetime
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advisory.settings.test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_clients")

N_CLIENTS = int(os.environ.get("BENCH_CLIENTS", 100_000))
N_ADVISORS = 40
ASSESSMENTS_PER_CLIENT = 3
N_CASES = 6_000
N_OVERDUE = 1_000
RUNS = int(os.environ.get("BENCH_RUNS", 30))


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

from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries, transaction  # noqa: E402
from django.test import Client as HttpClient  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from advisory.clock import now  # noqa: E402
from advisory.models import User  # noqa: E402
from audit.managers import allow_bulk_writes  # noqa: E402
from clients.models import Client, OnboardingCase, OnboardingStep  # noqa: E402

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"
PINYIN = [
    "Wang",
    "Li",
    "Zhang",
    "Liu",
    "Chen",
    "Yang",
    "Huang",
    "Zhao",
    "Wu",
    "Zhou",
    "Xu",
    "Sun",
    "Ma",
    "Zhu",
]
GIVEN_PY = [
    "Wei",
    "Fang",
    "Na",
    "Min",
    "Jing",
    "Li",
    "Qiang",
    "Lei",
    "Jun",
    "Yang",
    "Yong",
    "Yan",
    "Jie",
    "Tao",
]


def log(msg: str) -> None:
    print(msg, flush=True)


def load_data() -> None:
    call_command("migrate", verbosity=0)
    if Client.objects.count() >= N_CLIENTS:
        log(f"reusing {Client.objects.count():,} clients")
        return
    rng = random.Random(42)
    t0 = time.perf_counter()
    advisors = []
    for i in range(N_ADVISORS):
        user, _ = User.objects.get_or_create(
            email=f"bench-advisor{i}@bench.test",
            defaults={"full_name": f"Bench Advisor {i}", "role": "advisor"},
        )
        advisors.append(user)
    User.objects.get_or_create(
        email="bench-supervisor@bench.test", defaults={"full_name": "Bench Sup", "role": "supervisor"}
    )
    year = now().year
    batch: list[Client] = []
    tiers = ["low", "middle", "high"]
    with allow_bulk_writes():
        for i in range(1, N_CLIENTS + 1):
            if rng.random() < 0.5:
                name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(["", *GIVEN])
            else:
                name = f"{rng.choice(PINYIN)} {rng.choice(GIVEN_PY)}{rng.choice(['', 'hua', 'ming', 'li'])}"
            batch.append(
                Client(
                    file_number=f"CL-{year - 1}-{i:06d}",
                    name=f"{name} {i}",
                    kind="individual" if rng.random() < 0.9 else "institution",
                    advisor=advisors[i % N_ADVISORS],
                    status=rng.choice(["active", "active", "active", "onboarding", "prospect"]),
                    email=f"c{i}@bench.test",
                    monthly_income=Decimal(rng.randint(2000, 120000)),
                    monthly_expenses=Decimal(rng.randint(1000, 40000)),
                    liquid_reserves=Decimal(rng.randint(0, 2_000_000)),
                    income_stability="stable",
                    wealth_tier=rng.choice(tiers),
                    investment_experience="intermediate",
                    service_need="multi_asset",
                    id_document_type="prc_id",
                    id_number=None,
                    id_number_hash=f"{i:064x}",
                )
            )
            if len(batch) == 5000:
                Client.objects.bulk_create(batch)
                batch = []
        if batch:
            Client.objects.bulk_create(batch)
    log(f"clients loaded in {time.perf_counter() - t0:.1f}s")
    ids = list(Client.objects.order_by("id").values_list("id", "advisor_id"))
    _load_cases(ids, rng)
    _load_assessments(ids, advisors)
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")


def _load_cases(ids: list[tuple[int, int]], rng: random.Random) -> None:
    t0 = time.perf_counter()
    stamp = now()
    cases = []
    chosen = rng.sample(ids, min(N_CASES, len(ids) // 2))
    for n, (cid, adv) in enumerate(chosen):
        overdue = n < N_OVERDUE
        in_review = n < N_OVERDUE + 1500
        cases.append(
            OnboardingCase(
                acceptance_number=f"ACC-{stamp.year - 1}-{n + 1:06d}",
                client_id=cid,
                opened_by_id=adv,
                step=OnboardingStep.INITIAL_REVIEW
                if in_review
                else rng.choice(
                    [
                        OnboardingStep.REGISTERED,
                        OnboardingStep.INFORMATION_COLLECTION,
                        OnboardingStep.IDENTITY_VERIFICATION,
                    ]
                ),
                submitted_at=stamp - datetime.timedelta(days=10 if overdue else 0) if in_review else None,
                review_days=2 if in_review else None,
                review_deadline=(stamp - datetime.timedelta(days=3))
                if overdue
                else (stamp + datetime.timedelta(days=2) if in_review else None),
            )
        )
    with allow_bulk_writes():
        OnboardingCase.objects.bulk_create(cases, batch_size=2000)
    log(f"{len(cases):,} onboarding cases loaded in {time.perf_counter() - t0:.1f}s")


def _load_assessments(ids: list[tuple[int, int]], advisors: list[User]) -> None:
    try:
        from risk.models import Questionnaire, QuestionnaireVersion, RiskAssessment
    except ImportError:
        log("risk.models.RiskAssessment not available: no assessments loaded")
        return
    t0 = time.perf_counter()
    questionnaire, _ = Questionnaire.objects.get_or_create(
        code="bench", defaults={"name": "Bench questionnaire"}
    )
    version = QuestionnaireVersion.objects.filter(questionnaire=questionnaire).first()
    if version is None:
        version = QuestionnaireVersion(
            questionnaire=questionnaire, number=1, status="published", title="Bench v1"
        )
        with allow_bulk_writes():
            QuestionnaireVersion.objects.bulk_create([version])
        version = QuestionnaireVersion.objects.get(questionnaire=questionnaire, number=1)
    today = now().date()
    levels = ["C1", "C2", "C3", "C4", "C5"]
    batch = []
    with allow_bulk_writes():
        for cid, adv in ids:
            for k in range(ASSESSMENTS_PER_CLIENT):
                current = k == ASSESSMENTS_PER_CLIENT - 1
                level = levels[(cid + k) % 5]
                batch.append(
                    RiskAssessment(
                        client_id=cid,
                        version=version,
                        answers={},
                        score=20 + (cid + k) % 60,
                        willingness_level=level,
                        capacity_level=level,
                        effective_level=level,
                        administered_by_id=adv,
                        status="confirmed" if current else "superseded",
                        confirmed_at=now(),
                        valid_until=today + datetime.timedelta(days=200 if current else -200 * k),
                    )
                )
            if len(batch) >= 6000:
                RiskAssessment.objects.bulk_create(batch)
                batch = []
        if batch:
            RiskAssessment.objects.bulk_create(batch)
    log(f"{RiskAssessment.objects.count():,} risk assessments loaded in {time.perf_counter() - t0:.1f}s")


def measure(http: HttpClient, url: str, params: dict | None = None) -> tuple[float, int, int]:
    for _ in range(3):  # warm up
        http.get(url, params or {})
    times = []
    for _ in range(RUNS):
        t = time.perf_counter()
        response = http.get(url, params or {})
        times.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as ctx:
        http.get(url, params or {})
    return statistics.median(times), len(ctx.captured_queries), max(times)


def main() -> None:
    load_data()
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    advisor = User.objects.get(email="bench-advisor7@bench.test")
    supervisor = User.objects.get(email="bench-supervisor@bench.test")
    book = Client.objects.filter(advisor=advisor).count()
    sample = Client.objects.filter(advisor=advisor).order_by("id")[book // 2]
    http = HttpClient()
    http.force_login(advisor)
    sup = HttpClient()
    sup.force_login(supervisor)
    rows = []
    rows.append(("advisor client list, page 1", *measure(http, reverse("clients:list"))))
    rows.append(("advisor client list, page 20", *measure(http, reverse("clients:list"), {"page": 20})))
    rows.append(
        ("advisor client list, search 'Wang'", *measure(http, reverse("clients:list"), {"q": "Wang"}))
    )
    rows.append(("advisor client list, search '王'", *measure(http, reverse("clients:list"), {"q": "王"})))
    rows.append(
        (
            "advisor client list, search file number",
            *measure(http, reverse("clients:list"), {"q": sample.file_number}),
        )
    )
    rows.append(
        ("supervisor list of all clients, search 'Li'", *measure(sup, reverse("clients:list"), {"q": "Li"}))
    )
    rows.append(("client page (360°)", *measure(http, reverse("clients:detail", args=[sample.pk]))))
    rows.append(("onboarding list (advisor)", *measure(http, reverse("clients:onboarding_list"))))
    from clients import sections

    installed, sections.SECTION_MODULES = sections.SECTION_MODULES, []
    rows.append(
        (
            "client page, clients app only (no sections)",
            *measure(http, reverse("clients:detail", args=[sample.pk])),
        )
    )
    sections.SECTION_MODULES = installed
    rows.append(("reference: notifications page (load gauge)", *measure(http, reverse("notifications"))))

    from clients.services import onboarding_overdue_sweep

    # sweep: reset the marks so the first run does the full work again
    with allow_bulk_writes(), transaction.atomic():
        OnboardingCase.objects.filter(is_overdue=True).update(is_overdue=False, overdue_since=None)
    reset_queries()
    t = time.perf_counter()
    first = onboarding_overdue_sweep()
    first_ms = (time.perf_counter() - t) * 1000
    steady = []
    for _ in range(5):
        t = time.perf_counter()
        result = onboarding_overdue_sweep()
        steady.append((time.perf_counter() - t) * 1000)
    # a typical 5-minute run: 20 cases newly overdue
    with allow_bulk_writes(), transaction.atomic():
        ids = list(
            OnboardingCase.objects.filter(is_overdue=True).order_by("pk").values_list("pk", flat=True)[:20]
        )
        OnboardingCase.objects.filter(pk__in=ids).update(is_overdue=False, overdue_since=None)
    t = time.perf_counter()
    small = onboarding_overdue_sweep()
    small_ms = (time.perf_counter() - t) * 1000

    try:
        from risk.models import RiskAssessment

        n_assess = f"{RiskAssessment.objects.count():,}"
    except ImportError:
        n_assess = "n/a"
    print()
    print(f"clients: {Client.objects.count():,}  advisor's book: {book:,}  risk assessments: {n_assess}")
    print(f"onboarding cases: {OnboardingCase.objects.count():,}, overdue: {first['open']:,}")
    print(f"{'measurement':<48} {'median ms':>10} {'queries':>8} {'max ms':>8}")
    for name, median, queries, worst in rows:
        print(f"{name:<48} {median:>10.1f} {queries:>8} {worst:>8.1f}")
    print(f"{'overdue sweep, first run (marks ' + str(first['marked']) + ')':<48} {first_ms:>10.1f}")
    print(f"{'overdue sweep, 20 newly overdue':<48} {small_ms:>10.1f}   marked={small['marked']}")
    print(
        f"{'overdue sweep, steady state (median of 5)':<48} {statistics.median(steady):>10.1f}   marked={result['marked']}"
    )
    print("load average (1, 5, 15 min) at the end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
