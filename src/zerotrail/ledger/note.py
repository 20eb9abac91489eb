"""C2SP signed-note: Ed25519 keys, key strings, signing and opening notes.

Where it sits: checkpoints (checkpoint.py) are the text of signed notes; the log signs them with a
`Signer` and every reader opens them with the `Verifier` keys it trusts, obtained out of band.
Witness cosignatures (cosignature.py) are note signatures too, of type 0x04, made with the same
`Signer`/`Verifier` values; `open_note` handles type 0x01 and leaves 0x04 lines to
`verify_cosignatures`, each treating the other's lines as signatures from unknown keys.

Key strings:
    verifier  <name>+<8 hex key ID>+<base64(type || 32-byte public key)>
    signer    PRIVATE+KEY+<name>+<8 hex key ID>+<base64(type || 32-byte Ed25519 seed)>
The signer form is Go's (golang.org/x/mod/sumdb/note) for type 0x01; we use the same form for
type 0x04 witness keys, which that package does not define.

Parsing and verifying (`parse_*`, `open_note`) raise only `VerificationError`; constructing or
signing with bad arguments raises `ValueError` (a bug in the caller, not untrusted input).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from hashlib import sha256
from typing import Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from zerotrail.errors import VerificationError
from zerotrail.ledger.encoding import decode_base64, encode_base64

ED25519: Final = 0x01
"""Signature type of plain Ed25519 note signatures (C2SP signed-note)."""
COSIGNATURE_V1: Final = 0x04
"""Signature type of timestamped Ed25519 witness cosignatures (C2SP tlog-cosignature)."""
KEY_TYPES: Final = frozenset({ED25519, COSIGNATURE_V1})

# The spec asks verifiers to cap signatures and to accept at least 16; Go's note package caps at
# 100. Checking more than that is work an attacker chooses for us.
MAX_SIGNATURES: Final = 100
SIGNATURE_PREFIX: Final = "— "  # U+2014 EM DASH, then a space
_PRIVATE_PREFIX: Final = "PRIVATE+KEY+"
_CONTROL: Final = re.compile(r"[\x00-\x09\x0b-\x1f]")
_ED25519_KEY_SIZE: Final = 32
_ED25519_SIGNATURE_SIZE: Final = 64


def key_id(name: str, key_type: int, public_key: bytes) -> int:
    """SHA-256(name || 0x0A || type || public key)[:4] as a big-endian uint32."""
    digest = sha256(name.encode() + b"\n" + bytes([key_type]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


def is_valid_name(name: object) -> bool:
    """Key names are non-empty, without Unicode spaces or '+', and printable in a note."""
    return (
        isinstance(name, str)
        and name != ""
        and not any(ch.isspace() or ch == "+" or ch < " " for ch in name)
        and _is_utf8(name)
    )


@dataclass(frozen=True, slots=True)
class Verifier:
    """A public key a reader trusts: name, signature type and 32-byte Ed25519 public key."""

    name: str
    key_type: int
    public_key: bytes

    def __post_init__(self) -> None:
        if not is_valid_name(self.name):
            raise ValueError(f"invalid key name {self.name!r}")
        if self.key_type not in KEY_TYPES:
            raise ValueError(f"unsupported key type {self.key_type!r}")
        if not isinstance(self.public_key, bytes) or len(self.public_key) != _ED25519_KEY_SIZE:
            raise ValueError("an Ed25519 public key is 32 bytes")

    @property
    def key_id(self) -> int:
        return key_id(self.name, self.key_type, self.public_key)

    def verify(self, message: bytes, signature: bytes) -> bool:
        """True if `signature` is this key's Ed25519 signature of `message`."""
        if len(signature) != _ED25519_SIGNATURE_SIZE:
            return False
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True

    def __str__(self) -> str:
        return format_verifier_key(self)


@dataclass(frozen=True, slots=True)
class Signer:
    """A private key: name, signature type and 32-byte Ed25519 seed (never shown in repr)."""

    name: str
    key_type: int
    seed: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not is_valid_name(self.name):
            raise ValueError(f"invalid key name {self.name!r}")
        if self.key_type not in KEY_TYPES:
            raise ValueError(f"unsupported key type {self.key_type!r}")
        if not isinstance(self.seed, bytes) or len(self.seed) != _ED25519_KEY_SIZE:
            raise ValueError("an Ed25519 seed is 32 bytes")

    @property
    def public_key(self) -> bytes:
        return Ed25519PrivateKey.from_private_bytes(self.seed).public_key().public_bytes_raw()

    @property
    def key_id(self) -> int:
        return key_id(self.name, self.key_type, self.public_key)

    def verifier(self) -> Verifier:
        return Verifier(self.name, self.key_type, self.public_key)

    def sign(self, message: bytes) -> bytes:
        """The raw 64-byte Ed25519 signature of `message`."""
        return Ed25519PrivateKey.from_private_bytes(self.seed).sign(message)


