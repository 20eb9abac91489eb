"""RFC 6962 known answers from docs (the spec's table) and the named edge cases of verification."""

from __future__ import annotations

from hashlib import sha256

import pytest

from zerotrail.errors import VerificationError
from zerotrail.ledger import (
    EMPTY_ROOT,
    ListSource,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_hash,
    verify_consistency,
    verify_inclusion,
)

# The classic eight-entry tree of RFC 6962 test suites (entries as hex bytes).
ENTRIES = [
    bytes.fromhex(h)
    for h in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
              "606162636465666768696a6b6c6d6e6f"]
]  # fmt: skip
LEAVES = [leaf_hash(e) for e in ENTRIES]
ROOTS = {
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}
SOURCE = ListSource(LEAVES)


def test_empty_tree_is_sha256_of_nothing() -> None:
    assert root_hash([]).hex() == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    assert EMPTY_ROOT == sha256(b"").digest() == ListSource([]).root()


def test_leaf_and_node_hashes() -> None:
    assert leaf_hash(b"").hex() == (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    )
    assert leaf_hash(b"L123456").hex() == (
        "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"
    )
    assert node_hash(b"N123", b"N456").hex() == (
        "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb"
    )


@pytest.mark.parametrize("n", sorted(ROOTS))
def test_roots_of_the_first_n_entries(n: int) -> None:
    assert root_hash(LEAVES[:n]).hex() == ROOTS[n]
    assert SOURCE.root(n).hex() == ROOTS[n]


# Spec: hashes abbreviated to their first 8 hex digits.
INCLUSION = [
    (0, 8, ["96a296d2", "5f083f0a", "6b47aaf2"]),
    (5, 8, ["bc1a0643", "ca854ea1", "d37ee418"]),
    (2, 3, ["fac54203"]),
]
CONSISTENCY = [
    (6, 8, ["0ebc5d34", "ca854ea1", "d37ee418"]),
    (2, 5, ["5f083f0a", "bc1a0643"]),
    (4, 8, ["6b47aaf2"]),
]


@pytest.mark.parametrize(("index", "size", "expected"), INCLUSION)
def test_inclusion_proofs(index: int, size: int, expected: list[str]) -> None:
    proof = inclusion_proof(index, size, SOURCE)
    assert [h.hex()[:8] for h in proof] == expected
    verify_inclusion(LEAVES[index], index, size, proof, bytes.fromhex(ROOTS[size]))


@pytest.mark.parametrize(("size1", "size2", "expected"), CONSISTENCY)
def test_consistency_proofs(size1: int, size2: int, expected: list[str]) -> None:
    proof = consistency_proof(size1, size2, SOURCE)
    assert [h.hex()[:8] for h in proof] == expected
    root1, root2 = bytes.fromhex(ROOTS[size1]), bytes.fromhex(ROOTS[size2])
    verify_consistency(size1, size2, proof, root1, root2)


def test_single_entry_tree_has_an_empty_inclusion_proof() -> None:
    assert inclusion_proof(0, 1, SOURCE) == []
    verify_inclusion(LEAVES[0], 0, 1, [], LEAVES[0])


# --- size 0 and equal sizes: the decisions in the module docstring -------------------------------

ROOT8 = bytes.fromhex(ROOTS[8])
ROOT6 = bytes.fromhex(ROOTS[6])


def test_nothing_is_included_in_the_empty_tree() -> None:
    with pytest.raises(VerificationError, match="not in a tree of size 0"):
        verify_inclusion(LEAVES[0], 0, 0, [], EMPTY_ROOT)
    with pytest.raises(ValueError):
        inclusion_proof(0, 0, SOURCE)


def test_every_tree_extends_the_empty_tree_with_an_empty_proof() -> None:
    assert consistency_proof(0, 8, SOURCE) == []
    verify_consistency(0, 8, [], EMPTY_ROOT, ROOT8)
    verify_consistency(0, 0, [], EMPTY_ROOT, EMPTY_ROOT)


def test_consistency_from_zero_refuses_a_false_empty_root_or_any_proof() -> None:
    with pytest.raises(VerificationError, match="empty tree"):
        verify_consistency(0, 8, [], ROOT6, ROOT8)
    with pytest.raises(VerificationError, match="expected 0"):
        verify_consistency(0, 8, [LEAVES[0]], EMPTY_ROOT, ROOT8)
    with pytest.raises(VerificationError):
        verify_consistency(0, 0, [], EMPTY_ROOT, ROOT8)


def test_equal_sizes_need_an_empty_proof_and_equal_roots() -> None:
    assert consistency_proof(8, 8, SOURCE) == []
    verify_consistency(8, 8, [], ROOT8, ROOT8)
    with pytest.raises(VerificationError, match="different roots"):
        verify_consistency(8, 8, [], ROOT8, ROOT6)
    with pytest.raises(VerificationError, match="expected 0"):
        verify_consistency(8, 8, [ROOT8], ROOT8, ROOT8)


# --- malformed input fails closed with VerificationError, never another exception -----------------

GOOD = (LEAVES[5], 5, 8, inclusion_proof(5, 8, SOURCE), ROOT8)


@pytest.mark.parametrize(
    ("position", "bad"),
    [
        (0, LEAVES[5][:31]),  # short leaf hash
        (0, LEAVES[5] + b"\0"),  # long leaf hash
        (0, LEAVES[5].hex()),  # str, not bytes
        (0, bytearray(LEAVES[5])),  # bytes-like is not bytes
        (1, -1),
        (1, True),  # bool is not an index
        (1, 5.0),
        (1, 8),  # index == size
        (1, 9),
        (2, 2**64),
        (2, False),
        (3, GOOD[3][:-1]),  # truncated proof
        (3, [*GOOD[3], ROOT8]),  # extended proof
        (3, b"".join(GOOD[3])),  # not a sequence of hashes
        (3, "abc"),
        (3, None),
        (3, [GOOD[3][0], GOOD[3][1], GOOD[3][2][:16]]),
        (3, [GOOD[3][0], GOOD[3][1], None]),
        (4, ROOT8[:-1]),
        (4, None),
    ],
)
def test_malformed_inclusion_arguments(position: int, bad: object) -> None:
    args = list(GOOD)
    args[position] = bad
    with pytest.raises(VerificationError):
        verify_inclusion(*args)  # type: ignore[arg-type]


GOOD_C = (6, 8, consistency_proof(6, 8, SOURCE), ROOT6, ROOT8)


@pytest.mark.parametrize(
    ("position", "bad"),
    [
        (0, 9),  # size1 > size2
        (0, -1),
        (0, True),
        (1, 2**64),
        (1, None),
        (2, []),  # empty proof for different sizes
        (2, GOOD_C[2][:-1]),
        (2, [*GOOD_C[2], ROOT8]),
        (2, (h.hex() for h in GOOD_C[2])),  # a generator is not a sequence
        (3, ROOT6[:16]),
        (4, "root"),
    ],
)
def test_malformed_consistency_arguments(position: int, bad: object) -> None:
    args = list(GOOD_C)
    args[position] = bad
    with pytest.raises(VerificationError):
        verify_consistency(*args)  # type: ignore[arg-type]


def test_proof_generation_refuses_impossible_requests() -> None:
    for bad in [(8, 8), (-1, 8), (True, 8)]:
        with pytest.raises(ValueError):
            inclusion_proof(*bad, SOURCE)
    with pytest.raises(ValueError):
        consistency_proof(9, 8, SOURCE)
    with pytest.raises(IndexError):
        consistency_proof(6, 9, SOURCE)  # the source holds only 8 leaves
