"""The tlog-tiles read path on a real workspace: the tiles hold the tree's hashes, a client can
rebuild the signed roots and proofs from them alone, and nothing unsigned is served.

One workspace is built for the module: leaf hashes made here (`leaf_hash(b"entry <i>")`, so the
expected tiles come from this file's list, not from the store's tables), checkpoints signed at
sizes 300, 400 and 70,000 (the spec's own example size: 273 full level-0 tiles, a partial one of
width 112, one full level-1 tile, a partial one of width 17, a partial level-2 tile of width 1),
then 500 more leaves that no checkpoint covers. Every test reads it opened read-only, so any
write the read path tried would fail.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest

from zerotrail.errors import VerificationError
from zerotrail.ledger.checkpoint import Checkpoint, parse_checkpoint
from zerotrail.ledger.merkle import (
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_at,
    root_hash,
    verify_inclusion,
)
from zerotrail.ledger.note import generate_signer, open_note, parse_signer_key, parse_verifier_key
from zerotrail.ledger.tiles import Tile, parse_entry_bundle, parse_hash_tile
from zerotrail.pipeline.tiles import TileNotFoundError, TilePathError, checkpoint_text, read_tile
from zerotrail.store import checkpoints, tlog
from zerotrail.store.workspace import Workspace, open_workspace

CHECKPOINTED = (300, 400, 70_000)
STORED = 70_500
LEAVES = [leaf_hash(b"entry %d" % i) for i in range(STORED)]
SIGNER, VERIFIER = generate_signer("log.example/tiles")


def append(ws: Workspace, start: int, end: int) -> None:
    table = pa.table(
        {
            "ref": [f"r{i}" for i in range(start, end)],
            "version": pa.array([1] * (end - start), pa.int32()),
            "salt": [bytes(32)] * (end - start),
            "leaf_hash": LEAVES[start:end],
        }
    )
    with ws.transaction():
        tlog.Appender(ws).append_hashed("test", table)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[int, str]]:
    """The workspace file and the checkpoint note signed at each checkpointed size."""
    path = tmp_path_factory.mktemp("tiles") / "w.duckdb"
    notes = {}
    with open_workspace(str(path), create=True) as ws:
        done = 0
        for size in (*CHECKPOINTED, STORED):
            append(ws, done, size)
            done = size
            if size in CHECKPOINTED:
                notes[size] = checkpoints.sign_checkpoint(ws, parse_signer_key(SIGNER)).note
    return path, notes


@pytest.fixture
def ws(built: tuple[Path, dict[int, str]]) -> Iterator[Workspace]:
    with open_workspace(str(built[0]), read_only=True) as opened:
        yield opened


def signed(note: str) -> Checkpoint:
    return parse_checkpoint(open_note(note, [parse_verifier_key(VERIFIER)]).text)


def level1(i: int) -> bytes:
    """Hash i of the level-1 tiles: MTH of leaves 256i..256i+255 (tlog-tiles' definition)."""
    return root_hash(LEAVES[256 * i : 256 * (i + 1)])


def test_checkpoint_is_the_latest_signed_note(
    ws: Workspace, built: tuple[Path, dict[int, str]]
) -> None:
    text = checkpoint_text(ws)
    assert text == built[1][70_000]
    cp = signed(text)
    # The signed root is the RFC 6962 root of the first 70,000 leaves made here, although the
    # log holds 70,500.
    assert (cp.size, cp.root) == (70_000, root_hash(LEAVES[:70_000]))


def test_level0_and_level1_tiles_hold_the_merkle_hashes(ws: Workspace) -> None:
    for n in range(273):  # every full level-0 tile: 273 * 256 = 69,888 <= 70,000
        data = read_tile(ws, Tile(0, n).path)
        assert data == b"".join(LEAVES[256 * n : 256 * (n + 1)]), n
    # 70,000 - 69,888 = 112 leaves in the partial level-0 tile.
    assert read_tile(ws, "tile/0/273.p/112") == b"".join(LEAVES[69_888:70_000])
    # Level 1: 70,000 // 256 = 273 hashes: one full tile (256) and a partial one of 17.
    assert read_tile(ws, "tile/1/000") == b"".join(level1(i) for i in range(256))
    assert read_tile(ws, "tile/1/001.p/17") == b"".join(level1(i) for i in range(256, 273))
    # Level 2: 70,000 // 65,536 = 1 hash, the MTH of the first 65,536 leaves.
    assert read_tile(ws, "tile/2/000.p/1") == root_hash(LEAVES[:65_536])


def test_partial_tiles_of_older_checkpoints_are_served(ws: Workspace) -> None:
    # Size 300: tile 1 of level 0 held 300 - 256 = 44 leaves, level 1 one hash; size 400: 144.
    assert read_tile(ws, "tile/0/001.p/44") == b"".join(LEAVES[256:300])
    assert read_tile(ws, "tile/0/001.p/144") == b"".join(LEAVES[256:400])
    assert read_tile(ws, "tile/1/000.p/1") == level1(0)
    assert read_tile(ws, "tile/entries/001.p/44") == b"".join(
        b"\x00\x20" + h for h in LEAVES[256:300]
    )


def test_entry_bundles_are_the_length_prefixed_leaf_hashes(ws: Workspace) -> None:
    data = read_tile(ws, "tile/entries/000")
    # 256 entries of 2 + 32 bytes; each prefix is 32 as a big-endian uint16.
    assert len(data) == 256 * 34
    assert data[:34] == b"\x00\x20" + LEAVES[0]
    assert parse_entry_bundle(data, 256) == LEAVES[:256]
    # The bundle's entries are exactly the level-0 tile's hashes (no leaf data, no salt).
    partial = parse_entry_bundle(read_tile(ws, "tile/entries/273.p/112"), 112)
    assert partial == parse_hash_tile(read_tile(ws, "tile/0/273.p/112"), 112)
    assert bytes(32) not in partial  # the stored salts (zeros here) are never served


class TileClient:
    """A client that knows only a checkpoint's size and fetches tiles, as Go's TileHashReader
    does: node (level, index) with level = 8L + r is the root of the 2^r hashes of the level-L
    tile below it, read from the tile of the width the tree size gives."""

    def __init__(self, ws: Workspace, size: int) -> None:
        self.ws, self.size = ws, size
        self.fetched: set[str] = set()

    def node(self, level: int, index: int) -> bytes:
        tile_level, r = divmod(level, 8)
        first = index << r  # first hash of this node among the tile level's hashes
        n = first // 256
        count = self.size >> (8 * tile_level)
        width = min(256, count - 256 * n)
        tile = Tile(tile_level, n, width)
        self.fetched.add(tile.path)
        hashes = parse_hash_tile(read_tile(self.ws, tile.path), width)
        return root_hash_of_hashes(hashes[first - 256 * n : first - 256 * n + (1 << r)])


def root_hash_of_hashes(hashes: list[bytes]) -> bytes:
    """MTH over hashes taken as already-hashed leaves: the subtree a tile's run of 2^r spans."""
    while len(hashes) > 1:
        hashes = [node_hash(a, b) for a, b in zip(hashes[0::2], hashes[1::2], strict=True)]
    return hashes[0]


@pytest.mark.parametrize("size", CHECKPOINTED)
def test_a_client_rebuilds_signed_roots_and_proofs_from_tiles(
    ws: Workspace, built: tuple[Path, dict[int, str]], size: int
) -> None:
    cp = signed(built[1][size])
    client = TileClient(ws, size)
    assert root_at(size, client) == cp.root
    for index in {0, 1, 255, 256, 299, size - 1, 65_535 % size, 65_536 % size, 69_887 % size}:
        proof = inclusion_proof(index, size, client)
        verify_inclusion(LEAVES[index], index, size, proof, cp.root)  # raises on failure
        with pytest.raises(VerificationError):
            verify_inclusion(LEAVES[index + 1], index, size, proof, cp.root)
    # The root of 70,000 needs tiles of all three levels, the partial ones included.
    if size == 70_000:
        assert {"tile/0/273.p/112", "tile/1/001.p/17", "tile/1/000"} <= client.fetched


@pytest.mark.parametrize(
    "path",
    [
        "tile/0/273",  # full in the 70,500 stored leaves, but beyond the checkpoint
        "tile/0/275.p/100",  # the stored tree's partial tile: no checkpoint at 70,500
        "tile/entries/273",
        "tile/entries/275.p/100",
        "tile/0/273.p/111",  # a size (69,999) never checkpointed
        "tile/0/001.p/45",  # 301
        "tile/1/001.p/18",  # 70,144..70,399: beyond the checkpoint
        "tile/1/001",
        "tile/2/000",
        "tile/3/000.p/1",
        "tile/8/000.p/1",  # level 8 needs 2^64 leaves
        "tile/0/x999/x999/x999/x999/x999/x999/999",
    ],
)
def test_tiles_not_in_any_checkpoint_are_refused(ws: Workspace, path: str) -> None:
    with pytest.raises(TileNotFoundError) as err:
        read_tile(ws, path)
    assert not isinstance(err.value, TilePathError)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    "path", ["tile/0/00", "tile/0/../000", "tile/0/000.p/256", "tile/0/000.p/0", "tile/x/000", ""]
)
def test_malformed_paths_are_refused(ws: Workspace, path: str) -> None:
    with pytest.raises(TilePathError):
        read_tile(ws, path)


