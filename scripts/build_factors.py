#!/usr/bin/env python3
"""Build the shipped emission-factor library from the sourced reference data.

Where it sits: the reference CSVs in ../shared/reference/data (pinned by SHA-256 below) go in;
out come the package data files in src/zerotrail/reference/data (factors.csv, factor_sets.csv,
inputs.json, and byte-for-byte copies of gwp.csv and refrigerant_blends.csv) and the generated
blocks of docs/factors.md and docs/activity-keys.md. `zerotrail.reference.factors` reads the
result. Every choice made while mapping a source row to a factor (activity key, region, validity,
unit normalisation, peat, non-baseload) is made here, in code, and documented in docs/factors.md.

The build is deterministic: the same inputs give the same bytes. It refuses to run when an input
differs from its pin, unless --update-pins (which rewrites the pins in this file).

    .venv/bin/python scripts/build_factors.py [--reference DIR] [--out DIR] [--docs DIR]
                                              [--update-pins]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from pathlib import Path

from zerotrail.factors.custom import parse_custom_factors
from zerotrail.model.keys import FAMILIES, SCOPE3_CATEGORIES
from zerotrail.reference.factors import (
    FACTOR_COLUMNS,
    FACTOR_SET_COLUMNS,
    FactorRow,
    FactorSetInfo,
)

REPO = Path(__file__).resolve().parents[1]
Rec = dict[str, str]

# BEGIN PINS (rewritten by --update-pins; review the input's change before updating)
PINS: dict[str, str] = {
    "china_grid.csv": "c8f0a41c008688fd245558a17418e0475678f6eb6e5f263ce30d8020df79ecef",
    "epa_hub_2024.csv": "8688522259020814b00caee92bdde1b4ecc878647a8ba0bf5e16d0531645d229",
    "gwp.csv": "3f3227d3f042883c2818b3ba18528ccface15b6eeca36b56038d9223ddce6fcf",
    "ipcc_2006_defaults.csv": "bd36b0be3ec6ec0eca5f93d87b39706517e0991ebe98dec2145f14cf3f3bdd69",
    "refrigerant_blends.csv": "390f072782e1c023b28a26198ef7acd274bc11f92073bef3395cc95889113268",
    "uk_desnz_2024.csv": "a3d21348cd93562515281439e5f654904ea48efd6e52c731d80de4b4ec4603b6",
    "useeio_spend_sample.csv": "32e60399459fbb2e9ff2b3399a9b71034ced385f4dab3bf3edfef2a6706d5319",
}
# END PINS

COPIED = ("gwp.csv", "refrigerant_blends.csv")


class BuildError(Exception):
    """The inputs cannot be turned into the library; the message says what to check."""


# ----------------------------------------------------------------------------------------------
# Factor sets: our description of each; per-row provenance comes from the rows themselves.


@dataclass(frozen=True)
class SetSpec:
    factor_set: str
    name: str
    publisher: str
    inputs: tuple[str, ...]
    description: str
    # Set-level edition/URL/licence; None = taken from the rows (they must agree).
    edition: str | None = None
    source_url: str | None = None
    licence: str | None = None


SETS: tuple[SetSpec, ...] = (
    SetSpec(
        "epa-hub-2024",
        "EPA GHG Emission Factors Hub 2024",
        "US Environmental Protection Agency",
        ("epa_hub_2024.csv",),
        "US factors, Tables 1-10: stationary combustion (per mmBtu HHV and per physical unit),"
        " mobile CO2 and CH4/N2O, eGRID2022 electricity, steam, freight, waste (WARM, CO2e AR4),"
        " business travel and commuting.",
    ),
    SetSpec(
        "ipcc-2006-tier1",
        "2006 IPCC Guidelines, Tier 1 defaults (energy)",
        "Intergovernmental Panel on Climate Change",
        ("ipcc_2006_defaults.csv",),
        "Global default CO2, CH4 and N2O per TJ (NCV) for seven fuels, with their net calorific"
        " values; CH4/N2O for energy industries. Unverified transcription.",
        source_url="https://www.ipcc-nggip.iges.or.jp/public/2006gl/vol2.html",
    ),
    SetSpec(
        "cn-mee-grid",
        "China electricity CO2 emission factors (MEE/NBS notices)",
        "Ministry of Ecology and Environment / National Bureau of Statistics of China",
        ("china_grid.csv",),
        "National, regional-grid and provincial grid averages (data years 2021-2023), the"
        " national residual-mix-like and fossil-only factors, and national-ETS grid factors.",
        edition="notices for data years 2021, 2022 and 2023; national-ETS notices",
        source_url="https://www.mee.gov.cn/",
    ),
    SetSpec(
        "uk-desnz-2024",
        "UK DESNZ greenhouse gas conversion factors (transcribed)",
        "UK Department for Energy Security and Net Zero",
        ("uk_desnz_2024.csv",),
        "UK grid electricity (2024 and 2023 sets), diesel, petrol and natural gas. Unverified"
        " third-party transcriptions: replace from the DESNZ flat file.",
        edition="2024 (electricity also 2023)",
        source_url="https://www.gov.uk/government/collections/government-conversion-factors-for-company-reporting",
    ),
    SetSpec(
        "useeio-v1.2",
        "US EPA Supply Chain GHG Emission Factors v1.2 (USEEIO), sample",
        "US Environmental Protection Agency",
        ("useeio_spend_sample.csv",),
        "Spend-based factors by NAICS-6 code, kg CO2e (AR4) per 2021 USD at purchaser price"
        " (with margins); seven codes.",
    ),
    SetSpec(
        "useeio-v1.3-quotes",
        "US EPA Supply Chain GHG Emission Factors v1.3 (third-party quotes)",
        "US Environmental Protection Agency",
        ("useeio_spend_sample.csv",),
        "Five v1.3 with-margins factors, kg CO2e (AR5) per 2022 USD, as quoted by third parties;"
        " unverified.",
    ),
    SetSpec(
        "zerotrail-fugitive",
        "zerotrail fugitive-emission identity factors",
        "zerotrail",
        ("gwp.csv", "refrigerant_blends.csv"),
        "One factor per gas species and refrigerant blend: 1 kg released is 1 kg emitted;"
        " CO2e comes from the inventory's GWP set.",
        edition="1",
        source_url="docs/factors.md#zerotrail-fugitive",
        licence="Apache-2.0",
    ),
)
SET_ORDER = {spec.factor_set: i for i, spec in enumerate(SETS)}

# ----------------------------------------------------------------------------------------------
# Units: source spellings → units zerotrail.units understands; mass → kg, exactly.

MASS_TO_KG = {
    "kg": Decimal(1),
    "g": Decimal("0.001"),
    "lb": Decimal("0.45359237"),
    "t": Decimal(1000),
    "metric ton": Decimal(1000),
}
UNIT_NAMES = {
    "mmBtu": "mmBtu",
    "short ton": "short_ton",
    "MWh": "MWh",
    "kWh": "kWh",
    "TJ": "TJ",
    "Gg": "Gg",
    "gallon": "gallon",
    "scf": "scf",
    "litre": "litre",
    "cubic metre": "m3",
    "USD": "USD",
    "vehicle-mile": "vehicle-mile",
    "passenger-mile": "passenger-mile",
    "ton-mile": "ton-mile",
}
_VALUE_UNIT = re.compile(
    r"^(?P<mass>kg|g|lb|t|metric ton) (?P<gas>\S+) per (?P<per>[^(]+?)\s*(\(.*\))?$"
)


def unit_name(text: str) -> str:
    try:
        return UNIT_NAMES[text.strip()]
    except KeyError:
        raise BuildError(f"no unit mapping for {text!r}; add it to UNIT_NAMES") from None


def kg_per_unit(value: str, value_unit: str, gas: str) -> tuple[Decimal, str]:
    """Exact kg of `gas` per unit, and the unit, from a source value and its unit text."""
    match = _VALUE_UNIT.match(value_unit)
    if match is None or not match["gas"].startswith(gas):
        raise BuildError(f"cannot read value unit {value_unit!r} for gas {gas}")
    return Decimal(value) * MASS_TO_KG[match["mass"]], unit_name(match["per"])


def per_unit(value: str, value_unit: str, gas: str) -> tuple[float, str]:
    """kg of `gas` per unit as a float: Decimal keeps the conversion exact, and float() then
    rounds once, to the nearest double (written back as its repr, so nothing more is lost)."""
    kg, unit = kg_per_unit(value, value_unit, gas)
    return float(kg), unit


def slug(text: str, sep: str = "_") -> str:
    """'Distillate Fuel Oil No. 2' → 'distillate_fuel_oil_no_2' (or with '-')."""
    return re.sub(r"[^a-z0-9]+", sep, text.lower()).strip(sep)


def year_span(text: str) -> tuple[date, date]:
    """'2023' → 2023-01-01..2023-12-31; '2019-2020 (reported)' → 2019-01-01..2020-12-31."""
    match = re.match(r"^(?:data year )?(\d{4})(?:-(\d{4}))?", text)
    if match is None:
        raise BuildError(f"no year in {text!r}")
    first = int(match[1])
    return date(first, 1, 1), date(int(match[2] or first), 12, 31)


def join(*parts: str) -> str:
    return " ".join(p.strip() for p in parts if p and p.strip())


def verified(src: Rec) -> bool:
    if src["verified"] not in ("yes", "no"):
        raise BuildError(f"verified must be yes or no, found {src['verified']!r}")
    return src["verified"] == "yes"


@dataclass(frozen=True)
class Factor:
    """What the gas rows of one factor share."""

    factor_set: str
    factor_id: str
    activity: str
    region: str
    valid_from: date
    valid_to: date | None
    scope_use: str
    note: str
    heat_content: float | None = None
    heat_content_unit: str | None = None
    heat_basis: str | None = None
    # The price year of a factor per unit of money (spend factors); None for physical units.
    currency_year: int | None = None

    def row(
        self,
        src: Rec,
        gas: str,
        value: float,
        unit: str,
        source_ref: str,
        *,
        gwp_basis: str | None = None,
        biogenic: bool = False,
    ) -> FactorRow:
        return FactorRow(
            factor_set=self.factor_set,
            factor_id=self.factor_id,
            activity=self.activity,
            region=self.region,
            valid_from=self.valid_from,
            valid_to=self.valid_to,
            unit=unit,
            gas=gas,
            value=value,
            gwp_basis=gwp_basis,
            biogenic=biogenic,
            heat_content=self.heat_content,
            heat_content_unit=self.heat_content_unit,
            heat_basis=self.heat_basis,
            currency_year=self.currency_year,
            scope_use=self.scope_use,
            note=self.note,
            source_ref=source_ref,
            # Provenance always comes from the source row the number was read from.
            source=src["source"],
            edition=src["edition"],
            source_url=src["source_url"],
            licence=src["licence"],
            verified=verified(src),
        )


def grouped(rows: Iterable[Rec], key: Callable[[Rec], object]) -> Iterator[list[Rec]]:
    """Groups of rows sharing `key`, in order of first appearance."""
    groups: dict[object, list[Rec]] = {}
    for row in rows:
        groups.setdefault(key(row), []).append(row)
    yield from groups.values()


# ----------------------------------------------------------------------------------------------
# EPA GHG Emission Factors Hub 2024

EPA = "epa-hub-2024"
EPA_SPAN = (date(2024, 1, 1), date(2024, 12, 31))
# Table 1 fuel names → key slugs where a plain slug would be ambiguous or differ from the
# vocabulary shared with IPCC, DESNZ and mobile combustion; other fuels get slug(name).
FUELS = {
    "Distillate Fuel Oil No. 2": "diesel",
    "Kerosene-Type Jet Fuel": "jet_kerosene",
    "Liquefied Petroleum Gases (LPG)": "lpg",
    "Residual Fuel Oil No. 6": "residual_fuel_oil",
    "Residual Fuel Oil No. 5": "residual_fuel_oil_no_5",
    "Bituminous": "bituminous_coal",
    "Sub-bituminous": "sub_bituminous_coal",
    "Biodiesel (100%)": "biodiesel_b100",
    "Ethanol (100%)": "ethanol_e100",
    "Wood and Wood Residuals": "wood",
    "Mixed (Commercial Sector)": "coal_mixed_commercial",
    "Mixed (Electric Power Sector)": "coal_mixed_electric_power",
    "Mixed (Industrial Coking)": "coal_mixed_industrial_coking",
    "Mixed (Industrial Sector)": "coal_mixed_industrial",
    "Naphtha (<401 deg F)": "naphtha_below_401f",
    "Other Oil (>401 deg F)": "other_oil_above_401f",
    "Petroleum Coke (Solid)": "petroleum_coke",
}
KRAFT_GROUP = "Biomass Fuels - Kraft Pulping Liquor, by Wood Furnish"
MOBILE_FUELS = {
    "Aviation Gasoline": "aviation_gasoline",
    "Biodiesel (100%)": "biodiesel_b100",
    "Compressed Natural Gas (CNG)": "cng",
    "Diesel Fuel": "diesel",
    "Ethanol (100%)": "ethanol_e100",
    "Kerosene-Type Jet Fuel": "jet_kerosene",
    "Liquefied Natural Gas (LNG)": "lng",
    "Liquefied Petroleum Gases (LPG)": "lpg",
    "Motor Gasoline": "motor_gasoline",
    "Residual Fuel Oil": "residual_fuel_oil",
}
# Tables 3-4 fuel of the vehicle. EPA does not state blend levels for its alternative-fuel
# vehicles, so 'ethanol' and 'biodiesel' carry no _e100/_b100 suffix.
ONROAD_FUELS = {
    "Gasoline": "motor_gasoline",
    "Diesel": "diesel",
    "Methanol": "methanol",
    "Ethanol": "ethanol",
    "CNG": "cng",
    "LPG": "lpg",
    "LNG": "lng",
    "Biodiesel": "biodiesel",
}
ONROAD_VEHICLES = {
    "Gasoline Passenger Cars": "passenger_car",
    "Gasoline Light-Duty Trucks": "light_duty_truck",
    "Gasoline Heavy-Duty Vehicles": "heavy_duty_vehicle",
    "Gasoline Motorcycles": "motorcycle",
    "Passenger Cars": "passenger_car",
    "Light-Duty Trucks": "light_duty_truck",
    "Medium- and Heavy-Duty Vehicles": "medium_heavy_duty_vehicle",
    "Light-Duty Cars": "light_duty_car",
    "Medium-Duty Trucks": "medium_duty_truck",
    "Heavy-Duty Trucks": "heavy_duty_truck",
    "Buses": "bus",
}
# Table 5 fuel column → (key fuel, vehicle suffix, Table 2 fuel that supplies the CO2).
NONROAD_FUELS = {
    "Residual Fuel Oil": ("residual_fuel_oil", "", "Residual Fuel Oil"),
    "Gasoline": ("motor_gasoline", "", "Motor Gasoline"),
    "Gasoline (2 stroke)": ("motor_gasoline", "2_stroke", "Motor Gasoline"),
    "Gasoline (4 stroke)": ("motor_gasoline", "4_stroke", "Motor Gasoline"),
    "Gasoline Off-Road Trucks": ("motor_gasoline", "off_road_trucks", "Motor Gasoline"),
    "Diesel": ("diesel", "", "Diesel Fuel"),
    "Diesel Equipment": ("diesel", "", "Diesel Fuel"),
    "Diesel Off-Road Trucks": ("diesel", "off_road_trucks", "Diesel Fuel"),
    "Jet Fuel": ("jet_kerosene", "", "Kerosene-Type Jet Fuel"),
    "Aviation Gasoline": ("aviation_gasoline", "", "Aviation Gasoline"),
    "LPG": ("lpg", "", "Liquefied Petroleum Gases (LPG)"),
}
FREIGHT = {
    ("Medium- and Heavy-Duty Truck", "ton-mile"): "truck",
    ("Rail", "ton-mile"): "rail",
    ("Waterborne Craft", "ton-mile"): "waterborne",
    ("Aircraft", "ton-mile"): "air",
    ("Medium- and Heavy-Duty Truck", "vehicle-mile"): "truck_vehicle",
    ("Passenger Car", "vehicle-mile"): "car_vehicle",
    ("Light-Duty Truck", "vehicle-mile"): "light_duty_truck_vehicle",
}
TRAVEL = {
    "Air Travel - Short Haul (< 300 miles)": "air_short_haul",
    "Air Travel - Medium Haul (>= 300 miles, < 2300 miles)": "air_medium_haul",
    "Air Travel - Long Haul (>= 2300 miles)": "air_long_haul",
    "Passenger Car": "car",
    "Light-Duty Truck": "light_duty_truck",
    "Motorcycle": "motorcycle",
    "Intercity Rail - National Average": "rail",
    "Intercity Rail - Northeast Corridor": "rail_northeast_corridor",
    "Intercity Rail - Other Routes": "rail_intercity_other",
    "Commuter Rail": "rail_commuter",
    "Transit Rail (i.e. Subway, Tram)": "rail_transit",
    "Bus": "bus",
}
TREATMENTS = {
    "Recycled": "recycled",
    "Landfilled": "landfilled",
    "Combusted": "combusted",
    "Composted": "composted",
    "Anaerobically digested (dry digestate with curing)": "anaerobic_digestion_dry",
    "Anaerobically digested (wet digestate with curing)": "anaerobic_digestion_wet",
}
PEAT_NOTE = (
    "zerotrail reports peat CO2 as fossil (biogenic=false), following IPCC 2006, although EPA"
    " lists peat under biomass."
)
BIOGENIC_NOTE = "Biogenic CO2 is reported outside the scopes; CH4 and N2O stay in Scope 1."


def epa_factor(factor_id: str, activity: str, region: str, scope_use: str, note: str) -> Factor:
    return Factor(EPA, f"{EPA}:{factor_id}", activity, region, *EPA_SPAN, scope_use, note)


def epa_row(factor: Factor, src: Rec, *, biogenic_allowed: bool = True) -> FactorRow:
    value, unit = per_unit(src["value"], src["value_unit"], src["gas"])
    biogenic = biogenic_allowed and src["gas"] == "CO2" and src["biogenic_co2"] == "yes"
    ref = f"EPA Hub 2024 Table {src['hub_table']}; {src['factor_id']}"
    return factor.row(
        src, src["gas"], value, unit, ref, gwp_basis=src["gwp_basis"] or None, biogenic=biogenic
    )


def epa_table1(rows: list[Rec]) -> Iterator[FactorRow]:
    def key(r: Rec) -> tuple[str, str, str]:
        return r["activity_group"], r["activity"], r["unit"]

    for group in grouped((r for r in rows if r["hub_table"] == "1"), key):
        head = group[0]
        name = head["activity"]
        if head["activity_group"] == KRAFT_GROUP:
            name = f"Kraft Pulping Liquor {name}"
        fuel = FUELS.get(head["activity"]) or slug(name)
        peat = head["activity"] == "Peat"
        _, unit = per_unit(head["value"], head["value_unit"], head["gas"])
        heat = head["heat_content_hhv"]
        notes = [head["notes"]]
        if peat:
            notes = [PEAT_NOTE]  # replaces EPA's "decide explicitly" note with the decision
        elif any(r["biogenic_co2"] == "yes" for r in group):
            notes.append(BIOGENIC_NOTE)
        factor = Factor(
            EPA,
            f"{EPA}:t1.{slug(name, '-')}.{slug(unit, '-')}",
            f"stationary_combustion.{fuel}",
            "US",
            *EPA_SPAN,
            head["scope_use"],
            join(f"{head['activity_group']}: {head['activity']}; HHV basis.", *notes),
            float(heat) if heat else None,
            heat_unit(head["heat_content_unit"]) if heat else None,
            "HHV",
        )
        yield from (epa_row(factor, r, biogenic_allowed=not peat) for r in group)


def heat_unit(text: str) -> str:
    """'mmBtu per gallon' → 'mmBtu/gallon'."""
    energy, _, amount = text.partition(" per ")
    return f"{unit_name(energy)}/{unit_name(amount)}"


def epa_table2(rows: list[Rec]) -> Iterator[FactorRow]:
    for r in (r for r in rows if r["hub_table"] == "2"):
        _, unit = per_unit(r["value"], r["value_unit"], r["gas"])
        factor = epa_factor(
            f"t2.{slug(r['activity'], '-')}.{slug(unit, '-')}",
            f"mobile_combustion.{MOBILE_FUELS[r['activity']]}",
            "US",
            r["scope_use"],
            join(
                r["notes"],
                "CO2 only: add CH4 and N2O from the vehicle-type factors"
                " (mobile_combustion.<fuel>.<vehicle>).",
                BIOGENIC_NOTE if r["biogenic_co2"] == "yes" else "",
            ),
        )
        yield epa_row(factor, r)


def latest_model_year(group: list[Rec]) -> list[Rec]:
    """The rows of the most recent model-year range (rows without model years are one range)."""

    def year(r: Rec) -> int:
        return int(r["model_year_to"] or r["model_year_from"] or 0)

    newest = max(year(r) for r in group)
    return [r for r in group if year(r) == newest]


def epa_onroad(rows: list[Rec]) -> Iterator[FactorRow]:
    def key(r: Rec) -> tuple[str, str, str]:
        return r["hub_table"], r["activity"], r["activity_detail"]

    for group in grouped((r for r in rows if r["hub_table"] in ("3", "4")), key):
        latest = latest_model_year(group)
        head = latest[0]
        years = ""
        span = ""
        if head["model_year_to"]:
            first, last = head["model_year_from"], head["model_year_to"]
            years = f".my{last}" if first == last else f".my{first}-{last}"
            span = f"EPA model years {first}-{last} (the most recent row in the table);"
        fuel = ONROAD_FUELS[head["activity_detail"]]
        vehicle = ONROAD_VEHICLES[head["activity"]]
        factor = epa_factor(
            f"t{head['hub_table']}.{slug(head['activity'], '-')}"
            f".{slug(head['activity_detail'], '-')}{years}.vehicle-mile",
            f"mobile_combustion.{fuel}.{vehicle}",
            "US",
            head["scope_use"],
            join(
                f"{head['activity']} ({head['activity_detail']}).",
                span,
                "CH4 and N2O only: the fleet's CO2 comes from its fuel record"
                f" (mobile_combustion.{fuel}).",
                head["notes"],
            ),
        )
        yield from (epa_row(factor, r) for r in latest)


def epa_nonroad(rows: list[Rec]) -> Iterator[FactorRow]:
    co2 = {r["activity"]: r for r in rows if r["hub_table"] == "2"}
    for group in grouped(
        (r for r in rows if r["hub_table"] == "5"), lambda r: (r["activity"], r["activity_detail"])
    ):
        head = group[0]
        fuel, suffix, table2 = NONROAD_FUELS[head["activity_detail"]]
        vehicle = "_".join(p for p in (slug(head["activity"]), suffix) if p)
        factor = epa_factor(
            f"t5.{slug(head['activity'], '-')}.{slug(head['activity_detail'], '-')}.gallon",
            f"mobile_combustion.{fuel}.{vehicle}",
            "US",
            head["scope_use"],
            join(
                f"{head['activity']}, {head['activity_detail']}: CO2 from EPA Table 2"
                f" ({table2}), CH4 and N2O from Table 5.",
                head["notes"],
            ),
        )
        yield epa_row(factor, co2[table2])
        yield from (epa_row(factor, r) for r in group)


def epa_electricity(rows: list[Rec]) -> Iterator[FactorRow]:
    kinds = {
        "total_output": ("electricity.grid", ""),
        "non_baseload": ("electricity.non_baseload", "Kept out of electricity.grid."),
    }
    for group in grouped(
        (r for r in rows if r["hub_table"] == "6"), lambda r: (r["activity"], r["factor_basis"])
    ):
        head = group[0]
        acronym = head["activity"]
        region = "US" if acronym == "US Average" else f"US-{acronym}"
        activity, text = kinds[head["factor_basis"]]
        factor = epa_factor(
            f"t6.egrid2022.{slug(acronym, '-')}.{slug(head['factor_basis'], '-')}",
            activity,
            region,
            head["scope_use"],
            join(
                f"eGRID2022 {acronym} ({head['activity_detail'].split(' | ')[0]}).",
                head["notes"],
                text,
            ),
        )
        yield from (epa_row(factor, r) for r in group)


def epa_steam(rows: list[Rec]) -> Iterator[FactorRow]:
    group = [r for r in rows if r["hub_table"] == "7"]
    head = group[0]
    factor = epa_factor(
        "t7.steam-and-heat.mmbtu", "steam.purchased", "US", head["scope_use"], head["notes"]
    )
    yield from (epa_row(factor, r) for r in group)


def epa_freight(rows: list[Rec]) -> Iterator[FactorRow]:
    for group in grouped(
        (r for r in rows if r["hub_table"] == "8"), lambda r: (r["activity"], r["unit"])
    ):
        head = group[0]
        mode = FREIGHT[(head["activity"], head["unit"])]
        factor = epa_factor(
            f"t8.{slug(mode, '-')}.{slug(head['unit'], '-')}",
            f"freight.{mode}",
            "US",
            head["scope_use"],
            join(f"{head['activity']}.", head["notes"]),
        )
        yield from (epa_row(factor, r) for r in group)


def epa_travel(rows: list[Rec]) -> Iterator[FactorRow]:
    for group in grouped((r for r in rows if r["hub_table"] == "10"), lambda r: r["activity"]):
        head = group[0]
        mode = TRAVEL[head["activity"]]
        for family in ("business_travel", "commuting"):
            factor = epa_factor(
                f"t10.{slug(family, '-')}.{slug(mode, '-')}.{slug(head['unit'], '-')}",
                f"{family}.{mode}",
                "US",
                head["scope_use"],
                join(f"{head['activity']}.", head["notes"]),
            )
            yield from (epa_row(factor, r) for r in group)


def epa_waste(rows: list[Rec]) -> Iterator[FactorRow]:
    for r in (r for r in rows if r["hub_table"] == "9"):
        material, treatment = slug(r["activity"]), TREATMENTS[r["activity_detail"]]
        factor = epa_factor(
            f"t9.{slug(material, '-')}.{slug(treatment, '-')}.short-ton",
            f"waste.{material}.{treatment}",
            "US",
            r["scope_use"],
            join(f"{r['activity']}, {r['activity_detail']}.", r["notes"]),
        )
        yield epa_row(factor, r)


def build_epa(rows: list[Rec]) -> Iterator[FactorRow]:
    for builder in (
        epa_table1,
        epa_table2,
        epa_onroad,
        epa_nonroad,
        epa_electricity,
        epa_steam,
        epa_freight,
        epa_waste,
        epa_travel,
    ):
        yield from builder(rows)


# ----------------------------------------------------------------------------------------------
# IPCC 2006 Tier 1 defaults

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


# ----------------------------------------------------------------------------------------------
# China MEE/NBS grid factors

CN = "cn-mee-grid"
CN_REGIONS = {
    "National": "CN",
    "North China": "CN-NORTH",
    "Northeast China": "CN-NORTHEAST",
    "East China": "CN-EAST",
    "Central China": "CN-CENTRAL",
    "Northwest China": "CN-NORTHWEST",
    "South China": "CN-SOUTH",
    "Southwest China": "CN-SOUTHWEST",
    # Provinces: ISO 3166-2:CN subdivision codes.
    "Hebei": "CN-HE",
    "Shanxi": "CN-SX",
    "Tianjin": "CN-TJ",
    "Inner Mongolia": "CN-NM",
    "Anhui": "CN-AH",
    "Fujian": "CN-FJ",
    "Guangxi": "CN-GX",
    "Qinghai": "CN-QH",
    "Sichuan": "CN-SC",
    "Yunnan": "CN-YN",
}
LOCATION = "Scope 2 (location-based)"
CN_TYPES = {
    "national_average": ("electricity.grid", LOCATION, ""),
    "regional_average": ("electricity.grid", LOCATION, ""),
    "provincial_average": ("electricity.grid", LOCATION, ""),
    "national_average_excluding_market_traded_non_fossil": (
        "electricity.residual_mix",
        "Scope 2 (market-based, residual mix)",
        "National average excluding market-traded non-fossil electricity: the notice's"
        " residual-mix-like value.",
    ),
    "national_fossil_only": (
        "electricity.fossil_only",
        "reference only (fossil generation; not a grid average)",
        "Fossil-fuel generation only; not a location-based grid average.",
    ),
}
# The earlier national-ETS factor is the only value for 2019-2020, and MEE prescribes it for
# enterprise accounting, so it serves as the CN grid average for those years; later ETS values
# stay under their own key so they never displace the MEE/NBS grid averages.
CN_ETS = "ets_power_sector_national_grid_average"
CN_ETS_AS_GRID = "2019-2020 (reported)"


def build_china(rows: list[Rec]) -> Iterator[FactorRow]:
    for r in rows:
        kind = r["factor_type"]
        if kind == CN_ETS and r["data_year"] == CN_ETS_AS_GRID:
            activity, scope_use = "electricity.grid", LOCATION
            text = (
                "National-ETS grid factor that MEE prescribes for enterprise GHG accounting;"
                " used as the CN grid average for 2019-2020, which no MEE/NBS grid-average"
                " notice covers. Unverified."
            )
        elif kind == CN_ETS:
            activity = "electricity.grid_ets"
            scope_use = "China national ETS compliance accounting (not the default grid factor)"
            text = "National-ETS power-sector grid factor; not a default inventory factor."
        else:
            activity, scope_use, text = CN_TYPES[kind]
        region = CN_REGIONS[r["region"]]
        start, end = year_span(r["data_year"])
        years = str(start.year) if start.year == end.year else f"{start.year}-{end.year}"
        factor = Factor(
            CN,
            f"{CN}:{years}.{slug(kind, '-')}.{region.lower()}",
            activity,
            region,
            start,
            end,
            scope_use,
            join(
                text, f"Data year {r['data_year']}; {r['region']} ({r['region_zh']}).", r["notes"]
            ),
        )
        value, unit = per_unit(r["value"], r["value_unit"], r["gas"])
        yield factor.row(r, r["gas"], value, unit, f"{r['notice']}; factor_type {kind}")


# ----------------------------------------------------------------------------------------------
# UK DESNZ (transcribed, unverified)

UK = "uk-desnz-2024"
UK_ACTIVITIES = {
    ("UK electricity", "electricity generated (grid average, excludes T&D losses)"): (
        "electricity.grid",
        "electricity-generated",
    ),
    ("Liquid fuels", "Diesel (100% mineral diesel)"): ("stationary_combustion.diesel", "diesel"),
    ("Liquid fuels", "Petrol (100% mineral petrol)"): (
        "stationary_combustion.motor_gasoline",
        "petrol",
    ),
    ("Gaseous fuels", "Natural gas (100% mineral blend)"): (
        "stationary_combustion.natural_gas",
        "natural-gas",
    ),
}


def build_desnz(rows: list[Rec]) -> Iterator[FactorRow]:
    def key(r: Rec) -> tuple[str, str, str, int]:
        return r["activity"], r["activity_detail"], r["unit"], year_span(r["edition"])[0].year

    for group in grouped(rows, key):
        head = group[0]
        activity, name = UK_ACTIVITIES[(head["activity"], head["activity_detail"])]
        start, end = year_span(head["edition"])
        _, unit = per_unit(head["value"], head["value_unit"], head["gas"])
        basis = "NCV" if head["cv_basis"].startswith("Net CV") else None
        factor = Factor(
            UK,
            f"{UK}:{start.year}.{name}.{slug(unit, '-')}",
            activity,
            "GB",
            start,
            end,
            head["scope_use"],
            join(
                f"{head['activity_detail']}.",
                *(r["notes"] for r in group),
                f"CV basis: {head['cv_basis']}." if head["cv_basis"] else "",
            ),
            heat_basis=basis,
        )
        yield from desnz_rows(factor, group)


def desnz_rows(factor: Factor, group: list[Rec]) -> Iterator[FactorRow]:
    """CO2e-only rows as they are; a CO2e total with its CO2 part becomes CO2 + the non-CO2
    remainder in CO2e, so that summing a factor's gases never counts the CO2 twice."""
    by_gas = {r["gas"]: r for r in group}
    if len(by_gas) != len(group) or not set(by_gas) <= {"CO2", "CO2e"}:
        raise BuildError(f"unexpected DESNZ gases for {factor.factor_id}: {sorted(by_gas)}")
    total = by_gas["CO2e"]
    basis = gwp_basis(total["gwp_basis"])
    ref = f"DESNZ {total['edition']}: {total['activity_detail']}, {total['value_unit']}"
    co2 = by_gas.get("CO2")
    if co2 is None:
        value, unit = per_unit(total["value"], total["value_unit"], "CO2e")
        yield factor.row(total, "CO2e", value, unit, ref, gwp_basis=basis)
        return
    co2_kg, unit = kg_per_unit(co2["value"], co2["value_unit"], "CO2")
    total_kg, total_unit = kg_per_unit(total["value"], total["value_unit"], "CO2e")
    if total_unit != unit or total_kg < co2_kg:
        raise BuildError(f"DESNZ CO2 part exceeds or mismatches its total: {factor.factor_id}")
    yield factor.row(co2, "CO2", float(co2_kg), unit, ref.replace("CO2e", "CO2", 1))
    rest = replace(
        factor,
        note=join(
            factor.note,
            f"CO2e row = DESNZ total {total['value']} minus its CO2 part {co2['value']}"
            " (CH4 and N2O as CO2e).",
        ),
    )
    yield rest.row(total, "CO2e", float(total_kg - co2_kg), unit, ref, gwp_basis=basis)


