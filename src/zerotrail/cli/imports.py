"""`zerotrail import activities|entities|sites|instruments|factors|price-indices FILE`.

Where it sits: cli, over the import stage (`zerotrail.pipeline.imports`): each command parses
its arguments, calls the stage and prints its report in one line. The stage is imported when a
command runs, so that starting the CLI does not load the importers.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from zerotrail.cli import common

if TYPE_CHECKING:
    from zerotrail.pipeline.imports import ImportReport
    from zerotrail.pipeline.spark_calculation import SparkOptions

app = typer.Typer(help="Import data files (CSV, XLSX or Parquet).", no_args_is_help=True)

FileArg = Annotated[Path, typer.Argument(help="CSV, XLSX or Parquet file.")]
ReplaceOpt = Annotated[
    bool, typer.Option("--replace", help="Supersede changed records (old versions are kept).")
]


def report(r: ImportReport) -> None:
    """One line per import: rows read, and what changed (or that nothing did), as the importer
    counted: added, changed (a new version or a replaced row), unchanged and removed (a list
    replaced as a whole: entities, sites, suppliers)."""
    gone = f", {r.removed} removed" if r.removed else ""
    if r.import_id is None:
        common.say(f"{r.file}: {r.rows} rows, nothing new (all {r.unchanged} unchanged)")
    else:
        common.say(
            f"{r.file}: {r.rows} rows; {r.added} added, {r.replaced} changed, "
            f"{r.unchanged} unchanged{gone} ({r.import_id})"
        )


@app.command("activities")
def activities(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV, XLSX or Parquet file; with --external a Parquet file, folder or glob."
        ),
    ],
    replace: ReplaceOpt = False,
    external: Annotated[
        bool,
        typer.Option(
            "--external",
            help="Register Parquet data as a lake table: checked and committed, read in place"
            " by each calculation, never copied (docs/lake-tables.md).",
        ),
    ] = False,
    engine: Annotated[
        str,
        typer.Option(
            help="--external: what builds the records' ledger leaves: duckdb (the workspace)"
            " or spark."
        ),
    ] = "duckdb",
    spark_master: common.SparkMasterOpt = "local[2]",
    spark_driver_memory: common.SparkDriverMemoryOpt = "1g",
    spark_output: Annotated[
        str | None,
        typer.Option(
            help="--engine spark: folder Spark writes the leaves to before they are committed"
            " (default: <workspace file>.spark-results beside the workspace)."
        ),
    ] = None,
) -> None:
    """Import activity records; the whole file is checked first and imported whole or not at all."""
    from zerotrail.errors import ZerotrailError

    if engine not in ("duckdb", "spark"):
        raise ZerotrailError(f"--engine is duckdb or spark, not {engine!r}")
    if external:
        spark = None
        if engine == "spark":
            from zerotrail.pipeline.spark_calculation import SparkOptions

            output = None if spark_output is None else Path(spark_output)
            spark = SparkOptions(spark_master, spark_driver_memory, output)
        _external(file, replace, spark)
        return
    if engine != "duckdb":
        raise ZerotrailError(
            "--engine spark applies to a lake table (--external): an import's records are"
            " committed by the workspace"
        )
    from zerotrail.pipeline.imports import import_activities

    with common.reading(file), common.workspace() as ws, common.progress(file.name) as step:
        done = import_activities(ws, file, replace=replace, progress=step)
    report(done)


def _external(path: Path, replace: bool, spark: SparkOptions | None) -> None:
    """`import activities PATH --external`: a lake table registered (or found registered)."""
    from zerotrail.errors import ZerotrailError
    from zerotrail.pipeline.imports import import_activities_external

    if replace:
        raise ZerotrailError("--replace does not apply to a lake table: it adds new records only")
    with common.workspace() as ws, common.progress(path.name) as step:
        done = import_activities_external(ws, str(path), progress=step, spark=spark)
    r = done.report
    if r.import_id is None:
        common.say(f"{r.file}: already registered as a lake table ({r.rows} records)")
        return
    common.say(
        f"{r.file}: {r.rows} records registered as lake table {r.import_id}"
        " (read in place, not copied)"
    )
    if spark is not None:
        if done.leaves_by == "spark":
            common.say(f"ledger leaves built by Spark ({spark.master})")
        else:
            common.say(
                "ledger leaves built by the workspace, not Spark: " + "; ".join(done.why_not_spark)
            )


@app.command("entities")
def entities(file: FileArg) -> None:
    """Import the entity tree (ownership and control); replaces the previous entity list."""
    from zerotrail.pipeline.imports import import_entities

    with common.reading(file), common.workspace() as ws:
        report(import_entities(ws, file))


@app.command("sites")
def sites(file: FileArg) -> None:
    """Import sites (kind, grid region, control); replaces the previous site list."""
    from zerotrail.pipeline.imports import import_sites

    with common.reading(file), common.workspace() as ws:
        report(import_sites(ws, file))


@app.command("instruments")
def instruments(file: FileArg, replace: ReplaceOpt = False) -> None:
    """Import contractual instruments (RECs, GOs, I-RECs, GECs, PPAs, supplier rates)."""
    from zerotrail.pipeline.imports import import_instruments

    with common.reading(file), common.workspace() as ws:
        report(import_instruments(ws, file, replace=replace))


@app.command("factors")
def factors(file: FileArg) -> None:
    """Import a custom or supplier-specific factor set (see docs/factors.md)."""
    from zerotrail.pipeline.imports import import_factors

    with common.reading(file), common.workspace() as ws:
        report(import_factors(ws, file))


@app.command("price-indices")
def price_indices(
    file: FileArg,
    replace: Annotated[
        bool,
        typer.Option("--replace", help="Record changed index values as new versions."),
    ] = False,
) -> None:
    """Import price indices that deflate spend to a spend factor's currency year."""
    from zerotrail.pipeline.imports import import_price_indices

    with common.reading(file), common.workspace() as ws:
        report(import_price_indices(ws, file, replace=replace))
