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


@pytest.mark.parametrize("kind", ["activities", "meters"])
def test_a_finalized_year_locks_its_data(duck: Workspace, tmp_path: Path, kind: str) -> None:
    ws = duck
    _with_data_centres(ws, tmp_path)
    first, later_file, held, stored = {
        "activities": (CLEAN, HEADER + _row("a9", "A", "7", year=2024), "records", _records),
        "meters": (
            METERS,
            METER_HEADER + _reading("dca", 1, year=2024),
            "meter readings",
            _readings,
        ),
    }[kind]
    before = stored(ws)
    s = stage.submit(ws, OWNER_A, "a.csv", first, kind=kind)
    later = stage.submit(ws, OWNER_A, "c.csv", later_file, kind=kind)
    finalize_inventory(ws, 2023)
    with pytest.raises(stage.DecisionConflict) as refused:
        stage.approve(ws, s.submission_id, APPROVER)
    assert str(refused.value) == (
        f"submission {s.submission_id} has {held} in 2023, whose inventory is final:"
        " a finalized year's data is locked"
    )
    assert stage.submission_for(ws, None, s.submission_id).status == "submitted"
    assert stored(ws) == before and _meter_leaves(ws) == 0
    assert _leaves(ws) == [(s.submission_id, 1), (later.submission_id, 1)]
    # 2024 was never calculated, so never finalized: its records are accepted.
    stage.approve(ws, later.submission_id, APPROVER)
    added = {"activities": ["a1", "a9", "b1"], "meters": [("dca", "2024-01-01", 120.0)]}
    assert stored(ws) == added[kind]
    # Once 2023 is final, a file with its data is refused at once, not after an approver looked.
    with pytest.raises(stage.DecisionConflict) as refused:
        stage.submit(ws, OWNER_A, "again.csv", first, kind=kind)
    assert str(refused.value) == (
        f"file again.csv has {held} in 2023, whose inventory is final: a finalized year's data"
        " is locked; nothing was submitted"
    )
    assert "again.csv" not in [x.file_name for x in stage.submissions_for(ws, None)]


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


# --- an owner's upload answers nothing about other entities --------------------------------------

SITE_HEADER = b"record_id,entity,site,period_start,period_end,activity,quantity,unit,region\n"


def _at_site(rid: str, entity: str, site: str, region: str = "") -> bytes:
    # A site's region is the record's when the record gives none.
    return (
        f"{rid},{entity},{site},2023-01-01,2023-12-31,electricity.grid,1,MWh,{region}\n"
    ).encode()


def _answer(ws: Workspace, content: bytes) -> list[tuple[int | None, str | None, str]]:
    with pytest.raises(DataError) as refused:
        stage.submit(ws, OWNER_A, "a.csv", content)
    return [(p.row, p.column, p.message) for p in refused.value.problems]


def _with_sites(ws: Workspace, folder: Path) -> None:
    """Site sa of A and sb of B, both in East China; b1 and a1 as the world has them."""
    from zerotrail.pipeline.imports import import_sites

    sites = folder / "sites.csv"
    sites.write_text(
        "site,entity,kind,region\nsa,A,office,CN-EAST\nsb,B,office,CN-EAST\n", encoding="utf-8"
    )
    import_sites(ws, sites)


def test_an_owner_learns_nothing_of_other_entities_records_or_sites(
    ws: Workspace, tmp_path: Path
) -> None:
    _with_sites(ws, tmp_path)
    # A row of entity B is refused as such whether or not its id exists (b1 does, b9 does not),
    # and whatever else is wrong with it: the entity check runs before the import's own checks.
    assert _answer(ws, HEADER + _row("b1", "B", "9")) == _answer(ws, HEADER + _row("b9", "B", "9"))
    assert _answer(ws, HEADER + _row("b9", "B", "lots")) == [
        (2, "entity", "entity B is not one of yours: owner-a may submit records of A only")
    ]
    # An entity that does not exist: the same message, not "unknown entity".
    assert _answer(ws, HEADER + _row("x1", "Z", "1")) == [
        (2, "entity", "entity Z is not one of yours: owner-a may submit records of A only")
    ]
    # B's site and a site that does not exist are one message (stored: "site sb belongs to
    # entity B" and "unknown site"); a region contradicting B's site says nothing of its region.
    b_site = _answer(ws, SITE_HEADER + _at_site("a7", "A", "sb"))
    assert b_site == [(2, "site", "site sb is not a site of your entities (A)")]
    assert _answer(ws, SITE_HEADER + _at_site("a7", "A", "zz")) == [
        (2, "site", "site zz is not a site of your entities (A)")
    ]
    assert _answer(ws, SITE_HEADER + _at_site("a7", "A", "sb", "US-RFCW")) == b_site
    # B's record id under entity A, and A's own record id with other content: one message,
    # which says neither whose it is nor what it holds.
    taken = [(2, "record_id", f"record id b1 {stage.TAKEN}")]
    assert _answer(ws, HEADER + _row("b1", "A", "2000")) == taken
    assert _answer(ws, HEADER + _row("a1", "A", "999")) == [
        (2, "record_id", f"record id a1 {stage.TAKEN}")
    ]
    # A's own site and record as stored are accepted (a1 unchanged: 1,000 MWh in East China).
    s = stage.submit(ws, OWNER_A, "a.csv", HEADER + _row("a1", "A", "1000") + _row("a2", "A", "1"))
    assert s.file_rows == 2
    s = stage.submit(ws, OWNER_A, "s.csv", SITE_HEADER + _at_site("a8", "A", "sa"))
    assert s.file_rows == 1


