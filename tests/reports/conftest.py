"""The demo's published 2025 report, built once per test run for the tests that read the
report as its readers do.

Running the demo costs about 20 s. Under pytest-xdist the workers share one build: the first
worker that needs it builds it in the run's common temporary folder under a file lock, the
others wait for the lock and reuse the folder. Every test reads the same folder and must not
change it (copy it first); the demo's workspace file is inside it (zerotrail.duckdb): copy it
too before opening it, since one worker's open handle would block another's.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

import pytest

from zerotrail.demo.generate import DEFAULT_SEED
from zerotrail.pipeline.demo import run_demo

DONE = "built"  # the marker the builder writes last: the folder is complete


@pytest.fixture(scope="session")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder the whole demo job (as `make demo` runs it) wrote: its input files, its
    workspace, its key files and report/."""
    base = tmp_path_factory.getbasetemp()
    # Under xdist each worker's base is a subfolder of the run's common one.
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    out = shared / "demo-report"
    with open(shared / "demo-report.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not (out / DONE).exists():
            out.mkdir(exist_ok=True)
            run_demo(out, seed=DEFAULT_SEED)
            (out / DONE).write_text("ok\n")
    return out


@pytest.fixture(scope="session")
def demo_report(demo_folder: Path) -> Path:
    """The folder of the demo's published 2025 report (report.json, .html, .pdf, proofs)."""
    return demo_folder / "report"
