"""Benchmark: re-screening every active client against the watch lists (issue 15).

    createdb -h 127.0.0.1 -U postgres bench_kyc   # once
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_kyc .venv/bin/python bench/kyc_bench.py

Creates (once; reused on later runs) 100,000 clients with Chinese or pinyin names and 20,000
related parties (half of them beneficial owners), then uploads a 10,000-name watch list through
`clients.screening.watchlist_stage` / `watchlist_import` (half Chinese characters, half Latin
spellings in either order, some aliases and identity numbers, 60 planted matches) and times
`screening_run()` — the service the Celery job `watchlist_rescreen_task` calls — over
everything, several passes. The first pass stores the hits (history row and chained audit entry
per hit); later passes find the same pairs and store nothing (the steady state after a list
update that changes little). Options: --passes N (default 3), --fresh (delete hits first each pass).
Bulk loading of clients bypasses history (benchmark data, not business records).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advisory.settings.test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_kyc")

import django  # noqa: E402

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from pypinyin import lazy_pinyin  # noqa: E402

from advisory.clock import now  # noqa: E402
from advisory.models import User  # noqa: E402
from audit.managers import allow_bulk_writes  # noqa: E402
from clients import screening  # noqa: E402
from clients.identity import identity_hash  # noqa: E402
from clients.kyc_models import ScreeningHit, WatchListEntry  # noqa: E402
from clients.models import Client, RelatedParty  # noqa: E402

N_CLIENTS = int(os.environ.get("BENCH_CLIENTS", 100_000))
N_PARTIES = N_CLIENTS // 5
N_ENTRIES = int(os.environ.get("BENCH_ENTRIES", 10_000))
SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
) + ["欧阳", "司马", "诸葛", "上官"]
# Given names from the 3,755 level-1 (most common) characters of GB 2312: real given names draw
# on a few thousand characters, so exact coincidences are about as rare as in a real client base.
GIVEN = [
    bytes([hi, lo]).decode("gb2312")
    for hi in range(0xB0, 0xD8)
    for lo in range(0xA1, 0xFF)
    if (hi, lo) < (0xD7, 0xFA)
]


def log(msg: str) -> None:
    print(msg, flush=True)


def han_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2, 2))))


def latin(name: str, rng: random.Random) -> str:
    syllables = lazy_pinyin(name)
    surname, given = syllables[0].capitalize(), "".join(syllables[1:]).capitalize()
    return rng.choice([f"{surname} {given}", f"{given} {surname}", f"{surname.upper()}, {given}"])


def load_clients(rng: random.Random) -> None:
    call_command("migrate", verbosity=0)
    if Client.objects.count() >= N_CLIENTS:
        log(
            f"reusing {Client.objects.count():,} clients and {RelatedParty.objects.count():,} related parties"
        )
        return
    t0 = time.perf_counter()
    advisors = [
        User.objects.get_or_create(
            email=f"kyc-bench-advisor{i}@bench.test",
            defaults={"full_name": f"Bench Advisor {i}", "role": "advisor"},
        )[0]
        for i in range(40)
    ]
    year = now().year
    with allow_bulk_writes():
        batch: list[Client] = []
        for i in range(1, N_CLIENTS + 1):
            name = han_name(rng)
            if rng.random() < 0.3:
                name = latin(name, rng)
            batch.append(
                Client(
                    file_number=f"CL-{year - 1}-{i:06d}",
                    name=name,
                    advisor=advisors[i % len(advisors)],
                    status=rng.choice(["active", "active", "active", "onboarding", "prospect", "ended"]),
                    id_document_type="prc_id",
                    id_number=None,
                    id_number_hash=identity_hash("prc_id", f"BENCH{i:012d}"),
                )
            )
            if len(batch) == 5000:
                Client.objects.bulk_create(batch)
                batch = []
        Client.objects.bulk_create(batch)
        ids = list(Client.objects.values_list("pk", flat=True))
        parties = [
            RelatedParty(
                client_id=rng.choice(ids),
                relationship=rng.choice(["beneficial_owner", "spouse", "signatory", "beneficial_owner"]),
                name=han_name(rng),
            )
            for _ in range(N_PARTIES)
        ]
        RelatedParty.objects.bulk_create(parties, batch_size=5000)
    log(f"loaded {N_CLIENTS:,} clients and {N_PARTIES:,} related parties in {time.perf_counter() - t0:.1f}s")


def watch_list_csv(rng: random.Random) -> bytes:
    rows = ["name,aliases,date_of_birth,id_numbers,list_name"]
    planted = list(Client.objects.exclude(status="ended").order_by("?").values_list("pk", "name")[:40])
    for _pk, name in planted:  # 40 name matches written the other way (characters ↔ pinyin)
        rows.append(f'"{latin(name, rng) if any(ord(c) > 0x3000 for c in name) else name}",,,,制裁名单')
    for i in range(1, 21):  # 20 identity-number matches under unrelated names
        rows.append(f"Person {i},,1970-01-01,BENCH{i * 97:012d},执法名单")
    while len(rows) <= N_ENTRIES:
        name = han_name(rng)
        shown = name if rng.random() < 0.5 else latin(name, rng)
        alias = latin(name, rng) if shown == name and rng.random() < 0.3 else ""
        ids = f"X{rng.randrange(10**9):09d}" if rng.random() < 0.2 else ""
        birth = f"19{rng.randint(40, 99)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
        rows.append(f'"{shown}","{alias}",{birth},{ids},{rng.choice(["制裁名单", "PEP名单", "执法名单"])}')
    return ("\n".join(rows) + "\n").encode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--fresh", action="store_true", help="delete the hits before each pass")
    parser.add_argument("--reset-lists", action="store_true", help="drop watch lists and hits, upload again")
    args = parser.parse_args()
    rng = random.Random(15)
    load_clients(rng)
    compliance, _ = User.objects.get_or_create(
        email="kyc-bench-compliance@bench.test",
        defaults={"full_name": "Bench Compliance", "role": "compliance"},
    )
    if args.reset_lists:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE clients_screeninghit, clients_historicalscreeninghit, clients_watchlistentry, "
                "clients_watchlist, clients_historicalwatchlist, clients_watchlistupload, "
                "clients_historicalwatchlistupload CASCADE"
            )
    # The import queues the re-screening through Celery; here it is timed on its own below.
    screening._queue_rescreen = lambda upload_id: None
    if WatchListEntry.objects.filter(is_active=True).count() < N_ENTRIES:
        data = watch_list_csv(rng)
        t0 = time.perf_counter()
        preview = screening.watchlist_stage(actor=compliance, upload=SimpleUploadedFile("bench.csv", data))
        t1 = time.perf_counter()
        screening.watchlist_import(actor=compliance, token=preview["token"], original_name="bench.csv")
        t2 = time.perf_counter()
        log(f"watch list of {preview['rows']:,} rows: check+preview {t1 - t0:.2f}s, import {t2 - t1:.2f}s")
    times = []
    for n in range(args.passes):
        if args.fresh and n:
            with allow_bulk_writes():
                ScreeningHit.history.all().delete()
                ScreeningHit.objects.all()._raw_delete(ScreeningHit.objects.db)
        screening._subject_keys.cache_clear()  # every pass pays the normalisation, as a new worker would
        t0 = time.perf_counter()
        result = screening.screening_run()
        elapsed = time.perf_counter() - t0
        times.append(elapsed)
        log(f"pass {n + 1}: {elapsed:.2f}s {result}")
    log(
        f"screening_run median {statistics.median(times):.2f}s over {len(times)} passes; load {os.getloadavg()}"
    )


if __name__ == "__main__":
    main()
