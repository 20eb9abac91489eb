"""A small company with inventories 2020-2025 for roadmap tests, with round numbers.

Custom factors (set "test", pinned by id, valid 2020-2025) make every figure a whole number of
tonnes: 1 t CO2 per MWh of electricity (Scope 2, both methods when no instruments), 1 t CO2 per
GJ of diesel burnt (Scope 1), 1 t CO2e per t of steel bought (Scope 3 category 1).

Entities: E (the reporting company) and A (60% held by E, operational control), so the
consolidation approach changes A's share. Yearly quantities are given per entity.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tests.engines.conftest import load
from zerotrail.engine.settings import InventorySettings
from zerotrail.pipeline.calculation import calculate
from zerotrail.store.workspace import Workspace

YEARS = range(2020, 2026)

ENTITIES = [
    {
        "entity": "E",
        "name": "Emmet",
        "parent": "",
        "equity_share": 100,
        "financial_control": "yes",
        "operational_control": "yes",
        "country": "CN",
    },
    {
        "entity": "A",
        "name": "Acquired Ltd",
        "parent": "E",
        "equity_share": 60,
        "financial_control": "yes",
        "operational_control": "yes",
        "country": "CN",
    },
]

SITES = [
    {"site": "HQ", "entity": "E", "kind": "campus", "region": "CN-EAST"},
    {"site": "DC1", "entity": "E", "kind": "data_center_leased", "region": "CN-EAST"},
    {"site": "A1", "entity": "A", "kind": "office", "region": "CN-EAST"},
]


def _factor(fid: str, key: str, unit: str, gas: str) -> dict[str, Any]:
    return {
        "factor_id": fid,
        "factor_set": "test",
        "activity": key,
        "region": "GLOBAL",
        "valid_from": "2020-01-01",
        "valid_to": "2025-12-31",
        "unit": unit,
        "gas": gas,
        "value": 1.0,
        "value_unit": "t",
        "gwp_basis": "AR5" if gas == "CO2e" else "",
        "source": "test factor: round numbers",
    }


FACTORS = [
    _factor("t-elec", "electricity.grid", "MWh", "CO2"),
    _factor("t-diesel", "stationary_combustion.diesel", "GJ", "CO2"),
    _factor("t-steel", "purchased_goods.steel", "t", "CO2e"),
]

PINS = {
    "electricity.grid": ("t-elec", "MWh"),
    "stationary_combustion.diesel": ("t-diesel", "GJ"),
    "purchased_goods.steel": ("t-steel", "t"),
}

# Default yearly quantities: Scope 1 diesel GJ, electricity MWh at HQ and at DC1, steel t.
# Scope 1 + 2 falls 1,000 -> 700 (30%) over 2020-2025.
DEFAULT = {
    "E": {
        2020: {"diesel": 200, "hq": 500, "dc": 300, "steel": 4000},
        2021: {"diesel": 190, "hq": 470, "dc": 290, "steel": 4000},
        2022: {"diesel": 180, "hq": 440, "dc": 280, "steel": 4100},
        2023: {"diesel": 170, "hq": 410, "dc": 260, "steel": 4100},
        2024: {"diesel": 160, "hq": 380, "dc": 230, "steel": 4200},
        2025: {"diesel": 150, "hq": 350, "dc": 200, "steel": 4200},
    },
}


def activities(plan: Mapping[str, Mapping[int, Mapping[str, float]]]) -> list[dict[str, Any]]:
    rows = []
    for ent, years in plan.items():
        for year, q in years.items():
            for name, key, site in (
                ("diesel", "stationary_combustion.diesel", None),
                ("hq", "electricity.grid", "HQ"),
                ("dc", "electricity.grid", "DC1"),
                ("a1", "electricity.grid", "A1"),
                ("steel", "purchased_goods.steel", None),
            ):
                if not q.get(name):
                    continue
                fid, unit = PINS[key]
                rows.append(
                    {
                        "record_id": f"{ent}-{name}-{year}",
                        "entity": ent,
                        "period_start": f"{year}-01-01",
                        "period_end": f"{year}-12-31",
                        "activity": key,
                        "quantity": q[name],
                        "unit": unit,
                        "region": "CN-EAST",
                        "site": site or "",
                        "factor_id": fid,
                        "supplier": "SUP-GREEN" if name == "steel" else "",
                    }
                )
    return rows


def build(
    ws: Workspace,
    tmp: Path,
    plan: Mapping[str, Mapping[int, Mapping[str, float]]] = DEFAULT,
    *,
    approach: str = "operational_control",
    years: range = YEARS,
) -> None:
    """Import the world and calculate every year."""
    load(ws, tmp, activities=activities(plan), entities=ENTITIES, sites=SITES, factors=FACTORS)
    for y in years:
        # Strict: market-based Scope 2 takes each year's own residual mix or, where a year has
        # none (2020, 2024, 2025), the location-based factor, as the worked figures assume; the
        # nearest policy would take the verified 2023 edition for every year.
        calculate(ws, InventorySettings(y, approach=approach, factor_policy="strict"))
