"""The calculation on Spark (`calculate --engine spark`) gives the DuckDB engine's figures.

One world is calculated once on each engine, in one workspace: the known-answer records of
tests/engines/test_known_answers.py that share its settings (2024, AR5, nearest), beside the
random world of tests/engines/test_engine_matches_reference.py (entities with shares, sites,
instruments, a supplier-specific factor, price indices, editions of a test key, unresolvable
records), one record corrected by a second import, and records of 2023 that a 2024 run leaves
out. Spark starts once per test session (about 20 s) and runs one calculation here, so the
file stays within a minute; everything else it checks is read from that one run.

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
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from tests.conftest import Templates, open_copy
from tests.engines.conftest import load, write_csv
from tests.engines.test_engine_matches_reference import COLUMNS, NUMBERS, random_world
from zerotrail.engine.settings import InventorySettings
from zerotrail.engine.spark_session import SparkEngine, SparkSettings, java_major
from zerotrail.ingest.activities import import_activities
from zerotrail.pipeline.calculation import RUN_FIGURES, RunSummary, calculate, calculation_plan
from zerotrail.pipeline.spark_calculation import SparkOptions, SparkRunSummary, calculate_on_spark
from zerotrail.store.workspace import Workspace

YEAR = 2024
SETTINGS = InventorySettings(YEAR, "AR5")
LB = 0.45359237
GAL = 3.785411784
MILE = 1.609344
SHORT_TON = 907.18474


def act(rid: str, key: str, qty: float, unit: str, region: str, year: int = YEAR) -> dict[str, Any]:
    return {
        "record_id": rid,
        "entity": "E0",  # the random world's root: 100 %, operational control
        "period_start": f"{year}-01-01",
        "period_end": f"{year}-12-31",
        "activity": key,
        "quantity": qty,
        "unit": unit,
        "region": region,
    }


KNOWN = [
    act("k-camx", "electricity.grid", 100_000, "kWh", "US-CAMX"),
    act("k-gas", "stationary_combustion.natural_gas", 10_000, "therm", "US"),
    act("k-diesel", "mobile_combustion.diesel", 1000, "L", "US"),
    act("k-r410a", "fugitive.R-410A", 5, "kg", "CN"),
    act("k-sf6", "fugitive.SF6", 2, "kg", "CN"),
    act("k-air", "business_travel.air_long_haul", 10_000, "passenger-km", "US"),
    act("k-waste", "waste.mixed_msw.landfilled", 10, "t", "US"),
    act("k-wood", "stationary_combustion.wood", 10, "short_ton", "US"),
    act("k-steam", "steam.purchased", 100, "mmBtu", "US"),
]
# Of another year: a 2024 run reads none of them.
OTHER_YEAR = [
    act("y23-grid", "electricity.grid", 1000, "MWh", "CN-EAST", 2023),
    act("y23-gas", "stationary_combustion.natural_gas", 500, "therm", "US", 2023),
]
# Imported first with 1,000 kWh, then corrected to 2,000 kWh by a second import.
CORRECTED = act("k-fix", "electricity.grid", 1000, "kWh", "US-CAMX")


@dataclass(frozen=True)
class World:
    ws: Workspace
    duckdb: RunSummary
    spark: SparkRunSummary
    seconds: float  # the Spark run's time, session start-up aside


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkEngine]:
    # The quick JIT: this session lives for a minute and reads a few hundred records.
    engine = SparkEngine(SparkSettings(scratch=tmp_path_factory.mktemp("spark"), quick_jit=True))
    try:
        yield engine
    finally:
        engine.close()


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory, workspace_template: Templates, spark: SparkEngine
) -> Iterator[World]:
    import time

    folder = tmp_path_factory.mktemp("spark-world")
    ws = open_copy(workspace_template(), folder)
    rows = random_world(random.Random(3), YEAR)
    rows["activities"] = [*rows["activities"], *KNOWN, *OTHER_YEAR, CORRECTED]
    load(ws, folder, **rows)
    fixed = folder / "fix"
    fixed.mkdir()
    correction = write_csv(fixed / "activities.csv", [{**CORRECTED, "quantity": 2000}])
    import_activities(ws, correction, replace=True)
    duck = calculate(ws, SETTINGS)
    start = time.monotonic()
    on_spark = calculate_on_spark(
        ws, SETTINGS, SparkOptions(output=folder / "results"), engine=spark
    )
    try:
        yield World(ws, duck, on_spark, time.monotonic() - start)
    finally:
        ws.close()


def spark_rows(world: World) -> dict[str, dict[str, Any]]:
    rows = pq.read_table(world.spark.results).to_pylist()
    return {r["record_id"]: r for r in rows}


def view_rows(ws: Workspace, run_id: str) -> dict[str, dict[str, Any]]:
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


def test_known_answers_on_spark(world: World) -> None:
    r = spark_rows(world)
    # EPA Hub 2024 Table 6, eGRID2022 CAMX: 497.443 lb CO2, 0.03 lb CH4, 0.004 lb N2O per MWh;
    # 100 MWh, AR5 (CH4 28, N2O 265).
    assert r["k-camx"]["co2e_t"] == pytest.approx(
        100 * (497.443 + 0.03 * 28 + 0.004 * 265) * LB / 1000
    )
    # EPA Hub 2024 Table 1 natural gas: 53.06 kg CO2, 1 g CH4, 0.1 g N2O per mmBtu;
    # 10,000 therm = 1,000 mmBtu.
    assert r["k-gas"]["co2e_t"] == pytest.approx((53_060 + 1000 * 0.001 * 28 + 0.1 * 265) / 1000)
    # EPA Hub 2024 Table 2: diesel 10.21 kg CO2 per gallon; 1,000 L = 264.17 gal.
    assert r["k-diesel"]["co2_t"] == pytest.approx(1000 / GAL * 10.21 / 1000)
    # R-410A = 50 % HFC-32 (677) + 50 % HFC-125 (3,170): 1,923.5 kg CO2e/kg; SF6 23,500.
    assert r["k-r410a"]["co2e_hfc_t"] == pytest.approx(5 * 1923.5 / 1000)
    assert r["k-sf6"]["co2e_t"] == pytest.approx(2 * 23_500 / 1000)
    # EPA Hub 2024 Table 10, air long haul per passenger-mile: 0.162556270096463 kg CO2,
    # 0.000643086816720257 g CH4, 0.00517922268499536 g N2O.
    per_mile = 0.162556270096463 + 0.000643086816720257e-3 * 28 + 0.00517922268499536e-3 * 265
    assert r["k-air"]["co2e_t"] == pytest.approx(10_000 / MILE * per_mile / 1000)
    assert (r["k-air"]["scope"], r["k-air"]["category"]) == (3, 6)
    # EPA Hub 2024 Table 9 (WARM): mixed MSW landfilled 0.58 t CO2e per short ton; 10 t.
    assert r["k-waste"]["co2e_t"] == pytest.approx(10_000 / SHORT_TON * 0.58)
    # EPA Hub 2024 Table 1 wood: 1,640 kg biogenic CO2, 0.126 kg CH4, 0.063 kg N2O per short
    # ton; 10 short tons: 16.4 t biogenic CO2 outside the scopes.
    assert r["k-wood"]["biogenic_co2_t"] == pytest.approx(16.4)
    assert r["k-wood"]["co2e_t"] == pytest.approx(10 * (0.126 * 28 + 0.063 * 265) / 1000)
    # EPA Hub 2024 Table 7 steam: 66.33 kg CO2, 1.25 g CH4, 0.125 g N2O per mmBtu; 100 mmBtu.
    assert r["k-steam"]["co2e_t"] == pytest.approx(
        100 * (66.33 + 0.00125 * 28 + 0.000125 * 265) / 1000
    )


def test_other_years_and_superseded_versions_are_left_out(world: World) -> None:
    r = spark_rows(world)
    assert not {"y23-grid", "y23-gas"} & r.keys()
    # The correction's 2,000 kWh (version 2) at eGRID CAMX, not the first import's 1,000.
    assert r["k-fix"]["version"] == 2
    assert r["k-fix"]["co2e_t"] == pytest.approx(2 * r["k-camx"]["co2e_t"] / 100)


def test_every_record_matches_duckdb(world: World) -> None:
    got, want = spark_rows(world), view_rows(world.ws, world.duckdb.run_id)
    assert got.keys() == want.keys()
    # Every 2024 record is calculated or a problem: the random world's 250, the known ones and
    # the corrected one (one record, its second version).
    assert len(got) + world.spark.run.problems == 250 + len(KNOWN) + 1
    for rid, w in want.items():
        g = got[rid]
        for c in COLUMNS:
            assert g[c] == w[c], (rid, c)
        for c in NUMBERS:
            assert g[c] == pytest.approx(w[c], rel=1e-9, abs=1e-12), (rid, c)
    # The same records could not be calculated, for the same reasons.
    assert problems(world.ws, world.spark.run.run_id) == problems(world.ws, world.duckdb.run_id)
    assert world.spark.run.problems == world.duckdb.problems > 0


def test_totals_per_scope_and_gas_match_duckdb(world: World) -> None:
    got = sums_by_scope(spark_rows(world))
    want = sums_by_scope(view_rows(world.ws, world.duckdb.run_id))
    assert got.keys() == want.keys()
    assert {scope for scope, _ in got} == {1, 2, 3}
    for key, w in want.items():
        assert got[key] == pytest.approx(w, rel=1e-9, abs=1e-12), key


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
