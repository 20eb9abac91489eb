"""The calculation stage on Spark: a year's records read as Parquet, a stored run out.

Where it sits: pipeline, beside the calculation stage (pipeline/calculation.py), whose steps it
takes in the same order and whose code it reuses for everything but where the SQL runs:
`calculate --engine spark` (cli/inventory.py) calls it.

A run, top to bottom (`calculate_on_spark`): check the settings; get the plan compiled for
Spark (kept like the workspace's own plan, under its own key: engine/plan.py); write the
year's stored records to a Parquet file (store/spark_exchange.py) and read it in Spark, beside
the lake tables' files read in place; let
Spark group them by signature and bring the signatures (one row each, orders of magnitude
fewer than the records) back into the workspace, where the DuckDB stage's own code prepares
the small inputs; ship those and the factor library to Spark as temporary views; run the
plan's per-signature steps in Spark; explain each unresolved signature; write the per-record
results as Parquet (`<output>/<run id>/`) and sum them by scope in Spark; then store the run
exactly as a DuckDB run is stored (`store_run`: its signatures, supplier keys, problems,
current-run row, results view and ledger leaves), with the figures Spark summed.

Lake tables (store/external.py) are checked first, as for a DuckDB run: a registered file
changed, added or removed refuses the run, naming it. Spark then reads each lake table's
registered files where they are (`spark.read.parquet`) and types the rows in Spark SQL as DuckDB
types them for a DuckDB run (store/spark_lake.py); only a lake table whose file names or column
types that cannot cover is typed by DuckDB and handed over in a temporary file, as the stored
records are.

Spark's floats never reach anything hashed as text: they come back as Arrow doubles, and the
ledger renders them itself (fixed-scale decimals, ledger/canonical.py).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from zerotrail.engine.plan import CALCULATED, INPUTS, SIGNATURES, UNRESOLVED, Plan
from zerotrail.engine.settings import InventorySettings
from zerotrail.engine.spark_session import (
    SparkEngine,
    SparkSettings,
    check_java,
    check_pyspark,
    reads_by_name,
)
from zerotrail.errors import ZerotrailError
from zerotrail.ingest.checks import Progress, no_progress
from zerotrail.pipeline.calculation import (
    RunSummary,
    calculation_plan,
    check_settings,
    explain_unresolved,
    input_rows,
    new_run_id,
    prepare_from_signatures,
    run_params,
    store_run,
    year_bounds,
)
from zerotrail.store import calculation_inputs as reads
from zerotrail.store import runs
from zerotrail.store.external import lake_datasets, with_lake_records
from zerotrail.store.spark_exchange import export_year_records, factor_rows, fill_arrow, rows_of
from zerotrail.store.spark_lake import spark_lake_sql
from zerotrail.store.workspace import Workspace, parse_url

# Where `calculate` can run: in the workspace's own database, or on Spark (this stage).
ENGINES = ("duckdb", "spark")
# The session table the records no factor fits come back to, before they are stored.
PROBLEMS = "zt_spark_problems"
# The stored tables the plan's SQL reads for the per-record results, as this run's rows.
_RUNS = (("run_id", "VARCHAR"), ("year", "INTEGER"), ("as_of_import", "VARCHAR"))
_RUN_SUPPLIER_KEYS = (("run_id", "VARCHAR"), ("activity", "VARCHAR"))
# The per-record result columns a run commits the sums of (by scope).
_SUMMED = ("co2e_t", "co2e_market_t", "biogenic_co2_t")


@dataclass(frozen=True, slots=True)
class SparkOptions:
    """Where Spark runs and where the per-record results go (None: beside the workspace)."""

    master: str = "local[2]"
    driver_memory: str = "1g"
    output: Path | None = None


@dataclass(frozen=True, slots=True)
class SparkRunSummary:
    run: RunSummary
    results: Path  # the run's per-record results, a Parquet dataset (a folder)
    # The lake tables whose records reached Spark through DuckDB, not read in place.
    through_duckdb: tuple[str, ...] = ()


def results_root(ws: Workspace, output: Path | None) -> Path:
    """The folder runs' per-record results are written under: `output`, else
    `<workspace>.spark-results` beside a workspace file."""
    if output is not None:
        return output
    target = parse_url(ws.url)
    if target.kind != "duckdb" or target.path == ":memory:":
        raise ZerotrailError(
            "name a folder for Spark's per-record results (--spark-output DIR): this workspace"
            " is not a file they could be written beside"
        )
    path = Path(target.path)
    return path.parent / f"{path.name}.spark-results"


@contextmanager
def spark_session(engine: SparkEngine | None, options: SparkOptions) -> Iterator[SparkEngine]:
    """The caller's session, left open; else one started now and stopped after."""
    if engine is not None:
        yield engine
        return
    with SparkEngine(SparkSettings(options.master, options.driver_memory)) as started:
        yield started


