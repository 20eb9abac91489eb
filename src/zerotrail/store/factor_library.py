"""Reading the factor library: its sets, a search over its factors, one factor in full.

Where it sits: store, read by the reference stage (pipeline/reference.py) for `zerotrail
factors`. The library is a workspace's `factor_sets` and `factors` tables (shipped plus custom
sets) or, when there is no workspace, the factors shipped with the package loaded into an
in-memory database with the same two tables, so one set of queries serves both.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from zerotrail.reference import factors as shipped
from zerotrail.store.database import Workspace

# The columns `factor_detail` returns for each gas of a factor, in this order.
DETAIL_COLUMNS: tuple[str, ...] = (
    "factor_id",
    "activity",
    "region",
    "valid_from",
    "valid_to",
    "unit",
    "gas",
    "value",
    "gwp_basis",
    "biogenic",
    "verified",
    "source",
    "edition",
    "source_url",
    "licence",
    "note",
    "supplier",
    "currency_year",
    "heat_content",
    "heat_content_unit",
    "heat_basis",
    "scope_use",
    "source_ref",
)

# The columns `factor_lines` returns, one row per factor and gas, in this order.
LINE_COLUMNS: tuple[str, ...] = (
    "factor_id",
    "activity",
    "region",
    "valid_from",
    "valid_to",
    "unit",
    "gas",
    "value",
    "verified",
    "source",
    "licence",
)


@contextmanager
def shipped_library() -> Iterator[Workspace]:
    """The package's factor library as an in-memory database with the workspace's two tables."""
    import duckdb

    con = duckdb.connect()
    try:
        con.register("zt_shipped_factors", shipped.factors_arrow())
        con.execute("CREATE TABLE factors AS SELECT * FROM zt_shipped_factors")
        con.execute(
            "CREATE TABLE factor_sets (factor_set VARCHAR, name VARCHAR, publisher VARCHAR,"
            " edition VARCHAR, source_url VARCHAR, licence VARCHAR, description VARCHAR,"
            " kind VARCHAR)"
        )
        con.executemany(
            "INSERT INTO factor_sets VALUES (?, ?, ?, ?, ?, ?, ?, 'shipped')",
            [
                (
                    s.factor_set,
                    s.name,
                    s.publisher,
                    s.edition,
                    s.source_url,
                    s.licence,
                    s.description,
                )
                for s in shipped.factor_sets()
            ],
        )
        yield Workspace(":memory:", con, read_only=True)
    finally:
        con.close()


def factor_count(ws: Workspace) -> int:
    """How many distinct factors the library holds."""
    return int(ws.scalar("SELECT count(DISTINCT factor_id) FROM factors") or 0)


def set_summaries(ws: Workspace) -> list[tuple[Any, ...]]:
    """Per factor set: (factor_set, name, publisher, edition, licence, kind, factors,
    unverified rows), ordered by set."""
    return ws.fetchall(
        """SELECT s.factor_set, s.name, s.publisher, s.edition, s.licence, s.kind,
                  count(DISTINCT f.factor_id),
                  coalesce(sum(CASE WHEN f.verified THEN 0 ELSE 1 END), 0)
           FROM factor_sets s LEFT JOIN factors f USING (factor_set)
           GROUP BY ALL ORDER BY s.factor_set"""
    )


def matching_factor_ids(
    ws: Workspace, words: Sequence[str], region: str | None, limit: int
) -> list[str]:
    """The first `limit` factor ids (in id order) whose id, activity, region, source and note
    contain every one of `words` (lower case), in `region` when given."""
    conditions = [
        "lower(concat_ws(' ', factor_id, activity, region, source, note)) LIKE ?" for _ in words
    ]
    params: list[Any] = [f"%{w}%" for w in words]
    if region:
        conditions.append("region = ?")
        params.append(region)
    # Only these fixed conditions are joined; every word and the region are bound parameters.
    where = " AND ".join(conditions) or "true"
    rows = ws.fetchall(
        f"SELECT DISTINCT factor_id FROM factors WHERE {where} ORDER BY factor_id LIMIT ?",
        [*params, limit],
    )
    return [str(r[0]) for r in rows]


def factor_lines(ws: Workspace, factor_ids: Sequence[str]) -> list[tuple[Any, ...]]:
    """One row (LINE_COLUMNS) per factor and gas of `factor_ids`, by factor id and gas."""
    if not factor_ids:
        return []
    return ws.fetchall(
        f"SELECT {', '.join(LINE_COLUMNS)} FROM factors"
        " WHERE factor_id IN (SELECT unnest(?)) ORDER BY factor_id, gas",
        [list(factor_ids)],
    )


def factor_detail(ws: Workspace, factor_id: str) -> list[dict[str, Any]]:
    """Every gas of one factor with all its columns (DETAIL_COLUMNS); empty if unknown."""
    rows = ws.fetchall(
        f"SELECT {', '.join(DETAIL_COLUMNS)} FROM factors WHERE factor_id = ? ORDER BY gas",
        [factor_id],
    )
    return [dict(zip(DETAIL_COLUMNS, r, strict=True)) for r in rows]
