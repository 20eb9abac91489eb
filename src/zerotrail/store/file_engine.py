"""The database that reads and checks an imported file: the workspace's own DuckDB, or a scratch
DuckDB beside a PostgreSQL workspace.

Where it sits: store, used by the activity import (ingest/activities.py). Reading a large file
and checking every row is written once, in DuckDB's SQL (store/staging.py,
store/activity_checks.py): DuckDB reads CSV and Parquet itself, with its rejects, and its
checks run column-wise. A PostgreSQL server cannot read the user's file, so on a PostgreSQL
workspace the file is staged and checked in an in-memory DuckDB that holds copies of the few
stored tables the checks consult (`CHECKED_AGAINST`); only the checked records (`zt_typed`)
then move to the workspace, as a temporary table, where they are compared with the stored
records and written in the workspace's own transaction. One set of rules, whatever the store.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from zerotrail.store.database import Workspace
from zerotrail.store.sql import quote_ident

# The stored tables the row checks read (known activities and units, entities, sites).
CHECKED_AGAINST = ("factors", "entities", "sites")


@contextmanager
def file_engine(ws: Workspace) -> Iterator[Any]:
    """A DuckDB connection to stage and check a file on: the workspace's own, or (PostgreSQL)
    an in-memory one with copies of `CHECKED_AGAINST`, closed at the end of the block."""
    if ws.dialect == "duckdb":
        yield ws.con
        return
    import duckdb

    from zerotrail.store.workspace import memory_limit

    con = duckdb.connect(":memory:")
    try:
        con.execute(f"SET memory_limit = '{memory_limit()}'")  # checked: digits and a unit
        con.execute("SET preserve_insertion_order = true")
        for table in CHECKED_AGAINST:
            rows = ws.execute(f"SELECT * FROM {quote_ident(table)}").to_arrow_table()
            con.register("zt_copied", rows)
            con.execute(f"CREATE TABLE {quote_ident(table)} AS SELECT * FROM zt_copied")
            con.unregister("zt_copied")
        yield con
    finally:
        con.close()


def hand_over(con: Any, ws: Workspace, table: str) -> None:
    """Make the file engine's `table` a temporary table of the workspace (nothing to do when
    the file engine is the workspace itself)."""
    if con is ws.con:
        return
    ws.con.register(table, con.sql(f"SELECT * FROM {quote_ident(table)}").to_arrow_table())
