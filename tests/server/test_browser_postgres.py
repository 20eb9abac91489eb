"""The issue's "done when" on PostgreSQL: test_browser_data.py's browser flow (upload with a row
error, fix, approve, recalculate, download a proof the verify stage accepts), run against
`zerotrail serve --db postgresql://...`, plus what a DuckDB file cannot show: the owner of A's
pages, read through row-level security, show none of B's rows.

The server connects as an ordinary role (NOSUPERUSER NOBYPASSRLS) that owns the database, as in
production: a superuser would pass every policy (docs/server.md, "Isolation"). The world is
conftest.py's (G > A, B; a1 550 t CO2e of A, b1 1,100 t of B; signed checkpoint), with the same
users as test_browser_data.py, and an owner of B whose file beta-readings.csv (record b2) waits
in the approval queue, submitted through this server. The figures are test_browser_data.py's:

    before   1,000 MWh + 2,000 MWh = 3,000 MWh x 0.55 t CO2/MWh = 1,650 t CO2e Scope 2 (2023)
    after    3,000 MWh +   100 MWh = 3,100 MWh x 0.55 t CO2/MWh = 1,705 t CO2e

(b2 is never approved, so it is in no figure.) Skipped, with one line, where /usr/bin/chromium
is not installed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.chromium import launched
from tests.server.browser import NEEDS_CHROMIUM, serving
from tests.server.conftest import YEAR, fill_world
from tests.server.test_browser_data import Server, Watched

# The DuckDB module's flow, collected here too: pytest runs them with this module's fixtures
# (`server`, `browser`, `served` below), so the flow is the same code on either engine. (Its
# 1280 px layout test is not run again: the pages do not depend on the engine, and it would
# add a quarter to this module's time.)
from tests.server.test_browser_data import (
    test_upload_fix_approve_recalculate_and_prove as test_upload_fix_approve_recalculate_and_prove,
)
from tests.server.test_isolation import B_RECORD
from zerotrail.pipeline.calculation import load_shipped_factors
from zerotrail.pipeline.users import add_user, new_token
from zerotrail.store.workspace import open_workspace

pytest.importorskip("psycopg")

pytestmark = NEEDS_CHROMIUM

# Owner B's file: its name holds no "meters.csv", which the flow looks for in the queue.
B_FILE = "beta-readings.csv"
# B's part of the drill down to records: b1 has no site, as a1 (an approver sees both there).
RECORDS = f"/inventory?year={YEAR}&scope=2&category=electricity.grid&site="


@dataclass(frozen=True)
class LogKey:
    """What the flow's `served` gives it: the verifier key of the world's signed log (the
    DuckDB module's Served also names a workspace file, which PostgreSQL has none of)."""

    log_key: str


@dataclass(frozen=True)
class World:
    server: Server
    log_key: str
    b_submission: str  # the id of owner B's waiting file


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    from tests.store.test_isolation_postgres import app_role_database

    folder = tmp_path_factory.mktemp("browser-postgres")
    with app_role_database() as url:
        with open_workspace(url, create=True) as ws:
            load_shipped_factors(ws)  # the East China grid factor
            fill_world(ws, folder)
            passwords = {
                name: add_user(ws, name, role, entities)
                for name, role, entities in [
                    ("b-own", "owner", ("A",)),
                    ("b-own-b", "owner", ("B",)),
                    ("b-appr", "approver", ()),
                    ("b-ana", "analyst", ()),
                    ("b-vera", "verifier", ()),
                ]
            }
            tokens = {name: new_token(ws, name) for name in ("b-ana", "b-own-b")}
            # Else the owner's pages below would prove nothing: a role that is a superuser or
            # may bypass row-level security sees every row whatever the policies say.
            bypass = ws.scalar(
                "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user"
            )
            assert bypass is False
        with serving(url, folder) as (base, _):
            answer = httpx.post(
                f"{base}/api/imports",
                files={"file": (B_FILE, B_RECORD.encode(), "text/csv")},
                data={"kind": "activities"},
                headers={"Authorization": f"Bearer {tokens['b-own-b']}"},
                timeout=60,
            )
            assert answer.status_code == 201, answer.text
            log_key = (folder / "log.vkey").read_text(encoding="utf-8")
            server = Server(base, passwords, tokens["b-ana"])
            yield World(server, log_key, str(answer.json()["id"]))


@pytest.fixture(scope="module")
def server(world: World) -> Server:
    return world.server


@pytest.fixture(scope="module")
def served(world: World) -> LogKey:
    return LogKey(world.log_key)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launched()


def _seen(browser: Any, world: World, name: str) -> tuple[str, str]:
    """The text of the /data page and of the inventory's records page, as `name` sees them."""
    watched = Watched(browser, world.server, name, 1280)
    try:
        texts = []
        for path in ("/data", RECORDS):
            watched.page.goto(f"{world.server.base}{path}")
            texts.append(watched.page.inner_text("main"))
    finally:
        watched.close()
    return texts[0], texts[1]


def _names(trace: str, text: str) -> bool:
    """Whether `text` holds `trace` as a word of its own (not inside an id's hex digits or a
    longer number)."""
    return re.search(rf"(?<![\w.,-]){re.escape(trace)}(?![\w,-])", text) is not None


def test_the_owner_of_a_sees_none_of_bs_rows(browser: Any, world: World) -> None:
    # The same pages as an approver (no restriction) show B's file and record: without them
    # here, the owner's pages would show nothing of B for want of it.
    data, records = _seen(browser, world, "b-appr")
    assert B_FILE in data and "b-own-b" in data, data
    assert "b1" in records and "a1" in records, records
    data, records = _seen(browser, world, "b-own")
    for trace in (B_FILE, "b-own-b", world.b_submission, "b2"):
        assert not _names(trace, data), (trace, data)
    # a1 alone: 1,000 MWh x 0.55 t CO2/MWh = 550 t CO2e; b1's 2,000 MWh and 1,100 t are not.
    assert "a1" in records, records
    for trace in ("b1", "Beta", "2,000", "1,100"):
        assert not _names(trace, records), (trace, records)
