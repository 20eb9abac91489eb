"""The server's figure cache (server/cache.py), its state token (pipeline/state.py) and the kept
PostgreSQL readers (store/pool.py): kept figures are never stale, whoever changed the data.

The served world (conftest.py): 2023, A 1,000 MWh and B 2,000 MWh of East China grid electricity
at 0.55 t CO2/MWh: A 550 t, B 1,100 t, together 1,650 t CO2e of Scope 2 (location-based).
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import psycopg
import pytest

from tests import postgres
from tests.engines.conftest import write_csv
from tests.server.conftest import A_T, B_T, YEAR, Client, Served, _electricity, as_json, serving
from zerotrail.errors import SchemaVersionError
from zerotrail.ingest.activities import import_activities
from zerotrail.model.users import User
from zerotrail.pipeline.isolation import restrict_to, restricted_to
from zerotrail.pipeline.settings import change_setting
from zerotrail.pipeline.setup import ReaderPool, Workspace, open_reader, reader_pool
from zerotrail.pipeline.state import figures_token, state_token
from zerotrail.pipeline.users import add_user, new_token
from zerotrail.server import cache as cache_module
from zerotrail.server.access import WorkspaceAccess
from zerotrail.server.cache import FigureCache
from zerotrail.store.schema import LATEST_VERSION
from zerotrail.store.workspace import open_workspace

ZEROTRAIL = str(Path(sys.executable).with_name("zerotrail"))
C_MWH = 500.0  # the record added below: A, 500 MWh x 0.55 t/MWh = 275 t CO2e
C_T = C_MWH * 0.55

# A target on the served world's one year: Scope 2 (location) of 2023 halved by 2030.
ROADMAP = """
[[target]]
id = "S2"
kind = "absolute"
name = "Scope 2 halved by 2030"
scopes = [2]
scope2_method = "location"
base_year = 2023
target_year = 2030
reduction_pct = 50
set_year = 2023
"""


def _figures(client: Client) -> FigureCache:
    access = client.app.state.workspace
    assert isinstance(access, WorkspaceAccess)
    return access.figures


def _scope2(client: Client, token: str) -> float:
    r = client.get(f"/api/inventory/{YEAR}", token)
    assert r.status_code == 200, r.text
    return float(as_json(r)["scope2_location"])


def _add_record(db: Path, tmp: Path) -> None:
    """What an approval does to the data: one more activity record (c1, A, 500 MWh)."""
    with open_workspace(str(db)) as ws:
        import_activities(ws, write_csv(tmp / "more.csv", [_electricity("c1", "A", C_MWH)]))


# A stand-in for an open workspace: the cache only hands it to `state_token`, stubbed below.
WS = cast(Workspace, "a workspace")


# --- the cache alone (its key's token stubbed: these test keeping, not the workspace) ---------


@pytest.fixture
def token_of(monkeypatch: pytest.MonkeyPatch) -> dict[Workspace, str]:
    """The state token each fake workspace reads, changeable by the test."""
    tokens: dict[Workspace, str] = {}
    monkeypatch.setattr(cache_module, "state_token", lambda ws: tokens[ws])
    monkeypatch.setattr(cache_module, "figures_token", lambda ws: tokens[ws])
    return tokens


def test_a_figure_is_computed_once_per_state_and_again_when_the_state_changes(
    token_of: dict[Workspace, str],
) -> None:
    cache, calls = FigureCache(), []
    token_of[WS] = "v1"

    def compute() -> str:
        calls.append(1)
        return f"figure {len(calls)}"

    assert cache.get(WS, "inventory", (2023,), compute) == "figure 1"
    assert cache.get(WS, "inventory", (2023,), compute) == "figure 1"
    assert (cache.hits, cache.misses) == (1, 1)
    token_of[WS] = "v2"  # anything written
    assert cache.get(WS, "inventory", (2023,), compute) == "figure 2"
    # Another year, another entity set: other keys.
    assert cache.get(WS, "inventory", (2024,), compute) == "figure 3"
    got = cache.get(WS, "inventory", (2023,), compute, entities={"A"})
    assert got == "figure 4" and len(calls) == 4


def test_the_cache_keeps_at_most_its_bound_dropping_the_least_recently_used(
    token_of: dict[Workspace, str],
) -> None:
    cache = FigureCache(most=2)
    token_of[WS] = "v1"
    for year in (1, 2):
        cache.get(WS, "k", (year,), lambda year=year: year)  # type: ignore[misc]
    cache.get(WS, "k", (1,), lambda: -1)  # a hit: 1 is used last
    cache.get(WS, "k", (3,), lambda: 3)  # drops 2, not 1
    assert len(cache) == 2
    assert cache.get(WS, "k", (1,), lambda: -1) == 1
    assert cache.get(WS, "k", (2,), lambda: 22) == 22  # computed again


def test_an_error_is_not_kept(token_of: dict[Workspace, str]) -> None:
    cache = FigureCache()
    token_of[WS] = "v1"

    def fail() -> int:
        raise ValueError("no inventory")

    with pytest.raises(ValueError, match="no inventory"):
        cache.get(WS, "k", (), fail)
    assert cache.get(WS, "k", (), lambda: 7) == 7


def test_requests_missing_the_same_figure_at_once_compute_it_once(
    token_of: dict[Workspace, str],
) -> None:
    cache, calls = FigureCache(), []
    token_of[WS] = "v1"
    started, release = threading.Event(), threading.Event()

    def slow() -> str:
        calls.append(1)
        started.set()
        release.wait(10)
        return "figure"

    got: list[str] = []
    first = threading.Thread(target=lambda: got.append(cache.get(WS, "k", (), slow)))
    first.start()
    assert started.wait(10)
    others = [
        threading.Thread(target=lambda: got.append(cache.get(WS, "k", (), slow))) for _ in range(3)
    ]
    for t in others:
        t.start()
    release.set()
    for t in [first, *others]:
        t.join(10)
    assert got == ["figure"] * 4 and len(calls) == 1


# --- served: a write, by this server or another process, is seen by the next request --------


@pytest.fixture
def db(served: Served, tmp_path: Path) -> Path:
    return served.copy(tmp_path)


def test_a_calculation_after_an_import_changes_the_kept_inventory(
    served: Served, db: Path, tmp_path: Path
) -> None:
    ana = served.tokens["ana"]
    with serving(db) as client:
        assert _scope2(client, ana) == pytest.approx(A_T + B_T)  # 550 + 1,100 t
        assert _scope2(client, ana) == pytest.approx(A_T + B_T)
        assert _figures(client).hits == 1  # the second was kept
        _add_record(db, tmp_path)  # as an approval would: not calculated yet
        assert _scope2(client, ana) == pytest.approx(A_T + B_T)  # the stored run's figures
        r = client.post("/api/calculate", ana, json={"year": YEAR})
        assert r.status_code == 200, r.text
        # 550 + 1,100 + 500 MWh x 0.55 t/MWh = 1,925 t
        assert _scope2(client, ana) == pytest.approx(A_T + B_T + C_T)


def test_owners_and_others_are_kept_apart(served: Served, db: Path) -> None:
    with serving(db) as client:
        for _ in range(2):  # the second round comes from the cache
            assert _scope2(client, served.tokens["owner-a"]) == pytest.approx(A_T)  # A only
            assert _scope2(client, served.tokens["vic"]) == pytest.approx(A_T + B_T)
        assert _figures(client).hits == 2


def test_a_target_added_by_the_cli_in_another_process_shows_in_the_next_progress(
    served: Served, db: Path, tmp_path: Path
) -> None:
    ana = served.tokens["ana"]
    roadmap = tmp_path / "roadmap.toml"
    roadmap.write_text(ROADMAP, encoding="utf-8")
    with serving(db) as client:
        assert as_json(client.get(f"/api/progress/{YEAR}", ana))["targets"] == []
        assert as_json(client.get(f"/api/progress/{YEAR}", ana))["targets"] == []  # kept
        done = subprocess.run(
            [ZEROTRAIL, "--db", str(db), "targets", "add", str(roadmap)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        (target,) = as_json(client.get(f"/api/progress/{YEAR}", ana))["targets"]
    # Base year 2023 = 1,650 t; halved by 2030; in 2023 itself the pathway is the base.
    assert target["id"] == "S2" and target["actual"] == pytest.approx(A_T + B_T)
    assert target["target_value"] == pytest.approx((A_T + B_T) / 2)


def test_the_dashboard_page_shows_a_new_calculation(
    served: Served, db: Path, tmp_path: Path
) -> None:
    with open_workspace(str(db)) as ws:
        password = add_user(ws, "dash", "analyst")
    with serving(db) as client:
        page = client.get("/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert csrf is not None
        form = {"csrf_token": csrf.group(1), "name": "dash", "password": password}
        assert client.post("/login", data=form).status_code == 303
        assert "1,650" in client.get("/").text  # 550 + 1,100 t
        assert "1,650" in client.get("/").text
        _add_record(db, tmp_path)
        r = client.post("/api/calculate", served.tokens["ana"], json={"year": YEAR})
        assert r.status_code == 200, r.text
        now = client.get("/").text
        assert "1,925" in now and "1,650" not in now  # 1,650 + 275 t


def test_an_import_changes_the_state_token_and_reading_does_not(db: Path, tmp_path: Path) -> None:
    with open_workspace(str(db), read_only=True) as ws:
        before = state_token(ws)
    with open_workspace(str(db), read_only=True) as ws:
        assert state_token(ws) == before  # a read changes nothing
    _add_record(db, tmp_path)  # one more leaf in the ledger (the record is committed)
    with open_workspace(str(db), read_only=True) as ws:
        assert state_token(ws) != before


# --- PostgreSQL: kept readers ------------------------------------------------------------------


@pytest.fixture
def pg_url(postgres_template: str) -> str:
    return postgres.create_database(template=postgres_template)


@pytest.fixture
def pool(pg_url: str) -> Iterator[ReaderPool]:
    kept = reader_pool(pg_url)
    assert kept is not None
    yield kept
    kept.close()


def _write_setting(url: str, key: str, value: str) -> None:
    with open_workspace(url) as ws:
        ws.set_setting(key, value)


def test_a_kept_reader_sees_a_write_by_another_connection_in_its_token(
    pg_url: str, pool: ReaderPool
) -> None:
    def token() -> str:
        with open_reader(pool) as ws:
            return state_token(ws)

    first = token()
    assert token() == first and pool.idle == 1  # one kept
    _write_setting(pg_url, "organization", "Changed Ltd")
    assert token() != first


def test_the_figures_token_ignores_transactions_that_change_no_figure(
    pg_url: str, pool: ReaderPool
) -> None:
    # The snapshot (state token) moves with any transaction on the server, as autovacuum's
    # ANALYZE does; the figures token (the ledger's size, the current runs) only with a write
    # figures depend on (here a committed setting, as an approved import commits records).
    def tokens() -> tuple[str, str]:
        with open_reader(pool) as ws:
            return state_token(ws), figures_token(ws)

    state, figures = tokens()
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("SELECT txid_current()")  # a transaction that writes nothing
    moved, same = tokens()
    assert moved != state and same == figures
    with open_workspace(pg_url) as ws:  # a committed setting: a leaf of the ledger
        change_setting(ws, "organization", "Changed Ltd")
    assert tokens()[1] != figures


def test_a_newer_schema_written_meanwhile_is_refused_by_the_next_reader(
    pg_url: str, pool: ReaderPool
) -> None:
    with open_reader(pool):
        pass
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute(
            "UPDATE zt_meta SET value = %s WHERE key = 'schema_version'",
            [str(LATEST_VERSION + 1)],
        )
    with pytest.raises(SchemaVersionError, match="newer than this zerotrail"):
        open_reader(pool)


def test_an_owners_restriction_does_not_outlive_its_request(pg_url: str, pool: ReaderPool) -> None:
    owner = User("owner-a", "owner", ("A",))
    with open_reader(pool) as ws:
        restrict_to(ws, owner)
        assert restricted_to(ws) == ["A"]
    with open_reader(pool) as ws:  # the same connection, kept
        assert pool.idle == 0
        assert restricted_to(ws) is None
        flag = ws.scalar("SELECT current_setting('zerotrail.restricted', true)")
        assert not flag


def test_a_kept_connection_the_server_dropped_is_replaced(pg_url: str, pool: ReaderPool) -> None:
    with open_reader(pool) as ws:
        pid = ws.scalar("SELECT pg_backend_pid()")
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("SELECT pg_terminate_backend(%s)", [pid])
    with open_reader(pool) as ws:
        assert ws.scalar("SELECT pg_backend_pid()") != pid


def test_a_server_on_postgresql_reads_on_kept_connections_and_closes_them_when_it_stops(
    pg_url: str,
) -> None:
    with open_workspace(pg_url) as ws:
        add_user(ws, "ana", "analyst")
        token = new_token(ws, "ana")
    with serving(pg_url) as client:
        access = client.app.state.workspace
        assert isinstance(access, WorkspaceAccess) and access.pool is not None
        for _ in range(3):  # one after another: one connection, kept between them
            assert as_json(client.get("/api/me", token))["name"] == "ana"
        assert access.pool.idle == 1
    assert access.pool.idle == 0  # the lifespan's end closed it
