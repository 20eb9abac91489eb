"""The isolation stage: restrict a workspace, opened for one request, to what its user may see.

Where it sits: pipeline, called by the team server right after it has authenticated a request's
user (server/auth.py for the API, server/web.py for the pages), before any other stage runs.

    restrict_to(ws, user) -> frozenset[str] | None

An `owner` sees and changes only its own entities' data: the result is its entity set, and the
stages an owner can reach take it (`inventory_summary(ws, year, entities)`, `dashboard(ws,
entities)`, the submissions stage by its uploader). Every other role sees every entity: None,
and nothing is restricted. On PostgreSQL the restriction also holds below the stages, in the
database itself (row-level security, store/isolation.py): a statement of any stage reads none
of the other entities' rows and cannot write one. DuckDB has no such policies, so there the
stages' own filter is the isolation (docs/server.md, "Isolation").
"""

from __future__ import annotations

from zerotrail.model.users import User
from zerotrail.store import isolation
from zerotrail.store.database import Workspace

__all__ = ["entities_of", "restrict_to", "restricted_to"]


def entities_of(user: User) -> frozenset[str] | None:
    """The entities `user` may see: an owner's own (maybe none); None (all) for other roles."""
    return frozenset(user.entities) if user.role == "owner" else None


def restrict_to(ws: Workspace, user: User) -> frozenset[str] | None:
    """The entities `user` may see on `ws` (None: all), with `ws` restricted to them from now
    until it is closed."""
    entities = entities_of(user)
    if entities is not None:
        isolation.restrict(ws, entities, user.name)
    return entities


def restricted_to(ws: Workspace) -> list[str] | None:
    """The entities the database restricts `ws`'s open transaction to (None: unrestricted, and
    always None on DuckDB)."""
    return isolation.restricted_to(ws)
