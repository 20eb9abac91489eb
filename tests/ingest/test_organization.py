"""Entities, sites and instruments: validated row by row, imported whole or not at all."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.engines.conftest import ROOT, write_csv
from tests.ingest.common import cells
from zerotrail.errors import DataError
from zerotrail.ingest.instruments import import_instruments
from zerotrail.ingest.organization import import_entities, import_sites
from zerotrail.store.workspace import Workspace, open_workspace


@pytest.fixture
def ws(tmp_path: Path) -> Any:
    w = open_workspace(str(tmp_path / "w.duckdb"), create=True)
    yield w
    w.close()


def test_entity_rules(ws: Workspace, tmp_path: Path) -> None:
    rows = [
        *ROOT,
        {
            "entity": "A",
            "name": "a",
            "parent": "E",
            "equity_share": 150,
            "financial_control": "maybe",
            "operational_control": "perhaps",
            "country": "China",
        },
        {
            "entity": "B",
            "name": "b",
            "parent": "C",
            "equity_share": 50,
            "financial_control": "no",
            "operational_control": "no",
            "country": "CN",
        },
        {
            "entity": "C",
            "name": "c",
            "parent": "B",
            "equity_share": 50,
            "financial_control": "no",
            "operational_control": "no",
            "country": "CN",
        },
        {
            "entity": "D",
            "name": "",
            "parent": "X",
            "equity_share": 50,
            "financial_control": "no",
            "operational_control": "no",
            "country": "CN",
        },
    ]
    with pytest.raises(DataError) as exc:
        import_entities(ws, write_csv(tmp_path / "e.csv", rows))
    assert cells(exc) >= {
        (3, "equity_share"),
        (3, "financial_control"),
        (3, "operational_control"),
        (3, "country"),
        (4, "parent"),
        (6, "name"),
        (6, "parent"),
    }
    assert ws.scalar("SELECT count(*) FROM entities") == 0


def test_sites_need_known_entity_kind_and_region(ws: Workspace, tmp_path: Path) -> None:
    import_entities(ws, write_csv(tmp_path / "e.csv", ROOT))
    rows = [
        {"site": "S1", "entity": "E", "kind": "campus", "region": "CN-EAST"},
        {"site": "S2", "entity": "Z", "kind": "castle", "region": "east"},
        {"site": "S1", "entity": "E", "kind": "office", "region": "CN"},
    ]
    with pytest.raises(DataError) as exc:
        import_sites(ws, write_csv(tmp_path / "s.csv", rows))
    assert cells(exc) == {(3, "entity"), (3, "kind"), (3, "region"), (4, "site")}


def test_instrument_rules_and_replace(ws: Workspace, tmp_path: Path) -> None:
    import_entities(ws, write_csv(tmp_path / "e.csv", ROOT))
    good = {
        "instrument_id": "g1",
        "type": "GEC",
        "mwh": 100,
        "period_start": "2023-01-01",
        "period_end": "2023-12-31",
        "region": "CN",
        "entity": "E",
        "status": "retired",
        "retired_on": "2024-01-10",
    }
    bad = [
        good,
        {
            **good,
            "instrument_id": "g2",
            "type": "TREE",
            "mwh": -1,
            "status": "retired",
            "retired_on": "",
            "entity": "",
        },
    ]
    with pytest.raises(DataError) as exc:
        import_instruments(ws, write_csv(tmp_path / "i.csv", bad))
    assert cells(exc) == {(3, "type"), (3, "mwh"), (3, "retired_on"), (3, "entity")}
    assert import_instruments(ws, write_csv(tmp_path / "i.csv", [good])).added == 1
    changed = write_csv(tmp_path / "i2.csv", [{**good, "mwh": 200}])
    with pytest.raises(DataError, match="problem"):
        import_instruments(ws, changed)
    assert import_instruments(ws, changed, replace=True).replaced == 1
    assert ws.scalar("SELECT mwh FROM instruments") == 200
