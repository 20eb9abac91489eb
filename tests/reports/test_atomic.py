"""A report is published whole or not at all (pipeline/publish.py, reports/staging.py).

The small roadmap world (tests/targets/world.py) with its first report (report-2023-1, in r1/) is
built once (tests/reports/conftest.py `first_report`); each test works on a copy. A failure
injected at each step of publishing, a chart renderer that really aborts its process, and a failing
commit must leave the workspace as it was (no publication, report checkpoint, claim, ledger leaf or
checkpoint) and no folder behind: neither the output nor the staging folder; a previous report
folder at --out stays as it was. The happy path writes the same files as before, replacing a
previous report folder, and `--out` holding anything else is refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from tests.engines.conftest import write_csv
from tests.offsets.test_neutrality import credit
from tests.reports import test_publish as tp
from tests.reports.conftest import copy_first_report
from zerotrail.cli import app
from zerotrail.errors import ZerotrailError
from zerotrail.ledger.note import parse_signer_key
from zerotrail.pipeline import publish as publish_mod
from zerotrail.pipeline.claims import record_claim
from zerotrail.pipeline.imports import import_credits
from zerotrail.pipeline.publish import publish
from zerotrail.reports import charts as charts_mod
from zerotrail.reports import html as html_mod
from zerotrail.reports import xlsx as xlsx_mod
from zerotrail.reports.staging import Staging
from zerotrail.store import tlog
from zerotrail.store.workspace import Workspace, open_workspace

TABLES = (
    "reports",
    "report_checkpoints",
    "claims",
    "ledger_leaves",
    "ledger_nodes",
    "ledger_checkpoints",
    "zt_meta",
)
# What the second report writes: the first's files plus the link to the first.
SECOND_REPORT = {
    "report.json",
    "report.html",
    "report.pdf",
    "disclosures.xlsx",
    "preparer-checklist.md",
    "log.vkey",
    "verify.py",
    "checkpoint.txt",
    "previous-checkpoint.txt",
    "consistency.proof",
    "proofs/inventory-2023.tlog-proof",
    "proofs/claim-2023.tlog-proof",
    "proofs/report-2023-2.tlog-proof",
}
TARGET_NAME = "Scope 1 + 2 \u0001down 30% by 2025"  # as a door that let it through stored it
ODD_KIND = "campus\u0001odd"


@pytest.fixture
def world(first_report: Path, tmp_path: Path) -> Iterator[Workspace]:
    """A copy of the world with its first report (tests/reports/conftest.py `first_report`)
    in tmp_path, with the first report in tmp_path/r1."""
    ws = copy_first_report(first_report, tmp_path)
    (tmp_path / "log.key").write_text(tp.KEY + "\n", encoding="utf-8")
    try:
        yield ws
    finally:
        ws.close()


def rename_target(ws: Workspace, target_id: str, name: str) -> None:
    """Store a target name as it is, straight into the table (no door checks)."""
    for version, definition in ws.fetchall(
        "SELECT version, definition FROM targets WHERE target_id = ?", [target_id]
    ):
        changed = json.dumps({**json.loads(definition), "name": name})
        ws.execute(
            "UPDATE targets SET name = ?, definition = ? WHERE target_id = ? AND version = ?",
            [name, changed, target_id, version],
        )


def odd_site_kind(ws: Workspace) -> None:
    """Give the 2023 campus results a site kind with U+0001 (the renewables chart's label)."""
    ws.execute(
        "UPDATE run_signatures SET site_kind = ? WHERE site_kind = 'campus'"
        " AND run_id = (SELECT run_id FROM runs WHERE year = 2023 AND current)",
        [ODD_KIND],
    )


def snapshot(ws: Workspace) -> dict[str, Any]:
    counts: dict[str, Any] = {t: ws.scalar(f"SELECT count(*) FROM {t}") for t in TABLES}
    counts["root"] = tlog.root(ws)
    return counts


def listing(folder: Path) -> dict[str, str]:
    """Every file under `folder` with the SHA-256 of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def signer() -> Any:
    return parse_signer_key(tp.KEY)


def no_charts(_data: dict[str, Any]) -> dict[str, Any]:
    return {"targets": {}}


def fake_pdf(_html: str, path: Path) -> Path:
    path.write_bytes(b"%PDF-1.7\n")
    return path


def boom(*_a: Any, **_k: Any) -> Any:
    raise RuntimeError("injected failure")


def then_fail(real: Callable[..., Any]) -> Callable[..., Any]:
    """`real`, done, then a failure: what it wrote must be undone."""

    def run(*a: Any, **k: Any) -> Any:
        real(*a, **k)
        raise RuntimeError("injected failure")

    return run


def half_written(_content: Any, path: Path, *_a: Any, **_k: Any) -> Path:
    path.write_bytes(b"%PDF-1.7 half")
    raise OSError(28, "No space left on device")


# step named in the error -> how to make it fail
FAILURES: dict[str, Callable[[pytest.MonkeyPatch], None]] = {
    "building the figures": lambda mp: mp.setattr(publish_mod, "restatements", boom),
    "drawing the charts": lambda mp: mp.setattr(charts_mod, "render_svgs", boom),
    "writing disclosures.xlsx": lambda mp: mp.setattr(
        xlsx_mod, "write_xlsx", lambda s, p, **k: half_written(s, p)
    ),
    "recording the publication": lambda mp: mp.setattr(
        publish_mod, "record_publication", then_fail(publish_mod.record_publication)
    ),
    "signing the checkpoint": lambda mp: mp.setattr(
        publish_mod, "sign_checkpoint", then_fail(publish_mod.sign_checkpoint)
    ),
    "writing the proofs": lambda mp: mp.setattr(publish_mod, "prove", boom),
    "writing report.html": lambda mp: mp.setattr(html_mod, "render_html", boom),
    "writing report.pdf": lambda mp: mp.setattr(html_mod, "render_pdf", half_written),
    "moving the report into place": lambda mp: mp.setattr(
        Staging, "place", then_fail(Staging.place)
    ),
}


def state(ws: Workspace, tmp: Path) -> tuple[dict[str, Any], list[str], dict[str, str]]:
    """The workspace's counts, what is beside the report (but the workspace files), and the
    first report's files."""
    beside = sorted(p.name for p in tmp.iterdir() if not p.name.startswith("w.duckdb"))
    return snapshot(ws), beside, listing(tmp / "r1")


# Every step into a new folder; the last two also over the first report's folder (replacing
# is undone the same way whatever failed, so the earlier steps are not repeated for it).
CASES = [(step, "r2") for step in FAILURES] + [
    ("writing report.pdf", "r1"),
    ("moving the report into place", "r1"),
]


@pytest.mark.parametrize(("step", "into"), CASES, ids=[f"{s} ({i})" for s, i in CASES])
def test_a_failure_at_any_step_publishes_nothing(
    world: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str, into: str
) -> None:
    before = state(world, tmp_path)
    # Fast: no charts and a stand-in PDF, unless that is the step under test.
    if step != "drawing the charts":
        monkeypatch.setattr(html_mod, "charts", no_charts)
    monkeypatch.setattr(html_mod, "render_pdf", fake_pdf)
    FAILURES[step](monkeypatch)
    with pytest.raises(ZerotrailError) as err:
        publish(world, 2023, tmp_path / into, signer=signer())
    message = str(err.value)
    assert "\n" not in message
    assert f"{step} failed" in message and "nothing recorded" in message
    assert state(world, tmp_path) == before


def test_a_failing_commit_publishes_nothing(
    world: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database refuses the COMMIT (disk full): the folder already moved into place, over
    the first report, is taken back and the first report restored."""
    import duckdb

    class Refusing:
        def __init__(self, con: Any) -> None:
            self._con = con

        def execute(self, sql: str, *args: Any) -> Any:
            if sql == "COMMIT":
                self._con.execute("ROLLBACK")
                raise duckdb.IOException("could not write the WAL: No space left on device")
            return self._con.execute(sql, *args)

        def __getattr__(self, name: str) -> Any:
            return getattr(self._con, name)

    before = state(world, tmp_path)
    monkeypatch.setattr(html_mod, "charts", no_charts)
    monkeypatch.setattr(html_mod, "render_pdf", fake_pdf)
    real = world.con
    world.con = Refusing(real)
    try:
        with pytest.raises(ZerotrailError, match="committing the publication failed"):
            publish(world, 2023, tmp_path / "r1", signer=signer())
    finally:
        world.con = real
    assert state(world, tmp_path) == before


def test_a_renderer_that_aborts_its_process_publishes_nothing(
    world: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real crash: a site kind with U+0001, stored behind the door's back, handed to
    vl-convert as it is (the cleaning switched off) aborts the renderer's process (a Rust
    panic, SIGABRT). It is the child's process, not ours: the report fails with one line, and
    the claim that changed (a credit was added since) is not recorded: the charts are drawn
    before anything is."""
    import_credits(world, write_csv(tmp_path / "more.csv", [credit("C2", 601, 700)]))
    odd_site_kind(world)
    before = state(world, tmp_path)
    monkeypatch.setattr(charts_mod, "printable_tree", lambda spec, keep="\n": spec)
    with pytest.raises(ZerotrailError) as err:
        publish(world, 2023, tmp_path / "r2", signer=signer())
    message = str(err.value)
    assert "\n" not in message
    assert "drawing the charts failed: the chart renderer was killed by SIGABRT" in message
    assert "while drawing chart 'renewables'" in message
    assert state(world, tmp_path) == before
    # The claim changed, and was not recorded: recording it now makes a new version.
    versions = world.scalar("SELECT max(version) FROM claims WHERE year = 2023")
    assert record_claim(world, 2023)["version"] == versions + 1


def test_a_stored_name_the_door_would_refuse(world: Workspace, tmp_path: Path) -> None:
    """The reported case: a target name with U+0001 stored straight into the table. Reading
    stored targets checks them as the door does, so the report stops while building its
    figures: exit code 1, one line, nothing published. (Without that check the name would be
    drawn with U+FFFD, as the site kind below; never a crash, never half a report.)"""
    rename_target(world, "S12", TARGET_NAME)
    before = state(world, tmp_path)
    db = world.url
    world.close()
    args = ["--db", db, "report", "--year", "2023", "--out", str(tmp_path / "r2")]
    result = CliRunner().invoke(app, [*args, "--key", str(tmp_path / "log.key")])
    ws = open_workspace(db)
    try:
        if result.exit_code == 0:  # no check on reading: published, made printable
            html = (tmp_path / "r2" / "report.html").read_text(encoding="utf-8")
            assert "\x01" not in html and "Scope 1 + 2 \ufffddown" in html
            return
        assert result.exit_code == 1, result.output
        (line,) = result.stderr.splitlines()
        assert line.startswith("error: the report was not published (nothing recorded, no files)")
        assert "building the figures failed: stored target (target S12)" in line
        assert "\x01" not in line
        assert state(ws, tmp_path) == before
    finally:
        ws.close()


def test_the_command_fails_with_one_line_and_exit_code_1(
    world: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = state(world, tmp_path)
    db = world.url
    world.close()
    monkeypatch.setattr(html_mod, "charts", no_charts)
    monkeypatch.setattr(html_mod, "render_pdf", half_written)
    args = ["--db", db, "report", "--year", "2023", "--out", str(tmp_path / "r2")]
    result = CliRunner().invoke(app, [*args, "--key", str(tmp_path / "log.key")])
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: the report was not published")
    assert "writing report.pdf failed: [Errno 28] No space left on device" in lines[0]
    assert result.stdout == ""
    ws = open_workspace(db)
    try:
        assert state(ws, tmp_path) == before
    finally:
        ws.close()
    # Refusals before any work read the same way.
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "mine.txt").write_text("keep me")
    result = CliRunner().invoke(
        app, ["--db", db, "report", "--year", "2023", "--out", str(tmp_path / "notes")]
    )
    assert result.exit_code == 1 and len(result.stderr.splitlines()) == 1


def test_a_control_character_in_a_name_is_drawn_not_fatal(world: Workspace, tmp_path: Path) -> None:
    """A site kind with U+0001 (stored results are not read through the door) through the
    real command, in its own process: the text handed to the charts and the page is made
    printable, so the report is published, with U+FFFD where the control character was;
    report.json keeps the text exactly."""
    odd_site_kind(world)
    db = world.url
    world.close()
    out = tmp_path / "r2"
    command = ["report", "--year", "2023", "--out", str(out), "--key", str(tmp_path / "log.key")]
    done = subprocess.run(
        [sys.executable, "-m", "zerotrail", "--db", db, *command],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("report-2023-2: ")
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "\x01" not in html
    assert "Campus\ufffdodd" in html  # the chart's label
    assert "campus\ufffdodd" in html  # the table
    kinds = {r["site_kind"] for r in json.loads((out / "report.json").read_text())["renewables"]}
    assert ODD_KIND in kinds
    assert {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()} == SECOND_REPORT


def test_the_report_replaces_a_previous_report_folder_whole(
    world: Workspace, tmp_path: Path
) -> None:
    """The happy path: the same files as before, written over the first report's folder; a
    staging folder a killed run left behind is swept; nothing else is left beside it. The
    organization's name, formula-like, stays text in the workbook and escaped in the page."""
    world.set_setting("organization", '=HYPERLINK("http://x","y")')
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    stale = tmp_path / f".r1.{dead.stdout.strip()}-0badc0de.zerotrail-partial"
    stale.mkdir()
    (stale / "report.html").write_text("half")
    before = snapshot(world)
    done = publish(world, 2023, tmp_path / "r1", signer=signer())
    out = tmp_path / "r1"
    assert done.report_id == "report-2023-2" and done.out == out
    assert {str(p.relative_to(out)) for p in done.files} == SECOND_REPORT
    assert set(listing(out)) == SECOND_REPORT
    assert json.loads((out / "report.json").read_text())["report_id"] == "report-2023-2"
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("w.duckdb")) == [
        "log.key",
        "r1",
    ]
    after = snapshot(world)
    assert after["reports"] == before["reports"] + 1
    assert after["report_checkpoints"] == before["report_checkpoints"] + 1
    assert after["ledger_checkpoints"] == before["ledger_checkpoints"] + 1
    assert after["ledger_leaves"] == before["ledger_leaves"] + 1  # the publication
    # The workbook: the name is text, never a formula, shown as typed.
    about = load_workbook(out / "disclosures.xlsx")["About"]
    cell = about["B3"]
    assert (about["A3"].value, cell.value) == ("Organization", '=HYPERLINK("http://x","y")')
    assert cell.data_type == "s" and cell.quotePrefix
    assert about["B4"].value == 2023 and about["B4"].data_type == "n"
    html = (out / "report.html").read_text(encoding="utf-8")
    assert '=HYPERLINK("http://x"' not in html and "=HYPERLINK(&#34;http://x&#34;" in html


@pytest.mark.parametrize("what", ["file", "foreign folder", "report plus a file"])
def test_an_out_holding_anything_else_is_refused(
    world: Workspace, tmp_path: Path, what: str
) -> None:
    out = tmp_path / "out"
    if what == "file":
        out.write_text("not a folder")
    elif what == "foreign folder":
        out.mkdir()
        (out / "report.json").write_text('{"report_id": "mine"}')  # not zerotrail's
    else:
        shutil.copytree(tmp_path / "r1", out)
        (out / "notes.txt").write_text("mine")
    before, kept = snapshot(world), listing(tmp_path)
    with pytest.raises(ZerotrailError, match="choose another --out"):
        publish(world, 2023, out, signer=signer())
    assert snapshot(world) == before and listing(tmp_path) == kept


def test_an_empty_folder_or_new_parents_take_the_report(world: Workspace, tmp_path: Path) -> None:
    """And a failure removes only the parents it created."""
    out = tmp_path / "a" / "b" / "report"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(html_mod, "charts", no_charts)
        mp.setattr(html_mod, "render_pdf", half_written)
        with pytest.raises(ZerotrailError):
            publish(world, 2023, out, signer=signer())
    assert not (tmp_path / "a").exists()
    (tmp_path / "empty").mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(html_mod, "charts", no_charts)
        mp.setattr(html_mod, "render_pdf", fake_pdf)
        publish(world, 2023, tmp_path / "empty", signer=signer())
    assert "report.pdf" in listing(tmp_path / "empty")
