"""Reduction initiatives against the inventory: expected abatement, and the realized abatement
the observed emissions support, attributed so that it cannot over-claim.

Where it sits: reports, turning the initiatives ingest/initiatives.py imported (latest version
of each, read by store/initiative_reads.py), the Scope 1 and 2 emissions of their sites and the
company's like-for-like Scope 1 + 2 (reports/series.py) into the figures of `zerotrail
initiatives` and the report. Pure: the stage reads what `needed` names and passes it in. All
emissions are market-based.

Expected abatement in a year is the initiative's expected t CO2e per year once it has started
(year >= start_year), else 0. Realized abatement in the year is attributed from observed falls:

1. What a lever can claim: the emissions of its sites it acts on (`SLICES`): refrigerants the
   fugitive emissions (Scope 1), renewable energy purchased energy (Scope 2), efficiency energy
   use (Scope 2 and fuel burnt), electrification, fuel switch and other levers all of Scope 1
   + 2 (net: an electric fleet's charging counts against the fuel it saves). Levers acting on
   Scope 3 (travel, commuting, procurement) are not measured per site and get no realized
   figure.
2. Each initiative's expected abatement is split over its sites in proportion to their
   emissions of that kind in its baseline year (the year before it started); evenly when none.
3. At each site, initiatives claiming the same kind of emissions share its observed fall from
   the earliest of their baseline years to the year (a rise is no fall): each gets its expected
   share when the fall covers them all, else the same fraction of its expected share (their
   expected shares scaled down together to the fall).
4. At each site, the sum over all its initiatives is at most the fall of the site's whole
   Scope 1 + 2 from the earliest of their baseline years; above it, all are scaled down
   together to it.
5. Over the company, the sum is at most the fall of the company's Scope 1 + 2 on the
   like-for-like series (the years recalculated for acquisitions and divestments) from the
   earliest baseline year to the year; above it, all are scaled down together to it.

So realized never exceeds expected, the fall at any site, or the company's fall. It remains an
estimate: a fall the initiatives did not cause (a cleaner grid, less activity) can be credited
to them up to their expected abatement, and an initiative that did better than expected is
credited with its expected abatement only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from zerotrail.errors import ZerotrailError

# The kinds of Scope 1 + 2 emissions at a site that levers act on.
PURCHASED_ENERGY = "purchased energy"
FUEL = "fuel"
REFRIGERANTS = "refrigerants"
OTHER_SCOPE1 = "other scope 1"
ALL_KINDS = (PURCHASED_ENERGY, FUEL, REFRIGERANTS, OTHER_SCOPE1)


@dataclass(frozen=True, slots=True)
class Slice:
    """The emissions of its sites a lever can claim a fall of."""

    name: str
    kinds: tuple[str, ...]
    label: str


_ALL = Slice("all", ALL_KINDS, "All Scope 1 + 2 emissions (market-based)")
SLICES = {
    "refrigerants": Slice(
        "refrigerants", (REFRIGERANTS,), "Refrigerant and other fugitive emissions (Scope 1)"
    ),
    "renewable_energy": Slice(
        "purchased energy",
        (PURCHASED_ENERGY,),
        "Purchased electricity and heat (Scope 2, market-based)",
    ),
    "efficiency": Slice(
        "energy use",
        (PURCHASED_ENERGY, FUEL),
        "Energy use: purchased electricity and heat (Scope 2, market-based) and fuel burnt"
        " (Scope 1)",
    ),
    "electrification": _ALL,
    "fuel_switch": _ALL,
    "other": _ALL,
}
BASIS = "market-based"

# (site -> kind -> t CO2e) of a year; Emissions maps each year with an inventory to it (a site
# without emissions that year may be absent).
SiteKinds = Mapping[str, Mapping[str, float]]
Emissions = Mapping[int, SiteKinds]


def sites_of(text: str) -> tuple[str, ...]:
    """An initiative's sites as stored (";"-separated) as a tuple."""
    return tuple(s for s in text.split(";") if s)


def kind_of(scope: int, activity: str) -> str:
    """The kind of a Scope 1 or 2 activity's emissions (`ALL_KINDS`)."""
    if scope == 2:
        return PURCHASED_ENERGY
    if activity.startswith("fugitive."):
        return REFRIGERANTS
    if activity.startswith(("stationary_combustion.", "mobile_combustion.")):
        return FUEL
    return OTHER_SCOPE1


