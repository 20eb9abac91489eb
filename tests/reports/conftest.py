"""The reports the report tests read, each built once.

The demo's published 2025 report, for the tests that read the report as its readers do: the
report folder of the demo job that `tests/conftest.py` runs once per test run (`demo_job`).
Every test reads the same folder and must not change it (copy it first). And the first report
of the small roadmap world (`first_report`), which several files publish a second one after,
and such a second one carrying a verification statement (`assured_report`).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.conftest import DemoJob, Templates, open_copy

if TYPE_CHECKING:
    from zerotrail.store.workspace import Workspace


@pytest.fixture(scope="session")
def demo_folder(demo_job: DemoJob) -> Path:
    """The folder the demo wrote: its input files, key files and report/ (the workspace is
    `demo_db`)."""
    code, _, err = demo_job.result()
    assert code == 0, err
    return demo_job.out


@pytest.fixture(scope="session")
def demo_report(demo_folder: Path) -> Path:
    """The folder of the demo's published 2025 report (report.json, .html, .pdf, proofs)."""
    return demo_folder / "report"


@pytest.fixture(scope="session")
def demo_db(demo_job: DemoJob) -> Path:
    """The demo's workspace file: copy it before opening it, since another worker may hold
    it open."""
    return Path(demo_job.db)


@pytest.fixture(scope="session")
def first_report(workspace_template: Templates, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small roadmap world (tests/targets/world.py) with test_publish.py's targets, credits
    and final 2023 inventory (`setup`), and its first report, report-2023-1, published into
    r1/ signed with test_publish.KEY: a folder holding the closed workspace w.duckdb (with the
    ledger state beside it, if publishing wrote one) and r1/.

    Publishing costs several seconds (charts, PDF), and several test files start from this
    same first report: it is built once per worker. A test reads it, or writes only a copy
    (`copy_first_report`)."""
    # Imported here: conftest files load before any test, and a broken module should fail
    # only the tests that use it (as tests/conftest.py does).
    from tests.reports import test_publish as tp
    from tests.targets.world import build
    from zerotrail.ledger.note import parse_signer_key
    from zerotrail.pipeline.publish import publish

    folder = tmp_path_factory.mktemp("first-report")
    ws = open_copy(workspace_template(build), folder)
    try:
        tp.setup(ws, folder)
        publish(ws, 2023, folder / "r1", signer=parse_signer_key(tp.KEY))
    finally:
        ws.close()
    return folder


@pytest.fixture(scope="session")
def assured_report(first_report: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small world after its first report, with a verification statement on its final 2023
    inventory recorded (tests/reports/statements.py), and the second report published on it
    into r2/ signed with test_publish.KEY: a folder holding the closed workspace w.duckdb, r1/
    and r2/. Built once per worker; a test reads it, or writes only a copy."""
    from tests.reports import statements
    from tests.reports import test_publish as tp
    from zerotrail.ledger.note import parse_signer_key
    from zerotrail.pipeline.inventory import current_run
    from zerotrail.pipeline.publish import publish

    folder = tmp_path_factory.mktemp("assured-report")
    ws = copy_first_report(first_report, folder)
    try:
        run_id = current_run(ws, 2023).run_id
        statements.record(ws, run_id, statements.signed(ws, run_id))
        publish(ws, 2023, folder / "r2", signer=parse_signer_key(tp.KEY))
    finally:
        ws.close()
    return folder


def copy_first_report(first_report: Path, tmp: Path) -> Workspace:
    """An open copy, tmp/w.duckdb (with its ledger state), of the `first_report` workspace,
    and the first report's folder copied to tmp/r1."""
    from zerotrail.store.workspace import open_workspace

    for f in first_report.glob("w.duckdb*"):
        shutil.copyfile(f, tmp / f.name)
    shutil.copytree(first_report / "r1", tmp / "r1")
    return open_workspace(str(tmp / "w.duckdb"))
