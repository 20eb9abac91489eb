"""Benchmark: a verifier's risk assessment and draw on a large population, as rows/s.

Not a test. Builds N population items spread over four strata (log-normal t CO2e, seeded),
then times, medians of `--repeat` runs: the plan (risk per stratum and monetary-unit sample
sizes, exact arithmetic) and the draw (HMAC order per record, exact cumulation); and, beside
them, a plain `sorted` of the same records by a SHA-256 of their ids, the floor of any
reproducible random order.

    python bench/verification.py --rows 1000000 [--repeat 3]
"""

from __future__ import annotations

import argparse
import hashlib
import platform
import random
import statistics
import time

from zerotrail.assurance.risk import Item, plan
from zerotrail.assurance.sampling import draw

STRATA = ("scope1:stationary_combustion", "scope2:electricity", "scope3:cat1", "scope3:cat6")


def items(n: int) -> list[Item]:
    rng = random.Random(1)
    out = []
    for i in range(n):
        stratum = STRATA[i % len(STRATA)]
        scope = int(stratum[5])
        method = "spend-based" if scope == 3 else "fuel-based"
        t = rng.lognormvariate(0, 1.5)
        out.append(Item(f"R{i}", 1, stratum, scope, t, method, 2.5, "", False))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    population = items(args.rows)
    performance = {1: 50_000.0, 2: 50_000.0, 3: 500_000.0}
    times: dict[str, list[float]] = {"plan": [], "draw": [], "sha256 sort": []}
    drawn = 0
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        strata = plan(population, "reasonable", performance)
        t1 = time.perf_counter()
        drawn = len(draw(population, strata, "bench-seed", "E-BENCH"))
        t2 = time.perf_counter()
        sorted(population, key=lambda i: hashlib.sha256(i.record_id.encode()).digest())
        t3 = time.perf_counter()
        times["plan"].append(t1 - t0)
        times["draw"].append(t2 - t1)
        times["sha256 sort"].append(t3 - t2)
    print(f"{platform.node()} {platform.processor() or platform.machine()}, {args.rows:,} records,"
          f" {drawn} drawn, medians of {args.repeat}")  # fmt: skip
    base = statistics.median(times["sha256 sort"])
    for name, ts in times.items():
        m = statistics.median(ts)
        print(f"  {name:12} {m:6.2f} s  {args.rows / m:12,.0f} records/s  {m / base:5.2f}x sort")


if __name__ == "__main__":
    main()
