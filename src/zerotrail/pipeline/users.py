"""The users stage: add users with a role, issue API tokens, list, disable, authenticate.

    add_user(ws, name, role, entities=())     add a user; returns its one-time password
    new_token(ws, name)                       a new API token for the user (shown once)
    list_users(ws)                            every user (disabled ones too), by name
    list_accounts(ws)                         every user with its status, time added, tokens
    disable_user(ws, name)                    disable a user (False: it already was)
    authenticate_password(ws, name, pw)       the User, or None
    authenticate_token(ws, token)             the User, or None

Where it sits: pipeline, called by `cli/users.py` and by the team server (`zerotrail.server`),
so both apply the same rules. Roles and what each may do are model/users.py.

Secrets:

- A password is generated here (`secrets.token_urlsafe`, 192 bits), returned once and stored
  only as its Argon2id hash (pwdlib's recommended hasher, a PHC string `$argon2id$...`).
- An API token is `zt_<prefix>_<secret>`: `prefix` 12 hex digits (48 random bits, how the
  token is found), `secret` 256 random bits in URL-safe base64 (43 characters). Only the
  SHA-256 of the whole token is stored and it is compared with `hmac.compare_digest`. A slow
  hash would add tens of milliseconds to every API call and no security for a 256-bit secret.
- Authentication gives None for an unknown user or token, a wrong secret and a disabled user
  alike, after the same work: an unknown name is verified against a dummy Argon2id hash, so a
  name cannot be told to exist by the time an answer takes.

Authenticating only reads (no "last used" time is written), so it works on a workspace opened
read-only. User changes are not committed to the ledger (docs/server.md says why).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cache

from pwdlib import PasswordHash

from zerotrail.model.users import ROLES, Account, User, UserError, check_role
from zerotrail.store import users as store
from zerotrail.store.database import Workspace
from zerotrail.store.organization import entity_ids

__all__ = [
    "ROLES",
    "TOKEN_PREFIX",
    "Account",
    "User",
    "UserError",
    "add_user",
    "authenticate_password",
    "authenticate_token",
    "check_password",
    "disable_user",
    "list_accounts",
    "list_users",
    "login_record",
    "new_token",
]

TOKEN_PREFIX = "zt_"
_PREFIX_HEX = 12
_SECRET_BYTES = 32  # 256 bits
_PASSWORD_BYTES = 24  # 192 bits, 32 URL-safe characters
# One line, no spaces: a name is shown in tables, log lines and the web app as it is.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
_TOKEN = re.compile(rf"{TOKEN_PREFIX}([0-9a-f]{{{_PREFIX_HEX}}})_[A-Za-z0-9_-]{{43}}")


@cache
def _hasher() -> PasswordHash:
    return PasswordHash.recommended()


@cache
def _dummy_hash() -> str:
    """An Argon2id hash of a random password no one knows: unknown names are verified against
    it, so that they cost what a known name costs."""
    return _hasher().hash(secrets.token_urlsafe(_PASSWORD_BYTES))


def _check_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise UserError(
            f"user name {name!r} is not usable: 1 to 64 letters, digits, '.', '_', '@' or '-',"
            " starting with a letter or digit"
        )
    return name


def _stored(ws: Workspace, name: str) -> store.StoredUser:
    found = store.read_users(ws, name)
    if not found:
        raise UserError(f"unknown user {name!r}")
    return found[0]


def _user(row: store.StoredUser) -> User:
    return User(row.name, row.role, row.entities if row.role == "owner" else ())


def add_user(ws: Workspace, name: str, role: str, entities: Sequence[str] = ()) -> str:
    """Add a user with `role` (and, for an owner, the entities it may see and change); returns
    its generated password, which is stored only as a hash and cannot be shown again."""
    _check_name(name)
    check_role(role)
    wanted = tuple(dict.fromkeys(entities))  # each once, in the order given
    if role == "owner" and not wanted:
        raise UserError(f"user {name!r}: an owner needs at least one entity")
    if role != "owner" and wanted:
        raise UserError(f"user {name!r}: only an owner is given entities; a {role} sees all")
    if store.read_users(ws, name):
        raise UserError(f"user {name!r} already exists")
    known = entity_ids(ws)
    unknown = [e for e in wanted if e not in known]
    if unknown:
        listed = ", ".join(repr(e) for e in unknown)
        raise UserError(
            f"unknown {'entity' if len(unknown) == 1 else 'entities'} {listed}: not in the"
            " workspace's entities (import them with `zerotrail import entities`)"
        )
    password = secrets.token_urlsafe(_PASSWORD_BYTES)
    store.insert_user(
        ws,
        name,
        role,
        sorted(wanted),
        _hasher().hash(password),
        datetime.now(UTC).replace(tzinfo=None),
    )
    return password


def new_token(ws: Workspace, name: str) -> str:
    """A new API token for the user (an enabled one); only its SHA-256 is stored, so the token
    is shown once. A user may hold several tokens."""
    row = _stored(ws, name)
    if row.disabled:
        raise UserError(f"user {name!r} is disabled; no token issued")
    prefix = secrets.token_hex(_PREFIX_HEX // 2)
    while store.prefix_taken(ws, prefix):  # 48 random bits: a repeat is all but impossible
        prefix = secrets.token_hex(_PREFIX_HEX // 2)
    token = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(_SECRET_BYTES)}"
    store.insert_token(ws, prefix, name, _sha256(token), datetime.now(UTC).replace(tzinfo=None))
    return token


def list_users(ws: Workspace) -> list[User]:
    """Every user, by name, disabled ones included (`list_accounts` says which)."""
    return [_user(row) for row in store.read_users(ws)]


def list_accounts(ws: Workspace) -> list[Account]:
    """Every user with whether it is disabled, when it was added and its number of tokens."""
    return [
        Account(_user(row), row.disabled, row.created_at, row.tokens)
        for row in store.read_users(ws)
    ]


def disable_user(ws: Workspace, name: str) -> bool:
    """Disable the user: its password and every token of it fail from now on. False when it
    already was disabled."""
    row = _stored(ws, name)
    if row.disabled:
        return False
    store.set_disabled(ws, name)
    return True


def authenticate_password(ws: Workspace, name: str, password: str) -> User | None:
    """The user if `password` is its password and it is not disabled; else None."""
    return check_password(login_record(ws, name), password)


def login_record(ws: Workspace, name: str) -> store.StoredUser | None:
    """What a login by `name` is checked against (its stored hash), or None: the part of
    `authenticate_password` that reads the workspace. The team server reads it and lets the
    workspace go before `check_password`'s Argon2id (about 0.3 s), so that a login, even a
    stranger's wrong one, does not hold a DuckDB file's one turn while it hashes."""
    found = store.read_users(ws, name) if _NAME.fullmatch(name) else []
    return found[0] if found else None


def check_password(record: store.StoredUser | None, password: str) -> User | None:
    """The user of `record` if `password` is its password and it is not disabled; else None.
    Without a record a dummy hash is checked: a missing user costs the same as a wrong
    password."""
    dummy = _dummy_hash()  # made whether needed or not: the first call costs the same either way
    if record is None:
        _hasher().verify(_utf8(password), dummy)
        return None
    ok = _hasher().verify(_utf8(password), record.password_hash)
    return _user(record) if ok and not record.disabled else None


def authenticate_token(ws: Workspace, token: str) -> User | None:
    """The user holding `token` if it is valid and the user is not disabled; else None."""
    match = _TOKEN.fullmatch(token)
    stored = store.token_by_prefix(ws, match.group(1)) if match else None
    # The digest is compared even when no token has this prefix, so both cost the same.
    name, expected = stored if stored is not None else ("", _sha256(""))
    if not hmac.compare_digest(_sha256(token), expected) or stored is None:
        return None
    found = store.read_users(ws, name)
    if not found or found[0].disabled:
        return None
    return _user(found[0])


def _utf8(text: str) -> bytes:
    # surrogatepass: whatever string a request decoded to is hashed, never an exception.
    return text.encode("utf-8", "surrogatepass")


def _sha256(text: str) -> str:
    return hashlib.sha256(_utf8(text)).hexdigest()
