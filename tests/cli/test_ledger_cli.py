"""The ledger from the command line: sign, cosign, prove, verify offline, audit a tampered file."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from tests.cli.invoke import Result, zerotrail
from tests.cli.test_cli import ACTS, SITES, zt
from tests.engines.conftest import ROOT, write_csv
from zerotrail.reference.factors import factor_rows, factor_sets

ORIGIN = "carbon.example.com/emmet"


def run(tmp: Path, *args: str) -> Result:
    """`zerotrail ARGS` from TMP without a workspace named (the offline commands)."""
    return zerotrail(*args, cwd=tmp, env={"COLUMNS": "200"})


@pytest.fixture(scope="module")
def organization(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A closed workspace made by `init` and the imports of the entity and the site, as a user
    makes it: about 3 s of factor loading, so made once and copied (`workspace_with`)."""
    tmp = tmp_path_factory.mktemp("ledger-cli")
    assert zt(tmp, "init").returncode == 0
    for kind, rows in (("entities", ROOT), ("sites", SITES)):
        done = zt(tmp, "import", kind, str(write_csv(tmp / f"{kind}.csv", rows)))
        assert done.returncode == 0, done.stderr
    return tmp / "w.duckdb"


def workspace_with(organization: Path, tmp: Path, acts: list[dict[str, object]]) -> None:
    """TMP/w.duckdb: a copy of `organization` with ACTS imported after it, by the command."""
    shutil.copyfile(organization, tmp / "w.duckdb")
    done = zt(tmp, "import", "activities", str(write_csv(tmp / "activities.csv", acts)))
    assert done.returncode == 0, done.stderr


def test_sign_cosign_prove_verify_and_audit(organization: Path, tmp_path: Path) -> None:
    workspace_with(organization, tmp_path, ACTS)
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
    cosigned = zt(tmp_path, "ledger", "cosign", "cosig.txt")
    assert cosigned.returncode == 0
    (tmp_path / "cosigned.txt").write_text(cosigned.stdout)

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

    # The audit says what it checked and with which keys, every line of it true.
    audit = zt(
        tmp_path,
        "ledger",
        "audit",
        "--log-key",
        log_v,
        "--witness-key",
        wit_v,
        "--checkpoint",
        "cosigned.txt",
    )
    assert audit.returncode == 0, audit.stderr
    sets = len(factor_sets())
    n = sets + len(factor_rows()) + 4  # factor sets and factors, entity, site, two records
    log_id, wit_id = log_v.split("+")[1], wit_v.split("+")[1]
    assert audit.stdout.splitlines() == [
        f"checked {n:,} leaves: the commitments of activity (2), entity (1), factor"
        f" ({len(factor_rows()):,}), factor_set ({sets}), site (1) recomputed from the stored rows,"
        " every stored subtree rebuilt",
        f"checked 1 checkpoint: 1 signature verified with {ORIGIN}+{log_id} (given with"
        f" --log-key), 1 checkpoint cosigned by witness witness.example.org+{wit_id}; every"
        " signed root recomputed from the leaves, each checkpoint extends the one before",
        f"checkpoint file cosigned.txt (size {n}, cosigned by witness.example.org+{wit_id}):"
        " signature checked, in the workspace",
        "rollback and deleted checkpoints: checked against the ledger state"
        f" {tmp_path / 'w.duckdb'}.ledger-state.json (1 recorded)",
        "ledger intact",
        f"ledger state {tmp_path / 'w.duckdb'}.ledger-state.json: records 1 checkpoint(s) up to"
        f" size {n:,}",
    ]
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("UPDATE activities SET quantity = 1001 WHERE record_id = 'a1'")
    con.close()
    audit = zt(tmp_path, "ledger", "audit")
    assert audit.returncode == 1
    # First the 7 shipped factor sets, their factor rows, the entity and the site; then a1.
    assert f"activity a1 version 1 (leaf {sets + len(factor_rows()) + 2}): changed" in audit.stderr