def site_kinds(rows: Iterable[tuple[str, int, str, float]]) -> dict[str, dict[str, float]]:
    """(site, scope, activity, t) rows (store/initiative_reads.py) as site -> kind -> t."""
    out: dict[str, dict[str, float]] = {}
    for site, scope, activity, t in rows:
        kinds = out.setdefault(site, {})
        k = kind_of(scope, activity)
        kinds[k] = kinds.get(k, 0.0) + t
    return out


def _measurable(row: Mapping[str, Any], year: int) -> bool:
    """Whether the initiative's realized abatement in `year` is measured at its sites, data
    permitting (`_why_not` gives the reason when it is not)."""
    return (
        int(row["start_year"]) <= year
        and str(row["lever"]) in SLICES
        and bool(sites_of(str(row["sites"])))
    )


def needed(year: int, rows: Sequence[Mapping[str, Any]]) -> tuple[set[str], set[int]]:
    """The sites and years whose emissions `attribute(year, rows, ...)` needs."""
    measured = [r for r in rows if _measurable(r, year)]
    if not measured:
        return set(), set()
    sites = {s for r in measured for s in sites_of(str(r["sites"]))}
    return sites, {int(r["start_year"]) - 1 for r in measured} | {year}


def _amount(emissions: Emissions, year: int, site: str, kinds: Sequence[str]) -> float:
    at = emissions[year].get(site, {})
    return sum(at.get(k, 0.0) for k in kinds)


@dataclass(slots=True)
class _Share:
    """One initiative at one of its sites."""

    initiative: str
    site: str
    slice: Slice
    baseline_year: int
    expected_t: float
    attributed_t: float = 0.0
    slice_from_year: int = 0
    slice_fall_t: float = 0.0


def _why_not(row: Mapping[str, Any], year: int, emissions: Emissions) -> str | None:
    """Why an initiative has no realized figure in `year`; None when it has one."""
    start = int(row["start_year"])
    if year < start:
        return f"starts in {start}"
    if str(row["lever"]) not in SLICES:
        return "acts on Scope 3 emissions, which are not measured per site"
    if not sites_of(str(row["sites"])):
        return "names no sites"
    for y in (start - 1, year):
        if y not in emissions:
            return f"no inventory for {y}"
    return None


def _split(row: Mapping[str, Any], emissions: Emissions) -> list[_Share]:
    """Step 2: the initiative's expected abatement over its sites."""
    sl = SLICES[str(row["lever"])]
    sites = sites_of(str(row["sites"]))
    by = int(row["start_year"]) - 1
    weights = [max(0.0, _amount(emissions, by, s, sl.kinds)) for s in sites]
    whole = sum(weights)
    expected = float(row["expected_t_per_year"])
    return [
        _Share(
            str(row["initiative_id"]),
            s,
            sl,
            by,
            expected * (w / whole if whole > 0 else 1 / len(sites)),
        )
        for s, w in zip(sites, weights, strict=True)
    ]


def _scale(shares: Sequence[_Share], cap: float) -> None:
    """Scale the shares down together so that they sum to at most `cap` (>= 0)."""
    total = sum(s.attributed_t for s in shares)
    if total > cap:
        for s in shares:
            s.attributed_t *= cap / total if total > 0 else 0.0


def _groups(shares: Sequence[_Share], key: Any) -> dict[Any, list[_Share]]:
    out: dict[Any, list[_Share]] = {}
    for s in shares:
        out.setdefault(key(s), []).append(s)
    return out


