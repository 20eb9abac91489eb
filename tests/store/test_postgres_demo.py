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
from typing import Any

from tests.conftest import DemoJob, PostgresDemo

# What differs between any two runs of the demo: ids and times it takes from the clock, and the
# ledger (fresh keys and salts; its figures are the report's own, compared above it).
VOLATILE = {"run_id", "created_at", "published_at", "ledger", "ref"}


def _differences(a: Any, b: Any, path: str, out: list[str]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            out.append(f"{path}: keys {sorted(a.keys() ^ b.keys())}")
        for k in a.keys() & b.keys():
            if k not in VOLATILE:
                _differences(a[k], b[k], f"{path}.{k}", out)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{path}: {len(a)} items against {len(b)}")
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            _differences(x, y, f"{path}[{i}]", out)
    elif isinstance(a, float) or isinstance(b, float):
        if not isinstance(a, int | float) or abs(a - b) > 1e-9 * max(1.0, abs(a)):
            out.append(f"{path}: {a!r} against {b!r}")
    elif a != b and not (isinstance(a, str) and a.startswith("run-")):
        out.append(f"{path}: {str(a)[:60]!r} against {str(b)[:60]!r}")


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
    _differences(duck, pg, "report", found)
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
