"""One suite for every engine: the `engine` fixture names the backend each test runs on.

Each test runs on DuckDB, on PostgreSQL (a database of the tests' own server, tests/postgres.py)
and on Spark, with the same expected figures; gaps are declared in `ENGINES` as strict xfails
naming their exception. Spark calculates over a DuckDB workspace's records rather than being a
workspace (`calculate --engine spark`, pipeline/spark_calculation.py): its `workspace` is a
DuckDB copy and its calculation `calculate_on_spark`, on the test process's one Spark session
(`spark`, tests/conftest.py). Tests calculate through the `calculate` fixture (or `run_case`),
so that each calculates on its engine; only test_spark.py, which compares the two engines by
name, calls each stage itself.

A calculation on a warm Spark session costs seconds however few its records (some twenty Spark
queries: 7-30 s for two records on the shared 2-core machine, as loaded by other work, against
DuckDB's 0.5 s). So on Spark a module's rows-in, figures-out cases (`Cases`) are loaded together
into one workspace per set of inputs, each case's record ids prefixed with its own, and
calculated once per settings; each test still reads and checks its own case's figures
(`run_case`). On DuckDB and PostgreSQL each case is a workspace of its own, as every other
test's, unless the module's cases are a world its tests share (`Cases(together=True)`).

Also the helpers other test folders load worlds with (`load`, `write_csv`).
"""

from __future__ import annotations

import csv
import gc
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests import postgres
from tests.conftest import Templates, open_copy
from zerotrail.engine.settings import InventorySettings
from zerotrail.ingest.activities import import_activities
from zerotrail.ingest.factors import import_factors
from zerotrail.ingest.instruments import import_instruments
from zerotrail.ingest.organization import import_entities, import_sites
from zerotrail.ingest.price_indices import import_price_indices
from zerotrail.pipeline import calculation
from zerotrail.pipeline.calculation import RunSummary
from zerotrail.store.workspace import Workspace, open_workspace

# The engines the suite runs on, each with its known gaps: test name -> the exception it
# raises there, declared as a strict xfail.
ENGINES: dict[str, dict[str, type[BaseException]]] = {"duckdb": {}, "postgres": {}, "spark": {}}
# The engines that are a kind of workspace (each compiles and keeps the workspace's own plan);
# Spark reads a DuckDB workspace's records.
WORKSPACE_ENGINES = ("duckdb", "postgres")

Row = dict[str, Any]
Calculate = Callable[[Workspace, InventorySettings], RunSummary]


@pytest.fixture(params=list(ENGINES))
def engine(request: pytest.FixtureRequest) -> str:
    # A module narrows the engines with `pytest.mark.parametrize("engine", [...],
    # indirect=True)`; the gaps still apply.
    name = str(request.param)
    gap = ENGINES[name].get(request.node.originalname)
    if gap is not None:
        request.applymarker(pytest.mark.xfail(raises=gap, strict=True, reason=f"{name} gap"))
    return name


def write_csv(path: Path, rows: Sequence[dict[str, Any]]) -> Path:
    cols: list[str] = []
    for r in rows:
        cols += [c for c in r if c not in cols]
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=cols)
        w.writeheader()
        for r in rows:
            w.writerow({c: "" if r.get(c) is None else r[c] for c in cols})
    return path


ROOT = [
    {
        "entity": "E",
        "name": "Emmet",
        "parent": "",
        "equity_share": 100,
        "financial_control": "yes",
        "operational_control": "yes",
        "country": "CN",
    }
]


def new_workspace(request: pytest.FixtureRequest, engine: str, folder: Path) -> Workspace:
    """A fresh workspace with the shipped factors for `engine`: a PostgreSQL database cloned
    from the worker's template, else a copy in `folder` of the DuckDB one built once."""
    if engine == "postgres":
        template = request.getfixturevalue("postgres_template")
        return open_workspace(postgres.create_database(template=template))
    templates: Templates = request.getfixturevalue("workspace_template")
    return open_copy(templates(), folder, f"{engine}.duckdb")


@pytest.fixture
def workspace(request: pytest.FixtureRequest, tmp_path: Path, engine: str) -> Iterator[Workspace]:
    """A fresh workspace for the test's engine (for Spark, a DuckDB one)."""
    ws = new_workspace(request, engine, tmp_path)
    try:
        yield ws
    finally:
        ws.close()


def calculator(request: pytest.FixtureRequest, engine: str, output: Path) -> Calculate:
    """How the suite calculates on `engine`: the pipeline's calculation in the workspace's own
    database, or on the process's Spark session over the workspace's records (its per-record
    Parquet under `output`). Either stores the run in the workspace, read back the same way."""
    if engine != "spark":
        return calculation.calculate
    from zerotrail.pipeline.spark_calculation import SparkOptions, calculate_on_spark

    session = request.getfixturevalue("spark")

    def on_spark(ws: Workspace, settings: InventorySettings) -> RunSummary:
        with young_garbage_only():
            return calculate_on_spark(ws, settings, SparkOptions(output=output), engine=session).run

    return on_spark