def test_a_log_without_checkpoint_serves_nothing(tmp_path: Path) -> None:
    with open_workspace(str(tmp_path / "w.duckdb"), create=True) as ws:
        append(ws, 0, 300)
    with open_workspace(str(tmp_path / "w.duckdb"), read_only=True) as ws:
        assert checkpoint_text(ws) is None
        with pytest.raises(TileNotFoundError):
            read_tile(ws, "tile/0/000")


def test_a_deleted_leaf_is_not_papered_over(tmp_path: Path) -> None:
    with open_workspace(str(tmp_path / "w.duckdb"), create=True) as ws:
        append(ws, 0, 300)
        checkpoints.sign_checkpoint(ws, parse_signer_key(SIGNER))
        ws.execute("DELETE FROM ledger_leaves WHERE idx = 5")
        with pytest.raises(VerificationError, match="missing"):
            read_tile(ws, "tile/0/000")
        # The tile beside it is whole and still served.
        assert read_tile(ws, "tile/0/001.p/44") == b"".join(LEAVES[256:300])


def test_tiles_read_the_same_on_postgresql() -> None:
    # A team's workspace: the same reads through the PostgreSQL dialect. 600 leaves: level-0
    # tiles 000 and 001 full, 002.p/88 (600 - 512); level 1 holds 600 // 256 = 2 hashes.
    from tests import postgres

    url = postgres.create_database()
    with open_workspace(url, create=True) as ws:
        append(ws, 0, 600)
        checkpoints.sign_checkpoint(ws, parse_signer_key(SIGNER))
    with open_workspace(url, read_only=True) as ws:
        assert signed(checkpoint_text(ws) or "").root == root_hash(LEAVES[:600])
        assert read_tile(ws, "tile/0/001") == b"".join(LEAVES[256:512])
        assert read_tile(ws, "tile/0/002.p/88") == b"".join(LEAVES[512:600])
        assert read_tile(ws, "tile/1/000.p/2") == level1(0) + level1(1)
        assert read_tile(ws, "tile/entries/002.p/88") == b"".join(
            b"\x00\x20" + h for h in LEAVES[512:600]
        )
        for refused in ("tile/0/002", "tile/0/002.p/87", "tile/1/000.p/3"):
            with pytest.raises(TileNotFoundError):
                read_tile(ws, refused)
