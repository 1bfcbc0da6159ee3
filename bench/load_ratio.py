"""Per page, the 1M figures over the 100k figures of one user count (issue 18 §4: every page's
p95 at 1M ≤ 2× its p95 at 100k), from the Locust CSVs bench/load_test.py leaves in /tmp.

    .venv/bin/python bench/load_ratio.py --users 20 [--small /tmp/locust-100k-20_stats.csv]
        [--large /tmp/locust-1m-20_stats.csv]

Prints a Markdown table: p50 / p95 (requests) on each side and the two ratios; a line whose p95
ratio exceeds 2 is marked. Pages with fewer than --min-requests requests on either side are
marked too (their p95 is one or two requests).
"""

from __future__ import annotations

import argparse
import csv


def rows(path: str) -> dict[str, dict]:
    with open(path, encoding="utf-8") as fh:
        return {r["Name"]: r for r in csv.DictReader(fh) if r["Name"] != "Aggregated"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--small")
    parser.add_argument("--large")
    parser.add_argument("--min-requests", type=int, default=20)
    args = parser.parse_args()
    small = rows(args.small or f"/tmp/locust-100k-{args.users}_stats.csv")  # noqa: S108
    large = rows(args.large or f"/tmp/locust-1m-{args.users}_stats.csv")  # noqa: S108
    print("| page or write | 100k p50 / p95 (n) | 1M p50 / p95 (n) | 1M ÷ 100k p95 | 1M ÷ 100k p50 |")
    print("|---|---|---|---|---|")
    over = 0
    for name in sorted(set(small) & set(large)):
        s, g = small[name], large[name]
        if int(s["Request Count"]) == 0 or int(g["Request Count"]) == 0:
            continue
        s50, s95, g50, g95 = (float(x) for x in (s["50%"], s["95%"], g["50%"], g["95%"]))
        r95, r50 = g95 / s95, g50 / s50
        few = min(int(s["Request Count"]), int(g["Request Count"])) < args.min_requests
        flag = " **over**" if r95 > 2 and name != "write: sign in" else ""
        over += bool(flag)
        print(
            f"| {name}{' (few requests)' if few else ''} | {s50:.0f} / {s95:.0f} ({s['Request Count']}) | "
            f"{g50:.0f} / {g95:.0f} ({g['Request Count']}) | {r95:.1f}{flag} | {r50:.1f} |"
        )
    print(f"\n{over} page(s) over 2× (sign-in excluded: it is not held to the targets)")


if __name__ == "__main__":
    main()
