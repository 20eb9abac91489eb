"""Initiatives against the inventory: expected abatement, and realized abatement attributed so
that it cannot over-claim (reports/initiatives.py has the rule).

The attribution rule is tested on small hand-made inputs (t CO2e, market-based), then as a
property over random ones, then on the report tests' company (tests/reports/__init__.py) and on
the demo's published report.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import typer
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from tests.cli.paths import long_dir
from tests.conftest import Templates
from tests.engines.conftest import ROOT, write_csv
from tests.reports import SITES, build
from zerotrail.cli import common
from zerotrail.cli import initiatives as initiatives_cli
from zerotrail.errors import DataError, ZerotrailError
from zerotrail.ingest.initiatives import LEVERS, import_initiatives
from zerotrail.ingest.organization import import_entities, import_sites
from zerotrail.pipeline.initiatives import attribution, initiatives
from zerotrail.pipeline.initiatives import initiative_versions as versions
from zerotrail.reports.initiatives import (
    ALL_KINDS,
    FUEL,
    OTHER_SCOPE1,
    PURCHASED_ENERGY,
    REFRIGERANTS,
    SLICES,
    attribute,
    kind_of,
)
from zerotrail.store.workspace import Workspace, open_workspace

PE, REF = PURCHASED_ENERGY, REFRIGERANTS


def row(iid: str, lever: str, sites: str, start: int, expected: float) -> dict[str, Any]:
    """An initiative as store/initiative_reads.py reads it (latest version)."""
    return {
        "initiative_id": iid,
        "version": 1,
        "name": f"initiative {iid}",
        "owner": "Facilities",
        "lever": lever,
        "sites": sites,
        "start_year": start,
        "expected_t_per_year": expected,
        "cost": None,
        "currency": None,
    }


def realized(out: Mapping[str, Any]) -> dict[str, float | None]:
    return {r["initiative_id"]: r["realized_t"] for r in out["rows"]}


# --- the rule on hand-made inputs -------------------------------------------------------------


def test_kinds_of_emissions() -> None:
    assert kind_of(2, "electricity.grid") == PE
    assert kind_of(2, "steam.district") == PE
    assert kind_of(1, "fugitive.R-410A") == REF
    assert kind_of(1, "stationary_combustion.diesel") == FUEL
    assert kind_of(1, "mobile_combustion.petrol") == FUEL
    assert kind_of(1, "process.cement") == OTHER_SCOPE1


def test_one_initiative_gets_its_expected_abatement_or_the_fall_if_smaller() -> None:
    # Site A's purchased energy falls 1,000 -> 700 t from 2022 (the year before the start) to
    # 2024: a fall of 300 t. Company Scope 1 + 2 falls 5,000 -> 4,000 t.
    em = {2022: {"A": {PE: 1000.0}}, 2024: {"A": {PE: 700.0}}}
    company = {2022: 5000.0, 2024: 4000.0}
    out = attribute(2024, [row("PPA", "renewable_energy", "A", 2023, 200)], em, company)
    # 200 t expected, 300 t fell: the expected 200 t (100%).
    (r,) = out["rows"]
    assert (r["realized_t"], r["realized_pct"]) == (200.0, 100.0)
    assert r["baseline_year"] == 2022 and r["baseline_t"] == 1000.0
    assert r["claims"] == SLICES["renewable_energy"].label
    # 500 t expected, 300 t fell: 300 t (60%).
    out = attribute(2024, [row("PPA", "renewable_energy", "A", 2023, 500)], em, company)
    (r,) = out["rows"]
    assert (r["realized_t"], r["realized_pct"]) == (300.0, 60.0)
    assert out["sites"] == [
        {
            "site": "A",
            "from_year": 2022,
            "from_t": 1000.0,
            "t": 700.0,
            "fall_t": 300.0,
            "initiatives": ["PPA"],
            "attributed_t": 300.0,
        }
    ]
    assert out["company"] == {
        "from_year": 2022,
        "to_year": 2024,
        "from_t": 5000.0,
        "t": 4000.0,
        "fall_t": 1000.0,
        "attributed_t": 300.0,
        "scaled_down": False,
    }


def test_a_rise_is_no_fall() -> None:
    # Site A's purchased energy rises 1,000 -> 1,100 t: nothing is realized.
    em = {2022: {"A": {PE: 1000.0}}, 2024: {"A": {PE: 1100.0}}}
    out = attribute(2024, [row("PPA", "renewable_energy", "A", 2023, 200)], em, {2022: 9, 2024: 1})
    assert realized(out) == {"PPA": 0.0}
    assert out["sites"][0]["fall_t"] == 0.0


def test_overlapping_initiatives_share_the_fall_in_proportion_to_their_expected() -> None:
    # A PPA (600 t expected, from 2023) and rooftop solar (200 t, from 2022) both act on site A's
    # purchased energy, which fell 1,000 -> 600 t = 400 t from 2021 (the earlier baseline) to
    # 2024. 800 t expected, 400 t fell: each gets 400 / 800 = half its expected, 300 and 100 t.
    em = {
        2021: {"A": {PE: 1000.0}},
        2022: {"A": {PE: 900.0}},
        2024: {"A": {PE: 600.0}},
    }
    rows = [
        row("PPA", "renewable_energy", "A", 2023, 600),
        row("SOLAR", "renewable_energy", "A", 2022, 200),
    ]
    out = attribute(2024, rows, em, {2021: 10_000, 2024: 9_000})
    assert realized(out) == {"PPA": 300.0, "SOLAR": 100.0}
    by_site = {r["initiative_id"]: r["by_site"] for r in out["rows"]}
    assert by_site["PPA"] == [
        {
            "site": "A",
            "expected_t": 600.0,
            "attributed_t": 300.0,
            "from_year": 2021,
            "fall_t": 400.0,
        }
    ]
    # A fall that covers both (3,000 -> 600 t = 2,400 t): each gets its expected.
    em[2021] = {"A": {PE: 3000.0}}
    out = attribute(2024, rows, em, {2021: 10_000, 2024: 7_000})
    assert realized(out) == {"PPA": 600.0, "SOLAR": 200.0}


def test_a_lever_claims_only_the_emissions_it_acts_on() -> None:
    # Site A: purchased energy 5,000 -> 3,000 t (-2,000), refrigerant leaks 100 -> 70 t (-30).
    # The refrigerant initiative expects 100 t but only its 30 t fall counts: 30 t (30%).
    em = {
        2022: {"A": {PE: 5000.0, REF: 100.0}},
        2024: {"A": {PE: 3000.0, REF: 70.0}},
    }
    out = attribute(2024, [row("R32", "refrigerants", "A", 2023, 100)], em, {2022: 9e3, 2024: 6e3})
    assert realized(out) == {"R32": pytest.approx(30.0)}
    assert out["rows"][0]["realized_pct"] == pytest.approx(30.0)


def test_an_electric_fleet_counts_its_charging_against_the_fuel_it_saves() -> None:
    # Fleet site F: fuel 1,000 -> 700 t (-300), charging electricity 0 -> 120 t (+120): the
    # net fall of its Scope 1 + 2 is 180 t, below the 250 t expected.
    em = {2020: {"F": {FUEL: 1000.0}}, 2023: {"F": {FUEL: 700.0, PE: 120.0}}}
    out = attribute(
        2023, [row("EV", "electrification", "F", 2021, 250)], em, {2020: 2e3, 2023: 1e3}
    )
    assert realized(out) == {"EV": pytest.approx(180.0)}


def test_the_site_caps_initiatives_on_different_emissions() -> None:
    # Site A from 2022 to 2024: purchased energy 1,000 -> 800 t (-200), refrigerants 100 -> 50 t
    # (-50), fuel burnt 300 -> 450 t (+150). Site Scope 1 + 2: 1,400 -> 1,300 t = a fall of 100 t.
    # A renewable initiative expects 200 t (its fall covers it: 200) and a refrigerant one 50 t
    # (50): 250 t together, above the site's 100 t, so both are scaled by 100 / 250 = 0.4:
    # 80 and 20 t.
    em = {
        2022: {"A": {PE: 1000.0, REF: 100.0, FUEL: 300.0}},
        2024: {"A": {PE: 800.0, REF: 50.0, FUEL: 450.0}},
    }
    rows = [
        row("GREEN", "renewable_energy", "A", 2023, 200),
        row("R32", "refrigerants", "A", 2023, 50),
    ]
    out = attribute(2024, rows, em, {2022: 1e4, 2024: 9e3})
    assert realized(out) == {"GREEN": pytest.approx(80.0), "R32": pytest.approx(20.0)}
    (site,) = out["sites"]
    assert (site["fall_t"], site["attributed_t"]) == (pytest.approx(100.0), pytest.approx(100.0))


def test_expected_abatement_is_split_over_sites_by_their_baseline_emissions() -> None:
    # An efficiency initiative (80 t expected) at A and B, whose energy use (purchased energy and
    # fuel) in 2022 was 300 t and 100 t: A's share is 80 x 300/400 = 60 t, B's 20 t. A fell 200 t
    # (covers 60), B only 5 t: realized 60 + 5 = 65 t.
    em = {
        2022: {"A": {PE: 250.0, FUEL: 50.0}, "B": {PE: 100.0}},
        2024: {"A": {PE: 100.0}, "B": {PE: 95.0}},
    }
    out = attribute(2024, [row("EFF", "efficiency", "A;B", 2023, 80)], em, {2022: 1e4, 2024: 9e3})
    (r,) = out["rows"]
    assert [(s["site"], s["expected_t"], s["attributed_t"]) for s in r["by_site"]] == [
        ("A", pytest.approx(60.0), pytest.approx(60.0)),
        ("B", pytest.approx(20.0), pytest.approx(5.0)),
    ]
    assert r["realized_t"] == pytest.approx(65.0)


def test_the_company_caps_the_total() -> None:
    # Sites A and B each fell 100 t (each initiative gets its 100 t expected), but the company's
    # Scope 1 + 2 fell only 150 t (2,000 -> 1,850: a site without initiatives grew): the 200 t
    # are scaled by 150 / 200 = 0.75 to 75 t each.
    em = {2022: {"A": {PE: 500.0}, "B": {PE: 500.0}}, 2024: {"A": {PE: 400.0}, "B": {PE: 400.0}}}
    rows = [
        row("IA", "renewable_energy", "A", 2023, 100),
        row("IB", "renewable_energy", "B", 2023, 100),
    ]
    out = attribute(2024, rows, em, {2022: 2000.0, 2024: 1850.0})
    assert realized(out) == {"IA": pytest.approx(75.0), "IB": pytest.approx(75.0)}
    assert out["company"]["scaled_down"] is True
    assert out["company"]["attributed_t"] == pytest.approx(150.0)
    # A company whose Scope 1 + 2 rose: nothing is realized.
    out = attribute(2024, rows, em, {2022: 2000.0, 2024: 2100.0})
    assert realized(out) == {"IA": 0.0, "IB": 0.0}


def test_initiatives_without_a_realized_figure_say_why() -> None:
    em = {2022: {"A": {PE: 500.0}}, 2024: {"A": {PE: 400.0}}}
    rows = [
        row("LATER", "renewable_energy", "A", 2025, 10),
        row("RAIL", "travel", "A", 2023, 10),
        row("NOWHERE", "efficiency", "", 2023, 10),
        row("EARLY", "efficiency", "A", 2021, 10),  # baseline 2020: no inventory
    ]
    out = attribute(2024, rows, em, {2022: 1e3, 2024: 9e2})
    why = {
        r["initiative_id"]: (r["expected_t"], r["realized_t"], r["not_measured"])
        for r in out["rows"]
    }
    assert why == {
        "LATER": (0.0, None, "starts in 2025"),
        "RAIL": (10.0, None, "acts on Scope 3 emissions, which are not measured per site"),
        "NOWHERE": (10.0, None, "names no sites"),
        "EARLY": (10.0, None, "no inventory for 2020"),
    }
    assert out["company"] is None and out["sites"] == []
    assert out["totals"] == {"expected_t": 30.0, "measured_expected_t": 0.0, "realized_t": 0.0}


# --- the rule as a property over random inputs ---------------------------------------------------

SITE_IDS = ("A", "B", "C")
YEARS = range(2019, 2026)
tonnes = st.floats(0, 10_000, allow_nan=False, allow_infinity=False)


@st.composite
def worlds(draw: st.DrawFn) -> tuple[int, list[dict[str, Any]], dict[int, Any], dict[int, float]]:
    year = draw(st.integers(2020, 2025))
    years = draw(st.sets(st.sampled_from(list(YEARS)), min_size=2)) | {year}
    # Every site's emissions by kind; site "Z" has no initiatives and may grow.
    em = {y: {s: {k: draw(tonnes) for k in ALL_KINDS} for s in (*SITE_IDS, "Z")} for y in years}
    # The company: its sites and emissions outside any site.
    company = {y: sum(sum(k.values()) for k in em[y].values()) + draw(tonnes) for y in years}
    n = draw(st.integers(1, 6))
    rows = [
        row(
            f"I{i}",
            # Levers on Scope 1 + 2 first and sites named first: what examples shrink to.
            draw(st.sampled_from([*SLICES, *sorted(LEVERS - SLICES.keys())])),
            ";".join(sorted(draw(st.sets(st.sampled_from(SITE_IDS), min_size=1) | st.just(set())))),
            # Mostly the year after one with an inventory, so that most are measured.
            draw(
                st.sampled_from(sorted(y + 1 for y in years if y < year) or [year])
                | st.integers(2019, 2026)
            ),
            draw(st.floats(0, 5_000, allow_nan=False)),
        )
        for i in range(n)
    ]
    return year, rows, em, company


def _total(em: Mapping[int, Any], y: int, site: str, kinds: tuple[str, ...]) -> float:
    return sum(float(em[y][site][k]) for k in kinds)


@given(worlds())
def test_realized_abatement_never_over_claims(
    world: tuple[int, list[dict[str, Any]], dict[int, Any], dict[int, float]],
) -> None:
    year, rows, em, company = world
    out = attribute(year, rows, em, company)
    tol = 1e-6 * (1 + sum(company.values()))
    measured = [r for r in out["rows"] if r["realized_t"] is not None]
    for r in out["rows"]:
        # Never negative, never above what was expected.
        if r["realized_t"] is not None:
            assert -tol <= r["realized_t"] <= r["expected_t"] + tol
            assert r["realized_t"] == pytest.approx(sum(s["attributed_t"] for s in r["by_site"]))
        else:
            assert r["not_measured"]
    if not measured:
        assert out["company"] is None
        return
    # The total is at most the company's Scope 1 + 2 fall from the earliest baseline year.
    start = min(r["start_year"] - 1 for r in measured)
    fall = max(0.0, company[start] - company[year])
    assert sum(r["realized_t"] for r in measured) <= fall + tol
    assert out["company"]["fall_t"] == pytest.approx(fall)
    # At each site, at most the fall of its whole Scope 1 + 2 from the earliest baseline of its
    # initiatives; and per kind of emissions, at most that kind's fall.
    for site in SITE_IDS:
        here = [(r, s) for r in measured for s in r["by_site"] if s["site"] == site]
        if not here:
            continue
        b = min(r["start_year"] - 1 for r, _ in here)
        site_fall = max(0.0, _total(em, b, site, ALL_KINDS) - _total(em, year, site, ALL_KINDS))
        assert sum(s["attributed_t"] for _, s in here) <= site_fall + tol
        for sl in {SLICES[r["lever"]] for r, _ in here}:
            same = [(r, s) for r, s in here if SLICES[r["lever"]] == sl]
            b = min(r["start_year"] - 1 for r, _ in same)
            kind_fall = max(0.0, _total(em, b, site, sl.kinds) - _total(em, year, site, sl.kinds))
            assert sum(s["attributed_t"] for _, s in same) <= kind_fall + tol


# --- on a workspace: the report tests' company -------------------------------------------------
#
# Market-based emissions per site (tests/reports/__init__.py): HZ 585.60 t purchased energy +
# 23.50 t SF6 in 2022, 426.72 + 23.50 t in 2023; DC1 819.84 t and 365.76 t; DC2 60.96 t in 2023;
# 50 MWh without a site x 0.6096 = 30.48 t in 2023. Company Scope 1 + 2: 2022 609.10 + 819.84 =
# 1,428.94 t; 2023 450.22 + 365.76 + 60.96 + 30.48 = 907.42 t: a fall of 521.52 t. No targets,
# so no base year: the like-for-like series is as reported.

HZ_PE_2022, HZ_PE_2023 = 1000 * 0.5856, 700 * 0.6096  # 585.60, 426.72
DC1_2022, DC1_2023 = 1400 * 0.5856, 600 * 0.6096  # 819.84, 365.76


def initiative(iid: str, sites: str, start: int, expected: float, **kw: Any) -> dict[str, Any]:
    return {
        "initiative_id": iid,
        "name": kw.get("name", f"initiative {iid}"),
        "owner": kw.get("owner", "Sustainability"),
        "lever": kw.get("lever", "efficiency"),
        "sites": sites,
        "start_year": start,
        "expected_t_per_year": expected,
        "cost": kw.get("cost", ""),
        "currency": kw.get("currency", ""),
    }


PLAN = [
    initiative("I-LED", "HZ", 2023, 120, cost=850000, currency="CNY"),
    initiative("I-GEC", "HZ;DC1", 2023, 500, lever="renewable_energy"),
    initiative("I-COOL", "DC1", 2024, 300.5),
    initiative("I-TRAVEL", "", 2023, 40, lever="travel"),
    initiative("I-OLD", "HZ", 2022, 10),
]

# 2023, by the rule:
# - I-GEC's 500 t over HZ and DC1 by their 2022 purchased energy, 585.60 : 819.84 = 5 : 7:
#   208.33 t at HZ, 291.67 t at DC1.
# - HZ, purchased energy fell 585.60 - 426.72 = 158.88 t: I-GEC gets 158.88 (of 208.33);
#   HZ energy use (the same, no fuel) fell 158.88 t: I-LED gets its 150 t.
# - HZ's whole Scope 1 + 2 fell 609.10 - 450.22 = 158.88 t, below 150 + 158.88 = 308.88 t: both
#   are scaled by 158.88 / 308.88: I-LED 77.16 t, I-GEC at HZ 81.72 t.
# - DC1 fell 819.84 - 365.76 = 454.08 t: I-GEC's 291.67 t there stand.
# - Total 158.88 + 291.67 = 450.55 t, below the company's 521.52 t fall.
HZ_FALL = HZ_PE_2022 - HZ_PE_2023
SCALE = HZ_FALL / (150 + HZ_FALL)
LED_2023 = 150 * SCALE
GEC_2023 = HZ_FALL * SCALE + 500 * 7 / 12


@pytest.fixture(scope="module")
def company(workspace_template: Templates, tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("initiatives")
    path = build(tmp, workspace_template)
    with open_workspace(str(path)) as ws:
        import_initiatives(ws, write_csv(tmp / "plan.csv", PLAN))
        # Facilities raise the LED estimate: version 2 counts.
        raised = [{**PLAN[0], "expected_t_per_year": 150}]
        import_initiatives(ws, write_csv(tmp / "plan2.csv", raised), replace=True)
    return path


@pytest.fixture
def ws(company: Path) -> Iterator[Workspace]:
    w = open_workspace(str(company))
    yield w
    w.close()


def by_id(ws: Workspace, year: int) -> dict[str, dict[str, Any]]:
    return {r["initiative_id"]: r for r in initiatives(ws, year)}


def test_expected_and_realized_abatement(ws: Workspace) -> None:
    rows = by_id(ws, 2023)
    assert list(rows) == sorted(rows)
    led = rows["I-LED"]
    # The latest version counts: 150 t/year expected, started 2023.
    assert (led["version"], led["expected_t"]) == (2, 150.0)
    assert led["baseline_year"] == 2022
    assert led["baseline_t"] == pytest.approx(HZ_PE_2022)  # energy use: no fuel, SF6 apart
    assert led["realized_t"] == pytest.approx(LED_2023)
    assert led["realized_t"] == pytest.approx(77.16, abs=0.005)
    assert (led["cost"], led["currency"], led["sites"]) == (850000.0, "CNY", ["HZ"])
    gec = rows["I-GEC"]
    assert gec["sites"] == ["DC1", "HZ"]
    assert gec["baseline_t"] == pytest.approx(HZ_PE_2022 + DC1_2022)
    assert gec["realized_t"] == pytest.approx(GEC_2023)
    assert gec["realized_t"] == pytest.approx(373.39, abs=0.005)
    found = attribution(ws, 2023)
    c = found["company"]
    assert (c["from_year"], c["fall_t"]) == (2022, pytest.approx(521.52))
    assert c["attributed_t"] == pytest.approx(LED_2023 + GEC_2023)
    assert c["scaled_down"] is False
    sites = {s["site"]: s for s in found["sites"]}
    assert sites["HZ"]["fall_t"] == pytest.approx(HZ_FALL)
    assert sites["HZ"]["attributed_t"] == pytest.approx(HZ_FALL)
    assert sites["DC1"]["fall_t"] == pytest.approx(DC1_2022 - DC1_2023)


def test_not_started_no_sites_and_missing_runs(ws: Workspace) -> None:
    rows = by_id(ws, 2023)
    cool = rows["I-COOL"]
    assert (cool["expected_t"], cool["realized_t"], cool["not_measured"]) == (
        0.0,
        None,
        "starts in 2024",
    )
    travel = rows["I-TRAVEL"]
    assert (travel["expected_t"], travel["realized_t"], travel["baseline_t"]) == (40.0, None, None)
    # I-OLD's baseline year 2021 has no inventory.
    old = rows["I-OLD"]
    assert (old["baseline_year"], old["baseline_t"], old["realized_t"]) == (2021, None, None)
    assert (old["expected_t"], old["not_measured"]) == (10.0, "no inventory for 2021")
    # 2024 has no inventory: expected figures only.
    later = by_id(ws, 2024)
    assert later["I-COOL"]["expected_t"] == 300.5
    assert later["I-COOL"]["realized_t"] is None
    assert later["I-LED"]["not_measured"] == "no inventory for 2024"


def test_versions(ws: Workspace) -> None:
    led = versions(ws, "I-LED")
    assert [(v["version"], v["expected_t_per_year"]) for v in led] == [(1, 120.0), (2, 150.0)]
    assert led[0]["import_id"] != led[1]["import_id"]
    assert ws.fetchall(
        "SELECT ref, version FROM ledger_leaves WHERE kind = 'initiative' AND ref = 'I-LED'"
        " ORDER BY idx"
    ) == [("I-LED", 1), ("I-LED", 2)]
    assert ws.scalar("SELECT count(*) FROM ledger_leaves WHERE kind = 'initiative'") == 6
    with pytest.raises(ZerotrailError, match="no initiative"):
        versions(ws, "I-NOPE")


def cli(db: Path | str, monkeypatch: pytest.MonkeyPatch) -> tuple[typer.Typer, CliRunner]:
    monkeypatch.setattr(common.STATE, "db", str(db))
    monkeypatch.setattr(common.out, "_width", 200)
    root = typer.Typer()
    root.add_typer(initiatives_cli.app, name="initiatives")
    return root, CliRunner()


def test_initiative_commands(company: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, runner = cli(company, monkeypatch)
    out = runner.invoke(root, ["initiatives", "list", "--year", "2023", "--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    led = next(r for r in data["rows"] if r["initiative_id"] == "I-LED")
    assert led["realized_t"] == pytest.approx(LED_2023)
    assert data["company"]["fall_t"] == pytest.approx(521.52)
    # Without --year: the latest calculated year (2023).
    out = runner.invoke(root, ["initiatives", "list"])
    assert out.exit_code == 0, out.output
    text = out.stdout
    assert "2023 reduction initiatives" in text and f"{LED_2023:,.2f}" in text
    assert f"{100 * LED_2023 / 150:.0f}%" in text  # realized / expected
    assert "I-TRAVEL: no realized figure: acts on Scope 3 emissions" in text
    assert "fell 521.52 t from 2022 to 2023" in text
    out = runner.invoke(root, ["initiatives", "list", "--format", "csv"])
    assert out.exit_code == 0, out.output
    led = next(r for r in csv.DictReader(io.StringIO(out.stdout)) if r["initiative_id"] == "I-LED")
    assert float(led["realized_t"]) == pytest.approx(LED_2023)
    assert float(led["realized_pct"]) == pytest.approx(100 * LED_2023 / 150)
    out = runner.invoke(root, ["initiatives", "show", "I-LED"])
    assert out.exit_code == 0, out.output
    assert "2 version(s)" in out.stdout and "150" in out.stdout


def test_import_command_refuses_a_change_without_replace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A long temporary path and a narrow terminal setting: each import still prints one line
    # (it once wrapped at 80 columns, so the test failed on machines with long temp paths).
    folder = long_dir(tmp_path)
    monkeypatch.setenv("COLUMNS", "40")
    db = folder / "w.duckdb"
    with open_workspace(str(db), create=True) as w:
        import_entities(w, write_csv(folder / "entities.csv", ROOT))
        import_sites(w, write_csv(folder / "sites.csv", SITES))
    monkeypatch.setattr(common.STATE, "db", str(db))
    root = typer.Typer()
    root.add_typer(initiatives_cli.app, name="initiatives")
    runner = CliRunner()
    plan = write_csv(folder / "plan.csv", PLAN)
    out = runner.invoke(root, ["initiatives", "import", str(plan)])
    assert out.exit_code == 0, out.output
    [line] = out.stdout.splitlines()
    assert line.startswith(f"{plan}: 5 rows; 5 added, 0 changed, 0 unchanged (imp-"), line
    changed = write_csv(folder / "plan2.csv", [{**PLAN[0], "owner": "CFO"}])
    out = runner.invoke(root, ["initiatives", "import", str(changed)])
    assert isinstance(out.exception, DataError)
    assert "--replace" in str(out.exception.problems[0])
    out = runner.invoke(root, ["initiatives", "import", str(changed), "--replace"])
    assert out.exit_code == 0, out.output
    [line] = out.stdout.splitlines()
    assert line.startswith(f"{changed}: 1 rows; 0 added, 1 changed, 0 unchanged (imp-"), line


# --- the demo's published report, as a reader checks it ----------------------------------------


def test_the_demo_report_does_not_over_claim(
    demo_db: Path, demo_report: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = json.loads((demo_report / "report.json").read_text())
    rows = [r for r in d["initiatives"] if r["realized_t"] is not None]
    a = d["initiative_attribution"]
    company = a["company"]
    total = sum(r["realized_t"] for r in rows)
    # The sum of realized abatement is at most the company's observed Scope 1 + 2 fall, which
    # is the recalculated series' fall over the same years.
    assert total == pytest.approx(company["attributed_t"])
    assert 0 < total <= company["fall_t"]
    lfl = {r["year"]: r["scope12_market"] for r in d["series"]["recalculated"]}
    assert company["fall_t"] == pytest.approx(lfl[company["from_year"]] - lfl[d["year"]])
    # Below the as-reported fall too (the base year before the acquisition was added).
    reported = {r["year"]: r["scope12_market"] for r in d["series"]["as_reported"]}
    assert total <= reported[company["from_year"]] - reported[d["year"]]
    # No initiative above its expected abatement or above any of its sites' fall; the sites'
    # attributed figures add up to the fall-capped totals.
    falls = {s["site"]: s["fall_t"] for s in a["sites"]}
    for r in rows:
        assert r["realized_t"] <= r["expected_t"] + 1e-6
        for s in r["by_site"]:
            assert s["attributed_t"] <= falls[s["site"]] + 1e-6
            assert s["attributed_t"] <= s["fall_t"] + 1e-6
    for s in a["sites"]:
        attributed = sum(
            x["attributed_t"] for r in rows for x in r["by_site"] if x["site"] == s["site"]
        )
        assert attributed == pytest.approx(s["attributed_t"])
        assert attributed <= s["fall_t"] + 1e-6
    # The PPA and the rooftop solar share the Hangzhou campus's fall instead of both taking it.
    hz = [x for r in rows for x in r["by_site"] if x["site"] == "HZ-CAMPUS"]
    assert len(hz) == 2 and sum(x["attributed_t"] for x in hz) <= falls["HZ-CAMPUS"] + 1e-6
    # The chillers' refrigerant switch claims only refrigerant leaks: no more than expected.
    (r32,) = [r for r in rows if r["initiative_id"] == "INI-R32-CHILLERS"]
    assert r32["realized_t"] <= r32["expected_t"] + 1e-6
    # The report's page shows realized beside expected and states the rule.
    html = (demo_report / "report.html").read_text()
    start = html.index('id="initiatives"')
    section = html[start : html.find("<h2", start)]
    assert "Realized /<br>expected" in section and "How realized abatement is attributed" in section
    assert f"In total {total:,.0f} t CO2e is attributed" in section
    assert f"fell {company['fall_t']:,.0f} t CO2e" in section
    # The CLI prints the same figures from (a copy of) the demo's workspace.
    db = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_db, db)
    root, runner = cli(db, monkeypatch)
    out = runner.invoke(root, ["initiatives", "list", "--year", str(d["year"]), "--format", "json"])
    assert out.exit_code == 0, out.output
    printed = json.loads(out.stdout)
    assert {r["initiative_id"]: r["realized_t"] for r in printed["rows"]} == {
        r["initiative_id"]: r["realized_t"] for r in d["initiatives"]
    }
    assert printed["company"] == company
