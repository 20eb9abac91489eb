"""Read-only PostgreSQL workspaces from connections kept open between uses (the team server's).

Why: opening a PostgreSQL workspace connects (a new server process on the other side) and checks
the schema (two catalogue queries and two version reads): 13-29 ms, most of a small request's
cost (docs/benchmarks.md). A long-running reader of one workspace keeps its connections here
instead, and checks the schema in full once:

- the zt_meta table's presence is checked at the first opening only (a table a running server
  reads is not dropped under it);
- the schema version is read at every opening, in the opening's own snapshot, so a workspace
  migrated meanwhile by a newer `zerotrail` (a newer schema) is refused from the next opening
  on, as `open_workspace` refuses it.

A reader's connection is taken in autocommit mode; each opening starts its own repeatable-read
transaction (one snapshot, as store/workspace.py's readers), and closing rolls it back before the
connection goes back to the pool: whatever a read did in it (temporary tables, settings made
inside it) goes with it, so the next user starts clean. A connection that is not idle after the
rollback, or broken, is closed instead of kept. A kept connection found dead at the next opening
(the server restarted) is dropped and a new one made, once.

Writes never come from here: a writing command opens its own connection (`open_workspace`).
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any

from zerotrail.store.database import Workspace
from zerotrail.store.isolation import RESTRICTED
from zerotrail.store.postgres import PostgresConnection, connect
from zerotrail.store.workspace import (
    _check_and_migrate,
    check_schema_version,
    describe_database_error,
    display_url,
)

# Connections kept idle at most; more may be open at once while requests use them (each request
# holds one), and those beyond this are closed when given back.
MOST_IDLE = 32
_IDLE = 0  # psycopg.pq.TransactionStatus.IDLE


class _PooledConnection(PostgresConnection):
    """A read-only connection whose close() gives it back to its pool."""

    def __init__(self, raw: Any, pool: ReaderPool) -> None:
        super().__init__(raw, read_only=True)
        self._pool = pool

    def close(self) -> None:
        self._pool._give_back(self.raw)


class ReaderPool:
    """Read-only openings of the PostgreSQL workspace at `url`, on kept connections."""

    def __init__(self, url: str, most_idle: int = MOST_IDLE) -> None:
        self.url = url
        self.most_idle = most_idle
        self._idle: list[Any] = []
        self._lock = threading.Lock()
        self._checked = False  # the zt_meta table was found once
        self._closed = False

    def open(self) -> Workspace:
        """The workspace, read-only, in a snapshot of its own; close() gives the connection
        back. SchemaVersionError for a newer (or older) schema; WorkspaceError when the
        database cannot be reached."""
        import psycopg

        raw, kept = self._take()
        try:
            return self._begin(raw)
        except psycopg.OperationalError as exc:
            if not kept:
                raise describe_database_error(self.url, exc) from None
            # A kept connection the server dropped (restarted, or idle too long): a new one.
        raw, _ = self._take(new=True)
        try:
            return self._begin(raw)
        except psycopg.OperationalError as exc:
            raise describe_database_error(self.url, exc) from None

    def _begin(self, raw: Any) -> Workspace:
        import psycopg

        con = _PooledConnection(raw, self)
        ws = Workspace(self.url, con, read_only=True, dialect="postgres")
        shown = display_url(self.url)
        try:
            con.begin()  # the snapshot the version check and every read of this opening see
            if self._checked:
                check_schema_version(ws, shown, read_only=True)
            else:
                _check_and_migrate(ws, shown, create=False, read_only=True)
                self._checked = True
        except psycopg.OperationalError:
            self._discard(raw)
            raise
        except psycopg.Error as exc:
            ws.close()
            raise describe_database_error(self.url, exc) from None
        except BaseException:
            ws.close()
            raise
        return ws

    def _take(self, *, new: bool = False) -> tuple[Any, bool]:
        """A connection (autocommit, idle) and whether it was kept from an earlier use."""
        import psycopg

        if not new:
            with self._lock:
                if self._idle:
                    return self._idle.pop(), True
        try:
            return connect(self.url, read_only=True).raw, False
        except psycopg.Error as exc:
            raise describe_database_error(self.url, exc) from None

    def _give_back(self, raw: Any) -> None:
        import psycopg

        try:
            if not raw.closed and raw.info.transaction_status != _IDLE:
                raw.execute("ROLLBACK")
            # An owner's request marks its connection restricted for the session (fail closed,
            # store/isolation.py). A reader sets it inside its snapshot, so the rollback undoes
            # it; should it still be set, the next request would see too few rows: close.
            flag = raw.execute("SELECT current_setting(%s, true)", [RESTRICTED]).fetchone()
        except psycopg.Error:
            self._discard(raw)
            return
        with self._lock:
            keep = (
                not self._closed
                and not (flag and flag[0])
                and not raw.closed
                and raw.info.transaction_status == _IDLE
                and len(self._idle) < self.most_idle
            )
            if keep:
                self._idle.append(raw)
        if not keep:
            self._discard(raw)

    @staticmethod
    def _discard(raw: Any) -> None:
        # Closing a broken connection: nothing is left to release, and nothing to report.
        with contextlib.suppress(Exception):
            raw.close()

    @property
    def idle(self) -> int:
        """Connections kept idle now."""
        with self._lock:
            return len(self._idle)

    def close(self) -> None:
        """Close the idle connections; those in use are closed when given back."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for raw in idle:
            self._discard(raw)
