"""An open workspace database: the connection, its transactions and a few small reads.

Where it sits: the bottom of `store/`. Every store module takes a `Workspace`; this module
imports nothing of the store, so the ledger's appender (store/tlog.py, store/committed.py) can
write through it while store/workspace.py, which opens and migrates workspaces, sits above both
and commits the rows a migration started tracking.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class Workspace:
    """An open workspace database. Use as a context manager; close() releases the file."""

    def __init__(
        self, url: str, connection: Any, *, read_only: bool = False, dialect: str = "duckdb"
    ) -> None:
        self.url = url
        self.con = connection
        self.read_only = read_only
        # "duckdb" or "postgres": the few statements that differ by engine ask this.
        self.dialect = dialect
        self._in_tx = False
        self._ibis: Any = None

    # --- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- transactions ----------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[Workspace]:
        """BEGIN … COMMIT, or ROLLBACK on any exception. Nested use joins the outer one."""
        if self._in_tx:
            yield self
            return
        self.con.execute("BEGIN TRANSACTION")
        self._in_tx = True
        try:
            yield self
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        else:
            self.con.execute("COMMIT")
        finally:
            self._in_tx = False

    # --- small helpers -----------------------------------------------------------------------
    def execute(self, sql: str, params: list[Any] | tuple[Any, ...] | None = None) -> Any:
        return self.con.execute(sql, params) if params is not None else self.con.execute(sql)

    def fetchall(self, sql: str, params: list[Any] | tuple[Any, ...] | None = None) -> list[Any]:
        return list(self.execute(sql, params).fetchall())

    def scalar(self, sql: str, params: list[Any] | tuple[Any, ...] | None = None) -> Any:
        rows = self.execute(sql, params).fetchall()  # fetchall completes the result
        return rows[0][0] if rows else None

    def get_setting(self, key: str) -> str | None:
        value = self.scalar("SELECT value FROM zt_meta WHERE key = ?", [key])
        return None if value is None else str(value)

    def set_setting(self, key: str, value: str) -> None:
        with self.transaction():
            self.execute("DELETE FROM zt_meta WHERE key = ?", [key])
            self.execute("INSERT INTO zt_meta (key, value) VALUES (?, ?)", [key, value])

    @property
    def schema_version(self) -> int:
        return int(self.get_setting("schema_version") or 0)

    def errors(self) -> tuple[type[BaseException], ...]:
        """The exception classes this workspace's database raises for a failed statement."""
        if self.dialect == "postgres":
            import psycopg

            return (psycopg.Error,)
        import duckdb

        return (duckdb.Error,)

    def ibis(self) -> Any:
        """An Ibis backend over this same connection (so engine writes share our transaction)."""
        if self._ibis is None:
            import ibis

            if self.dialect == "postgres":
                self._ibis = ibis.postgres.from_connection(self.con.raw)
            else:
                self._ibis = ibis.duckdb.from_connection(self.con)
        return self._ibis
