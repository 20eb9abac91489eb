"""Who signed a checkpoint note, as its signature lines say: for the ledger page (server).

    signature_lines(note)   each line's key name, key ID and, for a witness's cosignature,
                            the time the witness put in it

Nothing is verified here: the server holds no witness keys, so a cosignature line is shown as
what it claims to be. A reader checks it on a proof downloaded from the ledger page, with
`zerotrail verify proof FILE --log-key KEY --witness-key WITNESS_KEY`. The log signs first
(pipeline/ledger.py `sign_checkpoint`); witnesses' lines follow.

The kind of a line is told by its length, as C2SP fixes them: an Ed25519 note signature is 64
bytes after the key ID; a tlog-cosignature/v1 is 8 bytes of big-endian POSIX seconds and then
the 64-byte signature (ledger/cosignature.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from zerotrail.errors import VerificationError
from zerotrail.ledger.note import parse_note

_ED25519_SIZE = 64
_COSIGNATURE_SIZE = 8 + 64


@dataclass(frozen=True, slots=True)
class SignatureLine:
    """One signature line of a note, unverified."""

    name: str
    key_id: str  # 8 hex digits
    cosigned_at: datetime | None  # a cosignature's own timestamp (UTC); None for a signature

    @property
    def kind(self) -> str:
        return "cosignature" if self.cosigned_at is not None else "signature"


def _time(payload: bytes) -> datetime | None:
    if len(payload) != _COSIGNATURE_SIZE:
        return None
    seconds = int.from_bytes(payload[:8], "big")
    try:
        return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)
    except (OverflowError, OSError, ValueError):  # a time no calendar holds: shown as none
        return None


def signature_lines(note: str) -> list[SignatureLine]:
    """The note's signature lines in order (the log's first); VerificationError when the note
    is not well formed."""
    parsed = parse_note(note)
    lines = []
    for s in parsed.signatures:
        if len(s.signature) not in (_ED25519_SIZE, _COSIGNATURE_SIZE):
            raise VerificationError(
                f"signature line of {s.name} is {len(s.signature)} bytes long: neither an"
                " Ed25519 signature nor a cosignature"
            )
        lines.append(SignatureLine(s.name, f"{s.key_id:08x}", _time(s.signature)))
    return lines
