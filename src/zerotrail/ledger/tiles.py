"""C2SP tlog-tiles: the static read path of the log (tile paths, which tiles exist, tile bytes).

Where it sits: pure ledger logic beside `merkle.py`. The pipeline (`pipeline/tiles.py`) reads the
stored hashes (`store/tiles.py`) and uses this module to decide which tiles a log serves and to
encode them; a server mounts the result under `<prefix>/tile/...`. A client (a monitor, a
witness) fetches the tiles its checkpoint needs and computes any proof from them itself.

Vocabulary (tlog-tiles, in `merkle.py`'s terms). A tile at level L, index N holds the hashes of
the aligned nodes at tree level 8L with indices 256N .. 256N + W - 1 (W = 256 for a full tile,
1..255 for a partial one). Level 0 holds leaf hashes; each hash of a level-L tile is the root of
a full tile of level L - 1. A tree of size s has, at each level L with s >> 8L > 0, its full
tiles and (when (s >> 8L) mod 256 > 0) one partial tile of that width.

Paths, relative to the log's prefix:

    tile/<L>/<N>[.p/<W>]        L decimal 0..63, no leading zeros
    tile/entries/<N>[.p/<W>]    the entry bundle of the level-0 tile with that N and W

N is written in 3-digit groups, every group but the last prefixed with `x` (1234067 is
`x001/x234/067`, 5 is `005`). Parsing is strict: exactly one path names a tile (no `x000/`
group in front, no `+`, no non-ASCII digits), so a tile is cached under one name only.

Entry bundles: each entry is its length as a big-endian uint16, then its bytes. zerotrail's
entries are the leaf hashes themselves (32 bytes each), never the leaf data: the leaf data
carries the salt and the record (the opening), which go to entitled parties only. A tlog-tiles
client that checks `SHA-256(0x00 || entry)` against the level-0 tile would therefore not match;
the entry is compared with the level-0 hash directly (docs/ledger.md, "Tiles").
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Final

from zerotrail.errors import VerificationError, ZerotrailError
from zerotrail.ledger.merkle import HASH_SIZE, MAX_TREE_SIZE

TILE_HEIGHT: Final = 8
TILE_WIDTH: Final = 1 << TILE_HEIGHT  # hashes in a full tile
MAX_LEVEL: Final = 63  # the spec's bound on <L>
# 10**21 > 2**64: seven groups name every index a tree of at most 2**64 - 1 leaves can need; a
# longer path is refused before any number is built from it.
MAX_GROUPS: Final = 7
MAX_ENTRY: Final = 0xFFFF  # an entry's length must fit its uint16 prefix
# Longest valid path: "tile/entries/" + 6 "xNNN/" groups + "NNN" + ".p/255".
MAX_PATH: Final = len("tile/entries/") + 5 * (MAX_GROUPS - 1) + 3 + len(".p/255")


class TileNotFoundError(ZerotrailError):
    """No such tile: one the log does not serve (beyond its latest checkpoint, a partial tile
    of a size it never checkpointed), or a path that names no tile (TilePathError)."""


class TilePathError(TileNotFoundError):
    """A path that is not a tlog-tiles tile path in its one canonical form."""


@dataclass(frozen=True, slots=True)
class Tile:
    """A hash tile (level, index, width) or, with `entries`, the entry bundle at level 0."""

    level: int
    index: int
    width: int = TILE_WIDTH
    entries: bool = False

    def __post_init__(self) -> None:
        for name in ("level", "index", "width"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool):
                raise ValueError(f"tile {name} must be an int")
        if not 0 <= self.level <= MAX_LEVEL:
            raise ValueError(f"tile level must be 0..{MAX_LEVEL}")
        if self.entries and self.level != 0:
            raise ValueError("an entry bundle is a level-0 tile")
        if self.index < 0 or self.index >= 1000**MAX_GROUPS:
            raise ValueError(f"tile index must be 0..{1000**MAX_GROUPS - 1}")
        if not 1 <= self.width <= TILE_WIDTH:
            raise ValueError(f"tile width must be 1..{TILE_WIDTH}")

    @property
    def full(self) -> bool:
        return self.width == TILE_WIDTH

    @property
    def start(self) -> int:
        """Index of the tile's first hash among the aligned nodes at tree level 8L."""
        return self.index * TILE_WIDTH

    @property
    def node_level(self) -> int:
        """The tree level (in `merkle.py`'s numbering) of the tile's hashes."""
        return self.level * TILE_HEIGHT

    @property
    def path(self) -> str:
        head = "tile/entries/" if self.entries else f"tile/{self.level}/"
        tail = "" if self.full else f".p/{self.width}"
        return head + format_index(self.index) + tail


