"""The users of a workspace and their API tokens, as stored (tables `users`, `user_entities`,
`api_tokens`, schema migration 16).

Where it sits: store, under the users stage (pipeline/users.py), which makes every secret and
checks every rule; this module only reads and writes rows. It stores a password's Argon2id hash
and a token's SHA-256, never a password or a token. Every value is a bound parameter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from zerotrail.store.database import Workspace


@dataclass(frozen=True, slots=True)
class StoredUser:
    """One row of `users` with its entities (sorted)."""

    name: str
    role: str
    entities: tuple[str, ...]
    password_hash: str
    disabled: bool
    created_at: datetime
    tokens: int


def insert_user(
    ws: Workspace,
    name: str,
    role: str,
    entities: Sequence[str],
    password_hash: str,
    created_at: datetime,
) -> None:
    """Add one user and its entities, in one transaction."""
    with ws.transaction():
        ws.execute(
            "INSERT INTO users (name, role, password_hash, disabled, created_at)"
            " VALUES (?, ?, ?, FALSE, ?)",
            [name, role, password_hash, created_at],
        )
        for entity in entities:
            ws.execute("INSERT INTO user_entities (name, entity) VALUES (?, ?)", [name, entity])


def read_users(ws: Workspace, name: str | None = None) -> list[StoredUser]:
    """Every user (or the one named), by name, with its entities and its number of tokens."""
    rows = ws.fetchall(
        "SELECT u.name, u.role, u.password_hash, u.disabled, u.created_at,"
        " (SELECT count(*) FROM api_tokens t WHERE t.name = u.name)"
        " FROM users u WHERE ? IS NULL OR u.name = ? ORDER BY u.name",
        [name, name],
    )
    entities: dict[str, list[str]] = {}
    for user, entity in ws.fetchall(
        "SELECT name, entity FROM user_entities WHERE ? IS NULL OR name = ? ORDER BY name, entity",
        [name, name],
    ):
        entities.setdefault(str(user), []).append(str(entity))
    return [
        StoredUser(
            name=str(n),
            role=str(role),
            entities=tuple(entities.get(str(n), ())),
            password_hash=str(hashed),
            disabled=bool(disabled),
            created_at=created,
            tokens=int(tokens),
        )
        for n, role, hashed, disabled, created, tokens in rows
    ]


def set_disabled(ws: Workspace, name: str) -> None:
    """Mark the user disabled (its password and tokens then fail)."""
    with ws.transaction():
        ws.execute("UPDATE users SET disabled = TRUE WHERE name = ?", [name])


def prefix_taken(ws: Workspace, prefix: str) -> bool:
    return bool(ws.scalar("SELECT count(*) FROM api_tokens WHERE prefix = ?", [prefix]))


def insert_token(
    ws: Workspace, prefix: str, name: str, token_sha256: str, created_at: datetime
) -> None:
    with ws.transaction():
        ws.execute(
            "INSERT INTO api_tokens (prefix, name, token_sha256, created_at) VALUES (?, ?, ?, ?)",
            [prefix, name, token_sha256, created_at],
        )


def token_by_prefix(ws: Workspace, prefix: str) -> tuple[str, str] | None:
    """The (user name, token SHA-256 hex) of the token with this prefix, None if none."""
    rows = ws.fetchall("SELECT name, token_sha256 FROM api_tokens WHERE prefix = ?", [prefix])
    return (str(rows[0][0]), str(rows[0][1])) if rows else None
