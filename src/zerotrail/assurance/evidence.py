"""The evidence hash a record commits, and whether a file is that evidence.

An activity record's `evidence` field names where its documents are and may carry their
SHA-256 as `sha256:<64 hex digits>` (the import accepts URIs and such hashes, separated by
spaces). The hash is committed with the record, so a file shown later as the record's evidence
is the one the record was entered from only if its SHA-256 is that hash.

Where it sits: assurance, pure; the verification stage and the offline check both use it.
"""

from __future__ import annotations

import hashlib
import re

_HASH = re.compile(r"(?:^|\s)sha256:([0-9a-fA-F]{64})(?=\s|$)")


def committed_sha256(evidence: str) -> str | None:
    """The first `sha256:` hash in a record's evidence text, in lower case; None without one."""
    m = _HASH.search(evidence)
    return m.group(1).lower() if m else None


def file_matches(evidence: str, content: bytes) -> bool:
    """Whether `content` is the evidence the record committed (False when it commits none)."""
    expected = committed_sha256(evidence)
    return expected is not None and hashlib.sha256(content).hexdigest() == expected
