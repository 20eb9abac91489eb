"""Reading the factor library: its sets, a search over its factors, one factor in full.

Where it sits: store, read by the reference stage (pipeline/reference.py) for `zerotrail
factors`. The library is a workspace's `factor_sets` and `factors` tables (shipped plus custom
sets) or, when there is no workspace, the factors shipped with the package loaded into an
in-memory database with the same two tables, so one set of queries serves both.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
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


@dataclass(frozen=True, slots=True)
class FactorFilter:
    """What a search keeps besides its words; None keeps everything."""

    region: str | None = None  # exactly this region code
    publisher: str | None = None  # text in the set's publisher or name (any case)
    edition: str | None = None  # text in the factor's or its set's edition (any case)
    factor_set: str | None = None  # exactly this set id
    activity: str | None = None  # this key or the keys under it: `business_travel.air`
    year: int | None = None  # valid on some day of this year


def _filter_sql(f: FactorFilter) -> tuple[list[str], list[Any]]:
    """Conditions on `factors f JOIN factor_sets s` and their bound parameters."""
    conditions: list[str] = []
    params: list[Any] = []
    if f.region:
        conditions.append("f.region = ?")
        params.append(f.region)
    if f.publisher:
        # The set's name too: it carries the short names people type (EPA, DESNZ), which the
        # publisher's full name (US Environmental Protection Agency) does not contain. strpos,
        # not LIKE: a `_` or `%` typed is a character, not a wildcard.
        # And the set id: BEIS published the UK factors until 2022, but the sets are desnz-*.
        conditions.append("strpos(lower(concat_ws(' ', s.publisher, s.name, s.factor_set)), ?) > 0")
        params.append(f.publisher.lower())
    if f.edition:
        conditions.append(
            "(strpos(lower(coalesce(f.edition, '')), ?) > 0"
            " OR strpos(lower(coalesce(s.edition, '')), ?) > 0)"
        )
        params += [f.edition.lower()] * 2
    if f.factor_set:
        conditions.append("f.factor_set = ?")
        params.append(f.factor_set)
    if f.activity:
        # Whole segments: `business_travel.air` keeps `business_travel.air.long_haul`, not
        # `business_travel.airship`.
        conditions.append("(f.activity = ? OR starts_with(f.activity, ?))")
        params += [f.activity, f.activity + "."]
    if f.year is not None:
        conditions.append("f.valid_from <= ? AND (f.valid_to IS NULL OR f.valid_to >= ?)")
        params += [date(f.year, 12, 31), date(f.year, 1, 1)]
    return conditions, params


def matching_factor_ids(
    ws: Workspace,
    words: Sequence[str],
    region: str | None,
    limit: int,
    filters: FactorFilter | None = None,
) -> list[str]:
    """The first `limit` factor ids (in id order) whose id, activity, region, source and note
    contain every one of `words` (lower case), in `region` when given, and that pass
    `filters`."""
    conditions = [
        "lower(concat_ws(' ', f.factor_id, f.activity, f.region, f.source, f.note)) LIKE ?"
        for _ in words
    ]
    params: list[Any] = [f"%{w}%" for w in words]
    if region:
        conditions.append("f.region = ?")
        params.append(region)
    more, more_params = _filter_sql(filters or FactorFilter())
    conditions += more
    params += more_params
    # Only these fixed conditions are joined; every word and filter value is a bound parameter.
    where = " AND ".join(conditions) or "true"
    rows = ws.fetchall(
        "SELECT DISTINCT f.factor_id FROM factors f"
        " LEFT JOIN factor_sets s ON s.factor_set = f.factor_set"
        f" WHERE {where} ORDER BY f.factor_id LIMIT ?",
        [*params, limit],
    )
    return [str(r[0]) for r in rows]


def factor_set_ids(ws: Workspace) -> list[str]:
    """The ids of the library's factor sets, in order."""
    return [str(r[0]) for r in ws.fetchall("SELECT factor_set FROM factor_sets ORDER BY 1")]


def activity_keys(ws: Workspace) -> list[str]:
    """The activity keys the library has factors for, in order."""
    return [str(r[0]) for r in ws.fetchall("SELECT DISTINCT activity FROM factors ORDER BY 1")]


def factor_regions(ws: Workspace) -> list[str]:
    """The region codes the library has factors for, in order."""
    return [str(r[0]) for r in ws.fetchall("SELECT DISTINCT region FROM factors ORDER BY 1")]


def factor_ids(ws: Workspace, factor_set: str | None = None) -> list[str]:
    """The factor ids of the library, or of one set, in order."""
    if factor_set is None:
        rows = ws.fetchall("SELECT DISTINCT factor_id FROM factors ORDER BY 1")
    else:
        rows = ws.fetchall(
            "SELECT DISTINCT factor_id FROM factors WHERE factor_set = ? ORDER BY 1", [factor_set]
        )
    return [str(r[0]) for r in rows]


# The columns `set_diff` returns, one row per matched key, in this order.
DIFF_COLUMNS: tuple[str, ...] = (
    "activity",
    "region",
    "unit",
    "heat_basis",
    "gas",
    "biogenic",
    "supplier",
    "factor_id_a",
    "value_a",
    "factor_id_b",
    "value_b",
)
# What matches a factor of one set with one of another: its key, region, unit, heating-value
# basis ('' for none; DESNZ gives a fuel per kWh on both) and gas (and whether the CO2 is
# biogenic, and the supplier of a supplier-specific factor, which make a different factor of
# the same gas).
_DIFF_KEY = "activity, region, unit, heat_basis, gas, biogenic, supplier"


def set_diff(ws: Workspace, set_a: str, set_b: str) -> list[tuple[Any, ...]]:
    """Every key (activity, region, unit, heat basis, gas, biogenic, supplier) of either set,
    with each set's factor id and value (None where the set lacks the key): DIFF_COLUMNS, by
    key. A set holding one key for several periods (a multi-year set) is represented by its
    latest."""

    def side(name: str) -> str:
        return f"""{name} AS (
            SELECT activity, region, unit, coalesce(heat_basis, '') AS heat_basis, gas, biogenic,
                   coalesce(supplier, '') AS supplier, factor_id, value
            FROM (SELECT *, row_number() OVER (
                      PARTITION BY activity, region, unit, coalesce(heat_basis, ''), gas,
                                   biogenic, coalesce(supplier, '')
                      ORDER BY valid_from DESC, factor_id DESC) AS latest
                  FROM factors WHERE factor_set = ?) x
            WHERE latest = 1)"""

    return ws.fetchall(
        f"""WITH {side("a")}, {side("b")}
            SELECT {_DIFF_KEY}, a.factor_id, a.value, b.factor_id, b.value
            FROM a FULL JOIN b USING ({_DIFF_KEY})
            ORDER BY {_DIFF_KEY}""",
        [set_a, set_b],
    )


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