def gwp_basis(text: str) -> str:
    match = re.match(r"^(AR4|AR5|AR6)\b", text)
    if match is None:
        raise BuildError(f"no GWP basis in {text!r}")
    return match[1]


# ----------------------------------------------------------------------------------------------
# USEEIO spend factors

USEEIO_SETS = {"v1.2": "useeio-v1.2", "v1.3": "useeio-v1.3-quotes"}


def useeio_dollar_year(r: Rec, unit: str) -> int:
    """The price year of a USEEIO factor: `dollar_year`, which its `value_unit` must repeat."""
    year = r["dollar_year"]
    if not re.fullmatch(r"\d{4}", year) or f"per USD ({year}," not in r["value_unit"]:
        raise BuildError(
            f"USEEIO {r['version']} NAICS {r['naics_code']}: dollar_year {year!r} does not match"
            f" value_unit {r['value_unit']!r}"
        )
    if unit != "USD":
        raise BuildError(f"USEEIO NAICS {r['naics_code']}: unit {unit!r}, expected USD")
    return int(year)


def build_useeio(rows: list[Rec]) -> Iterator[FactorRow]:
    for r in rows:
        factor_set = USEEIO_SETS[r["version"]]
        # Valid from the GHG data year where the source states it, else from the dollar year.
        year = re.match(r"^(\d{4})", r["data_year"])
        start = date(int(year[1]) if year else int(r["dollar_year"]), 1, 1)
        value, unit = per_unit(r["sef_with_margins"], r["value_unit"], "CO2e")
        dollar_year = useeio_dollar_year(r, unit)
        parts = [
            f"NAICS {r['naics_code']} {r['naics_title']}: with-margins factor, kg CO2e per"
            f" {r['dollar_year']} USD at {r['price_basis']}; deflate spend to {r['dollar_year']}"
            f" USD first. GHG data: {r['data_year']}.",
        ]
        if r["sef_without_margins"]:
            parts.append(
                f"Without margins {r['sef_without_margins']} + margins {r['mef_margins']}."
            )
        factor = Factor(
            factor_set,
            f"{factor_set}:naics.{r['naics_code']}.usd{r['dollar_year']}",
            f"spend.naics.{r['naics_code']}",
            "US",
            start,
            None,
            "Scope 3 (spend-based)",
            join(*parts, r["notes"]),
            currency_year=dollar_year,
        )
        code = r["reference_useeio_code"]
        ref = f"USEEIO {r['version']} NAICS {r['naics_code']}" + (
            f"; USEEIO {code}" if code else ""
        )
        yield factor.row(r, "CO2e", value, unit, ref, gwp_basis=gwp_basis(r["gwp_basis"]))


