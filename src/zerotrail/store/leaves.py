"""Reading the ledger's leaves by kind: how many of each, and the first of a kind.

Where it sits: store, beside the log itself (store/tlog.py appends the leaves). Read by the demo
stage (pipeline/demo.py), which says what the demo committed and proves its first record.
"""

from __future__ import annotations

from zerotrail.store.database import Workspace


def leaf_counts(ws: Workspace) -> dict[str, int]:
    """The number of leaves of each kind of record in the log."""
    return {
        str(kind): int(n)
        for kind, n in ws.fetchall("SELECT kind, count(*) FROM ledger_leaves GROUP BY kind")
    }


def first_ref(ws: Workspace, kind: str) -> str | None:
    """The record of `kind` whose leaf came first in the log, or None when there is none."""
    ref = ws.scalar("SELECT ref FROM ledger_leaves WHERE kind = ? ORDER BY idx LIMIT 1", [kind])
    return None if ref is None else str(ref)