def format_index(n: int) -> str:
    """N as tlog-tiles writes it: 3-digit groups, all but the last prefixed with `x`."""
    if n < 0:
        raise ValueError("a tile index is non-negative")
    groups = [f"{n % 1000:03d}"]
    n //= 1000
    while n:
        groups.append(f"x{n % 1000:03d}")
        n //= 1000
    return "/".join(reversed(groups))


def _digits(text: str, count: int) -> bool:
    # str.isdigit accepts other scripts' digits and superscripts; the spec means ASCII.
    return len(text) == count and all("0" <= c <= "9" for c in text)


def _decimal(text: str, low: int, high: int, what: str, path: str) -> int:
    """A decimal without leading zeros in low..high, or TilePathError."""
    if not text or len(text) > len(str(high)) or not _digits(text, len(text)):
        raise TilePathError(f"not a tile path: {what} must be a decimal number ({path!r})")
    if text != "0" and text[0] == "0":
        raise TilePathError(f"not a tile path: {what} has a leading zero ({path!r})")
    value = int(text)
    if not low <= value <= high:
        raise TilePathError(f"not a tile path: {what} must be {low}..{high} ({path!r})")
    return value


def parse_tile_path(path: str) -> Tile:
    """The tile a path names (`tile/0/x001/234.p/5`, `tile/entries/000`), or TilePathError.

    Only the canonical form is accepted: `parse_tile_path(p).path == p` for every p it accepts.
    """
    shown = path[:MAX_PATH] + ("..." if len(path) > MAX_PATH else "")
    if len(path) > MAX_PATH:
        raise TilePathError(f"not a tile path: too long ({shown!r})")
    parts = path.split("/")
    if len(parts) < 3 or parts[0] != "tile":
        raise TilePathError(f"not a tile path: expected tile/<L>/<N>[.p/<W>] ({shown!r})")
    entries = parts[1] == "entries"
    level = 0 if entries else _decimal(parts[1], 0, MAX_LEVEL, "the level", shown)
    groups = parts[2:]
    width = TILE_WIDTH
    if len(groups) >= 2 and groups[-2].endswith(".p"):
        width = _decimal(groups[-1], 1, TILE_WIDTH - 1, "the partial width", shown)
        groups = [*groups[:-2], groups[-2][: -len(".p")]]
    if not 1 <= len(groups) <= MAX_GROUPS:
        raise TilePathError(f"not a tile path: the index has too many groups ({shown!r})")
    for i, group in enumerate(groups):
        last = i == len(groups) - 1
        if not (_digits(group, 3) if last else group[:1] == "x" and _digits(group[1:], 3)):
            raise TilePathError(
                f"not a tile path: the index must be 3-digit groups, all but the last"
                f" prefixed with x ({shown!r})"
            )
    if len(groups) > 1 and groups[0] == "x000":
        raise TilePathError(f"not a tile path: the index has a leading zero group ({shown!r})")
    index = int("".join(g.removeprefix("x") for g in groups))
    return Tile(level, index, width, entries)


# --- which tiles a tree has ---------------------------------------------------------------------


def in_tree(tile: Tile, size: int) -> bool:
    """Whether a tree of `size` leaves has this tile: a full tile it has filled, or exactly
    its partial tile at that level (a tree has one partial tile a level, none when full)."""
    if not 0 <= size <= MAX_TREE_SIZE:
        raise ValueError(f"tree size must be 0..{MAX_TREE_SIZE}")
    count = size >> tile.node_level  # complete aligned nodes at the tile's tree level
    if tile.full:
        return (tile.index + 1) * TILE_WIDTH <= count
    return tile.start + tile.width == count


