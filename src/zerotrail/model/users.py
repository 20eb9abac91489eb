"""The people who work on a shared workspace and what each role may do.

Where it sits: model, so that the CLI, the pipeline and the team server (`zerotrail serve`) all
decide "may this user write?" and "may this user see entity X?" by the same two methods. The
server's endpoints and the PostgreSQL row-level security both start from `User`; this module
holds no secret (hashes and tokens stay in `store/users.py` and `pipeline/users.py`).

The roles, from issue 16:

- `admin`: everything, including adding and disabling users and issuing API tokens.
- `owner`: a data owner of one or more entities (a subsidiary, a data centre); uploads and sees
  the data of its own entities only.
- `approver`: accepts or rejects submitted imports, with a reason.
- `analyst`: reads everything, calculates, drafts reports and claims.
- `verifier`: reads everything, including ledger openings, and writes nothing but its own
  findings (the verification issue records those; to the rest of the workspace it is read-only).
- `viewer`: dashboards only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

from zerotrail.errors import ZerotrailError

ROLES = ("admin", "owner", "approver", "analyst", "verifier", "viewer")

ROLE_DESCRIPTIONS: Mapping[str, str] = MappingProxyType(
    {
        "admin": "everything, including adding and disabling users and issuing API tokens",
        "owner": "uploads and sees the data of its own entities only",
        "approver": "accepts or rejects submitted imports, with a reason",
        "analyst": "reads everything, calculates, drafts reports and claims",
        "verifier": "reads everything, including ledger openings; writes only its own findings",
        "viewer": "dashboards only",
    }
)

# The roles that change the workspace's data. The verifier's own findings are the one write it
# makes, and the verification feature checks that itself; for everything else it is read-only.
_WRITERS = frozenset({"admin", "owner", "approver", "analyst"})


class UserError(ZerotrailError):
    """A user, role, entity or credential is not usable as given (unknown user, bad role,
    unknown entity, duplicate name). The message is one line naming what was wrong."""


@dataclass(frozen=True, slots=True)
class User:
    """One person (or script) on the workspace. `entities` are the entity ids an `owner` may
    see and change; it is () for every other role, which sees all entities."""

    name: str
    role: str
    entities: tuple[str, ...]

    def can_write(self) -> bool:
        """True for the roles that change data: admin, owner, approver, analyst. Never for a
        verifier or a viewer."""
        return self.role in _WRITERS

    def sees_entity(self, entity_id: str) -> bool:
        """An owner sees only its own entities; every other role sees all of them."""
        if self.role == "owner":
            return entity_id in self.entities
        return True


@dataclass(frozen=True, slots=True)
class Account:
    """A user as an administrator sees it: the user, whether it is disabled (its password and
    tokens then fail), when it was added and how many API tokens it holds. Never a hash."""

    user: User
    disabled: bool
    created_at: datetime
    tokens: int


def check_role(role: str) -> str:
    """The role if it is one of ROLES, else UserError naming the choices."""
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}: choose one of {', '.join(ROLES)}")
    return role
