"""The ledger from the command line: sign, cosign, prove, verify offline, audit a tampered file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb

from tests.cli.test_cli import ACTS, SITES, zt
from tests.engines.conftest import ROOT, write_csv

ORIGIN = "carbon.example.com/emmet"


def run(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "zerotrail", *args],
        capture_output=True,
        text=True,
        cwd=tmp,
        check=False,
        env={"COLUMNS": "200", "PATH": ""},
    )


def test_sign_cosign_prove_verify_and_audit(tmp_path: Path) -> None:
    zt(tmp_path, "init")
    for kind, rows in (("entities", ROOT), ("sites", SITES), ("activities", ACTS)):
        zt(tmp_path, "import", kind, str(write_csv(tmp_path / f"{kind}.csv", rows)))
    log_v = run(tmp_path, "keys", "generate", "--name", ORIGIN, "--out", "log.key").stdout.strip()
    wit_v = run(
        tmp_path, "keys", "generate", "--name", "witness.example.org", "--witness", "--out", "w.key"
    ).stdout.strip()
    assert oct((tmp_path / "log.key").stat().st_mode & 0o777) == "0o600"
    assert zt(tmp_path, "ledger", "checkpoint", "--key", "log.key", "-o", "cp.txt").returncode == 0
    assert run(tmp_path, "verify", "note", "cp.txt", "--key", log_v).returncode == 0

    assert (
        run(
            tmp_path, "witness", "init", "--state", "w.json", "--origin", ORIGIN, "--log-key", log_v
        ).returncode
        == 0
    )
    zt(tmp_path, "ledger", "witness-request", "--old", "0", "-o", "req.txt")
    ok = run(
        tmp_path,
        "witness",
        "add-checkpoint",
        "req.txt",
        "--state",
        "w.json",
        "--key",
        "w.key",
        "-o",
        "cosig.txt",
    )
    assert ok.returncode == 0, ok.stderr
    again = run(
        tmp_path, "witness", "add-checkpoint", "req.txt", "--state", "w.json", "--key", "w.key"
    )
    assert again.returncode == 1 and "409" in again.stderr  # old size 0 is stale now
    assert zt(tmp_path, "ledger", "cosign", "cosig.txt").returncode == 0

    assert (
        zt(tmp_path, "ledger", "prove", "a1", "-o", "a1.tlog-proof", "--with-opening").returncode
        == 0
    )
    good = run(
        tmp_path, "verify", "proof", "a1.tlog-proof", "--log-key", log_v, "--witness-key", wit_v
    )
    assert good.returncode == 0, good.stderr
    # An auditor's sample: every drawn record's proof verifies offline; the same seed draws
    # the same records.
    for folder in ("s1", "s2"):
        drawn = zt(tmp_path, "ledger", "sample", "-o", folder, "--size", "2", "--with-opening")
        assert drawn.returncode == 0, drawn.stderr
    index = (tmp_path / "s1" / "index.csv").read_text().splitlines()
    assert index == (tmp_path / "s2" / "index.csv").read_text().splitlines()
    assert index[0] == "kind,ref,version,index,file" and len(index) == 3
    for line in index[1:]:
        kind, ref, _, leaf, name = line.split(",")
        assert kind == "activity" and name == f"{leaf}.tlog-proof"
        assert ref in {r["record_id"] for r in ACTS}
        ok = run(tmp_path, "verify", "proof", f"s1/{name}", "--log-key", log_v)
        assert ok.returncode == 0, ok.stderr
    # One changed digit in the opening: the recomputed leaf is no longer in the tree.
    proof = (tmp_path / "a1.tlog-proof").read_text()
    import base64
    import json

    head, rest = proof.split("\n", 1)
    extra_line, tail = rest.split("\n", 1)
    opening = json.loads(base64.b64decode(extra_line.removeprefix("extra ")))
    opening["record"] = opening["record"].replace("1000.000000000", "1001.000000000")
    forged = f"{head}\nextra {base64.b64encode(json.dumps(opening).encode()).decode()}\n{tail}"
    (tmp_path / "forged.tlog-proof").write_text(forged)
    bad = run(tmp_path, "verify", "proof", "forged.tlog-proof", "--log-key", log_v)
    assert bad.returncode == 1 and "verification failed" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1

    assert zt(tmp_path, "ledger", "audit").returncode == 0
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("UPDATE activities SET quantity = 1001 WHERE record_id = 'a1'")
    con.close()
    audit = zt(tmp_path, "ledger", "audit")
    assert audit.returncode == 1
    # Leaves 0-8: the 7 shipped factor sets, the entity and the site, then the records.
    assert "activity a1 version 1 (leaf 9): changed" in audit.stderr
