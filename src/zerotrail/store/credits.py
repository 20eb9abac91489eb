"""The `credits` table: reading the versions of credit blocks as values, and adding versions.

Where it sits: store. The credits import and the retire and assign commands (ingest/credits.py)
write through `insert_credits`; the claim stages read `current_credits` and hand the values to
`offsets/`. Rows are never updated: a change is a new version of the credit (the latest counts).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from zerotrail.model.credits import Credit
from zerotrail.store.database import Workspace

_FIELDS = tuple(f.name for f in dataclasses.fields(Credit))
_COLUMNS = ", ".join(_FIELDS)


def _credit(row: Sequence[Any]) -> Credit:
    v = dict(zip(_FIELDS, row, strict=True))
    return Credit(
        **{
            **v,
            "version": int(v["version"]),
            "vintage": int(v["vintage"]),
            "serial_first": int(v["serial_first"]),
            "serial_last": int(v["serial_last"]),
            "quantity": float(v["quantity"]),
            "claim_year": None if v["claim_year"] is None else int(v["claim_year"]),
        }
    )


def current_credits(ws: Workspace) -> list[Credit]:
    """The latest version of every credit in the workspace, by credit id."""
    cols = ", ".join(f"c.{n}" for n in _FIELDS)
    rows = ws.fetchall(
        f"""SELECT {cols} FROM credits c
            JOIN (SELECT credit_id, max(version) AS v FROM credits GROUP BY credit_id) m
              ON m.credit_id = c.credit_id AND m.v = c.version
            ORDER BY c.credit_id"""
    )
    return [_credit(r) for r in rows]


def current_credit(ws: Workspace, credit_id: str) -> Credit | None:
    """The latest version of one credit, or None when the workspace has no such credit."""
    rows = ws.fetchall(
        f"""SELECT {_COLUMNS} FROM credits WHERE credit_id = ?
            ORDER BY version DESC LIMIT 1""",
        [credit_id],
    )
    return _credit(rows[0]) if rows else None


def credit_ids(ws: Workspace) -> set[str]:
    """Every credit id the workspace has used (any version)."""
    return {str(r[0]) for r in ws.fetchall("SELECT DISTINCT credit_id FROM credits")}


def _arrow_type(pa: Any, annotation: str) -> Any:
    base = annotation.replace(" | None", "")
    return {
        "str": pa.string(),
        "int": pa.int64(),
        "float": pa.float64(),
        "bool": pa.bool_(),
        "date": pa.date32(),
    }[base]


def insert_credits(ws: Workspace, credits: Sequence[Credit], import_id: str) -> None:
    """Insert credit rows inside the caller's transaction, as one Arrow batch.

    DuckDB's executemany costs milliseconds per row; a registered Arrow table inserts a
    credits file of tens of thousands of blocks in well under a second.
    """
    import pyarrow as pa

    schema = pa.schema(
        [(f.name, _arrow_type(pa, str(f.type))) for f in dataclasses.fields(Credit)]
        + [("import_id", pa.string())]
    )
    data = [[getattr(c, n) for c in credits] for n in _FIELDS] + [[import_id] * len(credits)]
    ws.con.register("zt_credit_rows", pa.table(data, schema=schema))
    try:
        ws.execute(
            f"INSERT INTO credits ({_COLUMNS}, import_id)"
            f" SELECT {_COLUMNS}, import_id FROM zt_credit_rows"
        )
    finally:
        ws.con.unregister("zt_credit_rows")