def calculate_on_spark(
    ws: Workspace,
    settings: InventorySettings,
    options: SparkOptions = SparkOptions(),
    progress: Progress | None = None,
    engine: SparkEngine | None = None,
) -> SparkRunSummary:
    """Calculate the year's inventory on Spark and store it as the year's current run.

    `engine` is a running session to use (tests keep one for many runs); without it a
    session is started from `options` and stopped when the run is stored.
    """
    step = progress or no_progress()
    if engine is None:
        # Before anything is compiled for Spark: compiling needs PySpark too.
        check_pyspark()
        check_java()
    check_settings(ws, settings)
    root = results_root(ws, options.output)
    if root.exists() and not root.is_dir():
        raise ZerotrailError(f"{root} is not a folder; name a folder for the results")
    return _calculate(ws, settings, options, step, engine, root)


@with_lake_records  # lake tables read as registered, refused when a file changed
def _calculate(
    ws: Workspace,
    settings: InventorySettings,
    options: SparkOptions,
    step: Progress,
    engine: SparkEngine | None,
    root: Path,
) -> SparkRunSummary:
    step("preparing")
    own_plan = calculation_plan(ws)  # the workspace's: its results view is what readers use
    plan = calculation_plan(ws, "spark")
    suppliers = reads.supplier_keys(ws)
    as_of = runs.last_import_id(ws)
    run_id = new_run_id(settings.year)
    out = root / run_id
    root.mkdir(parents=True, exist_ok=True)
    try:
        step("starting Spark")
        with spark_session(engine, options) as spark:
            through_duckdb = _read_records(ws, spark, settings.year, root / run_id)
            notes, problems = _run(ws, spark, settings, plan, suppliers, step)
            step("writing results")
            _write_results(spark, plan.results_view, run_id, settings.year, as_of, suppliers, out)
            by_scope = _scope_sums(spark, out)
        summary = store_run(
            ws,
            settings,
            own_plan,
            suppliers,
            notes,
            problems,
            run_id=run_id,
            as_of=as_of,
            by_scope=by_scope,
        )
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)  # no results of a run that was not stored
        raise
    finally:
        for exported in _exports(root / run_id):
            exported.unlink(missing_ok=True)
    return SparkRunSummary(summary, out, through_duckdb)


def _exports(stem: Path) -> tuple[Path, Path]:
    """The temporary Parquet files of a run's records DuckDB writes for Spark: the stored
    records, and those of the lake tables Spark does not read in place. Not hidden (a leading
    dot or underscore): Spark skips such files."""
    return stem.with_name(f"{stem.name}.records.parquet"), stem.with_name(
        f"{stem.name}.lake-records.parquet"
    )


