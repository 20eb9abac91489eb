"""The fuel-and-energy stage: Scope 3 category 3 records derived from the fuel and energy records.

    derive_fuel_energy(ws, years, factor_region=None)   derive, import, report what was done

Category 3 (fuel- and energy-related activities, GHG Protocol Scope 3 Standard) counts what the
Scope 1 and Scope 2 figures leave out of the fuel and energy a company buys: the well-to-tank
emissions of the fuels it burns (extraction, refining, transport), and for grid electricity the
upstream emissions of the fuels burnt to generate it and the generation lost in transmission and
distribution. Its activity data is the Scope 1 fuel and Scope 2 energy records themselves, so
this stage derives one category-3 record per source record and part (`parts_of`):

    stationary_combustion.F, mobile_combustion.F[.X]  ->  fuel_energy.wtt.F            (~wtt)
    electricity.grid      ->  fuel_energy.wtt.electricity  upstream of generation     (~wtt)
                              fuel_energy.td_losses        generation lost in T&D     (~td)
                              fuel_energy.wtt.td_losses    upstream of the lost part  (~wtt-td)
    steam.*, heat.*, cooling.*  ->  fuel_energy.wtt.steam|heat|cooling                (~wtt)

Each derived record keeps its source's entity, site, period, quantity, unit, heating-value basis
and region, and is imported as an ordinary activity import (committed to the ledger like any
other record), so the engine calculates it with its normal factor selection, consolidation and
flags: there is no second calculation. The record id is the source's id plus the suffix above.
Records at sites the company does not control (leased data centres, whose electricity the
engine counts in category 8) are derived too: their generation is in category 8, but their
upstream emissions and losses are counted nowhere else.

Where a record's region and its parents have no factor for the derived key (the shipped library
has category-3 factors for the UK only: DESNZ), `factor_region` names the region whose published
factors it pins instead: the factor the engine itself would choose for a record of that region
with the same key, unit, heating-value basis and start date (engine/resolve.py, run here on the
workspace's engine). The engine flags such a record `pinned_other_region`, so the report shows
how much rests on another region's factors. Without `factor_region`, or when that region has no
factor either, the record is not derived and the stage says why.

Deriving again after the source records changed gives derived records with new content, stored
as new versions (the old ones are kept); a derived record whose source no longer derives it is
withdrawn with a new version of quantity 0. Nothing is calculated here: run the year's
calculation of each year after this stage.
"""

from __future__ import annotations

import csv
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from zerotrail.engine.inputs import (
    Conversions,
    FactorUnit,
    conversions,
    record_region,
    region_lineage,
    units_digest,
)
from zerotrail.engine.resolve import (
    KEY_SCHEMA,
    RESOLVE_KEYS,
    conversion_table,
    factor_heads,
    lineage_table,
    resolve,
)
from zerotrail.errors import ZerotrailError
from zerotrail.ingest.formats import ACTIVITIES
from zerotrail.ingest.imports import ImportReport
from zerotrail.model.regions import region_problem
from zerotrail.pipeline.imports import import_activities
from zerotrail.store.calculation_inputs import factor_units, site_regions
from zerotrail.store.database import Workspace
from zerotrail.store.energy_records import derived_records, energy_records, keys_with_factors
from zerotrail.store.unit_conversions import known_conversions

__all__ = ["FAMILIES", "FuelEnergy", "Part", "Skipped", "derive_fuel_energy", "parts_of"]

# The key families whose records are a company's own fuel and energy use.
FAMILIES = ("stationary_combustion", "mobile_combustion", "electricity", "steam", "heat", "cooling")
GRID = "electricity.grid"
DERIVED_FAMILY = "fuel_energy"


@dataclass(frozen=True, slots=True)
class Part:
    """One category-3 record a source record gives."""

    suffix: str  # appended to the source's record id
    key: str  # the derived record's activity key
    what: str  # what it counts, in words (the derived record's note)


_ELECTRICITY = (
    Part(
        "~wtt",
        "fuel_energy.wtt.electricity",
        "upstream emissions of the fuels burnt to generate the electricity",
    ),
    Part(
        "~td",
        "fuel_energy.td_losses",
        "generation of the electricity lost in transmission and distribution",
    ),
    Part(
        "~wtt-td",
        "fuel_energy.wtt.td_losses",
        "upstream emissions of the fuels for the electricity lost in transmission and distribution",
    ),
)
SUFFIXES = tuple(dict.fromkeys(p.suffix for p in _ELECTRICITY))

# Why a record of a FAMILIES key gives no part (electricity other than the grid's: a residual
# mix or another variant of a grid factor, whose losses and upstream are not defined here).
NO_RULE = "only grid electricity, fuels burnt and purchased heat, steam and cooling are derived"


