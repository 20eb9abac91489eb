"""Small hand-made logs and proof files, for the verify tests that need no workspace.

A log of a few records (each committed as zerotrail commits: salted leaf over its canonical
bytes), its tree built by the naive RFC 6962 model (tests/ledger/naive.py), a checkpoint signed
by LOG and cosigned by WITNESS, and a .tlog-proof of one record with its opening. The keys are
fixed, and chosen so that the base64 of both verifier keys holds a '+' (a key's text is cut at
its first two '+' only) and a '/'.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType

from tests.ledger import naive
from zerotrail.ledger import (
    COSIGNATURE_V1,
    ED25519,
    Checkpoint,
    Signer,
    cosign,
    format_checkpoint,
    format_proof,
    format_verifier_key,
    sign_note,
)
from zerotrail.ledger.canonical import canonical_bytes, commitment

ORIGIN = "log.example.org/test"
LOG = Signer(ORIGIN, ED25519, bytes([8]) * 32)
WITNESS = Signer("witness.example.org", COSIGNATURE_V1, bytes([10]) * 32)
LOG_VKEY = format_verifier_key(LOG.verifier())
WITNESS_VKEY = format_verifier_key(WITNESS.verifier())
COSIGNED_AT = 1_700_000_000
assert "+" in LOG_VKEY.split("+", 2)[2] and "+" in WITNESS_VKEY.split("+", 2)[2]

# A calculation run as committed (docs/ledger.md lists its fields): 9-decimal canonical text.
RUN = {
    "run_id": "run-2023-1",
    "year": 2023,
    "gwp_set": "AR5",
    "consolidation": "operational_control",
    "blend_rule": "composition",
    "as_of_import": "imp-1",
    "records": 3,
    "problems": 0,
    "ledger_size_before": 2,
    "unit": "t CO2e",
    "scope1": 170.0,
    "scope2_location": 408.432,
    "scope2_market": 300.5,
    "scope3": 1000.0,
    "scope3_market": 950.25,
    "total_location": 1578.432,
    "total_market": 1420.75,
    "biogenic_co2": 0.0,
}


def salt(i: int) -> bytes:
    return bytes([i]) * 32


def record_text(kind: str, fields: Mapping[str, object]) -> str:
    return canonical_bytes(kind, fields).decode()


def note_for(
    leaves: Sequence[bytes], *, witness: bool = True, origin: str = ORIGIN, size: int | None = None
) -> tuple[str, str]:
    """(checkpoint text, signed note) of the tree of the first `size` leaves."""
    n = len(leaves) if size is None else size
    text = format_checkpoint(Checkpoint(origin, n, naive.mth(leaves[:n])))
    note = sign_note(text, [LOG])
    return text, note + (cosign(text, WITNESS, COSIGNED_AT) if witness else "")


def log_of(records: Sequence[str], filler: int = 4) -> list[bytes]:
    """The leaf hashes of `filler` other records, then `records` (salts 1, 2, ...)."""
    others = [record_text("setting", {"key": f"k{i}", "value": str(i)}) for i in range(filler)]
    texts = [*others, *records]
    return [commitment(salt(i + 1), t.encode()) for i, t in enumerate(texts)]


def proof_of(record: str, *, filler: int = 4, witness: bool = True, opening: bool = True) -> str:
    """A .tlog-proof of `record`, the leaf after `filler` others, in a log of them and it plus
    two more, with its opening."""
    leaves = log_of([record, record_text("setting", {"key": "z", "value": "1"})], filler)
    leaves.append(commitment(salt(99), b"{}"))
    index = filler
    _, note = note_for(leaves, witness=witness)
    extra = (
        json.dumps(
            {"salt": base64.b64encode(salt(index + 1)).decode(), "record": record},
            separators=(",", ":"),
        ).encode()
        if opening
        else None
    )
    return format_proof(index, naive.path(index, leaves), note, extra)


def write_keys(folder: Path) -> None:
    (folder / "log.vkey").write_text(LOG_VKEY + "\n", encoding="utf-8")
    (folder / "witness.vkey").write_text(WITNESS_VKEY + "\n", encoding="utf-8")


SCRIPT = Path(__file__).resolve().parents[2] / "src/zerotrail/reports/standalone/verify.py"


def standalone() -> ModuleType:
    """The shipped verify.py loaded as a module (for its pure functions; the tests that run it
    as a reader does use a process that cannot import zerotrail)."""
    spec = importlib.util.spec_from_file_location("standalone_verify", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being defined
    spec.loader.exec_module(module)
    return module