@contextmanager
def young_garbage_only() -> Iterator[None]:
    """Around a Spark calculation: the collections it runs see only the objects made since.

    The Spark engine collects garbage after each of a run's 31 transfers (to close PySpark's
    sockets quietly, engine/spark_session.py `_transfer`). In a process that has loaded what a
    test loads, each full collection took 0.3-0.4 s: 7-12 s of a 25-40 s run of two records
    (measured on the shared 2-core machine; 0.01 s in all with this). Objects older than the
    run are set aside (`gc.freeze`) and given back after it; the sockets are the run's own, so
    still collected.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@pytest.fixture
def calculate(request: pytest.FixtureRequest, engine: str, tmp_path: Path) -> Calculate:
    """`calculate(ws, settings)`: the year calculated on the test's engine, stored as its run."""
    return calculator(request, engine, tmp_path / "spark-results")


def load(
    ws: Workspace,
    tmp: Path,
    *,
    activities: Sequence[dict[str, Any]],
    entities: Sequence[dict[str, Any]] = ROOT,
    sites: Sequence[dict[str, Any]] = (),
    instruments: Sequence[dict[str, Any]] = (),
    factors: Sequence[dict[str, Any]] = (),
    price_indices: Sequence[dict[str, Any]] = (),
) -> None:
    if factors:
        import_factors(ws, write_csv(tmp / "factors.csv", factors))
    if price_indices:
        import_price_indices(ws, write_csv(tmp / "price_indices.csv", price_indices))
    import_entities(ws, write_csv(tmp / "entities.csv", entities))
    if sites:
        import_sites(ws, write_csv(tmp / "sites.csv", sites))
    if instruments:
        import_instruments(ws, write_csv(tmp / "instruments.csv", instruments))
    import_activities(ws, write_csv(tmp / "activities.csv", activities))


def results(ws: Workspace, year: int) -> dict[str, dict[str, Any]]:
    cur = ws.execute(
        "SELECT r.* FROM results r JOIN runs USING (run_id) WHERE runs.current AND runs.year = ?",
        [year],
    )
    names = [d[0] for d in cur.description]
    return {row[1]: dict(zip(names, row, strict=True)) for row in cur.fetchall()}


def figures(ws: Workspace, year: int) -> dict[str, float]:
    """The year's current run as engines are compared on it: its headline figures and its
    sums per scope and gas."""
    from zerotrail.pipeline.inventory import inventory_summary

    summary = inventory_summary(ws, year)
    out = {k: float(v) for k, v in summary.items() if isinstance(v, int | float)}
    gases = ws.fetchall(
        "SELECT scope, sum(co2_t), sum(ch4_t), sum(n2o_t), sum(co2e_t), sum(co2e_market_t)"
        " FROM results JOIN runs USING (run_id) WHERE runs.current AND runs.year = ?"
        " GROUP BY scope ORDER BY scope",
        [year],
    )
    for scope, *sums in gases:
        for name, value in zip(("co2", "ch4", "n2o", "co2e", "co2e_market"), sums, strict=True):
            out[f"scope{scope}_{name}"] = float(value or 0.0)
    return out


def unresolved(ws: Workspace, year: int) -> set[str]:
    return {
        r[0]
        for r in ws.fetchall(
            "SELECT p.record_id FROM run_problems p JOIN runs USING (run_id) WHERE runs.current"
            " AND runs.year = ? AND p.record_id IS NOT NULL",
            [year],
        )
    }


# --- cases: rows in, figures out, calculated together on Spark ---------------------------------


@dataclass(frozen=True, eq=False)
class Case:
    """One test's input rows and the settings they are calculated under (`Cases.add`)."""

    cases: Cases
    n: int  # its place among its module's cases
    activities: tuple[Row, ...]
    settings: InventorySettings
    inputs: dict[str, Sequence[Row]]  # entities, sites, instruments, factors, price indices

    @property
    def prefix(self) -> str:
        """What its record ids start with in a workspace shared with other cases."""
        return f"case{self.n}."

    @property
    def world(self) -> str:
        """Cases of the same world can share a workspace: all but their records is the same,
        the entities, sites, instruments, factors and price indices (on which any record's
        figures may depend) and the GWP set (one per inventory)."""
        return json.dumps([self.settings.gwp_set, self.inputs], sort_keys=True, default=str)


