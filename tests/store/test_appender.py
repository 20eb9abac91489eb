"""The Appender: batches land as leaves in order, with the same tree whether they are written
directly or spooled through a file and inserted once; a failed spooled block writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from zerotrail.ledger.canonical import commitment
from zerotrail.ledger.merkle import root_hash
from zerotrail.store import tlog
from zerotrail.store.workspace import Workspace, open_workspace

BATCHES = [(0, 100), (100, 400), (400, 700)]  # the second and third cross stored subtrees


def records(a: int, b: int) -> tuple[list[tuple[str, int]], list[bytes]]:
    return [(f"r{i}", 1) for i in range(a, b)], [b"record %d" % i for i in range(a, b)]


def fill(ws: Workspace, spooled: bool) -> None:
    with ws.transaction():
        if spooled:
            with tlog.Appender.spooled(ws) as app:
                for a, b in BATCHES:
                    app.append("test", *records(a, b))
                # Nothing reaches the table before the block ends.
                assert tlog.size(ws) == 0
        else:
            app = tlog.Appender(ws)
            for a, b in BATCHES:
                app.append("test", *records(a, b))


def check(ws: Workspace) -> None:
    rows = ws.fetchall("SELECT idx, kind, ref, version, salt, leaf_hash FROM ledger_leaves")
    assert [r[0] for r in sorted(rows)] == list(range(700))
    by_idx = {r[0]: r for r in rows}
    for i in range(700):
        _, kind, ref, version, salt, leaf = by_idx[i]
        assert (kind, ref, version) == ("test", f"r{i}", 1)
        # Each leaf is the salted commitment of its own record (not shifted by a batch).
        assert bytes(leaf) == commitment(bytes(salt), b"record %d" % i)
    leaves = [bytes(by_idx[i][5]) for i in range(700)]
    assert tlog.root(ws) == root_hash(leaves)
    # The stored subtrees agree with the leaves: a proof from the store verifies.
    assert tlog.Prover(ws, 700).prove(650)[1] == tlog.inclusion(ws, 650, 700)


@pytest.mark.parametrize("spooled", [False, True])
def test_batches_land_in_order_with_a_consistent_tree(tmp_path: Path, spooled: bool) -> None:
    with open_workspace(str(tmp_path / "w.duckdb"), create=True) as ws:
        fill(ws, spooled)
        check(ws)


def test_a_failed_spooled_block_writes_nothing(tmp_path: Path) -> None:
    with open_workspace(str(tmp_path / "w.duckdb"), create=True) as ws:
        with (
            pytest.raises(RuntimeError),
            ws.transaction(),
            tlog.Appender.spooled(ws) as app,
        ):
            app.append("test", *records(0, 300))
            raise RuntimeError("the import failed half-way")
        assert tlog.size(ws) == 0
        assert ws.scalar("SELECT count(*) FROM ledger_nodes") == 0
