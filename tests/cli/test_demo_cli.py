"""`zerotrail demo` end to end: Emmet Group's six years calculate cleanly, Scope 1 + 2 falls as
the roadmap intends, and the proof it writes verifies offline."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.cli.invoke import Result, zerotrail
from tests.conftest import DemoJob


def run(tmp: Path, *args: str) -> Result:
    """A command after the demo, from TMP with a narrow terminal setting, output piped (in this
    process: tests/cli/invoke.py)."""
    return zerotrail(*args, cwd=tmp, env={"COLUMNS": "40"})


@pytest.mark.slow
def test_demo_runs_the_main_job(demo_job: DemoJob) -> None:
    # From a folder with a 200-character path, COLUMNS=40, the workspace from ZEROTRAIL_DB;
    # the demo itself as its own process, as `make demo` runs it (tests/conftest.py: the job
    # runs once per test run, and the report tests read the report it published).
    tmp_path, db = demo_job.cwd, demo_job.db
    code, stdout, stderr = demo_job.result()
    out = Result(code, stdout, stderr)
    assert out.returncode == 0, out.stderr
    assert not (tmp_path / "demo" / "zerotrail.duckdb").exists()
    lines = out.stdout.splitlines()
    # 6,907 records of activities.csv and 3,820 category 3 records derived from them for
    # 2020-2025 (pipeline/fuel_energy.py): 3 for each of the 1,134 grid electricity records,
    # 1 for each of the 418 fuel records (1,134 x 3 + 418 = 3,820); the late 2025 meter report
    # keyed in wrong and its 3 derived records; after the verifier's finding, the corrected
    # version and the 3 derived again from it: 6,907 + 3,820 + 1 + 3 + 1 + 3 = 10,735. Seven
    # runs: each year's, and 2025's again after the restatement.
    assert any(
        line.startswith("ledger: 10,735 activity records and 7 calculation runs committed")
        for line in lines
    )
    assert f"workspace: {db}" in lines
    assert "…" not in out.stdout
    # Every command the demo prints runs verbatim, in a shell with nothing on PATH (it once
    # printed `zerotrail ...`, which only an activated environment could run).
    printed = [line.strip() for line in lines if " -m zerotrail " in line]
    assert len(printed) == 5, lines
    # The 2025 verification (pipeline/demo_verification.py): the seeded misstatement, 4,200 MWh
    # keyed for a 4,200 kWh meter report, is material to Scope 2 before the correction; the
    # statement after it is unmodified. The bundle check and the statement check are among
    # the printed commands run below.
    flat_out = " ".join(out.stdout.split())
    assert "(qualified before correction); restated, the opinion is unmodified" in flat_out
    for line in printed:
        done = subprocess.run(
            line, shell=True, capture_output=True, text=True, cwd=tmp_path, env={"PATH": ""}
        )
        assert done.returncode == 0, (line, done.stderr)
    years = {}
    for year in range(2020, 2026):
        data = json.loads(
            run(tmp_path, "--db", db, "inventory", "--year", str(year), "--format", "json").stdout
        )
        assert data["problem_count"] == 0
        years[year] = data["scope1"] + data["scope2_market"]
        assert data["scope3"] > 15 * years[year]  # supply chain dominates, as in the mission
        # The summary's row for the year: every figure whole, on one line.
        row = next(line for line in lines if line.startswith(f"│ {year} │"))
        cells = [c.strip() for c in row.strip("│").split("│")]
        assert cells[1:4] == [
            f"{data[k]:,.0f}" for k in ("scope1", "scope2_location", "scope2_market")
        ]
        assert cells[5:8] == [
            f"{data[k]:,.0f}" for k in ("scope3", "scope3_market", "total_market")
        ]
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

    # The roadmap: four targets with their 2025 status, and a claim for every year from 2021.
    progress = json.loads(
        run(tmp_path, "--db", db, "progress", "--year", "2025", "--format", "json").stdout
    )
    status = {t["id"]: t["status"] for t in progress["targets"]}
    assert status == {
        "S12-ABS-2025": "achieved",  # recalculated base x 0.7 >= the 2025 Scope 1 + 2
        "DC-RE-2025": "achieved",  # leased data centres >= 30% renewable
        "S12-NEUTRAL": "achieved",  # the 2025 claim holds
        "NZ-2030": "off-track",  # Scope 3 is not falling
    }
    absolute = next(t for t in progress["targets"] if t["id"] == "S12-ABS-2025")
    assert absolute["base_version"] == 2  # the 2023 acquisition recalculated the base year
    assert absolute["actual"] == pytest.approx(years[2025])
    assert absolute["target_value"] == pytest.approx(0.7 * absolute["base_value"])
    flat = " ".join(out.stdout.split())
    assert "Emmet Group roadmap status 2025" in flat
    for year in range(2021, 2026):
        claim = run(
            tmp_path, "--db", db, "claim", "neutrality", "--year", str(year), "--format", "json"
        )
        assert claim.returncode == 0, claim.stdout
        d = json.loads(claim.stdout)
        assert d["holds"] and d["credits_t"] >= d["gross_t"] == pytest.approx(years[year])
    claim_ok = run(
        tmp_path,
        "verify",
        "proof",
        "demo/latest-claim.tlog-proof",
        "--log-key",
        "demo/log.vkey",
        "--witness-key",
        "demo/witness.vkey",
    )
    assert claim_ok.returncode == 0, claim_ok.stderr
    assert run(tmp_path, "--db", db, "ledger", "audit").returncode == 0

    # The 2025 report, on a checkpoint the demo witness cosigned, with proofs that verify.
    rep = tmp_path / "demo" / "report"
    for name in ("report.html", "report.pdf", "report.json", "disclosures.xlsx"):
        assert (rep / name).stat().st_size > 0, name
    assert f"report: {rep / 'report.html'}" in flat or "report.html" in flat
    published = json.loads((rep / "report.json").read_text())
    assert published["ledger"]["cosigned"] is True
    assert published["inventory"]["scope1"] == pytest.approx(
        years[2025] - published["inventory"]["scope2_market"]
    )
    for p in published["ledger"]["proofs"]:
        checked = run(
            tmp_path,
            "verify",
            "proof",
            str(rep / p["file"]),
            "--log-key",
            "demo/log.vkey",
            "--witness-key",
            "demo/witness.vkey",
        )
        assert checked.returncode == 0, (p, checked.stderr)
