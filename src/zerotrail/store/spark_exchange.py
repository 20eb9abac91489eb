"""What the Spark calculation takes out of the workspace and brings back into it.

Where it sits: store, used by the Spark calculation stage (pipeline/spark_calculation.py). Out:
a year's stored activity records as a Parquet file Spark reads (and the records of a lake
table Spark cannot read in place, typed by DuckDB), and the factors a run can use as Arrow,
which Spark ships to its executors. Back: Spark's small results (the year's signatures, the
run's per-signature results, its unresolved records) as session tables, where the calculation
stage's reads and its run-storing code find them as they find a DuckDB run's.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from zerotrail.store.database import Workspace
from zerotrail.store.sql import quote_ident, sql_text
from zerotrail.store.workspace import parse_url

# The current record versions whose period starts in the year: the rows a run reads.
_YEAR_RECORDS = (
    "SELECT * FROM activities WHERE current AND period_start BETWEEN ? AND ?{which}"
    " ORDER BY record_id, version"
)


def export_year_records(
    ws: Workspace,
    start: date,
    end: date,
    path: Path,
    *,
    lake_tables: Sequence[str] | None = None,
    leave_out: Sequence[str] = (),
) -> None:
    """Write the current records whose period starts in [start, end] to the Parquet file
    `path`, with every stored column (the plan reads the `activities` table's layout): the
    records of the lake tables `lake_tables` only, when given; else every record but those of
    the lake tables `leave_out` (ids of ours, as quoted literals).

    Read through `activities` as the workspace shows it: inside a `lake_records` block
    (store/external.py) that includes the lake tables' records, typed by the very code an
    import types them with, so Spark reads the same records a DuckDB run reads. A lake
    record's `import_id` is its lake table's id, which no stored record carries; DuckDB reads
    no file of a lake table the filter leaves out."""
    ids = ", ".join(sql_text(i) for i in (lake_tables if lake_tables is not None else leave_out))
    which = ""
    if lake_tables is not None:
        which = f" AND import_id IN ({ids or 'NULL'})"
    elif leave_out:
        which = f" AND (import_id IS NULL OR import_id NOT IN ({ids}))"
    query = _YEAR_RECORDS.format(which=which)
    if parse_url(ws.url).kind == "duckdb":
        # DuckDB streams the rows to the file without holding them.
        target = sql_text(str(path))
        ws.execute(f"COPY ({query}) TO {target} (FORMAT parquet)", [start, end])
        return
    import pyarrow.parquet as pq

    pq.write_table(ws.execute(query, [start, end]).to_arrow_table(), str(path))


def factor_rows(ws: Workspace, factor_ids: Sequence[str]) -> Any:
    """Every row (one per gas) of the named factors, as an Arrow table in the `factors` layout.

    The plan reaches a factor only through the run's unit conversions, which list the factor
    ids a signature could use; these are all the rows it can read.
    """
    query = "SELECT * FROM factors WHERE factor_id IN (SELECT unnest(?)) ORDER BY factor_id, gas"
    return ws.con.sql(query, params=[list(factor_ids)]).to_arrow_table()


def fill_arrow(ws: Workspace, name: str, table: Any) -> None:
    """(Re)create the session table `name` holding the Arrow `table`, column types kept."""
    ws.con.register("zt_spark_rows", table)
    try:
        ws.execute(
            f"CREATE OR REPLACE TEMP TABLE {quote_ident(name)} AS SELECT * FROM zt_spark_rows"
        )
    finally:
        ws.con.unregister("zt_spark_rows")


def rows_of(name: str) -> str:
    """A query of every row of the session table `name` (to store them as they are)."""
    return f"SELECT * FROM {quote_ident(name)}"