def test_other_roles_still_get_the_imports_own_messages(duck: Workspace, tmp_path: Path) -> None:
    # The screen is for owners: an analyst, who sees every entity, gets the import's answers.
    _with_sites(duck, tmp_path)
    analyst = User("ana", "analyst", ())
    with pytest.raises(DataError) as refused:
        stage.submit(duck, analyst, "a.csv", SITE_HEADER + _at_site("a7", "A", "sb"))
    (p,) = refused.value.problems
    assert p.message == "site sb belongs to entity B, not A"


# --- meter readings ------------------------------------------------------------------------------
# Sites dca of A and dcb of B are owned data centres, so their readings may carry IT energy
# (ingest/energy.py); sa and sb are offices. No reading is stored in the world.

METER_HEADER = b"site,period_start,period_end,facility_mwh,it_mwh,onsite_renewable_mwh\n"


def _reading(
    site: str, month: int = 1, facility: str = "120", it: str = "80", year: int = 2023
) -> bytes:
    return f"{site},{year}-{month:02d}-01,{year}-{month:02d}-28,{facility},{it},5\n".encode()


def _with_data_centres(ws: Workspace, folder: Path) -> None:
    from zerotrail.pipeline.imports import import_sites

    sites = folder / "sites.csv"
    sites.write_text(
        "site,entity,kind,region\nsa,A,office,CN-EAST\nsb,B,office,CN-EAST\n"
        "dca,A,data_center_owned,CN-EAST\ndcb,B,data_center_owned,CN-EAST\n",
        encoding="utf-8",
    )
    import_sites(ws, sites)


def _readings(ws: Workspace) -> list[tuple[str, str, float]]:
    rows = ws.fetchall(
        "SELECT site, CAST(period_start AS VARCHAR), facility_mwh FROM meter_readings"
        " ORDER BY site, period_start"
    )
    return [(str(s), str(d), float(f)) for s, d, f in rows]


def _meter_leaves(ws: Workspace) -> int:
    return int(ws.scalar("SELECT count(*) FROM ledger_leaves WHERE kind = 'meter_reading'"))


METERS = METER_HEADER + _reading("dca", 1) + _reading("dca", 2, "130", "90")


def test_meter_readings_are_checked_at_once_and_imported_only_on_approval(
    ws: Workspace, tmp_path: Path
) -> None:
    _with_data_centres(ws, tmp_path)
    s = stage.submit(ws, OWNER_A, "m.csv", METERS, kind="meters")
    assert (s.kind, s.status, s.file_rows) == ("meters", "submitted", 2)
    # Checked by the meters import and rolled back: no reading, no reading's leaf, no import.
    assert _readings(ws) == [] and _meter_leaves(ws) == 0
    assert ws.scalar("SELECT count(*) FROM imports WHERE kind = 'meters'") == 0
    assert _leaves(ws) == [(s.submission_id, 1)]
    assert stage.submission_for(ws, OWNER_A, s.submission_id).kind == "meters"

    decided = stage.approve(ws, s.submission_id, APPROVER)
    assert decided.submission.status == "approved" and decided.submission.kind == "meters"
    r = decided.report
    assert r is not None and (r.kind, r.file, r.rows, r.added) == ("meters", "m.csv", 2, 2)
    assert decided.submission.import_id == r.import_id is not None
    assert _readings(ws) == [("dca", "2023-01-01", 120.0), ("dca", "2023-02-01", 130.0)]
    assert _meter_leaves(ws) == 2  # each reading committed, in the approval's transaction
    assert _leaves(ws) == [(s.submission_id, 1), (s.submission_id, 2)]
    event = ws.fetchall(
        "SELECT status, actor, file_sha256 FROM submission_events WHERE version = 2"
    )
    assert event == [("approved", "apu", s.file_sha256)]


