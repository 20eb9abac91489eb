"""`zerotrail verify statement`: a verifier's signed statement checked offline, as printed.

Exit 0 with what the statement states and how its checkpoint was checked; exit 1 with one line
for a changed statement, another key, a missing file or a value that is no key.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from tests.cli.invoke import Result, zerotrail
from zerotrail.assurance.statement import FORMAT, STANDARD, sign_statement, statement_sha256
from zerotrail.ledger.checkpoint import Checkpoint, format_checkpoint
from zerotrail.ledger.note import generate_signer, parse_signer_key, sign_note
from zerotrail.pipeline.statements import check_statement, read_statement

VERIFIER = "assurance.example/emmet-2025"
ORIGIN = "carbon.example.com/emmet-group"
TREE = Checkpoint(ORIGIN, 1240, bytes(range(32)))
VERIFIER_SIGNER_KEY, VERIFIER_KEY = generate_signer(VERIFIER)
LOG_SIGNER_KEY, LOG_KEY = generate_signer(ORIGIN)


def body(**changes: Any) -> dict[str, Any]:
    b: dict[str, Any] = {
        "format": FORMAT,
        "engagement": "ENG-2025-01",
        "organization": "Emmet Group",
        "year": "2025",
        "verifier": "Example Assurance LLP",
        "verifier_key_name": VERIFIER,
        "standard": STANDARD,
        "criteria": "GHG Protocol Corporate Standard; ISO 14064-1:2018",
        "level": "limited",
        "scope": "Scope 1, Scope 2 (location- and market-based) and Scope 3 of Emmet Group, 2025",
        "materiality": {"overall": "5%"},
        "inventory": {"run_id": "run-1", "scope1": "3492.500"},
        "checkpoint": {
            "origin": ORIGIN,
            "size": "1240",
            "root_hash": base64.b64encode(TREE.root).decode(),
        },
        "findings": {"counts": {"CAR": {"closed": "2"}}},
        "opinion": "qualified",
        "opinion_text": "Except for the matter described ...",
        "date": "2026-03-31",
        "procedures": ["Sampled 60 records"],
    }
    b.update(changes)
    return b


def write_statement(tmp: Path, b: dict[str, Any] | None = None) -> Path:
    checkpoint = sign_note(format_checkpoint(TREE), [parse_signer_key(LOG_SIGNER_KEY)])
    text = sign_statement(
        body() if b is None else b,
        parse_signer_key(VERIFIER_SIGNER_KEY),
        checkpoint_note=checkpoint,
    )
    path = tmp / "statement.json"
    path.write_text(text, encoding="utf-8")
    return path


def run(tmp: Path, *args: str | Path) -> Result:
    return zerotrail("verify", "statement", *args, cwd=tmp, env={"COLUMNS": "200"})


def test_a_statement_verifies_and_is_printed(tmp_path: Path) -> None:
    path = write_statement(tmp_path)
    res = run(tmp_path, path, "--verifier-key", VERIFIER_KEY)
    assert res.code == 0, res.stderr
    assert res.stderr == ""
    assert res.stdout.splitlines() == [
        "ok: verification statement of Emmet Group 2025 by Example Assurance LLP, signed by"
        f" {VERIFIER}",
        "engagement: ENG-2025-01",
        "opinion: qualified",
        "level: limited",
        "date: 2026-03-31",
        f"checkpoint: {ORIGIN} size 1240 (as stated by the verifier, not checked: pass --log-key)",
        f"statement sha256: {statement_sha256(body())}",
    ]


def test_with_the_log_key_the_checkpoint_is_checked(tmp_path: Path) -> None:
    path = write_statement(tmp_path)
    # Keys as files, as the other verify commands take them.
    (tmp_path / "verifier.pub").write_text(VERIFIER_KEY + "\n", encoding="utf-8")
    (tmp_path / "log.pub").write_text(LOG_KEY + "\n", encoding="utf-8")
    res = run(tmp_path, path, "--verifier-key", "verifier.pub", "--log-key", "log.pub")
    assert res.code == 0, res.stderr
    assert f"checkpoint: {ORIGIN} size 1240 (checked against the log key)" in res.stdout
    checked = check_statement(read_statement(path), VERIFIER_KEY, LOG_KEY)
    assert res.stdout == "".join(line + "\n" for line in checked.lines)


def _one_line_failure(res: Result) -> str:
    assert res.code == 1, (res.stdout, res.stderr)
    assert res.stdout == ""
    lines = res.stderr.splitlines()
    assert len(lines) == 1, res.stderr
    return lines[0]


def test_a_changed_statement_fails_in_one_line(tmp_path: Path) -> None:
    path = write_statement(tmp_path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["statement"]["opinion"] = "unmodified"
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    line = _one_line_failure(run(tmp_path, path, "--verifier-key", VERIFIER_KEY))
    assert line == (
        "verification failed: the statement's SHA-256 is not the one signed: the statement was"
        " changed after it was signed"
    )


def test_another_key_fails_in_one_line(tmp_path: Path) -> None:
    path = write_statement(tmp_path)
    _, other = generate_signer(VERIFIER)
    line = _one_line_failure(run(tmp_path, path, "--verifier-key", other))
    assert line == (
        "verification failed: the statement's signature: note has no signature from a trusted key"
    )
    line = _one_line_failure(
        run(tmp_path, path, "--verifier-key", VERIFIER_KEY, "--log-key", VERIFIER_KEY)
    )
    assert line.startswith("verification failed: the log's checkpoint: note has no signature")


def test_a_file_that_is_not_a_statement_fails_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "s.json").write_text("not json\n", encoding="utf-8")
    line = _one_line_failure(run(tmp_path, "s.json", "--verifier-key", VERIFIER_KEY))
    assert line.startswith("verification failed: the statement file is not JSON: Expecting value")
    (tmp_path / "s.json").write_bytes(b'{"statement": "\xff"}')
    line = _one_line_failure(run(tmp_path, "s.json", "--verifier-key", VERIFIER_KEY))
    assert line.startswith("error: verification statement s.json is not UTF-8 text")


def test_a_missing_file_or_a_value_that_is_no_key_is_named(tmp_path: Path) -> None:
    line = _one_line_failure(run(tmp_path, "missing.json", "--verifier-key", "x"))
    assert line.startswith("error: cannot read verification statement missing.json")
    path = write_statement(tmp_path)
    line = _one_line_failure(run(tmp_path, path, "--verifier-key", "verifier.pub"))
    assert line == "error: no key file verifier.pub, and verifier.pub is not a key either"


def test_the_statement_cannot_drive_the_terminal(tmp_path: Path) -> None:
    path = write_statement(tmp_path, body(organization="Emmet\x1b[2J Group\nok: forged"))
    res = run(tmp_path, path, "--verifier-key", VERIFIER_KEY)
    assert res.code == 0, res.stderr
    first = res.stdout.splitlines()[0]
    assert first.startswith(r"ok: verification statement of Emmet\x1b[2J Group\x0aok: forged 2025")
    assert "\x1b" not in res.stdout
    assert len(res.stdout.splitlines()) == 7
