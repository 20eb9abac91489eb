"""Energy figures: renewable share by site kind, and data centres (PUE, cooling, renewables).

Where it sits: reports, turning values read by store/energy_reads.py (grid electricity and the
instrument-covered renewable MWh the engine matched in market and period, from the `results` of
a year's current run; the meter readings and cooling history imported by ingest/energy.py) into
the figures of `zerotrail energy` and the report. Pure: no database, no clock.

Renewable share = (instrument-covered renewable MWh + on-site renewable MWh)
                  / (grid electricity MWh + on-site renewable MWh) × 100.
Grid MWh are as the run consolidated them (scaled by the consolidation share); on-site
generation comes from the meter readings of the site, which are whole-site figures.

PUE (power usage effectiveness) = facility energy / IT energy, summed over the readings that
carry IT energy (a reading without IT energy says nothing about the ratio).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any


def _share(renewable: float, total: float) -> float | None:
    return renewable / total * 100 if total > 0 else None


def renewable_share(
    grid: Mapping[str, tuple[float, float]], onsite: Mapping[str, float]
) -> list[dict[str, Any]]:
    """Per site kind: grid, certificate-covered and on-site renewable MWh and the share.

    `grid`: per site kind ("" without a site), the run's electricity MWh and the certificate-
    covered MWh among them; `onsite`: per site kind, the on-site renewable MWh of the year.
    """
    out = []
    # Records without a site have no kind: listed last, as None.
    for kind in sorted(grid.keys() | onsite.keys(), key=lambda k: (k == "", k)):
        grid_mwh, certificate = grid.get(kind, (0.0, 0.0))
        own = onsite.get(kind, 0.0)
        renewable, total = certificate + own, grid_mwh + own
        out.append(
            {
                "site_kind": kind or None,
                "grid_mwh": grid_mwh,
                "onsite_renewable_mwh": own,
                "certificate_mwh": certificate,
                "renewable_mwh": renewable,
                "total_mwh": total,
                "share_pct": _share(renewable, total),
            }
        )
    return out


def data_centres(
    year: int,
    sites: Sequence[tuple[str, Any, Any, Any]],
    meters: Mapping[str, tuple[float | None, float | None, float | None, float]],
    cooling: Mapping[str, Sequence[Mapping[str, str]]],
    grid: Mapping[str, tuple[float, float]] | None,
) -> list[dict[str, Any]]:
    """Each data-centre site: the year's energy, PUE, cooling and renewable share.

    `sites`: (site, name, kind, region) of the data centres; `meters`: per site, the year's
    facility MWh, IT MWh, PUE and on-site renewable MWh; `cooling`: per site, its technologies
    with their start dates, oldest first; `grid`: per site, the year's electricity and
    certificate-covered MWh, None when the year has no calculated inventory. Facility and IT
    energy are None when the site has no such reading in the year; the renewable figures are
    None without an inventory.
    """
    year_end = date(year, 12, 31).isoformat()
    out = []
    for site, name, kind, region in sites:
        facility, it, pue, own = meters.get(site, (None, None, None, 0.0))
        history = [dict(c) for c in cooling.get(site, [])]
        in_force = [c["technology"] for c in history if c["since"] <= year_end]
        grid_mwh, certificate = (grid or {}).get(site, (0.0, 0.0))
        out.append(
            {
                "site": site,
                "name": name,
                "kind": kind,
                "region": region,
                "facility_mwh": facility,
                "it_mwh": it,
                "pue": pue,
                "cooling": in_force[-1] if in_force else None,
                "cooling_history": history,
                "grid_mwh": None if grid is None else grid_mwh,
                "onsite_renewable_mwh": own,
                "certificate_mwh": None if grid is None else certificate,
                "renewable_share_pct": (
                    None if grid is None else _share(certificate + own, grid_mwh + own)
                ),
            }
        )
    return out


# --- energy consumption and mix (ESRS E1-5) ------------------------------------------------------
#
# The company's own energy: fuels burnt in Scope 1, energy bought in Scope 2 and renewable
# electricity generated on its sites, in MWh. Fuel quantities become MWh through the first of:
# the record's unit when it is an energy unit; the heat content of the factor that calculated
# the record; a heat content the factor library holds for the same fuel (under either
# combustion family), taken in a fixed order so that the choice is repeatable: the record's
# own factor set first, then its own activity key, then the newest edition (set names in
# reverse order). The heat content's basis (net or gross calorific value) is the publisher's
# and is stated per row. A fuel that no heat content converts is listed as not converted,
# outside the totals. Grid electricity is split by the run's own matching into what renewable
# instruments (PPAs and retired certificates matched in market and period) cover and the rest,
# the grid mix, whose fossil, nuclear and renewable parts the workspace does not hold: it is
# shown as such and counts as not renewable. A fuel whose combustion emitted biogenic CO2 only
# is a renewable fuel. Electricity of leased assets reported in Scope 3 (and on-site
# generation at those sites) is outside the company's own operations and shown apart.

# Combustion family -> how the report names where the fuel is burnt.
FUEL_USES = {"stationary_combustion": "burnt on site", "mobile_combustion": "vehicles"}
HEAT_BASES = {"NCV": "net calorific value", "HHV": "gross calorific value"}

# The mix's groups, in the order the report lists them.
FOSSIL, RENEWABLE, GRID_MIX = "fossil", "renewable", "grid_mix"

Convert = Callable[[str, str], float | None]

# How the MWh of energy that is not a fuel are known.
BOUGHT = "recorded in energy units"
METERED = "metered on site"


def unit_factor(src: str, dst: str) -> float | None:
    """How many `dst` in one `src`, None when the two do not convert (`units`)."""
    from zerotrail.errors import UnitError
    from zerotrail.units import compatible, conversion_factor

    try:
        return conversion_factor(src, dst) if compatible(src, dst) else None
    except UnitError:
        return None


def _through(unit: str, value: float, ratio: str, convert: Convert) -> float | None:
    """MWh in one `unit` of fuel through a heat content `value` `ratio` (e.g. 43 TJ/Gg)."""
    if "/" not in ratio:
        return None
    num, den = (part.strip() for part in ratio.split("/", 1))
    amount, energy = convert(unit, den), convert(num, "MWh")
    return None if amount is None or energy is None else amount * value * energy


def fuel_label(activity: str) -> str:
    """stationary_combustion.natural_gas -> "Natural gas, burnt on site"; a sub-key is named
    in brackets (mobile_combustion.diesel.locomotives -> "Diesel (locomotives), vehicles")."""
    family, _, rest = activity.partition(".")
    fuel, _, detail = rest.partition(".")
    name = fuel.replace("_", " ").capitalize() or activity
    if detail:
        name += f" ({detail.replace('_', ' ').replace('.', ', ')})"
    return f"{name}, {FUEL_USES.get(family, family.replace('_', ' '))}"


def _fuel(activity: str) -> str | None:
    """The fuel of a combustion key: stationary_combustion.natural_gas -> natural_gas."""
    parts = activity.split(".")
    return parts[1] if len(parts) > 1 else None


def _fuel_mwh(
    activity: str,
    unit: str,
    own: tuple[float | None, str | None, str | None, str],
    library: Sequence[tuple[str, str, str, float, str, str | None]],
    convert: Convert,
) -> tuple[float, str, str | None] | None:
    """MWh per unit of the fuel record, how it was converted and the heat content's basis."""
    direct = convert(unit, "MWh")
    if direct is not None:
        return direct, f"stated in {unit}", None
    hc, ratio, basis, set_name = own
    if hc is not None and ratio:
        m = _through(unit, hc, ratio, convert)
        if m is not None:
            return m, f"{hc:g} {ratio}, {set_name}", basis
    fuel = _fuel(activity)
    found = [h for h in library if h[0] == activity or _fuel(h[0]) == fuel]
    # Stable sorts, last key first: the record's own factor set, then its own activity key,
    # then the newest edition (set names in reverse order), then the factor id.
    found.sort(key=lambda h: h[2])
    found.sort(key=lambda h: h[1], reverse=True)
    found.sort(key=lambda h: (h[1] != set_name, h[0] != activity))
    for _, name, _, value, ratio2, basis2 in found:
        m = _through(unit, value, ratio2, convert)
        if m is not None:
            return m, f"{value:g} {ratio2}, {name}", basis2
    return None


