"""C2SP tlog-checkpoint: the note text that commits a log to one tree size and root.

Where it sits: after each batch of appends the log formats a `Checkpoint` and signs it as a note
(note.py); witnesses cosign it (witness.py) and proof bundles carry it (proof.py). Readers parse
the text only after `open_note` has verified it: unsigned checkpoint text means nothing.

    <origin>
    <tree size, decimal, no leading zeros>
    <root hash, standard padded base64 of 32 bytes>
    [extension lines, non-empty; allowed when parsing, not recommended when writing]

A checkpoint of size 0 must carry the empty tree's root, SHA-256(""); any other root for size 0
is refused, since it can be the root of no tree.
"""

from __future__ import annotations

from dataclasses import dataclass

from zerotrail.errors import VerificationError
from zerotrail.ledger.encoding import decode_decimal, decode_hash, encode_base64
from zerotrail.ledger.merkle import EMPTY_ROOT, HASH_SIZE, MAX_TREE_SIZE
from zerotrail.ledger.note import check_note_text


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A log's tree head: origin, tree size and root hash, plus any extension lines."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        lines = (self.origin, *self.extensions)
        if not all(isinstance(line, str) and line and "\n" not in line for line in lines):
            raise ValueError("origin and extension lines must be non-empty single lines")
        if not isinstance(self.size, int) or isinstance(self.size, bool):
            raise ValueError("tree size must be an int")
        if not 0 <= self.size <= MAX_TREE_SIZE:
            raise ValueError(f"tree size {self.size} is outside 0 .. 2**64 - 1")
        if not isinstance(self.root, bytes) or len(self.root) != HASH_SIZE:
            raise ValueError("root hash must be 32 bytes")
        if self.size == 0 and self.root != EMPTY_ROOT:
            raise ValueError("a checkpoint of size 0 must carry the empty tree's root")


def format_checkpoint(checkpoint: Checkpoint) -> str:
    """The checkpoint's note text, ending in a newline, ready for `sign_note`."""
    root = encode_base64(checkpoint.root)
    lines = [checkpoint.origin, str(checkpoint.size), root, *checkpoint.extensions]
    text = "".join(line + "\n" for line in lines)
    check_note_text(text)
    return text


def parse_checkpoint(text: str) -> Checkpoint:
    """Parse checkpoint note text strictly; raises `VerificationError` on any deviation."""
    if not isinstance(text, str) or not text.endswith("\n"):
        raise VerificationError("checkpoint text does not end in a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise VerificationError("checkpoint has fewer than three lines")
    if any(line == "" for line in lines):
        raise VerificationError("checkpoint has an empty line")
    origin, size_text, root_text, *extensions = lines
    size = decode_decimal(size_text, "checkpoint size")
    root = decode_hash(root_text, "checkpoint root")
    try:
        checkpoint = Checkpoint(origin, size, root, tuple(extensions))
        check_note_text(text)
    except ValueError as exc:
        raise VerificationError(f"checkpoint: {exc}") from None
    return checkpoint
