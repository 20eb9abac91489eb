"""Benchmark: the same import and calculation on DuckDB, PostgreSQL and Spark, as ratios.

Not a test. Prints markdown tables to copy into docs/benchmarks.md and docs/engines.md (with the
machine and date it prints first); writes nothing else outside its scratch folder.

    python bench/engines.py                                   # everything (hours at 10^8)
    python bench/engines.py --rows 10000 --sections engines --engines duckdb   # minutes
    python bench/engines.py --rows 1000000 10000000 --sections engines lake
    python bench/engines.py --sections spark-scale --spark-rows 100000000

Sections:

- `engines`: per size in --rows, for each engine in --engines, the time of `import activities`,
  of the workspace's first `calculate` (which compiles the engine's plan and keeps it) and of the
  next one, rows/s, the peak RSS of the command's whole process tree, and the time
  against DuckDB's. DuckDB: a workspace file. PostgreSQL: a workspace on a server started for
  the run in the scratch folder (pipeline/database_server.py, Unix socket); the server's
  processes count in the peak RSS. Spark: a DuckDB workspace whose activity rows stay in the
  Parquet file (`import activities --external`), calculated with `--engine spark
  --spark-master MASTER`. After each engine's calculation its inventory totals are compared with
  DuckDB's (largest relative difference over every figure of `inventory --format json`).
- `lake`: at --lake-rows, `import activities --external` (row checks and ledger leaves, no
  copy) against DuckDB scanning the same file: `SELECT count(*)` (Parquet metadata only) and a
  read of every column (a hash of each row).
- `spark-scale`: --spark-rows rows through Spark local with spark.driver.memory set by
  --spark-driver-memory (2g): the external import (checks in DuckDB, ledger leaves by Spark:
  `--engine spark`) and the calculation, with the peak RSS of the whole process tree (Python
  driver, JVM and its children).

Every timed step is a `zerotrail` command as a user runs it (a new process; Python start-up,
about a second, is in every figure; Spark's JVM start-up, about 20 s, is in Spark's), with the
workspace's set-up (`init`, factors, entities, sites, instruments) done beforehand, untimed.
A step that fails prints `not available: <its error line>` and the rest still runs. The rows
are bench/engine.py's (`prepare`: the demo company's files and demo/scaled.py's rows, all in
2024).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
YEAR = 2024
ENGINES = ("duckdb", "postgres", "spark")
SECTIONS = ("engines", "lake", "spark-scale")
ZEROTRAIL = str(Path(sys.executable).with_name("zerotrail"))


def _engine_bench() -> Any:
    """bench/engine.py as a module: its `prepare` step writes the rows used here."""
    spec = importlib.util.spec_from_file_location("bench_engine", HERE / "engine.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Unavailable(Exception):
    """An engine or step that cannot run here; its message is the reason, one line."""


@dataclass(frozen=True)
class Step:
    seconds: float
    peak_rss_mb: float


# --- running and measuring one command ---------------------------------------------------------


class _PeakRss:
    """Samples the summed RSS of a process tree (and of extra trees, e.g. a database server)
    every 0.1 s. Pages shared between processes count once per process: an upper bound."""

    def __init__(self, root_pid: int, extra: Sequence[int] = ()) -> None:
        import psutil

        self._psutil = psutil
        self._roots = [root_pid, *extra]
        self.peak = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _tree_rss(self) -> int:
        total = 0
        for pid in self._roots:
            try:
                root = self._psutil.Process(pid)
                procs = [root, *root.children(recursive=True)]
            except self._psutil.Error:
                continue
            for proc in procs:
                with contextlib.suppress(self._psutil.Error):  # ended since listed
                    total += proc.memory_info().rss
        return total

    def _run(self) -> None:
        while not self._done.is_set():
            self.peak = max(self.peak, self._tree_rss())
            self._done.wait(0.1)

    def stop(self) -> float:
        self._done.set()
        self._thread.join()
        return self.peak / 1e6


STEP_TIMEOUT = [7200.0]  # seconds; set from --step-timeout


def _kill_tree(pid: int) -> None:
    import psutil

    try:
        root = psutil.Process(pid)
        procs = [*root.children(recursive=True), root]
    except psutil.Error:
        return
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    psutil.wait_procs(procs, timeout=10)


def zerotrail(
    db: str, *args: str, env: dict[str, str] | None = None, server_pids: Sequence[int] = ()
) -> Step:
    """Run `zerotrail --db DB ARGS`; its wall time and peak tree RSS, or Unavailable."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [ZEROTRAIL, "--db", db, *args],
            stdout=out,
            stderr=err,
            env={**os.environ, **(env or {})},
        )
        sampler = _PeakRss(proc.pid, server_pids)
        try:
            code = proc.wait(timeout=STEP_TIMEOUT[0])
        except subprocess.TimeoutExpired:
            sampler.stop()
            _kill_tree(proc.pid)
            raise Unavailable(
                f"`zerotrail {' '.join(args[:2])}` did not finish in {STEP_TIMEOUT[0]:.0f} s"
                " (--step-timeout)"
            ) from None
        seconds = time.perf_counter() - start
        peak = sampler.stop()
        if code != 0:
            err.seek(0)
            out.seek(0)
            lines = [ln for ln in (err.read() + out.read()).splitlines() if ln.strip()]
            reason = lines[0] if lines else f"exit {code}"
            raise Unavailable(f"`zerotrail {' '.join(args[:2])}` exit {code}: {reason[:200]}")
    return Step(seconds, peak)


