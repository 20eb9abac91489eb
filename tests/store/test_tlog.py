"""The log's two ways of storing a batch write the same bytes.

A few leaves (a run's two, one record) are inserted as bound lists, so that committing them
needs no Arrow; a large batch goes in as an Arrow table. Each batch below is checked against
rows and node hashes built here by hand from the salts and canonical bytes (RFC 6962 hashes
through `commitment` and `root_hash`), and the two paths against each other.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from zerotrail.ledger.canonical import SALT_BYTES, commitment
from zerotrail.ledger.merkle import root_hash
from zerotrail.store import tlog
from zerotrail.store.workspace import Workspace, open_workspace

# Refs and canonical texts with what a binding could mangle: quotes, non-ASCII, NUL bytes.
N = 600  # two complete 256-leaf subtrees (stored nodes at levels 8 and 9) and a partial one


def ref(i: int) -> str:
    return f"r{i}-'é\"" if i % 7 == 0 else f"r{i}"


def canonical(i: int) -> bytes:
    return b'{"n":%d,"t":"\xc3\xa9\\u0000"}' % i + (b"\x00" if i % 5 == 0 else b"")


def salt(i: int) -> bytes:
    # Fixed salts (NUL and 0xFF bytes included), so two workspaces can hold the same leaves.
    return bytes([i % 256, i >> 8, 0, 255]) + bytes(SALT_BYTES - 4)


def expected_leaves(kind: str, n: int) -> list[tuple[Any, ...]]:
    return [(i, kind, ref(i), 1, salt(i), commitment(salt(i), canonical(i))) for i in range(n)]


def expected_nodes(leaves: list[bytes]) -> list[tuple[int, int, bytes]]:
    """Every complete aligned subtree of 2^level leaves, level >= 8, hashed from the leaves."""
    out = []
    for level in range(tlog.STORED_LEVEL, len(leaves).bit_length()):
        width = 1 << level
        for idx in range(len(leaves) // width):
            out.append((level, idx, root_hash(leaves[idx * width : (idx + 1) * width])))
    return sorted(out)


def stored(ws: Workspace) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    leaves = [
        (int(i), k, r, int(v), bytes(s), bytes(h))
        for i, k, r, v, s, h in ws.fetchall(
            "SELECT idx, kind, ref, version, salt, leaf_hash FROM ledger_leaves ORDER BY idx"
        )
    ]
    nodes = [
        (int(lv), int(ix), bytes(h))
        for lv, ix, h in ws.fetchall("SELECT level, idx, hash FROM ledger_nodes ORDER BY 1, 2")
    ]
    return leaves, nodes


def fixed_salts(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on, `new_salts` hands out salt(0), salt(1), ... in order, across batches."""
    counter = iter(range(10**6))
    monkeypatch.setattr(tlog, "new_salts", lambda n: [salt(next(counter)) for _ in range(n)])


def append_batches(path: Path, batches: list[tuple[int, int]]) -> Workspace:
    ws = open_workspace(str(path), create=True)
    with ws.transaction():
        app = tlog.Appender(ws)
        for a, b in batches:
            app.append(
                "test", [(ref(i), 1) for i in range(a, b)], [canonical(i) for i in range(a, b)]
            )
    return ws


def test_small_batches_store_the_hand_built_leaves_and_nodes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every batch at most LIST_ROWS: all of them take the bound-list path.
    fixed_salts(monkeypatch)
    batches = [(0, 2), (2, 3), (3, 300), (300, N)]
    assert all(b - a <= tlog.LIST_ROWS for a, b in batches)
    with append_batches(tmp_path / "w.duckdb", batches) as ws:
        leaves, nodes = stored(ws)
        want = expected_leaves("test", N)
        assert leaves == want
        hashes = [row[5] for row in want]
        assert nodes == expected_nodes(hashes)
        assert [lv for lv, _, _ in nodes] == [8, 8, 9]
        assert tlog.root(ws) == root_hash(hashes)


def test_a_big_batch_stores_the_same_bytes_as_small_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fixed_salts(monkeypatch)
    with append_batches(tmp_path / "small.duckdb", [(0, 2), (2, N)]) as ws:
        small = stored(ws)
        small_root = tlog.root(ws)
    # The same records again (the salts restart at 0) through Arrow: every batch over the limit.
    fixed_salts(monkeypatch)
    monkeypatch.setattr(tlog, "LIST_ROWS", 1)
    with append_batches(tmp_path / "big.duckdb", [(0, 2), (2, N)]) as ws:
        big = stored(ws)
        assert tlog.root(ws) == small_root
    assert big == small
    assert big[0] == expected_leaves("test", N)


def test_mixed_paths_in_one_log_keep_positions_and_the_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Batches alternate between the two paths; each must continue where the last one ended.
    fixed_salts(monkeypatch)
    monkeypatch.setattr(tlog, "LIST_ROWS", 100)
    with append_batches(tmp_path / "w.duckdb", [(0, 50), (50, 400), (400, 401), (401, N)]) as ws:
        leaves, nodes = stored(ws)
        assert leaves == expected_leaves("test", N)
        assert nodes == expected_nodes([row[5] for row in leaves])


@pytest.mark.parametrize("list_rows", [tlog.LIST_ROWS, 0], ids=["lists", "arrow"])
def test_rows_hashed_by_the_database_land_the_same_either_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, list_rows: int
) -> None:
    # append_query: the database hashes each row with its own fresh salt and hands back Arrow
    # columns, which the list path turns into lists. Each stored leaf must be the commitment of
    # its own record under the salt stored beside it.
    monkeypatch.setattr(tlog, "LIST_ROWS", list_rows)
    with open_workspace(str(tmp_path / "w.duckdb"), create=True) as ws, ws.transaction():
        ws.execute("CREATE TEMP TABLE src (ref VARCHAR, version INTEGER, body VARCHAR)")
        ws.execute(
            "INSERT INTO src SELECT 'q' || i || CASE WHEN i % 3 = 0 THEN '''é' ELSE '' END,"
            " 2, '{\"i\":' || i || '}' FROM range(300) t(i)"
        )
        n = tlog.Appender(ws).append_query(
            "q", "SELECT ref, version, body FROM src ORDER BY rowid", "q.body", 300
        )
        assert n == 300
        leaves, nodes = stored(ws)
        assert [(i, k, r, v) for i, k, r, v, _, _ in leaves] == [
            (i, "q", f"q{i}'é" if i % 3 == 0 else f"q{i}", 2) for i in range(300)
        ]
        for i, _, _, _, s, h in leaves:
            assert len(s) == SALT_BYTES
            assert h == commitment(s, b'{"i":%d}' % i)
        hashes = [row[5] for row in leaves]
        assert nodes == expected_nodes(hashes)
        assert tlog.root(ws) == root_hash(hashes)


def test_committing_a_few_records_needs_no_arrow(tmp_path: Path) -> None:
    # The reason for the list path: a run's leaves must not load pyarrow (and with it pandas),
    # which costs more than the rest of a small calculation. Checked in a fresh interpreter.
    script = f"""
import sys
from zerotrail.store import tlog
from zerotrail.store.workspace import open_workspace
with open_workspace({str(tmp_path / "w.duckdb")!r}, create=True) as ws, ws.transaction():
    tlog.Appender(ws).append("run", [("r1", 1), ("r2", 1)], [b"a", b"b"])
    assert tlog.size(ws) == 2
print(sorted(m for m in ("pyarrow", "pandas", "numpy") if m in sys.modules))
"""
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
