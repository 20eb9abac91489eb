"""Emission intensities (reports/intensity.py) on small hand-made inputs, and in the demo's
published report as a reader sees it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from zerotrail.reports.html import tonnes
from zerotrail.reports.intensity import intensity, scale


def year(y: int, s1: float, s2m: float, total: float) -> dict[str, Any]:
    return {"year": y, "scope1": s1, "scope2_market": s2m, "total_market": total}


YEARS = [year(2023, 100.0, 300.0, 10_000.0), year(2024, 90.0, 210.0, 9_000.0)]
METRICS = {
    "revenue": {"unit": "CNY million", "values": {"2023": 50.0, "2024": 60.0}},
    # No 2023 figure, and 0 employees is no denominator: only 2024 has a value.
    "employees": {"unit": "FTE", "values": {"2022": 7.0, "2024": 200.0}},
}


def rows_of(section: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["numerator"], r["denominator"]): r for r in section["rows"]}


def test_intensity_per_metric_and_numerator() -> None:
    got = intensity(2024, YEARS, METRICS, [(2023, 400.0, 200.0, 2), (2024, 500.0, 150.0, 2)])
    assert got["years"] == [2023, 2024]
    rows = rows_of(got)
    # Revenue, Scope 1 + 2: 2023 (100 + 300) / 50 = 8 t, 2024 (90 + 210) / 60 = 5 t per CNY
    # million; the smallest, 5 t, is under 100, so kg: 8,000 and 5,000 kg; change -37.5%.
    s12 = rows[("Scope 1 + 2 (market-based)", "Revenue")]
    assert s12["unit"] == "kg CO2e per CNY million"
    assert s12["values"] == {"2023": pytest.approx(8000.0), "2024": pytest.approx(5000.0)}
    assert s12["change_pct"] == pytest.approx(-37.5)
    # Revenue, all scopes: 10,000 / 50 = 200 t and 9,000 / 60 = 150 t: both at least 100, so t.
    total = rows[("Scope 1 + 2 + 3 (market-based)", "Revenue")]
    assert total["unit"] == "t CO2e per CNY million"
    assert total["values"] == {"2023": pytest.approx(200.0), "2024": pytest.approx(150.0)}
    assert total["change_pct"] == pytest.approx(-25.0)
    # Employees: 2024 only, (90 + 210) / 200 = 1.5 t = 1,500 kg per FTE; no change without 2023.
    per_fte = rows[("Scope 1 + 2 (market-based)", "Employees")]
    assert per_fte["values"] == {"2024": pytest.approx(1500.0)}
    assert per_fte["unit"] == "kg CO2e per FTE" and per_fte["change_pct"] is None
    # IT load: 200 t / 400 MWh = 0.5 t = 500 kg per MWh; 150 / 500 = 0.3 t = 300 kg; -40%.
    it = rows[("Data centres, all scopes (market-based)", "IT energy of the data centres")]
    assert it["values"] == {"2023": pytest.approx(500.0), "2024": pytest.approx(300.0)}
    assert it["unit"] == "kg CO2e per MWh" and it["change_pct"] == pytest.approx(-40.0)
    assert got["it_sites"] == {"2023": 2, "2024": 2}


def test_no_metric_no_invented_row() -> None:
    got = intensity(2024, YEARS, {}, [])
    assert got == {"years": [2023, 2024], "rows": [], "it_sites": {}}


def test_zero_metric_is_no_denominator() -> None:
    got = intensity(2024, YEARS, {"revenue": {"unit": "USD", "values": {"2024": 0.0}}}, [])
    assert all(r["values"] == {} for r in got["rows"])


def test_years_shown_end_with_the_report_year() -> None:
    many = [year(y, 1.0, 1.0, 10.0) for y in range(2015, 2026)]
    assert intensity(2024, many, {}, [])["years"] == list(range(2019, 2025))


def test_scale_keeps_three_digits() -> None:
    assert scale({"a": 150.0}) == ("t", 1.0)
    assert scale({"a": 0.15, "b": 900.0}) == ("kg", 1e3)  # 0.15 t = 150 kg
    assert scale({"a": 0.00002}) == ("g", 1e6)  # 20 g: grams are the smallest unit shown
    assert scale({}) == ("t", 1.0)


def test_demo_report_shows_its_intensities(demo_report: Path) -> None:
    d = json.loads((demo_report / "report.json").read_text())
    section = d["intensity"]
    rows = rows_of(section)
    by_year = {str(y["year"]): y for y in d["years"]}
    revenue = d["metrics"]["revenue"]["values"]
    # Every revenue intensity is that year's market-based total over that year's revenue.
    total = rows[("Scope 1 + 2 + 3 (market-based)", "Revenue")]
    assert total["unit"] == "kg CO2e per CNY million"
    for y, v in total["values"].items():
        assert v == pytest.approx(1000 * by_year[y]["total_market"] / revenue[y])
    assert ("Data centres, all scopes (market-based)", "IT energy of the data centres") in rows
    html = (demo_report / "report.html").read_text()
    part = html[html.index('<h2 id="intensity">') :]
    part = part[: part.index("<h2", 5)]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", part))
    for r in section["rows"]:
        assert r["unit"] in text
        assert tonnes(r["values"][str(d["year"])]) in text
