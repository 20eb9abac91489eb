"""The log's C2SP tlog-tiles read path on the team server, so the log can be watched by tools
no one here wrote (a monitor or witness that speaks tlog-tiles):

    GET /log/checkpoint            the latest signed checkpoint note (with cosignatures)
    GET /log/tile/<L>/<N>[.p/<W>]  a tile of node hashes
    GET /log/tile/entries/<N>...   an entry bundle: the leaves' hashes, never their openings

No token is asked for: what is served is what a published checkpoint already commits to, salted
leaf hashes and node hashes, from which no record can be read (docs/ledger.md, Tiles). Which
tiles exist and their bytes are the pipeline's (pipeline/tiles.py); this module adds HTTP: the
content types and caching tlog-tiles asks for, 404 for a tile the log does not serve. A tile
once served never changes, so it is cached as immutable; the checkpoint moves, so it is not.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response

from zerotrail.pipeline.tiles import TileNotFoundError, checkpoint_text, read_tile
from zerotrail.server.access import WorkspaceAccess

PREFIX = "/log"
_TILE_CACHE = "public, max-age=31536000, immutable"
_CHECKPOINT_CACHE = "no-cache"

# Not in the OpenAPI document: these answer in tlog-tiles' formats, not JSON.
router = APIRouter(prefix=PREFIX, include_in_schema=False)


def _access(request: Request) -> WorkspaceAccess:
    access = request.app.state.workspace
    assert isinstance(access, WorkspaceAccess)
    return access


@router.get("/checkpoint")
def checkpoint(request: Request) -> Response:
    with _access(request).open() as ws:
        note = checkpoint_text(ws)
    if note is None:
        return PlainTextResponse("no checkpoint yet\n", status_code=404)
    return PlainTextResponse(note, headers={"cache-control": _CHECKPOINT_CACHE})


@router.get("/tile/{rest:path}")
def tile(request: Request, rest: str) -> Response:
    if b"%" in request.scope.get("raw_path", b""):
        # A tile has one path; "0%2F000" decodes to a canonical one, but a cache keyed on the
        # URL would keep the same tile under several names.
        return PlainTextResponse("no tile at a percent-encoded path\n", status_code=404)
    try:
        access = _access(request)
        with access.open() as ws:
            # Kept between requests (server/cache.py): a tile is rebuilt from many node rows.
            data = access.figures.get(ws, "tile", (rest,), lambda: read_tile(ws, f"tile/{rest}"))
    except TileNotFoundError as exc:
        return PlainTextResponse(f"{exc}\n", status_code=404)
    return Response(
        data,
        headers={"content-type": "application/octet-stream", "cache-control": _TILE_CACHE},
    )
