"""The workspace's state token: one cheap read that changes whenever stored figures may; and
the figures token (`figures_row`), which changes only when they may (see there).

Where it sits: store, read by pipeline/state.py for the team server's figure cache. One
statement, so one round trip (and, on PostgreSQL, the snapshot the request reads in):

- the schema version (a migration may change what a stage reads), on both engines;
- PostgreSQL: the transaction's snapshot (`pg_current_snapshot()`, xmin:xmax:in-progress ids).
  Two snapshots that read the same see exactly the same committed data in every table: a
  transaction's visibility is decided by those three alone. Any write anywhere on the server
  (another database's too) moves it, so it errs only towards computing again. Plain reads take
  no transaction id and leave it alone. It costs nothing to read, however large the ledger.
- DuckDB: the ledger's size and the current run of every year. Every committed kind of record
  (targets, metrics, base-year versions and events, credits, claims, finals, entities,
  settings, factors, runs' results, activity records, ...) appends a leaf in the transaction
  that stores it and leaves are never removed, so any such write changes the size; the runs
  are named too, since the inventory and dashboard read them. Counting the leaves is DuckDB's
  cheap count of a whole table.
"""

from __future__ import annotations

from zerotrail.store.database import Workspace

_VERSION = "(SELECT value FROM zt_meta WHERE key = 'schema_version')"
_POSTGRES = f"SELECT {_VERSION}, CAST(pg_current_snapshot() AS VARCHAR)"
# The figures token on both engines, and DuckDB's state token too.
_FIGURES = f"""SELECT {_VERSION},
       CAST((SELECT count(*) FROM ledger_leaves) AS VARCHAR) || '/'
       || (SELECT coalesce(string_agg(CAST(year AS VARCHAR) || ':' || run_id, ',' ORDER BY year),
                           '')
           FROM runs WHERE current)"""


def figures_row(ws: Workspace) -> tuple[str, str]:
    """(schema version, the ledger's size and the current runs as "leaves/year:run_id,..."):
    what figures depend on, on either engine (on DuckDB the same as `state_row`). On
    PostgreSQL it counts the leaves (a scan), so the server reads it only when the snapshot
    has moved (pipeline/state.py): the snapshot moves with any transaction on the database
    server (autovacuum, other databases), which changes no figure."""
    if ws.dialect != "postgres":
        return state_row(ws)
    return _row(ws, _FIGURES)


def _row(ws: Workspace, sql: str) -> tuple[str, str]:
    row = ws.fetchall(sql)[0]
    return str(row[0]), str(row[1])


def state_row(ws: Workspace) -> tuple[str, str]:
    """(schema version, what changes with any write: the PostgreSQL snapshot, or on DuckDB the
    ledger's size and the current runs as "leaves/year:run_id,...")."""
    return _row(ws, _POSTGRES if ws.dialect == "postgres" else _FIGURES)
