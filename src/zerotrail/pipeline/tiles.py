"""The log's C2SP tlog-tiles read path: the latest checkpoint and its tiles, as a server mounts
them under the log's prefix.

    checkpoint_text(ws)     the latest signed checkpoint note as stored (cosignatures included),
                            or None before the first checkpoint        -> <prefix>/checkpoint
    read_tile(ws, path)     the bytes of `tile/<L>/<N>[.p/<W>]` or `tile/entries/<N>[.p/<W>]`
                            (the path relative to the prefix)          -> <prefix>/tile/...

Which tiles are served: every full tile inside the latest checkpoint's tree, and the partial
tiles of every tree size a checkpoint was signed at (tlog-tiles: a log MUST serve those; a
client fetches a partial tile only for a size a checkpoint it verified names). Nothing beyond
the latest checkpoint, even when the log already holds more leaves: those are not signed yet,
and a tile once served is immutable. Anything else raises `TileNotFoundError` (a malformed path
its subclass `TilePathError`), one line, for the server to answer 404.

Entry bundles carry each leaf's hash (uint16-BE length 32, then the hash), never the leaf data:
that is the salt and the record, the opening, which only entitled parties receive.

Where it sits: pipeline, called by the server (`zerotrail.server`). The path rules and tile
encoding are `ledger/tiles.py` (pure); the reads are `store/tiles.py` and `store/checkpoints.py`.
Reading never writes: both functions work on a read-only workspace.
"""

from __future__ import annotations

from zerotrail.ledger.tiles import (
    TILE_WIDTH,
    Tile,
    TileNotFoundError,
    TilePathError,
    entry_bundle,
    hash_tile,
    in_tree,
    parse_tile_path,
    sizes_with,
)
from zerotrail.store import checkpoints
from zerotrail.store import tiles as stored
from zerotrail.store.database import Workspace

__all__ = [
    "Tile",
    "TileNotFoundError",
    "TilePathError",
    "checkpoint_text",
    "parse_tile_path",
    "read_tile",
]


def checkpoint_text(ws: Workspace) -> str | None:
    """The latest signed checkpoint, as stored (with any witness cosignatures), or None."""
    latest = checkpoints.latest(ws)
    return None if latest is None else latest.note


def read_tile(ws: Workspace, path: str) -> bytes:
    """The bytes of the tile (or entry bundle) at `path`, e.g. `tile/1/000.p/17` or
    `tile/entries/x001/234`; TileNotFoundError when the log does not serve it."""
    tile = parse_tile_path(path)
    latest = checkpoints.latest(ws)
    if latest is None:
        raise TileNotFoundError(f"no tile {path}: the log has no checkpoint yet")
    size = latest.checkpoint.size
    if not _served(ws, tile, size):
        raise TileNotFoundError(f"no tile {path} in the log's checkpoints (latest size {size})")
    hashes = stored.hashes(ws, tile.node_level, tile.start, tile.start + tile.width)
    return entry_bundle(hashes) if tile.entries else hash_tile(hashes)


def _served(ws: Workspace, tile: Tile, latest: int) -> bool:
    """A full tile inside the latest checkpoint's tree; a partial tile of a checkpointed size
    (all of which are at most the latest, since the log never signs a smaller tree)."""
    if tile.width == TILE_WIDTH:
        return in_tree(tile, latest)
    sizes = sizes_with(tile)
    if sizes.start > latest:
        return False
    return stored.checkpointed_between(ws, sizes.start, min(sizes.stop, latest + 1))
