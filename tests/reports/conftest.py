"""The demo's published 2025 report, built once per test worker for the tests that read the
report as its readers do (tests/reports/test_demo_*.py).

Running the demo costs about 20 s, so it runs at most once in each worker process; every test
that uses `demo_report` reads the same folder and must not change it (copy it first).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from zerotrail.demo.generate import DEFAULT_SEED
from zerotrail.pipeline.demo import DemoRun, run_demo


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """The whole demo job, as `make demo` runs it, in a folder of this worker."""
    out = tmp_path_factory.mktemp("demo-report")
    return run_demo(out, seed=DEFAULT_SEED)


@pytest.fixture(scope="session")
def demo_report(demo_run: DemoRun) -> Path:
    """The folder of the demo's published 2025 report (report.json, .html, .pdf, proofs)."""
    return demo_run.report.parent
