"""The reads that screen a data owner's upload before the import's own checks see it.

Where it sits: store, under the submissions stage (pipeline/submissions.py). An owner may submit
records of its own entities only, and must learn nothing from an upload's answer about the
records or sites of other entities. So, before any check whose message depends on what is
stored, the staged file (`zt_typed`, on the file engine: store/file_engine.py) is screened here:
rows naming an entity that is not the owner's, or a site that is not a site of the owner's
entities, whether or not such an entity or site exists. Every value is a bound parameter.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

_FOREIGN = """
    SELECT _row, 'entity' AS col, entity AS value FROM zt_typed
    WHERE entity IS NOT NULL AND NOT list_contains(?::VARCHAR[], entity)
    UNION ALL
    SELECT _row, 'site', site FROM zt_typed
    WHERE site IS NOT NULL AND site NOT IN (
        SELECT site FROM sites WHERE list_contains(?::VARCHAR[], entity))"""


def foreign_rows(
    con: Any, entities: Sequence[str], limit: int
) -> tuple[list[tuple[int, str, str]], int]:
    """Of the staged records (`zt_typed` on the DuckDB connection `con`), the first `limit`
    (row, column, value) whose entity is not one of `entities` or whose site is not a site of
    one of them, by row then column; and how many there are."""
    params = [list(entities), list(entities)]
    total = int(con.execute(f"SELECT count(*) FROM ({_FOREIGN})", params).fetchall()[0][0])
    rows = con.execute(
        f"SELECT _row, col, value FROM ({_FOREIGN}) ORDER BY _row, col LIMIT ?",
        [*params, limit],
    ).fetchall()
    return [(int(r), str(c), str(v)) for r, c, v in rows], total
