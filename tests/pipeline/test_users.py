"""The users stage (pipeline/users.py): generated secrets, authentication and its refusals, on a
DuckDB workspace with entities E and F (tests/store/test_users.py runs the stored side on both
engines)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Templates, open_copy
from tests.store.test_users import _CHEAP, cheap_argon2, with_entities
from zerotrail.pipeline import users
from zerotrail.pipeline.users import User, UserError
from zerotrail.store.workspace import Workspace, open_workspace

__all__ = ["cheap_argon2"]  # the autouse fixture, imported to apply here too


@pytest.fixture
def ws(workspace_template: Templates, tmp_path: Path) -> Iterator[Workspace]:
    with open_copy(workspace_template(with_entities), tmp_path) as opened:
        yield opened


def test_a_generated_password_is_url_safe_and_192_bits(ws: Workspace) -> None:
    a = users.add_user(ws, "a", "viewer")
    b = users.add_user(ws, "b", "viewer")
    # 24 random bytes in URL-safe base64 without padding: 32 characters.
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", a) and re.fullmatch(r"[A-Za-z0-9_-]{32}", b)
    assert a != b


def test_a_wrong_password_an_unknown_user_and_a_malformed_name_fail(ws: Workspace) -> None:
    password = users.add_user(ws, "ana", "analyst")
    assert users.authenticate_password(ws, "ana", password) == User("ana", "analyst", ())
    assert users.authenticate_password(ws, "ana", password.upper()) is None
    assert users.authenticate_password(ws, "ana", "") is None
    assert users.authenticate_password(ws, "bob", password) is None
    assert users.authenticate_password(ws, "ana' OR '1'='1", password) is None
    assert users.authenticate_password(ws, "ana", "\ud800") is None  # a lone surrogate


class _Counting:
    """The hasher, counting the hashes it is asked to verify against."""

    def __init__(self) -> None:
        self.verified: list[str] = []

    def verify(self, password: Any, hashed: str) -> bool:
        self.verified.append(hashed)
        return _CHEAP.verify(password, hashed)

    def hash(self, password: Any) -> str:
        return _CHEAP.hash(password)


def test_an_unknown_name_costs_one_argon2id_verification_like_a_known_one(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    users.add_user(ws, "ana", "analyst")
    counting = _Counting()
    monkeypatch.setattr(users, "_hasher", lambda: counting)
    for name in ("ana", "nobody", "bad name"):
        assert users.authenticate_password(ws, name, "guess") is None
    known, unknown, malformed = counting.verified
    assert known.startswith("$argon2id$")
    assert unknown == malformed == users._dummy_hash()
    assert unknown.startswith("$argon2id$")


def test_tokens_have_the_documented_form_and_differ_between_users(ws: Workspace) -> None:
    users.add_user(ws, "ana", "analyst")
    users.add_user(ws, "olga", "owner", ["F"])
    a1, a2, o = users.new_token(ws, "ana"), users.new_token(ws, "ana"), users.new_token(ws, "olga")
    for token in (a1, a2, o):
        # zt_, 12 hex digits (48 bits, the lookup prefix), _, 43 URL-safe chars (256 bits).
        assert re.fullmatch(r"zt_[0-9a-f]{12}_[A-Za-z0-9_-]{43}", token), token
    assert len({a1, a2, o}) == 3
    assert len({t.split("_")[1] for t in (a1, a2, o)}) == 3
    assert users.authenticate_token(ws, a1) == users.authenticate_token(ws, a2)
    assert users.authenticate_token(ws, o) == User("olga", "owner", ("F",))


def test_a_wrong_token_fails(ws: Workspace) -> None:
    users.add_user(ws, "ana", "analyst")
    users.add_user(ws, "olga", "owner", ["F"])
    token, other = users.new_token(ws, "ana"), users.new_token(ws, "olga")
    last = "A" if token[-1] != "A" else "B"
    assert users.authenticate_token(ws, token[:-1] + last) is None  # one character changed
    # Another user's prefix with this user's secret, and the reverse.
    assert users.authenticate_token(ws, other[:16] + token[16:]) is None
    assert users.authenticate_token(ws, token[:16] + other[16:]) is None
    assert users.authenticate_token(ws, "zt_000000000000_" + token[16:]) is None  # no such prefix
    for malformed in ("", token[:-1], token + "A", token.upper(), "Bearer " + token, "\ud800"):
        assert users.authenticate_token(ws, malformed) is None


def test_authenticating_only_reads(ws: Workspace, tmp_path: Path) -> None:
    password = users.add_user(ws, "ana", "analyst")
    token = users.new_token(ws, "ana")
    ws.close()
    with open_workspace(str(tmp_path / "w.duckdb"), read_only=True) as reader:
        assert users.authenticate_password(reader, "ana", password) is not None
        assert users.authenticate_token(reader, token) is not None


def test_list_users_gives_every_user_and_list_accounts_their_status(ws: Workspace) -> None:
    users.add_user(ws, "olga", "owner", ["F", "E"])
    users.add_user(ws, "ana", "analyst")
    users.new_token(ws, "ana")
    users.disable_user(ws, "olga")
    assert users.list_users(ws) == [User("ana", "analyst", ()), User("olga", "owner", ("E", "F"))]
    accounts = users.list_accounts(ws)
    assert [(a.user.name, a.disabled, a.tokens) for a in accounts] == [
        ("ana", False, 1),
        ("olga", True, 0),
    ]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda ws: users.add_user(ws, "u", "root"), "unknown role 'root': choose one of admin"),
        (lambda ws: users.add_user(ws, "u", "owner", ["X"]), "unknown entity 'X': not in the"),
        (
            lambda ws: users.add_user(ws, "u", "owner", ["E", "X", "Y"]),
            "unknown entities 'X', 'Y': not in",
        ),
        (lambda ws: users.add_user(ws, "u", "owner"), "user 'u': an owner needs at least one"),
        (lambda ws: users.add_user(ws, "u", "viewer", ["E"]), "only an owner is given entities"),
        (lambda ws: users.add_user(ws, "a b", "viewer"), "user name 'a b' is not usable"),
        (lambda ws: users.add_user(ws, "", "viewer"), "user name '' is not usable"),
        (lambda ws: users.add_user(ws, "x" * 65, "viewer"), "is not usable: 1 to 64"),
        (lambda ws: users.add_user(ws, "ana", "viewer"), "user 'ana' already exists"),
        (lambda ws: users.new_token(ws, "bob"), "unknown user 'bob'"),
        (lambda ws: users.disable_user(ws, "bob"), "unknown user 'bob'"),
        (lambda ws: users.new_token(ws, "gone"), "user 'gone' is disabled; no token issued"),
    ],
)
def test_refusals_are_one_line(ws: Workspace, call: Any, message: str) -> None:
    users.add_user(ws, "ana", "analyst")
    users.add_user(ws, "gone", "viewer")
    users.disable_user(ws, "gone")
    before = [(a.user, a.disabled, a.tokens) for a in users.list_accounts(ws)]
    with pytest.raises(UserError) as raised:
        call(ws)
    assert message in str(raised.value) and "\n" not in str(raised.value)
    assert [(a.user, a.disabled, a.tokens) for a in users.list_accounts(ws)] == before
