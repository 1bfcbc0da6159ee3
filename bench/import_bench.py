"""Benchmark: importing 100,000 clients from a legacy CSV (issue 19; target: under 5 minutes).

    createdb -h 127.0.0.1 -U postgres bench_imports   # once
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_imports .venv/bin/python bench/import_bench.py

Each pass generates a 100,000-row client file (Chinese names, valid PRC resident identity numbers
with python-stdnum's check digit — new ones every pass —, email, phone, address and financial
status; 20 advisors), then times the two halves of the flow through the services the screens and
the API call:

- the dry run: `imports.services.batch_upload` (read, check every row: identity check digit,
  duplicates in the file and on file, advisors, dates, amounts), writing nothing but the batch;
- the import: `batch_confirm` → outbox → `import_batch_run_task` (Celery, run eagerly in this
  process by the test settings) → `batch_run`: the rows checked again against the records as they
  are now, then written in chunks of 2,000 with one history row and one hash-chained audit entry
  per client, encrypted email/phone/address/identity number, lookup hashes, file numbers.

Prints the date, machine, load average (/proc/loadavg) before and after each pass, and timings.
Options: --rows N (default 100000), --passes N (default 1), --xlsx (also time the dry run of the
same rows as an .xlsx file), --skip-migrate, --profile [--sort cumulative --top 60] (cProfile of
the import).
"""

from __future__ import annotations

import argparse
import csv
import datetime
import io
import os
import platform
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advisory.settings.test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_imports")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from stdnum.cn import ric  # noqa: E402

from advisory.models import User  # noqa: E402
from clients.models import Client  # noqa: E402
from imports import services  # noqa: E402
from imports.models import ImportBatch  # noqa: E402

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
)
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红建文辉力成志忠海")
HEADER = [
    "name",
    "advisor_email",
    "id_document_type",
    "id_number",
    "email",
    "phone",
    "address",
    "relationship_started_on",
    "currency",
    "monthly_income",
    "monthly_expenses",
    "liquid_reserves",
    "income_stability",
    "investment_years",
]


def log(msg: str) -> None:
    print(msg, flush=True)


def loadavg() -> str:
    try:
        return Path("/proc/loadavg").read_text().split(" ")[:3].__str__()
    except OSError:
        return "n/a"


def identity_numbers(count: int, *, start_day: datetime.date) -> list[str]:
    """Unique valid PRC resident numbers: 999 sequence numbers per birth date from start_day on."""
    out = []
    day, seq = start_day, 1
    while len(out) < count:
        body = f"110105{day:%Y%m%d}{seq:03d}"
        out.append(body + ric.calc_check_digit(body + "0"))
        seq += 1
        if seq > 999:
            seq, day = 1, day + datetime.timedelta(days=1)
    return out


def client_file(rows: int, *, rng: random.Random, start_day: datetime.date, advisors: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for i, number in enumerate(identity_numbers(rows, start_day=start_day)):
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        income = rng.randrange(3000, 120000, 500)
        writer.writerow(
            [
                name,
                advisors[i % len(advisors)],
                "prc_id",
                number,
                f"client{start_day:%Y%m%d}{i}@example.test",
                f"139{rng.randrange(10**8):08d}",
                f"北京市朝阳区建国路{rng.randrange(1, 999)}号",
                f"{rng.randrange(2005, 2026)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
                "CNY",
                income,
                int(income * 0.4),
                income * rng.randrange(2, 30),
                rng.choice(["stable", "variable", "irregular"]),
                rng.randrange(0, 20),
            ]
        )
    return ("\ufeff" + out.getvalue()).encode()


def to_xlsx(data: bytes) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--passes", type=int, default=1)
    parser.add_argument("--xlsx", action="store_true")
    parser.add_argument("--skip-migrate", action="store_true", help="the database is migrated already")
    parser.add_argument("--profile", action="store_true", help="cProfile the import")
    parser.add_argument("--sort", default="tottime", help="profile order (tottime, cumulative)")
    parser.add_argument("--top", default=25, type=int)
    args = parser.parse_args()
    if not args.skip_migrate:
        call_command("migrate", verbosity=0)
    settings.IMPORTS_INLINE_MAX_BYTES = 10**9  # check in this process (the task calls the same service)
    compliance, _ = User.objects.get_or_create(
        email="import-bench-compliance@bench.test",
        defaults={"full_name": "Bench Compliance", "role": "compliance"},
    )
    advisors = []
    for i in range(20):
        user, _ = User.objects.get_or_create(
            email=f"import-bench-advisor{i}@bench.test",
            defaults={"full_name": f"Advisor {i}", "role": "advisor"},
        )
        advisors.append(user.email)
    log(
        f"import bench {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} "
        f"({os.cpu_count()} cores), {args.rows:,} clients per file, {Client.objects.count():,} clients already on file"
    )
    rng = random.Random(19)
    done = ImportBatch.objects.count()
    for p in range(args.passes):
        start_day = datetime.date(1950, 1, 1) + datetime.timedelta(days=400 * (done + p))
        data = client_file(args.rows, rng=rng, start_day=start_day, advisors=advisors)
        log(f"pass {p + 1}: file {len(data) / 1e6:.1f} MB; load average before {loadavg()}")
        if args.xlsx:
            book = to_xlsx(data)
            t0 = time.perf_counter()
            xbatch = services.batch_upload(actor=compliance, kind="clients", name="bench.xlsx", data=book)
            log(
                f"  dry run .xlsx ({len(book) / 1e6:.1f} MB): {time.perf_counter() - t0:.1f} s, "
                f"{xbatch.error_row_count} rows with errors; load {loadavg()}"
            )
            services.batch_cancel(batch=xbatch, actor=compliance)
        t0, c0 = time.perf_counter(), time.process_time()
        batch = services.batch_upload(actor=compliance, kind="clients", name="bench.csv", data=data)
        t1, c1 = time.perf_counter(), time.process_time()
        assert batch.error_row_count == 0, batch.row_errors[:3]
        log(
            f"  dry run .csv: {t1 - t0:.1f} s wall, {c1 - c0:.1f} s CPU of this process "
            f"({batch.row_count:,} rows, 0 errors); load {loadavg()}"
        )
        before = Client.objects.count()
        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.enable()
        services.batch_confirm(batch=batch, actor=compliance)  # on commit: outbox → eager task
        if args.profile:
            profiler.disable()
            pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)
        t2, c2 = time.perf_counter(), time.process_time()
        batch.refresh_from_db()
        created = Client.objects.count() - before
        log(
            f"  import (confirm → Celery task → {created:,} clients with history + audit): {t2 - t1:.1f} s wall, "
            f"{c2 - c1:.1f} s CPU of this process (PostgreSQL's own work not counted); "
            f"state {batch.state}; load {loadavg()}"
        )
        log(f"  total upload-to-done: {t2 - t0:.1f} s")


if __name__ == "__main__":
    main()
