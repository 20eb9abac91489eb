"""Reads behind the log's tlog-tiles read path: a run of stored hashes at one tree level, and
whether a checkpoint was signed at a size in a range.

Where it sits: the store side of `pipeline/tiles.py`, beside the log itself (`tlog.py` appends
the leaves and the node hashes of levels >= 8). A tile at level L holds hashes at tree level 8L:
level 0 is `ledger_leaves.leaf_hash`, every higher level is stored in `ledger_nodes`, so any
tile is one range read and no hashing. Read only: nothing here writes.
"""

from __future__ import annotations

from zerotrail.errors import VerificationError
from zerotrail.store.database import Workspace
from zerotrail.store.tlog import STORED_LEVEL

BIGINT_MAX = 2**63 - 1


def hashes(ws: Workspace, level: int, start: int, end: int) -> list[bytes]:
    """The aligned node hashes at tree `level`, indices start..end-1, in index order (level 0:
    the leaf hashes). Levels 1..7 are not stored; a tile never asks for them."""
    if level == 0:
        rows = ws.fetchall(
            "SELECT idx, leaf_hash FROM ledger_leaves WHERE idx >= ? AND idx < ? ORDER BY idx",
            [start, end],
        )
    elif level >= STORED_LEVEL:
        rows = ws.fetchall(
            "SELECT idx, hash FROM ledger_nodes WHERE level = ? AND idx >= ? AND idx < ?"
            " ORDER BY idx",
            [level, start, end],
        )
    else:
        raise ValueError(f"node hashes at level {level} are not stored")
    if [int(i) for i, _ in rows] != list(range(start, end)):
        # Deleted or duplicated behind the ledger's back: no honest tile can be served
        # (`ledger audit` names what changed).
        what = "leaves" if level == 0 else f"nodes at level {level}"
        raise VerificationError(f"ledger {what} {start}..{end - 1} are missing or duplicated")
    return [bytes(h) for _, h in rows]


def checkpointed_between(ws: Workspace, low: int, high: int) -> bool:
    """Whether a checkpoint is stored for some tree size in low..high-1."""
    # Sizes are stored as BIGINT; a range past it (a tile no tree can have) holds none.
    high = min(high, BIGINT_MAX + 1)
    if low >= high:
        return False
    return bool(
        ws.scalar(
            "SELECT count(*) FROM ledger_checkpoints WHERE size >= ? AND size <= ?", [low, high - 1]
        )
    )
