"""RFC 6962 / RFC 9162 Merkle tree hashes, proofs and their verification (SHA-256).

Where it sits: the bottom of the ledger. Every record becomes a leaf; checkpoints (checkpoint.py)
commit to `root_hash` of the leaves; proof bundles (proof.py) and witnesses (witness.py) carry the
inclusion and consistency proofs made and checked here. Nothing here touches storage: a store
persists the aligned node hashes that `append_leaves` returns and answers `HashSource.node`, so a
proof costs O(log n) reads and never a rebuild of the tree.

Vocabulary. Node (level, index) is the root of the perfect subtree over leaves
[index * 2**level, (index + 1) * 2**level); level 0 holds the leaf hashes. Such aligned nodes never
change once complete, which is why a store can keep them. Any other subtree hash the RFC needs is
folded from aligned nodes (`combine`).

Size 0: the empty tree's root is SHA-256("") (`EMPTY_ROOT`). It contains no entry, so no inclusion
proof verifies against it; it is consistent with every tree, with an empty proof, provided the
root claimed for it really is `EMPTY_ROOT`.

Verification fails closed: `verify_inclusion` and `verify_consistency` return None or raise
`VerificationError` (malformed arguments included). Proof generation is not verification: asking
for a proof the tree cannot have (index out of range, size1 > size2) raises `ValueError`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from hashlib import sha256
from typing import Final, NamedTuple, Protocol

from zerotrail.errors import VerificationError

HASH_SIZE: Final = 32
EMPTY_ROOT: Final = sha256(b"").digest()
# Checkpoints carry the size as an unsigned 64-bit number (C2SP tlog-checkpoint).
MAX_TREE_SIZE: Final = 2**64 - 1

_LEAF_PREFIX: Final = b"\x00"
_NODE_PREFIX: Final = b"\x01"

NodeId = tuple[int, int]
"""(level, index): the aligned node over leaves [index << level, (index + 1) << level)."""


# --- hashes -------------------------------------------------------------------------------------


def leaf_hash(data: bytes) -> bytes:
    """MTH({data}) = SHA-256(0x00 || data): the hash of one entry."""
    return sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right): an interior node (the prefixes keep leaves apart)."""
    return sha256(_NODE_PREFIX + left + right).digest()


def combine(pieces: Sequence[bytes]) -> bytes:
    """Fold aligned subtree hashes, listed left to right, into the hash of the range they cover.

    Valid for the ranges RFC 6962 recursion produces (`_range_nodes`): there the largest piece
    comes first and MTH(D[a:b]) = node(first piece, MTH(rest)), so the fold runs from the right.
    """
    if not pieces:
        raise ValueError("nothing to combine")
    acc = pieces[-1]
    for piece in reversed(pieces[:-1]):
        acc = node_hash(piece, acc)
    return acc


