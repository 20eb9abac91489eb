"""Session tables of a calculation: small inputs filled from values, steps filled by SQL.

Where it sits: store, used by the calculation stage (pipeline/calculation.py) to run the
engine's compiled plan (engine/plan.py). Temporary tables live as long as the connection and
are private to it, so two runs never see each other's; each is replaced on the next run. Table
and column names come from the plan and go through `quote_ident`; column types come from a
closed list; values are bound as parameters, one list per column, never written into SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from zerotrail.store.database import Workspace
from zerotrail.store.sql import quote_ident

SQL_TYPES = frozenset({"VARCHAR", "DOUBLE", "BIGINT", "INTEGER", "BOOLEAN", "DATE"})


def fill(
    ws: Workspace, name: str, columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[Any]]
) -> None:
    """(Re)create the session table `name` with `columns` (name, SQL type) holding `rows`."""
    for _, sql_type in columns:
        if sql_type not in SQL_TYPES:
            raise ValueError(f"session tables take only {sorted(SQL_TYPES)}, not {sql_type}")
    table = quote_ident(name)
    spec = ", ".join(f"{quote_ident(c)} {t}" for c, t in columns)
    ws.execute(f"CREATE OR REPLACE TEMP TABLE {table} ({spec})")
    if not rows:
        return
    # One statement for all rows: each column arrives as one bound list, unnested in step.
    lists = ", ".join(f"unnest(CAST(? AS {t}[]))" for _, t in columns)
    ws.execute(
        f"INSERT INTO {table} SELECT {lists}",
        [[row[i] for row in rows] for i in range(len(columns))],
    )
    _analyze(ws, table)


def _analyze(ws: Workspace, table: str) -> None:
    # PostgreSQL never gathers statistics on temporary tables by itself: without them it plans
    # the calculation's joins as if each table held one row (minutes instead of seconds).
    if ws.dialect == "postgres":
        ws.execute(f"ANALYZE {table}")


def fill_from(ws: Workspace, name: str, query: str) -> None:
    """(Re)create the session table `name` as the result of the compiled `query`."""
    ws.execute(f"CREATE OR REPLACE TEMP TABLE {quote_ident(name)} AS {query}")


def read_rows(ws: Workspace, name: str) -> list[dict[str, Any]]:
    """Every row of the session table `name`, as column → value."""
    cur = ws.execute(f"SELECT * FROM {quote_ident(name)}")
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def total(ws: Workspace, name: str, column: str) -> int:
    """The sum of an integer column of the session table `name` (0 when empty)."""
    return int(
        ws.scalar(f"SELECT coalesce(sum({quote_ident(column)}), 0) FROM {quote_ident(name)}")
    )
