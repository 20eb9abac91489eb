"""The approval stage (pipeline/submissions.py) on DuckDB and PostgreSQL: a submission is checked
by the import itself and rolled back, only an approval imports, and each transition is committed.

The world is the server tests' (tests/server/conftest.py `fill_world`): a1 (A) 1,000 MWh and
b1 (B) 2,000 MWh of East China grid electricity in 2023 at 0.5500 t CO2/MWh, calculated:
Scope 2 (location) 550 + 1,100 = 1,650 t. a2 adds 100 MWh x 0.5500 t/MWh = 55 t.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import postgres
from tests.conftest import Templates
from tests.server.conftest import fill_world
from zerotrail.engine.settings import InventorySettings
from zerotrail.errors import DataError
from zerotrail.model.users import User
from zerotrail.pipeline import submissions as stage
from zerotrail.pipeline.calculation import calculate
from zerotrail.pipeline.claims import finalize_inventory
from zerotrail.pipeline.inventory import inventory_summary
from zerotrail.store.workspace import Workspace, open_workspace

OWNER_A = User("owner-a", "owner", ("A",))
APPROVER = User("apu", "approver", ())
HEADER = b"record_id,entity,period_start,period_end,activity,quantity,unit,region\n"


def _row(rid: str, entity: str, mwh: str, year: int = 2023) -> bytes:
    return (
        f"{rid},{entity},{year}-01-01,{year}-12-31,electricity.grid,{mwh},MWh,CN-EAST\n"
    ).encode()


CLEAN = HEADER + _row("a2", "A", "100")


@pytest.fixture(params=["duckdb", "postgres"])
def ws(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Workspace]:
    """The world on DuckDB and on PostgreSQL (from the shipped-factors template)."""
    if request.param == "postgres":
        template = request.getfixturevalue("postgres_template")
        with open_workspace(postgres.create_database(template)) as opened:
            fill_world(opened, tmp_path)
            yield opened
        return
    yield from _duckdb(request.getfixturevalue("workspace_template"), tmp_path)


@pytest.fixture
def duck(workspace_template: Templates, tmp_path: Path) -> Iterator[Workspace]:
    """The world on DuckDB only (the rules' tests; the store's dialects are tested above)."""
    yield from _duckdb(workspace_template, tmp_path)


def _duckdb(workspace_template: Templates, tmp_path: Path) -> Iterator[Workspace]:
    path = tmp_path / "w.duckdb"
    path.write_bytes(workspace_template(fill_world).read_bytes())
    with open_workspace(str(path)) as opened:
        yield opened


def _records(ws: Workspace) -> list[str]:
    return [str(r[0]) for r in ws.fetchall("SELECT record_id FROM activities ORDER BY 1")]


def _leaves(ws: Workspace) -> list[tuple[str, int]]:
    rows = ws.fetchall(
        "SELECT ref, version FROM ledger_leaves WHERE kind = 'submission' ORDER BY idx"
    )
    return [(str(r), int(v)) for r, v in rows]


def _scope2(ws: Workspace) -> float:
    calculate(ws, InventorySettings(2023, "AR5"))
    return float(inventory_summary(ws, 2023)["scope2_location"])


def test_submit_stores_the_file_without_importing_it_then_approve_imports_it(
    ws: Workspace,
) -> None:
    before = _records(ws)
    s = stage.submit(ws, OWNER_A, "meters/a.csv", CLEAN)
    assert (s.status, s.file_name, s.file_rows, s.file_size) == (
        "submitted",
        "a.csv",
        1,
        len(CLEAN),
    )
    assert _records(ws) == before == ["a1", "b1"]
    assert _leaves(ws) == [(s.submission_id, 1)]
    assert _scope2(ws) == pytest.approx(1650.0)  # 550 + 1,100: the submission is not counted

    decided = stage.approve(ws, s.submission_id, APPROVER)
    assert decided.submission.status == "approved" and decided.submission.decided_by == "apu"
    assert decided.report is not None and decided.report.added == 1
    assert decided.report.file == "a.csv"
    assert _records(ws) == ["a1", "a2", "b1"]
    assert _leaves(ws) == [(s.submission_id, 1), (s.submission_id, 2)]
    assert _scope2(ws) == pytest.approx(1705.0)  # + 100 MWh x 0.5500 t/MWh = 55 t
    event = ws.fetchall(
        "SELECT status, actor, file_sha256 FROM submission_events WHERE version = 2"
    )
    assert event == [("approved", "apu", s.file_sha256)]


def test_row_errors_and_other_entities_are_refused_and_nothing_is_kept(ws: Workspace) -> None:
    with pytest.raises(DataError) as bad:
        stage.submit(ws, OWNER_A, "a.csv", CLEAN + _row("a3", "A", "-"))
    (p,) = bad.value.problems
    assert (p.source, p.row, p.column) == ("a.csv", 3, "quantity")
    with pytest.raises(DataError) as other:
        stage.submit(ws, OWNER_A, "a.csv", CLEAN + _row("b2", "B", "1"))
    (p,) = other.value.problems
    assert (p.source, p.row, p.column) == ("a.csv", 3, "entity")
    assert str(other.value) == "a.csv: 1 problem(s); nothing was submitted"
    assert stage.submissions_for(ws, None) == []
    assert _records(ws) == ["a1", "b1"] and _leaves(ws) == []


def test_four_eyes_a_reason_to_reject_and_one_decision(duck: Workspace) -> None:
    ws = duck
    s = stage.submit(ws, APPROVER, "b.csv", HEADER + _row("b2", "B", "5"))
    with pytest.raises(stage.FourEyesError, match="four eyes"):
        stage.approve(ws, s.submission_id, APPROVER)
    with pytest.raises(stage.FourEyesError, match="role verifier may not"):
        stage.approve(ws, s.submission_id, User("vera", "verifier", ()))
    with pytest.raises(stage.SubmissionError, match="needs a reason"):
        stage.reject(ws, s.submission_id, "cli:op", " \t")
    decided = stage.reject(ws, s.submission_id, "cli:op", "wrong  meter")
    assert decided.submission.reason == "wrong meter" and decided.report is None
    with pytest.raises(stage.DecisionConflict, match="already rejected by cli:op"):
        stage.approve(ws, s.submission_id, "cli:op")
    assert _records(ws) == ["a1", "b1"]
    assert _leaves(ws) == [(s.submission_id, 1), (s.submission_id, 2)]


def test_a_finalized_year_locks_its_data(duck: Workspace) -> None:
    ws = duck
    s = stage.submit(ws, OWNER_A, "a.csv", CLEAN)
    later = stage.submit(ws, OWNER_A, "c.csv", HEADER + _row("a9", "A", "7", year=2024))
    finalize_inventory(ws, 2023)
    with pytest.raises(stage.DecisionConflict) as refused:
        stage.approve(ws, s.submission_id, APPROVER)
    assert str(refused.value) == (
        f"submission {s.submission_id} has records in 2023, whose inventory is final:"
        " a finalized year's data is locked"
    )
    assert stage.submission_for(ws, None, s.submission_id).status == "submitted"
    assert _records(ws) == ["a1", "b1"]
    # 2024 was never calculated, so never finalized: its records are accepted.
    stage.approve(ws, later.submission_id, APPROVER)
    assert _records(ws) == ["a1", "a9", "b1"]


def test_an_owner_sees_only_its_own(duck: Workspace) -> None:
    ws = duck
    mine = stage.submit(ws, OWNER_A, "a.csv", CLEAN)
    theirs = stage.submit(
        ws, User("owner-b", "owner", ("B",)), "b.csv", HEADER + _row("b2", "B", "5")
    )
    assert [s.submission_id for s in stage.submissions_for(ws, OWNER_A)] == [mine.submission_id]
    with pytest.raises(stage.SubmissionNotFound):
        stage.submission_for(ws, OWNER_A, theirs.submission_id)
    assert len(stage.submissions_for(ws, User("vic", "viewer", ()))) == 2
