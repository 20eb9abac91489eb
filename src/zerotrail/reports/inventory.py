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

    def total(where: str, col: str = "co2e_t") -> float:
        v = ws.scalar(
            f"SELECT coalesce(sum({col}), 0) FROM results WHERE run_id = ? AND {where}", [run_id]
        )
        return float(v)

    s1 = total("scope = 1")
    s2l = total("scope = 2")
    s2m = total("scope = 2", "co2e_market_t")
    s3 = total("scope = 3")
    s3m = total("scope = 3", "co2e_market_t")
    cats = dict(
        ws.fetchall(
            "SELECT category, sum(co2e_t) FROM results WHERE run_id = ? AND scope = 3"
            " GROUP BY category",
            [run_id],
        )
    )
    by_gas: dict[str, dict[str, float]] = {}
    gas_sql = ", ".join(f"sum({f}_t), sum(co2e_{f}_t)" for f in FAMILIES)
    row = ws.execute(
        f"SELECT {gas_sql}, sum(co2e_unsplit_t) FROM results WHERE run_id = ?", [run_id]
    ).fetchall()[0]
    for i, fam in enumerate(FAMILIES):
        by_gas[fam.upper()] = {
            "mass_t": float(row[2 * i] or 0),
            "co2e_t": float(row[2 * i + 1] or 0),
        }
    by_gas["CO2e_only"] = {"mass_t": 0.0, "co2e_t": float(row[-1] or 0)}
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
    weighted = ws.execute(
        "SELECT sum(dq_score * co2e_t) / nullif(sum(co2e_t), 0) FROM results WHERE run_id = ?"
        " AND scope = 3",
        [run_id],
    ).fetchall()[0][0]
    flagged = dict(
        ws.fetchall(
            "SELECT f, count(*) FROM (SELECT unnest(string_split(flags, ';')) AS f FROM results"
            " WHERE run_id = ? AND flags <> '') GROUP BY f ORDER BY f",
            [run_id],
        )
    )
    renewable = ws.fetchall(
        "SELECT coalesce(site_kind, ''), sum(mwh), sum(renewable_mwh) FROM results"
        " WHERE run_id = ? AND mwh > 0 GROUP BY 1 ORDER BY 1",
        [run_id],
    )
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
        "biogenic_co2": total("true", "biogenic_co2_t"),
        "total_location": s1 + s2l + s3,
        "total_market": s1 + s2m + s3m,
        "scope3_data_quality": None if weighted is None else float(weighted),
        "electricity_by_site_kind": [
            {"site_kind": k or None, "mwh": float(m), "renewable_mwh": float(r)}
            for k, m, r in renewable
        ],
        "flags": {str(k): int(v) for k, v in flagged.items()},
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
