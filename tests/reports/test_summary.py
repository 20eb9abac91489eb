"""The executive summary (reports/summary.py): sentences built from report.json's figures, on a
small hand-made report and on the demo's published one."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from zerotrail.reports.summary import summary


def cat(c: int, market: float) -> dict[str, Any]:
    return {"category": c, "co2e_t": market, "co2e_market_t": market}


# Scope 1 100 t, Scope 2 market 300 t, Scope 3 market 1,600 t: total 2,000 t, Scope 1 + 2 20%.
DATA: dict[str, Any] = {
    "organization": "Acme",
    "year": 2024,
    "inventory": {
        "scope1": 100.0,
        "scope2_market": 300.0,
        "scope3_market": 1600.0,
        "total_market": 2000.0,
    },
    # 2023: 2,500 t (2024 is 20% lower); base year 2020: 4,000 t (50% lower).
    "years": [
        {"year": 2020, "total_market": 4000.0},
        {"year": 2023, "total_market": 2500.0},
        {"year": 2024, "total_market": 2000.0},
    ],
    "base_year": {"year": 2020, "versions": [{"version": 1}]},
    "targets": [
        {"name": "Cut Scope 1 + 2", "status": "achieved"},
        {"name": "Net zero", "status": "off-track"},
        {"name": "Renewables", "status": "achieved"},
    ],
    # Gross 400 t against 500 t of credits, 40% of them removals: net -100 t.
    "claim": {
        "holds": True,
        "standard": "ISO 14068-1:2023",
        "boundary": "Scope 1 + Scope 2 (market-based)",
        "gross_t": 400.0,
        "credits_t": 500.0,
        "removal_share": 0.4,
        "net_t": -100.0,
    },
    "claim_none_reason": None,
    # 250 of 1,000 MWh renewable; leased assets 400 MWh, 100 of them covered.
    "energy_mix": {
        "total_mwh": 1000.0,
        "renewable_share_pct": 25.0,
        "outside": {"grid_mwh": 400.0, "renewable_mwh": 100.0},
    },
    # Categories 1 (1,000 t), 6 (400 t), 7 (150 t), 8 (50 t): the first three are named.
    "scope3_categories": [cat(1, 1000.0), cat(6, 400.0), cat(7, 150.0), cat(8, 50.0)]
    + [cat(c, 0.0) for c in (2, 3, 4, 5)],
    "intensity": {
        "rows": [
            {
                "numerator": "Scope 1 + 2 + 3 (market-based)",
                "denominator": "Employees",
                "unit": "kg CO2e per FTE",
                "values": {"2024": 12345.6},
            },
            {
                "numerator": "Scope 1 + 2 (market-based)",
                "denominator": "Employees",
                "unit": "kg CO2e per FTE",
                "values": {"2024": 2000.0},
            },
        ]
    },
}


def test_summary_sentences_follow_the_figures() -> None:
    s = summary(DATA)
    assert s == [
        "Acme's total greenhouse gas footprint in 2024 was 2,000 t CO2e (Scope 1 + 2 + 3,"
        " market-based): Scope 1 + 2 400 t (20.0%) and Scope 3 1,600 t (80.0%).",
        "The total footprint (market-based) is 20.0% lower than in 2023 (2,500 t) and 50.0%"
        " lower than in the base year 2020 (4,000 t, as first reported).",
        "Of its 3 targets, 2 are achieved (Cut Scope 1 + 2; Renewables) and 1 is off track"
        " (Net zero).",
        "The 2024 carbon-neutrality claim (ISO 14068-1:2023) holds for Scope 1 + Scope 2"
        " (market-based) only: gross emissions of 400 t CO2e, which are 20.0% of the total"
        " footprint, against 500 t of retired carbon credits, 40.0% of them removals; net −100 t"
        " CO2e.",
        "Renewable sources supplied 25.0% of the 1,000 MWh of energy used in its own operations"
        " (Scope 1 and 2). The electricity of leased assets reported in Scope 3 (400 MWh) was"
        " 25.0% covered by renewable instruments.",
        "The largest Scope 3 categories (market-based, with their share of Scope 3) are"
        " purchased goods and services (1,000 t, 62.5%), business travel (400 t, 25.0%) and"
        " employee commuting (150 t, 9.4%).",
        "Emission intensity (Scope 1 + 2 + 3, market-based): 12,346 kg CO2e per FTE (employees).",
    ]


def test_a_claim_that_fails_and_a_recalculated_base_are_said() -> None:
    d = copy.deepcopy(DATA)
    d["claim"].update(holds=False, credits_t=300.0, net_t=100.0, removal_share=None)
    d["base_year"]["versions"].append({"version": 2})
    # The base year recalculated for an acquisition: 5,000 t; 2,000 t is 60% lower.
    d["series"] = {"recalculated": [{"year": 2020, "total_market": 5000.0}]}
    s = summary(d)
    assert "claim (ISO 14068-1:2023) does not hold for" in s[3]
    assert "against 300 t of retired carbon credits; net 100 t CO2e." in s[3]
    assert s[1].endswith(
        "(4,000 t, as first reported) and 60.0% lower than the base year as recalculated for"
        " changes in what the company owns (5,000 t), which the targets use."
    )


def test_what_is_missing_is_left_out_not_invented() -> None:
    d = copy.deepcopy(DATA)
    d.update(claim=None, claim_none_reason="no neutrality target covers 2024", targets=[])
    d["years"] = [{"year": 2024, "total_market": 2000.0}]  # no earlier year
    d["energy_mix"] = {"total_mwh": 0.0, "renewable_share_pct": None, "outside": {}}
    d["intensity"] = {"rows": []}
    s = summary(d)
    assert len(s) == 3  # the footprint, the claim's absence, Scope 3
    assert s[1] == "No carbon-neutrality claim is made for 2024: no neutrality target covers 2024"
    assert not any("lower than" in x or "targets" in x or "MWh" in x for x in s)


def test_rises_are_called_rises() -> None:
    d = copy.deepcopy(DATA)
    d["years"][1]["total_market"] = 1600.0  # 2,000 against 1,600: 25% higher
    assert "25.0% higher than in 2023 (1,600 t)" in summary(d)[1]


def test_demo_summary_numbers_come_from_report_json(demo_report: Path) -> None:
    d = json.loads((demo_report / "report.json").read_text())
    assert 5 <= len(d["summary"]) <= 8
    assert d["summary"] == summary({k: v for k, v in d.items() if k != "summary"})
    inv = d["inventory"]
    first = d["summary"][0]
    # 776,993 t CO2e in the demo's 2025: every figure of the first sentence is report.json's.
    assert f"{inv['total_market']:,.0f} t CO2e" in first
    assert f"Scope 3 {inv['scope3_market']:,.0f} t" in first
    share = 100 * inv["scope3_market"] / inv["total_market"]
    assert f"({share:.1f}%)" in first
    html = (demo_report / "report.html").read_text()
    part = html[html.index('<h2 id="summary">') :]
    part = part[: part.index("<h2", 5)]
    items = [re.sub(r"\s+", " ", x).strip() for x in re.findall(r"<li>(.*?)</li>", part, re.S)]
    escaped = [x.replace("&#39;", "'").replace("&amp;", "&") for x in items]
    assert escaped == d["summary"]
    claim = d["claim"]
    assert any(claim["boundary"] in s and ("holds" in s) == claim["holds"] for s in d["summary"])


@pytest.mark.parametrize("status", ["on-track", "at-risk", "missed", "no-data", "not-started"])
def test_every_status_is_worded(status: str) -> None:
    d = copy.deepcopy(DATA)
    d["targets"] = [{"name": "T", "status": status}]
    (line,) = [s for s in summary(d) if s.startswith("Its one target (T) is ")]
    assert "-" not in line  # a label, not the code
