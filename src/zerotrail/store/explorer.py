"""Reading one slice of a run's results for the inventory explorer: its sums by one dimension,
and the records inside it with their factor and provenance.

Where it sits: store, under the explorer stage (pipeline/explorer.py). A slice is the run's
results narrowed by any of scope, category key, site, entity and a set of entities (an owner's);
every narrowing is a fixed SQL fragment with its value bound, never text from the caller. The
sums use the inventory stage's own columns (store/inventory.py, reports/inventory.py): the
location-based figure is `co2e_t`; the market-based one is `co2e_market_t`, except in Scope 1,
where the inventory counts `co2e_t` in both totals. Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from zerotrail.store.database import Workspace
from zerotrail.store.sql import quote_ident

# The category key of a result: Scope 3's GHG Protocol category (1-15); Scopes 1 and 2 have
# no numbered categories, so there the activity key (stationary_combustion.diesel, ...) is it.
CATEGORY_KEY = "CASE WHEN scope = 3 THEN CAST(category AS VARCHAR) ELSE activity END"
SITE_KEY = "coalesce(site, '')"
# As the inventory adds up its market-based total (reports/inventory.py `summary`).
MARKET = "CASE WHEN scope = 1 THEN co2e_t ELSE co2e_market_t END"

# The dimensions a slice is summed by, each as the columns it groups on.
DIMENSIONS = {
    "scope": ("CAST(scope AS VARCHAR)", "''"),
    "category": (CATEGORY_KEY, "''"),
    "site": (SITE_KEY, "entity"),
    "entity": ("entity", "''"),
}


@dataclass(frozen=True, slots=True)
class Slice:
    """Which results: the run's, narrowed by every field that is not None. `site` "" is the
    results of no site; `entities` is the set a caller may see (None: all)."""

    run_id: str
    scope: int | None = None
    category: str | None = None
    site: str | None = None
    entity: str | None = None
    entities: frozenset[str] | None = None

    def where(self) -> tuple[str, list[Any]]:
        """The WHERE clause (fixed fragments) and its bound values."""
        parts: list[str] = ["run_id = ?"]
        values: list[Any] = [self.run_id]
        for fragment, value in (
            ("scope = ?", self.scope),
            (f"{CATEGORY_KEY} = ?", self.category),
            (f"{SITE_KEY} = ?", self.site),
            ("entity = ?", self.entity),
        ):
            if value is not None:
                parts.append(fragment)
                values.append(value)
        if self.entities is not None:
            parts.append("list_contains(?, entity)")
            values.append(sorted(self.entities))
        return " AND ".join(parts), values


def slice_total(ws: Workspace, where: Slice) -> tuple[int, float, float]:
    """(records, t CO2e location-based, t CO2e market-based) of the slice."""
    clause, values = where.where()
    n, t, tm = ws.fetchall(
        f"SELECT count(*), coalesce(sum(co2e_t), 0), coalesce(sum({MARKET}), 0)"
        f" FROM results WHERE {clause}",
        values,
    )[0]
    return int(n), float(t), float(tm)


def slice_by(
    ws: Workspace, where: Slice, dimension: str
) -> list[tuple[str, str, int, float, float]]:
    """(key, entity or "", records, t CO2e location-based, market-based) of the slice per value
    of `dimension` (a key of DIMENSIONS; per site, with the site's entity), ordered by them."""
    key, second = DIMENSIONS[dimension]  # a KeyError is a bug: the stage names the dimension
    clause, values = where.where()
    return [
        (str(k), str(e or ""), int(n), float(t), float(tm))
        for k, e, n, t, tm in ws.fetchall(
            f"""SELECT {key} AS k, {second} AS e, count(*), coalesce(sum(co2e_t), 0),
                       coalesce(sum({MARKET}), 0)
                FROM results WHERE {clause} GROUP BY 1, 2 ORDER BY 1, 2""",
            values,
        )
    ]


def _gas_columns(families: Sequence[str]) -> str:
    return ", ".join(
        f"r.{quote_ident(f + '_t')}, r.{quote_ident('co2e_' + f + '_t')}" for f in families
    )


def slice_records(
    ws: Workspace, where: Slice, families: Sequence[str], limit: int, offset: int
) -> list[dict[str, Any]]:
    """The slice's records by record id, `limit` of them from `offset`: each result joined to
    its record version (quantity, unit, evidence), the import that brought it (file) and the
    factor it used with that factor's set (publisher, edition, URL, licence, source cells).

    Column names are the result's own; gas columns are `<family>_t` and `co2e_<family>_t`."""
    clause, values = where.where()
    cur_rows = ws.fetchall(
        f"""WITH page AS (
                SELECT * FROM results WHERE {clause}
                ORDER BY record_id LIMIT ? OFFSET ?),
            meta AS (
                SELECT f.factor_set, f.factor_id,
                       list(DISTINCT f.source) AS sources,
                       list(DISTINCT f.edition) FILTER (WHERE f.edition IS NOT NULL) AS editions,
                       list(DISTINCT f.source_url) FILTER (WHERE f.source_url IS NOT NULL)
                           AS urls,
                       list(DISTINCT f.licence) FILTER (WHERE f.licence IS NOT NULL) AS licences,
                       list(DISTINCT f.source_ref) FILTER (WHERE f.source_ref IS NOT NULL)
                           AS refs
                FROM factors f
                WHERE f.factor_id IN (SELECT DISTINCT factor_id FROM page)
                GROUP BY 1, 2)
            SELECT r.record_id, r.version, r.entity, r.site, r.site_kind, r.period_start,
                   a.period_end, r.activity, a.quantity, a.unit, a.region, r.scope, r.category,
                   r.method, r.co2e_t, r.co2e_market_t, r.biogenic_co2_t, r.co2e_unsplit_t,
                   r.flags, r.factor_set, r.factor_id, r.factor_region, r.factor_year,
                   r.factor_verified, s.name, s.publisher, s.edition, s.source_url, s.licence,
                   m.sources, m.editions, m.urls, m.licences, m.refs,
                   a.import_id, i.file_name, i.imported_at, a.evidence, a.note,
                   {_gas_columns(families)}
            FROM page r
            JOIN activities a ON a.record_id = r.record_id AND a.version = r.version
            LEFT JOIN imports i ON i.import_id = a.import_id
            LEFT JOIN factor_sets s ON s.factor_set = r.factor_set
            LEFT JOIN meta m ON m.factor_set = r.factor_set AND m.factor_id = r.factor_id
            ORDER BY r.record_id""",
        [*values, limit, offset],
    )
    names = [
        "record_id", "version", "entity", "site", "site_kind", "period_start", "period_end",
        "activity", "quantity", "unit", "region", "scope", "category", "method", "co2e_t",
        "co2e_market_t", "biogenic_co2_t", "co2e_unsplit_t", "flags", "factor_set", "factor_id",
        "factor_region", "factor_year", "factor_verified", "set_name", "publisher",
        "set_edition", "set_url", "set_licence", "sources", "editions", "urls", "licences",
        "refs", "import_id", "file_name", "imported_at", "evidence", "note",
        *[c for f in families for c in (f + "_t", "co2e_" + f + "_t")],
    ]  # fmt: skip
    return [dict(zip(names, row, strict=True)) for row in cur_rows]
