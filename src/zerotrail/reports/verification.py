"""How a reader checks a published report from its folder: the key files beside it, the
standalone `verify.py`, the verifier's signed statement when there is one, and the commands the
report prints.

Where it sits: reports, pure. The publish stage (pipeline/publish.py) writes `key_files(...)`
and `verify_script()` into the report's folder and puts `section(...)` into report.json's ledger
section; templates/sections/verify.html prints it. Every command names files by their path
relative to the report's folder and runs as printed from there, for a reader who did `pip
install zerotrail` (the `zerotrail` commands) or has Python with `cryptography` (`python3
verify.py`, written independently of zerotrail from the published formats:
reports/standalone/verify.py, which does not check a verification statement).
tests/reports/test_verify_report.py runs every printed command.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

from zerotrail.errors import VerificationError
from zerotrail.ledger.cosignature import verify_cosignatures
from zerotrail.ledger.note import parse_verifier_key

LOG_KEY_FILE = "log.vkey"
SCRIPT_FILE = "verify.py"
STATEMENT_FILE = "statement.json"
VERIFIER_KEY_FILE = "verifier.vkey"
WITNESS_KEY_FILE = "witness.vkey"


def witness_key_file(i: int) -> str:
    """The file of the i-th witness key (0-based): witness.vkey, then witness-2.vkey, ..."""
    return WITNESS_KEY_FILE if i == 0 else f"witness-{i + 1}.vkey"


def cosigners(note: str, witness_keys: Sequence[str]) -> list[str]:
    """The witness keys among `witness_keys` whose cosignature on the checkpoint `note`
    verifies: the only ones a reader's `--witness-key` check can pass with."""
    found = []
    for key in witness_keys:
        try:
            verify_cosignatures(note, [parse_verifier_key(key)])
        except VerificationError:
            continue
        found.append(key)
    return found


def key_files(
    log_key: str, witness_keys: Sequence[str], statement: tuple[str, str] | None = None
) -> dict[str, str]:
    """File name -> content of the verifier key files written beside the report and, with
    `statement` (the statement file's text, the verifier's public key), statement.json and
    verifier.vkey."""
    files = {LOG_KEY_FILE: log_key + "\n"}
    files |= {witness_key_file(i): k + "\n" for i, k in enumerate(witness_keys)}
    if statement is not None:
        text, verifier_key = statement
        files |= {STATEMENT_FILE: text, VERIFIER_KEY_FILE: verifier_key.strip() + "\n"}
    return files


def verify_script() -> str:
    """The standalone verify.py, as shipped with zerotrail."""
    return (
        resources.files("zerotrail.reports")
        .joinpath("standalone", SCRIPT_FILE)
        .read_text(encoding="utf-8")
    )


def _line(*words: str) -> str:
    return " ".join(shlex.quote(w) for w in words)


def section(
    proofs: Sequence[Mapping[str, Any]],
    consistency: Mapping[str, Any] | None,
    checkpoint_file: str,
    witness_keys: Sequence[str],
    verifier_key: str | None = None,
) -> dict[str, Any]:
    """What the report's verify section prints: the key files and, for each check, the command
    that runs it from the report's folder. `proofs`, `consistency` and `checkpoint_file` are as
    report.json's ledger section has them; `witness_keys` are the keys that cosigned
    (`cosigners`); `verifier_key` is the public key of the verifier whose statement is beside
    the report (`key_files`), None when there is none."""
    keys = ["--log-key", LOG_KEY_FILE]
    for i in range(len(witness_keys)):
        keys += ["--witness-key", witness_key_file(i)]
    out: dict[str, Any] = {
        "log_key_file": LOG_KEY_FILE,
        "witness_key_files": [
            {"file": witness_key_file(i), "key": k} for i, k in enumerate(witness_keys)
        ],
        "script": SCRIPT_FILE,
        "proofs": [
            {
                "figures": p["figures"],
                "file": p["file"],
                "command": _line("zerotrail", "verify", "proof", p["file"], *keys),
            }
            for p in proofs
        ],
        "all": _line("python3", SCRIPT_FILE, "--all", *keys),
        "figures": _line("python3", SCRIPT_FILE, "--figures", "report.json", *keys),
        "consistency": None,
        "statement": None,
    }
    if verifier_key is not None:
        # The log's key too: the statement carries the log's checkpoint of the tree the
        # verifier examined, which the log signed; without it, that tree is only as stated.
        out["statement"] = {
            "file": STATEMENT_FILE,
            "verifier_key_file": VERIFIER_KEY_FILE,
            "verifier_key": verifier_key.strip(),
            "command": _line(
                "zerotrail",
                "verify",
                "statement",
                STATEMENT_FILE,
                "--verifier-key",
                VERIFIER_KEY_FILE,
                "--log-key",
                LOG_KEY_FILE,
            ),
        }
    if consistency is not None:
        old, new, proof = consistency["previous_checkpoint"], checkpoint_file, consistency["proof"]
        out["consistency"] = {
            "zerotrail": _line(
                "zerotrail",
                "verify",
                "consistency",
                old,
                new,
                "--proof",
                proof,
                "--key",
                LOG_KEY_FILE,
            ),
            "python": _line(
                "python3", SCRIPT_FILE, "--consistency", old, new, proof, "--log-key", LOG_KEY_FILE
            ),
        }
    return out
