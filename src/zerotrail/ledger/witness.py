"""A C2SP tlog-witness as pure functions over a state value.

Where it sits: the external verifier (or a second party the company trusts) runs a witness. The
log sends it each new checkpoint with a consistency proof from the last one the witness cosigned;
`add_checkpoint` decides, and returns the new state with an HTTP-like `Response`. The caller (the
workspace or CLI) must persist the new state atomically before releasing a 200 response, and must
serialise calls per origin, since checking `old` and storing the new size is one transaction
(tlog-witness explains the rollback race otherwise). Nothing here does I/O.

Request body (`POST <prefix>/add-checkpoint`):
    old <size>\\n
    <base64 consistency proof hash>\\n   (zero to 63 lines)
    \\n
    <signed checkpoint note>

Answers, in the order checked: 400 malformed body or checkpoint; 404 unknown origin; 403 no
trusted log signature verifies (or a trusted key's signature fails); 400 old > checkpoint size;
409 old is not the size last cosigned (body: that size and a newline, `text/x.tlog.size`); 409
equal sizes with a different root; 422 the consistency proof fails; 200 one cosignature line.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

from zerotrail.errors import VerificationError
from zerotrail.ledger.checkpoint import parse_checkpoint
from zerotrail.ledger.cosignature import MAX_TIMESTAMP, cosign
from zerotrail.ledger.encoding import decode_decimal, decode_hash, encode_base64
from zerotrail.ledger.merkle import EMPTY_ROOT, HASH_SIZE, MAX_TREE_SIZE, verify_consistency
from zerotrail.ledger.note import (
    COSIGNATURE_V1,
    ED25519,
    Signer,
    Verifier,
    format_verifier_key,
    open_note,
    parse_note,
    parse_verifier_key,
)

# tlog-witness: "The client MUST NOT send more than 63 consistency proof lines."
MAX_PROOF_LINES: Final = 63
SIZE_CONTENT_TYPE: Final = "text/x.tlog.size"
TEXT_CONTENT_TYPE: Final = "text/plain; charset=utf-8"
_STATE_FORMAT: Final = "zerotrail-witness-state/v1"


@dataclass(frozen=True, slots=True)
class WitnessedLog:
    """One log the witness follows: its origin, trusted keys and the latest cosigned tree."""

    origin: str
    verifiers: tuple[Verifier, ...]
    size: int = 0
    root: bytes = EMPTY_ROOT

    def __post_init__(self) -> None:
        if not isinstance(self.origin, str) or not self.origin or "\n" in self.origin:
            raise ValueError("origin must be a non-empty single line")
        if not self.verifiers or any(
            not isinstance(v, Verifier) or v.key_type != ED25519 for v in self.verifiers
        ):
            raise ValueError(f"{self.origin}: need one or more Ed25519 log keys (type 0x01)")
        if not isinstance(self.size, int) or isinstance(self.size, bool):
            raise ValueError(f"{self.origin}: size must be an int")
        if not 0 <= self.size <= MAX_TREE_SIZE:
            raise ValueError(f"{self.origin}: size out of range")
        if not isinstance(self.root, bytes) or len(self.root) != HASH_SIZE:
            raise ValueError(f"{self.origin}: root must be 32 bytes")
        if self.size == 0 and self.root != EMPTY_ROOT:
            raise ValueError(f"{self.origin}: size 0 needs the empty tree's root")


@dataclass(frozen=True, slots=True)
class WitnessState:
    """Every log the witness follows, sorted by origin."""

    logs: tuple[WitnessedLog, ...] = ()

    def __post_init__(self) -> None:
        origins = [log.origin for log in self.logs]
        if origins != sorted(set(origins)):
            raise ValueError("logs must be sorted by origin, one entry each")

    def log(self, origin: str) -> WitnessedLog | None:
        return next((log for log in self.logs if log.origin == origin), None)

    def with_log(self, log: WitnessedLog) -> WitnessState:
        """A state with `log` added, or replacing the entry of the same origin."""
        others = [other for other in self.logs if other.origin != log.origin]
        return WitnessState(tuple(sorted([*others, log], key=lambda entry: entry.origin)))


def add_log(state: WitnessState, origin: str, verifiers: Sequence[Verifier]) -> WitnessState:
    """Follow a log, or replace its trusted keys (its cosigned size and root are kept)."""
    current = state.log(origin)
    if current is None:
        return state.with_log(WitnessedLog(origin, tuple(verifiers)))
    return state.with_log(replace(current, verifiers=tuple(verifiers)))


@dataclass(frozen=True, slots=True)
class AddCheckpointRequest:
    """A parsed add-checkpoint body; the checkpoint note is not verified yet."""

    old_size: int
    proof: tuple[bytes, ...]
    checkpoint_note: str


@dataclass(frozen=True, slots=True)
class Response:
    """What an HTTP front end sends back: status code, body and content type."""

    status: int
    body: str
    content_type: str = TEXT_CONTENT_TYPE


def format_add_checkpoint(old_size: int, proof: Sequence[bytes], checkpoint_note: str) -> str:
    """The request body a log sends to a witness."""
    lines = [f"old {old_size}", *(encode_base64(h) for h in proof)]
    return "".join(line + "\n" for line in lines) + "\n" + checkpoint_note


def parse_add_checkpoint(body: str) -> AddCheckpointRequest:
    """Parse an add-checkpoint body strictly; raises `VerificationError`."""
    if not isinstance(body, str):
        raise VerificationError("request body is not text")
    # The first blank line ends the proof; the checkpoint note has its own blank line later.
    head, blank, checkpoint_note = body.partition("\n\n")
    if not blank:
        raise VerificationError("request has no blank line before the checkpoint")
    first, *proof_lines = head.split("\n")
    if not first.startswith("old "):
        raise VerificationError("request does not start with an 'old <size>' line")
    old_size = decode_decimal(first[len("old ") :], "old size")
    if len(proof_lines) > MAX_PROOF_LINES:
        raise VerificationError(f"more than {MAX_PROOF_LINES} consistency proof lines")
    proof = tuple(decode_hash(line, "consistency proof line") for line in proof_lines)
    return AddCheckpointRequest(old_size, proof, checkpoint_note)


def add_checkpoint(
    state: WitnessState, body: str, witness_signer: Signer, now: int
) -> tuple[WitnessState, Response]:
    """Check a submitted checkpoint and, if all is well, cosign it at time `now`.

    Returns the state to persist (unchanged unless the status is 200) and the response.
    """
    if witness_signer.key_type != COSIGNATURE_V1:
        raise ValueError("the witness signs with a cosignature key (type 0x04)")
    if not isinstance(now, int) or isinstance(now, bool) or not 0 <= now <= MAX_TIMESTAMP:
        raise ValueError("now must be POSIX seconds in 0 .. 2**63 - 1")
    try:
        request = parse_add_checkpoint(body)
        text = parse_note(request.checkpoint_note).text
        checkpoint = parse_checkpoint(text)
    except VerificationError as exc:
        return state, Response(400, f"malformed request: {exc}\n")
    log = state.log(checkpoint.origin)
    if log is None:
        return state, Response(404, f"unknown log origin {checkpoint.origin}\n")
    try:
        open_note(request.checkpoint_note, log.verifiers)
    except VerificationError as exc:
        return state, Response(403, f"checkpoint signature: {exc}\n")
    if request.old_size > checkpoint.size:
        return state, Response(400, "old size is larger than the checkpoint size\n")
    conflict = Response(409, f"{log.size}\n", SIZE_CONTENT_TYPE)
    if request.old_size != log.size:
        return state, conflict
    if checkpoint.size == log.size and checkpoint.root != log.root:
        # Two trees of one size with different roots: evidence of a forked log.
        return state, conflict
    try:
        verify_consistency(log.size, checkpoint.size, request.proof, log.root, checkpoint.root)
    except VerificationError as exc:
        return state, Response(422, f"consistency proof: {exc}\n")
    line = cosign(text, witness_signer, now)
    updated = replace(log, size=checkpoint.size, root=checkpoint.root)
    return state.with_log(updated), Response(200, line)


# --- persistence format (the caller writes it atomically) ---------------------------------------


def state_to_json(state: WitnessState) -> str:
    """The state as stable, human-readable JSON."""
    document = {
        "format": _STATE_FORMAT,
        "logs": [
            {
                "origin": log.origin,
                "verifier_keys": [format_verifier_key(v) for v in log.verifiers],
                "size": log.size,
                "root": encode_base64(log.root),
            }
            for log in state.logs
        ],
    }
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def state_from_json(text: str) -> WitnessState:
    """Read a state written by `state_to_json`; anything else raises `VerificationError`.

    A witness that misreads its state could cosign a rollback, so this is strict.
    """
    try:
        document = json.loads(text)
    except (TypeError, ValueError, RecursionError):
        # RecursionError: arrays or objects nested deeper than the parser's stack allows.
        raise VerificationError("witness state is not JSON") from None
    _require_keys(document, {"format", "logs"}, "witness state")
    if document["format"] != _STATE_FORMAT:
        raise VerificationError(f"witness state format is not {_STATE_FORMAT}")
    if not isinstance(document["logs"], list):
        raise VerificationError("witness state logs is not a list")
    logs = []
    for entry in document["logs"]:
        _require_keys(entry, {"origin", "verifier_keys", "size", "root"}, "witness log")
        keys, size = entry["verifier_keys"], entry["size"]
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise VerificationError("witness log verifier_keys is not a list of strings")
        if not isinstance(size, int) or isinstance(size, bool):
            raise VerificationError("witness log size is not an integer")
        if not isinstance(entry["root"], str):
            raise VerificationError("witness log root is not a string")
        try:
            logs.append(
                WitnessedLog(
                    entry["origin"],
                    tuple(parse_verifier_key(k) for k in keys),
                    size,
                    decode_hash(entry["root"], "witness log root"),
                )
            )
        except ValueError as exc:
            raise VerificationError(f"witness state: {exc}") from None
    try:
        return WitnessState(tuple(logs))
    except ValueError as exc:
        raise VerificationError(f"witness state: {exc}") from None


def _require_keys(value: Any, keys: set[str], what: str) -> None:
    if not isinstance(value, dict) or set(value) != keys:
        raise VerificationError(f"{what} must be an object with exactly {sorted(keys)}")
