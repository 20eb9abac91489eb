"""What each target covers (reports/target_coverage.py) and the quality of the credits a claim
counts (reports/credit_quality.py), on small hand-made inputs."""

from __future__ import annotations

from typing import Any

import pytest

from zerotrail.reports.credit_quality import credits_retired
from zerotrail.reports.target_coverage import target_coverage

# Scope 1 100 t, Scope 2 location 500 / market 300 t; Scope 3 market: cat. 1 1,000 t,
# cat. 6 400 t. Total footprint, market-based: 100 + 300 + 1,400 = 1,800 t.
INVENTORY = {
    "scope1": 100.0,
    "scope2_location": 500.0,
    "scope2_market": 300.0,
    "total_market": 1800.0,
}
CATEGORIES = [
    {"category": 1, "co2e_market_t": 1000.0},
    {"category": 6, "co2e_market_t": 400.0},
]
RENEWABLES = [
    {"site_kind": "campus", "total_mwh": 300.0},
    {"site_kind": "data_center_leased", "total_mwh": 900.0},
]


def target(tid: str, **more: Any) -> dict[str, Any]:
    return {"id": tid, "subject": f"boundary of {tid}", **more}


def test_coverage_of_each_kind() -> None:
    definitions = [
        {"id": "S12", "scopes": [1, 2], "scope2_method": "market", "set_year": 2021},
        {"id": "S12L", "scopes": [1, 2], "scope2_method": "location"},
        {
            "id": "NZ",
            "scopes": [1, 2, 3],
            "scope2_method": "market",
            "scope3_categories": [],
            "ambition": "1.5C",
        },
        {"id": "TRAVEL", "scopes": [3], "scope3_categories": [6]},
        {"id": "RE", "site_kind": "data_center_leased", "set_year": 2020},
        {"id": "SUP", "basis": "emissions"},
    ]
    got = {
        c["id"]: c
        for c in target_coverage(
            definitions,
            [target(d["id"]) for d in definitions],
            INVENTORY,
            CATEGORIES,
            RENEWABLES,
        )
    }
    # Scope 1 + 2 market: 100 + 300 = 400 t of 1,800 = 22.2%.
    assert got["S12"]["covered"] == pytest.approx(400.0)
    assert got["S12"]["covered_pct"] == pytest.approx(400 / 1800 * 100)
    assert got["S12"]["set_year"] == 2021
    # Location-based Scope 2: 100 + 500 = 600 t, still against the market-based footprint.
    assert got["S12L"]["covered"] == pytest.approx(600.0)
    # Scopes 1-3, every category: 100 + 300 + 1,000 + 400 = 1,800 t = 100%.
    assert got["NZ"]["covered_pct"] == pytest.approx(100.0)
    assert got["NZ"]["ambition"] == "1.5 °C"  # stated in the roadmap, so named
    # Business travel only: 400 t = 22.2%.
    assert got["TRAVEL"]["covered"] == pytest.approx(400.0)
    # Leased data centres' electricity: 900 of 300 + 900 MWh = 75%.
    assert (got["RE"]["covered"], got["RE"]["covered_unit"]) == (900.0, "MWh")
    assert got["RE"]["covered_pct"] == pytest.approx(75.0)
    # A supplier-engagement target has no coverage figure.
    assert got["SUP"]["covered"] is None and got["SUP"]["covered_pct"] is None
    # No roadmap field records an SBTi validation: never invented.
    assert {c["science_based"] for c in got.values()} == {"not stated"}
    assert got["S12"]["ambition"] is None


def block(cid: str, kind: str, q: float, durability: str, counted: bool = True) -> dict[str, Any]:
    return {
        "credit_id": cid,
        "registry": "Verra VCS",
        "project_id": "P" + cid,
        "type": kind,
        "durability": durability,
        "vintage": 2024,
        "quantity": q,
        "retired_on": "2025-03-01",
        "counted": counted,
    }


def test_credits_counted_with_their_quality() -> None:
    claim = {
        "credits": [
            block("A", "avoidance", 300.0, "none"),
            block("B", "removal", 600.0, "long"),
            block("C", "reduction", 100.0, "none"),
            block("D", "removal", 50.0, "permanent", counted=False),  # not counted: left out
        ]
    }
    details = [
        {
            "credit_id": "B",
            "project_name": "Biochar",
            "methodology": "Puro",
            "ccp_label": True,
            "corsia_eligible": None,
            "corresponding_adjustment": False,
            "beneficiary": "Acme",
        },
    ]
    got = credits_retired(claim, details)
    assert got is not None
    assert [b["credit_id"] for b in got["blocks"]] == ["A", "B", "C"]
    # Removals 600 of 300 + 600 + 100 = 1,000 t: 60%; avoidance and reductions 400 t: 40%.
    assert (got["total_t"], got["removals_t"], got["avoidance_t"]) == (1000.0, 600.0, 400.0)
    assert got["removals_pct"] == pytest.approx(60.0)
    assert got["avoidance_pct"] == pytest.approx(40.0)
    b = got["blocks"][1]
    assert (b["project_name"], b["methodology"], b["ccp_label"]) == ("Biochar", "Puro", True)
    assert b["corsia_eligible"] is None  # not recorded stays not recorded
    assert b["durability_label"] == "long (100 to 1,000 years)"
    assert got["blocks"][0]["project_name"] is None  # no details for A: nothing made up
    assert credits_retired(None, details) is None