# ----------------------------------------------------------------------------------------------
# zerotrail fugitive identity factors

FUGITIVE = "zerotrail-fugitive"
FUGITIVE_PROVENANCE: Rec = {
    "source": "zerotrail: mass-balance identity; CO2e from the inventory's GWP set",
    "edition": "1",
    "source_url": "docs/factors.md#zerotrail-fugitive",
    "licence": "Apache-2.0",
    "verified": "yes",
}


def build_fugitive(gwp: list[Rec], blends: list[Rec]) -> Iterator[FactorRow]:
    def factor(kind: str, gas: str, note: str) -> Factor:
        return Factor(
            FUGITIVE,
            f"{FUGITIVE}:{kind}.{slug(gas, '-')}.kg",
            f"fugitive.{gas}",
            "GLOBAL",
            date(1990, 1, 1),
            None,
            "Scope 1",
            note,
        )

    for r in gwp:
        if r["gas_id"] == "CO2":
            continue
        f = factor("species", r["gas_id"], f"{r['gas_name']}: 1 kg released = 1 kg emitted.")
        yield f.row(FUGITIVE_PROVENANCE, r["gas_id"], 1.0, "kg", f"gwp.csv gas_id {r['gas_id']}")
    for group in grouped(blends, lambda r: r["blend"]):
        blend = group[0]["blend"]
        note = (
            f"Refrigerant blend {blend} ({group[0]['epa_composition_text']}): 1 kg released ="
            " 1 kg of blend emitted; CO2e from its component mass fractions and the"
            " inventory's GWP set."
        )
        f = factor("blend", blend, note)
        ref = f"refrigerant_blends.csv blend {blend} (EPA Hub 2024 Table 12)"
        yield f.row(FUGITIVE_PROVENANCE, blend, 1.0, "kg", ref)


