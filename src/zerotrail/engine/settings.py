"""Inventory settings: the choices that change numbers, recorded on every run."""

from __future__ import annotations

from dataclasses import dataclass

APPROACHES = ("operational_control", "financial_control", "equity_share")
BLEND_RULES = ("composition", "publisher")
# Which factor editions a record may use when none is valid at its period start
# (docs/methodology.md): `nearest` takes the nearest earlier edition, else the nearest later,
# flagged `edition_year_mismatch`; `strict` refuses both (the record becomes a problem).
FACTOR_POLICIES = ("nearest", "strict")
FAMILIES = ("co2", "ch4", "n2o", "hfc", "pfc", "sf6", "nf3")

# Default data-quality score (1 very good … 5 very poor) by method, used when a record gives
# no indicator scores: metered fuel and energy are direct measurements, spend is the weakest.
METHOD_DQ: dict[str, float] = {
    "supplier-specific": 1.5,
    "fuel-based": 1.0,
    "location-based": 1.0,
    "mass-balance": 2.0,
    "site-specific": 1.5,
    "distance-based": 2.0,
    "waste-type-specific": 2.5,
    "average-data": 3.0,
    "spend-based": 4.0,
}


@dataclass(frozen=True, slots=True)
class InventorySettings:
    year: int
    gwp_set: str = "AR5"
    approach: str = "operational_control"
    blend_rule: str = "composition"
    factor_policy: str = "nearest"
