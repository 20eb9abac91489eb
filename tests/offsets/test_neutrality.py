"""Neutrality claims over the workspace, on the small world (world.py).

2023 claim boundary: Scope 1 + Scope 2 market-based. Scope 1 = 170 t (170 GJ diesel x 1 t/GJ);
Scope 2 market-based = 670 MWh x China's 2023 national mix excluding market-traded non-fossil,
0.6096 t/MWh (MEE/NBS, shipped) = 408.432 t. Gross = 578.432 t.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli.invoke import zerotrail
from tests.engines.conftest import write_csv
from tests.targets.conftest import ABSOLUTE, roadmap_file
from zerotrail.engine.settings import InventorySettings
from zerotrail.ingest.credits import import_credits
from zerotrail.pipeline.calculation import calculate
from zerotrail.pipeline.claims import (
    finalize_inventory,
    is_final,
    neutrality_preview,
    record_claim,
)
from zerotrail.pipeline.roadmap import (
    add_targets,
    base_year_versions,
    check_targets,
    target_progress,
)
from zerotrail.store.activities import LEDGER_TYPES
from zerotrail.store.audit import audit
from zerotrail.store.workspace import Workspace, open_workspace
from zerotrail.targets.roadmap import read_roadmap

GROSS_2023 = 170 + 670 * 0.6096

NEUTRAL = """
[[target]]
id = "NEUTRAL"
kind = "neutrality"
scopes = [1, 2]
from_year = 2021
"""


def credit(cid: str, first: int, last: int, **kw: Any) -> dict[str, Any]:
    row = {
        "credit_id": cid,
        "registry": "Verra VCS",
        "project_id": "728",
        "methodology": "ACM0002",
        "type": "avoidance",
        "durability": "none",
        "vintage": 2022,
        "serial_start": f"VCS-728-{first:06d}",
        "serial_end": f"VCS-728-{last:06d}",
        "quantity": last - first + 1,
        "status": "retired",
        "retired_on": "2024-02-01",
        "beneficiary": "Emmet",
        "reason": "Scope 1+2 neutrality 2023",
        "claim_year": 2023,
        "ccp_label": "yes",
        "corsia_eligible": "no",
        "corresponding_adjustment": "no",
    }
    row.update(kw)
    return row


def setup(ws: Workspace, tmp: Path, credits: list[dict[str, Any]], *, plan: bool = True) -> None:
    text = NEUTRAL + (ABSOLUTE if plan else "")
    add_targets(ws, read_roadmap(roadmap_file(tmp, text)), "roadmap.toml")
    if credits:
        import_credits(ws, write_csv(tmp / "credits.csv", credits))
    finalize_inventory(ws, 2023)


def test_a_covered_final_claim_holds_and_is_committed(world: Workspace, tmp_path: Path) -> None:
    setup(
        world,
        tmp_path,
        [
            credit("C1", 1, 400),
            credit(
                "C2",
                1,
                200,
                type="removal",
                durability="short",
                registry="Gold Standard",
                project_id="GS-1",
                serial_start="GS1-000001",
                serial_end="GS1-000200",
            ),
        ],
    )
    d = record_claim(world, 2023)
    assert d["holds"] is True and d["failures"] == ()
    assert d["gross_t"] == pytest.approx(GROSS_2023)
    assert d["credits_t"] == pytest.approx(600.0)
    assert d["removal_share"] == pytest.approx(200 / 600)
    assert d["net_t"] == pytest.approx(GROSS_2023 - 600)  # over-retired: negative net
    assert record_claim(world, 2023)["version"] == 1  # unchanged: no new version
    kinds = dict(world.fetchall("SELECT kind, count(*) FROM ledger_leaves GROUP BY kind"))
    assert (kinds["claim"], kinds["final"], kinds["credit"]) == (1, 1, 2)
    assert audit(world, LEDGER_TYPES).ok
    # Scope totals are untouched by the claim.
    s12 = world.scalar(
        "SELECT sum(co2e_market_t) FROM results JOIN runs USING (run_id)"
        " WHERE runs.current AND runs.year = 2023 AND scope IN (1, 2)"
    )
    assert s12 == pytest.approx(GROSS_2023)


def test_too_few_credits_fail_with_the_shortfall(world: Workspace, tmp_path: Path) -> None:
    setup(world, tmp_path, [credit("C1", 1, 500)])
    d = record_claim(world, 2023)
    assert d["holds"] is False
    short = GROSS_2023 - 500
    assert (
        f"retired credits cover 500.00 t of {GROSS_2023:,.2f} t: {short:,.2f} t short"
        in (d["failures"])
    )


def test_held_credits_do_not_count(world: Workspace, tmp_path: Path) -> None:
    setup(
        world,
        tmp_path,
        [
            credit(
                "C1", 1, 600, status="held", retired_on="", claim_year="", beneficiary="", reason=""
            )
        ],
    )
    # A held block cannot even be assigned to a claim: the claim has no credits at all.
    d = record_claim(world, 2023)
    assert d["holds"] is False and d["credits_t"] == 0


def test_a_claim_on_an_inventory_that_is_not_final_fails(world: Workspace, tmp_path: Path) -> None:
    setup(world, tmp_path, [credit("C1", 1, 600)])
    assert is_final(world, 2023) and record_claim(world, 2023)["holds"] is True
    calculate(world, InventorySettings(2023))  # a new run: no longer final
    assert not is_final(world, 2023)
    d = record_claim(world, 2023)
    assert d["holds"] is False
    assert any("not final" in f for f in d["failures"])
    assert d["version"] == 2  # the outcome changed: a new version


def test_no_reduction_plan_fails(world: Workspace, tmp_path: Path) -> None:
    setup(world, tmp_path, [credit("C1", 1, 600)], plan=False)
    d = record_claim(world, 2023)
    assert d["holds"] is False and any("reduction" in f for f in d["failures"])


def test_serials_reused_by_another_years_claim_fail(world: Workspace, tmp_path: Path) -> None:
    # The same serials under another registry's listing cannot be imported (overlap); a block
    # assigned to 2022 and a new block of other serials for 2023 are fine; reuse is caught by
    # the claim check when rows are tampered with directly.
    setup(world, tmp_path, [credit("C1", 1, 600), credit("C0", 601, 1200, claim_year=2022)])
    world.execute(
        "UPDATE credits SET serial_first = 1, serial_last = 600, serial_start = 'VCS-728-000001',"
        " serial_end = 'VCS-728-000600' WHERE credit_id = 'C0'"
    )
    d = record_claim(world, 2023)
    assert d["holds"] is False
    assert any("counts for one claim only" in f for f in d["failures"])
    assert not audit(world, LEDGER_TYPES).ok  # and the audit names the changed credit


def test_cli_exits_1_when_the_claim_fails(world: Workspace, tmp_path: Path) -> None:
    setup(world, tmp_path, [credit("C1", 1, 100)])
    db = world.url
    world.close()
    run = zerotrail("--db", db, "claim", "neutrality", "--year", "2023", cwd=tmp_path)
    assert run.returncode == 1
    assert "DOES NOT HOLD" in run.stdout and "short" in run.stdout


def test_the_preview_and_progress_read_a_read_only_workspace(
    world: Workspace, tmp_path: Path
) -> None:
    # Reading never writes: the claim preview, progress, the base year and the checks run on a
    # workspace opened read-only, and the preview is the claim `record_claim` then stores.
    setup(world, tmp_path, [credit("C1", 1, 600)])
    url = world.url
    world.close()
    with open_workspace(url, read_only=True) as ro:
        preview = neutrality_preview(ro, 2023)
        progress = {p.id: p for p in target_progress(ro, 2023)}
        versions = base_year_versions(ro, 2020)
        checks = check_targets(ro)
        assert ro.scalar("SELECT count(*) FROM claims") == 0
    assert preview["holds"] is True and "version" not in preview
    assert preview["gross_t"] == pytest.approx(GROSS_2023)
    # The neutrality target's progress is the previewed claim: net = gross - 600 t. It asks
    # for neutrality every year from 2021 and no claim was recorded for 2021 or 2022, so it is
    # not achieved (test_every_year_from_the_first_is_checked).
    assert progress["NEUTRAL"].status == "no-data"
    assert progress["NEUTRAL"].actual == pytest.approx(GROSS_2023 - 600)
    assert progress["NEUTRAL"].claim_years == {2021: None, 2022: None, 2023: True}
    assert progress["S12"].status == "off-track"  # 840 t in 2023 against a pathway of 820 t
    assert [v.version for v in versions] == [1]
    assert [c.target_id for c in checks.checks] == ["NEUTRAL", "S12", "portfolio"]
    with open_workspace(url) as ws:
        recorded = record_claim(ws, 2023)
    assert recorded.pop("version") == 1
    assert recorded == preview


def test_progress_of_a_neutrality_target_before_its_first_year(
    world: Workspace, tmp_path: Path
) -> None:
    setup(world, tmp_path, [])
    (p,) = target_progress(world, 2020, kinds=frozenset({"neutrality"}))
    assert (p.status, p.notes) == ("not-started", ("neutrality applies from 2021",))
    assert p.to_dict()["status"] == "not-started"


def years_of_claims(ws: Workspace, tmp: Path, per_year: dict[int, int]) -> None:
    """The NEUTRAL and S12 targets, `per_year[y]` t of credits retired for each year's claim
    (serials in separate blocks), each year final and its claim recorded."""
    add_targets(ws, read_roadmap(roadmap_file(tmp, NEUTRAL + ABSOLUTE)), "roadmap.toml")
    rows, first = [], 1
    for y, t in per_year.items():
        rows.append(credit(f"C{y}", first, first + t - 1, claim_year=y, vintage=y - 1))
        first += t
    import_credits(ws, write_csv(tmp / "credits.csv", rows))
    for y in per_year:
        finalize_inventory(ws, y)
        record_claim(ws, y)


def test_every_year_from_the_first_is_checked(world: Workspace, tmp_path: Path) -> None:
    # 1,000 t retired for each of 2021-2023 covers every year's Scope 1 + 2 (market-based):
    # 2021 diesel 190 t + 760 MWh x 0.5942 t/MWh (China's 2021 mix excluding market-traded
    # non-fossil) = 641.59 t; 2022 601.63 t; 2023 578.43 t (module docstring).
    years_of_claims(world, tmp_path, {2021: 1_000, 2022: 1_000, 2023: 1_000})
    (p,) = target_progress(world, 2023, kinds=frozenset({"neutrality"}))
    assert p.status == "achieved"
    assert p.claim_years == {2021: True, 2022: True, 2023: True}
    assert p.notes[0] == "checked for 2021, 2022, 2023: held every year"
    assert p.history[2023] == pytest.approx(GROSS_2023 - 1_000)  # each year's net
    assert sorted(p.history) == [2021, 2022, 2023]
    assert p.to_dict()["claim_years"] == {"2021": True, "2022": True, "2023": True}


def test_a_year_whose_claim_failed_misses_the_target(world: Workspace, tmp_path: Path) -> None:
    # 100 t for 2022 cannot cover its Scope 1 + 2, 601.63 t (diesel alone is 180 t): fails.
    years_of_claims(world, tmp_path, {2021: 1_000, 2022: 100, 2023: 1_000})
    (p,) = target_progress(world, 2023, kinds=frozenset({"neutrality"}))
    assert p.status == "missed"
    assert p.claim_years == {2021: True, 2022: False, 2023: True}
    assert p.notes[0] == "checked for 2021, 2022, 2023: held in 2021, 2023; did not hold in 2022"
    # The command says the same as the report stage reads (target_progress).
    db = world.url
    world.close()
    run = zerotrail("--db", db, "progress", "--year", "2023", "--format", "json", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    (neutral,) = [t for t in json.loads(run.stdout)["targets"] if t["id"] == "NEUTRAL"]
    assert neutral["status"] == "missed"
    assert neutral["claim_years"] == {"2021": True, "2022": False, "2023": True}


def test_a_claim_recorded_before_a_recalculation_is_named(world: Workspace, tmp_path: Path) -> None:
    years_of_claims(world, tmp_path, {2021: 1_000, 2022: 1_000, 2023: 1_000})
    calculate(world, InventorySettings(2022))  # a new 2022 run after its claim was recorded
    (p,) = target_progress(world, 2023, kinds=frozenset({"neutrality"}))
    assert p.status == "achieved"  # the 2022 claim stands as recorded
    assert "the claim of 2022 was recorded on an earlier calculation" in p.notes[1]
