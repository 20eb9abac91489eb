"""Opening a workspace: URL resolution, schema version checks and migrations.

Where it sits: the top of `store/`. The open database itself (`Workspace`: connection,
transactions) is store/database.py, below the ledger's appender; this module sits above that
appender because a migration that starts committing a kind of record (`schema.COMMITTED_BY`)
commits the rows already stored, in the same step as the schema change.

A workspace is one database. The default is `zerotrail.duckdb` in the current folder; `--db` or
`ZEROTRAIL_DB` names another (`path/to/file.duckdb`, `duckdb:///path`, `:memory:`) or a
PostgreSQL database (`postgresql://user:password@host:port/db`, store/postgres.py), whose
password never appears in a message (`display_url`).

Every write goes through `Workspace.transaction()`, so an import or calculation commits whole
or not at all.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from zerotrail.errors import SchemaVersionError, WorkspaceError
from zerotrail.store.committed import commit_new
from zerotrail.store.database import Workspace as Workspace
from zerotrail.store.schema import COMMITTED_BY, LATEST_VERSION, MIGRATIONS

DEFAULT_DB = "zerotrail.duckdb"
ENV_VAR = "ZEROTRAIL_DB"
# DuckDB spills to disk beyond this, which keeps 10^8-row imports and calculations bounded.
MEMORY_LIMIT_ENV = "ZEROTRAIL_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "1GB"


def resolve_url(db: str | None) -> str:
    """The workspace URL from the option, else the environment, else the default file."""
    return db or os.environ.get(ENV_VAR) or DEFAULT_DB


@dataclass(frozen=True, slots=True)
class WorkspaceURL:
    """A parsed workspace URL: which kind of database and where it lives."""

    kind: str  # "duckdb" or "postgres"
    path: str  # file path or ":memory:"; for PostgreSQL the URL itself


def parse_url(url: str) -> WorkspaceURL:
    if url.startswith(("postgresql://", "postgres://")):
        return WorkspaceURL("postgres", url)
    if url.startswith("duckdb://"):
        path = url.removeprefix("duckdb://")
        path = path[1:] if path.startswith("/") and not path.startswith("//") else path
        return WorkspaceURL("duckdb", path or ":memory:")
    if "://" in url:
        raise WorkspaceError(f"'{url}': unknown database URL scheme (expected a file path)")
    return WorkspaceURL("duckdb", url)


_MEMORY_LIMIT = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*", re.IGNORECASE)
_UNIT_BYTES = {
    "kb": 10**3,
    "mb": 10**6,
    "gb": 10**9,
    "tb": 10**12,
    "kib": 1 << 10,
    "mib": 1 << 20,
    "gib": 1 << 30,
    "tib": 1 << 40,
}
# Below this DuckDB cannot even open a workspace.
MIN_MEMORY_LIMIT = 64 * 10**6


def memory_limit() -> str:
    """`$ZEROTRAIL_MEMORY_LIMIT` (default 1GB), checked: a number and a unit, at least 64MB."""
    raw = os.environ.get(MEMORY_LIMIT_ENV)
    if raw is None or raw.strip() == "":
        return DEFAULT_MEMORY_LIMIT
    m = _MEMORY_LIMIT.fullmatch(raw)
    if m is None or float(m.group(1)) * _UNIT_BYTES[m.group(2).lower()] < MIN_MEMORY_LIMIT:
        raise WorkspaceError(
            f"{MEMORY_LIMIT_ENV}={raw!r}: expected a size of at least 64MB, a number and a unit"
            " (KB, MB, GB, TB or KiB, MiB, GiB, TiB), e.g. 512MB or 4GB"
        )
    return f"{m.group(1)}{m.group(2)}"


_PASSWORD = re.compile(r"^(postgres(?:ql)?://[^:/@]*:)([^@]*)(@)")


def display_url(url: str) -> str:
    """`url` as it may be printed: a PostgreSQL password replaced by ***."""
    return _PASSWORD.sub(r"\1***\3", url)


def describe_database_error(url: str, exc: BaseException) -> WorkspaceError:
    """The one-line error for a database failure on the workspace at `url`."""
    url = display_url(url)
    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    if type(exc).__module__.startswith("psycopg"):
        return _describe_postgres_error(url, exc, first)
    if "Could not set lock" in text or "Conflicting lock" in text:
        return WorkspaceError(
            f"workspace {url} is in use by another zerotrail process;"
            " try again when it has finished"
        )
    if "out of memory" in text.lower() or type(exc).__name__ == "OutOfMemoryException":
        return WorkspaceError(
            f"workspace {url}: out of memory within {MEMORY_LIMIT_ENV}"
            f" ({os.environ.get(MEMORY_LIMIT_ENV) or DEFAULT_MEMORY_LIMIT}); raise it"
        )
    damaged = (
        "not a valid DuckDB database file",
        "Could not read enough bytes",
        "Corrupt database",
        "checksum",
        "database file with version number",
        "Serialization Error",
    )
    if type(exc).__name__ == "IOException" or any(d in text for d in damaged):
        reason = first
        for prefix in ("IO Error: ", "Serialization Error: "):
            reason = reason.removeprefix(prefix)
        if "Could not read enough bytes" in text:
            reason = "the file is truncated"
        elif "not a valid DuckDB database file" in text:
            reason = "not a DuckDB database"
        return WorkspaceError(f"not a zerotrail workspace or damaged: {url} ({reason})")
    return WorkspaceError(f"workspace {url}: database error: {first}")


def _describe_postgres_error(url: str, exc: BaseException, first: str) -> WorkspaceError:
    name = type(exc).__name__
    if name == "LockNotAvailable":
        return WorkspaceError(
            f"workspace {url} is in use by another zerotrail process that has been writing for"
            " longer than the lock timeout; try again when it has finished"
        )
    if name in ("OperationalError", "ConnectionTimeout") and "connect" in first.lower():
        return WorkspaceError(f"cannot connect to the PostgreSQL workspace {url}: {first}")
    return WorkspaceError(f"workspace {url}: database error: {first}")


def _connect_postgres(url: str, *, read_only: bool) -> Any:
    try:
        import psycopg
    except ImportError:
        raise WorkspaceError(
            f"{display_url(url)}: PostgreSQL workspaces need psycopg:"
            " pip install 'zerotrail[postgres]'"
        ) from None
    from zerotrail.store import postgres

    try:
        return postgres.connect(url, read_only=read_only)
    except psycopg.Error as exc:
        raise describe_database_error(url, exc) from None


def _connect(target: WorkspaceURL, url: str | None = None, *, read_only: bool = False) -> Any:
    if target.kind == "postgres":
        return _connect_postgres(target.path, read_only=read_only)
    import duckdb

    limit = memory_limit()
    try:
        con = duckdb.connect(target.path, read_only=read_only)
    except duckdb.Error as exc:
        raise describe_database_error(url or target.path, exc) from None
    try:
        con.execute(f"SET memory_limit = '{limit}'")  # checked above: digits and a unit
        # Row order of imports is part of their error messages (row numbers): keep it.
        con.execute("SET preserve_insertion_order = true")
    except BaseException:
        con.close()
        raise
    return con


def _has_meta(con: Any) -> bool:
    rows = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'zt_meta'"
        " AND table_schema = current_schema()"
    ).fetchall()[0]
    return bool(rows and rows[0])


def _is_empty(con: Any) -> bool:
    """No table at all: a new database that `init` may turn into a workspace."""
    rows = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()"
        " AND table_type IN ('BASE TABLE', 'VIEW')"
    ).fetchall()
    return not rows[0][0]


def migrate(ws: Workspace, upto: int = LATEST_VERSION) -> list[int]:
    """Apply every migration newer than the workspace's version, each in its own transaction."""
    applied: list[int] = []
    current = ws.schema_version if _has_meta(ws.con) else 0
    if current > LATEST_VERSION:
        raise SchemaVersionError(
            f"workspace '{ws.url}' has schema version {current}, newer than this zerotrail "
            f"understands ({LATEST_VERSION}); upgrade zerotrail to open it"
        )
    for m in MIGRATIONS:
        if current < m.version <= upto:
            with ws.transaction():
                for stmt in m.statements if m.engine in (None, ws.dialect) else ():
                    ws.execute(stmt)
                ws.execute("DELETE FROM zt_meta WHERE key = 'schema_version'")
                ws.execute(
                    "INSERT INTO zt_meta (key, value) VALUES ('schema_version', ?)",
                    [str(m.version)],
                )
            applied.append(m.version)
    kinds = [k for v in applied for k in COMMITTED_BY.get(v, ())]
    if kinds:
        # Migrations 7 and 10 began committing kinds (the organization and factor sets, then
        # metrics, factor rows, meter readings and runs' results): commit the rows already
        # stored now, so the log covers them from here on.
        with ws.transaction():
            for kind in kinds:
                commit_new(ws, kind)
    return applied


