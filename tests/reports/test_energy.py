"""Renewable share by site kind, data centres (PUE, cooling) and the energy commands.

The company is tests/reports/__init__.py: 2023 grid electricity HZ 1,000 MWh (300 MWh GECs),
DC1 1,200 MWh (600 MWh GECs), DC2 100 MWh, 50 MWh without a site; meter readings add on-site
renewable generation HZ 50, DC1 100 and OFF 20 MWh.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from tests.engines.conftest import ROOT, write_csv
from tests.reports import COOLING, METERS, SITES, build
from zerotrail.cli import common
from zerotrail.cli import energy as energy_cli
from zerotrail.errors import DataError, ZerotrailError
from zerotrail.ingest.organization import import_entities, import_sites
from zerotrail.pipeline.energy import data_centres, pue_history, renewable_share
from zerotrail.store.workspace import Workspace, open_workspace


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("energy"))


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
