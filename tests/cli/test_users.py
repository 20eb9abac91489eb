"""`zerotrail users add|token|list|disable` (cli/users.py): a password or token printed once on
stdout is the one that authenticates; refusals are one line; no listing shows a hash."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.invoke import Result, zerotrail
from tests.conftest import Templates
from tests.store.test_users import cheap_argon2, with_entities
from zerotrail.pipeline import users
from zerotrail.pipeline.users import User
from zerotrail.store.workspace import open_workspace

__all__ = ["cheap_argon2"]  # the autouse fixture, imported to apply here too


@pytest.fixture
def db(workspace_template: Templates, tmp_path: Path) -> Path:
    """A closed workspace file with entities E and F."""
    path = tmp_path / "w.duckdb"
    path.write_bytes(workspace_template(with_entities).read_bytes())
    return path


def run(db: Path, *args: str) -> Result:
    return zerotrail("--db", str(db), "users", *args)


def test_add_prints_a_password_that_authenticates_and_says_it_is_shown_once(db: Path) -> None:
    res = run(db, "add", "olga", "--role", "owner", "--entity", "F", "--entity", "E")
    assert res.code == 0, res.stderr
    (password,) = res.stdout.splitlines()  # the password alone, for a script to capture
    assert "will not be shown again" in res.stderr and password not in res.stderr
    with open_workspace(str(db), read_only=True) as ws:
        assert users.authenticate_password(ws, "olga", password) == User(
            "olga", "owner", ("E", "F")
        )


def test_token_prints_a_token_that_authenticates(db: Path) -> None:
    assert run(db, "add", "ana", "--role", "analyst").code == 0
    res = run(db, "token", "ana")
    assert res.code == 0, res.stderr
    (token,) = res.stdout.splitlines()
    assert "will not be shown again" in res.stderr and token not in res.stderr
    with open_workspace(str(db), read_only=True) as ws:
        assert users.authenticate_token(ws, token) == User("ana", "analyst", ())


def test_list_shows_users_and_never_a_hash(db: Path) -> None:
    run(db, "add", "olga", "--role", "owner", "--entity", "F")
    run(db, "add", "ana", "--role", "analyst")
    token = run(db, "token", "ana").stdout.strip()
    assert run(db, "disable", "olga").stdout.strip() == (
        "user 'olga' disabled: its password and API tokens no longer work"
    )
    res = run(db, "list", "--format", "json")
    assert res.code == 0, res.stderr
    rows = json.loads(res.stdout)
    assert [(r["name"], r["role"], r["entities"], r["disabled"], r["tokens"]) for r in rows] == [
        ("ana", "analyst", [], False, 1),
        ("olga", "owner", ["F"], True, 0),
    ]
    table = run(db, "list").stdout
    assert "olga" in table and "disabled" in table and "all" in table  # ana sees all entities
    for out in (res.stdout, table, run(db, "list", "--format", "csv").stdout):
        assert "argon2" not in out and token not in out and token.split("_")[1] not in out


@pytest.mark.parametrize(
    ("args", "code", "line"),
    [
        (
            ["add", "u", "--role", "root"],
            2,
            "usage error: Invalid value for --role: expected one of admin, owner, approver,"
            " analyst, verifier, viewer (see `zerotrail users add --help`)",
        ),
        (
            ["add", "u", "--role", "owner", "--entity", "X"],
            1,
            "error: unknown entity 'X': not in the workspace's entities (import them with"
            " `zerotrail import entities`)",
        ),
        (["add", "ana", "--role", "viewer"], 1, "error: user 'ana' already exists"),
        (["token", "bob"], 1, "error: unknown user 'bob'"),
        (["disable", "bob"], 1, "error: unknown user 'bob'"),
    ],
)
def test_refusals_are_one_line(db: Path, args: list[str], code: int, line: str) -> None:
    assert run(db, "add", "ana", "--role", "analyst").code == 0
    res = run(db, *args)
    assert (res.code, res.stderr.splitlines(), res.stdout) == (code, [line], "")
