"""Initiatives against the inventory: expected abatement and realized abatement by site.

The company and its market-based emissions per site are in tests/reports/__init__.py:
HZ 609.10 t in 2022 and 450.22 t in 2023; DC1 819.84 t and 365.76 t.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from tests.cli.paths import long_dir
from tests.engines.conftest import ROOT, write_csv
from tests.reports import SITES, build
from zerotrail.cli import common
from zerotrail.cli import initiatives as initiatives_cli
from zerotrail.errors import DataError, ZerotrailError
from zerotrail.ingest.initiatives import import_initiatives
from zerotrail.ingest.organization import import_entities, import_sites
from zerotrail.pipeline.initiatives import initiative_versions as versions
from zerotrail.pipeline.initiatives import initiatives
from zerotrail.store.workspace import Workspace, open_workspace

HZ_2022 = 1000 * 0.5856 + 23.5  # 609.10
HZ_2023 = 700 * 0.6096 + 23.5  # 450.22
DC1_2022 = 1400 * 0.5856  # 819.84
DC1_2023 = 600 * 0.6096  # 365.76


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


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("initiatives")
    path = build(tmp)
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
    # Baseline 2022 at HZ 609.10 t, 2023 450.22 t: realized 158.88 t (GECs and all).
    assert led["baseline_year"] == 2022
    assert led["baseline_t"] == pytest.approx(HZ_2022)
    assert led["realized_t"] == pytest.approx(HZ_2022 - HZ_2023)
    assert led["realized_t"] == pytest.approx(158.88)
    assert (led["cost"], led["currency"], led["sites"]) == (850000.0, "CNY", ["HZ"])
    assert (led["name"], led["owner"], led["lever"]) == (
        "initiative I-LED",
        "Sustainability",
        "efficiency",
    )
    # Two sites: (609.10 + 819.84) - (450.22 + 365.76) = 1,428.94 - 815.98 = 612.96 t.
    both = rows["I-GEC"]
    assert both["sites"] == ["DC1", "HZ"]
    assert both["baseline_t"] == pytest.approx(HZ_2022 + DC1_2022)
    assert both["realized_t"] == pytest.approx(612.96)


def test_not_started_no_sites_and_missing_runs(ws: Workspace) -> None:
    rows = by_id(ws, 2023)
    # I-COOL starts 2024: nothing expected in 2023 and nothing realized yet; its baseline is
    # DC1's 2023 emissions.
    cool = rows["I-COOL"]
    assert (cool["expected_t"], cool["realized_t"]) == (0.0, None)
    assert (cool["baseline_year"], cool["baseline_t"]) == (2023, pytest.approx(DC1_2023))
    # An initiative that names no sites cannot be traced to emissions.
    travel = rows["I-TRAVEL"]
    assert (travel["expected_t"], travel["realized_t"], travel["baseline_t"]) == (40.0, None, None)
    # I-OLD's baseline year 2021 has no inventory.
    old = rows["I-OLD"]
    assert (old["baseline_year"], old["baseline_t"], old["realized_t"]) == (2021, None, None)
    assert old["expected_t"] == 10.0
    # 2024 has no inventory: expected figures only.
    later = by_id(ws, 2024)
    assert later["I-COOL"]["expected_t"] == 300.5
    assert later["I-COOL"]["realized_t"] is None
    assert later["I-LED"]["realized_t"] is None


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


def test_initiative_commands(company: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(common.STATE, "db", str(company))
    monkeypatch.setattr(common.out, "_width", 200)
    root = typer.Typer()
    root.add_typer(initiatives_cli.app, name="initiatives")
    runner = CliRunner()
    out = runner.invoke(root, ["initiatives", "list", "--year", "2023", "--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    led = next(r for r in data["rows"] if r["initiative_id"] == "I-LED")
    assert led["realized_t"] == pytest.approx(158.88)
    # Without --year: the latest calculated year (2023).
    out = runner.invoke(root, ["initiatives", "list"])
    assert out.exit_code == 0, out.output
    assert "2023 reduction initiatives" in out.stdout and "158.88" in out.stdout
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