def generate_signer(name: str, key_type: int = ED25519) -> tuple[str, str]:
    """A fresh key pair as (signer key string, verifier key string)."""
    signer = Signer(name, key_type, os.urandom(_ED25519_KEY_SIZE))
    return format_signer_key(signer), format_verifier_key(signer.verifier())


def format_verifier_key(verifier: Verifier) -> str:
    material = encode_base64(bytes([verifier.key_type]) + verifier.public_key)
    return f"{verifier.name}+{verifier.key_id:08x}+{material}"


def format_signer_key(signer: Signer) -> str:
    material = encode_base64(bytes([signer.key_type]) + signer.seed)
    return f"{_PRIVATE_PREFIX}{signer.name}+{signer.key_id:08x}+{material}"


def parse_verifier_key(text: str) -> Verifier:
    """Parse `<name>+<hex key ID>+<base64(type || public key)>`; the key ID must match."""
    # Names and key IDs hold no '+', but base64 may: split twice only.
    parts = text.split("+", 2) if isinstance(text, str) else []
    if len(parts) != 3:
        raise VerificationError("verifier key is not <name>+<key ID>+<key>")
    name, hex_id, material = parts
    key_type, key = _parse_key_material(material)
    try:
        verifier = Verifier(name, key_type, key)
    except ValueError as exc:
        raise VerificationError(f"verifier key: {exc}") from None
    _check_key_id(hex_id, verifier.key_id)
    return verifier


def parse_signer_key(text: str) -> Signer:
    """Parse `PRIVATE+KEY+<name>+<hex key ID>+<base64(type || seed)>`; the key ID must match."""
    if not isinstance(text, str) or not text.startswith(_PRIVATE_PREFIX):
        raise VerificationError("signer key does not start with PRIVATE+KEY+")
    parts = text[len(_PRIVATE_PREFIX) :].split("+", 2)
    if len(parts) != 3:
        raise VerificationError("signer key is not PRIVATE+KEY+<name>+<key ID>+<key>")
    name, hex_id, material = parts
    key_type, seed = _parse_key_material(material)
    try:
        signer = Signer(name, key_type, seed)
    except ValueError as exc:
        raise VerificationError(f"signer key: {exc}") from None
    _check_key_id(hex_id, signer.key_id)
    return signer


def _parse_key_material(material: str) -> tuple[int, bytes]:
    raw = decode_base64(material, "key")
    if len(raw) != 1 + _ED25519_KEY_SIZE or raw[0] not in KEY_TYPES:
        raise VerificationError("key is not a supported type byte and 32 bytes")
    return raw[0], raw[1:]


def _check_key_id(hex_id: str, expected: int) -> None:
    if len(hex_id) != 8 or any(ch not in "0123456789abcdefABCDEF" for ch in hex_id):
        raise VerificationError("key ID is not 8 hex digits")
    if int(hex_id, 16) != expected:
        raise VerificationError("key ID does not match the key name and key")


# --- notes --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NoteSignature:
    """One signature line: key name, key ID and the bytes after the key ID."""

    name: str
    key_id: int
    signature: bytes


@dataclass(frozen=True, slots=True)
class ParsedNote:
    """A note split into its text and signature lines; nothing is verified yet."""

    text: str
    signatures: tuple[NoteSignature, ...]


@dataclass(frozen=True, slots=True)
class NoteVerified:
    """An opened note: its text, the trusted keys whose signatures verified, and the rest."""

    text: str
    verifiers: tuple[Verifier, ...]
    unknown: tuple[NoteSignature, ...]


