"""How requests reach the workspace: one workspace opened per request, through the set-up stage.

Why not one connection for the server's life: FastAPI runs the (blocking) route functions in a
thread pool, and a DuckDB connection is not safe to use from two threads at once; a DuckDB file
also takes one writing process, so a server holding it open would lock out every `zerotrail`
command beside it. So each request opens the workspace (`pipeline.setup.open_workspace`, which
also reads its lake tables and refuses a newer schema), does its work and closes it:

- DuckDB: requests take turns behind one lock. In one process DuckDB shares one database
  instance between the connections to a file and refuses a second connection whose settings
  differ (read-only beside read-write), so two requests may not have it open at once. Between
  requests the file is closed, and the CLI can use it.
- PostgreSQL: no lock. Each request has its own connection; a reader sees one snapshot
  (store/workspace.py), and the database orders writers itself. A reading request's connection
  is kept for the next one (`pool`, store/pool.py): connecting cost more than most reads.

A request that only reads opens the workspace read-only, so it cannot write (reading never
writes); only the routes that change data open it for writing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from zerotrail.errors import WorkspaceError
from zerotrail.pipeline.setup import (
    ReaderPool,
    Workspace,
    display_url,
    open_reader,
    open_workspace,
    reader_pool,
    workspace_path,
)
from zerotrail.pipeline.users import UserError, list_accounts
from zerotrail.server.cache import FigureCache


@dataclass(frozen=True, slots=True)
class WorkspaceAccess:
    """The workspace a server serves: its URL (kept here only; never printed or sent), the URL
    as it may be shown, and the lock DuckDB needs."""

    url: str
    shown: str
    dialect: str
    # How long a request waits for its turn on a DuckDB file before it is answered 503: under
    # more requests than the file can serve one at a time, waiting without end only piles up
    # work for clients that have given up (measured: bench/server.py, docs/benchmarks.md).
    wait: float = 10.0
    # How many requests may wait for that turn at once; one more is answered 503 at once. A
    # waiting request holds a worker thread (FastAPI's pool has 40) and its client's
    # connection: past a short queue, waiting only delays the 503 while the server fills up.
    queue: int = 16
    # PostgreSQL: read-only requests reuse kept connections (store/pool.py); None for DuckDB.
    pool: ReaderPool | None = field(default=None, repr=False)
    # Figures derived from stored runs, kept between requests (server/cache.py).
    figures: FigureCache = field(default_factory=FigureCache, repr=False)
    # Publishing reports (report_folder.py): the folder they are kept in and the log signer
    # key's file (`zerotrail serve --reports/--log-key`); None: the environment's, if any.
    reports: Path | None = None
    log_key: Path | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _waiting: _Waiting = field(default_factory=lambda: _Waiting(), repr=False)

    @contextmanager
    def open(self, *, write: bool = False) -> Iterator[Workspace]:
        """The workspace, open for this request only (read-only unless `write`);
        WorkspaceBusyError when a DuckDB file's turn does not come within `wait` seconds, or
        at once when `queue` requests wait for it already. A request whose client has gone
        still takes its turn: the route's thread cannot see the connection (docs/server.md)."""
        guard: AbstractContextManager[object] = (
            self._turn() if self.dialect == "duckdb" else nullcontext()
        )
        with guard:
            if self.pool is not None and not write:
                ws = open_reader(self.pool)
            else:
                ws = open_workspace(self.url, read_only=not write)
            try:
                yield ws
            finally:
                ws.close()

    def close(self) -> None:
        """Close the kept PostgreSQL connections (when the server stops)."""
        if self.pool is not None:
            self.pool.close()

    @contextmanager
    def _turn(self) -> Iterator[None]:
        if not self._waiting.enter(self.queue):
            raise WorkspaceBusyError(
                f"the workspace is busy: {self.queue} requests wait for it already; try again"
            )
        try:
            turn = self._lock.acquire(timeout=self.wait)
        finally:
            self._waiting.leave()
        if not turn:
            raise WorkspaceBusyError(
                f"the workspace is busy: other requests held it for {self.wait:g} s; try again"
            )
        try:
            yield
        finally:
            self._lock.release()


class _Waiting:
    """How many requests wait for a DuckDB file's turn (shared by the copies `replace` makes
    of a WorkspaceAccess, as its lock is)."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self.count = 0

    def enter(self, limit: int) -> bool:
        """Count one more waiter, unless `limit` wait already (False)."""
        with self._guard:
            if self.count >= limit:
                return False
            self.count += 1
            return True

    def leave(self) -> None:
        with self._guard:
            self.count -= 1


class WorkspaceBusyError(WorkspaceError):
    """A request's turn on a DuckDB workspace did not come in time (answered 503 with
    Retry-After)."""


# Seconds a client is told to wait before it tries a busy workspace again.
RETRY_AFTER = 2


def workspace_access(db: str | None) -> WorkspaceAccess:
    """Check that the workspace `db` names (else $ZEROTRAIL_DB, else the default) can be
    served, and how to reach it.

    It is opened once for writing, as every `zerotrail` command opens it: an older schema is
    migrated now rather than refused by each read-only request. Refused: a workspace in memory
    (each request would open a new, empty one), and one where no enabled user holds a token.
    """
    if workspace_path(db) == ":memory:":
        raise WorkspaceError(
            "a workspace in memory cannot be served (each request would see a new, empty one);"
            " give --db a DuckDB file or a postgresql:// URL"
        )
    ws = open_workspace(db)
    try:
        url, dialect = ws.url, ws.dialect  # the URL resolved from $ZEROTRAIL_DB or the default
        callers = [a for a in list_accounts(ws) if not a.disabled and a.tokens]
    finally:
        ws.close()
    if not callers:
        # Every route needs a token: such a server would answer 401 to everyone.
        raise UserError(
            "no user holds an API token, so no one could call the server: add one with"
            " `zerotrail users add NAME --role admin`, then `zerotrail users token NAME`"
        )
    return WorkspaceAccess(url, display_url(url), dialect, pool=reader_pool(url))
