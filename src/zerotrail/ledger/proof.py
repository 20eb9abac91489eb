"""C2SP tlog-proof: a `.tlog-proof` file proving that one record is in a checkpointed log.

Where it sits: the end of the audit trail. Each published figure ships with one; an auditor,
offline, recomputes the record's leaf hash from its opening, then calls `verify_proof_bundle`
with the log key (and witness keys) obtained out of band.

    c2sp.org/tlog-proof@v1
    extra <base64>            (optional, unauthenticated: e.g. the record's opening)
    index <n>
    <base64 inclusion proof hash, leaf's sibling first>   (zero or more lines)
    <blank line>
    <checkpoint note, verbatim, with its signatures and cosignatures>
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from zerotrail.errors import VerificationError
from zerotrail.ledger.checkpoint import Checkpoint, parse_checkpoint
from zerotrail.ledger.cosignature import verify_cosignatures
from zerotrail.ledger.encoding import decode_base64, decode_decimal, decode_hash, encode_base64
from zerotrail.ledger.merkle import HASH_SIZE, MAX_TREE_SIZE, verify_inclusion
from zerotrail.ledger.note import Verifier, open_note, parse_note

PROOF_HEADER: Final = "c2sp.org/tlog-proof@v1"
# An inclusion proof in a tree of fewer than 2**64 leaves has at most 64 hashes.
MAX_PROOF_HASHES: Final = 64


@dataclass(frozen=True, slots=True)
class ProofBundle:
    """A parsed proof file. Nothing in it is trusted until `verify_proof_bundle` says so."""

    index: int
    proof: tuple[bytes, ...]
    checkpoint_note: str
    extra: bytes | None = None


def format_proof(
    index: int, proof_hashes: Sequence[bytes], checkpoint_note: str, extra: bytes | None = None
) -> str:
    """The text of a `.tlog-proof` file."""
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < MAX_TREE_SIZE:
        raise ValueError("index must be an int in 0 .. 2**64 - 2")
    if len(proof_hashes) > MAX_PROOF_HASHES:
        raise ValueError(f"an inclusion proof has at most {MAX_PROOF_HASHES} hashes")
    if any(not isinstance(h, bytes) or len(h) != HASH_SIZE for h in proof_hashes):
        raise ValueError("proof hashes must be 32 bytes each")
    if extra is not None and not isinstance(extra, bytes):
        raise ValueError("extra must be bytes or None")
    try:
        parse_note(checkpoint_note)
    except VerificationError as exc:
        raise ValueError(f"checkpoint note: {exc}") from None
    lines = [PROOF_HEADER]
    if extra is not None:
        lines.append(f"extra {encode_base64(extra)}")
    lines.append(f"index {index}")
    lines.extend(encode_base64(h) for h in proof_hashes)
    return "".join(line + "\n" for line in lines) + "\n" + checkpoint_note


def parse_proof(text: str) -> ProofBundle:
    """Parse a `.tlog-proof` file strictly; raises `VerificationError`."""
    if not isinstance(text, str):
        raise VerificationError("proof file is not text")
    # The first blank line ends the proof; the checkpoint note has its own blank line later.
    head, blank, checkpoint_note = text.partition("\n\n")
    if not blank:
        raise VerificationError("proof file has no blank line before the checkpoint")
    lines = head.split("\n")
    if lines[0] != PROOF_HEADER:
        raise VerificationError(f"proof file does not start with {PROOF_HEADER}")
    position = 1
    extra = None
    if position < len(lines) and lines[position].startswith("extra "):
        extra = decode_base64(lines[position][len("extra ") :], "extra data")
        position += 1
    if position >= len(lines) or not lines[position].startswith("index "):
        raise VerificationError("proof file has no 'index <n>' line")
    index = decode_decimal(lines[position][len("index ") :], "index")
    hash_lines = lines[position + 1 :]
    if len(hash_lines) > MAX_PROOF_HASHES:
        raise VerificationError(f"inclusion proof has more than {MAX_PROOF_HASHES} hashes")
    proof = tuple(decode_hash(line, "inclusion proof line") for line in hash_lines)
    parse_note(checkpoint_note)  # structure only: signatures are checked on verification
    return ProofBundle(index, proof, checkpoint_note, extra)


def verify_proof_bundle(
    bundle: ProofBundle,
    leaf_hash: bytes,
    log_verifier: Verifier,
    witness_verifiers: Sequence[Verifier] = (),
    *,
    origin: str | None = None,
) -> Checkpoint:
    """Check a proof bundle end to end and return the checkpoint it proves inclusion in.

    The log key must have signed the checkpoint; every given witness key must have cosigned it;
    if `origin` is given the checkpoint must be for that log; and `leaf_hash` must be entry
    `bundle.index` of the tree. Raises `VerificationError` on any failure.
    """
    if not isinstance(bundle, ProofBundle):
        raise VerificationError("not a ProofBundle")
    opened = open_note(bundle.checkpoint_note, [log_verifier])
    if witness_verifiers:
        verify_cosignatures(bundle.checkpoint_note, witness_verifiers)
    checkpoint = parse_checkpoint(opened.text)
    if origin is not None and checkpoint.origin != origin:
        raise VerificationError(f"checkpoint is for {checkpoint.origin}, not {origin}")
    verify_inclusion(leaf_hash, bundle.index, checkpoint.size, bundle.proof, checkpoint.root)
    return checkpoint
