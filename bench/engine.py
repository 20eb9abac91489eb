"""Benchmark: import and calculate at scale, against a hand-written SQL query and a Python loop.

Not a test. Prints one table of medians (rows/s, peak RSS) and appends nothing anywhere; copy
the figures into docs/benchmarks.md with the machine and date.

    python bench/engine.py --rows 1000000 10000000 [--repeat 5] [--python-rows 1000000]
    python bench/engine.py --rows 10000 --steps cli-calculate      # the CLI's start-up cost

Each measured step runs in a fresh child process, so peak memory (max RSS of the child) belongs
to that step alone. The scaled rows are put in one year (2024) so one `calculate` covers them.
`calculate` is every run of a workspace but its first (the engine's compiled plan is kept in
the workspace); `first-calculate` is a workspace's first, which compiles the plan;
`cli-calculate` is `zerotrail calculate` timed from process start to exit. The steps that read
the imported workspace run round-robin, so their ratios come from the same stretch of time.
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
YEAR = 2024


def child(step: str, work: Path, rows: int, extra: int = 0) -> dict[str, float]:
    """Run one step in a child process; return its seconds and peak RSS (MB)."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", step, str(work), str(rows), str(extra)],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"{step} failed:\n{out.stdout}\n{out.stderr}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return {
        "seconds": float(result["seconds"]),
        "rss_mb": float(result["rss_mb"]),
        "rows": float(result.get("rows", rows)),
    }


# --- child steps ---------------------------------------------------------------------------


def _prepare(work: Path, rows: int) -> int:
    import duckdb

    from zerotrail.demo.generate import write_demo
    from zerotrail.demo.scaled import write_scaled

    files = write_demo(work / "demo")
    raw = write_scaled(work / "raw.parquet", rows)
    con = duckdb.connect()
    # One reporting year for every row, keeping each row's month.
    con.execute(
        f"""COPY (SELECT * REPLACE (make_date({YEAR}, month(period_start), 1) AS period_start,
                 last_day(make_date({YEAR}, month(period_start), 1)) AS period_end)
             FROM read_parquet('{raw}')) TO '{work / "rows.parquet"}' (FORMAT parquet)"""
    )
    raw.unlink()
    (work / "files.json").write_text(
        json.dumps(
            {k: str(getattr(files, k)) for k in ("entities", "sites", "factors", "instruments")}
        )
    )
    return rows


