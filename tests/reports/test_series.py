"""The like-for-like series (reports/series.py): every year as reported beside the same year
recalculated for the base-year events, and the year-over-year table built on it.

First on hand-made figures, then on the small roadmap world (tests/targets/world.py) with an
acquisition recorded against its base year, then on the demo's published report.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.targets.conftest import ABSOLUTE, roadmap_file, world
from tests.targets.world import DEFAULT
from zerotrail.pipeline.publish import build
from zerotrail.pipeline.roadmap import add_targets, read_roadmap_file, record_event
from zerotrail.pipeline.series import like_for_like
from zerotrail.reports.series import scope12_market, series, unadjusted_entities, year_over_year
from zerotrail.store.workspace import Workspace
from zerotrail.targets.baseyear import EventInput
from zerotrail.targets.recalc import Figures

__all__ = ["world"]


def year(y: int, s1: float, s2l: float, s2m: float, s3m: float) -> dict[str, Any]:
    """A year as periodic.year_rows gives it (location-based Scope 3 is not in the series)."""
    return {"year": y, "scope1": s1, "scope2_location": s2l, "scope2_market": s2m,
            "scope3": -1.0, "scope3_market": s3m}  # fmt: skip


def version(v: int, s1: float, s2l: float, s2m: float, s3: float) -> dict[str, Any]:
    return {"version": v, "scope1": s1, "scope2_location": s2l, "scope2_market": s2m, "scope3": s3}


def event(eid: str, kind: str, applied: int | None, s1: float, s2l: float, s2m: float,
          s3: float) -> dict[str, Any]:  # fmt: skip
    return {"event_id": eid, "kind": kind, "description": f"{kind} {eid}",
            "scope1_t": s1, "scope2_location_t": s2l, "scope2_market_t": s2m, "scope3_t": s3,
            "applied_in_version": applied}  # fmt: skip


# Base year 2020 as first recorded: Scope 1 100, Scope 2 200 location / 180 market, Scope 3
# 1,000 t. Version 2 applies three events: BUY, an acquisition taking effect in 2023 (+10, +20,
# +15, +100 t), SELL, a divestment in 2021 (-5, -10, -10, -50 t) and FIX, an error found in
# 2022 (+2 t Scope 1): 107, 210, 185, 1,050 t. SMALL, an acquisition in 2024 (+1 t), is pending.
# The years have inventories for 2020, 2021, 2023 and 2024 (none for 2022).
YEARS = [
    year(2020, 100, 200, 180, 1000),
    year(2021, 90, 190, 170, 950),
    year(2023, 80, 180, 150, 900),
    year(2024, 70, 170, 140, 880),
]
BASE = {
    "year": 2020,
    "versions": [version(1, 100, 200, 180, 1000), version(2, 107, 210, 185, 1050)],
    "events": [
        event("BUY", "acquisition", 2, 10, 20, 15, 100),
        event("SELL", "divestment", 2, -5, -10, -10, -50),
        event("FIX", "error", 2, 2, 0, 0, 0),
        event("SMALL", "acquisition", None, 1, 0, 0, 0),
    ],
}
TOOK_EFFECT = {"BUY": 2023, "SELL": 2021, "FIX": 2022, "SMALL": 2024}


def test_the_recalculated_series() -> None:
    s = series(YEARS, BASE, TOOK_EFFECT)
    assert (s["base_year"], s["base_year_version"]) == (2020, 2)
    figures = [
        (r["year"], r["scope1"], r["scope2_location"], r["scope2_market"], r["scope3_market"])
        for r in s["recalculated"]
    ]
    assert figures == [
        # The base year is its latest version, the figures targets are measured on.
        (2020, 107, 210, 185, 1050),
        # 2021 is before BUY took effect: + 10, + 20, + 15, + 100. SELL took effect in 2021
        # (the year holds the business until then) and FIX changes the base year only.
        (2021, 100, 210, 185, 1050),
        # From 2023, when BUY took effect, as reported; SMALL is pending.
        (2023, 80, 180, 150, 900),
        (2024, 70, 170, 140, 880),
    ]
    rows = {r["year"]: r for r in s["recalculated"]}
    assert rows[2020]["scope12_market"] == 107 + 185
    assert rows[2020]["total_market"] == 107 + 185 + 1050
    assert [(y, rows[y]["adjusted_for"], rows[y]["part_year_events"]) for y in rows] == [
        (2020, ["BUY", "SELL", "FIX"], []),
        (2021, ["BUY"], ["SELL"]),
        (2023, [], ["BUY"]),
        (2024, [], []),
    ]
    assert s["as_reported"][1] == {
        "year": 2021,
        "scope1": 90,
        "scope2_location": 190,
        "scope2_market": 170,
        "scope12_market": 90 + 170,
        "scope3_market": 950,
        "total_market": 90 + 170 + 950,
    }
    events = {e["event_id"]: e for e in s["events"]}
    assert {e: events[e]["years_adjusted"] for e in events} == {
        "BUY": [2020, 2021],
        "SELL": [2020],
        "FIX": [2020],
        "SMALL": [],
    }
    assert (events["BUY"]["year"], events["BUY"]["kind_label"]) == (2023, "Acquisition")
    assert events["FIX"]["kind_label"] == "Correction of an error"
    assert events["BUY"]["scope12_market_t"] == 10 + 15
    assert scope12_market(s) == {2020: 292, 2021: 285, 2023: 230, 2024: 210}


def test_without_a_base_year_both_series_are_as_reported() -> None:
    s = series(YEARS, None, {})
    assert s["base_year"] is None and s["events"] == []
    assert [{k: r[k] for k in s["as_reported"][0]} for r in s["recalculated"]] == s["as_reported"]
    assert all(r["adjusted_for"] == [] == r["part_year_events"] for r in s["recalculated"])


def test_the_year_over_year_table() -> None:
    s = series(YEARS, BASE, TOOK_EFFECT)
    restated = [{"year": 2021, "figure": "scope3"}, {"year": 2021, "figure": "scope1"}]
    table = {y["year"]: y for y in year_over_year(s, restated, "report-2024-1")}
    first = {f["figure"]: f for f in table[2020]["figures"]}
    assert list(first) == [
        "scope1",
        "scope2_location",
        "scope2_market",
        "scope12_market",
        "scope3_market",
        "total_market",
    ]
    assert first["scope2_market"]["label"] == "Scope 2 (market-based)"
    assert (first["scope1"]["t"], first["scope1"]["change_t"], first["scope1"]["change_pct"]) == (
        107,
        None,
        None,
    )
    # 2021 against 2020, both recalculated: Scope 1 100 - 107 = -7 t = -6.54%; the total
    # (100 + 185 + 1,050) - (107 + 185 + 1,050) = -7 t of 1,342.
    y21 = {f["figure"]: f for f in table[2021]["figures"]}
    assert y21["scope1"]["change_t"] == -7
    assert y21["scope1"]["change_pct"] == pytest.approx(-700 / 107)
    assert y21["total_market"]["change_pct"] == pytest.approx(-700 / 1342)
    # 2022 has no inventory: 2023 has no change from the year before.
    assert all(f["change_t"] is None for f in table[2023]["figures"])
    # 2024 against 2023: Scope 1 70 - 80 = -10 t = -12.5%.
    y24 = {f["figure"]: f for f in table[2024]["figures"]}
    assert (y24["scope1"]["change_t"], y24["scope1"]["change_pct"]) == (-10, -12.5)
    assert table[2020]["notes"] == [
        "Recalculated for BUY (acquisition)",
        "Recalculated for SELL (divestment)",
        "Recalculated for FIX (correction of an error)",
    ]
    assert table[2021]["notes"] == [
        "Recalculated for BUY (acquisition)",
        "SELL (divestment) took effect during the year, which holds the business until that date",
        "Restated since report-2024-1: Scope 3 (location-based), Scope 1",
    ]
    assert table[2023]["notes"] == [
        "BUY (acquisition) took effect during the year, which holds the business from that date"
    ]
    assert table[2024]["notes"] == []


# --- the roadmap world -----------------------------------------------------------------------
#
# World years (tests/targets/world.py, custom factors of 1 t per unit): Scope 1 = diesel GJ,
# Scope 2 location-based = HQ + DC1 MWh, Scope 3 = steel t. Base year 2020: 200, 800, 4,000 t
# (market-based Scope 2 equals location-based in 2020: no residual mix). An acquisition of A
# taking effect in 2023 with 20 t Scope 1, 30 t Scope 2 (both methods) and 100 t Scope 3 in
# 2020 is 50 t = 5% of Scope 1 + 2: version 2 of the base year is 220, 830, 4,100 t.


def acquire(ws: Workspace, tmp: Path) -> None:
    add_targets(ws, read_roadmap_file(roadmap_file(tmp, ABSOLUTE)), "roadmap.toml")
    decided = record_event(
        ws,
        EventInput(
            "ACQ", 2020, 2023, "acquisition", "A bought", Figures(20, 30, 30, {1: 100}), "A"
        ),
    )
    assert decided.recalculate


def test_like_for_like_on_the_roadmap_world(world: Workspace, tmp_path: Path) -> None:
    acquire(world, tmp_path)
    s = like_for_like(world, 2025)
    reported = {r["year"]: r for r in s["as_reported"]}
    again = {r["year"]: r for r in s["recalculated"]}
    q = DEFAULT["E"]
    for y in range(2020, 2026):
        assert reported[y]["scope1"] == pytest.approx(q[y]["diesel"])
        assert reported[y]["scope2_location"] == pytest.approx(q[y]["hq"] + q[y]["dc"])
    # 2020: version 2.
    assert (again[2020]["scope1"], again[2020]["scope2_location"]) == (220, 830)
    assert (again[2020]["scope2_market"], again[2020]["scope3_market"]) == (830, 4100)
    # 2021 and 2022, before A joined: as reported + 20, + 30, + 30, + 100.
    for y in (2021, 2022):
        assert again[y]["scope1"] == pytest.approx(q[y]["diesel"] + 20)
        assert again[y]["scope2_location"] == pytest.approx(q[y]["hq"] + q[y]["dc"] + 30)
        assert again[y]["scope2_market"] == pytest.approx(reported[y]["scope2_market"] + 30)
        assert again[y]["scope3_market"] == pytest.approx(q[y]["steel"] + 100)
        assert again[y]["adjusted_for"] == ["ACQ"]
    # 2023 (A from the date it joined) and later: as reported.
    for y in (2023, 2024, 2025):
        assert {k: again[y][k] for k in reported[y]} == reported[y]
    assert again[2023]["part_year_events"] == ["ACQ"]
    (acq,) = s["events"]
    assert (acq["year"], acq["applied_in_version"], acq["years_adjusted"]) == (
        2023,
        2,
        [2020, 2021, 2022],
    )


def test_the_report_shows_the_same_series(world: Workspace, tmp_path: Path) -> None:
    acquire(world, tmp_path)
    d = build(world, 2023)
    assert d["series"] == like_for_like(world, 2023)
    # The target is measured on the recalculated base year: Scope 1 + 2 location-based
    # 220 + 830 = 1,050 t.
    (s12,) = [t for t in d["targets"] if t["id"] == "S12"]
    base = next(r for r in d["series"]["recalculated"] if r["year"] == 2020)
    assert s12["base_value"] == pytest.approx(base["scope1"] + base["scope2_location"]) == 1050
    table = {y["year"]: y for y in d["year_over_year"]}
    # 2021 against 2020, recalculated: Scope 1 (190 + 20) - 220 = -10 t = -4.55%.
    y21 = {f["figure"]: f for f in table[2021]["figures"]}
    assert y21["scope1"]["change_t"] == pytest.approx(-10)
    assert y21["scope1"]["change_pct"] == pytest.approx(-1000 / 220)
    assert table[2022]["notes"] == ["Recalculated for ACQ (acquisition)"]
    assert table[2023]["notes"] == [
        "ACQ (acquisition) took effect during the year, which holds the business from that date"
    ]


# --- the demo's published report ----------------------------------------------------------------


def test_the_demo_report_sets_both_series_side_by_side(demo_report: Path) -> None:
    d = json.loads((demo_report / "report.json").read_text())
    s = d["series"]
    lfl = {r["year"]: r for r in s["recalculated"]}
    reported = {r["year"]: r for r in s["as_reported"]}
    assert sorted(lfl) == list(range(2020, 2026))
    # The acquisition of July 2023 is added to 2020-2022; 2023 holds it from July.
    (acq,) = [e for e in s["events"] if e["kind"] == "acquisition"]
    assert acq["years_adjusted"] == [2020, 2021, 2022] and acq["year"] == 2023
    for y in (2021, 2022):
        assert lfl[y]["scope12_market"] == pytest.approx(
            reported[y]["scope12_market"] + acq["scope12_market_t"]
        )
    for y in (2023, 2024, 2025):
        assert lfl[y]["scope12_market"] == reported[y]["scope12_market"]
    # The Scope 1 + 2 target is measured on the same recalculated base year.
    (abs_target,) = [t for t in d["targets"] if t["id"] == "S12-ABS-2025"]
    assert abs_target["base_value"] == pytest.approx(lfl[2020]["scope12_market"])
    # The year-over-year table, on the recalculated series, with the events marked.
    table = {y["year"]: y for y in d["year_over_year"]}
    s12 = {
        y: next(f for f in table[y]["figures"] if f["figure"] == "scope12_market") for y in table
    }
    assert s12[2025]["change_t"] == pytest.approx(
        lfl[2025]["scope12_market"] - lfl[2024]["scope12_market"]
    )
    assert table[2021]["notes"] == [f"Recalculated for {acq['event_id']} (acquisition)"]
    assert "took effect during the year" in table[2023]["notes"][0]
    # The page: both series side by side, each table naming its series and basis.
    html = (demo_report / "report.html").read_text()
    start = html.index('id="years"')
    section = html[start : html.find("<h2", start)]
    assert "As reported and recalculated" in section
    assert "The years below are like-for-like" in section
    assert "Recalculated series; under each figure its change from the year before" in section
    assert "recalculated years: 2020, 2021, 2022" in section
    assert f"{lfl[2020]['scope12_market']:,.0f}" in section
    assert f"{reported[2020]['scope12_market']:,.0f}" in section
    # Every Scope 2 and Scope 3 column names its basis.
    heads = re.findall(r"<th[^>]*>(.*?)</th>", section)
    assert heads and all("based" in h for h in heads if re.search(r"Scope [23]\b(?! *\+)", h)), (
        heads
    )
    assert "Separately, the years 2020, 2021, 2022 are shown recalculated" in html


def test_entities_no_event_covers_are_named() -> None:
    # Base year 2020, report 2025. A (2020-2025) is there throughout; B starts in 2023 and no
    # event names it; C stops in 2022 and no event names it; D starts in 2023 but an
    # acquisition event names it.
    spans = [("A", 2020, 2025), ("B", 2023, 2025), ("C", 2020, 2022), ("D", 2023, 2025)]
    got = unadjusted_entities(spans, 2020, 2025, ["D"], {"B": "Bravo Ltd", "C": None})
    assert got == [
        {
            "entity": "B",
            "name": "Bravo Ltd",
            "first_year": 2023,
            "last_year": 2025,
            "joined": True,
            "left": False,
        },
        {
            "entity": "C",
            "name": "C",
            "first_year": 2020,
            "last_year": 2022,
            "joined": False,
            "left": True,
        },
    ]
    assert unadjusted_entities(spans, None, 2025, [], {}) == []


def test_the_demo_names_its_unrecorded_acquisition(demo_report: Path) -> None:
    # Emmet US joined in April 2023 and no base-year event records it (the one event is
    # Pengcheng's, EMMET-PC): the report says its emissions are not adjusted for.
    d = json.loads((demo_report / "report.json").read_text(encoding="utf-8"))
    named = {e["entity"]: e for e in d["unadjusted_entities"]}
    assert set(named) == {"EMMET-US"}
    assert (named["EMMET-US"]["first_year"], named["EMMET-US"]["joined"]) == (2023, True)
    html = (demo_report / "report.html").read_text(encoding="utf-8")
    assert "Not adjusted: Emmet US (acquired April 2023) has activity records from 2023" in html