def _inventory(db: str) -> dict[str, float]:
    out = subprocess.run(
        [ZEROTRAIL, "--db", db, "inventory", "--year", str(YEAR), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise Unavailable(f"inventory: {out.stderr.strip()[:200]}")
    figures: dict[str, float] = {}

    def walk(value: Any, path: str) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, f"{path}.{k}")
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(v, f"{path}[{i}]")
        elif isinstance(value, int | float) and not isinstance(value, bool):
            figures[path] = float(value)

    walk(json.loads(out.stdout), "")
    figures.pop(".year", None)
    return figures


def _largest_difference(a: dict[str, float], b: dict[str, float]) -> str:
    if set(a) != set(b):
        return f"different figures: {sorted(set(a) ^ set(b))[:3]}"
    worst = 0.0
    for key, x in a.items():
        y = b[key]
        if x != y:
            worst = max(worst, abs(x - y) / max(abs(x), abs(y)))
    return f"{worst:.1e}" if worst else "0"


# --- workspaces ----------------------------------------------------------------------------------


def _set_up(db: str, work: Path) -> None:
    """The workspace before the timed steps, as bench/engine.py's `_fresh_workspace` makes it."""
    files = json.loads((work / "files.json").read_text())
    zerotrail(db, "init")
    for kind in ("factors", "entities", "sites", "instruments"):
        zerotrail(db, "import", kind, files[kind])


@contextmanager
def _workspace(engine: str, scratch: Path) -> Iterator[tuple[str, list[int]]]:
    """(the --db value, the pids of a server whose memory counts) for one engine."""
    if engine != "postgres":
        path = scratch / f"{engine}.duckdb"
        for old in (path, path.with_name(path.name + ".wal")):
            old.unlink(missing_ok=True)
        yield str(path), []
        return
    from zerotrail.errors import ZerotrailError
    from zerotrail.pipeline.database_server import start_server, stop_server

    folder = scratch / "pg"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    if os.geteuid() == 0:  # the server's own user must reach the folder (docs/engines.md)
        for parent in [folder, *folder.parents]:
            parent.chmod(parent.stat().st_mode | 0o001)
    try:
        server = start_server(folder)
    except ZerotrailError as exc:
        raise Unavailable(str(exc)) from None
    try:
        assert server.socket_url is not None and server.pid is not None
        yield server.socket_url, [server.pid]
    finally:
        stop_server(folder)


def _import_args(engine: str, rows: Path) -> list[str]:
    external = ["--external"] if engine == "spark" else []
    return ["import", "activities", str(rows), *external]


def _calculate_args(engine: str, master: str) -> list[str]:
    args = ["calculate", "--year", str(YEAR), "--allow-problems"]
    if engine == "spark":
        args += ["--engine", "spark", "--spark-master", master]
    return args


def _spark_env(driver_memory: str) -> dict[str, str]:
    # Read by pyspark when it launches the JVM; the driver's heap cannot change once it runs.
    return {"PYSPARK_SUBMIT_ARGS": f"--driver-memory {driver_memory} pyspark-shell"}


# --- sections ------------------------------------------------------------------------------------


def _prepared(root: Path, rows: int, cache: dict[int, Path]) -> Path:
    if rows not in cache:
        work = root / f"rows-{rows}"
        work.mkdir()
        _engine_bench().child("prepare", work, rows)
        cache[rows] = work
    return cache[rows]


def _rate(rows: int, seconds: float) -> str:
    return f"{rows / seconds:,.0f}" if seconds > 0 else ""


def section_engines(args: argparse.Namespace, root: Path, cache: dict[int, Path]) -> None:
    print("\n## Engines: import and calculate\n")
    print(
        "| rows | engine | step | median s | rows/s | peak RSS MB | time vs DuckDB"
        " | totals vs DuckDB |"
    )
    print("|---:|---|---|---:|---:|---:|---:|---|")
    for n in args.rows:
        work = _prepared(root, n, cache)
        rows_file = work / "rows.parquet"
        duck: dict[str, float] = {}
        duck_totals: dict[str, float] | None = None
        for engine in args.engines:
            env = _spark_env(args.spark_driver_memory) if engine == "spark" else {}
            try:
                steps: dict[str, list[Step]] = {
                    "import": [],
                    "first calculate": [],
                    "calculate": [],
                }
                for _ in range(args.repeat):
                    with _workspace(engine, work) as (db, pids):
                        _set_up(db, work)
                        steps["import"].append(
                            zerotrail(db, *_import_args(engine, rows_file), server_pids=pids)
                        )
                        # The first compiles the engine's plan and keeps it in the workspace.
                        for step in ("first calculate", "calculate"):
                            steps[step].append(
                                zerotrail(
                                    db,
                                    *_calculate_args(engine, args.spark_master),
                                    env=env,
                                    server_pids=pids,
                                )
                            )
                        totals = _inventory(db)
            except Unavailable as exc:
                print(f"| {n:,} | {engine} | | | | | | not available: {exc} |", flush=True)
                continue
            if engine == "duckdb":
                duck_totals = totals
            compared = engine != "duckdb" and duck_totals is not None
            same = _largest_difference(duck_totals, totals) if compared else ""
            for step, runs in steps.items():
                seconds = statistics.median(r.seconds for r in runs)
                peak = max(r.peak_rss_mb for r in runs)
                if engine == "duckdb":
                    duck[step] = seconds
                ratio = f"{seconds / duck[step]:.2f}x" if step in duck else ""
                print(
                    f"| {n:,} | {engine} | {step} | {seconds:.2f} | {_rate(n, seconds)} |"
                    f" {peak:,.0f} | {ratio} | {same if step == 'calculate' else ''} |",
                    flush=True,
                )


_SCAN = """
import sys, time, duckdb
# No progress bar: on a long scan DuckDB draws one on the output this script answers on.
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
t = time.perf_counter()
n = con.execute(sys.argv[1], [sys.argv[2]]).fetchone()[0]
print(int(n), time.perf_counter() - t)
"""


def _scan(query: str, parquet: Path) -> tuple[float, float, int]:
    """(process seconds, query seconds, rows) of one DuckDB query over the file, in a new
    process like the import it is compared with."""
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", _SCAN, query, str(parquet)],
        capture_output=True,
        text=True,
        check=True,
    )
    total = time.perf_counter() - start
    rows, seconds = out.stdout.split()[-2:]
    return total, float(seconds), int(rows)


