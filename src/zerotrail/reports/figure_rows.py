"""The report's figures as one long table: one row per figure, year and basis, for the
workbook's "Figures" sheet (reports/xlsx.py), where a reader filters by any column.

Where it sits: reports, on report.json's figures (periodic.build and the report stage), values
in and rows out. Every value is copied from the report's figures, unrounded, never computed
here, so a filtered sum in the sheet can be checked against the report. Each Scope 2 and
Scope 3 figure names its basis ("location" or "market"); figures with one basis only (Scope 1,
biogenic CO2, energy) say "none".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from zerotrail.model.keys import SCOPE3_CATEGORIES
from zerotrail.reports.html import label

COLUMNS = ("Figure", "Year", "Scope", "Category", "Basis", "Value", "Unit", "Section")
# figure, year, scope ("1", "1+2", "1+2+3" or "" outside the scopes), Scope 3 category (or
# None), basis, value, unit, the report section it is shown in
Row = tuple[str, int, str, int | None, str, float, str, str]

# Inventory keys: (figure, scope, basis); both the year's figures and each year's comparatives.
SCOPE_FIGURES = (
    ("scope1", "Scope 1", "1", "none"),
    ("scope2_location", "Scope 2", "2", "location"),
    ("scope2_market", "Scope 2", "2", "market"),
    ("scope3", "Scope 3", "3", "location"),
    ("scope3_market", "Scope 3", "3", "market"),
    ("total_location", "Total", "1+2+3", "location"),
    ("total_market", "Total", "1+2+3", "market"),
)
GAS_NAMES = {"CO2e_only": "CO2e only (factors without a gas split)"}
T = "t CO2e"


def figure_rows(data: Mapping[str, Any]) -> list[Row]:
    """Every figure of report.json's emissions, categories, gases, comparatives, uncertainty,
    claim and renewable share, as rows (COLUMNS)."""
    year = int(data["year"])
    inv = data["inventory"]
    rows: list[Row] = [
        (name, year, scope, None, basis, float(inv[key]), T, "Emissions")
        for key, name, scope, basis in SCOPE_FIGURES
    ]
    rows.append(
        (
            "Biogenic CO2 (outside the scopes)",
            year,
            "",
            None,
            "none",
            float(inv["biogenic_co2"]),
            T,
            "Emissions",
        )
    )
    for c in data["scope3_categories"]:
        if not c["methods"]:
            continue  # not calculated: the screening says why, not a figure
        n = int(c["category"])
        name = f"Scope 3 category {n}: {SCOPE3_CATEGORIES[n]}"
        rows.append((name, year, "3", n, "location", float(c["co2e_t"]), T, "Scope 3 by category"))
        rows.append(
            (name, year, "3", n, "market", float(c["co2e_market_t"]), T, "Scope 3 by category")
        )
    rows += _gases(data["by_scope_gas"], year)
    for y in data["years"]:
        if int(y["year"]) == year:
            continue  # the year's own figures are the rows above
        rows += [
            (name, int(y["year"]), scope, None, basis, float(y[key]), T, "Year over year")
            for key, name, scope, basis in SCOPE_FIGURES
        ]
    rows += _uncertainty(data.get("uncertainty"), year)
    rows += _claim(data.get("claim"), year)
    rows += _renewables(data.get("renewables") or (), year)
    return rows


def _gases(by_scope: Mapping[str, Mapping[str, Mapping[str, float]]], year: int) -> list[Row]:
    """Per scope and gas: t CO2e and t of gas (location-based, as the inventory splits gases)."""
    out: list[Row] = []
    for scope, gases in sorted(by_scope.items()):
        basis = "none" if scope == "1" else "location"
        for gas, v in gases.items():
            if not v["co2e_t"] and not v["mass_t"]:
                continue
            name = f"Scope {scope} {GAS_NAMES.get(gas, gas)}"
            out.append((name, year, scope, None, basis, float(v["co2e_t"]), T, "By greenhouse gas"))
            if gas in GAS_NAMES:
                continue  # no mass: the factor gives CO2e only
            out.append(
                (
                    f"{name}, mass",
                    year,
                    scope,
                    None,
                    basis,
                    float(v["mass_t"]),
                    "t",
                    "By greenhouse gas",
                )
            )
    return out


def _uncertainty(section: Mapping[str, Any] | None, year: int) -> list[Row]:
    if not section:
        return []
    names = {key: (name, scope) for key, name, scope, _ in SCOPE_FIGURES}
    conf = f"{section['confidence_pct']:g}%"
    out: list[Row] = []
    for f in section["figures"]:
        name, scope = names[f["key"]]
        basis = f["basis"] or "none"
        for end, key in (("low", "low_t"), ("high", "high_t")):
            if f[key] is not None:
                out.append(
                    (
                        f"{name}, {conf} interval {end}",
                        year,
                        scope,
                        None,
                        basis,
                        float(f[key]),
                        T,
                        "Uncertainty",
                    )
                )
    return out


def _claim(claim: Mapping[str, Any] | None, year: int) -> list[Row]:
    """The neutrality claim: gross Scope 1 + 2 (market-based), credits, net."""
    if not claim:
        return []
    return [
        (name, year, "1+2", None, "market", float(claim[key]), T, "Carbon-neutrality claim")
        for key, name in (
            ("gross_t", "Neutrality claim: gross emissions"),
            ("credits_t", "Neutrality claim: credits retired"),
            ("net_t", "Neutrality claim: net emissions"),
        )
    ]


def _renewables(rows: Any, year: int) -> list[Row]:
    """Per site kind: electricity used, of it renewable, and the renewable share."""
    out: list[Row] = []
    for r in rows:
        kind = label(r["site_kind"]) if r.get("site_kind") else "without a site"
        for key, name, unit in (
            ("total_mwh", f"Electricity used, {kind}", "MWh"),
            ("renewable_mwh", f"Renewable electricity, {kind}", "MWh"),
            ("share_pct", f"Renewable share, {kind}", "%"),
        ):
            if r.get(key) is not None:
                out.append(
                    (
                        name,
                        year,
                        "",
                        None,
                        "none",
                        float(r[key]),
                        unit,
                        "Renewable energy and data centres",
                    )
                )
    return out
