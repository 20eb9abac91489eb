"""Base-year versions and recalculation events, on the small world (world.py).

Base year 2020: Scope 1 = 200 t, Scope 2 = 800 t (location; market-based equals it in 2020,
when the shipped library has no residual mix for China and the location factor is used),
Scope 3 category 1 = 4,000 t. Scope 1 + 2 = 1,000 t, so 5% is 50 t.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Templates, open_copy
from tests.engines.conftest import write_csv
from tests.targets.world import build
from zerotrail.errors import DataError, ZerotrailError
from zerotrail.pipeline.roadmap import (
    base_year_events,
    base_year_versions,
    import_events,
    record_base_year,
    record_event,
)
from zerotrail.store.activities import LEDGER_TYPES
from zerotrail.store.audit import audit
from zerotrail.store.workspace import Workspace
from zerotrail.targets.baseyear import EventInput
from zerotrail.targets.recalc import Figures


def event(eid: str, kind: str, s1: float, s2: float, **kw: object) -> EventInput:
    return EventInput(
        eid,
        2020,
        2023,
        kind,
        f"{kind} event",
        Figures(s1, s2, s2, {}),
        **kw,  # type: ignore[arg-type]
    )


def pending(ws: Workspace, base_year: int) -> list[str]:
    """The ids of the events no base-year version has applied yet."""
    return [
        str(e["event_id"])
        for e in base_year_events(ws, base_year)
        if e["applied_in_version"] is None
    ]


def test_version_one_is_the_base_year_inventory(world: Workspace) -> None:
    v = record_base_year(world, 2020)
    assert v is not None and v.version == 1
    assert (v.figures.scope1, v.figures.scope2_location, dict(v.figures.scope3)) == (
        pytest.approx(200.0),
        pytest.approx(800.0),
        {1: pytest.approx(4000.0)},
    )
    assert record_base_year(world, 2020) == v  # recorded once
    assert record_base_year(world, 2019) is None  # no inventory for 2019


def test_an_acquisition_at_the_threshold_recalculates(world: Workspace) -> None:
    # Acquired business: 20 t Scope 1 + 30 t Scope 2 in 2020 = 50 t = 5.0% of 1,000 t: triggers.
    d = record_event(world, event("ACQ", "acquisition", 20, 30, entity="A"))
    assert d.recalculate and d.applied == ("ACQ",)
    v2 = base_year_versions(world, 2020)[-1]
    assert v2.version == 2 and v2.events == ("ACQ",)
    assert v2.figures.scope1 == pytest.approx(220.0)  # 200 + 20 x 100% (A is controlled)
    assert v2.figures.scope2_location == pytest.approx(830.0)  # 800 + 30


def test_just_below_the_threshold_stays_pending_until_cumulative(world: Workspace) -> None:
    # 49.9 t = 4.99% of 1,000 t: not significant alone.
    d = record_event(world, event("ACQ", "acquisition", 19.9, 30, entity="A"))
    assert not d.recalculate and len(base_year_versions(world, 2020)) == 1
    assert pending(world, 2020) == ["ACQ"]
    # An error of +0.2 t: 49.9 + 0.2 = 50.1 t = 5.01% together (cumulative policy, default).
    d = record_event(world, event("ERR", "error", 0.2, 0))
    assert d.recalculate and set(d.applied) == {"ACQ", "ERR"}
    assert base_year_versions(world, 2020)[-1].figures.scope1 == pytest.approx(200 + 19.9 + 0.2)
    assert pending(world, 2020) == []


def test_organic_growth_never_recalculates(world: Workspace) -> None:
    d = record_event(world, event("ORG", "organic", 500, 0))  # 50% of the base, organic
    assert not d.recalculate
    assert d.ignored and d.ignored[0][0] == "ORG"
    assert len(base_year_versions(world, 2020)) == 1


def test_a_business_that_did_not_exist_in_the_base_year_is_ignored(world: Workspace) -> None:
    d = record_event(world, event("NEW", "acquisition", 100, 0, in_base_year=False))
    assert not d.recalculate and d.ignored[0][0] == "NEW"


def test_a_divestment_subtracts(world: Workspace) -> None:
    d = record_event(world, event("DIV", "divestment", 60, 0))  # -60 t = -6%
    assert d.recalculate
    assert base_year_versions(world, 2020)[-1].figures.scope1 == pytest.approx(140.0)  # 200 - 60


def test_the_acquisition_is_consolidated_by_equity_share(
    workspace_template: Templates, tmp_path: Path
) -> None:
    ws = open_copy(workspace_template(), tmp_path, "eq.duckdb")  # the shipped factors
    build(ws, tmp_path, approach="equity_share", years=range(2020, 2021))
    # A is 60% held: under equity share the acquired 80 t count 0.6 x 80 = 48 t = 4.8%: pending.
    d = record_event(ws, event("ACQ", "acquisition", 40, 40, entity="A"))
    assert not d.recalculate
    row = ws.fetchall("SELECT share, effect_scope1 FROM baseline_events")[0]
    assert row == (pytest.approx(0.6), pytest.approx(24.0))  # 40 x 0.6
    ws.close()


def test_events_and_versions_are_committed_and_audited(world: Workspace) -> None:
    record_event(world, event("ACQ", "acquisition", 40, 40, entity="A"))
    kinds = dict(world.fetchall("SELECT kind, count(*) FROM ledger_leaves GROUP BY kind"))
    assert kinds["baseline_event"] == 1 and kinds["base_year"] == 2
    assert audit(world, LEDGER_TYPES).ok
    with pytest.raises(ZerotrailError, match="already recorded"):
        record_event(world, event("ACQ", "acquisition", 1, 1))


def test_import_checks_the_whole_file_first(world: Workspace, tmp_path: Path) -> None:
    rows = [
        {
            "event_id": "E1",
            "base_year": 2020,
            "year": 2023,
            "kind": "acquisition",
            "description": "bought A",
            "entity": "A",
            "in_base_year": "yes",
            "scope1_t": 30,
            "scope2_location_t": 30,
            "scope2_market_t": 30,
            "scope3_t": 400,
        },
        {
            "event_id": "E2",
            "base_year": 2020,
            "year": 2019,
            "kind": "merger",
            "description": "",
            "entity": "Z",
            "in_base_year": "maybe",
            "scope1_t": -5,
            "scope2_location_t": "x",
            "scope2_market_t": 1,
            "scope3_t": "",
        },
    ]
    path = write_csv(tmp_path / "events.csv", rows)
    with pytest.raises(DataError) as exc:
        import_events(world, path)
    where = {(p.row, p.column) for p in exc.value.problems}
    assert {
        (3, "kind"),
        (3, "description"),
        (3, "entity"),
        (3, "in_base_year"),
        (3, "scope1_t"),
        (3, "scope2_location_t"),
        (3, "year"),
    } <= where
    assert world.scalar("SELECT count(*) FROM baseline_events") == 0
    (decision,) = import_events(world, write_csv(tmp_path / "ok.csv", rows[:1]))
    assert decision.recalculate  # 60 t = 6% of Scope 1 + 2
    v2 = base_year_versions(world, 2020)[-1]
    # Scope 3 400 t spread over the base year's categories pro rata: all in category 1.
    assert dict(v2.figures.scope3) == {1: pytest.approx(4400.0)}