# ----------------------------------------------------------------------------------------------
# Assembly and checks

GAS_ORDER = {"CO2": 0, "CH4": 1, "N2O": 2, "CO2e": 3}


def read_csv(path: Path) -> list[Rec]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def build_rows(data: Path) -> list[FactorRow]:
    """Every factor row, from the reference CSVs in `data`, checked and in file order."""
    gwp, blends = read_csv(data / "gwp.csv"), read_csv(data / "refrigerant_blends.csv")
    rows = [
        *build_epa(read_csv(data / "epa_hub_2024.csv")),
        *build_ipcc(read_csv(data / "ipcc_2006_defaults.csv")),
        *build_china(read_csv(data / "china_grid.csv")),
        *build_desnz(read_csv(data / "uk_desnz_2024.csv")),
        *build_useeio(read_csv(data / "useeio_spend_sample.csv")),
        *build_fugitive(gwp, blends),
    ]
    rows.sort(key=lambda r: (SET_ORDER[r.factor_set], r.factor_id, GAS_ORDER.get(r.gas, 9), r.gas))
    gases = {r["gas_id"] for r in gwp} | {r["blend"] for r in blends}
    check(rows, gases)
    return rows


def check(rows: list[FactorRow], gases: set[str]) -> None:
    """Refuse to write a library that zerotrail itself would reject or could misuse."""
    # The shipped file must pass the same checks as a user's custom file, and read back equal.
    records = [row.to_record() for row in rows]
    parsed, problems = parse_custom_factors(
        records, "factors.csv", columns=FACTOR_COLUMNS, gases=gases
    )
    if problems:
        raise BuildError("generated factors fail validation:\n" + "\n".join(map(str, problems)))
    if list(parsed) != [FactorRow.from_record(r) for r in records] or len(parsed) != len(rows):
        raise BuildError("generated factors do not read back as written")
    seen: dict[tuple[object, ...], str] = {}
    for row in rows:
        for name in ("source", "edition", "source_url", "licence"):
            if not getattr(row, name):
                raise BuildError(f"{row.factor_id}: empty {name}")
        if row.scope_use == "not for inventories" and row.activity == "electricity.grid":
            raise BuildError(f"{row.factor_id}: a non-inventory rate under electricity.grid")
        # One factor per key, region, unit and start date in a set: resolution must not guess.
        where = (row.factor_set, row.activity, row.region, row.unit, row.valid_from)
        if seen.setdefault(where, row.factor_id) != row.factor_id:
            raise BuildError(f"{row.factor_id} and {seen[where]} both serve {where}")
    missing = set(SET_ORDER) - {row.factor_set for row in rows}
    if missing:
        raise BuildError(f"factor sets without rows: {sorted(missing)}")


