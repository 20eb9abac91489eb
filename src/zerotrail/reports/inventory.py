"""The inventory of a year as figures: totals by scope, category and gas, and breakdowns.

Everything is aggregated from the stored per-record results of the year's current run, so
every figure here traces down to records and factors. Emissions are metric tonnes CO2e.
"""

from __future__ import annotations

from typing import Any

from zerotrail.engine.settings import FAMILIES
from zerotrail.errors import ZerotrailError
from zerotrail.store.workspace import Workspace

BREAKDOWNS = ("scope", "entity", "site", "category", "gas", "month", "activity")


def current_run(ws: Workspace, year: int) -> tuple[str, str, str, int]:
    rows = ws.fetchall(
        "SELECT run_id, gwp_set, consolidation, problems FROM runs WHERE year = ? AND current",
        [year],
    )
    if not rows:
        raise ZerotrailError(f"no inventory for {year}: run `zerotrail calculate --year {year}`")
    row = rows[0]
    return str(row[0]), str(row[1]), str(row[2]), int(row[3])


def summary(ws: Workspace, year: int) -> dict[str, Any]:
    """The headline inventory of `year` (the JSON of `zerotrail inventory --format json`)."""
    run_id, gwp, approach, n_problems = current_run(ws, year)

    # One pass over the run's per-record results, grouped into a few hundred rows at most
    # (scope, category, site kind, flags): every total below is a sum over those groups. At
    # 10^7 records each separate scan costs about 2 s.
    gas_cols = [f"sum({f}_t), sum(co2e_{f}_t)" for f in FAMILIES]
    groups = ws.fetchall(
        f"""SELECT scope, category, coalesce(site_kind, ''), flags, count(*),
                   sum(co2e_t), sum(co2e_market_t), sum(biogenic_co2_t), sum(dq_score * co2e_t),
                   count(*) FILTER (WHERE mwh > 0), sum(mwh) FILTER (WHERE mwh > 0),
                   sum(renewable_mwh) FILTER (WHERE mwh > 0),
                   {", ".join(gas_cols)}, sum(co2e_unsplit_t)
            FROM results WHERE run_id = ? GROUP BY ALL""",
        [run_id],
    )

    def total(col: int, scope: int | None = None) -> float:
        return float(sum(g[col] or 0.0 for g in groups if scope is None or g[0] == scope))

    s1, s2l, s2m = total(5, 1), total(5, 2), total(6, 2)
    s3, s3m = total(5, 3), total(6, 3)
    cats: dict[int, float] = {}
    weighted_sum: float | None = None  # None when no Scope 3 record has a score
    flagged: dict[str, int] = {}
    renewable: dict[str, list[float]] = {}
    for g in groups:
        if g[0] == 3:
            cats[g[1]] = cats.get(g[1], 0.0) + float(g[5] or 0.0)
            if g[8] is not None:
                weighted_sum = (weighted_sum or 0.0) + float(g[8])
        for f in (g[3] or "").split(";") if g[3] else ():
            flagged[f] = flagged.get(f, 0) + int(g[4])
        if g[9]:
            acc = renewable.setdefault(g[2], [0.0, 0.0])
            acc[0] += float(g[10] or 0.0)
            acc[1] += float(g[11] or 0.0)
    by_gas: dict[str, dict[str, float]] = {
        fam.upper(): {"mass_t": total(12 + 2 * i), "co2e_t": total(13 + 2 * i)}
        for i, fam in enumerate(FAMILIES)
    }
    by_gas["CO2e_only"] = {"mass_t": 0.0, "co2e_t": total(12 + 2 * len(FAMILIES))}
    weighted = weighted_sum / s3 if s3 and weighted_sum is not None else None
    problems = [
        {"record_id": r, "message": m}
        for r, m in ws.fetchall(
            "SELECT record_id, message FROM run_problems WHERE run_id = ? AND record_id IS NOT"
            " NULL ORDER BY record_id LIMIT 1000",
            [run_id],
        )
    ]
    notes = [
        m
        for (m,) in ws.fetchall(
            "SELECT message FROM run_problems WHERE run_id = ? AND record_id IS NULL ORDER BY 1",
            [run_id],
        )
    ]
    return {
        "year": year,
        "run_id": run_id,
        "gwp_set": gwp,
        "consolidation": approach,
        "unit": "t CO2e",
        "scope1": s1,
        "scope2_location": s2l,
        "scope2_market": s2m,
        "scope3": s3,
        "scope3_market": s3m,
        "scope3_by_category": {str(c): float(cats.get(c, 0.0)) for c in range(1, 16)},
        "by_gas": by_gas,
        "biogenic_co2": total(7),
        "total_location": s1 + s2l + s3,
        "total_market": s1 + s2m + s3m,
        "scope3_data_quality": None if weighted is None else float(weighted),
        "electricity_by_site_kind": [
            {"site_kind": k or None, "mwh": m, "renewable_mwh": r}
            for k, (m, r) in sorted(renewable.items())
        ],
        "flags": dict(sorted(flagged.items())),
        "problems": problems,
        "problem_count": n_problems,
        "notes": notes,
    }


def breakdown(ws: Workspace, year: int, by: str) -> list[dict[str, Any]]:
    """Scope totals split by one dimension (location- and market-based)."""
    run_id, *_ = current_run(ws, year)
    if by == "gas":
        rows = []
        for fam in FAMILIES:
            mass, co2e = ws.execute(
                f"SELECT coalesce(sum({fam}_t),0), coalesce(sum(co2e_{fam}_t),0) FROM results"
                " WHERE run_id = ?",
                [run_id],
            ).fetchall()[0]
            rows.append({"gas": fam.upper(), "mass_t": float(mass), "co2e_t": float(co2e)})
        unsplit = ws.scalar(
            "SELECT coalesce(sum(co2e_unsplit_t),0) FROM results WHERE run_id = ?", [run_id]
        )
        rows.append({"gas": "CO2e_only", "mass_t": 0.0, "co2e_t": float(unsplit)})
        return rows
    exprs = {
        "scope": "CAST(scope AS VARCHAR)",
        "entity": "entity",
        "site": "coalesce(site, '')",
        "category": "CASE WHEN scope = 3 THEN CAST(category AS VARCHAR) ELSE 'scope ' ||"
        " CAST(scope AS VARCHAR) END",
        "month": "strftime(period_start, '%Y-%m')",
        "activity": "activity",
    }
    if by not in exprs:
        raise ZerotrailError(f"unknown breakdown {by!r}; expected one of {', '.join(BREAKDOWNS)}")
    key = exprs[by]
    return [
        {
            by: k,
            "scope1": float(a),
            "scope2_location": float(b),
            "scope2_market": float(c),
            "scope3": float(d),
            "records": int(n),
        }
        for k, a, b, c, d, n in ws.fetchall(
            f"""SELECT {key} AS k,
                sum(CASE WHEN scope = 1 THEN co2e_t ELSE 0 END),
                sum(CASE WHEN scope = 2 THEN co2e_t ELSE 0 END),
                sum(CASE WHEN scope = 2 THEN co2e_market_t ELSE 0 END),
                sum(CASE WHEN scope = 3 THEN co2e_t ELSE 0 END),
                count(*)
                FROM results WHERE run_id = ? GROUP BY k ORDER BY k""",
            [run_id],
        )
    ]
