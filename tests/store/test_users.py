"""Users and API tokens as stored (store/users.py, migration 16), on DuckDB and PostgreSQL,
through the users stage: what is stored is a hash, never the password or token."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from tests import postgres
from tests.engines.conftest import write_csv
from zerotrail.ingest.organization import import_entities
from zerotrail.pipeline import users
from zerotrail.store.users import read_users, token_by_prefix
from zerotrail.store.workspace import Workspace, open_workspace

# E, the reporting company, and F, its subsidiary: the entities owners are given.
ENTITIES = [
    {
        "entity": "E",
        "name": "Emmet",
        "parent": "",
        "equity_share": 100,
        "financial_control": "yes",
        "operational_control": "yes",
        "country": "CN",
    },
    {
        "entity": "F",
        "name": "Emmet Freight",
        "parent": "E",
        "equity_share": 100,
        "financial_control": "yes",
        "operational_control": "yes",
        "country": "GB",
    },
]


# Argon2id still, with the least work (1 pass over 64 KiB instead of 3 over 64 MiB): the
# production cost is a second per hash on the shared test machine. Only
# test_passwords_are_hashed_with_the_recommended_argon2id_parameters uses the real one.
_CHEAP = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=64, parallelism=1),))


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users, "_hasher", lambda: _CHEAP)
    dummy = _CHEAP.hash("an unknown password")
    monkeypatch.setattr(users, "_dummy_hash", lambda: dummy)


def with_entities(ws: Workspace, folder: Path) -> Workspace:
    """The workspace with entities E and F imported."""
    import_entities(ws, write_csv(folder / "entities.csv", ENTITIES))
    return ws


@pytest.fixture(params=["duckdb", "postgres"])
def ws(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Workspace]:
    """A new, empty workspace (no factors: users need none) with entities E and F."""
    pg = request.param == "postgres"
    url = postgres.create_database() if pg else str(tmp_path / "w.duckdb")
    with open_workspace(url, create=True) as opened:
        yield with_entities(opened, tmp_path)


def test_a_user_is_stored_with_an_argon2id_hash_and_its_entities(ws: Workspace) -> None:
    password = users.add_user(ws, "olga", "owner", ["F", "E", "F"])
    (row,) = read_users(ws, "olga")
    assert row.role == "owner" and row.entities == ("E", "F")  # each once, sorted
    assert row.password_hash.startswith("$argon2id$")
    assert password not in row.password_hash
    assert not row.disabled and row.tokens == 0
    assert users.authenticate_password(ws, "olga", password) == users.User(
        "olga", "owner", ("E", "F")
    )
    assert users.authenticate_password(ws, "olga", password + "x") is None


def test_a_token_is_stored_as_its_sha256_only(ws: Workspace) -> None:
    users.add_user(ws, "ana", "analyst")
    token = users.new_token(ws, "ana")
    prefix = token.split("_")[1]
    assert token_by_prefix(ws, prefix) == ("ana", hashlib.sha256(token.encode()).hexdigest())
    stored = ws.fetchall("SELECT * FROM api_tokens")
    assert not any(token in str(value) for row in stored for value in row)
    assert users.authenticate_token(ws, token) == users.User("ana", "analyst", ())
    assert read_users(ws, "ana")[0].tokens == 1


def test_a_disabled_user_fails_with_its_right_password_and_token(ws: Workspace) -> None:
    password = users.add_user(ws, "vera", "verifier")
    token = users.new_token(ws, "vera")
    assert users.disable_user(ws, "vera") is True
    assert users.disable_user(ws, "vera") is False  # already
    assert users.authenticate_password(ws, "vera", password) is None
    assert users.authenticate_token(ws, token) is None
    assert read_users(ws, "vera")[0].disabled


@pytest.mark.parametrize("ws", ["duckdb"], indirect=True)
def test_passwords_are_hashed_with_the_recommended_argon2id_parameters(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.undo()  # the production hasher, not cheap_argon2's
    password = users.add_user(ws, "root", "admin")
    (row,) = read_users(ws, "root")
    # pwdlib's recommended Argon2id: version 19, 64 MiB, 3 passes, 4 lanes.
    assert row.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert users.authenticate_password(ws, "root", password) == users.User("root", "admin", ())
