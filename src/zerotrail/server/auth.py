"""Who is calling, and may they: bearer tokens and the roles each route admits.

A request names its caller with `Authorization: Bearer <token>`, a token `zerotrail users token`
issued (the users stage keeps only its SHA-256 and compares in constant time). No token, or one
that names nobody, is 401 with `WWW-Authenticate: Bearer`; a caller whose role may not use the
route is 403. The token is never logged or sent back.

Roles per route (issue 16; `model/users.py` says what each role is for). A data owner sees only
its own entities' data: `authenticate` restricts the workspace of an owner's request to them
(pipeline/isolation.py; on PostgreSQL row-level security, on DuckDB the stages' filter) before
the route does anything else, so no route can forget to. Routes whose stage can give an
entity's part (the inventory) give an owner its own part; routes whose stage adds up the whole
organization (targets' progress) refuse owners (403) rather than show every entity's figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from zerotrail.model.users import ROLES, User
from zerotrail.pipeline.isolation import restrict_to
from zerotrail.pipeline.setup import Workspace
from zerotrail.pipeline.submissions import DECIDERS, SUBMITTERS
from zerotrail.pipeline.users import authenticate_token


@dataclass(frozen=True, slots=True)
class Rule:
    """The roles a route admits, and what a refused caller is told beside them."""

    roles: frozenset[str]
    why: str = ""


# Figures a stage can restrict to an entity set: every role, an owner getting its own entities'
# part only (pipeline/isolation.py `entities_of`).
READ_OWN_FIGURES = Rule(frozenset(ROLES))
# The organization's figures, which no stage here splits by entity: everyone but a data owner.
READ_FIGURES = Rule(
    frozenset({"admin", "approver", "analyst", "verifier", "viewer"}),
    "these figures cover every entity, and an owner sees only its own",
)
# Proofs of single records: those who check the figures, and data owners of their own
# entities' activity records (the ledger stage checks the record's entity: `prove_record`
# with the owner's `entities_of`).
READ_PROOFS = Rule(
    frozenset({"admin", "analyst", "verifier", "owner"}),
    "proofs are for those who check the figures, and for data owners of their own records",
)
# Running a calculation (it stores a new run and commits it to the ledger).
CALCULATE = Rule(frozenset({"admin", "analyst"}), "a calculation changes the workspace")
EVERYONE = Rule(frozenset(ROLES))
# Submitted imports (server/submissions.py): the roles are the approval stage's own.
SUBMIT = Rule(frozenset(SUBMITTERS), "only roles that write may submit data")
DECIDE = Rule(frozenset(DECIDERS), "only approvers and admins decide on submitted data")
# A viewer sees the dashboards only (model/users.py): the dashboard's and the roadmap's figures
# and the log's checkpoint (public anyway), never the records, files, credits or reports
# behind them.
_DASHBOARDS_ONLY = "a viewer sees the dashboards only"
# The inventory explorer (records, their factors and provenance): every role but a viewer, an
# owner its own entities' part (the stage filters by entity).
EXPLORE = Rule(frozenset(ROLES) - {"viewer"}, _DASHBOARDS_ONLY)
# Submitted files: every role but a viewer; an owner is shown only its own (the stage filters).
READ_SUBMISSIONS = Rule(frozenset(ROLES) - {"viewer"}, _DASHBOARDS_ONLY)
# Credits, claims and published reports: the organization's (no owner) and more than a
# dashboard (no viewer).
READ_TEAM_FIGURES = Rule(
    READ_FIGURES.roles - {"viewer"},
    "credits, claims and reports cover every entity (an owner sees only its own), and a"
    " viewer sees the dashboards only",
)

# auto_error=False: a missing header is answered here, with the 401 and WWW-Authenticate the
# HTTP bearer scheme (RFC 6750) asks for, not FastAPI's default 403.
_bearer = HTTPBearer(
    auto_error=False,
    description="An API token from `zerotrail users token NAME`.",
)

Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"}
    )


def bearer_token(credentials: Credentials) -> str:
    """The token of the request (a dependency: checked before any workspace is opened)."""
    if credentials is None or not credentials.credentials:
        raise unauthorized("not authenticated: send Authorization: Bearer <API token>")
    return credentials.credentials


Token = Annotated[str, Depends(bearer_token)]


def authenticate(ws: Workspace, token: str, rule: Rule) -> User:
    """The user the token belongs to, if the rule admits its role; else 401 or 403. From here
    on `ws` is restricted to what the user may see (`restrict_to`: an owner's entities)."""
    user = authenticate_token(ws, token)
    if user is None:
        raise unauthorized("invalid or revoked API token")
    if user.role not in rule.roles:
        roles = ", ".join(r for r in ROLES if r in rule.roles)
        why = f" ({rule.why})" if rule.why else ""
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, f"role {user.role} may not do this{why}; allowed: {roles}"
        )
    restrict_to(ws, user)
    return user
