"""Reading which factors a run used, and the sets they come from.

Where it sits: store, under the report stage (pipeline/publish.py), which hands what is read
here to `reports/factor_table.py`. One pass over the run's results groups them by factor (a few
thousand rows at most, whatever the number of records); the factor rows and sets are then read
for those factors only. Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Sequence

from zerotrail.model.factor_usage import FactorSetInfo, FactorUse
from zerotrail.store.database import Workspace


def factor_uses(ws: Workspace, run_id: str) -> list[FactorUse]:
    """Every factor the run's results used, with its records and t CO2e, by set and id."""
    rows = ws.fetchall(
        """WITH used AS (
               SELECT factor_set, factor_id, any_value(factor_region) AS region,
                      any_value(factor_year) AS year, bool_and(factor_verified) AS verified,
                      count(*) AS records, coalesce(sum(co2e_t), 0) AS t,
                      coalesce(sum(co2e_market_t), 0) AS tm
               FROM results WHERE run_id = ? GROUP BY 1, 2),
           meta AS (
               SELECT f.factor_set, f.factor_id, any_value(f.activity) AS activity,
                      list(DISTINCT f.source) AS sources,
                      list(DISTINCT f.edition) FILTER (WHERE f.edition IS NOT NULL) AS editions,
                      list(DISTINCT f.licence) FILTER (WHERE f.licence IS NOT NULL) AS licences
               FROM factors f JOIN used u USING (factor_set, factor_id) GROUP BY 1, 2)
           SELECT u.factor_set, u.factor_id, m.activity, u.region, u.year, u.verified,
                  m.sources, m.editions, m.licences, u.records, u.t, u.tm
           FROM used u LEFT JOIN meta m USING (factor_set, factor_id)
           ORDER BY 1, 2""",
        [run_id],
    )
    return [
        FactorUse(
            factor_set=str(fs),
            factor_id=str(fid),
            activity=str(act or ""),
            region=str(region),
            year=None if year is None else int(year),
            verified=bool(verified),
            sources=_texts(sources),
            editions=_texts(editions),
            licences=_texts(licences),
            records=int(n),
            co2e_t=float(t),
            co2e_market_t=float(tm),
        )
        for fs, fid, act, region, year, verified, sources, editions, licences, n, t, tm in rows
    ]


def factor_set_info(ws: Workspace, factor_sets: Sequence[str]) -> list[FactorSetInfo]:
    """The stored rows of `factor_sets` (a set without one is left out), by id."""
    return [
        FactorSetInfo(str(fs), name, kind, pub, ed, lic, url)
        for fs, name, kind, pub, ed, lic, url in ws.fetchall(
            "SELECT factor_set, name, kind, publisher, edition, licence, source_url"
            " FROM factor_sets WHERE list_contains(?, factor_set) ORDER BY 1",
            [list(factor_sets)],
        )
    ]


def _texts(values: Sequence[str | None] | None) -> tuple[str, ...]:
    return tuple(sorted(str(v) for v in values or () if v))
