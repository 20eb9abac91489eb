"""A small served workspace, its users with one API token each, and an in-process client.

The world: group G (the root) with two subsidiaries, A and B, each using grid electricity in
East China in 2023, calculated (AR5) and covered by a signed checkpoint.

    a1  A  1,000 MWh x 0.5500 t CO2/MWh (MEE/NBS 2023 East China grid) =   550 t CO2e, Scope 2
    b1  B  2,000 MWh x 0.5500 t CO2/MWh                                = 1,100 t CO2e, Scope 2

Users: one per role; the owner `owner-a` owns entity A only.

The client calls the app in this process: httpx's ASGI transport inside asgi-lifespan's
LifespanManager (the transport alone runs no lifespan), on an event loop in a thread of its own
(anyio's blocking portal), so the tests themselves stay plain functions.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from asgi_lifespan import LifespanManager

from tests.conftest import Templates
from tests.engines.conftest import load
from zerotrail.engine.settings import InventorySettings
from zerotrail.pipeline.calculation import calculate
from zerotrail.pipeline.ledger import new_key_pair, sign_checkpoint, signer_key
from zerotrail.pipeline.users import add_user, new_token
from zerotrail.server.app import create_app
from zerotrail.store.workspace import Workspace, open_workspace

YEAR = 2023
A_T = 1000 * 0.55  # t CO2e of a1
B_T = 2000 * 0.55  # t CO2e of b1
LOG_NAME = "test.example/served"

ENTITIES = [
    {"entity": "G", "name": "Group", "parent": "", "equity_share": 100, "country": "CN"},
    {"entity": "A", "name": "Alpha", "parent": "G", "equity_share": 100, "country": "CN"},
    {"entity": "B", "name": "Beta", "parent": "G", "equity_share": 100, "country": "CN"},
]
for _e in ENTITIES:
    _e.update(financial_control="yes", operational_control="yes")

USERS = {
    "root": ("admin", ()),
    "ana": ("analyst", ()),
    "vera": ("verifier", ()),
    "vic": ("viewer", ()),
    "apu": ("approver", ()),
    "owner-a": ("owner", ("A",)),
}


def _electricity(rid: str, entity: str, mwh: float) -> dict[str, object]:
    return {
        "record_id": rid,
        "entity": entity,
        "period_start": f"{YEAR}-01-01",
        "period_end": f"{YEAR}-12-31",
        "activity": "electricity.grid",
        "quantity": mwh,
        "unit": "MWh",
        "region": "CN-EAST",
    }


def calculate_records(ws: Workspace, folder: Path) -> None:
    """The two subsidiaries' records (a1, b1) loaded and calculated."""
    load(
        ws,
        folder,
        entities=ENTITIES,
        activities=[_electricity("a1", "A", 1000), _electricity("b1", "B", 2000)],
    )
    calculate(ws, InventorySettings(YEAR, "AR5"))


def sign_log(ws: Workspace, folder: Path) -> str:
    """A signed checkpoint over the ledger so far, its verifier key in folder/log.vkey; the
    signer key's text."""
    signer_text, verifier_text = new_key_pair(LOG_NAME)
    sign_checkpoint(ws, signer_key(signer_text), folder / "ledger-state.json")
    (folder / "log.vkey").write_text(verifier_text, encoding="utf-8")
    return signer_text


def fill_world(ws: Workspace, folder: Path) -> None:
    """The two subsidiaries' records, calculated, and a signed checkpoint over them."""
    calculate_records(ws, folder)
    sign_log(ws, folder)


def add_users(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    """USERS added to the closed workspace file at `path`: each one's API token and password."""
    ws = open_workspace(str(path))
    try:
        tokens, passwords = {}, {}
        for name, (role, entities) in USERS.items():
            passwords[name] = add_user(ws, name, role, entities)
            tokens[name] = new_token(ws, name)
    finally:
        ws.close()
    return tokens, passwords


@dataclass(frozen=True)
class Served:
    """A closed workspace file with the world and its users, and each user's API token."""

    path: Path
    tokens: dict[str, str]
    log_key: str

    def copy(self, folder: Path) -> Path:
        target = folder / "served.duckdb"
        shutil.copyfile(self.path, target)
        return target


@pytest.fixture(scope="session")
def served(workspace_template: Templates, tmp_path_factory: pytest.TempPathFactory) -> Served:
    template = workspace_template(fill_world)
    folder = tmp_path_factory.mktemp("served")
    path = folder / "served.duckdb"
    shutil.copyfile(template, path)
    tokens, _passwords = add_users(path)
    log_key = (template.parent / "log.vkey").read_text(encoding="utf-8")
    return Served(path, tokens, log_key)


class Client:
    """Requests to the app, made from plain test functions."""

    def __init__(self, portal: BlockingPortal, client: httpx.AsyncClient, app: Any) -> None:
        self._portal = portal
        self._client = client
        self.app = app  # the FastAPI app served

    def request(
        self, method: str, path: str, token: str | None = None, **kw: Any
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        headers.update(kw.pop("headers", {}))
        return self._portal.call(lambda: self._client.request(method, path, headers=headers, **kw))

    def get(self, path: str, token: str | None = None, **kw: Any) -> httpx.Response:
        return self.request("GET", path, token, **kw)

    def post(self, path: str, token: str | None = None, **kw: Any) -> httpx.Response:
        return self.request("POST", path, token, **kw)


@contextmanager
def serving(db: Path | str) -> Iterator[Client]:
    """A client of the app serving the workspace `db`, for the duration of the block."""
    app = create_app(str(db))

    async def lifespan() -> LifespanManager:  # it must be made on the event loop
        return LifespanManager(app)

    with (
        start_blocking_portal() as portal,
        portal.wrap_async_context_manager(portal.call(lifespan)) as manager,
    ):
        transport = httpx.ASGITransport(app=manager.app)
        client = httpx.AsyncClient(transport=transport, base_url="http://test")
        with portal.wrap_async_context_manager(client):
            yield Client(portal, client, app)


@pytest.fixture(scope="module")
def reader(served: Served) -> Iterator[Client]:
    """A client of the shared workspace, for tests that only read (they never write it: see
    test_reading_never_writes)."""
    with serving(served.path) as client:
        yield client


def detail(response: httpx.Response) -> str:
    body = response.json()
    assert set(body) == {"detail"}, body
    assert isinstance(body["detail"], str) and "\n" not in body["detail"]
    return str(body["detail"])


def as_json(response: httpx.Response) -> Any:
    assert response.headers["content-type"] == "application/json", response.text
    return json.loads(response.text)


def first_line(proc: subprocess.Popen[str], seconds: float) -> str:
    """The process's first stdout line (a server's "listening on" line), or a test failure
    after `seconds`."""
    assert proc.stdout is not None
    stdout = proc.stdout
    line: list[str] = []
    reader = threading.Thread(target=lambda: line.append(stdout.readline()), daemon=True)
    reader.start()
    reader.join(seconds)
    if not line:
        proc.kill()
        pytest.fail(f"no line in {seconds} s; stderr: {proc.communicate()[1]}")
    return line[0]