def section_lake(args: argparse.Namespace, root: Path, cache: dict[int, Path]) -> None:
    import pyarrow.parquet as pq

    n = args.lake_rows
    print(f"\n## Lake table: `import activities --external` at {n:,} rows against DuckDB scans\n")
    print("| step | process s | query s | rows/s (process) | import's speed / this scan's |")
    print("|---|---:|---:|---:|---:|")
    work = _prepared(root, n, cache)
    rows_file = work / "rows.parquet"
    columns = pq.read_schema(rows_file).names
    every = ", ".join(f'"{c}"' for c in columns)
    scans = {
        "DuckDB `SELECT count(*)` (Parquet metadata)": "SELECT count(*) FROM read_parquet(?)",
        "DuckDB read of every column (hash per row)": (
            f"SELECT count(*) + 0 * sum(hash({every}) % 2) FROM read_parquet(?)"
        ),
    }
    timed = {label: _scan(sql, rows_file) for label, sql in scans.items()}
    try:
        with _workspace("duckdb", work) as (db, _):
            _set_up(db, work)
            step = zerotrail(db, *_import_args("spark", rows_file))
    except Unavailable as exc:
        print(f"| `import activities --external` | | | | not available: {exc} |")
        step = None
    for label, (total, query, rows) in timed.items():
        assert rows == n, (label, rows, n)
        ratio = f"{total / step.seconds:.2f}x" if step is not None else ""
        print(f"| {label} | {total:.2f} | {query:.3f} | {_rate(n, total)} | {ratio} |")
    if step is not None:
        print(
            f"| `import activities --external` (checks + ledger, no copy; peak RSS"
            f" {step.peak_rss_mb:,.0f} MB) | {step.seconds:.2f} | | {_rate(n, step.seconds)} | |"
        )


