"""The store's Prover: many inclusion proofs against one tree size, each from one block read.

Every proof is checked against the in-memory reference tree (`ListSource`) over the same leaf
hashes, and verified; the sizes cross the stored level (256) many times, end inside a partial
block, and ask for more than 16 blocks at once (the scan path).
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from zerotrail.errors import VerificationError
from zerotrail.ledger.merkle import ListSource, inclusion_proof, verify_inclusion
from zerotrail.store import tlog
from zerotrail.store.workspace import Workspace, open_workspace

N = 5_000  # 19 full blocks of 256 leaves and a partial one of 136


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Any:
    path: Path = tmp_path_factory.mktemp("prover") / "w.duckdb"
    w = open_workspace(str(path), create=True)
    with w.transaction():
        # Two batches, so the second starts in the middle of a block.
        app = tlog.Appender(w)
        app.append("test", [(f"r{i}", 1) for i in range(1_000)], [b"x%d" % i for i in range(1_000)])
        app.append(
            "test", [(f"r{i}", 1) for i in range(1_000, N)], [b"x%d" % i for i in range(1_000, N)]
        )
    yield w
    w.close()


def leaf_hashes(ws: Workspace) -> list[bytes]:
    return [bytes(h) for (h,) in ws.fetchall("SELECT leaf_hash FROM ledger_leaves ORDER BY idx")]


@pytest.mark.parametrize("size", [1, 2, 255, 256, 257, 1_000, 4_096, 4_097, N])
def test_single_proofs_equal_the_reference_tree_and_verify(ws: Workspace, size: int) -> None:
    reference = ListSource(leaf_hashes(ws)[:size])
    root = reference.root()
    prover = tlog.Prover(ws, size)
    for index in {0, size // 2, size - 1, min(255, size - 1), min(256, size - 1)}:
        leaf, proof = prover.prove(index)
        assert leaf == reference.node(0, index)
        assert proof == inclusion_proof(index, size, reference)
        verify_inclusion(leaf, index, size, proof, root)


def test_a_batch_over_many_blocks_equals_single_proofs(ws: Workspace) -> None:
    rng = random.Random(7)
    indices = [rng.randrange(N) for _ in range(200)]  # touches every one of the 20 blocks
    batch = tlog.Prover(ws, N).prove_many(indices)
    single = tlog.Prover(ws, N)
    reference = ListSource(leaf_hashes(ws))
    for index, (leaf, proof) in zip(indices, batch, strict=True):
        assert (leaf, proof) == single.prove(index)
        verify_inclusion(leaf, index, N, proof, reference.root())


def test_a_prover_matches_the_two_query_proof(ws: Workspace) -> None:
    prover = tlog.Prover(ws, N)
    for index in (0, 300, 4_999):
        assert prover.prove(index)[1] == tlog.inclusion(ws, index, N)


def test_a_deleted_leaf_gives_no_valid_proof(tmp_path: Path) -> None:
    w = open_workspace(str(tmp_path / "w.duckdb"), create=True)
    with w.transaction():
        tlog.Appender(w).append(
            "test", [(f"r{i}", 1) for i in range(600)], [b"y%d" % i for i in range(600)]
        )
    root = tlog.root(w, 600)
    w.execute("DELETE FROM ledger_leaves WHERE idx = 10")
    prover = tlog.Prover(w, 600)
    # The leaves after the gap are not shifted into its place: the missing sibling is named,
    # rather than leaf 11's hash standing in for it (which would only fail verification).
    # A failed log check: VerificationError, one line, as every verifier fails.
    with pytest.raises(VerificationError, match=r"leaves 10\.\.10 are missing"):
        prover.prove(11)
    # A leaf of another block still proves against the root signed before the deletion.
    leaf, proof = prover.prove(300)
    verify_inclusion(leaf, 300, 600, proof, root)
    w.close()
