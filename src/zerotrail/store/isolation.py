"""Row-level isolation of entities on PostgreSQL: which rows an `owner`'s request may touch.

Where it sits: store, called by the isolation stage (pipeline/isolation.py) right after the
server has authenticated an owner. The policies themselves are a migration (schema.py, the
statements are `POLICY_STATEMENTS` here), so they hold for every statement on the database,
whichever module sends it.

How a restriction is keyed (docs/server.md, "Isolation"):

- `zerotrail.entities`: a JSON array of the entity ids the request may see, set with
  `set_config(..., true)`, i.e. for the current TRANSACTION only: it ends with the transaction,
  so it can never outlive the request into the next use of a connection (a session-scoped
  setting did, in the trial behind this design). `zerotrail.user` beside it names the owner,
  whose own submissions it may see.
- Unset (the CLI, and every role but `owner`): no restriction; every row is visible, as before
  this migration.
- Fail closed: a restricted connection also carries `zerotrail.restricted = on` for its whole
  session. With that flag and no entity list (a statement outside the transactions this module
  starts) the policies show and accept no row at all. The flag only ever hides rows, so it is
  safe for it to outlive a transaction.

A restricted workspace's connection is wrapped (`_Restricted`): every transaction it begins sets
the two settings first, and a statement outside any transaction (the writable connection is in
autocommit) runs in a transaction of its own that sets them, so statements behave as they did,
one commit each, but always under the restriction.

DuckDB has no row-level security: there, the stages an owner can reach take the entity set and
filter by it (the service layer); `restrict` does nothing to a DuckDB workspace.

Superusers, and roles with BYPASSRLS, bypass every policy, FORCE or not; so do views owned by
them (a view reads its tables as its owner). The server must connect as an ordinary role that
owns the workspace (FORCE makes the policies hold for the tables' owner too).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from zerotrail.store.database import Workspace

ENTITIES = "zerotrail.entities"
USER = "zerotrail.user"
RESTRICTED = "zerotrail.restricted"

_IDLE = 0  # psycopg.pq.TransactionStatus.IDLE: no transaction open

# Tables of entity-owned rows and the condition a row must meet to be seen or written by a
# restricted request (`zt_sees(entity)`: the entity is in the list, or no restriction is set).
# Rows keyed by a site follow the site (its entity); a run's problems follow their record. A
# row of no entity (an instrument or an event of the whole organization, a run's note) is the
# organization's, so a restricted request does not see it.
_SITE = "zt_unrestricted() OR site IN (SELECT s.site FROM sites s)"
ROW_OWNERS: dict[str, str] = {
    "entities": "zt_sees(entity)",
    "entity_versions": "zt_sees(entity)",
    "sites": "zt_sees(entity)",
    "site_versions": "zt_sees(entity)",
    "activities": "zt_sees(entity)",
    "instruments": "zt_sees(entity)",
    "instrument_versions": "zt_sees(entity)",
    "baseline_events": "zt_sees(entity)",
    # A calculation's result per record is its record (activities) times its signature's
    # coefficients (the `results` view): both sides are restricted, each by its entity.
    "run_signatures": "zt_sees(entity)",
    "run_problems": "zt_unrestricted() OR record_id IN (SELECT a.record_id FROM activities a)",
    "meter_readings": _SITE,
    "site_cooling": _SITE,
    "cooling_versions": _SITE,
    # Submitted files: an owner sees (and stores) only its own (pipeline/submissions.py says
    # the same in the service layer); their events follow them.
    "submissions": "zt_unrestricted() OR uploader = current_setting('zerotrail.user', true)",
    "submission_events": "zt_unrestricted() OR submission_id IN"
    " (SELECT s.submission_id FROM submissions s)",
}

# `coalesce(..., '')`: a custom setting once set in a session reads as '' after its transaction
# ends, and as NULL before it was ever set; both mean "not set".
FUNCTIONS = (
    """CREATE OR REPLACE FUNCTION zt_unrestricted() RETURNS boolean LANGUAGE sql STABLE AS $$
       SELECT coalesce(current_setting('zerotrail.entities', true), '') = ''
          AND coalesce(current_setting('zerotrail.restricted', true), '') <> 'on' $$""",
    """CREATE OR REPLACE FUNCTION zt_sees(e text) RETURNS boolean LANGUAGE sql STABLE AS $$
       SELECT zt_unrestricted() OR e IN (SELECT jsonb_array_elements_text(
           nullif(current_setting('zerotrail.entities', true), '')::jsonb)) $$""",
)


def policy_statements() -> tuple[str, ...]:
    """The migration's statements: the functions, then for each table RLS enabled and FORCEd
    (table owners bypass it otherwise) and one policy for reads and writes alike."""
    out = list(FUNCTIONS)
    for table, condition in ROW_OWNERS.items():
        out += [
            f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
            f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
            f"CREATE POLICY zt_entities ON {table} USING ({condition}) WITH CHECK ({condition})",
        ]
    return tuple(out)


def restrict(ws: Workspace, entities: frozenset[str], user: str) -> None:
    """Restrict every later statement on `ws` to the rows of `entities` (and `user`'s own
    submissions), from now until it is closed. Nothing on DuckDB (the service layer filters)."""
    if ws.dialect != "postgres" or isinstance(ws.con, _Restricted):
        return
    inner = ws.con
    # Session scope on purpose: it can only hide rows (see the module's docstring).
    inner.execute("SELECT set_config(?, 'on', false)", [RESTRICTED])
    ws.con = _Restricted(inner, json.dumps(sorted(entities)), user)
    if inner.raw.info.transaction_status != _IDLE:
        ws.con.scope()  # a reader's snapshot transaction, open since the workspace was


def restricted_to(ws: Workspace) -> list[str] | None:
    """The entities the current transaction of `ws` is restricted to; None when unrestricted
    (always None on DuckDB). For tests and checks: it reads the setting back."""
    if ws.dialect != "postgres":
        return None
    value = ws.scalar("SELECT current_setting(?, true)", [ENTITIES])
    return None if not value else [str(e) for e in json.loads(str(value))]


class _Restricted:
    """A PostgreSQL connection (store/postgres.py) whose every statement runs in a transaction
    that carries the restriction."""

    def __init__(self, inner: Any, entities: str, user: str) -> None:
        self._inner = inner
        self._entities = entities
        self._user = user

    def __getattr__(self, name: str) -> Any:  # raw, read_only, register, close ...
        return getattr(self._inner, name)

    def scope(self) -> None:
        """Set the restriction for the open transaction (both settings: transaction-local)."""
        self._inner.execute(
            "SELECT set_config(?, ?, true), set_config(?, ?, true)",
            [ENTITIES, self._entities, USER, self._user],
        )

    def begin(self) -> Any:
        result = self._inner.begin()
        self.scope()
        return result

    def _in_transaction(self) -> bool:
        return bool(self._inner.raw.info.transaction_status != _IDLE)

    def _alone(self, run: Any) -> Any:
        """`run()` in a transaction of its own carrying the restriction (autocommit kept)."""
        self._inner.raw.execute("BEGIN")
        try:
            self.scope()
            result = run()
        except BaseException:
            self._inner.raw.execute("ROLLBACK")
            raise
        self._inner.execute("COMMIT")
        return result

    def execute(self, sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None) -> Any:
        head = sql.lstrip()[:20].upper()
        if head.startswith(("BEGIN", "START TRANSACTION")):
            return self.begin()
        if head.startswith(("COMMIT", "ROLLBACK")) or self._in_transaction():
            return self._inner.execute(sql, params)
        return self._alone(lambda: self._inner.execute(sql, params))

    def sql(self, sql: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.execute(sql, params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Any:
        if self._in_transaction():
            return self._inner.executemany(sql, rows)
        return self._alone(lambda: self._inner.executemany(sql, rows))

    def execute_native(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        if self._in_transaction():
            return self._inner.execute_native(sql, params)
        return self._alone(lambda: self._inner.execute_native(sql, params))
