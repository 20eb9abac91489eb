"""Row-level security on PostgreSQL (store/isolation.py, migration 18): an owner's connection
reads none of another entity's rows in any table of entity-owned rows, cannot write them, and
the restriction never outlives its transaction.

The database belongs to an ordinary role (NOSUPERUSER NOBYPASSRLS), which also creates the
workspace, as a server's would: superusers bypass every policy, and so do views they own.

The world: entities G > A, B; sites SA (A) and SB (B); records a1 (A, at SA) and b1 (B, at SB),
calculated; every other table of entity-owned rows gets one row of A and one of B.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests import postgres
from tests.engines.conftest import load
from zerotrail.engine.settings import InventorySettings
from zerotrail.model.users import User
from zerotrail.pipeline.calculation import calculate, load_shipped_factors
from zerotrail.pipeline.inventory import inventory_summary
from zerotrail.pipeline.isolation import restrict_to, restricted_to
from zerotrail.store.isolation import ROW_OWNERS
from zerotrail.store.sql import quote_ident
from zerotrail.store.workspace import Workspace, open_workspace

pytest.importorskip("psycopg")

YEAR = 2023
OWNER_A = User("owner-a", "owner", ("A",))

# Each table of entity-owned rows: the column that says whose a row is, A's value, B's value.
KEYS = {
    "entities": ("entity", "A", "B"),
    "entity_versions": ("entity", "A", "B"),
    "sites": ("entity", "A", "B"),
    "site_versions": ("entity", "A", "B"),
    "activities": ("entity", "A", "B"),
    "instruments": ("entity", "A", "B"),
    "instrument_versions": ("entity", "A", "B"),
    "baseline_events": ("entity", "A", "B"),
    "run_signatures": ("entity", "A", "B"),
    "run_problems": ("record_id", "a1", "b1"),
    "meter_readings": ("site", "SA", "SB"),
    "site_cooling": ("site", "SA", "SB"),
    "cooling_versions": ("site", "SA", "SB"),
    "submissions": ("uploader", "owner-a", "owner-b"),
    "submission_events": ("submission_id", "sub-a", "sub-b"),
}
# Filled by the imports and the calculation; the others get rows written here.
IMPORTED = {"entities", "entity_versions", "sites", "site_versions", "activities", "run_signatures"}
# Rows the tests write beside those a key names (a submission's events follow the submission).
EXTRA = {"submissions": {"submission_id": ("sub-a", "sub-b")}}

ENTITIES = [
    {"entity": e, "name": e, "parent": p, "equity_share": 100, "country": "CN"}
    | {"financial_control": "yes", "operational_control": "yes"}
    for e, p in (("G", ""), ("A", "G"), ("B", "G"))
]
SITES = [
    {"site": "SA", "entity": "A", "kind": "office", "region": "CN-EAST"},
    {"site": "SB", "entity": "B", "kind": "office", "region": "CN-EAST"},
]


def _record(rid: str, entity: str, site: str, mwh: float) -> dict[str, object]:
    return {
        "record_id": rid,
        "entity": entity,
        "site": site,
        "period_start": f"{YEAR}-01-01",
        "period_end": f"{YEAR}-12-31",
        "activity": "electricity.grid",
        "quantity": mwh,
        "unit": "MWh",
        "region": "CN-EAST",
    }


_SERIAL = itertools.count()
_TEXT = ("character varying", "text")
_FILL = {
    "integer": 1,
    "bigint": 1,
    "double precision": 1.0,
    "boolean": False,
    "date": date(YEAR, 1, 1),
    "timestamp without time zone": datetime(YEAR, 1, 1, tzinfo=UTC).replace(tzinfo=None),
    "bytea": b"",
}


def _insert(ws: Workspace, table: str, given: dict[str, Any]) -> None:
    """One row of `table`: the given columns, any value in the other required ones (a policy
    looks at the owner's column only)."""
    required = ws.fetchall(
        "SELECT column_name, data_type FROM information_schema.columns"
        " WHERE table_name = ? AND table_schema = current_schema() AND is_nullable = 'NO'",
        [table],
    )
    # Text columns get a value of their own: some are keys (instrument ids ...).
    row = {n: f"{n}-{next(_SERIAL)}" if k in _TEXT else _FILL[k] for n, k in required} | given
    names = ", ".join(quote_ident(n) for n in row)
    marks = ", ".join("?" for _ in row)
    ws.execute(f"INSERT INTO {quote_ident(table)} ({names}) VALUES ({marks})", list(row.values()))


def _fill_world(ws: Workspace, folder: Path) -> None:
    load_shipped_factors(ws)  # the East China grid factor (about 2 s)
    load(
        ws,
        folder,
        entities=ENTITIES,
        sites=SITES,
        activities=[_record("a1", "A", "SA", 1000), _record("b1", "B", "SB", 2000)],
    )
    calculate(ws, InventorySettings(YEAR, "AR5"))
    with ws.transaction():
        for table, (column, a, b) in KEYS.items():
            if table in IMPORTED:
                continue
            for i, value in enumerate((a, b)):
                extra = {k: v[i] for k, v in EXTRA.get(table, {}).items()}
                _insert(ws, table, {column: value} | extra)


@contextmanager
def app_role_database() -> Iterator[str]:
    """The URL of a new, empty database owned by a new ordinary role (NOSUPERUSER NOBYPASSRLS),
    as that role; both are dropped after the block."""
    role = f"zt_app_{os.getpid()}_{next(_SERIAL)}"
    name = f"zt_rls_{os.getpid()}_{next(_SERIAL)}"
    postgres._admin(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS")
    try:
        postgres._admin(f"CREATE DATABASE {name} OWNER {role}")
        parts = urlsplit(postgres.server_url())
        yield urlunsplit(parts._replace(path=f"/{name}", netloc=f"{role}:@{parts.hostname or ''}"))
    finally:
        postgres._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        postgres._admin(f"DROP ROLE IF EXISTS {role}")


@dataclass(frozen=True)
class AppDatabase:
    url: str  # as the ordinary role that owns it


@pytest.fixture(scope="module")
def app_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppDatabase]:
    with app_role_database() as url:
        with open_workspace(url, create=True) as ws:
            _fill_world(ws, tmp_path_factory.mktemp("rls"))
        yield AppDatabase(url)


def _owners(ws: Workspace, table: str) -> list[str]:
    column = KEYS[table][0]
    return [str(v) for (v,) in ws.fetchall(f"SELECT {quote_ident(column)} FROM {table}")]


def test_every_table_of_entity_rows_has_forced_row_level_security(app_db: AppDatabase) -> None:
    assert set(KEYS) == set(ROW_OWNERS)  # a table added to the policies is tested here too
    with open_workspace(app_db.url, read_only=True) as ws:
        rows = ws.fetchall(
            "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class"
            " WHERE relkind = 'r' AND relname = ANY(?)",
            [list(KEYS)],
        )
        super_user = ws.scalar(
            "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user"
        )
    assert sorted(rows) == sorted((t, True, True) for t in KEYS)
    assert super_user is False  # else the tests below would prove nothing


def test_without_the_setting_every_row_is_seen_as_the_cli_sees_it(app_db: AppDatabase) -> None:
    with open_workspace(app_db.url, read_only=True) as ws:
        assert restricted_to(ws) is None
        for table, (_, a, b) in KEYS.items():
            assert {a, b} <= set(_owners(ws, table)), table


def test_an_owners_reader_sees_none_of_another_entitys_rows(app_db: AppDatabase) -> None:
    with open_workspace(app_db.url, read_only=True) as ws:
        assert restrict_to(ws, OWNER_A) == frozenset({"A"})
        assert restricted_to(ws) == ["A"]
        for table, (_, a, b) in KEYS.items():
            seen = _owners(ws, table)
            assert a in seen and b not in seen, (table, seen)
        # The per-record results (a view over activities and run signatures): a1 alone.
        assert ws.fetchall("SELECT DISTINCT record_id FROM results") == [("a1",)]
        # Even a stage not told the entity set adds up A's part only: a1's 1,000 MWh x
        # 0.55 t CO2/MWh (MEE/NBS 2023 East China grid) = 550 t CO2e, not 550 + 1,100.
        summary = inventory_summary(ws, YEAR)
        assert summary["scope2_location"] == pytest.approx(550.0)


def test_an_owner_cannot_insert_update_or_delete_another_entitys_rows(
    app_db: AppDatabase,
) -> None:
    import psycopg

    with open_workspace(app_db.url) as ws:
        restrict_to(ws, OWNER_A)
        for table, (column, a, b) in KEYS.items():
            key = quote_ident(column)
            extra = {k: v[1] + "-new" for k, v in EXTRA.get(table, {}).items()}
            with pytest.raises(psycopg.errors.InsufficientPrivilege), ws.transaction():
                _insert(ws, table, {column: b} | extra)  # a row of B
            with pytest.raises(psycopg.errors.InsufficientPrivilege), ws.transaction():
                ws.execute(f"UPDATE {table} SET {key} = ? WHERE {key} = ?", [b, a])  # A's to B
            with ws.transaction():  # B's rows are not there to change: nothing happens
                ws.execute(f"UPDATE {table} SET {key} = ? WHERE {key} = ?", [a, b])
                ws.execute(f"DELETE FROM {table} WHERE {key} = ?", [b])
    with open_workspace(app_db.url, read_only=True) as ws:
        for table, (_, a, b) in KEYS.items():
            assert {a, b} <= set(_owners(ws, table)), table


def test_an_owners_statements_outside_a_transaction_are_restricted_too(
    app_db: AppDatabase,
) -> None:
    # A writable connection is in autocommit: each statement runs in a transaction of its own
    # that carries the restriction.
    with open_workspace(app_db.url) as ws:
        restrict_to(ws, OWNER_A)
        assert ws.fetchall("SELECT DISTINCT entity FROM activities") == [("A",)]
        assert restricted_to(ws) == ["A"]


def test_the_setting_does_not_survive_its_transaction(app_db: AppDatabase) -> None:
    import psycopg

    with psycopg.connect(app_db.url, autocommit=True) as con:
        con.execute("BEGIN")
        con.execute("SELECT set_config('zerotrail.entities', %s, true)", ['["A"]'])
        assert con.execute("SELECT DISTINCT entity FROM activities").fetchall() == [("A",)]
        con.execute("COMMIT")
        # The next use of the same connection: the setting is gone, so (no restriction set)
        # every row is visible again, as on any connection that never set it.
        assert con.execute("SELECT current_setting('zerotrail.entities', true)").fetchone() == ("",)
        seen = con.execute("SELECT entity FROM activities ORDER BY 1").fetchall()
        assert seen == [("A",), ("B",)]


def test_a_restricted_connection_without_its_setting_sees_nothing(app_db: AppDatabase) -> None:
    # Fail closed: a statement that bypasses the restricted connection's transactions (here
    # straight on the driver's connection, after a transaction ended) reads no row at all.
    with open_workspace(app_db.url) as ws:
        restrict_to(ws, OWNER_A)
        with ws.transaction():
            assert ws.fetchall("SELECT DISTINCT entity FROM activities") == [("A",)]
        raw = ws.con.raw
        assert raw.execute("SELECT current_setting('zerotrail.entities', true)").fetchone() == ("",)
        assert raw.execute("SELECT count(*) FROM activities").fetchone() == (0,)
        assert raw.execute("SELECT count(*) FROM entities").fetchone() == (0,)
