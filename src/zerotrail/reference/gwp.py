"""GWP sets: the 100-year global warming potentials that turn gas masses into CO2e.

Part of `reference/`, the data shipped with the package. The calculation engine
(`engine/inputs.py` `gas_table`) and its plain-Python oracle (`engine/reference.py`) both ask
`gas_weights` once per distinct (gas, GWP set, blend rule, methane origin): one tested function
weighs gases for both, so nothing here runs per activity row and the oracle does not repeat it.
See docs/gwp.md for the sets, their sources and the rules.

Where values come from: the `globalwarmingpotentials` package (CC0, IPCC tables as data) for the
species it has, and our packaged `data/gwp.csv` for what it lacks (CO2, CH4 by origin, the
GHG Protocol AR6 column, species missing from a table). Where both have a value they must agree,
or loading the set fails: the CSV was checked against the sources, so a disagreement means one of
the two changed and a person must look. Each value records its provenance, whether gwp.csv marks
it unverified, and (GHG Protocol AR6 only) whether it is a fallback to the IPCC AR6 value.

Sets are built on first use and cached; importing this module does no work.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from importlib.resources import files
from types import MappingProxyType

from zerotrail.errors import GwpError
from zerotrail.reference.blends import Blend, Component, blend, is_blend

__all__ = [
    "BLEND_RULES",
    "CH4_ORIGINS",
    "GWP_SET_IDS",
    "BlendGwp",
    "GasCoefficients",
    "GasWeights",
    "GwpSet",
    "blend_gwp",
    "composition_gwp",
    "gas_coefficients",
    "gas_weights",
    "gwp_set",
    "require_single_set",
]

GWP_FILE = "gwp.csv"
GWP_SET_IDS: tuple[str, ...] = ("AR4", "AR5", "AR5_CCFB", "AR6", "GHGP_AR6")
CH4_ORIGINS: tuple[str, ...] = ("fossil", "non_fossil", "unspecified")
BLEND_RULES: tuple[str, ...] = ("composition", "publisher")
FAMILIES: tuple[str, ...] = ("CO2", "CH4", "N2O", "HFC", "PFC", "SF6", "NF3")

# EPA publishes blend GWPs computed with AR5 values only.
PUBLISHER_SET = "AR5"

FLAG_FALLBACK = "gwp_fallback_ar6"
FLAG_UNVERIFIED = "gwp_unverified"
FLAG_CH4_GENERIC = "ch4_origin_generic"
FLAG_PUBLISHER = "blend_publisher_value"
FLAG_PUBLISHER_DIFFERS = "blend_publisher_differs"
FLAG_PUBLISHER_FLAGGED = "blend_publisher_flagged"

# The same facts in the words the inventory's results store (gas_weights). Results have carried
# these names since the first calculation, so they are kept rather than renamed to the above;
# the dict's order is the order they are joined in a result's flags.
_RESULT_FLAGS: dict[str, str] = {
    FLAG_FALLBACK: "gwp_fallback",
    FLAG_UNVERIFIED: "gwp_unverified",
    FLAG_CH4_GENERIC: "ch4_origin_not_in_set",
    FLAG_PUBLISHER: "blend_publisher_value",
}

# Factors published only as a CO2e total name this gas: its CO2e belongs to no family.
UNSPLIT_GAS = "CO2e"

_CH4_BY_ORIGIN = {"fossil": "CH4_fossil", "non_fossil": "CH4_non_fossil"}

# Our gas_id → the package's species name. Written out rather than derived: PFCs are named by
# formula there (PFC-14 is CF4), and a reviewer can check each line against both tables.
# CO2 and methane by origin are not in the package and come from gwp.csv.
_PACKAGE_SPECIES: dict[str, str] = {
    "CH4": "CH4",
    "N2O": "N2O",
    "HFC-23": "HFC23",
    "HFC-32": "HFC32",
    "HFC-41": "HFC41",
    "HFC-125": "HFC125",
    "HFC-134": "HFC134",
    "HFC-134a": "HFC134a",
    "HFC-143": "HFC143",
    "HFC-143a": "HFC143a",
    "HFC-152": "HFC152",
    "HFC-152a": "HFC152a",
    "HFC-161": "HFC161",
    "HFC-227ea": "HFC227ea",
    "HFC-236cb": "HFC236cb",
    "HFC-236ea": "HFC236ea",
    "HFC-236fa": "HFC236fa",
    "HFC-245ca": "HFC245ca",
    "HFC-245fa": "HFC245fa",
    "HFC-365mfc": "HFC365mfc",
    "HFC-43-10mee": "HFC4310mee",
    "PFC-14": "CF4",
    "PFC-116": "C2F6",
    "PFC-218": "C3F8",
    "PFC-318": "cC4F8",
    "PFC-31-10": "C4F10",
    "PFC-41-12": "C5F12",
    "PFC-51-14": "C6F14",
    "PFC-91-18": "C10F18",
    "SF6": "SF6",
    "NF3": "NF3",
}


@dataclass(frozen=True, slots=True)
class _SetSpec:
    label: str
    source: str
    column: str  # gwp.csv column
    package_key: str | None  # table in globalwarmingpotentials.data
    fallback: str | None  # set whose value is used where the column is blank


_SPECS: dict[str, _SetSpec] = {
    "AR4": _SetSpec(
        "IPCC AR4 GWP100",
        "IPCC AR4 WG1 (2007) Table 2.14, as tabulated by the GHG Protocol (Feb 2016)",
        "gwp100_ar4",
        "AR4GWP100",
        None,
    ),
    "AR5": _SetSpec(
        "IPCC AR5 GWP100 (without climate-carbon feedback)",
        "IPCC AR5 WG1 (2013) Table 8.A.1, as tabulated by the GHG Protocol (Feb 2016); "
        "fossil CH4 from the GHG Protocol table",
        "gwp100_ar5",
        "AR5GWP100",
        None,
    ),
    "AR5_CCFB": _SetSpec(
        "IPCC AR5 GWP100 with climate-carbon feedback",
        "IPCC AR5 WG1 (2013) Table 8.7 and Table 8.SM.16",
        "gwp100_ar5_ccfb",
        "AR5CCFGWP100",
        None,
    ),
    "AR6": _SetSpec(
        "IPCC AR6 GWP100",
        "IPCC AR6 WG1 (2021) Table 7.SM.7; CH4 by origin from Table 7.15",
        "gwp100_ar6_ipcc",
        "AR6GWP100",
        None,
    ),
    "GHGP_AR6": _SetSpec(
        "GHG Protocol AR6 GWP100 (Aug 2024)",
        "GHG Protocol 'Global Warming Potential Values' (August 2024); IPCC AR6 WG1 Table "
        "7.SM.7 where the GHG Protocol table gives no separate value",
        "gwp100_ghgp_ar6_aug2024",
        None,
        "AR6",
    ),
}


@dataclass(frozen=True, slots=True)
class GwpSet:
    """One GWP set: a GWP100 per gas_id, with provenance.

    `values` holds only the gases the set has a value for; `family` covers every gas in gwp.csv
    (so "unknown gas" and "no value in this set" are told apart). `provenance` says per gas
    where the value came from. `unverified`: gases whose value gwp.csv marks unverified.
    `fallbacks`: gases whose value was taken from the fallback set (GHGP_AR6 → AR6).
    """

    set_id: str
    label: str
    source: str
    values: Mapping[str, float]
    family: Mapping[str, str]
    provenance: Mapping[str, str]
    unverified: frozenset[str]
    fallbacks: frozenset[str]

    def resolve(self, gas_id: str, ch4_origin: str | None = None) -> str:
        """The gas_id whose value `gwp(gas_id, ch4_origin)` uses.

        Methane rule: for gas "CH4", origin "fossil" selects CH4_fossil and "non_fossil"
        CH4_non_fossil; None or "unspecified" selects the generic CH4. Where the set has no
        origin-specific value (AR4 has no fossil value) the generic CH4 value is used; callers
        that need to report this check `resolve(...) == "CH4"` (gas_coefficients flags it).
        For other gases the origin is ignored, except that naming CH4_fossil with origin
        "non_fossil" (or the reverse) is a contradiction and raises GwpError.
        """
        origin = _check_origin(ch4_origin)
        if gas_id not in self.family:
            hint = "it is a refrigerant blend: use blend_gwp" if is_blend(gas_id) else "see gwp.csv"
            raise GwpError(f"unknown gas {gas_id!r} in GWP set {self.set_id} ({hint})")
        target = gas_id
        specific = _CH4_BY_ORIGIN.get(origin or "")
        if specific is not None:
            if gas_id == "CH4" and specific in self.values:
                target = specific
            elif gas_id in _CH4_BY_ORIGIN.values() and gas_id != specific:
                raise GwpError(f"gas {gas_id} contradicts methane origin {origin!r}")
        if target not in self.values:
            raise GwpError(f"GWP set {self.set_id} has no value for gas {target}")
        return target

    def gwp(self, gas_id: str, ch4_origin: str | None = None) -> float:
        """GWP100 of `gas_id` in this set (methane origin rule: see `resolve`)."""
        return self.values[self.resolve(gas_id, ch4_origin)]


@dataclass(frozen=True, slots=True)
class BlendGwp:
    """A blend's GWP under one set and rule, with both values kept.

    `publisher_value` is EPA's published blend GWP, present only for AR5 (the set EPA used).
    Flag "blend_publisher_differs" marks blends where it is not the composition value rounded
    to an integer.
    """

    value: float
    rule_used: str
    flags: tuple[str, ...]
    composition_value: float
    publisher_value: float | None


@dataclass(frozen=True, slots=True)
class GasCoefficients:
    """What one kg of a gas or blend means for the inventory.

    `co2e_per_kg` is kg CO2e per kg; the family fields are kg of Kyoto gas of that family per kg
    (1.0 in one field for a single species; the mass split for a blend); `non_kyoto_per_kg` is
    the HCFC/hydrocarbon share of a blend, which carries no Kyoto CO2e.
    """

    co2e_per_kg: float
    co2: float = 0.0
    ch4: float = 0.0
    n2o: float = 0.0
    hfc: float = 0.0
    pfc: float = 0.0
    sf6: float = 0.0
    nf3: float = 0.0
    non_kyoto_per_kg: float = 0.0
    flags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class GasWeights:
    """One kg of a gas as the inventory's results split it, family by family.

    `mass[family]` is kg of Kyoto gas of that family per kg and `co2e[family]` the kg CO2e that
    family contributes per kg (keys: FAMILIES, "CO2" … "NF3"); `unsplit` is kg CO2e per kg that
    belongs to no family (1.0 for "CO2e", else 0.0). `flags` are in the results' words, in the
    order a result joins them (see `gas_weights`).
    """

    mass: Mapping[str, float]
    co2e: Mapping[str, float]
    unsplit: float
    flags: tuple[str, ...]


@cache
def gwp_set(set_id: str) -> GwpSet:
    """The GWP set `set_id` (one of GWP_SET_IDS), built on first use and cached."""
    spec = _SPECS.get(set_id)
    if spec is None:
        raise GwpError(f"unknown GWP set {set_id!r}; known: {', '.join(GWP_SET_IDS)}")
    base = gwp_set(spec.fallback) if spec.fallback else None
    package, package_label = _package_table(spec.package_key)
    values: dict[str, float] = {}
    family: dict[str, str] = {}
    provenance: dict[str, str] = {}
    unverified: set[str] = set()
    fallbacks: set[str] = set()
    for row in _gwp_rows():
        gas = row["gas_id"]
        family[gas] = row["gas_family"]
        cell = row[spec.column].strip()
        from_csv = float(cell) if cell else None
        species = _PACKAGE_SPECIES.get(gas)
        from_package = package.get(species) if species else None
        if from_package is not None and from_csv is not None and from_package != from_csv:
            raise GwpError(
                f"GWP set {set_id}: {package_label} gives {from_package} for {gas} but "
                f"{GWP_FILE} column {spec.column} gives {from_csv}; resolve before use"
            )
        if from_package is not None:
            values[gas] = from_package
            provenance[gas] = f"{package_label} {species}"
        elif from_csv is not None:
            values[gas] = from_csv
            provenance[gas] = f"{GWP_FILE} {spec.column}"
        elif base is not None and gas in base.values:
            values[gas] = base.values[gas]
            provenance[gas] = f"fallback to {base.set_id}: {base.provenance[gas]}"
            fallbacks.add(gas)
            if gas in base.unverified:
                unverified.add(gas)
            continue
        else:
            continue
        if spec.column in _unverified_columns(row):
            unverified.add(gas)
    return GwpSet(
        set_id=set_id,
        label=spec.label,
        source=spec.source,
        values=MappingProxyType(values),
        family=MappingProxyType(family),
        provenance=MappingProxyType(provenance),
        unverified=frozenset(unverified),
        fallbacks=frozenset(fallbacks),
    )


def composition_gwp(components: Iterable[Component], gwp: GwpSet) -> float:
    """Σ mass_fraction × GWP over the Kyoto (HFC/PFC) components; other components add 0."""
    return math.fsum(c.mass_fraction * _component_gwp(c, gwp) for c in components if c.kyoto)


def blend_gwp(blend_id: str, set_id: str, rule: str = "composition") -> BlendGwp:
    """GWP of a refrigerant blend under `set_id`.

    rule "composition": mass-weighted GWPs of the Kyoto components (any set).
    rule "publisher": EPA's published blend GWP, which exists only for AR5; for any other set
    this raises GwpError rather than silently mixing AR5 into another set's inventory.
    """
    _check_rule(rule)
    record = blend(blend_id)
    gwp = gwp_set(set_id)
    composition = composition_gwp(record.components, gwp)
    publisher = record.epa_published_ar5_gwp if set_id == PUBLISHER_SET else None
    flags: set[str] = set()
    # EPA rounds to integers, so a published value within 0.5 of ours is the same number.
    if publisher is not None and abs(publisher - composition) > 0.5 + 1e-9:
        flags.add(FLAG_PUBLISHER_DIFFERS)
    if rule == "publisher":
        value = _published_value(record, set_id)
        flags.add(FLAG_PUBLISHER)
        if record.epa_flag:
            flags.add(FLAG_PUBLISHER_FLAGGED)
    else:
        for c in record.components:
            if c.kyoto:
                flags.update(_value_flags(gwp, c.gas))
        value = composition
    return BlendGwp(value, rule, tuple(sorted(flags)), composition, publisher)


def gas_coefficients(
    gas_id: str,
    set_id: str,
    blend_rule: str = "composition",
    ch4_origin: str | None = None,
) -> GasCoefficients:
    """CO2e and Kyoto mass by family per kg of `gas_id` (a gwp.csv gas or a blend id)."""
    _check_rule(blend_rule)
    gwp = gwp_set(set_id)
    if is_blend(gas_id):
        _check_origin(ch4_origin)
        record = blend(gas_id)
        result = blend_gwp(gas_id, set_id, blend_rule)
        masses, _ = _blend_split(record, gwp)
        return _coefficients(
            result.value, masses, record.non_kyoto_mass_fraction, set(result.flags)
        )
    resolved = gwp.resolve(gas_id, ch4_origin)
    masses = dict.fromkeys(FAMILIES, 0.0)
    masses[gwp.family[resolved]] = 1.0
    flags = _species_flags(gwp, gas_id, resolved, ch4_origin)
    return _coefficients(gwp.values[resolved], masses, 0.0, flags)


def gas_weights(
    gas_id: str,
    set_id: str,
    blend_rule: str = "composition",
    ch4_origin: str | None = None,
) -> GasWeights | None:
    """Kyoto mass and CO2e by family per kg of `gas_id`, as the inventory's results split them.

    `gas_id` is a gwp.csv gas, a blend id, or "CO2e" (all of it unsplit). None when the set
    cannot weigh the gas (not a gwp.csv gas or a blend, no value in this set, or a methane gas
    that contradicts `ch4_origin`), so that a factor with that gas stays unresolved rather than
    counting as zero.

    A single gas puts 1 kg and its GWP in its family. A blend puts each Kyoto component's mass
    fraction, and that fraction times the component's GWP, in the component's family (rule
    "composition"); rule "publisher" keeps that split and scales it to EPA's published total,
    which exists for AR5 only (GwpError for another set, as `blend_gwp`; the calculation refuses
    that combination before it weighs anything).

    Flags, joined in this order: "gwp_fallback" (a single gas's GHGP_AR6 value is the AR6 one),
    "gwp_unverified" (a single gas's value is marked unverified), "ch4_origin_not_in_set" (CH4
    with an origin the set has no value for: generic CH4 used), "blend_publisher_value". A blend
    under "composition" carries none, even where a component's value is a fallback or
    unverified (`gas_coefficients` says so): that is what results have stored from the start.
    """
    _check_rule(blend_rule)
    _check_origin(ch4_origin)
    gwp = gwp_set(set_id)
    if gas_id == UNSPLIT_GAS:
        none = dict.fromkeys(FAMILIES, 0.0)
        return _weights(none, none, 1.0, set())
    if is_blend(gas_id):
        record = blend(gas_id)
        masses, co2e = _blend_split(record, gwp)
        if blend_rule == "composition":
            return _weights(masses, co2e, 0.0, set())
        published = _published_value(record, set_id)
        total = sum(co2e.values())
        scale = published / total if total else 0.0
        scaled = {family: value * scale for family, value in co2e.items()}
        return _weights(masses, scaled, 0.0, {FLAG_PUBLISHER})
    if gas_id not in gwp.family:
        return None
    try:
        resolved = gwp.resolve(gas_id, ch4_origin)
    except GwpError:
        return None
    masses = dict.fromkeys(FAMILIES, 0.0)
    co2e = dict.fromkeys(FAMILIES, 0.0)
    family = gwp.family[resolved]
    masses[family] = 1.0
    co2e[family] = gwp.values[resolved]
    return _weights(masses, co2e, 0.0, _species_flags(gwp, gas_id, resolved, ch4_origin))


def require_single_set(set_ids: Iterable[str]) -> str:
    """The one GWP set used by an inventory; GwpError if none, several, or unknown."""
    distinct = sorted(set(set_ids))
    if not distinct:
        raise GwpError("an inventory uses one GWP set; none was given")
    if len(distinct) > 1:
        found = ", ".join(distinct[:-1]) + " and " + distinct[-1]
        raise GwpError(f"an inventory uses one GWP set; found {found}")
    (only,) = distinct
    if only not in _SPECS:
        raise GwpError(f"unknown GWP set {only!r}; known: {', '.join(GWP_SET_IDS)}")
    return only


def _coefficients(
    co2e: float, masses: Mapping[str, float], non_kyoto: float, flags: set[str]
) -> GasCoefficients:
    return GasCoefficients(
        co2e_per_kg=co2e,
        co2=masses["CO2"],
        ch4=masses["CH4"],
        n2o=masses["N2O"],
        hfc=masses["HFC"],
        pfc=masses["PFC"],
        sf6=masses["SF6"],
        nf3=masses["NF3"],
        non_kyoto_per_kg=non_kyoto,
        flags=tuple(sorted(flags)),
    )


def _weights(
    masses: Mapping[str, float], co2e: Mapping[str, float], unsplit: float, flags: set[str]
) -> GasWeights:
    return GasWeights(
        mass=MappingProxyType(dict(masses)),
        co2e=MappingProxyType(dict(co2e)),
        unsplit=unsplit,
        flags=tuple(name for flag, name in _RESULT_FLAGS.items() if flag in flags),
    )


def _blend_split(record: Blend, gwp: GwpSet) -> tuple[dict[str, float], dict[str, float]]:
    """Per family: the blend's Kyoto mass per kg, and mass fraction × GWP summed in file order.

    HCFCs and hydrocarbons are in neither: they carry no Kyoto CO2e.
    """
    masses = dict.fromkeys(FAMILIES, 0.0)
    co2e = dict.fromkeys(FAMILIES, 0.0)
    for c in record.components:
        if c.kyoto:
            masses[c.family] += c.mass_fraction
            co2e[c.family] += c.mass_fraction * _component_gwp(c, gwp)
    return masses, co2e


def _published_value(record: Blend, set_id: str) -> float:
    """EPA's published blend GWP, computed with AR5 values; GwpError under any other set rather
    than mixing AR5 into another set's inventory."""
    if set_id != PUBLISHER_SET:
        raise GwpError(
            f"blend rule 'publisher' needs GWP set {PUBLISHER_SET} (EPA publishes AR5 blend "
            f"GWPs only); GWP set {set_id} has no published value for {record.blend_id}"
        )
    return record.epa_published_ar5_gwp


def _species_flags(gwp: GwpSet, gas_id: str, resolved: str, ch4_origin: str | None) -> set[str]:
    """Flags of one gas's value: fallback, unverified, and methane origin not in the set."""
    flags = _value_flags(gwp, resolved)
    if gas_id == "CH4" and ch4_origin in _CH4_BY_ORIGIN and resolved == "CH4":
        flags.add(FLAG_CH4_GENERIC)
    return flags


def _component_gwp(component: Component, gwp: GwpSet) -> float:
    value = gwp.gwp(component.gas)
    # The blend table and gwp.csv are separate transcriptions; a family mismatch would put the
    # component's mass in the wrong Kyoto column, so refuse it.
    if gwp.family[component.gas] != component.family:
        raise GwpError(
            f"blend component {component.gas} is {component.family} in the blend table but "
            f"{gwp.family[component.gas]} in {GWP_FILE}"
        )
    return value


def _value_flags(gwp: GwpSet, gas_id: str) -> set[str]:
    flags = set()
    if gas_id in gwp.fallbacks:
        flags.add(FLAG_FALLBACK)
    if gas_id in gwp.unverified:
        flags.add(FLAG_UNVERIFIED)
    return flags


def _check_origin(ch4_origin: str | None) -> str | None:
    if ch4_origin is not None and ch4_origin not in CH4_ORIGINS:
        raise GwpError(f"unknown methane origin {ch4_origin!r}; use one of {CH4_ORIGINS}")
    return ch4_origin


def _check_rule(rule: str) -> None:
    if rule not in BLEND_RULES:
        raise GwpError(f"unknown blend rule {rule!r}; use one of {BLEND_RULES}")


def _unverified_columns(row: Mapping[str, str]) -> set[str]:
    return {name for name in re.split(r"[;,\s]+", row["unverified_columns"]) if name}


def _package_table(key: str | None) -> tuple[Mapping[str, float], str]:
    if key is None:
        return {}, ""
    # Imported here, not at module top, to keep importing zerotrail free of work.
    import globalwarmingpotentials

    table: Mapping[str, float] = globalwarmingpotentials.data[key]
    version = metadata.version("globalwarmingpotentials")
    return table, f"globalwarmingpotentials {version} {key}"


@cache
def _gwp_rows() -> tuple[dict[str, str], ...]:
    text = files("zerotrail").joinpath("reference/data", GWP_FILE).read_text(encoding="utf-8")
    rows = tuple(csv.DictReader(io.StringIO(text)))
    seen: set[str] = set()
    for row in rows:
        gas = row["gas_id"]
        if gas in seen or row["gas_family"] not in FAMILIES:
            raise GwpError(f"{GWP_FILE}: gas {gas!r} is duplicated or has an unknown family")
        seen.add(gas)
    return rows
