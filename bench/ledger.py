"""Benchmark: the ledger's commit, proof and audit speed, beside raw hashlib over the same bytes.

Not a test. For each size it imports N scaled demo rows into a fresh workspace (the import
commits every record to the log in its transaction) and reports, medians of `--repeat` runs:

- commit: the ledger part of the import (canonical bytes, salts, leaf hashes, tree, storage),
  records/s, next to hashing the same canonical bytes with `hashlib.sha256` in a Python loop;
- append-one: committing single records, one transaction each (median latency);
- prove+verify: an inclusion proof from the workspace and its verification (median ms), one at
  a time from a `Prover` (upper nodes read once: its set-up time is reported apart), and per
  proof in a sample of 1,000 asked for at once;
- audit: `ledger audit` over the whole log, records/s.

    python bench/ledger.py --rows 1000000 [--repeat 3]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def measure(rows: int, work: Path) -> dict[str, float]:
    import engine as eb  # bench/engine.py: shared workspace set-up

    import zerotrail.ingest.activities as acts
    from zerotrail.ledger.canonical import canonical_sql
    from zerotrail.ledger.merkle import verify_inclusion
    from zerotrail.store import tlog
    from zerotrail.store.activities import LEDGER_TYPES
    from zerotrail.store.audit import audit

    if not (work / "rows.parquet").exists():
        eb._prepare(work, rows)
    ws = eb._fresh_workspace(work, "ledger.duckdb")
    spent: list[float] = []
    commit = acts.commit_activities

    def timed(w: object, import_id: str) -> None:
        t = time.perf_counter()
        commit(w, import_id)  # type: ignore[arg-type]
        spent.append(time.perf_counter() - t)

    acts.commit_activities = timed  # type: ignore[assignment]
    acts.import_activities(ws, work / "rows.parquet")
    acts.commit_activities = commit
    out = {"commit_s": spent[0]}

    # The floor: hashing the same canonical bytes with hashlib, in a Python loop (batch by
    # batch, so 10^7 records never sit in memory at once; only the hashing is timed).
    import pyarrow as pa

    expr = canonical_sql("activity", LEDGER_TYPES, alias="a")
    salt = os.urandom(32)
    data: list[bytes] = []
    out["hashlib_s"] = 0.0
    for batch in ws.con.sql(f"SELECT {expr} FROM activities a").to_arrow_reader(1 << 17):
        data = batch.column(0).cast(pa.binary()).to_pylist()
        t = time.perf_counter()
        for d in data:
            hashlib.sha256(b"\x00zerotrail:leaf:v1\x00" + salt + d).digest()
        out["hashlib_s"] += time.perf_counter() - t

    # Single-record appends, one transaction each.
    lat = []
    for i in range(200):
        t = time.perf_counter()
        with ws.transaction():
            tlog.Appender(ws).append("bench", [(f"one-{i}", 1)], [data[i % len(data)]])
        lat.append(time.perf_counter() - t)
    out["append_one_ms"] = statistics.median(lat) * 1000

    n = tlog.size(ws)
    root = tlog.root(ws, n)
    rng = random.Random(1)
    t = time.perf_counter()
    prover = tlog.Prover(ws, n)
    out["prover_setup_ms"] = (time.perf_counter() - t) * 1000
    lat = []
    for _ in range(300):
        idx = rng.randrange(n)
        t = time.perf_counter()
        leaf, proof = prover.prove(idx)
        verify_inclusion(leaf, idx, n, proof, root)
        lat.append(time.perf_counter() - t)
    out["prove_verify_ms"] = statistics.median(lat) * 1000
    # An auditor's sample: 1,000 proofs asked for at once (`zerotrail ledger sample`).
    batch = [rng.randrange(n) for _ in range(1000)]
    t = time.perf_counter()
    for idx, (leaf, proof) in zip(batch, prover.prove_many(batch), strict=True):
        verify_inclusion(leaf, idx, n, proof, root)
    out["sample_ms_each"] = (time.perf_counter() - t) * 1000 / len(batch)

    t = time.perf_counter()
    rep = audit(ws, LEDGER_TYPES)
    out["audit_s"] = time.perf_counter() - t
    assert rep.ok, rep.findings[:3]
    out["rows"] = float(rows)
    ws.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--work", type=Path, default=None)
    args = ap.parse_args()
    print(
        f"# {platform.machine()} · {os.cpu_count()} cores · Python "
        f"{platform.python_version()} · {time.strftime('%Y-%m-%d')}"
    )
    print(
        "| records | commit rec/s | hashlib rec/s | commit vs hashlib | append one (ms) |"
        " prove+verify (ms) | in a sample of 1,000 (ms each) | prover set-up (ms) | audit rec/s |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in args.rows:
        with tempfile.TemporaryDirectory(dir=args.work) as tmp:
            runs = [measure(n, Path(tmp)) for _ in range(args.repeat)]
        m = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        print(
            f"| {n:,} | {n / m['commit_s']:,.0f} | {n / m['hashlib_s']:,.0f} |"
            f" {m['hashlib_s'] / m['commit_s']:.2f}x | {m['append_one_ms']:.1f} |"
            f" {m['prove_verify_ms']:.2f} | {m['sample_ms_each']:.2f} |"
            f" {m['prover_setup_ms']:.0f} | {n / m['audit_s']:,.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