def open_workspace(
    db: str | None = None, *, create: bool = False, read_only: bool = False
) -> Workspace:
    """Open (and migrate) the workspace at `db`; with create=True, make a new one if absent.

    A missing workspace is an error unless creating; a newer schema is refused before anything
    is written; an older schema is migrated forward. With read_only=True the database is opened
    read-only (any write fails), so an older schema is refused instead of migrated; asking for
    both create and read_only is a caller's mistake (ValueError).
    """
    if create and read_only:
        raise ValueError("a workspace cannot be created read-only")
    url = resolve_url(db)
    target = parse_url(url)
    if target.kind == "postgres":
        return _open_postgres(url, create=create, read_only=read_only)
    exists = target.path == ":memory:" or Path(target.path).exists()
    if not exists and not create:
        raise WorkspaceError(f"no workspace at '{url}': run `zerotrail init` first")
    if not exists:
        Path(target.path).parent.mkdir(parents=True, exist_ok=True)
    if target.path != ":memory:" and Path(target.path).is_dir():
        raise WorkspaceError(f"{url} is a directory, not a workspace file")
    ws = Workspace(url, _connect(target, url, read_only=read_only), read_only=read_only)
    try:
        _check_and_migrate(ws, url, create=create, read_only=read_only)
    except BaseException as exc:
        ws.close()
        import duckdb

        if isinstance(exc, duckdb.Error):
            raise describe_database_error(url, exc) from None
        raise
    return ws