def _fresh_workspace(work: Path, name: str):  # type: ignore[no-untyped-def]
    from zerotrail.ingest.factors import import_factors
    from zerotrail.ingest.instruments import import_instruments
    from zerotrail.ingest.organization import import_entities, import_sites
    from zerotrail.pipeline.calculation import load_shipped_factors
    from zerotrail.store.workspace import open_workspace

    path = work / name
    for suffix in ("", ".wal"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    files = json.loads((work / "files.json").read_text())
    ws = open_workspace(str(path), create=True)
    load_shipped_factors(ws)
    import_factors(ws, Path(files["factors"]))
    import_entities(ws, Path(files["entities"]))
    import_sites(ws, Path(files["sites"]))
    import_instruments(ws, Path(files["instruments"]))
    return ws


def _import(work: Path, rows: int) -> int:
    from zerotrail.ingest.activities import import_activities

    ws = _fresh_workspace(work, "import.duckdb")
    t = time.perf_counter()
    report = import_activities(ws, work / "rows.parquet")
    _STEP_SECONDS.append(time.perf_counter() - t)
    ws.close()
    return report.added


def _copy(work: Path, rows: int) -> int:
    """The floor for an import: DuckDB copying the Parquet file into a table, no checks."""
    ws = _fresh_workspace(work, "copy.duckdb")
    t = time.perf_counter()
    ws.execute(  # type: ignore[attr-defined]
        f"CREATE TABLE raw_copy AS SELECT * FROM read_parquet('{work / 'rows.parquet'}')"
    )
    _STEP_SECONDS.append(time.perf_counter() - t)
    ws.close()  # type: ignore[attr-defined]
    return rows


def _loaded(work: Path) -> object:
    """A workspace holding the rows (built once per size, reused by the calculate steps)."""
    from zerotrail.store.workspace import open_workspace

    return open_workspace(str(work / "import.duckdb"))


def _calculate(work: Path, rows: int) -> int:
    """`calculate` with the workspace's compiled plan already kept (every run but its first)."""
    from zerotrail.engine.settings import InventorySettings
    from zerotrail.pipeline.calculation import calculate

    ws = _loaded(work)
    t = time.perf_counter()
    summary = calculate(ws, InventorySettings(YEAR))  # type: ignore[arg-type]
    _STEP_SECONDS.append(time.perf_counter() - t)
    ws.close()  # type: ignore[attr-defined]
    return summary.records + summary.problems


def _first_calculate(work: Path, rows: int) -> int:
    """A workspace's first `calculate`: no plan kept yet, so it compiles the engine's
    expressions (Ibis imported and run) and keeps the plan."""
    ws = _loaded(work)
    ws.execute("DELETE FROM compiled_sql")  # type: ignore[attr-defined]
    ws.close()  # type: ignore[attr-defined]
    return _calculate(work, rows)


def _cli_calculate(work: Path, rows: int) -> int:
    """`zerotrail calculate` as a user runs it: process start, imports, the run, the output."""
    exe = Path(sys.executable).with_name("zerotrail")
    db = str(work / "import.duckdb")
    t = time.perf_counter()
    out = subprocess.run(
        [str(exe), "--db", db, "calculate", "--year", str(YEAR), "--allow-problems"],
        capture_output=True,
        text=True,
        check=False,
    )
    _STEP_SECONDS.append(time.perf_counter() - t)
    if out.returncode != 0:
        raise SystemExit(f"zerotrail calculate failed:\n{out.stdout}\n{out.stderr}")
    return rows


_CTES = """
WITH a AS (
  SELECT * FROM activities
  WHERE current AND period_start BETWEEN DATE '{y}-01-01' AND DATE '{y}-12-31'
), keys AS (SELECT DISTINCT activity, region, unit, period_start FROM a),
heads AS (
  SELECT factor_id, min(activity) AS activity, min(region) AS region, min(valid_from) AS vf,
         max(valid_to) AS vt, min(verified) AS verified FROM factors GROUP BY factor_id
), cand AS (
  SELECT k.*, h.factor_id, c.multiplier, l.level,
         CASE WHEN h.vf <= k.period_start AND (h.vt IS NULL OR h.vt >= k.period_start) THEN 0
              WHEN h.vt < k.period_start THEN 1 END AS vrank, h.verified, h.vf
  FROM keys k JOIN bench_lineage l ON l.region = k.region
  JOIN heads h ON h.activity = k.activity AND h.region = l.ancestor
  JOIN bench_conv c ON c.activity = k.activity AND c.unit = k.unit AND c.factor_id = h.factor_id
), chosen AS (
  SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY activity, region, unit, period_start
                 ORDER BY verified DESC, level, vrank, vf DESC, factor_id) AS rn
                 FROM cand WHERE vrank IS NOT NULL) WHERE rn = 1
), coef AS (
  SELECT f.factor_id, sum(f.value * g.co2e) AS co2e, sum(f.value * g.m_co2) AS co2
  FROM factors f JOIN bench_gases g ON g.gas = f.gas GROUP BY f.factor_id
)
"""
_SQL = (
    "CREATE OR REPLACE TABLE sql_results AS"
    + _CTES
    + """SELECT a.record_id, a.quantity * c.multiplier * s.share * coef.co2 / 1000 AS co2_t,
       a.quantity * c.multiplier * s.share * coef.co2e / 1000 AS co2e_t
FROM a JOIN chosen c USING (activity, region, unit, period_start)
JOIN coef ON coef.factor_id = c.factor_id JOIN bench_shares s ON s.entity = a.entity"""
)


def _sql_inputs(ws: object) -> None:
    from zerotrail.engine.settings import InventorySettings
    from zerotrail.pipeline.calculation import prepare

    prep = prepare(ws, InventorySettings(YEAR))  # type: ignore[arg-type]
    con = ws.con  # type: ignore[attr-defined]
    con.execute(
        "CREATE OR REPLACE TEMP TABLE bench_conv (activity VARCHAR, unit VARCHAR,"
        " factor_id VARCHAR, multiplier DOUBLE, via_heat BOOLEAN)"
    )
    con.executemany("INSERT INTO bench_conv VALUES (?, ?, ?, ?, ?)", prep.conv)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE bench_lineage (region VARCHAR, ancestor VARCHAR,"
        " level INTEGER)"
    )
    con.executemany(
        "INSERT INTO bench_lineage VALUES (?, ?, ?)",
        [(r["region"], r["ancestor"], r["level"]) for r in prep.lineage],
    )
    con.execute("CREATE OR REPLACE TEMP TABLE bench_gases (gas VARCHAR, co2e DOUBLE, m_co2 DOUBLE)")
    fams = ("co2", "ch4", "n2o", "hfc", "pfc", "sf6", "nf3")
    con.executemany(
        "INSERT INTO bench_gases VALUES (?, ?, ?)",
        [
            (g["gas"], sum(float(g[f"e_{f}"]) for f in fams) + float(g["unsplit"]), g["m_co2"])
            for g in prep.gases
            if g["origin"] == ""
        ],
    )
    con.execute("CREATE OR REPLACE TEMP TABLE bench_shares (entity VARCHAR, share DOUBLE)")
    con.executemany(
        "INSERT INTO bench_shares VALUES (?, ?)", [(e, s) for e, (s, _) in prep.shares.items()]
    )


def _sql(work: Path, rows: int) -> int:
    ws = _loaded(work)
    _sql_inputs(ws)
    t = time.perf_counter()
    ws.execute(_SQL.format(y=YEAR))  # type: ignore[attr-defined]
    _STEP_SECONDS.append(time.perf_counter() - t)
    n = int(ws.scalar("SELECT count(*) FROM sql_results"))  # type: ignore[attr-defined]
    ws.close()  # type: ignore[attr-defined]
    return n


def _python(work: Path, rows: int, limit: int) -> int:
    """The same calculation as a plain-Python loop: each row resolves its factor and sums gases.

    Factor candidates, unit multipliers and GWPs are indexed in dicts first (what any sensible
    Python implementation would do); then every row walks its region lineage, checks validity,
    picks the best factor and multiplies its gases. Stored activities in, stored per-record
    results out: the fetch and the write-back are part of the job, as for the engine.
    """
    import pyarrow as pa

    from zerotrail.engine.settings import InventorySettings
    from zerotrail.model.regions import lineage
    from zerotrail.pipeline.calculation import prepare

    ws = _loaded(work)
    prep = prepare(ws, InventorySettings(YEAR))  # type: ignore[arg-type]
    con = ws.con  # type: ignore[attr-defined]
    conv = {(a, u, f): m for a, u, f, m, _ in prep.conv}
    fams = ("co2", "ch4", "n2o", "hfc", "pfc", "sf6", "nf3")
    gwp = {
        g["gas"]: sum(float(g[f"e_{f}"]) for f in fams) + float(g["unsplit"])
        for g in prep.gases
        if g["origin"] == ""
    }
    shares = {e: s for e, (s, _) in prep.shares.items()}
    heads: dict[str, dict[str, list[object]]] = {}
    for fid, act, reg, vf, vt, ver, gas, value in con.execute(
        "SELECT factor_id, activity, region, valid_from, valid_to, verified, gas, value"
        " FROM factors ORDER BY factor_id"
    ).fetchall():
        h = heads.setdefault(act, {}).setdefault(fid, [reg, vf, vt, ver, []])
        h[4].append((gas, value))  # type: ignore[union-attr]

    t = time.perf_counter()
    data = con.execute(
        "SELECT record_id, entity, activity, region, unit, period_start, quantity FROM activities"
        f" WHERE current LIMIT {limit}"
    ).fetchall()
    ids, co2e = [], []
    for rid, ent, act, reg, unit, start, qty in data:
        regions = lineage(reg)
        best = None
        for fid, (freg, vf, vt, ver, gases) in heads.get(act, {}).items():  # type: ignore[misc]
            m = conv.get((act, unit, fid))
            if m is None or freg not in regions:
                continue
            if vf <= start and (vt is None or vt >= start):
                vrank = 0
            elif vt is not None and vt < start:
                vrank = 1
            else:
                continue
            key = (not ver, regions.index(freg), vrank, -vf.toordinal(), fid)
            if best is None or key < best[0]:
                best = (key, m, gases)
        if best is None:
            continue
        _, m, gases = best
        ids.append(rid)
        co2e.append(qty * m * shares[ent] * sum(v * gwp[g] for g, v in gases) / 1000.0)
    con.register("py_out", pa.table({"record_id": ids, "co2e_t": co2e}))
    con.execute("CREATE OR REPLACE TABLE py_results AS SELECT * FROM py_out")
    _STEP_SECONDS.append(time.perf_counter() - t)
    ws.close()  # type: ignore[attr-defined]
    return len(data)


_STEP_SECONDS: list[float] = []


def run_child(step: str, work: Path, rows: int, extra: int) -> None:
    t = time.perf_counter()
    fn = {
        "prepare": _prepare,
        "import": _import,
        "copy": _copy,
        "calculate": _calculate,
        "first-calculate": _first_calculate,
        "cli-calculate": _cli_calculate,
        "sql": _sql,
    }
    n = _python(work, rows, extra) if step == "python" else fn[step](work, rows)
    seconds = _STEP_SECONDS[0] if _STEP_SECONDS else time.perf_counter() - t
    who = resource.RUSAGE_CHILDREN if step == "cli-calculate" else resource.RUSAGE_SELF
    rss_mb = resource.getrusage(who).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "rss_mb": rss_mb, "rows": n}))


