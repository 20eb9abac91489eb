"""The demo's 2020-2025 inventories give DuckDB's figures on Spark.

The demo workspace (the run's one demo job, tests/conftest.py `demo_job`) holds the example
company's six years of records: fuels, electricity with instruments and shares, refrigerants,
spend and every Scope 3 category it reports. A copy is calculated year by year on DuckDB (the
reference) and a second copy on Spark; every headline figure and every sum per scope and gas
must agree to a relative 1e-9 (the engines sum in different orders, which moves the last bits
of a double). PostgreSQL is held to the same demo by tests/cli/test_postgres_commands.py,
whose two demos (one per workspace kind) print the same figures for every command.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import DemoJob
from tests.engines.conftest import Calculate, figures
from zerotrail.engine.settings import InventorySettings
from zerotrail.pipeline.calculation import calculate as on_duckdb
from zerotrail.store.workspace import open_workspace

YEARS = range(2020, 2026)


@pytest.fixture(scope="module")
def demo_db(demo_job: DemoJob) -> Path:
    """The demo's workspace file, shared by the run's workers: only ever copied here."""
    assert demo_job.result()[0] == 0, demo_job.result()[2]
    return Path(demo_job.db)


def _copy(demo_db: Path, folder: Path) -> Path:
    """The demo's workspace copied into `folder`, with the files kept beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    for f in demo_db.parent.glob(f"{demo_db.name}*"):
        shutil.copyfile(f, folder / f.name)
    return folder / demo_db.name


@pytest.fixture(scope="module")
def duckdb_figures(
    demo_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[int, dict[str, float]]:
    ws = open_workspace(str(_copy(demo_db, tmp_path_factory.mktemp("demo-duckdb"))))
    try:
        out = {}
        for year in YEARS:
            on_duckdb(ws, InventorySettings(year))
            out[year] = figures(ws, year)
    finally:
        ws.close()
    # The demo is calculated, not empty: each year has emissions in all three scopes.
    for year, got in out.items():
        assert all(got.get(f"scope{s}_co2e", 0.0) > 0 for s in (1, 2, 3)), year
    return out


@pytest.mark.parametrize("engine", ["spark"], indirect=True)
def test_the_demos_years_give_duckdbs_figures(
    engine: str,
    calculate: Calculate,
    demo_db: Path,
    duckdb_figures: dict[int, dict[str, float]],
    tmp_path: Path,
) -> None:
    ws = open_workspace(str(_copy(demo_db, tmp_path / "demo")))
    try:
        for year in YEARS:
            calculate(ws, InventorySettings(year))
            got, want = figures(ws, year), duckdb_figures[year]
            assert got.keys() == want.keys(), year
            for key, value in want.items():
                assert got[key] == pytest.approx(value, rel=1e-9, abs=1e-9), (year, key)
    finally:
        ws.close()