def root_hash(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH(D[0:n]) of the given leaf hashes (not data: hash entries with `leaf_hash` first)."""
    return compact_root(append_leaves((), 0, leaf_hashes, collect_nodes=False).border)


def compact_root(border: Sequence[bytes]) -> bytes:
    """The root of a tree given its right border (see `append_leaves`); `EMPTY_ROOT` if empty."""
    return combine(border) if border else EMPTY_ROOT


# --- appending: the compact range a store keeps -------------------------------------------------


@dataclass(frozen=True, slots=True)
class NodeRun:
    """Newly completed aligned nodes at one level: indices start, start + 1, ... in order."""

    level: int
    start: int
    hashes: tuple[bytes, ...]

    def __iter__(self) -> Iterator[tuple[int, int, bytes]]:
        """Yield (level, index, hash) rows, the shape a store writes."""
        for offset, digest in enumerate(self.hashes):
            yield self.level, self.start + offset, digest


class Appended(NamedTuple):
    """What `append_leaves` returns: unpack as (border, size, nodes)."""

    border: tuple[bytes, ...]
    size: int
    nodes: tuple[NodeRun, ...]


def append_leaves(
    right_border: Sequence[bytes],
    size: int,
    new_leaf_hashes: Sequence[bytes],
    *,
    collect_nodes: bool = True,
    keep_from_level: int = 0,
) -> Appended:
    """Append a batch of leaf hashes to a tree known only by its right border.

    The right border of a tree of `size` leaves is the list of its maximal aligned subtrees, one
    per set bit of `size`, largest (leftmost) first: for size 6 = 4 + 2, the nodes (2, 0) and
    (1, 2). It is all a writer needs to keep in memory to extend the tree and compute its root.

    Returns the new border, the new size and, per level from 0 up, the run of aligned nodes that
    this batch completed (level 0 is the new leaves themselves). A store persists those runs; they
    are exactly the nodes `HashSource.node` must later answer (a store that keeps only the levels
    from `keep_from_level` up gets only those). The work is one hash per new node,
    done level by level over whole lists so that the Python overhead per hash stays small.
    """
    _check_size_arg("size", size)
    border = list(right_border)
    if len(border) != size.bit_count():
        raise ValueError(
            f"a tree of size {size} has {size.bit_count()} border hashes, got {len(border)}"
        )
    _check_hash_list("border", border)
    leaves = list(new_leaf_hashes)
    _check_hash_list("new leaf hash", leaves)
    new_size = size + len(leaves)
    if new_size > MAX_TREE_SIZE:
        raise ValueError("tree size would exceed 2**64 - 1")
    # Old border nodes by level: the left partners that new nodes at that level complete.
    left_partner = {
        level: border[position] for position, level in enumerate(_set_bits_high_to_low(size))
    }
    runs: list[NodeRun] = []
    last_new: dict[int, bytes] = {}  # per level, the last node this batch completed
    level, start, row = 0, size, leaves
    while row:
        if collect_nodes and level >= keep_from_level:
            runs.append(NodeRun(level, start, tuple(row)))
        last_new[level] = row[-1]
        if start & 1:
            # The first new node is a right child: pair it with the old border node on its left.
            row = [left_partner[level], *row]
            start -= 1
        # An odd last node stays unpaired: it joins the border until a later append completes it.
        row = [
            sha256(_NODE_PREFIX + left + right).digest()
            for left, right in zip(row[0::2], row[1::2], strict=False)
        ]
        level, start = level + 1, start >> 1
    # The new border's node at level l is (l, (new_size >> l) - 1). If this batch completed any
    # node at level l, it is the last of them; otherwise size and new_size agree from bit l up
    # and the node is the old border's.
    new_border = [
        last_new[lvl] if lvl in last_new else left_partner[lvl]
        for lvl in _set_bits_high_to_low(new_size)
    ]
    return Appended(tuple(new_border), new_size, tuple(runs))


def _set_bits_high_to_low(n: int) -> list[int]:
    return [bit for bit in range(n.bit_length() - 1, -1, -1) if n >> bit & 1]


# --- proof generation over any source of aligned node hashes ------------------------------------


class HashSource(Protocol):
    """Anything that can return an aligned node hash: a store's node table, or `ListSource`."""

    def node(self, level: int, index: int) -> bytes:
        """MTH(D[index << level : (index + 1) << level]), for complete aligned subtrees."""
        ...


class ListSource:
    """An in-memory `HashSource` over a list of leaf hashes: for tests and small logs.

    Every aligned node is computed once, up front, by `append_leaves` (about n hashes).
    """

    __slots__ = ("_levels",)

    def __init__(self, leaf_hashes: Iterable[bytes]) -> None:
        runs = append_leaves((), 0, list(leaf_hashes)).nodes
        self._levels: tuple[tuple[bytes, ...], ...] = tuple(run.hashes for run in runs)

    @property
    def size(self) -> int:
        return len(self._levels[0]) if self._levels else 0

    def node(self, level: int, index: int) -> bytes:
        if 0 <= level < len(self._levels) and 0 <= index < len(self._levels[level]):
            return self._levels[level][index]
        raise IndexError(f"no complete node ({level}, {index}) in a tree of size {self.size}")

    def root(self, size: int | None = None) -> bytes:
        """The root of the first `size` leaves (default: all)."""
        return root_at(self.size if size is None else size, self)


def _largest_power_of_two_below(n: int) -> int:
    # k in RFC 6962: the largest power of two strictly less than n (n >= 2).
    return 1 << ((n - 1).bit_length() - 1)


def _range_nodes(start: int, end: int) -> tuple[NodeId, ...]:
    """The aligned nodes whose `combine` is MTH(D[start:end]), largest first.

    Only for the ranges RFC 6962 recursion visits, where `start` is a multiple of the smallest
    power of two >= end - start: then the binary digits of the range size, high to low, are
    aligned pieces. (MTH(D[k:n]), the right part of a split, is generally such a range and not
    itself an aligned node.)
    """
    pieces = []
    position, remaining = start, end - start
    while remaining:
        level = remaining.bit_length() - 1
        assert position % (1 << level) == 0, "range not reachable by RFC 6962 recursion"
        pieces.append((level, position >> level))
        position += 1 << level
        remaining -= 1 << level
    return tuple(pieces)


def inclusion_proof_nodes(index: int, size: int) -> list[tuple[NodeId, ...]]:
    """PATH(index, D[0:size]) as aligned nodes: one tuple per proof hash, leaf sibling first.

    Fetch every listed node (in one query, for a database) and `combine` each tuple.
    """
    _check_size_arg("size", size)
    _check_size_arg("index", index)
    if index >= size:
        raise ValueError(f"index {index} is not in a tree of size {size}")
    # PATH recursion, iterated from the root: each step's sibling goes after the inner path.
    outer_first = []
    low, high = 0, size
    while high - low > 1:
        k = _largest_power_of_two_below(high - low)
        if index < low + k:
            outer_first.append(_range_nodes(low + k, high))
            high = low + k
        else:
            outer_first.append(_range_nodes(low, low + k))
            low += k
    return outer_first[::-1]


def consistency_proof_nodes(size1: int, size2: int) -> list[tuple[NodeId, ...]]:
    """SUBPROOF(size1, D[0:size2], true) as aligned nodes; empty when size1 is 0 or size2."""
    _check_size_arg("size1", size1)
    _check_size_arg("size2", size2)
    if size1 > size2:
        raise ValueError(f"size1 {size1} is larger than size2 {size2}")
    if size1 == 0 or size1 == size2:
        return []
    outer_first = []
    m, low, high, whole = size1, 0, size2, True
    while True:
        n = high - low
        if m == n:
            if not whole:
                outer_first.append(_range_nodes(low, high))
            break
        k = _largest_power_of_two_below(n)
        if m <= k:
            outer_first.append(_range_nodes(low + k, high))
            high = low + k
        else:
            outer_first.append(_range_nodes(low, low + k))
            low, m, whole = low + k, m - k, False
    return outer_first[::-1]


def inclusion_proof(index: int, size: int, source: HashSource) -> list[bytes]:
    """The RFC 6962 inclusion proof of entry `index` in the tree of the first `size` leaves."""
    return _resolve(inclusion_proof_nodes(index, size), source)


def consistency_proof(size1: int, size2: int, source: HashSource) -> list[bytes]:
    """The RFC 6962 consistency proof from the tree of size1 leaves to the tree of size2."""
    return _resolve(consistency_proof_nodes(size1, size2), source)


def root_at(size: int, source: HashSource) -> bytes:
    """MTH(D[0:size]) from at most log2(size) + 1 aligned nodes."""
    _check_size_arg("size", size)
    if size == 0:
        return EMPTY_ROOT
    return combine([source.node(level, index) for level, index in _range_nodes(0, size)])


def _resolve(plan: list[tuple[NodeId, ...]], source: HashSource) -> list[bytes]:
    return [combine([source.node(level, index) for level, index in ids]) for ids in plan]


# --- verification (RFC 9162 §2.1.3.2 and §2.1.4.2) ----------------------------------------------


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that `leaf_hash` is entry `index` of the tree of `size` leaves with root `root`.

    Returns None or raises `VerificationError`.
    """
    _require_hash("leaf hash", leaf_hash)
    _require_hash("root", root)
    _require_size("index", index)
    _require_size("size", size)
    if index >= size:
        raise VerificationError(f"index {index} is not in a tree of size {size}")
    path = _require_proof(proof, _inclusion_length(index, size))
    # RFC 9162 §2.1.3.2, step by step; fn walks the entry's position, sn the last entry's.
    fn, sn = index, size - 1
    r = leaf_hash
    for p in path:
        if sn == 0:
            raise VerificationError("inclusion proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise VerificationError("inclusion proof is shorter than the tree is deep")
    if r != root:
        raise VerificationError("inclusion proof does not lead to the root")


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """Check that the tree of size1 leaves with root1 is a prefix of the tree (size2, root2).

    Equal sizes need an empty proof and equal roots. From size 0 the proof must be empty and
    root1 must be `EMPTY_ROOT` (root2 is then unconstrained: every tree extends the empty one).
    Returns None or raises `VerificationError`.
    """
    _require_hash("root1", root1)
    _require_hash("root2", root2)
    _require_size("size1", size1)
    _require_size("size2", size2)
    if size1 > size2:
        raise VerificationError(f"size1 {size1} is larger than size2 {size2}")
    if size1 == 0 and root1 != EMPTY_ROOT:
        raise VerificationError("root1 is not the root of the empty tree")
    if size1 == size2:
        _require_proof(proof, 0)
        if root1 != root2:
            raise VerificationError("equal sizes with different roots")
        return
    if size1 == 0:
        _require_proof(proof, 0)
        return
    path = _require_proof(proof, _consistency_length(size1, size2))
    # RFC 9162 §2.1.4.2. When size1 is a power of two its root is itself a node of the new tree
    # and the proof omits it; put it back in front.
    if size1 & (size1 - 1) == 0:
        path = [root1, *path]
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise VerificationError("consistency proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise VerificationError("consistency proof is shorter than the tree is deep")
    if fr != root1:
        raise VerificationError("consistency proof does not lead to root1")
    if sr != root2:
        raise VerificationError("consistency proof does not lead to root2")


def _inclusion_length(index: int, size: int) -> int:
    # Below the highest bit where index and the last index differ, every level contributes a
    # sibling; above it the path runs down the right border, one hash per set bit of index.
    inner = (index ^ (size - 1)).bit_length()
    return inner + (index >> inner).bit_count()


def _consistency_length(size1: int, size2: int) -> int:
    # The inclusion path of the old tree's last entry, minus the levels inside the old tree's
    # rightmost perfect subtree (whose root stands in for them), plus that root itself unless
    # size1 is a power of two (then the verifier already has it: it is root1).
    shift = (size1 & -size1).bit_length() - 1
    length = _inclusion_length(size1 - 1, size2) - shift
    return length if size1 == 1 << shift else length + 1


def _require_hash(what: str, value: object) -> None:
    if not isinstance(value, bytes):
        raise VerificationError(f"{what} is {type(value).__name__}, not bytes")
    if len(value) != HASH_SIZE:
        raise VerificationError(f"{what} has {len(value)} bytes, not {HASH_SIZE}")


def _require_size(what: str, value: object) -> None:
    # bool is an int in Python; a True index is a bug, not entry 1.
    if not isinstance(value, int) or isinstance(value, bool):
        raise VerificationError(f"{what} is {type(value).__name__}, not int")
    if not 0 <= value <= MAX_TREE_SIZE:
        raise VerificationError(f"{what} {value} is outside 0 .. 2**64 - 1")


def _require_proof(proof: object, expected: int) -> list[bytes]:
    if isinstance(proof, str | bytes | bytearray | memoryview) or not isinstance(proof, Sequence):
        raise VerificationError(f"proof is {type(proof).__name__}, not a sequence of hashes")
    if len(proof) != expected:
        raise VerificationError(f"proof has {len(proof)} hashes, expected {expected}")
    for position, item in enumerate(proof):
        _require_hash(f"proof hash {position}", item)
    return list(proof)


def _check_size_arg(what: str, value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{what} must be an int, got {type(value).__name__}")
    if not 0 <= value <= MAX_TREE_SIZE:
        raise ValueError(f"{what} {value} is outside 0 .. 2**64 - 1")


def _check_hash_list(what: str, hashes: list[bytes]) -> None:
    # Set-of-types and set-of-lengths run at C speed: cheap even for a million leaves.
    if hashes and (set(map(type, hashes)) != {bytes} or set(map(len, hashes)) != {HASH_SIZE}):
        raise ValueError(f"every {what} must be {HASH_SIZE} bytes")
