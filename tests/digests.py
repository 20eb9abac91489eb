"""Digests of a workspace's tables, for tests that check a refused command changed nothing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

TABLES_SQL = (
    "SELECT table_name FROM duckdb_tables() WHERE NOT temporary AND schema_name = 'main' ORDER BY 1"
)


def table_digests(fetchall: Callable[[str], Sequence[Sequence[Any]]]) -> dict[str, str]:
    """Per table: row count and the sum of every row's 64-bit hash, computed in the database.

    Row order aside, any added, removed or changed row changes the sum (a collision needs two
    changes whose hashes cancel, which no test can arrange). Sorting every row's text, or
    fetching the rows into Python, cost about a second per call on the shipped library's
    28,766 factor rows and their ledger leaves; this costs milliseconds.
    """
    out = {}
    for (table,) in fetchall(TABLES_SQL):
        name = str(table).replace('"', '""')  # a table name the schema chose, quoted anyway
        ((value,),) = fetchall(
            f"SELECT count(*) || ':' || coalesce(sum(hash(r)::HUGEINT), 0) FROM \"{name}\" r"
        )
        out[str(table)] = str(value)
    return out
