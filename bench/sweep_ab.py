"""Before and after, from one run: the escalation sweep of two checkouts of this project, alternating.

    .venv/bin/python bench/sweep_ab.py --a /path/to/old-checkout --b /path/to/new-checkout
        [--passes 5] [--tickets 200000] [--due 1000]

This machine's speed moves by half from hour to hour, so a change is only measured against the code
before it inside one run. Each checkout is run with its own code and schema: its template database
(`bench_sweep_ab_a` / `_b`, built once by that checkout's own `bench/peer_compare.py` loader —
the same 200,000 open tickets and 1,000 due over three levels — and migrated again on reuse), and a
long-lived process running that checkout's `peer_compare.py --child ours-warm`, which swept a copy
once to warm up. Then each pass, in alternating order, each side gets a fresh copy of its template
and times one warm sweep call (wall and its process's CPU) and, after it, the sequencer chaining
the call's audit entries. Both checkouts use this project's virtualenv (this interpreter).

Printed: every measurement with the load average, then medians and the ratio b / a.
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

PG = "postgres://postgres@127.0.0.1:5432/"
VAR_DIR = "/tmp/sweep_ab_var"  # noqa: S108 - the file-system broker of the bench processes


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def psql(sql: str, db: str = "postgres") -> str:
    return subprocess.run(  # noqa: S603
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-qAtc", sql],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def env_for(root: Path, db: str) -> dict:
    env = dict(os.environ)
    env.pop("REDIS_URL", None)
    env.update(
        DATABASE_URL=PG + db,
        DJANGO_SETTINGS_MODULE="advisory.settings.test",
        AUDIT_CHAIN_MODE="deferred",
        ADVISORY_VAR_DIR=VAR_DIR,
        PYTHONPATH=str(root),
    )
    return env


class Side:
    def __init__(self, label: str, root: Path, tickets: int, due: int) -> None:
        self.label, self.root = label, root
        self.template = f"bench_sweep_ab_{label}"
        self.script = str(root / "bench" / "peer_compare.py")
        self.tickets, self.due = tickets, due
        self.commit = subprocess.run(  # noqa: S603
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],  # noqa: S607
            capture_output=True,
            text=True,
        ).stdout.strip()

    def prepare(self) -> None:
        if psql(f"SELECT 1 FROM pg_database WHERE datname = '{self.template}'"):
            subprocess.run(  # noqa: S603
                [sys.executable, "manage.py", "migrate", "-v", "0"],
                cwd=self.root,
                env=env_for(self.root, self.template),
                check=True,
            )
            return
        psql(f'CREATE DATABASE "{self.template}"')
        out = subprocess.run(  # noqa: S603
            [
                sys.executable,
                self.script,
                "--child",
                "ours-load",
                "--tickets",
                str(self.tickets),
                "--due",
                str(self.due),
            ],
            cwd=self.root,
            env=env_for(self.root, self.template),
            check=True,
            capture_output=True,
            text=True,
        )
        print(f"{self.label}: loaded", out.stdout.strip().splitlines()[-1], flush=True)

    def copy(self, name: str) -> str:
        psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        psql(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        return name

    def start(self) -> None:
        self.proc = subprocess.Popen(  # noqa: S603
            [sys.executable, self.script, "--child", "ours-warm"],
            cwd=self.root,
            env=env_for(self.root, self.template),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def call(self, db: str) -> dict:
        self.proc.stdin.write(json.dumps({"db": db, "list": 0}) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            sys.exit(f"{self.label}: the warm process died")
        return json.loads(line)

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--a", required=True, type=Path, help="checkout measured first (before)")
    parser.add_argument("--b", required=True, type=Path, help="checkout compared with it (after)")
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--tickets", type=int, default=200_000)
    parser.add_argument("--due", type=int, default=1_000)
    args = parser.parse_args()
    os.makedirs(VAR_DIR, exist_ok=True)
    sides = [
        Side("a", args.a.resolve(), args.tickets, args.due),
        Side("b", args.b.resolve(), args.tickets, args.due),
    ]
    started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    print(f"sweep_ab: {started}; {os.cpu_count()} cores; load {loadavg()}", flush=True)
    for side in sides:
        print(f"{side.label} = {side.root} at {side.commit}", flush=True)
        side.prepare()
        side.start()
        side.call(side.copy(f"sweep_ab_warm_{side.label}"))  # warm-up, not counted
        psql(f'DROP DATABASE IF EXISTS "sweep_ab_warm_{side.label}" WITH (FORCE)')
    results: dict[str, list[dict]] = {"a": [], "b": []}
    for n in range(args.passes):
        for side in sides if n % 2 == 0 else sides[::-1]:
            db = side.copy(f"sweep_ab_pass_{side.label}")
            r = side.call(db)
            r["load"] = loadavg()
            ok = r["result"]["tickets"] == args.due and r["chained_after"] >= args.due
            results[side.label].append(r)
            print(
                f"pass {n + 1} {side.label}: sweep {r['sweep_s']:.3f} s (CPU {r['sweep_cpu_s']:.3f} s),"
                f" {r['statements']} statements; then chained {r['chained_after']} in {r['chain_s']:.3f} s;"
                f" {'ok' if ok else 'WRONG'} [load {r['load']}]",
                flush=True,
            )
            psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    for side in sides:
        side.close()
    print(
        f"\n{args.passes} passes each, alternating; {started} – {time.strftime('%H:%M:%S UTC', time.gmtime())}"
    )
    print("| median | a | b | b / a |\n|---|---|---|---|")
    for key, label in (
        ("sweep_s", "warm sweep call"),
        ("sweep_cpu_s", "its CPU time"),
        ("chain_s", "then chaining"),
    ):
        a = statistics.median(r[key] for r in results["a"])
        b = statistics.median(r[key] for r in results["b"])
        print(f"| {label} | {a:.3f} s | {b:.3f} s | {b / a:.2f} |")


if __name__ == "__main__":
    main()