# Steps that build the workspace (each makes it afresh), then the steps that read it, which run
# round-robin so a change in the shared machine's load hits each of them alike.
_BUILD = ("import", "copy")
_COMPARED = ("calculate", "first-calculate", "cli-calculate")


def _revision() -> str:
    out = subprocess.run(
        ["git", "-C", str(HERE), "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
        check=False,
    )
    return out.stdout.strip() or "unknown"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--python-rows", type=int, default=1_000_000)
    ap.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temp dir)")
    ap.add_argument("--child", nargs=4, metavar=("STEP", "WORK", "ROWS", "EXTRA"))
    ap.add_argument(
        "--steps",
        nargs="+",
        default=[
            "import",
            "copy",
            "first-calculate",
            "calculate",
            "cli-calculate",
            "sql",
            "python",
        ],
        help="steps to run (e.g. only import and calculate for the 10^8-row memory check)",
    )
    args = ap.parse_args()
    if args.child:
        step, work, rows, extra = args.child
        run_child(step, Path(work), int(rows), int(extra))
        return
    print(
        f"# {platform.node()} · {platform.machine()} · {os.cpu_count()} cores · "
        f"Python {platform.python_version()} · {time.strftime('%Y-%m-%d %H:%M')} · "
        f"revision {_revision()} · load average {os.getloadavg()[0]:.1f} at start"
    )
    print("| rows | step | median s | rows/s | peak RSS MB | vs hand SQL | vs Python loop |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for n in args.rows:
        with tempfile.TemporaryDirectory(dir=args.work) as tmp:
            work = Path(tmp)
            child("prepare", work, n)
            runs: dict[str, list[dict[str, float]]] = {}
            build = [s for s in args.steps if s in _BUILD]
            read = [s for s in args.steps if s not in _BUILD]
            if read and "import" not in build:
                build.insert(0, "import")  # the reading steps need the imported workspace
            for step in build:
                times = args.repeat if step in args.steps else 1  # once when only needed
                runs[step] = [child(step, work, n) for _ in range(times)]
            if "calculate" in read or "cli-calculate" in read:
                child("calculate", work, n)  # not timed: keeps the compiled plan (and a run)
            for _ in range(args.repeat):
                for step in read:
                    extra = min(n, args.python_rows) if step == "python" else 0
                    runs.setdefault(step, []).append(child(step, work, n, extra))
            med = {
                step: {
                    "seconds": statistics.median(r["seconds"] for r in rs),
                    "rss_mb": max(r["rss_mb"] for r in rs),
                    "rows": rs[0]["rows"],
                }
                for step, rs in runs.items()
                if step in args.steps
            }
            rate = {k: v["rows"] / v["seconds"] for k, v in med.items()}
            for step, v in med.items():
                compare = step in _COMPARED
                vs_sql = (
                    f"{med['sql']['seconds'] / v['seconds']:.2f}x"
                    if compare and "sql" in med
                    else ""
                )
                vs_py = (
                    f"{rate[step] / rate['python']:.0f}x" if compare and "python" in rate else ""
                )
                print(
                    f"| {n:,} | {step} | {v['seconds']:.2f} | {rate[step]:,.0f} | "
                    f"{v['rss_mb']:,.0f} | {vs_sql} | {vs_py} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
