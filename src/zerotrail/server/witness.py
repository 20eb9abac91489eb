"""The C2SP tlog-witness HTTP front end: `POST <prefix>/add-checkpoint`, and nothing else.

`witness_app(state_path, key_text, prefix)` builds the app `zerotrail witness serve` runs, so a
log operator (or any tlog-witness client) can submit checkpoints to our witness over HTTP. The
checks, the lock and the persisting are the stage's (pipeline/witness_service.py); this module
bounds and decodes the body and sends the stage's answer as it is: 400, 403, 404, 409, 422 or
200 with the cosignature line, text/plain. The 409 carries the size last cosigned and a newline
with `Content-Type: text/x.tlog.size` exactly: clients (sigsum-go's among them) refuse it with
a charset parameter, which Starlette's `media_type` would add, so the header is set as given.

Other paths answer 404 and other methods 405 (the framework's own answers). A body over 64 KiB
is refused with 413 from its Content-Length, or as soon as the streamed read passes the limit
(the most a request needs: 63 proof lines and a checkpoint with a few signatures is about 5
KiB). When the state cannot be read or saved the answer is 500 and nothing is cosigned; the
error line names the state file, never the key or the body.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Final

from fastapi import FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool

from zerotrail.errors import ZerotrailError
from zerotrail.pipeline.witness_service import WitnessService, WitnessStateError

MAX_BODY: Final = 64 << 10  # 64 KiB
_TEXT: Final = "text/plain; charset=utf-8"
_SEGMENT = re.compile(r"[A-Za-z0-9._~-]+")

log = logging.getLogger("zerotrail.server.witness")


def submission_path(prefix: str) -> str:
    """The add-checkpoint path under `prefix` ("", "w" or "/w/" -> "/add-checkpoint",
    "/w/add-checkpoint"); ZerotrailError for a prefix that is not plain path segments."""
    trimmed = prefix.strip("/")
    segments = trimmed.split("/") if trimmed else []
    for segment in segments:
        if not _SEGMENT.fullmatch(segment):
            raise ZerotrailError(
                f"--prefix {prefix!r}: a prefix is path segments of letters, digits and . _ ~ -"
                " (e.g. witness or logs/witness)"
            )
    return "".join("/" + s for s in segments) + "/add-checkpoint"


def witness_app(state_path: Path, key_text: str, prefix: str = "") -> FastAPI:
    """The witness over the state file at `state_path`, signing with the signer key
    `key_text`; ZerotrailError (one line) when the key or the state file is not usable."""
    path = submission_path(prefix)
    service = WitnessService(state_path, key_text)
    app = FastAPI(
        title="zerotrail witness",
        # Only the one tlog-witness route: no OpenAPI document or docs pages beside it.
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        redirect_slashes=False,  # one path exactly: "/add-checkpoint/" is 404, not a redirect
    )
    app.state.submission_path = path

    async def add_checkpoint(request: Request) -> Response:
        body = await _bounded_body(request)
        if isinstance(body, Response):
            return body
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return _answer(400, "malformed request: the body is not UTF-8 text\n", _TEXT)
        try:
            # The stage blocks on its locks and on fsync: off the event loop.
            answer = await run_in_threadpool(service.add_checkpoint, text)
        except WitnessStateError as exc:
            log.error("witness: %s", exc)
            return _answer(500, "the witness state could not be read or saved\n", _TEXT)
        return _answer(answer.status, answer.body, answer.content_type)

    app.add_route(path, add_checkpoint, methods=["POST"])
    return app


async def _bounded_body(request: Request) -> bytes | Response:
    """The request body, or the refusal: 413 past MAX_BODY (read no further), 400 for a
    Content-Length that is not a number."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not (declared.isascii() and declared.isdigit()):
            return _answer(400, "malformed request: Content-Length is not a number\n", _TEXT)
        if int(declared) > MAX_BODY:
            return _too_large()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:  # a chunked body, or one longer than it declared
            return _too_large()
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large() -> Response:
    return _answer(413, f"request body over {MAX_BODY // 1024} KiB\n", _TEXT)


def _answer(status: int, body: str, content_type: str) -> Response:
    # The header is given, not `media_type`, so that it is sent exactly as written.
    return Response(
        content=body.encode("utf-8"), status_code=status, headers={"content-type": content_type}
    )
