"""The log's tlog-tiles read path over HTTP (server/tiles.py): a client that knows only the
log's verifier key fetches the checkpoint and the tiles, with no token, and rebuilds the signed
root from them; the content types and caching are tlog-tiles'; what the log does not serve is
404. What each tile holds is tested against the Merkle definition in tests/pipeline/test_tiles.py.
"""

from __future__ import annotations

import gzip

import pytest

from tests.server.conftest import Client, Served
from zerotrail.ledger.checkpoint import parse_checkpoint
from zerotrail.ledger.merkle import inclusion_proof, node_hash, root_at, verify_inclusion
from zerotrail.ledger.tiles import Tile, parse_entry_bundle, parse_hash_tile
from zerotrail.pipeline.ledger import verify_note


class HttpTiles:
    """Node (level, index) from the served tiles, as Go's TileHashReader reads them: level
    8L + r is the root of 2^r hashes of the level-L tile under it, of the width the size gives."""

    def __init__(self, client: Client, size: int) -> None:
        self.client, self.size = client, size

    def tile(self, tile: Tile) -> bytes:
        got = self.client.get(f"/log/{tile.path}")
        assert got.status_code == 200, (tile.path, got.text)
        assert got.headers["content-type"] == "application/octet-stream"
        assert got.headers["cache-control"] == "public, max-age=31536000, immutable"
        return got.content

    def node(self, level: int, index: int) -> bytes:
        tile_level, r = divmod(level, 8)
        first = index << r
        n = first // 256
        width = min(256, (self.size >> (8 * tile_level)) - 256 * n)
        hashes = parse_hash_tile(self.tile(Tile(tile_level, n, width)), width)
        run = hashes[first - 256 * n : first - 256 * n + (1 << r)]
        while len(run) > 1:
            run = [node_hash(a, b) for a, b in zip(run[0::2], run[1::2], strict=True)]
        return run[0]


def test_a_client_with_only_the_log_key_rebuilds_the_signed_root(
    reader: Client, served: Served
) -> None:
    got = reader.get("/log/checkpoint")  # no token: the read path is public
    assert got.status_code == 200
    assert got.headers["content-type"] == "text/plain; charset=utf-8"
    assert got.headers["cache-control"] == "no-cache"
    names = verify_note(got.text, [served.log_key])
    assert names  # signed by the log's key
    cp = parse_checkpoint(got.text.split("\n\n")[0] + "\n")
    assert cp.size > 256  # the world's factor and record leaves: partial and full tiles
    tiles = HttpTiles(reader, cp.size)
    assert root_at(cp.size, tiles) == cp.root
    # The last leaf, from its entry bundle, is proved into that root from tiles alone.
    last = cp.size - 1
    n, width = last // 256, cp.size % 256 or 256
    path = f"/log/{Tile(0, n, width, entries=True).path}"
    bundle = reader.get(path)
    assert bundle.status_code == 200
    leaves = parse_entry_bundle(bundle.content, width)
    proof = inclusion_proof(last, cp.size, tiles)
    verify_inclusion(leaves[-1], last, cp.size, proof, cp.root)  # raises if it does not hold


@pytest.mark.parametrize(
    "path",
    [
        "/log/tile/0/x999/999",  # far beyond the checkpoint
        "/log/tile/0/000.p/0",  # malformed: width 0
        "/log/tile/0/x000/001",  # malformed: an x000 group
        "/log/tile/entries/000.p/256",  # malformed: a partial tile of full width
        "/log/tile/9/000",  # level past any tree
        "/log/tile/0%2F000",  # a canonical path once decoded, but not as sent
        "/log/tile/0/%30%30%30",
    ],
)
def test_tiles_the_log_does_not_serve_are_404(reader: Client, path: str) -> None:
    got = reader.get(path)
    assert got.status_code == 404
    assert got.headers["content-type"].startswith("text/plain")
    assert "tile" in got.text and got.text[-1] == "\n" and got.text.count("\n") == 1


def test_the_tiles_are_not_in_the_api_document(reader: Client) -> None:
    paths = reader.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if p.startswith("/log")]


def test_a_full_entry_bundle_is_sent_as_is_and_gzip_would_not_shrink_it(reader: Client) -> None:
    # docs/server.md: entry bundles are not gzipped, because ours hold SHA-256 hashes (a 2-byte
    # length and 32 random bytes each), on which gzip saves about half a percent.
    got = reader.get("/log/tile/entries/000", headers={"Accept-Encoding": "gzip"})
    assert got.status_code == 200
    assert "content-encoding" not in got.headers
    assert len(got.content) == 256 * (2 + 32)
    assert len(gzip.compress(got.content)) > 0.98 * len(got.content)
