"""The import stage: one function per kind of file, each storing a file whole or not at all.

    import_factors(ws, path)                       a custom or supplier factor set (CSV)
    import_entities(ws, path)                      the entity tree, replaced as a whole
    import_sites(ws, path)                         the sites, replaced as a whole
    import_activities(ws, path, replace=...)       activity records, checked set-wise
    import_activities_external(ws, path, spark=...) a lake table: Parquet read in place
    import_instruments(ws, path, replace=...)      certificates, PPAs, supplier rates
    import_price_indices(ws, path, replace=...)    the series that deflate spend
    import_meters(ws, path)                        site energy readings
    import_cooling(ws, path)                       cooling history of data centres
    import_metrics(ws, path)                       intensity denominators per year
    import_suppliers(ws, path)                     the supplier list, replaced as a whole
    import_initiatives(ws, path, replace=...)      reduction initiatives, versioned
    import_credits(ws, path, replace=...)          blocks of carbon credits, versioned

Where it sits: pipeline, after set-up and before the calculation; called by `cli/imports.py`,
`cli/energy.py`, `cli/initiatives.py`, the credits stage and the demo. Each stage takes the open
workspace and a file and returns an `ImportReport` (rows read; added, changed, unchanged and
removed; the import id, or None when nothing changed). A file with any problem raises a
`DataError` carrying every problem, and nothing is written. The reading and the rules of each
kind are `ingest/`; the reads and writes `store/`. Files are imported in the order above when a
later kind names an earlier one (sites name entities, activities name entities and sites).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from zerotrail.ingest import (
    activities,
    credits,
    energy,
    external,
    factors,
    initiatives,
    instruments,
    metrics,
    organization,
    price_indices,
)
from zerotrail.ingest.activities import canonical_of
from zerotrail.ingest.checks import Progress, no_progress
from zerotrail.ingest.formats import CREDIT_STATUSES
from zerotrail.ingest.imports import ImportReport
from zerotrail.model.limits import FIRST_YEAR, LAST_YEAR
from zerotrail.store.activities import LEDGER_TYPES
from zerotrail.store.database import Workspace
from zerotrail.store.external import stored_activities

if TYPE_CHECKING:
    from zerotrail.engine.spark_session import SparkEngine
    from zerotrail.pipeline.spark_calculation import SparkOptions

__all__ = [
    "CREDIT_STATUSES",
    "FIRST_YEAR",
    "LAST_YEAR",
    "LEDGER_TYPES",
    "ImportReport",
    "Progress",
    "canonical_of",
    "import_activities",
    "import_activities_external",
    "import_cooling",
    "import_credits",
    "import_entities",
    "import_factors",
    "import_initiatives",
    "import_instruments",
    "import_meters",
    "import_metrics",
    "import_price_indices",
    "import_sites",
    "import_suppliers",
]


def import_factors(ws: Workspace, path: Path) -> ImportReport:
    """Add the factor sets of a CSV file; a set id already stored with other content is refused
    (sets are immutable: publish a correction under a new id)."""
    return factors.import_factors(ws, path)


def import_entities(ws: Workspace, path: Path) -> ImportReport:
    """Replace the entity tree (ownership and control) as a whole; an entity still named by an
    activity or a site may not be dropped."""
    return organization.import_entities(ws, path)


def import_sites(ws: Workspace, path: Path) -> ImportReport:
    """Replace the sites (kind, grid region, control) as a whole; a site still named by an
    activity may not be dropped."""
    return organization.import_sites(ws, path)


def import_activities(
    ws: Workspace, path: Path, *, replace: bool = False, progress: Progress | None = None
) -> ImportReport:
    """Add activity records (CSV, XLSX or Parquet, any size); a changed record is refused unless
    `replace`, which keeps the old version and adds the new one. `progress` hears each step.
    A record id a lake table holds is refused. The import compares with and writes the stored
    table, never the view that shows lake records beside it (store/external.py)."""
    with stored_activities(ws):
        return activities.import_activities(ws, path, replace=replace, progress=progress)


@dataclass(frozen=True, slots=True)
class LakeRegistration:
    report: ImportReport
    leaves_by: str  # the engine that built the records' leaves: duckdb or spark
    why_not_spark: tuple[str, ...] = ()  # asked for Spark, why DuckDB built them


def import_activities_external(
    ws: Workspace,
    path: str,
    *,
    progress: Progress | None = None,
    spark: SparkOptions | None = None,
    engine: SparkEngine | None = None,
) -> LakeRegistration:
    """Register a Parquet file, folder or glob of activity records as a lake table: checked as
    an import is, committed to the ledger, each file fingerprinted, no row copied (DuckDB
    workspaces only). With `spark`, Spark builds the records' leaves (pipeline/spark_leaves.py;
    `engine`: a running session to use, else one is started and stopped). `progress` hears
    each step."""
    if spark is None and engine is None:
        return LakeRegistration(external.register_lake_table(ws, path, progress=progress), "duckdb")
    # Spark's modules only when asked for: every other import runs without them.
    from zerotrail.engine.spark_session import check_java, check_pyspark
    from zerotrail.pipeline.spark_calculation import SparkOptions, results_root, spark_session
    from zerotrail.pipeline.spark_leaves import SparkCommit

    options = spark or SparkOptions()
    if engine is None:
        check_pyspark()
        check_java()
    folder = results_root(ws, options.output)
    step = progress or no_progress()
    step("starting Spark")
    with spark_session(engine, options) as session:
        commit = SparkCommit(session, folder)
        done = external.register_lake_table(ws, path, progress=step, commit=commit)
    return LakeRegistration(done, commit.by, tuple(commit.why))


def import_instruments(ws: Workspace, path: Path, *, replace: bool = False) -> ImportReport:
    """Add contractual instruments; a changed one is refused unless `replace`."""
    return instruments.import_instruments(ws, path, replace=replace)


def import_price_indices(ws: Workspace, path: Path, *, replace: bool = False) -> ImportReport:
    """Add price index values; a changed one is a new version, and only with `replace`."""
    return price_indices.import_price_indices(ws, path, replace=replace)


def import_meters(ws: Workspace, path: Path) -> ImportReport:
    """Add meter readings; a reading may not overlap another of its site."""
    return energy.import_meters(ws, path)


def import_cooling(ws: Workspace, path: Path) -> ImportReport:
    """Add or correct cooling history, one row per (site, since)."""
    return energy.import_cooling(ws, path)


def import_metrics(ws: Workspace, path: Path) -> ImportReport:
    """Add or restate metric values per (metric, year); a metric keeps one unit."""
    return metrics.import_metrics(ws, path)


def import_suppliers(ws: Workspace, path: Path) -> ImportReport:
    """Replace the supplier list as a whole."""
    return metrics.import_suppliers(ws, path)


def import_initiatives(ws: Workspace, path: Path, *, replace: bool = False) -> ImportReport:
    """Add initiatives; a changed one is a new version, and only with `replace`."""
    return initiatives.import_initiatives(ws, path, replace=replace)


def import_credits(ws: Workspace, path: Path, *, replace: bool = False) -> ImportReport:
    """Add blocks of credits; a changed held block is a new version, and only with `replace`;
    a retired or cancelled one is final."""
    return credits.import_credits(ws, path, replace=replace)