def parts_of(activity: str) -> tuple[Part, ...]:
    """The category-3 parts of a source record's key (the module docstring's table)."""
    family, _, rest = activity.partition(".")
    if activity == GRID:
        return _ELECTRICITY
    if family in ("stationary_combustion", "mobile_combustion") and rest:
        fuel = rest.split(".")[0]  # mobile keys may name a vehicle after the fuel
        return (
            Part(
                "~wtt",
                f"fuel_energy.wtt.{fuel}",
                "well-to-tank emissions of the fuel (extraction, refining and transport)",
            ),
        )
    if family in ("steam", "heat", "cooling") and rest:
        return (
            Part("~wtt", f"fuel_energy.wtt.{family}", f"upstream emissions of the {family} bought"),
        )
    return ()


@dataclass(frozen=True, slots=True)
class Skipped:
    """Source records of one key and unit that gave no derived record for one reason."""

    activity: str
    unit: str
    records: int
    reason: str


@dataclass(frozen=True, slots=True)
class FuelEnergy:
    """What the stage did for the years."""

    years: tuple[int, ...]
    sources: int  # fuel and energy records of the years read
    derived: dict[str, int]  # derived key -> records
    pinned: int  # derived records pinning a factor of `factor_region`
    factor_region: str | None
    skipped: tuple[Skipped, ...]
    withdrawn: int  # earlier derived records set to quantity 0
    kept: int  # earlier derived records left as they were: their factor was not found now
    imported: ImportReport | None  # None when there was nothing to import

    @property
    def records(self) -> int:
        return sum(self.derived.values())


# A key row the resolver ranks factors for: (activity, region, basis, unit, period start).
_Key = tuple[str, str, str, str, date]


def _chosen(ws: Workspace, keys: Iterable[_Key]) -> dict[_Key, str]:
    """For each key row, the factor the engine would choose for an unpinned record (its own
    resolver: engine/resolve.py), absent when none fits."""
    import ibis

    wanted = sorted(set(keys))
    if not wanted:
        return {}
    activities = sorted({k[0] for k in wanted})
    funits = [FactorUnit(*r) for r in factor_units(ws, activities)]
    convert = Conversions(known_conversions(ws, units_digest()))
    conv_rows = conversions({(k[0], k[3]) for k in wanted}, funits, convert)
    if not conv_rows:
        return {}
    conv = conversion_table(conv_rows)
    key_rows = ibis.memtable(
        [dict(zip(RESOLVE_KEYS, (a, r, b, u, d, "", ""), strict=True)) for a, r, b, u, d in wanted],
        schema=KEY_SCHEMA,
    )
    lin = lineage_table(region_lineage(k[1] for k in wanted if k[1]))
    be = ws.ibis()
    stored = be.table("factors")
    heads = factor_heads(stored.filter(stored.activity.isin(activities)))
    # Nearest edition (not strict): a pin is used whatever the run's factor policy.
    chosen = resolve(key_rows, heads, conv, lin, False)
    out = {}
    for row in be.to_pyarrow(chosen.select(*RESOLVE_KEYS, "factor_id")).to_pylist():
        key = (row["activity"], row["eff_region"], row["rec_basis"], row["unit"])
        out[(*key, row["period_start"])] = str(row["factor_id"])
    return out


def _quantity(value: Any) -> str:
    """A stored quantity as the import reads it: plain decimal digits, never an exponent."""
    return format(Decimal(repr(float(value))), "f")


def _csv_row(record: Mapping[str, Any], **changes: Any) -> dict[str, str]:
    r = {**record, **changes}
    row = {name: "" for name in ACTIVITIES.names}
    for name in ("record_id", "entity", "activity", "unit", "heat_basis", "region", "site"):
        row[name] = str(r.get(name) or "")
    for name in ("factor_id", "evidence", "note"):
        row[name] = str(r.get(name) or "")
    row["period_start"] = r["period_start"].isoformat()
    row["period_end"] = r["period_end"].isoformat()
    row["quantity"] = _quantity(r["quantity"])
    return row


def _derived(source: Mapping[str, Any], part: Part, pin: str) -> dict[str, str]:
    return _csv_row(
        source,
        record_id=f"{source['record_id']}{part.suffix}",
        activity=part.key,
        factor_id=pin,
        note=(
            f"Scope 3 category 3, derived from record {source['record_id']}"
            f" ({source['activity']}): {part.what}"
        ),
    )


def _withdrawn(record: Mapping[str, Any]) -> dict[str, str]:
    return _csv_row(
        record,
        quantity=0,
        note="withdrawn: its source record no longer gives this category-3 record",
    )


