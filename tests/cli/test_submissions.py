"""`zerotrail imports list|approve|reject` (cli/submissions.py): the CLI decides as
`cli:<os user>`; refusals are one line. The world: tests/server/conftest.py `fill_world`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.invoke import Result, zerotrail
from tests.conftest import Templates
from tests.server.conftest import fill_world
from zerotrail.cli.submissions import cli_actor
from zerotrail.model.users import User
from zerotrail.pipeline import submissions as stage
from zerotrail.store.workspace import open_workspace

CSV = (
    b"record_id,entity,period_start,period_end,activity,quantity,unit,region\n"
    b"a2,A,2023-01-01,2023-12-31,electricity.grid,100,MWh,CN-EAST\n"
)


@pytest.fixture
def db(workspace_template: Templates, tmp_path: Path) -> tuple[Path, str]:
    """The world with one submission of owner-a's; its path and the submission id."""
    path = tmp_path / "w.duckdb"
    path.write_bytes(workspace_template(fill_world).read_bytes())
    with open_workspace(str(path)) as ws:
        s = stage.submit(ws, User("owner-a", "owner", ("A",)), "a.csv", CSV)
    return path, s.submission_id


def run(db: Path, *args: str) -> Result:
    return zerotrail("--db", str(db), "imports", *args)


def test_list_then_approve_as_the_os_user(db: tuple[Path, str]) -> None:
    path, sid = db
    listed = json.loads(run(path, "list", "--format", "json").stdout)
    assert [(r["id"], r["status"], r["uploader"]) for r in listed] == [
        (sid, "submitted", "owner-a")
    ]
    res = run(path, "approve", sid)
    assert res.code == 0, res.stderr
    assert res.stdout.startswith(f"approved {sid} (a.csv, from owner-a) as {cli_actor()}: 1 record")
    with open_workspace(str(path), read_only=True) as ws:
        assert ws.scalar("SELECT count(*) FROM activities WHERE record_id = 'a2'") == 1
    again = run(path, "approve", sid)
    assert again.code == 1
    assert again.stderr.startswith(f"error: submission {sid} was already approved by cli:")
    assert len(again.stderr.splitlines()) == 1


def test_reject_needs_a_reason(db: tuple[Path, str]) -> None:
    path, sid = db
    assert run(path, "reject", sid).code == 2  # --reason is required
    blank = run(path, "reject", sid, "--reason", "  ")
    assert blank.code == 1 and "needs a reason" in blank.stderr
    res = run(path, "reject", sid, "--reason", "duplicate of March")
    assert res.code == 0, res.stderr
    assert res.stdout.strip().endswith("duplicate of March")
    assert run(path, "list", "--status", "submitted").stderr.startswith("no submissions")
    with open_workspace(str(path), read_only=True) as ws:
        assert ws.scalar("SELECT count(*) FROM activities WHERE record_id = 'a2'") == 0


def test_an_unknown_id_is_one_line(db: tuple[Path, str]) -> None:
    path, _ = db
    res = run(path, "approve", "sub-nothing")
    assert res.code == 1 and res.stderr == "error: no submission 'sub-nothing'\n"
