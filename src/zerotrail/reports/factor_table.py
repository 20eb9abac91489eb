"""The report's table of emission-factor sources: each factor set the year's run used, from data.

Where it sits: reports, under the report stage (pipeline/publish.py), which reads the factors
the run used (`store/factor_usage.py`) and hands them here. Everything a row says is summed or
listed from the factors actually used, so it cannot drift from the inventory: a set's stored
free-text description says what the set holds, not what this run took from it, and a custom
set's stored publisher is only its first row's source. A shipped set's publisher, edition and
licence are its curated ones; a custom set's are the distinct sources, editions and licences of
the factors used. Pure: values in, rows out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from zerotrail.model.factor_usage import FactorSetInfo, FactorUse
from zerotrail.model.regions import GLOBAL

# More regions than this are counted rather than listed in a set's description.
MAX_LISTED_REGIONS = 6

# Activity-key families (model/keys.py) as the description names them.
FAMILY_LABELS = {
    "stationary_combustion": "fuel burnt on site",
    "mobile_combustion": "vehicle fuel",
    "fugitive": "refrigerants and other fugitive gases",
    "process": "process emissions",
    "electricity": "electricity",
    "steam": "steam",
    "heat": "heat",
    "cooling": "cooling",
    "spend": "spend",
    "purchased_goods": "purchased goods",
    "capital_goods": "capital goods",
    "fuel_energy": "fuel- and energy-related activities",
    "freight": "freight",
    "waste": "waste",
    "business_travel": "business travel",
    "commuting": "commuting",
    "scope3": "other Scope 3 activities",
}


def _family(activity: str) -> str:
    family = activity.split(".", 1)[0]
    return FAMILY_LABELS.get(family, family.replace("_", " "))


def _plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def _listed(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def description(
    factors: int,
    activities: int,
    families: Sequence[str],
    regions: Sequence[str],
    years: Sequence[int],
) -> str:
    """A set's use in one sentence, from the factors used: how many, for what, where, when."""
    text = (
        f"{_plural(factors, 'factor', 'factors')} for "
        f"{_plural(activities, 'activity', 'activities')} ({', '.join(families)})"
    )
    places = ["global" if r == GLOBAL else r for r in regions]
    if len(places) > MAX_LISTED_REGIONS:
        text += f"; {len(places)} regions"
    elif places:
        text += f"; {'region' if len(places) == 1 else 'regions'} {_listed(places)}"
    if years:
        first, last = min(years), max(years)
        text += f"; first valid in {first}" if first == last else f"; first valid {first} to {last}"
    return text + "."


def _verified(unverified: int, factors: int) -> str:
    if unverified == 0:
        return "all"
    return "none" if unverified == factors else "some"


def _provenance(curated: str | None, used: Sequence[Sequence[str]]) -> list[str]:
    """A shipped set's curated value (`curated`, None for a custom set), else the distinct
    values of the factors used."""
    if curated:
        return [curated]
    return sorted({v for values in used for v in values})


def _share(part: float, total: float) -> float | None:
    return 100.0 * part / total if total else None


def factor_rows(sets: Sequence[FactorSetInfo], uses: Sequence[FactorUse]) -> list[dict[str, Any]]:
    """One row per factor set the run used (report.json `factor_sets`), the largest
    location-based t CO2e first. Shares are of the run's location-based (and market-based)
    total, so they add up to 100% over the rows; `unverified_*` count the factors, records and
    t CO2e whose factor is unverified, as the `unverified_factor` flag does."""
    info = {s.factor_set: s for s in sets}
    by_set: dict[str, list[FactorUse]] = {}
    for u in uses:
        by_set.setdefault(u.factor_set, []).append(u)
    total = sum(u.co2e_t for u in uses)
    total_market = sum(u.co2e_market_t for u in uses)
    rows = []
    # The largest location-based t CO2e first.
    for fs, used in sorted(by_set.items(), key=lambda kv: (-sum(u.co2e_t for u in kv[1]), kv[0])):
        stored = info.get(fs) or FactorSetInfo(fs, None, None, None, None, None, None)
        curated = stored.kind == "shipped"
        unverified = [u for u in used if not u.verified]
        activities = sorted({u.activity for u in used})
        families = sorted({_family(a) for a in activities})
        regions = sorted({u.region for u in used}, key=lambda r: (r == GLOBAL, r))
        years = sorted({u.year for u in used if u.year is not None})
        co2e = sum(u.co2e_t for u in used)
        market = sum(u.co2e_market_t for u in used)
        rows.append(
            {
                "factor_set": fs,
                "name": stored.name if curated and stored.name else fs,
                "kind": stored.kind,
                "sources": _provenance(
                    stored.publisher if curated else None, [u.sources for u in used]
                ),
                "editions": _provenance(
                    stored.edition if curated else None, [u.editions for u in used]
                ),
                "licences": _provenance(
                    stored.licence if curated else None, [u.licences for u in used]
                ),
                "source_url": stored.source_url if curated else None,
                "description": description(len(used), len(activities), families, regions, years),
                "factors": len(used),
                "unverified_factors": len(unverified),
                "verified": _verified(len(unverified), len(used)),
                "activities": len(activities),
                "regions": regions,
                "factor_years": years,
                "records": sum(u.records for u in used),
                "unverified_records": sum(u.records for u in unverified),
                "co2e_t": co2e,
                "co2e_market_t": market,
                "unverified_co2e_t": sum(u.co2e_t for u in unverified),
                "unverified_co2e_market_t": sum(u.co2e_market_t for u in unverified),
                "share_pct": _share(co2e, total),
                "market_share_pct": _share(market, total_market),
            }
        )
    return rows
