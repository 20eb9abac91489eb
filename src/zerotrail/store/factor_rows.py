"""Writing factor rows (an Arrow table in the `factors` layout) into the workspace library."""

from __future__ import annotations

from typing import Any

from zerotrail.store.workspace import Workspace


def insert_factor_rows(ws: Workspace, table: Any, factor_set: str | None = None) -> None:
    """Insert the rows (only `factor_set`'s when given) inside the caller's transaction.

    Blank text means "none" in factor files, so string columns are stored as NULL when empty:
    shipped and custom factors then read the same way (a blank supplier is not a supplier).
    """
    names = table.column_names
    columns = ", ".join(names)
    values = ", ".join(
        f"NULLIF({c}, '')" if table.schema.field(c).type == "string" else c for c in names
    )
    where = "" if factor_set is None else " WHERE factor_set = ?"
    ws.con.register("zt_factor_rows", table)
    try:
        ws.execute(
            f"INSERT INTO factors ({columns}) SELECT {values} FROM zt_factor_rows{where}",
            [] if factor_set is None else [factor_set],
        )
    finally:
        ws.con.unregister("zt_factor_rows")