@dataclass(frozen=True)
class Outcome:
    """A case's calculation as its test reads it, right after the run: its records' results
    by record id, the records no factor fits (record id -> reason), the run's notes (its
    problems of no record) and the run's row. In a workspace shared with other cases, the
    notes and the run's row are those of the run of every case with the same settings."""

    records: dict[str, Row]
    unresolved: dict[str, str]
    notes: list[str]
    run: Row

    def __getitem__(self, record_id: str) -> Row:
        return self.records[record_id]


def outcome(ws: Workspace, year: int, prefix: str = "") -> Outcome:
    """The year's current run in `ws`, for the records whose ids start with `prefix`
    (taken off again)."""
    n = len(prefix)
    records = {
        rid[n:]: {**row, "record_id": rid[n:]}
        for rid, row in results(ws, year).items()
        if rid.startswith(prefix)
    }
    problems = ws.fetchall(
        "SELECT p.record_id, p.message FROM run_problems p JOIN runs USING (run_id)"
        " WHERE runs.current AND runs.year = ?",
        [year],
    )
    unresolved = {str(r)[n:]: str(m) for r, m in problems if r is not None and r.startswith(prefix)}
    notes = sorted(str(m) for r, m in problems if r is None)
    cur = ws.execute("SELECT * FROM runs WHERE current AND year = ?", [year])
    names = [d[0] for d in cur.description]
    run = dict(zip(names, cur.fetchone() or (), strict=True))
    return Outcome(records, unresolved, notes, run)


@dataclass
class Cases:
    """A module's cases (`add` one per test, at module level, so that all are known before its
    first test runs), each calculated by `run_case`. On DuckDB and PostgreSQL a case is
    calculated in the test's own workspace, unless the module's cases are calculated
    `together` (a world its tests share); on Spark they always are, at the first test's call."""

    together: bool = False
    cases: list[Case] = field(default_factory=list)
    # By engine, once calculated together: each case's outcome, or the failure its test raises.
    outcomes: dict[str, dict[int, Outcome | Exception]] = field(default_factory=dict)

    def add(
        self, activities: Sequence[Row], settings: InventorySettings, **inputs: Sequence[Row]
    ) -> Case:
        known = {"entities", "sites", "instruments", "factors", "price_indices"}
        assert set(inputs) <= known, set(inputs) - known
        full = {"entities": ROOT, **inputs}
        case = Case(self, len(self.cases), tuple(activities), settings, full)
        self.cases.append(case)
        return case

    def calculate_together(self, request: pytest.FixtureRequest, engine: str) -> None:
        """Every case calculated on `engine`: one workspace per world, each case's records
        under its prefix, one calculation per settings there, each case read right after its
        run. A failure is kept for the cases it concerns, raised by their own tests."""
        folder: Path = request.getfixturevalue("tmp_path_factory").mktemp(f"cases-{engine}")
        calculate = calculator(request, engine, folder / "spark-results")
        worlds: dict[str, list[Case]] = {}
        for c in self.cases:
            worlds.setdefault(c.world, []).append(c)
        outcomes: dict[int, Outcome | Exception] = {}
        for i, group in enumerate(worlds.values()):
            place = folder / f"world-{i}"
            place.mkdir()
            ws = new_workspace(request, engine, place)
            try:
                rows = [
                    {**row, "record_id": c.prefix + str(row["record_id"])}
                    for c in group
                    for row in c.activities
                ]
                load(ws, place, activities=rows, **group[0].inputs)
                runs: dict[InventorySettings, list[Case]] = {}
                for c in group:
                    runs.setdefault(c.settings, []).append(c)
                for settings, same in runs.items():
                    try:
                        calculate(ws, settings)
                        for c in same:
                            outcomes[c.n] = outcome(ws, settings.year, c.prefix)
                    except Exception as exc:  # this run's cases fail, each test with this
                        outcomes.update(dict.fromkeys((c.n for c in same), exc))
            except Exception as exc:  # the world could not be loaded: its cases fail
                for c in group:
                    outcomes.setdefault(c.n, exc)
            finally:
                ws.close()
        self.outcomes[engine] = outcomes


RunCase = Callable[[Case], Outcome]


@pytest.fixture
def run_case(request: pytest.FixtureRequest, engine: str, tmp_path: Path) -> RunCase:
    """`run_case(case)`: the case calculated on the test's engine (see `Cases`), once a test."""

    def run(case: Case) -> Outcome:
        cases = case.cases
        if engine == "spark" or cases.together:
            if engine not in cases.outcomes:
                cases.calculate_together(request, engine)
            got = cases.outcomes[engine][case.n]
            if isinstance(got, Exception):
                raise got
            return got
        ws: Workspace = request.getfixturevalue("workspace")
        load(ws, tmp_path, activities=case.activities, **case.inputs)
        calculator(request, engine, tmp_path / "spark-results")(ws, case.settings)
        return outcome(ws, case.settings.year)

    return run
