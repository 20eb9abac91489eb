"""Text encodings shared by the C2SP formats: canonical base64 and canonical decimals.

Where it sits: under note.py, checkpoint.py, witness.py and proof.py, which all write hashes in
standard padded base64 and sizes or indices as ASCII decimals. Each value has exactly one accepted
spelling, so that signed or hashed text cannot be varied without changing what it says.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Final

from zerotrail.errors import VerificationError

_DECIMAL: Final = re.compile(r"0|[1-9][0-9]*")
# 2**64 - 1 has 20 digits; the length check also spares int() a huge string.
_MAX_DIGITS: Final = 20


def encode_base64(raw: bytes) -> str:
    """Standard padded base64 (RFC 4648 §4) as text."""
    return base64.b64encode(raw).decode("ascii")


def decode_base64(text: str, what: str) -> bytes:
    """Decode standard padded base64, accepting only the canonical spelling.

    Without the re-encoding check, several strings decode to the same bytes (non-zero padding
    bits), and a signed text would have more than one accepted form.
    """
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError, TypeError):
        raise VerificationError(f"{what} is not valid base64") from None
    if encode_base64(raw) != text:
        raise VerificationError(f"{what} is not canonical base64")
    return raw


def decode_hash(text: str, what: str) -> bytes:
    """A 32-byte SHA-256 hash in canonical base64."""
    raw = decode_base64(text, what)
    if len(raw) != 32:
        raise VerificationError(f"{what} is {len(raw)} bytes, not a 32-byte hash")
    return raw


def decode_decimal(text: str, what: str, maximum: int = 2**64 - 1) -> int:
    """An ASCII decimal without sign or leading zeros (`0` itself is fine), at most `maximum`."""
    if not isinstance(text, str) or len(text) > _MAX_DIGITS or not _DECIMAL.fullmatch(text):
        raise VerificationError(f"{what} is not a decimal number without leading zeros")
    value = int(text)
    if value > maximum:
        raise VerificationError(f"{what} {value} is larger than {maximum}")
    return value
