"""Benchmark: registering a lake table against DuckDB scanning the same Parquet files.

Not a test. Prints one table of medians and appends nothing anywhere; copy the figures into
docs/benchmarks.md with the machine and date.

    python bench/lake.py --rows 1000000 10000000 [--repeat 3]

The rows are the scaled demo's (src/zerotrail/demo/scaled.py, prepared as bench/engine.py
prepares them: one reporting year), split into Parquet files of 10^6 rows in one folder. Steps,
each in a fresh child process (peak RSS is the step's own), run round-robin so a change in the
shared machine's load hits each alike:

- `register`: `import activities FOLDER --external` on a fresh workspace (the workspace's
  set-up is not timed): headers, SHA-256 of every file, every import check as one scan, every
  record committed to the ledger, no row copied;
- `count`: `SELECT count(*) FROM read_parquet([...])`, the issue's yardstick. DuckDB answers it
  from the files' footers (row counts), reading no data page;
- `scan`: `SELECT count(c) for every column` over the same files, which reads every column's
  pages: the least a reader of every value does.

`vs count` and `vs scan` are the register step's rows/s divided by theirs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import engine  # noqa: E402  (bench/engine.py: the scaled rows and the demo workspace)

FILE_ROWS = 1_000_000  # rows per Parquet file of the lake table
_STEP_SECONDS: list[float] = []


def _prepare(work: Path, rows: int) -> int:
    """The scaled rows (bench/engine.py), split into files of FILE_ROWS rows in work/lake."""
    import duckdb

    engine._prepare(work, rows)
    lake = work / "lake"
    lake.mkdir()
    src = work / "rows.parquet"
    con = duckdb.connect()
    for i, start in enumerate(range(0, rows, FILE_ROWS)):
        con.execute(
            f"""COPY (SELECT * EXCLUDE (file_row_number) FROM read_parquet('{src}',
                     file_row_number = true) WHERE file_row_number >= {start}
                     AND file_row_number < {start + FILE_ROWS} ORDER BY file_row_number)
                TO '{lake / f"part-{i:04d}.parquet"}' (FORMAT parquet)"""
        )
    src.unlink()
    return rows


def _files(work: Path) -> str:
    return "[" + ", ".join(f"'{p}'" for p in sorted((work / "lake").glob("*.parquet"))) + "]"


def _register(work: Path, rows: int) -> int:
    from zerotrail.ingest.external import register_lake_table

    ws = engine._fresh_workspace(work, "lake.duckdb")
    t = time.perf_counter()
    report = register_lake_table(ws, str(work / "lake"))
    _STEP_SECONDS.append(time.perf_counter() - t)
    ws.close()
    return report.added


def _count(work: Path, rows: int) -> int:
    import duckdb

    con = duckdb.connect()
    t = time.perf_counter()
    n = con.execute(f"SELECT count(*) FROM read_parquet({_files(work)})").fetchall()[0][0]
    _STEP_SECONDS.append(time.perf_counter() - t)
    return int(n)


def _scan(work: Path, rows: int) -> int:
    import duckdb

    from zerotrail.demo.scaled import SCALED_COLUMNS

    con = duckdb.connect()
    counts = ", ".join(f'count("{c}")' for c in SCALED_COLUMNS)
    t = time.perf_counter()
    con.execute(f"SELECT count(*), {counts} FROM read_parquet({_files(work)})").fetchall()
    _STEP_SECONDS.append(time.perf_counter() - t)
    return rows


_STEPS = {"prepare": _prepare, "register": _register, "count": _count, "scan": _scan}


def child(step: str, work: Path, rows: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", step, str(work), str(rows)],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"{step} failed:\n{out.stdout}\n{out.stderr}")
    return {k: float(v) for k, v in json.loads(out.stdout.strip().splitlines()[-1]).items()}


def run_child(step: str, work: Path, rows: int) -> None:
    t = time.perf_counter()
    n = _STEPS[step](work, rows)
    seconds = _STEP_SECONDS[0] if _STEP_SECONDS else time.perf_counter() - t
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "rss_mb": rss_mb, "rows": n}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temp dir)")
    ap.add_argument("--child", nargs=3, metavar=("STEP", "WORK", "ROWS"))
    args = ap.parse_args()
    if args.child:
        step, work, rows = args.child
        run_child(step, Path(work), int(rows))
        return
    print(
        f"# {platform.node()} · {platform.machine()} · {os.cpu_count()} cores · "
        f"Python {platform.python_version()} · {time.strftime('%Y-%m-%d %H:%M')} · "
        f"revision {engine._revision()} · load average {os.getloadavg()[0]:.1f} at start"
    )
    print("| rows | files | MB | step | median s | rows/s | peak RSS MB | vs count | vs scan |")
    print("|---:|---:|---:|---|---:|---:|---:|---:|---:|")
    for n in args.rows:
        with tempfile.TemporaryDirectory(dir=args.work) as tmp:
            work = Path(tmp)
            child("prepare", work, n)
            files = sorted((work / "lake").glob("*.parquet"))
            mb = sum(f.stat().st_size for f in files) / 1e6
            runs: dict[str, list[dict[str, float]]] = {}
            for _ in range(args.repeat):
                for step in ("register", "count", "scan"):
                    runs.setdefault(step, []).append(child(step, work, n))
            med = {
                s: (statistics.median(r["seconds"] for r in rs), max(r["rss_mb"] for r in rs))
                for s, rs in runs.items()
            }
            for step, (sec, rss) in med.items():
                vs = [
                    f"{med[other][0] / sec:.3f}x" if step == "register" else ""
                    for other in ("count", "scan")
                ]
                print(
                    f"| {n:,} | {len(files)} | {mb:,.0f} | {step} | {sec:.3f} | {n / sec:,.0f}"
                    f" | {rss:,.0f} | {vs[0]} | {vs[1]} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
