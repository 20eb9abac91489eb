"""Progress on the small world (world.py): Scope 1 + 2 location-based per year, t CO2e:

    2020 1,000   2021 950   2022 900   2023 840   2024 770   2025 700
    (diesel 200/190/180/170/160/150 + electricity 800/760/720/670/610/550)

Target: -30% by 2025 from 2020 -> 1,000 x 0.7 = 700 t.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.invoke import zerotrail
from tests.engines.conftest import write_csv
from tests.targets.conftest import ABSOLUTE, roadmap_file
from zerotrail.ingest.metrics import import_metrics, import_suppliers
from zerotrail.pipeline.roadmap import add_targets, record_event, target_progress
from zerotrail.store.workspace import Workspace
from zerotrail.targets.baseyear import EventInput
from zerotrail.targets.progress import TargetProgress
from zerotrail.targets.recalc import Figures
from zerotrail.targets.roadmap import read_roadmap


def one(ws: Workspace, year: int, target_id: str) -> TargetProgress:
    (p,) = [p for p in target_progress(ws, year) if p.id == target_id]
    return p


def test_absolute_pathway_gap_forecast_and_status(world: Workspace, tmp_path: Path) -> None:
    add_targets(world, read_roadmap(roadmap_file(tmp_path, ABSOLUTE)), "roadmap.toml")
    p = one(world, 2023, "S12")
    assert p.base_value == pytest.approx(1000.0) and p.target_value == pytest.approx(700.0)
    assert p.actual == pytest.approx(840.0)
    # pathway 2023 = 1,000 + (700 - 1,000) x 3/5 = 820; gap = 840 - 820 = 20 t behind.
    assert p.pathway == pytest.approx(820.0) and p.gap == pytest.approx(20.0)
    # (1,000 - 840) / (1,000 - 700) = 53.3% of the way.
    assert p.fraction_of_way == pytest.approx(160 / 300)
    # Trend of 2021-2023 (950, 900, 840): slope -55 t/yr through the mean 896.67 in 2022;
    # 2025: 896.67 - 3 x 55 = 731.67 > 700. Behind the pathway and missing: off-track.
    assert p.forecast == pytest.approx(2690 / 3 - 165)
    assert p.status == "off-track"
    assert p.history == {2020: 1000.0, 2021: 950.0, 2022: 900.0, 2023: 840.0}
    # 2021: 950 behind the pathway (940); the 2020-2021 trend (-50 t/yr) gives 750 in 2025.
    assert one(world, 2021, "S12").status == "off-track"
    assert one(world, 2025, "S12").status == "achieved"  # 700 <= 700


def test_on_track_when_ahead_of_the_pathway_and_the_trend_reaches_the_target(
    world: Workspace, tmp_path: Path
) -> None:
    # -20% by 2025: target 800; pathway 2023 = 1,000 - 200 x 3/5 = 880 > 840 actual;
    # forecast 731.67 <= 800.
    text = ABSOLUTE.replace("reduction_pct = 30", "reduction_pct = 20")
    add_targets(world, read_roadmap(roadmap_file(tmp_path, text)), "roadmap.toml")
    assert one(world, 2023, "S12").status == "on-track"


def test_a_recalculated_base_year_moves_the_target(world: Workspace, tmp_path: Path) -> None:
    add_targets(world, read_roadmap(roadmap_file(tmp_path, ABSOLUTE)), "roadmap.toml")
    record_event(
        world,
        EventInput("ACQ", 2020, 2023, "acquisition", "bought A", Figures(60, 40, 40, {}), "A"),
    )
    p = one(world, 2025, "S12")
    # New base 1,000 + 100 = 1,100 (10%: recalculated); target 1,100 x 0.7 = 770.
    assert (p.base_value, p.base_version) == (pytest.approx(1100.0), 2)
    assert p.target_value == pytest.approx(770.0)
    assert p.status == "achieved"  # 700 <= 770


def test_intensity_and_supplier_engagement(world: Workspace, tmp_path: Path) -> None:
    import_metrics(
        world,
        write_csv(
            tmp_path / "metrics.csv",
            [
                {"metric": "revenue", "year": y, "value": 100 + 10 * (y - 2020), "unit": "CNY m"}
                for y in range(2020, 2026)
            ],
        ),
    )
    import_suppliers(
        world,
        write_csv(
            tmp_path / "suppliers.csv",
            [{"supplier": "SUP-GREEN", "name": "Green Steel", "sbt_year": 2023}],
        ),
    )
    text = """
[[target]]
id = "INT"
kind = "intensity"
scopes = [1, 2]
scope2_method = "location"
metric = "revenue"
base_year = 2020
target_year = 2025
reduction_pct = 50

[[target]]
id = "SUP"
kind = "supplier_engagement"
base_year = 2020
target_year = 2025
share_pct = 60
"""
    add_targets(world, read_roadmap(roadmap_file(tmp_path, text)), "roadmap.toml")
    p = one(world, 2023, "INT")
    # 2020: 1,000 t / 100 = 10 t per CNY m; 2023: 840 / 130 = 6.46; target 10 x 0.5 = 5.
    assert p.base_value == pytest.approx(10.0) and p.actual == pytest.approx(840 / 130)
    assert p.target_value == pytest.approx(5.0) and p.unit == "t CO2e per CNY m"
    # All Scope 3 is steel from SUP-GREEN, whose target was validated in 2023.
    assert one(world, 2022, "SUP").actual == pytest.approx(0.0)
    s = one(world, 2023, "SUP")
    assert s.actual == pytest.approx(100.0) and s.status == "on-track"


def test_renewable_share_target_with_no_certificates_is_off_track(
    world: Workspace, tmp_path: Path
) -> None:
    text = """
[[target]]
id = "RE"
kind = "renewable_share"
site_kind = "data_center_leased"
base_year = 2020
target_year = 2025
share_pct = 30
"""
    add_targets(world, read_roadmap(roadmap_file(tmp_path, text)), "roadmap.toml")
    p = one(world, 2023, "RE")
    # 0% renewable every year; pathway 2023 = 0 + 30 x 3/5 = 18 points; gap -18 points.
    assert (p.actual, p.pathway, p.gap, p.unit) == (
        0.0,
        pytest.approx(18.0),
        pytest.approx(-18.0),
        "%",
    )
    assert p.status == "off-track"


def test_progress_json_through_the_cli(world: Workspace, tmp_path: Path) -> None:
    add_targets(world, read_roadmap(roadmap_file(tmp_path, ABSOLUTE)), "roadmap.toml")
    db = world.url
    world.close()
    done = zerotrail("--db", db, "progress", "--year", "2024", "--format", "json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    (t,) = json.loads(out)["targets"]
    # 2024: behind the pathway, and the 2022-2024 trend (900, 840, 770: -65 t/yr through
    # 836.67 in 2023) gives 706.67 > 700 in 2025: off-track.
    assert {k: t[k] for k in ("id", "kind", "status")} == {
        "id": "S12",
        "kind": "absolute",
        "status": "off-track",
    }
    assert t["forecast"] == pytest.approx(2510 / 3 - 130)
    # 2024: 770 actual; pathway 1,000 - 300 x 4/5 = 760; gap 10.
    assert (t["actual"], t["pathway"], t["target_value"], t["gap"]) == (
        pytest.approx(770.0),
        pytest.approx(760.0),
        pytest.approx(700.0),
        pytest.approx(10.0),
    )