def _read_records(ws: Workspace, spark: SparkEngine, year: int, stem: Path) -> tuple[str, ...]:
    """The year's records as Spark's `activities` view: the stored ones, exported by DuckDB,
    and each lake table's read where its files are (`spark.read.parquet`), typed in Spark SQL
    as DuckDB types them (store/spark_lake.py). A lake table Spark cannot read so (a file
    name Spark would take as a pattern or as hidden, a column type the Spark typing does not
    cover) reaches Spark through DuckDB, typed by DuckDB, as stored records do. The files
    were re-fingerprinted by the `lake_records` block this runs in. Returns the ids of the
    lake tables that went through DuckDB."""
    start, end = year_bounds(year)
    stored, through_duckdb = _exports(stem)
    datasets = lake_datasets(ws)
    export_year_records(ws, start, end, stored, leave_out=[d.dataset_id for d in datasets])
    target = spark.register_parquet("zt_stored_records", [str(stored)])
    parts = ["SELECT * FROM zt_stored_records"]
    by_duckdb = []
    for i, d in enumerate(datasets):
        paths = [f.path for f in d.files]
        sql = None
        if all(reads_by_name(p) for p in paths):
            view = f"zt_lake_{i}"
            columns = spark.register_renamed(view, paths, d.columns)
            if columns is not None and spark.input_files(view) == len(paths):
                sql = spark_lake_sql(d.dataset_id, view, columns, target, start, end)
        if sql is None:
            by_duckdb.append(d.dataset_id)
        else:
            parts.append(sql)
    if by_duckdb:
        export_year_records(ws, start, end, through_duckdb, lake_tables=by_duckdb)
        spark.register_parquet("zt_lake_records", [str(through_duckdb)])
        parts.append("SELECT * FROM zt_lake_records")
    spark.register_sql("activities", " UNION ALL ".join(parts))
    return tuple(by_duckdb)


def _run(
    ws: Workspace,
    spark: SparkEngine,
    settings: InventorySettings,
    plan: Plan,
    suppliers: list[str],
    step: Progress,
) -> tuple[list[str], str | None]:
    """The plan's steps in Spark, the small inputs prepared in the workspace between them;
    leaves the run's per-signature results in the workspace's `CALCULATED` session table."""
    for name, rows in run_params(settings, suppliers).items():
        spark.register_rows(name, INPUTS[name], rows)
    signatures = spark.to_arrow(plan.signatures.sql)
    spark.register_arrow(SIGNATURES, signatures)
    fill_arrow(ws, SIGNATURES, signatures)
    prep = prepare_from_signatures(ws, settings, SIGNATURES)
    for name, values in input_rows(prep).items():
        spark.register_rows(name, INPUTS[name], values)
    spark.register_arrow("factors", factor_rows(ws, sorted({c[2] for c in prep.conv})))
    step("calculating")
    for s in plan.steps:
        spark.materialise(s.table, s.sql)
    unresolved = spark.table_arrow(UNRESOLVED).to_pylist()
    reasons = [(u["n"], explain_unresolved(ws, u, settings.factor_policy)) for u in unresolved]
    spark.register_rows("zt_reasons", INPUTS["zt_reasons"], reasons)
    problems = None
    if reasons:
        fill_arrow(ws, PROBLEMS, spark.to_arrow(plan.problems))
        problems = rows_of(PROBLEMS)
    fill_arrow(ws, CALCULATED, spark.table_arrow(CALCULATED))
    return prep.notes, problems


def _write_results(
    spark: SparkEngine,
    results_sql: str,
    run_id: str,
    year: int,
    as_of: str,
    suppliers: list[str],
    out: Path,
) -> None:
    """The run's per-record results as Parquet in `out`: the plan's results view, which reads
    the stored runs' tables, over this run's rows of them."""
    import pyarrow as pa

    calc = spark.table_arrow(CALCULATED)
    spark.register_arrow(
        "run_signatures", calc.append_column("run_id", pa.array([run_id] * calc.num_rows))
    )
    spark.register_rows("runs", _RUNS, [(run_id, year, as_of)])
    spark.register_rows("run_supplier_keys", _RUN_SUPPLIER_KEYS, [(run_id, a) for a in suppliers])
    spark.write_parquet(results_sql, out)


def _scope_sums(spark: SparkEngine, out: Path) -> dict[int, tuple[float, float, float]]:
    """The run's per-record results summed by scope, as the run commits them."""
    return {
        int(scope): (float(loc or 0.0), float(mkt or 0.0), float(bio or 0.0))
        for scope, loc, mkt, bio in spark.sums_by(out, "scope", _SUMMED)
    }