def build_sets(rows: list[FactorRow], hashes: dict[str, str]) -> list[FactorSetInfo]:
    def agreed(spec: SetSpec, name: str, given: str | None) -> str:
        if given is not None:
            return given
        values = {getattr(r, name) for r in rows if r.factor_set == spec.factor_set}
        if len(values) != 1:
            raise BuildError(f"{spec.factor_set}: rows disagree on {name}; set it in SETS")
        return str(values.pop())

    return [
        FactorSetInfo(
            factor_set=spec.factor_set,
            name=spec.name,
            publisher=spec.publisher,
            edition=agreed(spec, "edition", spec.edition),
            source_url=agreed(spec, "source_url", spec.source_url),
            licence=agreed(spec, "licence", spec.licence),
            description=spec.description,
            input_file=";".join(spec.inputs),
            input_sha256=";".join(hashes[name] for name in spec.inputs),
        )
        for spec in SETS
    ]


# ----------------------------------------------------------------------------------------------
# Output files


def csv_bytes(columns: Sequence[str], records: Iterable[dict[str, str]]) -> bytes:
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    return text.getvalue().encode("utf-8")


def write_bytes(path: Path, data: bytes) -> None:
    """Replace `path` atomically (also when the old file is read-only), mode 0644."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_pins(data: Path, update: bool) -> dict[str, str]:
    """SHA-256 of every pinned input; BuildError if one changed (unless `update`)."""
    missing = [name for name in PINS if not (data / name).is_file()]
    if missing:
        raise BuildError(f"missing input(s) in {data}: {', '.join(missing)}")
    hashes = {name: sha256(data / name) for name in sorted(PINS)}
    changed = [name for name in hashes if hashes[name] != PINS[name]]
    if changed and not update:
        lines = [f"  {n}: pinned {PINS[n]}, found {hashes[n]}" for n in changed]
        raise BuildError(
            "input files differ from the pins in scripts/build_factors.py:\n"
            + "\n".join(lines)
            + "\nReview what changed in the reference data (a new edition is a new factor set"
            " version), then rerun with --update-pins."
        )
    if changed:
        rewrite_pins(hashes)
        print(f"build_factors: updated pins for {', '.join(changed)}", file=sys.stderr)
    return hashes


def rewrite_pins(hashes: dict[str, str]) -> None:
    script = Path(__file__).resolve()
    text = script.read_text(encoding="utf-8")
    body = "".join(f'    "{name}": "{digest}",\n' for name, digest in sorted(hashes.items()))
    block = re.compile(r"(?ms)^(PINS: dict\[str, str\] = \{\n).*?^(\}\n# END PINS)")
    if not block.search(text):
        raise BuildError("cannot find the PINS block in scripts/build_factors.py")
    script.write_text(block.sub(lambda m: m[1] + body + m[2], text), encoding="utf-8")


# ----------------------------------------------------------------------------------------------
# Generated documentation blocks


def block_markers(name: str) -> tuple[str, str]:
    return (
        f"<!-- BEGIN GENERATED: {name} (scripts/build_factors.py; do not edit) -->",
        f"<!-- END GENERATED: {name} -->",
    )


def replace_block(text: str, name: str, body: str) -> str:
    begin, end = block_markers(name)
    start, stop = text.find(begin), text.find(end)
    if start < 0 or stop < start:
        raise BuildError(f"generated block '{name}' not found (expected {begin} ... {end})")
    return text[: start + len(begin)] + "\n" + body + text[stop:]


def sets_markdown(sets: Sequence[FactorSetInfo], records: Sequence[Rec]) -> str:
    lines = [
        "| factor set | name | publisher | edition | licence | factors | rows | unverified rows |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for s in sets:
        mine = [r for r in records if r["factor_set"] == s.factor_set]
        factors = len({r["factor_id"] for r in mine})
        unverified = sum(r["verified"] == "false" for r in mine)
        lines.append(
            f"| `{s.factor_set}` | {s.name} | {s.publisher} | {s.edition} | {s.licence} |"
            f" {factors} | {len(mine)} | {unverified} |"
        )
    return "\n".join(lines) + "\n"


def families_markdown() -> str:
    def category(number: int | None) -> str:
        return "-" if number is None else f"{number} {SCOPE3_CATEGORIES[number]}"

    lines = [
        "| family | scope | default category | allowed categories | method | negative allowed |",
        "|---|---|---|---|---|---|",
    ]
    for f in FAMILIES.values():
        allowed = ", ".join(str(n) for n in sorted(f.allowed_categories)) or "-"
        lines.append(
            f"| `{f.name}` | {f.scope} | {category(f.default_category)} | {allowed} |"
            f" {f.method} | {'yes' if f.allow_negative else 'no'} |"
        )
    return "\n".join(lines) + "\n"


def keys_markdown(records: Sequence[Rec]) -> str:
    """Every activity key in factors.csv, grouped by family, with its regions, units and sets."""
    keys: dict[str, list[Rec]] = {}
    for r in records:
        keys.setdefault(r["activity"], []).append(r)
    out: list[str] = []
    for family in FAMILIES.values():
        names = sorted(k for k in keys if k.split(".")[0] == family.name)
        if not names:
            continue
        out += [
            f"### {family.name} (Scope {family.scope}, {family.method})",
            "",
            f"{len(names)} key{'' if len(names) == 1 else 's'}.",
            "",
            "| key | regions | units | factor sets |",
            "|---|---|---|---|",
        ]
        for name in names:
            rows = keys[name]
            regions = ", ".join(sorted({r["region"] for r in rows}))
            units = ", ".join(sorted({r["unit"] for r in rows}))
            sets = ", ".join(sorted({r["factor_set"] for r in rows}, key=SET_ORDER.__getitem__))
            out.append(f"| `{name}` | {regions} | {units} | {sets} |")
        out.append("")
    return "\n".join(out)


def key_list_from_csv(factors_csv: Path) -> str:
    """The generated key list of docs/activity-keys.md, from a factors.csv file."""
    return keys_markdown(read_csv(factors_csv))


def update_docs(docs: Path, out: Path) -> None:
    records = read_csv(out / "factors.csv")
    sets = [FactorSetInfo(**r) for r in read_csv(out / "factor_sets.csv")]
    blocks = {
        "factors.md": [("factor sets", sets_markdown(sets, records))],
        "activity-keys.md": [
            ("families", families_markdown()),
            ("keys", key_list_from_csv(out / "factors.csv")),
        ],
    }
    for name, replacements in blocks.items():
        path = docs / name
        if not path.is_file():
            raise BuildError(f"{path} is missing (it holds the generated blocks)")
        old = path.read_text(encoding="utf-8")
        new = old
        for block, body in replacements:
            new = replace_block(new, block, body)
        if new != old:
            write_bytes(path, new.encode("utf-8"))


# ----------------------------------------------------------------------------------------------
# Command line


def build(reference: Path, out: Path, docs: Path | None, update_pins: bool) -> None:
    data = reference / "data"
    if not data.is_dir():
        raise BuildError(f"{data} is not a directory (give the reference folder with --reference)")
    hashes = check_pins(data, update_pins)
    rows = build_rows(data)
    sets = build_sets(rows, hashes)
    write_bytes(out / "factors.csv", csv_bytes(FACTOR_COLUMNS, (r.to_record() for r in rows)))
    write_bytes(
        out / "factor_sets.csv",
        csv_bytes(
            FACTOR_SET_COLUMNS, ({c: getattr(s, c) for c in FACTOR_SET_COLUMNS} for s in sets)
        ),
    )
    write_bytes(out / "inputs.json", (json.dumps(hashes, indent=2, sort_keys=True) + "\n").encode())
    for name in COPIED:
        write_bytes(out / name, (data / name).read_bytes())
    if docs is not None:
        update_docs(docs, out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--reference",
        type=Path,
        default=REPO.parent / "shared" / "reference",
        help="the reference folder (with data/); default ../shared/reference",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=REPO / "src" / "zerotrail" / "reference" / "data",
        help="where to write the package data files",
    )
    parser.add_argument(
        "--docs",
        type=Path,
        default=REPO / "docs",
        help="folder of factors.md and activity-keys.md to update",
    )
    parser.add_argument("--no-docs", action="store_true", help="do not touch the docs")
    parser.add_argument(
        "--update-pins",
        action="store_true",
        help="accept changed inputs and rewrite the pins in this script",
    )
    args = parser.parse_args(argv)
    try:
        build(args.reference, args.out, None if args.no_docs else args.docs, args.update_pins)
    except BuildError as exc:
        print(f"build_factors: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
