"""2006 IPCC Guidelines Tier 1 energy defaults (transcribed, unverified)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

from factor_sources.common import (
    BuildError,
    Factor,
    Rec,
    SetSpec,
    grouped,
    join,
    per_unit,
    read_csv,
    slug,
    unit_name,
)
from zerotrail.reference.factors import FactorRow

SETS: tuple[SetSpec, ...] = (
    SetSpec(
        "ipcc-2006-tier1",
        "2006 IPCC Guidelines, Tier 1 defaults (energy)",
        "Intergovernmental Panel on Climate Change",
        ("data/ipcc_2006_defaults.csv",),
        "Global default CO2, CH4 and N2O per TJ (NCV) for seven fuels, with their net calorific"
        " values; CH4/N2O for energy industries. Unverified transcription.",
        source_url="https://www.ipcc-nggip.iges.or.jp/public/2006gl/vol2.html",
    ),
)


IPCC = "ipcc-2006-tier1"
IPCC_FUELS = {
    "natural_gas": "natural_gas",
    "gas_diesel_oil": "diesel",
    "motor_gasoline": "motor_gasoline",
    "residual_fuel_oil": "residual_fuel_oil",
    "lpg": "lpg",
    "jet_kerosene": "jet_kerosene",
    "other_bituminous_coal": "bituminous_coal",
}
# Mobile keys served by the fuel-based IPCC CO2 default (the same for mobile use). Natural gas
# serves CNG and LNG vehicles; coal has no mobile key.
IPCC_MOBILE = {
    "natural_gas": ("cng", "lng"),
    "gas_diesel_oil": ("diesel",),
    "motor_gasoline": ("motor_gasoline",),
    "residual_fuel_oil": ("residual_fuel_oil",),
    "lpg": ("lpg",),
    "jet_kerosene": ("jet_kerosene",),
}
IPCC_SECTOR = "energy industries"


def build_ipcc(rows: list[Rec]) -> Iterator[FactorRow]:
    for group in grouped(rows, lambda r: r["fuel_id"]):
        fuel_id = group[0]["fuel_id"]
        ncv = one(group, lambda r: r["parameter"] == "net_calorific_value")
        co2 = one(group, lambda r: r["gas"] == "CO2")
        others = [r for r in group if r["gas"] in ("CH4", "N2O") and r["sector"] == IPCC_SECTOR]
        alternatives = [
            f"IPCC also gives {r['value']} {r['value_unit']} for {r['sector']}"
            f" ({r['ipcc_table']}); this factor uses the {IPCC_SECTOR} value."
            for r in group
            if r["gas"] in ("CH4", "N2O") and r["sector"] != IPCC_SECTOR
        ]
        energy, _, mass = ncv["value_unit"].partition(" per ")
        name = co2["ipcc_fuel_name"]
        stationary = Factor(
            IPCC,
            f"{IPCC}:stationary.{slug(fuel_id, '-')}.tj",
            f"stationary_combustion.{IPCC_FUELS[fuel_id]}",
            "GLOBAL",
            date(2006, 1, 1),
            None,
            "Scope 1",
            join(f"{name}; NCV basis; CH4 and N2O for {IPCC_SECTOR}.", *alternatives, co2["notes"]),
            float(ncv["value"]),
            f"{unit_name(energy)}/{unit_name(mass.split()[0])}",
            "NCV",
        )
        for r in [co2, *others]:
            yield ipcc_row(stationary, r, ncv)
        for key_fuel in IPCC_MOBILE.get(fuel_id, ()):
            variant = f".{key_fuel}" if len(IPCC_MOBILE[fuel_id]) > 1 else ""
            mobile = replace(
                stationary,
                factor_id=f"{IPCC}:mobile.{slug(fuel_id, '-')}{variant}.tj",
                activity=f"mobile_combustion.{key_fuel}",
                note=join(
                    f"{name}; CO2 only (the fuel-based default applies to mobile use). IPCC"
                    " mobile CH4 and N2O defaults (Vol. 2 Ch. 3) are not in zerotrail's"
                    " reference data.",
                    co2["notes"],
                ),
            )
            yield ipcc_row(mobile, co2, ncv)


def ipcc_row(factor: Factor, src: Rec, ncv: Rec) -> FactorRow:
    value, unit = per_unit(src["value"], src["value_unit"], src["gas"])
    ref = f"IPCC 2006 {src['ipcc_table']}; NCV: {ncv['ipcc_table']}"
    return factor.row(src, src["gas"], value, unit, ref)


def one(rows: Sequence[Rec], test: Callable[[Rec], bool]) -> Rec:
    found = [r for r in rows if test(r)]
    if len(found) != 1:
        raise BuildError(f"expected one matching row, found {len(found)}: {rows[0]}")
    return found[0]


def build(reference: Path) -> Iterator[FactorRow]:
    yield from build_ipcc(read_csv(reference / "data/ipcc_2006_defaults.csv"))
