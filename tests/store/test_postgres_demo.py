"""The demo on a PostgreSQL workspace gives the DuckDB demo's figures.

`zerotrail --db postgresql://... demo` runs every stage a user runs (imports, calculations of
2020-2025, roadmap, credits, claims, ledger, report) inside PostgreSQL; its report.json must
hold the same figures as the DuckDB demo's (tests/conftest.py `demo_job`), to a relative 1e-9,
and its ledger must audit clean.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import DemoJob, PostgresDemo
from tests.postgres import differences

# What differs between any two runs of the demo: ids and times it takes from the clock, and the
# ledger (fresh keys and salts; its figures are the report's own, compared above it).
VOLATILE = {"run_id", "created_at", "published_at", "ledger", "ref"}


def test_the_demo_on_postgresql_reports_the_duckdb_figures(
    demo_job: DemoJob, postgres_demo: PostgresDemo, tmp_path: Path
) -> None:
    url = postgres_demo.url
    assert postgres_demo.returncode == 0, postgres_demo.stderr
    code, _, _ = demo_job.result()
    assert code == 0
    duck = json.loads((demo_job.out / "report" / "report.json").read_text())
    pg = json.loads((postgres_demo.out / "report" / "report.json").read_text())
    found: list[str] = []
    differences(
        duck,
        pg,
        "report",
        found,
        skip=VOLATILE,
        same=lambda a, b: isinstance(a, str) and a.startswith("run-"),
    )
    assert found == []
    audit = subprocess.run(
        [sys.executable, "-m", "zerotrail", "--db", url, "ledger", "audit"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert "ledger intact" in audit.stdout
