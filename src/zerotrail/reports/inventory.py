"""The inventory of a year as figures: totals by scope, category and gas, and breakdowns.

Where it sits: reports, turning what store/inventory.py reads of the year's current run (its
per-record results, grouped) into the headline figures of `zerotrail inventory`, of a run's
ledger leaf and of the report. Every figure is aggregated from the stored per-record results,
so it traces down to records and factors. Emissions are metric tonnes CO2e. Pure: the stage
reads, this module adds up.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from zerotrail.engine.settings import FAMILIES
from zerotrail.errors import ZerotrailError
from zerotrail.model.inventory import CurrentRun, GasSums, ResultGroup

BREAKDOWNS = ("scope", "entity", "site", "category", "gas", "month", "activity")


def no_inventory(year: int) -> ZerotrailError:
    """The error for a year that was never calculated."""
    return ZerotrailError(f"no inventory for {year}: run `zerotrail calculate --year {year}`")


def check_breakdown(by: str) -> None:
    if by not in BREAKDOWNS:
        raise ZerotrailError(f"unknown breakdown {by!r}; expected one of {', '.join(BREAKDOWNS)}")


def gas_table(gases: Sequence[GasSums], unsplit_t: float) -> dict[str, dict[str, float]]:
    """Mass and t CO2e per gas family (upper case), and what was reported as CO2e only."""
    out = {g.family.upper(): {"mass_t": g.mass_t, "co2e_t": g.co2e_t} for g in gases}
    out["CO2e_only"] = {"mass_t": 0.0, "co2e_t": unsplit_t}
    return out


def _gas(group: ResultGroup, family: str) -> GasSums:
    return next(g for g in group.gases if g.family == family)


def summary(
    run: CurrentRun,
    groups: Sequence[ResultGroup],
    problems: Sequence[tuple[str, str]],
    notes: Sequence[str],
) -> dict[str, Any]:
    """The headline inventory of the run's year (the JSON of `zerotrail inventory --format
    json`): `groups` are the run's results grouped, `problems` (record id, message) of the
    records it could not calculate (the first thousand), `notes` its problems of no record."""

    def total(value: Any, scope: int | None = None) -> float:
        return float(sum(value(g) for g in groups if scope is None or g.scope == scope))

    def co2e(g: ResultGroup) -> float:
        return g.co2e_t

    def market(g: ResultGroup) -> float:
        return g.co2e_market_t

    s1, s2l, s2m = total(co2e, 1), total(co2e, 2), total(market, 2)
    s3, s3m = total(co2e, 3), total(market, 3)
    cats: dict[int | None, float] = {}
    weighted_sum: float | None = None  # None when no Scope 3 record has a score
    flagged: dict[str, int] = {}
    renewable: dict[str, list[float]] = {}
    for g in groups:
        if g.scope == 3:
            cats[g.category] = cats.get(g.category, 0.0) + g.co2e_t
            if g.dq_weighted_t is not None:
                weighted_sum = (weighted_sum or 0.0) + g.dq_weighted_t
        for f in g.flags.split(";") if g.flags else ():
            flagged[f] = flagged.get(f, 0) + g.records
        if g.electricity_records:
            acc = renewable.setdefault(g.site_kind, [0.0, 0.0])
            acc[0] += g.mwh
            acc[1] += g.renewable_mwh
    by_gas = {
        fam.upper(): {
            "mass_t": total(lambda g, fam=fam: _gas(g, fam).mass_t),
            "co2e_t": total(lambda g, fam=fam: _gas(g, fam).co2e_t),
        }
        for fam in FAMILIES
    }
    by_gas["CO2e_only"] = {"mass_t": 0.0, "co2e_t": total(lambda g: g.unsplit_t)}
    weighted = weighted_sum / s3 if s3 and weighted_sum is not None else None
    return {
        "year": run.year,
        "run_id": run.run_id,
        "gwp_set": run.gwp_set,
        "consolidation": run.consolidation,
        "unit": "t CO2e",
        "scope1": s1,
        "scope2_location": s2l,
        "scope2_market": s2m,
        "scope3": s3,
        "scope3_market": s3m,
        "scope3_by_category": {str(c): float(cats.get(c, 0.0)) for c in range(1, 16)},
        "by_gas": by_gas,
        "biogenic_co2": total(lambda g: g.biogenic_co2_t),
        "total_location": s1 + s2l + s3,
        "total_market": s1 + s2m + s3m,
        "scope3_data_quality": None if weighted is None else float(weighted),
        "electricity_by_site_kind": [
            {"site_kind": k or None, "mwh": m, "renewable_mwh": r}
            for k, (m, r) in sorted(renewable.items())
        ],
        "flags": dict(sorted(flagged.items())),
        "problems": [{"record_id": r, "message": m} for r, m in problems],
        "problem_count": run.problems,
        "notes": list(notes),
    }


def breakdown(
    by: str, rows: Sequence[tuple[Any, float, float, float, float, int]]
) -> list[dict[str, Any]]:
    """Scope totals split by one dimension (location- and market-based): `rows` are (value,
    Scope 1, Scope 2 location, Scope 2 market, Scope 3, records) per value of `by`."""
    check_breakdown(by)
    return [
        {
            by: k,
            "scope1": a,
            "scope2_location": b,
            "scope2_market": c,
            "scope3": d,
            "records": n,
        }
        for k, a, b, c, d, n in rows
    ]


def gas_breakdown(gases: Sequence[GasSums], unsplit_t: float) -> list[dict[str, Any]]:
    """The run's emissions by gas family (`inventory --by gas`)."""
    table = gas_table(gases, unsplit_t)
    return [{"gas": gas, **amounts} for gas, amounts in table.items()]