def _attribute(
    year: int, shares: Sequence[_Share], emissions: Emissions, company: Mapping[int, float]
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Steps 3-5 on the shares, in place; the sites' and the company's falls."""
    for (site, _), pool in _groups(shares, lambda s: (s.site, s.slice.name)).items():
        kinds = pool[0].slice.kinds
        start = min(s.baseline_year for s in pool)
        fall = max(
            0.0,
            _amount(emissions, start, site, kinds) - _amount(emissions, year, site, kinds),
        )
        wanted = sum(s.expected_t for s in pool)
        ratio = min(1.0, fall / wanted) if wanted > 0 else 0.0
        for s in pool:
            s.attributed_t = s.expected_t * ratio
            s.slice_from_year, s.slice_fall_t = start, fall
    sites = []
    for site, at in sorted(_groups(shares, lambda s: s.site).items()):
        start = min(s.baseline_year for s in at)
        then = _amount(emissions, start, site, ALL_KINDS)
        now = _amount(emissions, year, site, ALL_KINDS)
        fall = max(0.0, then - now)
        _scale(at, fall)
        sites.append(
            {
                "site": site,
                "from_year": start,
                "from_t": then,
                "t": now,
                "fall_t": fall,
                "initiatives": sorted({s.initiative for s in at}),
            }
        )
    if not shares:
        return sites, None
    start = min(s.baseline_year for s in shares)
    if start not in company or year not in company:
        raise ZerotrailError(f"no Scope 1 + 2 figure of the company for {start} or {year}")
    fall = max(0.0, company[start] - company[year])
    wanted = sum(s.attributed_t for s in shares)
    _scale(shares, fall)
    for row in sites:
        row["attributed_t"] = sum(s.attributed_t for s in shares if s.site == row["site"])
    return sites, {
        "from_year": start,
        "to_year": year,
        "from_t": company[start],
        "t": company[year],
        "fall_t": fall,
        "attributed_t": sum(s.attributed_t for s in shares),
        "scaled_down": wanted > fall,
    }


def attribute(
    year: int,
    rows: Sequence[Mapping[str, Any]],
    emissions: Emissions,
    company: Mapping[int, float],
) -> dict[str, Any]:
    """The latest version of each initiative (`rows`) with its expected and realized abatement
    in `year` (module docstring), the falls at their sites and over the company.

    `emissions` holds the sites and years `needed` names, for each year with an inventory;
    `company` the company's Scope 1 + 2 per year on the like-for-like series."""
    shares: list[_Share] = []
    why: dict[str, str | None] = {}
    for row in rows:
        iid = str(row["initiative_id"])
        why[iid] = _why_not(row, year, emissions)
        if why[iid] is None:
            shares.extend(_split(row, emissions))
    sites, total = _attribute(year, shares, emissions, company)
    out = []
    for row in rows:
        iid = str(row["initiative_id"])
        mine = [s for s in shares if s.initiative == iid]
        start = int(row["start_year"])
        expected = float(row["expected_t_per_year"]) if year >= start else 0.0
        realized = sum(s.attributed_t for s in mine) if why[iid] is None else None
        sl = SLICES.get(str(row["lever"]))
        sites_named = sites_of(str(row["sites"]))
        baseline = None
        if sl is not None and sites_named and start - 1 in emissions:
            baseline = sum(_amount(emissions, start - 1, s, sl.kinds) for s in sites_named)
        out.append(
            {
                "initiative_id": row["initiative_id"],
                "version": int(row["version"]),
                "name": row["name"],
                "owner": row["owner"],
                "lever": row["lever"],
                "sites": list(sites_named),
                "start_year": start,
                "expected_t": expected,
                "realized_t": realized,
                "realized_pct": (
                    100.0 * realized / expected if realized is not None and expected else None
                ),
                "not_measured": why[iid],
                "claims": None if sl is None else sl.label,
                "baseline_year": start - 1,
                "baseline_t": baseline,
                "by_site": [
                    {
                        "site": s.site,
                        "expected_t": s.expected_t,
                        "attributed_t": s.attributed_t,
                        "from_year": s.slice_from_year,
                        "fall_t": s.slice_fall_t,
                    }
                    for s in mine
                ],
                "cost": None if row["cost"] is None else float(row["cost"]),
                "currency": row["currency"],
            }
        )
    measured = [r for r in out if r["realized_t"] is not None]
    totals = {
        "expected_t": sum(r["expected_t"] for r in out),
        "measured_expected_t": sum(r["expected_t"] for r in measured),
        "realized_t": sum(r["realized_t"] for r in measured),
    }
    return {
        "year": year,
        "basis": BASIS,
        "rows": out,
        "totals": totals,
        "sites": sites,
        "company": total,
    }


def versions(initiative_id: str, rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every stored version of one initiative (`rows`, oldest first), sites as a list."""
    if not rows:
        raise ZerotrailError(f"no initiative {initiative_id!r}")
    return [{**r, "sites": list(sites_of(str(r["sites"])))} for r in rows]
