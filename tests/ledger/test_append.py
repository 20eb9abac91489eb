"""Appending in batches: what a store does after each import, keeping only the right border."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.ledger import naive
from zerotrail.ledger import (
    EMPTY_ROOT,
    ListSource,
    NodeRun,
    append_leaves,
    compact_root,
    leaf_hash,
    root_hash,
)

LEAVES = [leaf_hash(b"activity row %d" % i) for i in range(2100)]


def all_nodes(runs: tuple[NodeRun, ...]) -> list[tuple[int, int, bytes]]:
    return [row for run in runs for row in run]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 300), max_size=10))
def test_batches_give_the_same_tree_as_one_append(batch_sizes: list[int]) -> None:
    total = sum(batch_sizes)
    leaves = LEAVES[:total]
    one = append_leaves((), 0, leaves)

    border: tuple[bytes, ...] = ()
    size = 0
    persisted: list[tuple[int, int, bytes]] = []
    for count in batch_sizes:
        border, size, runs = append_leaves(border, size, leaves[size : size + count])
        persisted += all_nodes(runs)
        # After every batch the border alone gives the root the definition gives.
        assert compact_root(border) == naive.mth(leaves[:size])

    assert (border, size) == (one.border, one.size)
    # Each aligned node is emitted exactly once, by the batch that completes it.
    assert sorted(persisted) == sorted(all_nodes(one.nodes))
    assert len({(level, index) for level, index, _ in persisted}) == len(persisted)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2100))
def test_emitted_nodes_are_exactly_the_complete_aligned_subtrees(n: int) -> None:
    appended = append_leaves((), 0, LEAVES[:n])
    source = ListSource(LEAVES[:n])
    rows = all_nodes(appended.nodes)
    expected_count = sum(n >> level for level in range(max(n.bit_length(), 1)))
    assert len(rows) == expected_count
    for level, index, digest in rows[:: max(1, len(rows) // 50)]:
        assert digest == naive.mth(LEAVES[index << level : (index + 1) << level])
        assert source.node(level, index) == digest
    # The border is the maximal aligned subtrees, one per set bit of n, largest first.
    assert len(appended.border) == n.bit_count()
    assert compact_root(appended.border) == root_hash(LEAVES[:n]) == naive.mth(LEAVES[:n])


def test_a_larger_tree_in_uneven_batches() -> None:
    leaves = [leaf_hash(i.to_bytes(4, "big")) for i in range(2**16 + 3)]
    border: tuple[bytes, ...] = ()
    size = 0
    for cut in [1, 2, 7, 2**15 - 1, 2**16, 2**16 + 3]:
        border, size, _ = append_leaves(border, size, leaves[size:cut])
    assert compact_root(border) == root_hash(leaves)


def test_appending_nothing_changes_nothing() -> None:
    start = append_leaves((), 0, LEAVES[:5])
    again = append_leaves(start.border, start.size, [])
    assert (again.border, again.size, again.nodes) == (start.border, 5, ())
    assert compact_root(()) == EMPTY_ROOT


def test_runs_list_rows_a_store_can_write() -> None:
    runs = append_leaves((), 0, LEAVES[:3]).nodes
    assert [(run.level, run.start, len(run.hashes)) for run in runs] == [(0, 0, 3), (1, 0, 1)]
    assert list(runs[1]) == [(1, 0, naive.h_node(LEAVES[0], LEAVES[1]))]


@pytest.mark.parametrize(
    ("border", "size", "new"),
    [
        ((), 1, LEAVES[:1]),  # size 1 needs one border hash
        (LEAVES[:2], 1, LEAVES[:1]),
        ((LEAVES[0][:31],), 1, LEAVES[:1]),
        ((), 0, [LEAVES[0], b"short"]),
        ((), 0, [LEAVES[0].hex()]),
        ((), -1, []),
        ((), True, []),
        ((), 2**64 - 1, LEAVES[:1]),  # past 2**64 - 1 (border checked first)
    ],
)
def test_append_refuses_inconsistent_input(border: tuple[bytes, ...], size: int, new: list) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValueError):
        append_leaves(border, size, new)