class _Skips:
    """Source records that gave no derived record, by key, unit and reason; a missing factor
    is one reason for every region it is missing in (named together)."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, str, str]] = Counter()
        self.regions: dict[tuple[str, str, str], set[str]] = {}

    def add(self, source: Mapping[str, Any], reason: str, region: str | None = None) -> None:
        k = (str(source["activity"]), str(source["unit"]), reason)
        self.counts[k] += 1
        if region:
            self.regions.setdefault(k, set()).add(region)

    def listed(self) -> tuple[Skipped, ...]:
        out = []
        for (activity, unit, reason), n in sorted(self.counts.items()):
            places = self.regions.get((activity, unit, reason))
            text = reason.format(regions=", ".join(sorted(places))) if places else reason
            out.append(Skipped(activity, unit, n, text))
        return tuple(out)


def _plan(
    ws: Workspace, sources: Sequence[Mapping[str, Any]], skips: _Skips
) -> list[tuple[Mapping[str, Any], Part, _Key]]:
    """Each (source, part) that may be derived, with the key row its factor is chosen for."""
    known = keys_with_factors(ws, sorted({p.key for s in sources for p in parts_of(s["activity"])}))
    sites = site_regions(ws)
    planned = []
    for s in sources:
        parts = parts_of(str(s["activity"]))
        if not parts:
            skips.add(s, NO_RULE)
            continue
        place = record_region(
            str(s["region"] or ""), sites.get(s["site"] or ""), str(s["heat_basis"] or "")
        )
        for p in parts:
            if p.key not in known:
                skips.add(s, f"no factor for {p.key} in the workspace")
            elif not place.region:
                skips.add(s, "the record has no region and no site")
            else:
                key = (p.key, place.region, place.heat_basis, str(s["unit"]), s["period_start"])
                planned.append((s, p, key))
    return planned


def derive_fuel_energy(
    ws: Workspace, years: Iterable[int], factor_region: str | None = None
) -> FuelEnergy:
    """Derive the years' category-3 records from their fuel and energy records and import them
    in one import (see the module docstring). ZerotrailError, nothing written, for no year, an
    unknown `factor_region` or no fuel or energy record in the years; DataError, nothing
    written, when the import refuses the derived records."""
    chosen_years = tuple(sorted(set(years)))
    if not chosen_years:
        raise ZerotrailError("no year to derive category 3 records for: give --year")
    if factor_region is not None:
        why = region_problem(factor_region)
        if why is not None:
            raise ZerotrailError(f"--factor-region: {why}")
    sources = energy_records(ws, chosen_years, FAMILIES)
    if not sources:
        raise ZerotrailError(
            f"no fuel or energy record in {', '.join(str(y) for y in chosen_years)} (keys of"
            f" {', '.join(FAMILIES)}): nothing to derive category 3 records from"
        )
    skips = _Skips()
    planned = _plan(ws, sources, skips)
    # One resolution for both places a factor may come from: compiling the resolver's
    # expression costs about a second, running it on a few thousand keys next to nothing.
    chosen = _chosen(
        ws,
        [k for _, _, k in planned]
        + ([_elsewhere(k, factor_region) for _, _, k in planned] if factor_region else []),
    )
    missing = "no factor for {key} ({unit}) in {{regions}} or their parent regions" + (
        f", nor in {factor_region}"
        if factor_region
        else " (--factor-region names a region whose factors to use)"
    )
    rows: list[dict[str, str]] = []
    derived: Counter[str] = Counter()
    pinned = 0
    for s, p, key in planned:
        if key in chosen:
            pin = ""  # the engine finds it in the record's own region or a parent
        elif factor_region and _elsewhere(key, factor_region) in chosen:
            pin = chosen[_elsewhere(key, factor_region)]
            pinned += 1
        else:
            skips.add(s, missing.format(key=p.key, unit=s["unit"]), key[1])
            continue
        derived[p.key] += 1
        rows.append(_derived(s, p, pin))
    # Withdrawn: earlier derived records (not derived again now) whose source no longer gives
    # them: gone from these years, or now of another key. One whose source still gives it but
    # whose factor was not found this time (no --factor-region, say) is kept as it was.
    given = {
        (f"{s['record_id']}{p.suffix}", p.key) for s in sources for p in parts_of(s["activity"])
    }
    fresh = {r["record_id"] for r in rows}
    earlier = [
        r
        for r in derived_records(ws, chosen_years, DERIVED_FAMILY, SUFFIXES)
        if float(r["quantity"]) != 0.0 and r["record_id"] not in fresh
    ]
    stale = [r for r in earlier if (r["record_id"], r["activity"]) not in given]
    kept = len(earlier) - len(stale)
    rows += [_withdrawn(r) for r in stale]
    imported = _import(ws, chosen_years, rows) if rows else None
    return FuelEnergy(
        chosen_years,
        len(sources),
        dict(sorted(derived.items())),
        pinned,
        factor_region,
        skips.listed(),
        len(stale),
        kept,
        imported,
    )


def _elsewhere(key: _Key, region: str) -> _Key:
    """The same key row looked up in `region` (the record's own heating-value basis kept)."""
    return (key[0], region, *key[2:])


def _import(ws: Workspace, years: Sequence[int], rows: Sequence[dict[str, str]]) -> ImportReport:
    """Import the derived records as a file, the way a user's records are imported; a changed
    record becomes a new version (the old one is kept)."""
    with tempfile.TemporaryDirectory(prefix="zerotrail-fuel-energy-") as folder:
        span = str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}"
        path = Path(folder) / f"fuel-energy-{span}.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(ACTIVITIES.names))
            writer.writeheader()
            writer.writerows(rows)
        return import_activities(ws, path, replace=True)
