"""Reduction initiatives: every field checked, versioned on change, each version in the ledger."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.engines.conftest import ROOT, write_csv
from tests.ingest.common import cells, committed
from zerotrail.errors import DataError
from zerotrail.ingest.initiatives import LEVERS, import_initiatives
from zerotrail.ingest.organization import import_entities, import_sites
from zerotrail.store.activities import LEDGER_TYPES
from zerotrail.store.audit import audit
from zerotrail.store.committed import canonical_of
from zerotrail.store.initiatives import latest_initiatives
from zerotrail.store.workspace import Workspace, open_workspace

SITES = [
    {"site": "HZ", "entity": "E", "kind": "campus", "region": "CN-EAST"},
    {"site": "DC1", "entity": "E", "kind": "data_center_owned", "region": "CN-EAST"},
]

LED = {
    "initiative_id": "I-LED",
    "name": "LED retrofit, Hangzhou campus",
    "owner": "Facilities",
    "lever": "efficiency",
    "sites": "HZ",
    "start_year": 2023,
    "expected_t_per_year": 120,
    "cost": 850000,
    "currency": "CNY",
    "description": "",
}
COOL = {
    "initiative_id": "I-COOL",
    "name": "Free cooling at DC1",
    "owner": "Data centre ops",
    "lever": "efficiency",
    "sites": "DC1",
    "start_year": 2024,
    "expected_t_per_year": 300.5,
    "cost": "",
    "currency": "",
    "description": "indirect evaporative units",
}


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    w = open_workspace(str(tmp_path / "w.duckdb"), create=True)
    import_entities(w, write_csv(tmp_path / "entities.csv", ROOT))
    import_sites(w, write_csv(tmp_path / "sites.csv", SITES))
    yield w
    w.close()


def leaves(ws: Workspace) -> list[tuple[str, int]]:
    return committed(ws, "initiative")


def test_the_lever_set() -> None:
    assert sorted(LEVERS) == [
        "commuting",
        "efficiency",
        "electrification",
        "fuel_switch",
        "other",
        "procurement",
        "refrigerants",
        "renewable_energy",
        "travel",
    ]


def test_initiative_rules(ws: Workspace, tmp_path: Path) -> None:
    rows = [
        LED,  # row 2: fine
        {**COOL, "initiative_id": ""},  # 3: no id
        {**COOL, "initiative_id": "I-LED"},  # 4: duplicate id
        {**COOL, "initiative_id": "A", "name": "", "owner": ""},  # 5: no name, no owner
        {**COOL, "initiative_id": "B", "lever": "magic"},  # 6: lever not in the set
        {**COOL, "initiative_id": "C", "sites": "DC1; XX"},  # 7: unknown site
        {**COOL, "initiative_id": "D", "start_year": "next year"},  # 8
        {**COOL, "initiative_id": "E", "expected_t_per_year": -5},  # 9
        {**COOL, "initiative_id": "F", "expected_t_per_year": ""},  # 10
        {**COOL, "initiative_id": "G", "cost": -1, "currency": "CNY"},  # 11
        {**COOL, "initiative_id": "H", "cost": 1000, "currency": ""},  # 12: cost, no currency
        {**COOL, "initiative_id": "J", "cost": 1000, "currency": "yuan"},  # 13
    ]
    with pytest.raises(DataError) as exc:
        import_initiatives(ws, write_csv(tmp_path / "initiatives.csv", rows))
    assert cells(exc) == {
        (3, "initiative_id"),
        (4, "initiative_id"),
        (5, "name"),
        (5, "owner"),
        (6, "lever"),
        (7, "sites"),
        (8, "start_year"),
        (9, "expected_t_per_year"),
        (10, "expected_t_per_year"),
        (11, "cost"),
        (12, "currency"),
        (13, "currency"),
    }
    assert {p.source for p in exc.value.problems} == {str(tmp_path / "initiatives.csv")}
    assert "unknown site 'XX'" in next(p.message for p in exc.value.problems if p.row == 7)
    # Whole or nothing: the good row 2 is not stored, and nothing reached the ledger.
    assert ws.scalar("SELECT count(*) FROM initiatives") == 0
    assert leaves(ws) == []


def test_versions_and_ledger_leaves(ws: Workspace, tmp_path: Path) -> None:
    r = import_initiatives(ws, write_csv(tmp_path / "i1.csv", [LED, COOL]))
    assert (r.added, r.replaced, r.unchanged) == (2, 0, 0)
    assert leaves(ws) == [("I-COOL", 1), ("I-LED", 1)]
    stored = ws.fetchall(
        "SELECT sites, cost, currency, description FROM initiatives ORDER BY initiative_id"
    )
    assert stored == [
        ("DC1", None, None, "indirect evaporative units"),
        ("HZ", 850000.0, "CNY", None),
    ]

    # The same file again, and the same sites in another order: no new version, no new leaf.
    assert import_initiatives(ws, write_csv(tmp_path / "i2.csv", [LED, COOL])).import_id is None
    both = {**LED, "sites": "HZ;DC1"}
    import_initiatives(ws, write_csv(tmp_path / "i3.csv", [both]), replace=True)
    again = import_initiatives(ws, write_csv(tmp_path / "i4.csv", [{**both, "sites": "DC1;HZ"}]))
    assert again.import_id is None
    assert leaves(ws) == [("I-COOL", 1), ("I-LED", 1), ("I-LED", 2)]

    # A change without --replace is refused and leaves the workspace as it was.
    raised = {**both, "expected_t_per_year": 150}
    with pytest.raises(DataError) as exc:
        import_initiatives(ws, write_csv(tmp_path / "i5.csv", [COOL, raised]))
    assert cells(exc) == {(3, "initiative_id")}
    assert "version 2" in exc.value.problems[0].message
    assert len(leaves(ws)) == 3

    # With --replace it is version 3; the unchanged I-COOL is not versioned again.
    r = import_initiatives(ws, write_csv(tmp_path / "i6.csv", [COOL, raised]), replace=True)
    assert (r.added, r.replaced, r.unchanged) == (0, 1, 1)
    assert leaves(ws) == [("I-COOL", 1), ("I-LED", 1), ("I-LED", 2), ("I-LED", 3)]
    latest = latest_initiatives(ws)
    assert latest["I-LED"][0] == 3 and latest["I-LED"][1][3] == "DC1;HZ"
    assert latest["I-LED"][1][5] == 150.0
    assert latest["I-COOL"][0] == 1
    # Old versions stay stored and provable; the audit finds every leaf's record intact.
    assert ws.scalar("SELECT count(*) FROM initiatives WHERE initiative_id = 'I-LED'") == 3
    assert b'"expected_t_per_year":"120' in canonical_of(ws, "initiative", "I-LED", 1)
    assert audit(ws, LEDGER_TYPES).ok