def section_spark_scale(args: argparse.Namespace, root: Path, cache: dict[int, Path]) -> None:
    n = args.spark_rows
    memory = args.spark_driver_memory
    print(f"\n## Spark local at {n:,} rows (spark.driver.memory={memory})\n")
    print("| step | s | rows/s | peak RSS MB (whole process tree) |")
    print("|---|---:|---:|---:|")
    work = _prepared(root, n, cache)
    try:
        with _workspace("spark", work) as (db, _):
            _set_up(db, work)
            # The registration's leaves built by Spark too (`--engine spark`).
            spark = ["--engine", "spark", "--spark-master", args.spark_master]
            imported = zerotrail(
                db,
                *_import_args("spark", work / "rows.parquet"),
                *spark,
                "--spark-driver-memory",
                memory,
                env=_spark_env(memory),
            )
            print(
                f"| import activities --external --engine spark | {imported.seconds:.1f} |"
                f" {_rate(n, imported.seconds)} | {imported.peak_rss_mb:,.0f} |",
                flush=True,
            )
            done = zerotrail(
                db, *_calculate_args("spark", args.spark_master), env=_spark_env(memory)
            )
            print(
                f"| calculate --engine spark | {done.seconds:.1f} | {_rate(n, done.seconds)} |"
                f" {done.peak_rss_mb:,.0f} |",
                flush=True,
            )
    except Unavailable as exc:
        print(f"| | | | not available: {exc} |")


def _header() -> None:
    rev = subprocess.run(
        ["git", "-C", str(HERE), "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    java = shutil.which("java") or "none"
    print(
        f"# {platform.node()} · {platform.machine()} · {os.cpu_count()} cores · "
        f"{math.ceil(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)} GiB · "
        f"Python {platform.python_version()} · java {java} · {time.strftime('%Y-%m-%d %H:%M')} · "
        f"revision {rev or 'unknown'} · load average {os.getloadavg()[0]:.1f} at start"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    ap.add_argument("--engines", nargs="+", choices=ENGINES, default=list(ENGINES))
    ap.add_argument("--sections", nargs="+", choices=SECTIONS, default=list(SECTIONS))
    ap.add_argument("--lake-rows", type=int, default=10_000_000)
    ap.add_argument("--spark-rows", type=int, default=100_000_000)
    ap.add_argument("--spark-master", default="local[2]")
    ap.add_argument("--spark-driver-memory", default="2g")
    ap.add_argument(
        "--step-timeout",
        type=float,
        default=STEP_TIMEOUT[0],
        help="seconds before a step is stopped and reported as not available",
    )
    ap.add_argument("--repeat", type=int, default=1, help="runs per engine and size (median)")
    ap.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temp dir)")
    args = ap.parse_args()
    STEP_TIMEOUT[0] = args.step_timeout
    _header()
    if args.work is not None:
        args.work.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=args.work, prefix="engines-") as tmp:
        root = Path(tmp)
        cache: dict[int, Path] = {}
        if "engines" in args.sections:
            section_engines(args, root, cache)
        if "lake" in args.sections:
            section_lake(args, root, cache)
        if "spark-scale" in args.sections:
            section_spark_scale(args, root, cache)


if __name__ == "__main__":
    main()
