"""The reads that screen a data owner's upload before the import's own checks see it.

Where it sits: store, under the submissions stage (pipeline/submissions.py). An owner may submit
records of its own entities only, and must learn nothing from an upload's answer about the
records or sites of other entities. So, before any check whose message depends on what is
stored, the staged file (`zt_typed`, on the file engine: store/file_engine.py) is screened here:
rows naming an entity that is not the owner's, or a site that is not a site of the owner's
entities, whether or not such an entity or site exists. A file of meter readings (staged as is,
by `ingest.files.stage_large`, with no typed view: its import reads it again as rows) names
sites only, and is screened for them alike (`foreign_sites`). Every value is a bound parameter;
the staged view's name is ours.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from zerotrail.store.sql import quote_ident

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


def _site_text(column: str) -> str:
    """A staged site as the import reads it: a CSV or XLSX cell trimmed, blank as none; a Parquet
    value (typed as the file has it) as text."""
    return f"NULLIF(trim(CAST({quote_ident(column)} AS VARCHAR)), '')"


def foreign_sites(
    con: Any, view: str, entities: Sequence[str], limit: int
) -> tuple[list[tuple[int, str, str]], int]:
    """Of the staged rows of `view` (`_row` and a `site` column, on the DuckDB connection `con`
    holding `sites`), the first `limit` (row, "site", site) whose site is not a site of one of
    `entities` (whether or not it exists), by row; and how many there are."""
    found = f"SELECT _row, {_site_text('site')} AS site FROM {quote_ident(view)}"
    query = (
        f"SELECT _row, site FROM ({found}) WHERE site IS NOT NULL AND site NOT IN ("
        " SELECT site FROM sites WHERE list_contains(?::VARCHAR[], entity))"
    )
    params = [list(entities)]
    total = int(con.execute(f"SELECT count(*) FROM ({query})", params).fetchall()[0][0])
    rows = con.execute(f"{query} ORDER BY _row LIMIT ?", [*params, limit]).fetchall()
    return [(int(r), "site", str(v)) for r, v in rows], total