def test_meter_readings_rejected_are_never_imported(ws: Workspace, tmp_path: Path) -> None:
    _with_data_centres(ws, tmp_path)
    s = stage.submit(ws, OWNER_A, "m.csv", METERS, kind="meters")
    decided = stage.reject(ws, s.submission_id, APPROVER, "February is estimated")
    assert decided.report is None and decided.submission.status == "rejected"
    assert _readings(ws) == [] and _meter_leaves(ws) == 0
    assert _leaves(ws) == [(s.submission_id, 1), (s.submission_id, 2)]
    with pytest.raises(stage.DecisionConflict, match="already rejected by apu"):
        stage.approve(ws, s.submission_id, "cli:op")
    assert _readings(ws) == []


def _meter_answer(
    ws: Workspace, content: bytes, who: User = OWNER_A
) -> list[tuple[int | None, str | None, str]]:
    with pytest.raises(DataError) as refused:
        stage.submit(ws, who, "m.csv", content, kind="meters")
    assert "nothing was submitted" in str(refused.value)
    return [(p.row, p.column, p.message) for p in refused.value.problems]


def test_an_owner_submits_readings_of_its_own_sites_only(ws: Workspace, tmp_path: Path) -> None:
    from zerotrail.pipeline.imports import import_meters

    _with_data_centres(ws, tmp_path)
    # B's stored January reading of dcb: an overlap with it would name it ("overlaps the stored
    # reading 2023-01-01..2023-01-28"), and IT energy at B's office would name its kind.
    b_file = tmp_path / "b.csv"
    b_file.write_bytes(METER_HEADER + _reading("dcb", 1))
    import_meters(ws, b_file)
    stored = _readings(ws)
    mine = METER_HEADER + _reading("dca", 3)
    refused = [(3, "site", "site {} is not a site of your entities (A)")]
    for site in ("dcb", "sb", "zz"):  # B's data centre, B's office, no such site
        answer = _meter_answer(ws, mine + _reading(site, 1, "121"))
        assert answer == [(r, c, m.format(site)) for r, c, m in refused], site
    # Said before the import's own checks, whatever else is wrong with the row.
    assert _meter_answer(ws, METER_HEADER + _reading("sb", 1, "lots", "900")) == [
        (2, "site", "site sb is not a site of your entities (A)")
    ]
    # The owner's own rows still get every check of the import (IT energy above facility).
    assert _meter_answer(ws, METER_HEADER + _reading("dca", 1, "50", "80")) == [
        (2, "it_mwh", "IT energy 80 MWh exceeds facility energy 50 MWh (PUE would be below 1)")
    ]
    assert stage.submissions_for(ws, None) == [] and _readings(ws) == stored
    # Another role sees every site: the import's own messages.
    analyst = User("ana", "analyst", ())
    assert _meter_answer(ws, METER_HEADER + _reading("zz", 1), analyst) == [
        (2, "site", "unknown site 'zz' (import sites first)")
    ]
    s = stage.submit(ws, analyst, "b.csv", METER_HEADER + _reading("dcb", 2), kind="meters")
    assert s.file_rows == 1


def test_meter_readings_keep_the_submission_bounds(
    duck: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _with_data_centres(duck, tmp_path)
    monkeypatch.setattr(stage, "MAX_SUBMISSION_RECORDS", 2)
    three = METERS + _reading("dca", 3)
    assert _meter_answer(duck, three, User("ana", "analyst", ())) == [
        (
            None,
            None,
            "more than 2 records; a submission holds at most 2: split the file (the command"
            " line's `zerotrail import meters` takes files of up to 64 MiB)",
        )
    ]
    assert stage.submit(duck, OWNER_A, "m.csv", METERS, kind="meters").file_rows == 2
    monkeypatch.setattr(stage, "MAX_UPLOAD_BYTES", 100)
    with pytest.raises(stage.TooLarge):
        stage.submit(duck, OWNER_A, "m.csv", METERS, kind="meters")
    with pytest.raises(stage.SubmissionError, match="unknown kind 'cooling'"):
        stage.submit(duck, OWNER_A, "m.csv", METERS, kind="cooling")
