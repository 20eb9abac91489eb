"""C2SP tlog-cosignature (Ed25519, signature type 0x04): a witness's timestamped signature.

Where it sits: a witness (witness.py) that has checked a checkpoint's consistency with what it
saw before answers with a cosignature line; the log appends it to the checkpoint note (plain
string concatenation: both end in a newline); proof bundles (proof.py) check it against the
witness keys a reader trusts.

The signed message is `cosignature/v1\\ntime <T>\\n` followed by the checkpoint text, and the line's
payload is key ID (4) || timestamp (8, big-endian POSIX seconds) || Ed25519 signature (64). The
key ID is computed with type byte 0x04, so a witness key never matches a log key's lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from zerotrail.errors import VerificationError
from zerotrail.ledger.note import (
    COSIGNATURE_V1,
    Signer,
    Verifier,
    check_note_text,
    format_signature_line,
    known_keys,
    parse_note,
)

MAX_TIMESTAMP: Final = 2**63 - 1
_PAYLOAD_SIZE: Final = 8 + 64


def cosigned_message(checkpoint_text: str, timestamp: int) -> bytes:
    """The bytes a type-0x04 cosignature signs."""
    return f"cosignature/v1\ntime {timestamp}\n{checkpoint_text}".encode()


def cosign(checkpoint_text: str, witness: Signer, timestamp: int) -> str:
    """The cosignature line (ending in a newline) of `witness` on `checkpoint_text` at `timestamp`.

    Checking that the checkpoint deserves it is the caller's job (see witness.add_checkpoint).
    """
    check_note_text(checkpoint_text)
    if witness.key_type != COSIGNATURE_V1:
        raise ValueError(f"{witness.name} is not a cosignature key (type 0x04)")
    if not isinstance(timestamp, int) or isinstance(timestamp, bool):
        raise ValueError("timestamp must be an int of POSIX seconds")
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise ValueError(f"timestamp {timestamp} is outside 0 .. 2**63 - 1")
    signature = witness.sign(cosigned_message(checkpoint_text, timestamp))
    payload = timestamp.to_bytes(8, "big") + signature
    return format_signature_line(witness.name, witness.key_id, payload)


def verify_cosignatures(note: str, witnesses: Sequence[Verifier]) -> dict[Verifier, int]:
    """Check that every given witness cosigned the note; return each one's timestamp.

    Lines from other keys are ignored (the log's own signature among them); a line from a given
    witness that fails to verify rejects the note. If a witness cosigned more than once, the
    latest timestamp is returned. Raises `VerificationError`.
    """
    known = known_keys(witnesses, COSIGNATURE_V1)
    parsed = parse_note(note)
    timestamps: dict[Verifier, int] = {}
    for sig in parsed.signatures:
        witness = known.get((sig.name, sig.key_id))
        if witness is None:
            continue
        if len(sig.signature) != _PAYLOAD_SIZE:
            raise VerificationError(f"cosignature by {sig.name} is not 8 + 64 bytes")
        timestamp = int.from_bytes(sig.signature[:8], "big")
        if timestamp > MAX_TIMESTAMP:
            raise VerificationError(f"cosignature by {sig.name} has a timestamp above 2**63 - 1")
        message = cosigned_message(parsed.text, timestamp)
        if not witness.verify(message, sig.signature[8:]):
            raise VerificationError(f"cosignature by {sig.name} does not verify")
        timestamps[witness] = max(timestamp, timestamps.get(witness, 0))
    missing = [w.name for w in known.values() if w not in timestamps]
    if missing:
        raise VerificationError(f"no cosignature from {', '.join(missing)}")
    return timestamps