def test_audit_catches_a_rollback_and_fails_closed_without_a_key(
    organization: Path, tmp_path: Path
) -> None:
    workspace_with(organization, tmp_path, ACTS[:1])
    run(tmp_path, "keys", "generate", "--name", ORIGIN, "--out", "log.key")
    assert zt(tmp_path, "ledger", "checkpoint", "--key", "log.key").returncode == 0
    db = tmp_path / "w.duckdb"
    (tmp_path / "old.duckdb").write_bytes(db.read_bytes())
    zt(tmp_path, "import", "activities", str(write_csv(tmp_path / "b.csv", ACTS[1:])))
    # `ledger checkpoint` wrote the ledger state beside the workspace, and updates it.
    assert zt(tmp_path, "ledger", "checkpoint", "--key", "log.key").returncode == 0
    assert zt(tmp_path, "ledger", "audit").returncode == 0
    # A clean audit that saw nothing new leaves the state file alone (it is replaced, a new
    # inode, whenever it is written).
    state = tmp_path / "w.duckdb.ledger-state.json"
    before = state.read_bytes(), state.stat().st_ino
    assert zt(tmp_path, "ledger", "audit").returncode == 0
    assert (state.read_bytes(), state.stat().st_ino) == before
    db.write_bytes((tmp_path / "old.duckdb").read_bytes())  # the file put back as it was
    audit = zt(tmp_path, "ledger", "audit")
    assert audit.returncode == 1 and "ledger intact" not in audit.stdout
    assert "recorded in the ledger state" in audit.stderr and "newer than this" in audit.stderr
    refused = zt(tmp_path, "ledger", "checkpoint", "--key", "log.key")
    assert refused.returncode == 1 and "fewer than the checkpoint" in refused.stderr
    # With no key anywhere (the stored one deleted, no state, none given): not a pass.
    con = duckdb.connect(str(db))
    con.execute("DELETE FROM zt_meta WHERE key = 'ledger_vkey'")
    con.close()
    (tmp_path / "w.duckdb.ledger-state.json").unlink()
    audit = zt(tmp_path, "ledger", "audit")
    assert audit.returncode == 1 and "intact" not in audit.stdout
    assert "signatures NOT checked" in audit.stdout and "signatures NOT checked" in audit.stderr


def test_deleted_checkpoints_are_named_and_never_signed_over(
    organization: Path, tmp_path: Path
) -> None:
    """The review's case: every checkpoint deleted. The audit says so and suggests nothing to
    run; `ledger checkpoint` refuses in one line, with the ledger state and without it."""
    workspace_with(organization, tmp_path, ACTS)
    assert zt(tmp_path, "calculate", "--year", "2023").returncode == 0
    run(tmp_path, "keys", "generate", "--name", ORIGIN, "--out", "log.key")
    before = zt(tmp_path, "ledger", "audit")
    assert before.returncode == 0, before.stderr
    lines = before.stdout.splitlines()
    assert (
        "read 1 committed run through the results view (its definition compared with this"
        " version's): each run's record count and figures recomputed as reports read them, and"
        " the record versions each run sees checked against the log's order"
    ) in lines
    assert (
        "no checkpoint is stored yet: nothing signed protects the log (leaves and records can"
        " be recomputed together unseen); to protect it, sign a checkpoint with the log's"
        " signer key"
    ) in lines
    assert "`" not in before.stdout  # no command line that would not run as printed
    assert zt(tmp_path, "ledger", "checkpoint", "--key", "log.key").returncode == 0

    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("DELETE FROM ledger_checkpoints")
    con.close()
    audit = zt(tmp_path, "ledger", "audit")
    assert audit.returncode == 1
    assert (
        f"no checkpoint is stored, although the log's origin {ORIGIN} was fixed by a first one:"
        " they were deleted, nothing signed protects the log now, and signing a new checkpoint"
        " is refused"
    ) in audit.stdout.splitlines()
    assert "sign a checkpoint with" not in audit.stdout
    assert "`" not in audit.stdout + audit.stderr
    refused = zt(tmp_path, "ledger", "checkpoint", "--key", "log.key")
    assert refused.returncode == 1 and len(refused.stderr.strip().splitlines()) == 1
    assert "recorded in the ledger state is no longer stored (deleted)" in refused.stderr
    (tmp_path / "w.duckdb.ledger-state.json").unlink()  # as the demo leaves it: no state
    refused = zt(tmp_path, "ledger", "checkpoint", "--key", "log.key")
    assert refused.returncode == 1 and len(refused.stderr.strip().splitlines()) == 1
    assert "no checkpoint is stored: they were deleted" in refused.stderr
