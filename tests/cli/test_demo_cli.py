"""`zerotrail demo` end to end: Emmet Group's six years calculate cleanly, Scope 1 + 2 falls as
the roadmap intends, and the proof it writes verifies offline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_ledger_cli import run


@pytest.mark.slow
def test_demo_runs_the_main_job(tmp_path: Path) -> None:
    out = run(tmp_path, "demo", "--out", "demo")
    assert out.returncode == 0, out.stderr
    assert "ledger: 6,280 activity records and 6 calculation runs committed" in " ".join(
        out.stdout.split()
    )
    db = str(tmp_path / "demo" / "zerotrail.duckdb")
    years = {}
    for year in range(2020, 2026):
        data = json.loads(
            run(tmp_path, "--db", db, "inventory", "--year", str(year), "--format", "json").stdout
        )
        assert data["problem_count"] == 0
        years[year] = data["scope1"] + data["scope2_market"]
        assert data["scope3"] > 15 * years[year]  # supply chain dominates, as in the mission
    assert 0.25 < 1 - years[2025] / years[2020] < 0.35  # "down about 30% from 2020"
    proof = next((tmp_path / "demo").glob("*.tlog-proof"))
    ok = run(
        tmp_path,
        "verify",
        "proof",
        str(proof),
        "--log-key",
        "demo/log.vkey",
        "--witness-key",
        "demo/witness.vkey",
    )
    assert ok.returncode == 0, ok.stderr
    # The latest run's totals are a figure anyone can check offline from the proof's opening.
    run_ok = run(
        tmp_path,
        "verify",
        "proof",
        "demo/latest-run.tlog-proof",
        "--log-key",
        "demo/log.vkey",
        "--witness-key",
        "demo/witness.vkey",
    )
    assert run_ok.returncode == 0, run_ok.stderr
    opening = (tmp_path / "demo" / "latest-run.tlog-proof").read_text().split("\n")[1]
    import base64

    record = json.loads(json.loads(base64.b64decode(opening.removeprefix("extra ")))["record"])
    assert record["year"] == "2025"
    assert float(record["scope1"]) == pytest.approx(years[2025] - float(record["scope2_market"]))
