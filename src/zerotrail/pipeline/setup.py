"""The set-up stage: open a workspace (creating and migrating it) and load the factor library.

Where it sits: the first stage of the job. Every other stage takes the `Workspace` this one
opens. `open_workspace` makes a new workspace only when asked (`create=True`), migrates an older
schema forward (committing to the ledger the rows a migration starts tracking) and refuses a
newer one; `set_up` then records the organization and loads the shipped factor sets that are
not loaded yet. A workspace opened here reads its lake tables' records as activity records
(store/external.py). `database_failure` names a failure of the workspace database in one line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from zerotrail.errors import ZerotrailError
from zerotrail.pipeline.calculation import load_shipped_factors
from zerotrail.store import workspace as stored
from zerotrail.store.database import Workspace
from zerotrail.store.external import lake_refusal, read_lake_tables
from zerotrail.store.factor_library import factor_count
from zerotrail.store.history import snapshot
from zerotrail.store.pool import ReaderPool
from zerotrail.store.workspace import (
    ENV_VAR,
    describe_database_error,
    display_url,
    parse_url,
    resolve_url,
)

__all__ = [
    "ENV_VAR",
    "ReaderPool",
    "SetupReport",
    "Workspace",
    "database_failure",
    "display_url",
    "open_reader",
    "open_workspace",
    "reader_pool",
    "set_up",
    "workspace_exists",
    "workspace_path",
]


@dataclass(frozen=True, slots=True)
class SetupReport:
    """What `set_up` did: the workspace, its schema, the factor sets it loaded."""

    url: str
    schema_version: int
    factor_sets_loaded: int  # shipped sets loaded by this run (0 when all were there)
    factors_available: int  # distinct factors in the library afterwards


def set_up(ws: Workspace, organization: str | None = None) -> SetupReport:
    """Record the organization (when given) and load the shipped factor sets not yet loaded."""
    loaded = load_shipped_factors(ws)
    if organization:
        with ws.transaction():  # the name a report gives is committed with it
            ws.set_setting("organization", organization)
            snapshot(ws, "setting")
    return SetupReport(display_url(ws.url), ws.schema_version, loaded, factor_count(ws))


def open_workspace(
    db: str | None = None, *, create: bool = False, read_only: bool = False
) -> Workspace:
    """Open (and migrate) the workspace at `db` (store/workspace.py `open_workspace`), reading
    its lake tables' records beside the stored ones for as long as it is open: every stage that
    reads activity records or per-record results sees them, and a lake file changed since its
    registration refuses those reads, naming it (store/external.py `read_lake_tables`)."""
    ws = stored.open_workspace(db, create=create, read_only=read_only)
    try:
        read_lake_tables(ws)
    except BaseException:
        ws.close()
        raise
    return ws


def reader_pool(url: str) -> ReaderPool | None:
    """Kept read-only connections to the PostgreSQL workspace at `url` (store/pool.py), for a
    process that reads it many times (the team server); None for a DuckDB workspace."""
    return ReaderPool(url) if parse_url(url).kind == "postgres" else None


def open_reader(pool: ReaderPool) -> Workspace:
    """The workspace read-only on one of the pool's connections, its lake tables read as by
    `open_workspace`; close() gives the connection back."""
    ws = pool.open()
    try:
        read_lake_tables(ws)
    except BaseException:
        ws.close()
        raise
    return ws


def workspace_path(db: str | None) -> str:
    """The file the workspace named by `db` (else $ZEROTRAIL_DB, else the default) lives in,
    or ":memory:"."""
    return parse_url(resolve_url(db)).path


def workspace_exists(db: str | None) -> bool:
    """Whether the workspace named by `db` exists (an in-memory one always does; a PostgreSQL
    one is taken to, since only opening it can tell, and a database that is none is then
    refused in one line rather than quietly read as the shipped library)."""
    target = parse_url(resolve_url(db))
    if target.kind == "postgres":
        return True
    return target.path == ":memory:" or Path(target.path).exists()


def database_failure(db: str | None, exc: BaseException) -> ZerotrailError:
    """The one-line error for a failure of the database of the workspace named by `db`; a read
    refused because a lake file changed (store/external.py) is that refusal, as it is."""
    refused = lake_refusal(exc)
    if refused is not None:
        return ZerotrailError(refused)
    return describe_database_error(resolve_url(db), exc)
