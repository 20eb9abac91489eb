"""Small derived tables the calculation joins in, computed once per run in plain Python.

Each is tiny next to the activity table (one row per entity, site, region, distinct unit pair or
gas), so computing them outside the query engine costs nothing and keeps pint and the GWP
tables out of the per-row path.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from zerotrail.engine.settings import FAMILIES
from zerotrail.errors import UnitError
from zerotrail.model.heat_basis import record_heat_basis
from zerotrail.model.regions import lineage
from zerotrail.reference.gwp import gas_weights
from zerotrail.reference.heat_basis import ncv_per_gcv
from zerotrail.units import compatible, conversion_factor


@dataclass(frozen=True, slots=True)
class EntityRow:
    entity: str
    parent: str | None
    equity_share: float  # percent
    financial_control: str  # yes / no / joint
    operational_control: bool


def consolidation_shares(
    entities: Sequence[EntityRow], approach: str
) -> dict[str, tuple[float, str | None]]:
    """Each entity's share of its emissions in the inventory, with a note when excluded.

    The share multiplies down the ownership chain: a 60%-held subsidiary of a 50%-held joint
    venture counts 30% under equity share. Under financial control, joint control is taken by
    equity share (GHG Protocol ch. 3); under the control approaches no control means 0%.
    """
    by_id = {e.entity: e for e in entities}

    def link(e: EntityRow) -> float:
        if e.parent is None:
            return 1.0  # the reporting company itself
        if approach == "equity_share":
            return e.equity_share / 100.0
        if approach == "financial_control":
            if e.financial_control == "yes":
                return 1.0
            if e.financial_control == "joint":
                return e.equity_share / 100.0
            return 0.0
        return 1.0 if e.operational_control else 0.0

    out: dict[str, tuple[float, str | None]] = {}
    for e in entities:
        share, cur, hops = 1.0, e, 0
        while True:
            share *= link(cur)
            if cur.parent is None or hops > len(by_id):
                break
            cur, hops = by_id[cur.parent], hops + 1
        note = None
        if share == 0.0:
            note = (
                f"entity {e.entity} excluded: its share is 0 under the"
                f" {approach.replace('_', ' ')} approach"
            )
        out[e.entity] = (share, note)
    return out


def region_lineage(regions: Iterable[str]) -> list[tuple[str, str, int]]:
    """(region, ancestor, level) rows: level 0 is the region itself, then its ancestors outward
    (`model.regions.lineage`: a Chinese province's regional grid, the country, GLOBAL)."""
    rows = []
    for r in sorted(set(regions)):
        for level, anc in enumerate(lineage(r)):
            rows.append((r, anc, level))
    return rows


@dataclass(frozen=True, slots=True)
class RecordRegion:
    """Where a record's factor is looked up, and the basis of its energy quantity."""

    region: str  # '' when the record gives none and has no site: no factor fits
    site_region_used: bool  # the record's region was coarser than its site's
    heat_basis: str  # HHV or NCV (model/heat_basis.py)


def record_region(region: str, site_region: str | None, stated_basis: str) -> RecordRegion:
    """A record's effective region: its site's when it gives none or one coarser than the site's
    (an ancestor in the site region's lineage: US at a US-RFCW site), else its own.

    A region that contradicts the site's lineage is refused at import, so it does not reach the
    calculation; one that is more specific than the site's (or a record without a site) stands.
    """
    used = region
    coarser = False
    if site_region:
        if not region:
            used = site_region
        elif region != site_region and region in lineage(site_region):
            used, coarser = site_region, True
    return RecordRegion(used, coarser, record_heat_basis(stated_basis, used))


@dataclass(frozen=True, slots=True)
class FactorUnit:
    factor_id: str
    activity: str
    unit: str
    heat_content: float | None
    heat_content_unit: str | None


# A unit conversion as the calculation needs it: (whether the two units share a dimension, how
# many target units one source unit is, or None when that cannot be said).
Conversion = tuple[bool, float | None]


def pint_conversion(src: str, dst: str) -> Conversion:
    """The conversion from `src` to `dst`, worked out by `units` (pint)."""
    try:
        if not compatible(src, dst):
            return False, None
    except UnitError:
        return False, None  # a unit pint does not know converts to nothing
    try:
        return True, conversion_factor(src, dst)
    except UnitError:
        return True, None


class Conversions:
    """Unit conversions the calculation asked for, answered from `known` where it can and by
    pint otherwise; `new` holds those pint answered (for the caller to keep).

    The answers depend only on the two units and the unit definitions, so a workspace keeps
    them (store/unit_conversions.py) and a calculation whose units are all known never imports
    pint, which costs a noticeable part of a second.
    """

    def __init__(self, known: dict[tuple[str, str], Conversion] | None = None) -> None:
        self.known = dict(known or {})
        self.new: dict[tuple[str, str], Conversion] = {}

    def __call__(self, src: str, dst: str) -> Conversion:
        found = self.known.get((src, dst))
        if found is None:
            found = self.known[(src, dst)] = self.new[(src, dst)] = pint_conversion(src, dst)
        return found


def units_digest() -> str:
    """SHA-256 of what a unit conversion depends on: the unit definitions and pint's version."""
    from zerotrail import units

    text = Path(units.__file__).read_bytes() + b"\0pint " + metadata.version("pint").encode()
    return hashlib.sha256(text).hexdigest()


# (activity, unit, factor_id, multiplier, via_heat_content, per_energy, ncv_per_gcv)
ConvRow = tuple[str, str, str, float, bool, bool, float | None]


def conversions(
    pairs: Iterable[tuple[str, str]],
    factors: Iterable[FactorUnit],
    convert: Callable[[str, str], Conversion] = pint_conversion,
) -> list[ConvRow]:
    """(activity, unit, factor_id, multiplier, via_heat_content, per_energy, ncv_per_gcv) for
    every usable pairing.

    The multiplier turns one activity unit into factor units, directly when dimensions match
    or through the factor's heat content (mass or volume → energy; the heat content unit is a
    ratio such as 'mmBtu/gallon'). `per_energy` marks a direct conversion between energy
    units, where the record's heating-value basis meets the factor's: the engine then applies
    the key's fuel's NCV/GCV ratio (reference/heat_basis.py; None when the source gives none)
    if the bases differ. A path through a heat content stays on the factor's own basis. Pairs
    with no usable factor are simply absent: the resolver then reports the record as
    unresolved.
    """
    by_activity: dict[str, list[FactorUnit]] = {}
    for f in factors:
        by_activity.setdefault(f.activity, []).append(f)
    rows: list[ConvRow] = []
    for activity, unit in sorted(set(pairs)):
        ratio = ncv_per_gcv(activity)
        for f in by_activity.get(activity, ()):
            same_dimension, m = convert(unit, f.unit)
            if same_dimension:
                if m is not None:
                    energy = convert(f.unit, "MJ")[0]
                    rows.append((activity, unit, f.factor_id, m, False, energy, ratio))
            elif f.heat_content is not None and f.heat_content_unit:
                m = _through_heat(unit, f, convert)
                if m is not None:
                    rows.append((activity, unit, f.factor_id, m, True, False, ratio))
    return rows


def _through_heat(
    src: str, f: FactorUnit, convert: Callable[[str, str], Conversion]
) -> float | None:
    """Activity units per factor unit through the factor's heat content ('1 t of diesel' → TJ
    via its NCV): src → the ratio's denominator, times the heat content, → the factor's unit."""
    assert f.heat_content is not None and f.heat_content_unit
    if "/" not in f.heat_content_unit:
        return None
    num, den = (part.strip() for part in f.heat_content_unit.split("/", 1))
    to_amount, to_energy = convert(src, den)[1], convert(num, f.unit)[1]
    if to_amount is None or to_energy is None:
        return None
    return to_amount * f.heat_content * to_energy


def mwh_per_unit(
    units: Iterable[str], convert: Callable[[str, str], Conversion] = pint_conversion
) -> dict[str, float]:
    """MWh in one unit, for energy units (used for Scope 2 instrument coverage)."""
    out = {}
    for u in set(units):
        m = convert(u, "MWh")[1]
        if m is not None:
            out[u] = m
    return out


# The CH4 origins an activity can carry ("" for none); every gas gets a row for each, so the
# join on (gas, origin) always finds one where the set can weigh the gas.
ORIGINS = ("", "fossil", "non_fossil")


def gas_table(gases: Iterable[str], set_id: str, blend_rule: str) -> list[dict[str, object]]:
    """Per (gas, CH4 origin): kg of each Kyoto family and kg CO2e by family, per kg of the gas.

    The weights are `reference.gwp.gas_weights` (tested against the published IPCC and EPA
    values), which the oracle uses too; this only lays them out as the engine's columns.
    'CO2e' (factors published only in CO2e) maps to the `unsplit` column. Gases the set has no
    value for are left out, so their factors stay unresolved rather than silently zero. The
    publisher blend rule with a set other than AR5 raises GwpError at the first blend (EPA
    publishes AR5 blend values only); `calculate` refuses those settings before it gets here.
    """
    rows: list[dict[str, object]] = []
    for gas in sorted(set(gases)):
        for origin in ORIGINS:
            weights = gas_weights(gas, set_id, blend_rule, origin or None)
            if weights is None:
                continue
            row: dict[str, object] = {"gas": gas, "origin": origin, "unsplit": weights.unsplit}
            row.update({f"m_{f}": weights.mass[f.upper()] for f in FAMILIES})
            row.update({f"e_{f}": weights.co2e[f.upper()] for f in FAMILIES})
            row["flags"] = ";".join(weights.flags)
            rows.append(row)
    return rows
