"""What a verified proof proves: the log entry, and what its record states, one fact a line.

    verify_proof_file(text, log_key, witness_keys, leaf)   the proof checked (pipeline.ledger)
                                                           and its statement
    statement(record)                                      the facts of a committed record

Where it sits: pipeline, called by `zerotrail verify proof` (cli/ledger.py); no workspace. The
record is the proof's opening, which the check has just tied to the signed tree (the leaf is
recomputed from it), so what is printed is what the log holds. Values are printed exactly as
the record holds them (canonical decimals, ISO dates): nothing rounded, nothing converted. The
standalone verify.py beside each report prints the same fact lines from its own code, and
tests/cli/test_verify_statement.py holds the two to each other.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from zerotrail.errors import VerificationError
from zerotrail.ledger.checkpoint import Checkpoint
from zerotrail.ledger.proof import parse_proof
from zerotrail.pipeline.ledger import verifier_key, verify_proof

__all__ = ["Proved", "statement", "verify_proof_file"]

_T = "t CO2e"
_UNIT = object()  # the figure is in the record's own `unit`

# The main facts of each kind, in order: (field, label, unit). Every other field follows.
_FACTS: dict[str, tuple[tuple[str, str, object], ...]] = {
    "run": (
        ("run_id", "calculation run", None),
        ("year", "year", None),
        ("scope1", "Scope 1", _UNIT),
        ("scope2_location", "Scope 2, location-based", _UNIT),
        ("scope2_market", "Scope 2, market-based", _UNIT),
        ("scope3", "Scope 3, location-based", _UNIT),
        ("scope3_market", "Scope 3, market-based", _UNIT),
        ("total_location", "total, location-based", _UNIT),
        ("total_market", "total, market-based", _UNIT),
        ("biogenic_co2", "biogenic CO2, outside the scopes", _UNIT),
        ("gwp_set", "GWP values", None),
        ("consolidation", "consolidation", None),
        ("records", "activity records", None),
        ("problems", "problems", None),
    ),
    "claim": (
        ("claim_id", "neutrality claim", None),
        ("version", "version", None),
        ("target_id", "target", None),
        ("year", "year", None),
        ("run_id", "calculation run", None),
        ("gross", "gross emissions", _T),
        ("credits_t", "credits retired", _T),
        ("removals_t", "of which removals", _T),
        ("net", "net", _T),
        ("holds", "claim holds", None),
    ),
    "report": (
        ("report_id", "report", None),
        ("year", "year", None),
        ("figures_sha256", "figures SHA-256", None),
        ("previous_report", "previous report", None),
        ("created_at", "published at", None),
    ),
    "activity": (("record_id", "activity record", None), ("version", "version", None)),
}
# Printed as \xNN: a record's text may not drive the terminal or break a fact over lines.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _shown(text: str) -> str:
    return _UNPRINTABLE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _value(v: Any) -> str:
    if v is None:
        return "(none)"
    return _shown(v if isinstance(v, str) else json.dumps(v, ensure_ascii=False))


def _boundary(record: dict[str, Any]) -> str:
    """A claim's boundary: stated in its detail when there, else the target's (whose own record
    states it: a claim record carries only the target's id)."""
    detail = record.get("detail")
    try:
        parsed = json.loads(detail) if isinstance(detail, str) else None
    except (ValueError, RecursionError):
        parsed = None
    found = parsed.get("boundary") if isinstance(parsed, dict) else None
    if isinstance(found, str):
        return _shown(found)
    target = _value(record.get("target_id"))
    return f"target {target}'s (stated in that target's record, not in this one)"


def statement(record: dict[str, Any]) -> list[str]:
    """The facts a committed record states, one a line: its kind's main facts in order (figures
    with their unit), then every other field as `name: value`."""
    kind = record["kind"]
    facts = _FACTS.get(kind, ())
    unit = record.get("unit")
    own_unit = kind == "run" and isinstance(unit, str)
    lines = [
        f"{label}: {_value(record[key])}" + _suffix(u, unit)
        for key, label, u in facts
        if key in record
    ]
    if not facts:
        lines.insert(0, f"{_shown(str(kind))} record")
    if kind == "claim":
        lines.append(f"boundary: {_boundary(record)}")
    shown = {"kind", *(key for key, _, _ in facts)} | ({"unit"} if own_unit else set())
    return lines + [f"{_shown(k)}: {_value(v)}" for k, v in record.items() if k not in shown]


def _suffix(u: object, unit: Any) -> str:
    if u is _UNIT:
        return f" {_shown(unit)}" if isinstance(unit, str) and unit else ""
    return f" {u}" if isinstance(u, str) else ""


@dataclass(frozen=True, slots=True)
class Proved:
    """A proof that verified: the entry, the checkpoint, the names of the keys whose signature
    and cosignatures were checked, and the record's facts (None when the proof carried no
    opening and the leaf was given instead)."""

    index: int
    checkpoint: Checkpoint
    signed_by: str
    cosigned_by: tuple[str, ...]
    facts: tuple[str, ...] | None

    def headline(self) -> str:
        """The entry, the log and what was checked, in one line."""
        cp = self.checkpoint
        cosigned = f", cosigned by {', '.join(self.cosigned_by)}" if self.cosigned_by else ""
        checked = (
            "the record's leaf recomputed and its inclusion checked"
            if self.facts is not None
            else "the given leaf's inclusion checked (the proof carries no record to show)"
        )
        return (
            f"entry {self.index} of the log {_shown(cp.origin)} at size {cp.size}, signed by"
            f" {_shown(self.signed_by)}{cosigned}; {checked}"
        )


def verify_proof_file(
    text: str, log_key: str, witness_keys: Sequence[str] = (), leaf: str | None = None
) -> Proved:
    """Check a .tlog-proof as `pipeline.ledger.verify_proof` does and decode what it proves.
    VerificationError on any failure, a record that is not a JSON object with a kind included."""
    index, cp = verify_proof(text, log_key, witness_keys, leaf)
    signed_by = verifier_key(log_key).name
    cosigned_by = tuple(_shown(verifier_key(k).name) for k in witness_keys)
    extra = parse_proof(text).extra  # it verified, so it parses
    if extra is None:
        return Proved(index, cp, signed_by, cosigned_by, None)
    try:
        record = json.loads(json.loads(extra)["record"], object_pairs_hook=_once)
    except (ValueError, KeyError, TypeError, RecursionError):
        raise VerificationError("the proof's record is not JSON, each key given once") from None
    if not isinstance(record, dict) or not isinstance(record.get("kind"), str):
        raise VerificationError("the proof's record is not an object with a kind")
    return Proved(index, cp, signed_by, cosigned_by, tuple(statement(record)))


def _once(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose keys are each given once (else what it says depends on the parser)."""
    out = dict(pairs)
    if len(out) != len(pairs):
        raise ValueError("a key given twice")
    return out
