"""Every refusal and failure as `{"detail": "<one line>"}`: never a traceback, never a secret.

- HTTPException (401, 403, 404 ...): its one line, and its headers (WWW-Authenticate).
- A request that does not fit the OpenAPI document (a year out of range, a missing field):
  422, one line naming the field, instead of FastAPI's list of pydantic errors.
- A ZerotrailError a stage raised on purpose: 400 with its one line (a data problem, a setting
  that does not exist, a workspace in use: what the CLI prints as `error: ...`).
- A failure of the workspace database: 503 with the one line `pipeline.setup.database_failure`
  writes (the URL's password shown as ***).
- Anything else: 500 "internal error", and one line in the server's log naming the exception
  type only (its text could hold anything); the traceback only with ZEROTRAIL_DEBUG=1.

Each message is made one line, with control characters shown as \\xNN, so that it cannot forge
lines in a log or a terminal that shows it.
"""

from __future__ import annotations

import logging
import os
import re
import sys

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from zerotrail.errors import WorkspaceError, ZerotrailError
from zerotrail.pipeline.setup import database_failure
from zerotrail.server.access import RETRY_AFTER, WorkspaceBusyError

log = logging.getLogger("zerotrail.server")

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_LONGEST = 500


def one_line(text: str) -> str:
    joined = " ".join(str(text).split())
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", joined)[:_LONGEST]


def _body(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": one_line(detail)}, status_code=status, headers=headers)


def _field(loc: tuple[object, ...]) -> str:
    # ("path", "year") -> "year"; ("body", "year") -> "year"; ("body",) -> "the body"
    parts = [str(p) for p in loc[1:]] if len(loc) > 1 else []
    return ".".join(parts) if parts else f"the {loc[0]}" if loc else "the request"


def _database_error(exc: BaseException) -> bool:
    duckdb = sys.modules.get("duckdb")  # only a module already in use can have raised
    psycopg = sys.modules.get("psycopg")
    return (duckdb is not None and isinstance(exc, duckdb.Error)) or (
        psycopg is not None and isinstance(exc, psycopg.Error)
    )


class CatchAll:
    """The outermost handler (ASGI middleware): an exception no route handled becomes one JSON
    line here. Starlette's own last-resort handler would answer too, but then re-raise, and the
    ASGI server would print the traceback."""

    def __init__(self, app: ASGIApp, db_url: str) -> None:
        self.app = app
        self.db_url = db_url

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as exc:
            response = self._answer(scope, exc)
            if not started:  # else the answer has begun: only the log line is left to give
                await response(scope, receive, send)

    def _answer(self, scope: Scope, exc: Exception) -> JSONResponse:
        if _database_error(exc):
            return _body(503, str(database_failure(self.db_url, exc)))
        # The type only: an exception's text could hold a token, a URL or a record.
        log.error(
            "internal error on %s %s: %s",
            scope.get("method", "?"),
            one_line(str(scope.get("path", "?"))),
            type(exc).__name__,
        )
        if os.environ.get("ZEROTRAIL_DEBUG") == "1":
            log.error("traceback (ZEROTRAIL_DEBUG=1)", exc_info=exc)
        return _body(500, "internal error (the server's log names it)")


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(request: Request) -> str:
    """Every method some route of the app answers on the request's path (a 405's Allow): each
    asked of the routes' own matching, since FastAPI nests included routers."""
    routes = request.app.router.routes
    return ", ".join(
        method
        for method in _METHODS
        if any(r.matches({**request.scope, "method": method})[0] is Match.FULL for r in routes)
    )


def install(app: FastAPI, db_url: str) -> None:
    """Answer every error of `app` as one JSON line."""

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405:
            # Starlette's Allow names the methods of the first route on the path only; with a
            # GET and a POST route on one path it left one out (schemathesis found it).
            headers = {**(headers or {}), "Allow": allowed_methods(request)}
        return _body(exc.status_code, str(exc.detail), headers)

    async def invalid_request(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = exc.errors()
        first = errors[0] if errors else {}
        where = _field(tuple(first.get("loc", ())))
        message = str(first.get("msg", "invalid request"))
        more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        return _body(422, f"{where}: {message}{more}")

    async def refused(request: Request, exc: Exception) -> JSONResponse:
        if isinstance(exc, WorkspaceBusyError):  # other requests hold a DuckDB file's turn
            return _body(503, str(exc), {"Retry-After": str(RETRY_AFTER)})
        if isinstance(exc, WorkspaceError):  # the database cannot be used now (locked, down)
            return _body(503, str(exc))
        return _body(400, str(exc))

    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(ZerotrailError, refused)
    app.add_middleware(CatchAll, db_url=db_url)