def parse_note(note: str) -> ParsedNote:
    """Split a note at its last blank line and parse the signature lines. Verifies nothing."""
    if not isinstance(note, str):
        raise VerificationError(f"note is {type(note).__name__}, not str")
    _require_note_characters(note, "note")
    split = note.rfind("\n\n")
    if split < 0:
        raise VerificationError("note has no blank line before its signatures")
    text, block = note[: split + 1], note[split + 2 :]
    if not block.endswith("\n"):
        raise VerificationError("note does not end with a signature line and newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise VerificationError(f"note has more than {MAX_SIGNATURES} signature lines")
    return ParsedNote(text, tuple(parse_signature_line(line) for line in lines))


def parse_signature_line(line: str) -> NoteSignature:
    """Parse `— <name> <base64(key ID || signature)>` (without its newline)."""
    if not line.startswith(SIGNATURE_PREFIX):
        raise VerificationError("signature line does not start with '— '")
    name, space, encoded = line[len(SIGNATURE_PREFIX) :].partition(" ")
    if not space or not is_valid_name(name):
        raise VerificationError("signature line has no valid key name")
    raw = decode_base64(encoded, "signature")
    if len(raw) < 5:
        raise VerificationError("signature is shorter than a key ID and one byte")
    return NoteSignature(name, int.from_bytes(raw[:4], "big"), raw[4:])


def format_signature_line(name: str, key_id: int, signature: bytes) -> str:
    """`— <name> <base64(key ID || signature)>` and a newline."""
    return f"{SIGNATURE_PREFIX}{name} {encode_base64(key_id.to_bytes(4, 'big') + signature)}\n"


def sign_note(text: str, signers: Sequence[Signer]) -> str:
    """Sign `text` (which must end in a newline) with Ed25519 note keys (type 0x01)."""
    check_note_text(text)
    if not signers:
        raise ValueError("sign_note needs at least one signer")
    lines = []
    for signer in signers:
        if signer.key_type != ED25519:
            raise ValueError(f"{signer.name} is not an Ed25519 note key (type 0x01)")
        lines.append(format_signature_line(signer.name, signer.key_id, signer.sign(text.encode())))
    return text + "\n" + "".join(lines)


def open_note(note: str, verifiers: Sequence[Verifier]) -> NoteVerified:
    """Verify a note against trusted Ed25519 note keys and return its text.

    Lines from unknown keys (another name or key ID) are ignored; every line from a known key
    must verify, or the whole note is rejected; at least one known key must have signed.
    """
    known = known_keys(verifiers, ED25519)
    parsed = parse_note(note)
    message = parsed.text.encode()
    signed: dict[Verifier, None] = {}
    unknown = []
    for sig in parsed.signatures:
        verifier = known.get((sig.name, sig.key_id))
        if verifier is None:
            unknown.append(sig)
        elif verifier.verify(message, sig.signature):
            signed[verifier] = None
        else:
            raise VerificationError(f"signature by {sig.name} does not verify")
    if not signed:
        raise VerificationError("note has no signature from a trusted key")
    return NoteVerified(parsed.text, tuple(signed), tuple(unknown))


def known_keys(verifiers: Sequence[Verifier], key_type: int) -> dict[tuple[str, int], Verifier]:
    """Trusted keys by (name, key ID); refuses empty, mistyped or ambiguous key sets."""
    if isinstance(verifiers, Verifier) or not verifiers:
        raise VerificationError("no trusted keys given")
    known: dict[tuple[str, int], Verifier] = {}
    for verifier in verifiers:
        if not isinstance(verifier, Verifier) or verifier.key_type != key_type:
            raise VerificationError(f"trusted key {verifier} is not of type 0x{key_type:02x}")
        other = known.setdefault((verifier.name, verifier.key_id), verifier)
        if other != verifier:
            raise VerificationError(f"two trusted keys share name and key ID: {verifier.name}")
    return known


def check_note_text(text: str) -> None:
    """Raise ValueError unless `text` can be the text of a signed note."""
    if not isinstance(text, str) or not text.endswith("\n"):
        raise ValueError("note text must be a str ending in a newline")
    try:
        _require_note_characters(text, "note text")
    except VerificationError as exc:
        raise ValueError(str(exc)) from None


def _require_note_characters(text: str, what: str) -> None:
    # The spec forbids ASCII control characters other than newline, and requires UTF-8 (a str
    # can hold lone surrogates, which do not encode).
    if not _is_utf8(text):
        raise VerificationError(f"{what} is not valid UTF-8")
    if _CONTROL.search(text):
        raise VerificationError(f"{what} contains a control character")


def _is_utf8(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True