def energy_mix(
    records: Sequence[
        tuple[
            int,
            str,
            str,
            float | None,
            str | None,
            str | None,
            str,
            float,
            float,
            float,
            float,
            float,
        ]
    ],
    library: Sequence[tuple[str, str, str, float, str, str | None]],
    onsite: Sequence[tuple[str, float, bool]],
    convert: Convert = unit_factor,
) -> dict[str, Any]:
    """The year's energy consumption by source, in MWh (see the comment above).

    `records`: store/energy_use.energy_records; `library`: its heat_contents; `onsite`: its
    onsite_generation. Every row's MWh adds up to `total_mwh`; fossil + renewable + grid mix =
    total; the renewable share is renewable / total x 100.
    """
    fuels: dict[tuple[str, str, str], dict[str, Any]] = {}
    not_converted: dict[tuple[str, str], float] = {}
    outside = {"grid_mwh": 0.0, "renewable_mwh": 0.0, "onsite_renewable_mwh": 0.0}
    grid_renewable = grid_rest = other_bought = 0.0
    for scope, activity, unit, hc, ratio, basis, set_name, q, mwh, ren, co2, bio in records:
        if scope == 3:
            outside["grid_mwh"] += mwh
            outside["renewable_mwh"] += ren
        elif scope == 2 and mwh > 0:
            grid_renewable += ren
            grid_rest += mwh - ren
        elif scope == 2:
            per = convert(unit, "MWh")
            if per is None:
                not_converted[(activity, unit)] = not_converted.get((activity, unit), 0.0) + q
            else:
                other_bought += q * per
        else:
            found = _fuel_mwh(activity, unit, (hc, ratio, basis, set_name), library, convert)
            if found is None:
                not_converted[(activity, unit)] = not_converted.get((activity, unit), 0.0) + q
                continue
            per, how, hb = found
            group = RENEWABLE if bio > 0 and co2 == 0 else FOSSIL
            row = fuels.setdefault(
                (group, activity, how),
                {
                    "group": group,
                    "source": fuel_label(activity),
                    "activity": activity,
                    "quantity": 0.0,
                    "unit": unit,
                    "mwh": 0.0,
                    "conversion": how,
                    "basis": HEAT_BASES.get(hb or "", hb),
                },
            )
            row["quantity"] += q
            row["mwh"] += q * per
    own = 0.0
    for _, v, is_outside in onsite:
        if is_outside:
            outside["onsite_renewable_mwh"] += v
        else:
            own += v
    out_rows = sorted(fuels.values(), key=lambda r: (r["group"] != FOSSIL, -r["mwh"]))
    for group, source, mwh, how in (
        (
            RENEWABLE,
            "Purchased electricity covered by renewable instruments",
            grid_renewable,
            BOUGHT,
        ),
        (RENEWABLE, "Renewable electricity generated on site", own, METERED),
        (
            GRID_MIX,
            "Purchased electricity from the grid, not covered by instruments",
            grid_rest,
            BOUGHT,
        ),
        (GRID_MIX, "Purchased heat, steam and cooling", other_bought, BOUGHT),
    ):
        if mwh > 0:
            out_rows.append(
                {
                    "group": group,
                    "source": source,
                    "activity": None,
                    "quantity": None,  # known in MWh only
                    "unit": None,
                    "mwh": mwh,
                    "conversion": how,
                    "basis": None,
                }
            )
    by = {
        g: sum((r["mwh"] for r in out_rows if r["group"] == g), 0.0)
        for g in (FOSSIL, RENEWABLE, GRID_MIX)
    }
    total = sum(by.values())
    return {
        "rows": out_rows,
        "fossil_mwh": by[FOSSIL],
        "renewable_mwh": by[RENEWABLE],
        "grid_mix_mwh": by[GRID_MIX],
        "nuclear_mwh": None,  # no record says which part of the grid mix is nuclear
        "total_mwh": total,
        "renewable_share_pct": _share(by[RENEWABLE], total),
        "not_converted": [
            {"activity": a, "quantity": q, "unit": u} for (a, u), q in sorted(not_converted.items())
        ],
        "outside": outside,
    }
