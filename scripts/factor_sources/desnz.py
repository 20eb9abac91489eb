"""UK DESNZ/BEIS greenhouse gas conversion factors."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from factor_sources.common import (
    BuildError,
    Factor,
    Rec,
    SetSpec,
    grouped,
    gwp_basis,
    join,
    kg_per_unit,
    per_unit,
    read_csv,
    slug,
    year_span,
)
from zerotrail.reference.factors import FactorRow

SETS: tuple[SetSpec, ...] = (
    SetSpec(
        "uk-desnz-2024",
        "UK DESNZ greenhouse gas conversion factors (transcribed)",
        "UK Department for Energy Security and Net Zero",
        ("data/uk_desnz_2024.csv",),
        "UK grid electricity (2024 and 2023 sets), diesel, petrol and natural gas. Unverified"
        " third-party transcriptions: replace from the DESNZ flat file.",
        edition="2024 (electricity also 2023)",
        source_url="https://www.gov.uk/government/collections/government-conversion-factors-for-company-reporting",
    ),
)


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


def build(reference: Path) -> Iterator[FactorRow]:
    yield from build_desnz(read_csv(reference / "data/uk_desnz_2024.csv"))
