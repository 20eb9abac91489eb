"""What is Spark's own in a calculation on Spark (`calculate --engine spark`): lake tables.

The figures of stored records on Spark are the engine suite's business: every test of
tests/engines that calculates runs on Spark too (`engine` fixture, tests/engines/conftest.py),
with the same known answers, reference comparison and scaled totals. Here one world is
calculated once on DuckDB and once on Spark, in one workspace: the stored records of a random
world of tests/engines/test_engine_matches_reference.py (with unresolvable records) beside
three lake tables, which Spark reads where their files are and types in Spark SQL as DuckDB
types them. Records, problems and committed figures must be DuckDB's, and the run's Parquet
copy what readers see. The test process's Spark session (`spark`, tests/conftest.py) runs one
calculation here; everything else is read from it.

Also here: the one-line refusals when Java or PySpark is missing, each in its own process.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from operator import itemgetter
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from tests.conftest import Templates, open_copy
from tests.engines.conftest import load, young_garbage_only
from tests.engines.test_engine_matches_reference import COLUMNS, NUMBERS, random_world
from zerotrail.engine.settings import InventorySettings
from zerotrail.engine.spark_session import SparkEngine, java_major, reads_by_name
from zerotrail.ingest.external import register_lake_table
from zerotrail.pipeline.calculation import RUN_FIGURES, RunSummary, calculate, calculation_plan
from zerotrail.pipeline.spark_calculation import SparkOptions, SparkRunSummary, calculate_on_spark
from zerotrail.store.external import lake_datasets, lake_records
from zerotrail.store.spark_exchange import export_year_records
from zerotrail.store.spark_lake import spark_lake_sql
from zerotrail.store.workspace import Workspace

YEAR = 2024
SETTINGS = InventorySettings(YEAR, "AR5")
# --- lake tables: records Spark reads where their files are -------------------------------------
# Each lake record is one of these (activity, unit, region, scope 3 category): the
# figures are the engines' business (compared record by record with DuckDB's); what the lake
# cases test is that Spark types awkward Parquet values exactly as DuckDB types them.
LAKE_KINDS = [
    ("electricity.grid", "kWh", "US-CAMX", None),
    ("stationary_combustion.natural_gas", "therm", "US", None),
    ("mobile_combustion.diesel", "L", "US", None),
    ("business_travel.air_long_haul", "passenger-km", "US", 6),
    ("steam.purchased", "mmBtu", "US", None),
]
HEAT_SPELLINGS = [None, "gcv", " HHV ", "net", "Lhv"]  # for the energy units (therm, mmBtu)
EVIDENCE = "sha256:" + "ab" * 32


def _lake_row(i: int, prefix: str) -> dict[str, Any]:
    """Lake record `i`: every fifth of another year (a 2024 run leaves it out), optional fields
    left NULL in turn, quantities with six decimals."""
    from datetime import date

    activity, unit, region, category = LAKE_KINDS[i % len(LAKE_KINDS)]
    year = 2023 if i % 5 == 4 else YEAR
    energy = unit in ("therm", "mmBtu")
    return {
        "record_id": f"  {prefix}-{i:03d} " if i % 7 == 0 else f"{prefix}-{i:03d}",
        "entity": "E0",
        "period_start": date(year, 1 + i % 12, 1),
        "period_end": date(year, 1 + i % 12, 28),
        "activity": activity,
        "quantity": f"{(i * 7919) % 100_000}.{(i * 104_729) % 1_000_000:06d}",
        "unit": unit,
        "region": region,
        "scope3_category": category,
        "dq_time": None if i % 3 == 0 else 1 + i % 5,
        "note": [None, "   ", " a note, trimmed "][i % 3],
        "evidence": EVIDENCE if i % 4 == 0 else None,
        "heat_basis": HEAT_SPELLINGS[i % 5] if energy else None,
    }


def write_typed_lake(folder: Path, n_files: int = 3, per_file: int = 100) -> Path:
    """A lake table of `n_files` files in `folder` with typed Parquet columns: dates as dates,
    quantities as DECIMAL(18,6), categories and data quality as integers (NULL when not
    given); one row of nulls, which is no record."""
    import decimal

    import pyarrow as pa

    folder.mkdir()
    schema = pa.schema(
        [
            ("record_id", pa.string()),
            ("entity", pa.string()),
            ("period_start", pa.date32()),
            ("period_end", pa.date32()),
            ("activity", pa.string()),
            ("quantity", pa.decimal128(18, 6)),
            ("unit", pa.string()),
            ("region", pa.string()),
            ("scope3_category", pa.int32()),
            ("dq_time", pa.int64()),
            ("note", pa.string()),
            ("evidence", pa.string()),
            ("heat_basis", pa.string()),
        ]
    )
    for f in range(n_files):
        rows = [_lake_row(f * per_file + i, "lt") for i in range(per_file)]
        for r in rows:
            r["quantity"] = decimal.Decimal(r["quantity"])
        if f == 1:
            rows.insert(50, dict.fromkeys(schema.names))
        pq.write_table(pa.Table.from_pylist(rows, schema=schema), folder / f"part-{f}.parquet")
    return folder


def write_text_lake(path: Path, n: int = 60) -> Path:
    """A lake table of one file of text columns as a spreadsheet export would have them
    (dates and numbers as text, padded; a category as `6.0`), but for a period start that is
    a timestamp at midnight and data quality as doubles."""
    import datetime as dt

    import pyarrow as pa

    rows = []
    for i in range(n):
        r = _lake_row(i, path.stem.strip("_"))
        start = r["period_start"]
        r.update(
            period_start=dt.datetime(start.year, start.month, start.day),
            period_end=f" {r['period_end'].isoformat()} ",
            quantity=f" {r['quantity']}e0 " if i % 2 else r["quantity"],
            scope3_category=None if r["scope3_category"] is None else f"{r['scope3_category']}.0",
            dq_time=None if r["dq_time"] is None else float(r["dq_time"]),
        )
        rows.append(r)
    types = {"period_start": pa.timestamp("us"), "dq_time": pa.float64()}
    schema = pa.schema([(c, types.get(c, pa.string())) for c in rows[0]])
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)
    return path


@dataclass(frozen=True)
class World:
    ws: Workspace
    duckdb: RunSummary
    spark: SparkRunSummary


# `spark`, the session's Spark engine (one JVM per test process): tests/conftest.py.


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory, workspace_template: Templates, spark: SparkEngine
) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("spark-world")
    ws = open_copy(workspace_template(), folder)
    load(ws, folder, **random_world(random.Random(3), YEAR))
    # Three lake tables: typed Parquet in three files and text Parquet, which Spark reads in
    # place; and a file whose name Spark would skip as hidden, which DuckDB hands over.
    lakes = folder / "lake"
    lakes.mkdir()
    for path in (
        write_typed_lake(lakes / "typed"),
        write_text_lake(lakes / "text.parquet"),
        write_text_lake(lakes / "_hidden.parquet", n=20),
    ):
        register_lake_table(ws, str(path))
    duck = calculate(ws, SETTINGS)
    with young_garbage_only():
        on_spark = calculate_on_spark(
            ws, SETTINGS, SparkOptions(output=folder / "results"), engine=spark
        )
    try:
        yield World(ws, duck, on_spark)
    finally:
        ws.close()


def spark_rows(world: World) -> dict[str, dict[str, Any]]:
    rows = pq.read_table(world.spark.results).to_pylist()
    return {r["record_id"]: r for r in rows}


def view_rows(ws: Workspace, run_id: str) -> dict[str, dict[str, Any]]:
    # The results view reads `activities`: with the lake tables' records, as a command reads it.
    with lake_records(ws):
        cur = ws.execute("SELECT * FROM results WHERE run_id = ?", [run_id])
        names = [d[0] for d in cur.description]
        return {row[1]: dict(zip(names, row, strict=True)) for row in cur.fetchall()}


def sums_by_scope(rows: dict[str, dict[str, Any]]) -> dict[tuple[int, str], float]:
    out: dict[tuple[int, str], float] = {}
    for r in rows.values():
        for c in NUMBERS:
            out[(r["scope"], c)] = out.get((r["scope"], c), 0.0) + (r[c] or 0.0)
    return out


def problems(ws: Workspace, run_id: str) -> list[tuple[Any, ...]]:
    return ws.fetchall(
        "SELECT record_id, message FROM run_problems WHERE run_id = ? ORDER BY ALL", [run_id]
    )


def test_every_record_matches_duckdb(world: World) -> None:
    got, want = spark_rows(world), view_rows(world.ws, world.duckdb.run_id)
    assert got.keys() == want.keys()
    # Every 2024 record is calculated or a problem: the random world's 250 and the lake tables'
    # (every fifth of them is of 2023: 300 - 60 typed, 60 - 12 text, 20 - 4 hidden).
    assert len(got) + world.spark.run.problems == 250 + 240 + 48 + 16
    for rid, w in want.items():
        g = got[rid]
        for c in COLUMNS:
            assert g[c] == w[c], (rid, c)
        for c in NUMBERS:
            assert g[c] == pytest.approx(w[c], rel=1e-9, abs=1e-12), (rid, c)
    # The same records could not be calculated, for the same reasons.
    assert problems(world.ws, world.spark.run.run_id) == problems(world.ws, world.duckdb.run_id)
    assert world.spark.run.problems == world.duckdb.problems > 0


def test_the_run_is_stored_and_committed_as_a_duckdb_run_is(world: World) -> None:
    ws, run = world.ws, world.spark.run
    assert ws.scalar("SELECT run_id FROM runs WHERE year = ? AND current", [YEAR]) == run.run_id
    assert (run.records, run.notes) == (world.duckdb.records, world.duckdb.notes)
    committed = {
        r: json.loads(ws.scalar("SELECT committed FROM runs WHERE run_id = ?", [r]))
        for r in (run.run_id, world.duckdb.run_id)
    }
    spark_text, duck_text = committed[run.run_id], committed[world.duckdb.run_id]
    assert spark_text.keys() == duck_text.keys()
    for name in RUN_FIGURES:
        assert float(spark_text[name]) == pytest.approx(float(duck_text[name]), rel=1e-9), name
    # Both runs' leaves are in the ledger, the run's and its results' digests.
    kinds = ws.fetchall(
        "SELECT kind, count(*) FROM ledger_leaves WHERE kind IN ('run', 'run_results') GROUP BY ALL"
    )
    assert dict(kinds) == {"run": 2, "run_results": 2}
    # Readers see the Spark run through the workspace's results view, as Spark wrote it.
    seen = sums_by_scope(view_rows(ws, run.run_id))
    for key, value in sums_by_scope(spark_rows(world)).items():
        assert seen[key] == pytest.approx(value, rel=1e-9, abs=1e-12), key


def test_lake_tables_are_read_in_place_and_give_duckdbs_figures(world: World) -> None:
    got = spark_rows(world)
    # Typed and text lake records of 2024 are calculated (ids trimmed), those of 2023 not.
    assert {"lt-000", "lt-150", "text-001", "hidden-001"} <= got.keys()
    assert not {"lt-004", "text-004", "hidden-004"} & got.keys()
    # Only the file Spark would skip as hidden (`_hidden.parquet`) came through DuckDB.
    hidden = [d.dataset_id for d in lake_datasets(world.ws) if d.source.endswith("_hidden.parquet")]
    assert world.spark.through_duckdb == tuple(hidden)
    # Their figures are DuckDB's, record by record (test_every_record_matches_duckdb compares
    # every column); here, the lake records' sum alone, so a lake-only slip cannot hide.
    lake = [r for r in got if r.startswith(("lt-", "text-", "hidden-"))]
    want = view_rows(world.ws, world.duckdb.run_id)
    assert len(lake) > 200
    assert sum(got[r]["co2e_t"] or 0 for r in lake) == pytest.approx(
        sum(want[r]["co2e_t"] or 0 for r in lake), rel=1e-12
    )


def test_spark_types_lake_rows_exactly_as_duckdb_does(
    world: World, spark: SparkEngine, tmp_path: Path
) -> None:
    ws = world.ws
    ever = (date(1, 1, 1), date(9999, 12, 31))  # every year: each lake row is compared
    stored = tmp_path / "stored.parquet"
    export_year_records(ws, *ever, stored)
    target = spark.register_parquet("zt_test_stored", [str(stored)])
    datasets = [d for d in lake_datasets(ws) if all(reads_by_name(f.path) for f in d.files)]
    assert len(datasets) == 2  # the typed and the text lake table
    for i, d in enumerate(datasets):
        view = f"zt_test_lake_{i}"
        columns = spark.register_renamed(view, [f.path for f in d.files], d.columns)
        assert columns is not None
        sql = spark_lake_sql(d.dataset_id, view, columns, target, *ever)
        assert sql is not None, columns
        on_spark = spark.to_arrow(sql).to_pylist()
        with lake_records(ws):
            query = "SELECT * FROM activities WHERE import_id = ?"
            on_duckdb = ws.con.sql(query, params=[d.dataset_id]).to_arrow_table().to_pylist()
        assert len(on_spark) == len(on_duckdb) == d.records  # the row of nulls is no record
        key = itemgetter("record_id")
        # Every column, every value, exactly: the same doubles, dates, NULLs and trimmed text.
        assert sorted(on_spark, key=key) == sorted(on_duckdb, key=key)


def test_a_type_spark_does_not_type_as_duckdb_goes_through_duckdb() -> None:
    target = [("record_id", "string"), ("dq_time", "int"), ("period_start", "date")]
    typed = [("record_id", "string"), ("period_start", "date")]
    ever = (date(1, 1, 1), date(9999, 12, 31))
    assert spark_lake_sql("imp-1", "v", [*typed, ("dq_time", "int")], target, *ever)
    # A boolean data-quality score, a time-zoned timestamp as a date: DuckDB's typing is not
    # written in Spark SQL for them, so the stage reads such a lake table through DuckDB.
    assert spark_lake_sql("imp-1", "v", [*typed, ("dq_time", "boolean")], target, *ever) is None
    zoned = [("record_id", "string"), ("period_start", "timestamp"), ("dq_time", "int")]
    assert spark_lake_sql("imp-1", "v", zoned, target, *ever) is None


def test_only_plain_absolute_file_names_are_read_by_name() -> None:
    assert reads_by_name("/lake/m 2025/part-0.parquet")
    for path in (
        "/lake/_part.parquet",
        "/lake/.part.parquet",
        "/lake/p[1].parquet",
        "/lake/p*.parquet",
        "/lake/a:b.parquet",
        "/lake/{a}.parquet",
        "lake/p.parquet",
    ):
        assert not reads_by_name(path), path


def test_ibis_compiles_every_step_for_spark(world: World) -> None:
    # The plans the two runs used (this process's, compiled by Ibis for each engine).
    spark, duck = calculation_plan(world.ws, "spark"), calculation_plan(world.ws)
    assert [s.table for s in spark.steps] == [s.table for s in duck.steps]
    assert spark.calc_columns == duck.calc_columns
    assert "`" in spark.signatures.sql  # Spark SQL quotes names with backticks, DuckDB not
    assert spark.key != duck.key
    # Both are kept in the workspace, each under its engine.
    engines = world.ws.fetchall("SELECT engine, key FROM compiled_sql ORDER BY engine")
    assert engines == [("duckdb", duck.key), ("spark", spark.key)]


# --- refusals, each in its own process (no Spark starts) --------------------------------------


def _calculate(
    db: Path, env: dict[str, str], prelude: str = ""
) -> subprocess.CompletedProcess[str]:
    code = (
        f"{prelude}import sys; from zerotrail.cli import main; sys.argv = ['zerotrail', '--db',"
        f" {str(db)!r}, 'calculate', '--year', '2024', '--engine', 'spark']; main()"
    )
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def workspace_file(tmp_path: Path, workspace_template: Templates) -> Path:
    open_copy(workspace_template(), tmp_path).close()
    return tmp_path / "w.duckdb"


def _env(**changes: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "JAVA_HOME"}
    for k, v in changes.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    return env


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        # No JAVA_HOME and a PATH with no java on it.
        ({"PATH": str(Path(sys.executable).parent)}, "no java on the PATH"),
        ({"JAVA_HOME": "/nonexistent/jdk"}, "JAVA_HOME=/nonexistent/jdk has no bin/java"),
    ],
)
def test_missing_java_is_one_clear_line(
    workspace_file: Path, changes: dict[str, str], said: str
) -> None:
    done = _calculate(workspace_file, _env(**changes))
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: Spark needs Java 17 or newer;"), lines[0]
    assert said in lines[0]


def test_an_old_java_is_named(workspace_file: Path, tmp_path: Path) -> None:
    # A JAVA_HOME whose java says it is Java 8 (as `java -version` prints it, on stderr).
    java = tmp_path / "jdk8" / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text("#!/bin/sh\necho 'openjdk version \"1.8.0_292\"' >&2\n")
    java.chmod(0o755)
    done = _calculate(workspace_file, _env(JAVA_HOME=str(tmp_path / "jdk8")))
    assert done.returncode != 0
    assert done.stderr.strip() == (
        f"error: Spark needs Java 17 or newer; {java} is Java 8 (install a newer one and"
        " point JAVA_HOME at it)"
    )


def test_missing_pyspark_names_the_extra(workspace_file: Path) -> None:
    # `sys.modules[name] = None` makes `import pyspark` fail as if it were not installed.
    done = _calculate(workspace_file, _env(), prelude="import sys; sys.modules['pyspark'] = None; ")
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [
        "error: the Spark engine needs PySpark, which is not installed:"
        " pip install 'zerotrail[spark]'"
    ]


def test_java_versions_are_read_as_java_prints_them() -> None:
    assert java_major('openjdk version "17.0.15" 2025-04-15') == 17
    assert java_major('java version "1.8.0_292"') == 8
    assert java_major('openjdk version "21" 2023-09-19') == 21
    assert java_major("no version here") is None
