"""`zerotrail imports list|approve` (cli/submissions.py) with a submission of meter readings: the
list shows each submission's kind, and an approval says what it added. The world:
tests/server/conftest.py `fill_world`, with A's data centre dca."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.invoke import zerotrail
from tests.conftest import Templates
from tests.server.conftest import fill_world
from zerotrail.cli.submissions import cli_actor
from zerotrail.model.users import User
from zerotrail.pipeline import submissions as stage
from zerotrail.pipeline.imports import import_sites
from zerotrail.store.workspace import open_workspace

READINGS = (
    b"site,period_start,period_end,facility_mwh,it_mwh,onsite_renewable_mwh\n"
    b"dca,2023-01-01,2023-01-31,120,80,5\n"
    b"dca,2023-02-01,2023-02-28,110,75,5\n"
)


def test_the_list_shows_the_kind_and_an_approval_counts_readings(
    workspace_template: Templates, tmp_path: Path
) -> None:
    path = tmp_path / "w.duckdb"
    path.write_bytes(workspace_template(fill_world).read_bytes())
    sites = tmp_path / "sites.csv"
    sites.write_text("site,entity,kind,region\ndca,A,data_center_owned,CN-EAST\n", "utf-8")
    with open_workspace(str(path)) as ws:
        import_sites(ws, sites)
        owner = User("owner-a", "owner", ("A",))
        s = stage.submit(ws, owner, "m.csv", READINGS, kind="meters")

    listed = json.loads(zerotrail("--db", str(path), "imports", "list", "--format", "json").stdout)
    assert [(r["id"], r["kind"], r["rows"]) for r in listed] == [(s.submission_id, "meters", 2)]
    table = zerotrail("--db", str(path), "imports", "list").stdout
    assert "Kind" in table and "meters" in table

    res = zerotrail("--db", str(path), "imports", "approve", s.submission_id)
    assert res.code == 0, res.stderr
    assert res.stdout.startswith(
        f"approved {s.submission_id} (m.csv, from owner-a) as {cli_actor()}:"
        " 2 meter reading(s) added, 0 unchanged (import imp-"
    )
    with open_workspace(str(path), read_only=True) as ws:
        assert ws.scalar("SELECT count(*) FROM meter_readings WHERE site = 'dca'") == 2
