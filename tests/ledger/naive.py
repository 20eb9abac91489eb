"""A deliberately naive model of RFC 6962 §2.1, written straight from the definitions.

The property tests compare the ledger's O(log n) proof generation and RFC 9162 bit-shifting
verifiers against these recursions over whole lists. Slow on purpose: no shortcuts to share bugs.
"""

from __future__ import annotations

from collections.abc import Sequence
from hashlib import sha256


def h_node(left: bytes, right: bytes) -> bytes:
    return sha256(b"\x01" + left + right).digest()


def split(n: int) -> int:
    """k: the largest power of two strictly less than n."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[0:n]) over leaf hashes."""
    if not leaves:
        return sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = split(len(leaves))
    return h_node(mth(leaves[:k]), mth(leaves[k:]))


def path(m: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[0:n])."""
    n = len(leaves)
    if n == 1:
        return []
    k = split(n)
    if m < k:
        return [*path(m, leaves[:k]), mth(leaves[k:])]
    return [*path(m - k, leaves[k:]), mth(leaves[:k])]


def subproof(m: int, leaves: Sequence[bytes], whole: bool) -> list[bytes]:
    """SUBPROOF(m, D[0:n], b)."""
    n = len(leaves)
    if m == n:
        return [] if whole else [mth(leaves)]
    k = split(n)
    if m <= k:
        return [*subproof(m, leaves[:k], whole), mth(leaves[k:])]
    return [*subproof(m - k, leaves[k:], False), mth(leaves[:k])]


def proof_of_consistency(m: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[0:n]) = SUBPROOF(m, D[0:n], true), for 0 < m < n."""
    return subproof(m, leaves, True)


def root_from_path(leaf: bytes, m: int, n: int, proof: Sequence[bytes]) -> bytes | None:
    """Fold an inclusion proof along the tree shape PATH(m, D[0:n]) implies; None if it can't."""
    if n == 1:
        return None if proof else leaf
    if not proof:
        return None
    k = split(n)
    *inner, sibling = proof
    if m < k:
        sub = root_from_path(leaf, m, k, inner)
        return None if sub is None else h_node(sub, sibling)
    sub = root_from_path(leaf, m - k, n - k, inner)
    return None if sub is None else h_node(sibling, sub)


def naive_inclusion_ok(leaf: bytes, m: int, n: int, proof: Sequence[bytes], root: bytes) -> bool:
    if not 0 <= m < n:
        return False
    return root_from_path(leaf, m, n, proof) == root


def roots_from_subproof(
    m: int, n: int, proof: Sequence[bytes], whole: bool, root1: bytes
) -> tuple[bytes, bytes] | None:
    """Fold a consistency proof along the shape SUBPROOF(m, D[0:n], b) implies.

    Returns (hash of the old tree's part, hash of the new tree's part) of this subtree.
    """
    if m == n:
        if whole:
            return None if proof else (root1, root1)
        return (proof[0], proof[0]) if len(proof) == 1 else None
    if not proof:
        return None
    k = split(n)
    *inner, last = proof
    if m <= k:
        sub = roots_from_subproof(m, k, inner, whole, root1)
        return None if sub is None else (sub[0], h_node(sub[1], last))
    sub = roots_from_subproof(m - k, n - k, inner, False, root1)
    return None if sub is None else (h_node(last, sub[0]), h_node(last, sub[1]))


def naive_consistency_ok(
    m: int, n: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> bool:
    """Only for 0 < m < n; the edge cases are tested by name."""
    assert 0 < m < n
    return roots_from_subproof(m, n, proof, True, root1) == (root1, root2)
