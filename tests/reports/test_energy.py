"""Renewable share by site kind, data centres (PUE, cooling), the energy mix, IT load and the
energy commands.

The company is tests/reports/__init__.py: 2023 grid electricity HZ 1,000 MWh (300 MWh GECs),
DC1 1,200 MWh (600 MWh GECs), DC2 100 MWh, 50 MWh without a site; meter readings add on-site
renewable generation HZ 50, DC1 100 and OFF 20 MWh.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from tests.conftest import Templates
from tests.engines.conftest import ROOT, write_csv
from tests.reports import COOLING, METERS, SITES, build
from zerotrail.cli import common
from zerotrail.cli import energy as energy_cli
from zerotrail.errors import DataError, ZerotrailError
from zerotrail.ingest.organization import import_entities, import_sites
from zerotrail.pipeline.energy import (
    data_centres,
    energy_mix,
    it_load,
    pue_history,
    renewable_share,
)
from zerotrail.reports import energy as figures
from zerotrail.store import inventory as stored
from zerotrail.store.workspace import Workspace, open_workspace


@pytest.fixture(scope="module")
def company(workspace_template: Templates, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("energy"), workspace_template)


@pytest.fixture
def ws(company: Path) -> Iterator[Workspace]:
    w = open_workspace(str(company))
    yield w
    w.close()


def test_renewable_share_by_site_kind(ws: Workspace) -> None:
    rows = {r["site_kind"]: r for r in renewable_share(ws, 2023)}
    assert list(rows) == ["campus", "data_center_leased", "data_center_owned", "office", None]
    # Campus: 300 MWh GECs + 50 MWh on-site over 1,000 MWh grid + 50 on-site
    # = 350 / 1,050 = 33.33 %.
    campus = rows["campus"]
    assert campus["grid_mwh"] == pytest.approx(1000)
    assert campus["certificate_mwh"] == pytest.approx(300)
    assert campus["onsite_renewable_mwh"] == pytest.approx(50)
    assert campus["renewable_mwh"] == pytest.approx(350)
    assert campus["total_mwh"] == pytest.approx(1050)
    assert campus["share_pct"] == pytest.approx(350 / 1050 * 100)
    # Owned data centres: (600 + 100) / (1,200 + 100) = 53.85 %.
    owned = rows["data_center_owned"]
    assert (owned["renewable_mwh"], owned["total_mwh"]) == (pytest.approx(700), pytest.approx(1300))
    assert owned["share_pct"] == pytest.approx(700 / 1300 * 100)
    # Leased: 100 MWh grid, nothing renewable = 0 %; the office: rooftop solar only = 100 %.
    assert rows["data_center_leased"]["share_pct"] == 0.0
    office = rows["office"]
    assert (office["grid_mwh"], office["onsite_renewable_mwh"]) == (0.0, 20.0)
    assert office["share_pct"] == pytest.approx(100.0)
    # Electricity without a site has no kind (and no certificates here).
    assert rows[None]["grid_mwh"] == pytest.approx(50) and rows[None]["share_pct"] == 0.0


def test_renewable_share_needs_the_years_inventory(ws: Workspace) -> None:
    with pytest.raises(ZerotrailError, match="calculate --year 2021"):
        renewable_share(ws, 2021)


def test_data_centres_pue_cooling_and_renewables(ws: Workspace) -> None:
    dc = {r["site"]: r for r in data_centres(ws, 2023)}
    assert list(dc) == ["DC1", "DC2"]  # the campus and office are not data centres
    dc1 = dc["DC1"]
    # Facility 650 + 650 = 1,300 MWh, IT 500 + 500 = 1,000 MWh: PUE 1,300 / 1,000 = 1.30.
    assert (dc1["facility_mwh"], dc1["it_mwh"]) == (1300.0, 1000.0)
    assert dc1["pue"] == pytest.approx(1.30)
    assert (dc1["kind"], dc1["region"], dc1["name"]) == ("data_center_owned", "CN-EAST", None)
    # Free cooling since 2023-07-01 is in force at the year end; liquid cooling comes in 2024.
    assert dc1["cooling"] == "free_cooling"
    assert dc1["cooling_history"] == [
        {"since": "2019-05-01", "technology": "air"},
        {"since": "2023-07-01", "technology": "free_cooling"},
        {"since": "2024-03-01", "technology": "liquid_cooling"},
    ]
    # (600 GEC + 100 on-site) / (1,200 grid + 100 on-site) = 53.85 %.
    assert dc1["renewable_share_pct"] == pytest.approx(700 / 1300 * 100)
    dc2 = dc["DC2"]
    # Only the first half-year carries IT energy: PUE 60 / 40 = 1.50; facility is the year's 100.
    assert (dc2["facility_mwh"], dc2["it_mwh"]) == (100.0, 40.0)
    assert dc2["pue"] == pytest.approx(1.50)
    # Immersion since 2023-12-31 counts for 2023 (in force on the last day).
    assert dc2["cooling"] == "immersion"
    assert dc2["renewable_share_pct"] == 0.0


def test_data_centres_in_an_earlier_year(ws: Workspace) -> None:
    dc = {r["site"]: r for r in data_centres(ws, 2022)}
    # 2022: one reading, 1,400 / 1,000 = 1.40; air cooling; no GECs: 0 / 1,400 = 0 %.
    assert dc["DC1"]["pue"] == pytest.approx(1.40)
    assert dc["DC1"]["cooling"] == "air"
    assert dc["DC1"]["renewable_share_pct"] == 0.0
    # DC2 had no readings and no cooling yet.
    assert dc["DC2"]["facility_mwh"] is None and dc["DC2"]["pue"] is None
    assert dc["DC2"]["cooling"] is None


def test_data_centres_without_an_inventory_still_show_meters(ws: Workspace) -> None:
    dc1 = next(r for r in data_centres(ws, 2024) if r["site"] == "DC1")
    assert dc1["cooling"] == "liquid_cooling"
    assert dc1["facility_mwh"] is None and dc1["renewable_share_pct"] is None


def test_pue_history(ws: Workspace) -> None:
    assert pue_history(ws, "DC1") == {2022: pytest.approx(1.40), 2023: pytest.approx(1.30)}
    assert pue_history(ws, "DC2") == {2023: pytest.approx(1.50)}
    assert pue_history(ws, "HZ") == {}  # readings without IT energy
    with pytest.raises(ZerotrailError, match="unknown site"):
        pue_history(ws, "NOPE")


# --- energy consumption and mix ----------------------------------------------------------------

MWH_PER_MMBTU = 0.29307107017222  # 1 mmBtu = 1.05505585262 GJ = 0.29307107 MWh
LITRES_PER_GALLON = 3.785411784  # US gallon


def rec(
    scope: int,
    activity: str,
    unit: str,
    q: float,
    *,
    hc: tuple[float, str, str] | None = None,
    mwh: float = 0.0,
    ren: float = 0.0,
    co2: float = 1.0,
    bio: float = 0.0,
) -> Any:
    """A grouped energy record as store/energy_use.energy_records returns it: scope, key, unit,
    the used factor's heat content (value, unit, basis), its set, quantity, grid MWh, renewable
    MWh, fossil and biogenic CO2 t."""
    own = (None, None, None) if hc is None else hc
    return (scope, activity, unit, *own, "Own set", q, mwh, ren, co2, bio)


LIBRARY = [
    # (activity, set name, factor id, heat content, its unit, basis)
    ("mobile_combustion.motor_gasoline", "IPCC 2006", "i-gas", 44.3, "TJ/Gg", "NCV"),
    ("stationary_combustion.motor_gasoline", "EPA 2021", "e21-gas", 0.2, "mmBtu/gallon", "HHV"),
    ("stationary_combustion.motor_gasoline", "EPA 2025", "e25-gas", 0.125, "mmBtu/gallon", "HHV"),
]


def test_energy_mix_by_source_adds_up() -> None:
    mix = figures.energy_mix(
        [
            # 36 GJ of natural gas: an energy unit, 36 / 3.6 = 10 MWh.
            rec(1, "stationary_combustion.natural_gas", "GJ", 36.0),
            # 2 t of diesel through its own factor's 43 TJ/Gg: 0.002 Gg x 43 = 0.086 TJ
            # = 86 GJ = 23.889 MWh (net calorific value).
            rec(1, "stationary_combustion.diesel", "t", 2.0, hc=(43.0, "TJ/Gg", "NCV")),
            # 1,000 L of petrol, no heat content on its own factor: the library's for the same
            # fuel; the mass-based IPCC one cannot take litres, and the newest EPA edition comes
            # first: 1,000 / 3.785 gal x 0.125 mmBtu x 0.29307 = 9.678 MWh (gross).
            rec(1, "mobile_combustion.motor_gasoline", "L", 1000.0),
            # 10 GJ of biodiesel, biogenic CO2 only: a renewable fuel, 2.778 MWh.
            rec(1, "stationary_combustion.biodiesel_b100", "GJ", 10.0, co2=0.0, bio=0.7),
            # Vehicle-km say nothing about energy: not converted, outside the totals.
            rec(1, "mobile_combustion.diesel", "km", 500.0),
            # 100 MWh of grid electricity, 40 of them covered by renewable instruments.
            rec(2, "electricity.grid", "MWh", 100.0, mwh=100.0, ren=40.0),
            # 7.2 GJ of steam bought: 2 MWh of unrecorded origin.
            rec(2, "steam.district", "GJ", 7.2),
            # A leased data centre's electricity in Scope 3: outside own operations.
            rec(3, "electricity.grid", "MWh", 500.0, mwh=500.0, ren=100.0),
        ],
        LIBRARY,
        [("S1", 5.0, False), ("L1", 3.0, True)],  # on-site generation: own site, leased site
    )
    gasoline = 1000 / LITRES_PER_GALLON * 0.125 * MWH_PER_MMBTU
    fossil = 10.0 + 86 / 3.6 + gasoline
    renewable = 10 / 3.6 + 40.0 + 5.0
    grid_mix = 60.0 + 2.0
    assert mix["fossil_mwh"] == pytest.approx(fossil)
    assert mix["renewable_mwh"] == pytest.approx(renewable)
    assert mix["grid_mix_mwh"] == pytest.approx(grid_mix)
    assert mix["total_mwh"] == pytest.approx(fossil + renewable + grid_mix)
    assert sum(r["mwh"] for r in mix["rows"]) == pytest.approx(mix["total_mwh"])
    assert mix["renewable_share_pct"] == pytest.approx(100 * renewable / mix["total_mwh"])
    assert mix["nuclear_mwh"] is None  # nothing says which part of the grid is nuclear
    rows = {r["source"]: r for r in mix["rows"]}
    petrol = rows["Motor gasoline, vehicles"]
    assert petrol["mwh"] == pytest.approx(gasoline)
    assert petrol["conversion"] == "0.125 mmBtu/gallon, EPA 2025"
    assert petrol["basis"] == "gross calorific value"
    diesel = rows["Diesel, burnt on site"]
    assert (diesel["conversion"], diesel["basis"]) == ("43 TJ/Gg, Own set", "net calorific value")
    assert rows["Natural gas, burnt on site"]["conversion"] == "stated in GJ"
    assert rows["Biodiesel b100, burnt on site"]["group"] == "renewable"
    assert rows["Renewable electricity generated on site"]["mwh"] == 5.0
    assert rows["Purchased heat, steam and cooling"]["mwh"] == pytest.approx(2.0)
    assert mix["not_converted"] == [
        {"activity": "mobile_combustion.diesel", "quantity": 500.0, "unit": "km"}
    ]
    assert mix["outside"] == {
        "grid_mwh": 500.0,
        "renewable_mwh": 100.0,
        "onsite_renewable_mwh": 3.0,
    }


def test_energy_mix_prefers_the_records_own_factor_set() -> None:
    # The record's own set is EPA 2021: its 0.2 mmBtu/gallon wins over the newer edition.
    (row,) = figures.energy_mix(
        [
            (
                1,
                "mobile_combustion.motor_gasoline",
                "gallon",
                None,
                None,
                None,
                "EPA 2021",
                10.0,
                0.0,
                0.0,
                1.0,
                0.0,
            )
        ],
        LIBRARY,
        [],
    )["rows"]
    assert row["mwh"] == pytest.approx(10 * 0.2 * MWH_PER_MMBTU)
    assert row["conversion"] == "0.2 mmBtu/gallon, EPA 2021"


def test_fuel_labels() -> None:
    assert figures.fuel_label("stationary_combustion.natural_gas") == "Natural gas, burnt on site"
    assert figures.fuel_label("mobile_combustion.diesel.locomotives") == (
        "Diesel (locomotives), vehicles"
    )


def test_energy_mix_of_the_company(ws: Workspace) -> None:
    mix = energy_mix(ws, 2023)
    # No fuel; grid electricity 1,000 + 1,200 + 100 + 50 = 2,350 MWh, 300 + 600 = 900 MWh of it
    # covered by GECs; on-site generation HZ 50 + DC1 100 + OFF 20 = 170 MWh.
    assert mix["fossil_mwh"] == 0.0
    assert mix["total_mwh"] == pytest.approx(2350 + 170)
    assert mix["renewable_mwh"] == pytest.approx(900 + 170)
    assert mix["grid_mix_mwh"] == pytest.approx(2350 - 900)
    assert mix["renewable_share_pct"] == pytest.approx(1070 / 2520 * 100)
    with pytest.raises(ZerotrailError, match="calculate --year 2021"):
        energy_mix(ws, 2021)


def test_it_load_of_the_company(ws: Workspace) -> None:
    runs = [(r.year, r.run_id) for r in stored.current_runs(ws, 2023)]
    # 2022: DC1 alone has IT energy, 1,000 MWh; its market-based emissions 819.84 t.
    # 2023: DC1 500 + 500 = 1,000 and DC2 40 MWh of IT energy; 365.76 + 60.96 = 426.72 t.
    assert it_load(ws, runs) == [
        (2022, 1000.0, pytest.approx(819.84), 1),
        (2023, 1040.0, pytest.approx(426.72), 2),
    ]


# --- the commands ------------------------------------------------------------------------------


def app(db: Path, monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    """The energy commands as `zerotrail` will mount them, on the workspace `db`."""
    monkeypatch.setattr(common.STATE, "db", str(db))
    monkeypatch.setattr(common.out, "_width", 200)  # Rich tables wide enough to read in full
    root = typer.Typer()
    imports = typer.Typer()
    energy_cli.register_imports(imports)
    root.add_typer(imports, name="import")
    root.add_typer(energy_cli.app, name="energy")
    return root


def test_renewables_and_datacentres_commands(
    company: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = app(company, monkeypatch)
    out = CliRunner().invoke(cli, ["energy", "renewables", "--year", "2023", "--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    owned = next(r for r in data["rows"] if r["site_kind"] == "data_center_owned")
    assert owned["share_pct"] == pytest.approx(700 / 1300 * 100)
    out = CliRunner().invoke(cli, ["energy", "datacentres", "--year", "2023"])
    assert out.exit_code == 0, out.output
    assert "DC1" in out.stdout and "1.30" in out.stdout and "free_cooling" in out.stdout
    out = CliRunner().invoke(cli, ["energy", "renewables", "--year", "2023", "--format", "xml"])
    assert out.exit_code != 0


def test_import_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "w.duckdb"
    with open_workspace(str(db), create=True) as w:
        import_entities(w, write_csv(tmp_path / "entities.csv", ROOT))
        import_sites(w, write_csv(tmp_path / "sites.csv", SITES))
    cli, runner = app(db, monkeypatch), CliRunner()
    metrics = write_csv(
        tmp_path / "metrics.csv",
        [{"metric": "revenue", "year": 2023, "value": 1200, "unit": "CNY million"}],
    )
    out = runner.invoke(cli, ["import", "metrics", str(metrics)])
    assert out.exit_code == 0, out.output
    assert "1 added" in out.stdout
    assert "nothing new" in runner.invoke(cli, ["import", "metrics", str(metrics)]).stdout
    suppliers = write_csv(tmp_path / "suppliers.csv", [{"supplier": "S1", "name": "Steel Co"}])
    assert "1 added" in runner.invoke(cli, ["import", "suppliers", str(suppliers)]).stdout
    meters = write_csv(tmp_path / "meters.csv", METERS)
    assert "7 added" in runner.invoke(cli, ["import", "meters", str(meters)]).stdout
    cooling = write_csv(tmp_path / "cooling.csv", COOLING)
    assert "4 added" in runner.invoke(cli, ["import", "cooling", str(cooling)]).stdout
    # A rejected file raises DataError (the root command prints its problems and exits 1).
    bad = write_csv(tmp_path / "bad.csv", [{**METERS[0], "facility_mwh": -1}])
    out = runner.invoke(cli, ["import", "meters", str(bad)])
    assert isinstance(out.exception, DataError)
    assert (out.exception.problems[0].row, out.exception.problems[0].column) == (
        2,
        "facility_mwh",
    )


def test_demo_energy_mix_adds_up(demo_report: Path) -> None:
    d = json.loads((demo_report / "report.json").read_text())
    mix = d["energy_mix"]
    assert mix["total_mwh"] > 0
    assert sum(r["mwh"] for r in mix["rows"]) == pytest.approx(mix["total_mwh"])
    parts = mix["fossil_mwh"] + mix["renewable_mwh"] + mix["grid_mix_mwh"]
    assert parts == pytest.approx(mix["total_mwh"])
    assert mix["renewable_share_pct"] == pytest.approx(
        100 * mix["renewable_mwh"] / mix["total_mwh"]
    )
    # The demo burns natural gas, diesel and petrol: each converted, none left out.
    fuels = {r["activity"] for r in mix["rows"] if r["group"] == "fossil"}
    assert {"stationary_combustion.natural_gas", "mobile_combustion.diesel"} <= fuels
    assert mix["not_converted"] == []
    # Scope 2 electricity is within the mix, leased data centres' Scope 3 electricity apart:
    # together they are every MWh of the renewable-share table.
    grid = sum(r["grid_mwh"] for r in d["renewables"])
    bought = sum(r["mwh"] for r in mix["rows"] if r["source"].startswith("Purchased electricity"))
    assert bought + mix["outside"]["grid_mwh"] == pytest.approx(grid)
    html = (demo_report / "report.html").read_text()
    part = html[html.index('<h2 id="energy">') :]
    part = part[: part.index("<h2", 5)]
    assert f"{mix['total_mwh']:,.0f} MWh" in part
    assert f"{mix['renewable_share_pct']:.1f}%" in part
