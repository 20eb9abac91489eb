"""US EPA GHG Emission Factors Hub: Tables 1-10 mapped to activity keys."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

from factor_sources.common import (
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
        "epa-hub-2024",
        "EPA GHG Emission Factors Hub 2024",
        "US Environmental Protection Agency",
        ("data/epa_hub_2024.csv",),
        "US factors, Tables 1-10: stationary combustion (per mmBtu HHV and per physical unit),"
        " mobile CO2 and CH4/N2O, eGRID2022 electricity, steam, freight, waste (WARM, CO2e AR4),"
        " business travel and commuting.",
    ),
)


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


def build(reference: Path) -> Iterator[FactorRow]:
    yield from build_epa(read_csv(reference / "data/epa_hub_2024.csv"))