def sizes_with(tile: Tile) -> range:
    """The tree sizes that have this tile (as `in_tree` decides): for a partial tile the sizes
    a checkpoint must have to make the log serve it; for a full tile, from the first size that
    fills it (open above: up to the largest tree size)."""
    shift = tile.node_level
    if tile.full:
        return range(min((tile.start + TILE_WIDTH) << shift, MAX_TREE_SIZE + 1), MAX_TREE_SIZE + 1)
    first = (tile.start + tile.width) << shift
    return range(min(first, MAX_TREE_SIZE + 1), min(first + (1 << shift), MAX_TREE_SIZE + 1))


def partial_tiles(size: int) -> list[Tile]:
    """The partial hash tiles of a tree of `size` leaves, level 0 first."""
    out = []
    level = 0
    while size >> (level * TILE_HEIGHT):
        count = size >> (level * TILE_HEIGHT)
        if count % TILE_WIDTH:
            out.append(Tile(level, count // TILE_WIDTH, count % TILE_WIDTH))
        level += 1
    return out


def tiles_for_size(size: int) -> Iterator[Tile]:
    """Every hash tile of a tree of `size` leaves, level by level, each level's full tiles in
    index order then its partial one (the entry bundles mirror level 0)."""
    if not 0 <= size <= MAX_TREE_SIZE:
        raise ValueError(f"tree size must be 0..{MAX_TREE_SIZE}")
    level = 0
    while size >> (level * TILE_HEIGHT):
        count = size >> (level * TILE_HEIGHT)
        for index in range(count // TILE_WIDTH):
            yield Tile(level, index)
        if count % TILE_WIDTH:
            yield Tile(level, count // TILE_WIDTH, count % TILE_WIDTH)
        level += 1


# --- tile bytes ---------------------------------------------------------------------------------


def hash_tile(hashes: Sequence[bytes]) -> bytes:
    """A hash tile's bytes: its 1..256 hashes, 32 bytes each, concatenated."""
    if not 1 <= len(hashes) <= TILE_WIDTH:
        raise ValueError(f"a tile holds 1..{TILE_WIDTH} hashes, not {len(hashes)}")
    if any(len(h) != HASH_SIZE for h in hashes):
        raise ValueError(f"tile hashes are {HASH_SIZE} bytes each")
    return b"".join(hashes)


def entry_bundle(entries: Sequence[bytes]) -> bytes:
    """An entry bundle's bytes: each entry as its big-endian uint16 length, then its bytes."""
    if not 1 <= len(entries) <= TILE_WIDTH:
        raise ValueError(f"a bundle holds 1..{TILE_WIDTH} entries, not {len(entries)}")
    out = bytearray()
    for entry in entries:
        if len(entry) > MAX_ENTRY:
            raise ValueError(f"an entry is at most {MAX_ENTRY} bytes")
        out += len(entry).to_bytes(2, "big") + entry
    return bytes(out)


def parse_hash_tile(data: bytes, width: int) -> list[bytes]:
    """The hashes of a tile fetched as `width` wide, or VerificationError (a client's check)."""
    if len(data) != width * HASH_SIZE:
        raise VerificationError(
            f"a tile of width {width} is {width * HASH_SIZE} bytes, not {len(data)}"
        )
    return [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]


def parse_entry_bundle(data: bytes, width: int) -> list[bytes]:
    """The entries of a bundle fetched as `width` wide, or VerificationError."""
    entries = []
    pos = 0
    while pos < len(data):
        if pos + 2 > len(data):
            raise VerificationError("entry bundle ends inside a length prefix")
        n = int.from_bytes(data[pos : pos + 2], "big")
        if pos + 2 + n > len(data):
            raise VerificationError("entry bundle ends inside an entry")
        entries.append(data[pos + 2 : pos + 2 + n])
        pos += 2 + n
    if len(entries) != width:
        raise VerificationError(f"entry bundle holds {len(entries)} entries, not {width}")
    return entries