def _open_postgres(url: str, *, create: bool, read_only: bool) -> Workspace:
    import psycopg

    con = _connect_postgres(url, read_only=read_only)
    ws = Workspace(url, con, read_only=read_only, dialect="postgres")
    try:
        if not read_only:
            from zerotrail.store import postgres_functions

            # Two first openings of an empty database must not both create the schema.
            with ws.transaction():
                postgres_functions.install(con)
                _check_and_migrate(ws, display_url(url), create=create, read_only=False)
        else:
            _check_and_migrate(ws, display_url(url), create=create, read_only=True)
            # A reader sees one snapshot for as long as it is open (store/postgres.py).
            con.begin()
    except BaseException as exc:
        ws.close()
        if isinstance(exc, psycopg.Error):
            raise describe_database_error(url, exc) from None
        raise
    return ws


def check_schema_version(ws: Workspace, url: str, *, read_only: bool) -> None:
    """Refuse a workspace (one with a zt_meta table) whose schema is newer than this zerotrail
    understands, or, read-only, older (it could not be migrated)."""
    version = ws.schema_version
    if version > LATEST_VERSION:
        raise SchemaVersionError(
            f"workspace '{url}' has schema version {version}, newer than this zerotrail "
            f"understands ({LATEST_VERSION}); upgrade zerotrail to open it"
        )
    if read_only and version < LATEST_VERSION:
        raise SchemaVersionError(
            f"workspace '{url}' has schema version {version}, older than this zerotrail's"
            f" ({LATEST_VERSION}); open it for writing once (e.g. `zerotrail init`) to"
            " migrate it"
        )


def _check_and_migrate(ws: Workspace, url: str, *, create: bool, read_only: bool) -> None:
    if _has_meta(ws.con):
        check_schema_version(ws, url, read_only=read_only)
        migrate(ws)
    elif create and _is_empty(ws.con):
        migrate(ws)
        ws.set_setting("created_at", datetime.now(UTC).isoformat(timespec="seconds"))
    else:
        raise WorkspaceError(f"not a zerotrail workspace or damaged: {url} (no zt_meta table)")
