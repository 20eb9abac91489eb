"""Checking a verifier's signed statement offline: the file, the keys, and what to print.

    read_statement(path)                                  the file's text (at most 1 MiB)
    check_statement(text, verifier_key, log_key)          the statement checked, and its lines

Where it sits: pipeline, called by `zerotrail verify statement` (cli/ledger.py); no workspace.
The format and the checks are assurance/statement.py (pure). Keys are their verifier key
texts. Verification fails closed: a statement that does not verify raises VerificationError
(one line); a file that cannot be read raises ZerotrailError naming it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from zerotrail.assurance.statement import MAX_STATEMENT_BYTES, Statement, verify_statement
from zerotrail.model.files import read_limited

__all__ = ["CheckedStatement", "check_statement", "read_statement"]

# Printed as \xNN: the statement's text is the verifier's, and may not drive the terminal or
# break a printed line in two.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _shown(text: str) -> str:
    return _UNPRINTABLE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


@dataclass(frozen=True, slots=True)
class CheckedStatement:
    """A statement that verified, and the lines that say so."""

    statement: Statement
    lines: tuple[str, ...]


def _lines(st: Statement) -> tuple[str, ...]:
    cp = st.checkpoint
    how = (
        "checked against the log key"
        if st.checkpoint_checked
        else "as stated by the verifier, not checked: pass --log-key"
    )
    return tuple(
        _shown(line)
        for line in (
            f"ok: verification statement of {st.organization} {st.year} by {st.verifier},"
            f" signed by {st.signed_by}",
            f"engagement: {st.engagement}",
            f"opinion: {st.opinion}",
            f"level: {st.level}",
            f"date: {st.date}",
            f"checkpoint: {cp.origin} size {cp.size} ({how})",
            f"statement sha256: {st.sha256}",
        )
    )


def read_statement(path: Path) -> str:
    """The statement file's UTF-8 text, read at most 1 MiB (ZerotrailError naming the file)."""
    return read_limited(path, "verification statement", MAX_STATEMENT_BYTES)


def check_statement(text: str, verifier_key: str, log_key: str | None = None) -> CheckedStatement:
    """The statement file's text checked against the verifier's key, and the log's key when
    given (the file must then carry the log's signed checkpoint). VerificationError, one line,
    when it does not verify."""
    st = verify_statement(text, verifier_key, log_key)
    return CheckedStatement(st, _lines(st))
