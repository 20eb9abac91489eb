"""tlog-tiles paths, which tiles a tree has, and tile bytes (pure; no workspace).

Expected values come from the C2SP tlog-tiles text: index 1234067 is `x001/x234/067`; a tree
of 70,000 leaves has 273 full level-0 tiles, a partial one of width 112, one full level-1 tile,
a partial one of width 17 and a partial level-2 tile of width 1; a tree of 256 has one full
level-0 tile and a partial level-1 tile of width 1.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zerotrail.errors import VerificationError
from zerotrail.ledger.merkle import MAX_TREE_SIZE
from zerotrail.ledger.tiles import (
    MAX_GROUPS,
    Tile,
    TilePathError,
    entry_bundle,
    format_index,
    hash_tile,
    in_tree,
    parse_entry_bundle,
    parse_hash_tile,
    parse_tile_path,
    partial_tiles,
    sizes_with,
    tiles_for_size,
)

tiles = st.builds(
    Tile,
    level=st.integers(0, 63),
    index=st.integers(0, 1000**MAX_GROUPS - 1),
    width=st.integers(1, 256),
)
entry_tiles = st.builds(
    Tile,
    level=st.just(0),
    index=st.integers(0, 1000**MAX_GROUPS - 1),
    width=st.integers(1, 256),
    entries=st.just(True),
)


def test_the_spec_examples() -> None:
    assert format_index(1234067) == "x001/x234/067"
    assert format_index(5) == "005"
    assert format_index(1000) == "x001/000"
    assert Tile(0, 1234067, 5).path == "tile/0/x001/x234/067.p/5"
    assert Tile(0, 3, entries=True).path == "tile/entries/003"
    assert parse_tile_path("tile/entries/x001/000.p/255") == Tile(0, 1000, 255, entries=True)


def test_the_tiles_of_a_tree_of_70000_and_of_256() -> None:
    got = list(tiles_for_size(70_000))
    assert got[:273] == [Tile(0, n) for n in range(273)]
    assert got[273:] == [Tile(0, 273, 112), Tile(1, 0), Tile(1, 1, 17), Tile(2, 0, 1)]
    assert partial_tiles(70_000) == [Tile(0, 273, 112), Tile(1, 1, 17), Tile(2, 0, 1)]
    assert list(tiles_for_size(256)) == [Tile(0, 0), Tile(1, 0, 1)]
    assert list(tiles_for_size(0)) == []


@given(st.one_of(tiles, entry_tiles))
def test_path_round_trip(tile: Tile) -> None:
    assert parse_tile_path(tile.path) == tile


# Text made of the characters paths use, so that near-misses are common.
near_paths = st.lists(
    st.sampled_from(["tile", "entries", "0", "1", "63", "64", "000", "x001", "x000", "007"])
    | st.text(alphabet="0123456789x.p/", max_size=6),
    min_size=1,
    max_size=6,
).map("/".join)


@given(near_paths)
def test_a_tile_has_one_path_only(path: str) -> None:
    # Whatever is accepted is the canonical path of what it parses to: no second name for a
    # tile (a cache keyed by path cannot hold two copies, or two versions, of one tile).
    try:
        tile = parse_tile_path(path)
    except TilePathError:
        return
    assert tile.path == path


@pytest.mark.parametrize(
    "path",
    [
        "",
        "tile",
        "tile/0",
        "tile/entries",
        "tiles/0/000",
        "/tile/0/000",
        "tile/0/000/",
        "tile//000",
        "tile/00/000",  # leading zero in L
        "tile/01/000",
        "tile/64/000",  # L is 0..63
        "tile/-1/000",
        "tile/+1/000",
        "tile/data/000",
        "tile/0/00",  # groups are 3 digits
        "tile/0/0000",
        "tile/0/1a3",
        "tile/0/\u0663\u0663\u0663",  # Arabic-Indic digits: digits to str.isdigit, not ASCII
        "tile/0/ 00",
        "tile/0/x001",  # the last group has no x
        "tile/0/001/002",  # the others must have it
        "tile/0/x000/001",  # a leading zero group: 1 is written 001
        "tile/0/x001/x001/x001/x001/x001/x001/x001/001",  # eight groups: too deep
        "tile/0/000.p/0",  # W is 1..255
        "tile/0/000.p/256",
        "tile/0/000.p/05",
        "tile/0/000.p/",
        "tile/0/000.p",
        "tile/0/000.P/5",
        "tile/0/000.p/5/6",
        "tile/0/000.p/x5",
        "tile/0/../000",
        "tile/../0/000",
        "tile/0/x001/../002",
        "tile/entries/000.p/1.p/2",
        "tile/0/" + "x001/" * 200 + "001",
    ],
)
def test_malformed_paths_are_refused(path: str) -> None:
    with pytest.raises(TilePathError) as err:
        parse_tile_path(path)
    message = str(err.value)
    assert message.startswith("not a tile path") and "\n" not in message and len(message) < 200


def tile_sets(size: int) -> set[Tile]:
    return set(tiles_for_size(size))


@given(st.integers(0, 3_000_000))
def test_the_tiles_of_a_tree_cover_each_level_exactly(size: int) -> None:
    got = list(tiles_for_size(size))
    assert len(got) == len(set(got))
    for level in range(4):
        # The widths at a level add up to the number of complete nodes at tree level 8L.
        assert sum(t.width for t in got if t.level == level) == size >> (8 * level)
    for tile in got:
        assert in_tree(tile, size)
        assert size in sizes_with(tile)
    # At most one partial tile a level, the last one.
    assert partial_tiles(size) == [t for t in got if not t.full]


@given(st.integers(0, 3_000_000), st.integers(0, 3), st.integers(-2, 2), st.integers(1, 256))
def test_in_tree_is_what_sizes_with_says(size: int, level: int, shift: int, width: int) -> None:
    # Tiles at and around the tree's edge at that level, where being in it is decided.
    index = max(0, (size >> (8 * level)) // 256 + shift)
    tile = Tile(level, index, width)
    assert in_tree(tile, size) == (size in sizes_with(tile)) == (tile in tile_sets(size))


@given(st.integers(0, MAX_TREE_SIZE - 1))
def test_sizes_near_the_largest_tree(size: int) -> None:
    for tile in partial_tiles(size) + partial_tiles(size + 1):
        for n in (size, size + 1):
            assert in_tree(tile, n) == (n in sizes_with(tile))


def test_a_partial_tile_belongs_to_a_range_of_sizes() -> None:
    # Level 1, index 1, width 17: 256 + 17 = 273 level-8 nodes, so sizes 273 * 256 = 69,888 up
    # to 274 * 256 - 1 = 70,143 have it.
    assert sizes_with(Tile(1, 1, 17)) == range(69_888, 70_144)
    # Level 0: exactly one size.
    assert sizes_with(Tile(0, 273, 112)) == range(70_000, 70_001)
    assert sizes_with(Tile(0, 0)) == range(256, MAX_TREE_SIZE + 1)
    assert len(sizes_with(Tile(8, 0, 1))) == 0  # level 8 would need 2^64 leaves


def test_hash_tiles_concatenate_hashes() -> None:
    hashes = [bytes([i]) * 32 for i in range(3)]
    data = hash_tile(hashes)
    assert data == b"\x00" * 32 + b"\x01" * 32 + b"\x02" * 32
    assert parse_hash_tile(data, 3) == hashes
    with pytest.raises(VerificationError):
        parse_hash_tile(data, 2)
    for bad in ([], [b"\x00" * 31], [b"\x00" * 32] * 257):
        with pytest.raises(ValueError):
            hash_tile(bad)


def test_entry_bundles_are_uint16_length_prefixed() -> None:
    entries = [b"", b"ab", b"\xff" * 300]
    # 300 = 0x012c.
    assert entry_bundle(entries) == b"\x00\x00" + b"\x00\x02ab" + b"\x01\x2c" + b"\xff" * 300
    with pytest.raises(ValueError):
        entry_bundle([b"x" * 65_536])
    assert len(entry_bundle([b"x" * 65_535])) == 65_537
    for truncated in (b"\x00", b"\x00\x02a"):
        with pytest.raises(VerificationError):
            parse_entry_bundle(truncated, 1)


@given(st.lists(st.binary(max_size=70), min_size=1, max_size=256))
def test_entry_bundle_round_trip(entries: list[bytes]) -> None:
    assert parse_entry_bundle(entry_bundle(entries), len(entries)) == entries
