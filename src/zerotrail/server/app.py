"""The web application: `create_app(db_url)` builds the FastAPI app `zerotrail serve` runs.

The workspace is checked when the app is built (opened once, migrated like any command's, then
closed), so a server never starts on a workspace it cannot open; after that each request opens
it for itself (access.py). The OpenAPI 3.1 document is at /openapi.json (no docs page: FastAPI's
loads its scripts from a CDN); the bearer-token scheme is declared there, and every route lists
its error answers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

from fastapi import FastAPI

from zerotrail import __version__
from zerotrail.errors import ZerotrailError
from zerotrail.server import (
    api_credits,
    api_explorer,
    api_reports,
    api_roadmap,
    api_verification,
    errors,
    pages_data,
    pages_inventory,
    pages_ledger,
    pages_roadmap,
    submissions,
    tiles,
    web,
)
from zerotrail.server.access import WorkspaceAccess, workspace_access
from zerotrail.server.api import router

DESCRIPTION = (
    "The zerotrail team server's REST API: the same pipeline stages as the `zerotrail` command,"
    " for callers with an API token (`zerotrail users token NAME`), each route open to the"
    " roles it lists. Figures are in tonnes CO2e (t CO2e) unless a field says otherwise."
)


def create_app(
    db_url: str | None, *, reports: Path | None = None, log_key: Path | None = None
) -> FastAPI:
    """The app serving the workspace at `db_url` (else $ZEROTRAIL_DB, else the default), keeping
    the reports it publishes in `reports` and signing them with the key in `log_key`
    (report_folder.py); ZerotrailError when that workspace cannot be opened or served."""
    if log_key is not None and not log_key.is_file():
        raise ZerotrailError(f"--log-key {log_key}: no such file")
    if reports is not None and reports.exists() and not reports.is_dir():
        raise ZerotrailError(f"--reports {reports}: not a folder")
    access = workspace_access(db_url)
    return build_app(replace(access, reports=reports, log_key=log_key))


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    app.state.workspace.close()  # the kept PostgreSQL connections (server/access.py)


def build_app(access: WorkspaceAccess) -> FastAPI:
    """The app for a workspace already checked (`workspace_access`)."""
    app = FastAPI(
        title="zerotrail",
        version=__version__,
        description=DESCRIPTION,
        lifespan=_lifespan,
        # FastAPI's docs pages load their scripts from a CDN; the server works offline.
        docs_url=None,
        redoc_url=None,
        # No redirect from "/x/" to "/x": Starlette builds its Location from the Host header,
        # which a client chooses (an open redirect, found by an attack on the server).
        redirect_slashes=False,
    )
    app.state.workspace = access
    errors.install(app, access.url)
    app.include_router(router)
    app.include_router(submissions.router)
    app.add_middleware(submissions.UploadLimit)  # 413 before an oversize body is read
    app.include_router(tiles.router)
    app.include_router(api_roadmap.router)
    app.include_router(api_credits.router)
    app.include_router(api_reports.router)
    app.include_router(api_explorer.router)  # /api/inventory/{year}/breakdown, /records
    app.include_router(api_verification.router)  # /api/verification/...
    web.install(app)  # the pages (login, dashboard) and their static files
    app.include_router(pages_data.router)  # /data: uploads and the approval queue
    app.include_router(pages_ledger.router)  # /ledger: checkpoint, cosignatures, proofs
    app.include_router(pages_roadmap.router)  # /roadmap, /credits, /reports
    app.include_router(pages_inventory.router)  # /inventory: the explorer
    return app
