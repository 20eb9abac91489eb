"""The demo's published 2025 report, for the tests that read the report as its readers do:
the report folder of the demo job that `tests/conftest.py` runs once per test run (`demo_job`).
Every test reads the same folder and must not change it (copy it first)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import DemoJob


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
