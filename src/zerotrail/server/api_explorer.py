"""The inventory explorer's REST routes: a year's inventory drilled from the total to the records.

    GET /api/inventory/{year}/breakdown?scope=&category=&site=&entity=
        the slice's total and its lines by the next level: no scope -> by scope; a scope ->
        by category; a category -> by site (with its entity); a site -> by entity
    GET /api/inventory/{year}/records?scope=&category=&site=&entity=&limit=&offset=
        the slice's records (by record id), each with its factor and provenance

Both call the explorer stage (pipeline/explorer.py). Open to the roles that read figures and to
data owners, whom the stage narrows to their own entities (the sums are then their part of the
inventory); an owner naming another entity is refused (403).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, NamedTuple, Protocol

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, status

from zerotrail.errors import ZerotrailError
from zerotrail.model.limits import FIRST_YEAR, LAST_YEAR
from zerotrail.model.users import User
from zerotrail.pipeline import explorer
from zerotrail.pipeline.inventory import current_run
from zerotrail.pipeline.setup import Workspace
from zerotrail.server import models_explorer as models
from zerotrail.server.auth import EXPLORE, Token, authenticate
from zerotrail.server.models import error_answers
from zerotrail.server.web import access_of

# Every answer these routes may give besides 200 (declared, so the OpenAPI document lists it).
_ERRORS = error_answers(
    "The caller's role may not use this route, or an owner named another entity.",
    "The year's inventory was never calculated.",
)

router = APIRouter(prefix="/api", responses=_ERRORS)

Year = Annotated[int, Path(ge=FIRST_YEAR, le=LAST_YEAR, description="Reporting year.")]

Scope = Annotated[int | None, Query(ge=1, le=3, description="1, 2 or 3.")]
Category = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=200,
        description="Scope 3: the category number (1-15); Scopes 1 and 2: the activity key."
        " Needs `scope`.",
    ),
]
Site = Annotated[
    str | None,
    Query(max_length=200, description='A site id; empty ("site=") for the records of no site.'),
]
Entity = Annotated[str | None, Query(min_length=1, max_length=200, description="An entity id.")]


class _Answer(Protocol):
    def to_dict(self) -> dict[str, Any]: ...


def _visible(user: User, entity: str | None) -> frozenset[str] | None:
    """The entities the caller may see (None: all); 403 for an owner naming another."""
    if user.role != "owner":
        return None
    if entity is not None and not user.sees_entity(entity):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, f"an owner sees only its own entities, not {entity}"
        )
    return frozenset(user.entities)


class _Slice(NamedTuple):
    year: int
    where: explorer.Filter


def _slice(
    year: Year,
    scope: Scope = None,
    category: Category = None,
    site: Site = None,
    entity: Entity = None,
) -> _Slice:
    return _Slice(year, explorer.Filter(scope, category, site, entity))


# The year and filters both routes take, as one dependency: FastAPI checks its parameters in
# this order (a path parameter first), so a request's first problem is the one it always was.
Slice = Annotated[_Slice, Depends(_slice)]


def _shown(
    limit: Annotated[
        int, Query(ge=1, le=explorer.MOST_RECORDS, description="Records per page.")
    ] = explorer.DEFAULT_RECORDS,
    offset: Annotated[
        int, Query(ge=0, le=explorer.LAST_OFFSET, description="Records skipped.")
    ] = 0,
) -> tuple[int, int]:
    return limit, offset


# The page of records shown, (limit, offset): a dependency too, so that FastAPI checks and lists
# its parameters after the slice's, as it always has.
Shown = Annotated[tuple[int, int], Depends(_shown)]


def _explored(
    request: Request,
    token: str,
    asked: _Slice,
    read: Callable[[Workspace, frozenset[str] | None], _Answer],
) -> dict[str, Any]:
    """`read(ws, entities)` as JSON, `entities` being those the caller may see (None: all),
    once its token, role and the entity it names are checked (401/403) and the year was
    calculated (404 when never)."""
    year, where = asked
    with access_of(request).open() as ws:
        user = authenticate(ws, token, EXPLORE)
        entities = _visible(user, where.entity)
        try:
            current_run(ws, year)
        except ZerotrailError as exc:  # the one refusal of current_run: never calculated
            raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
        return read(ws, entities).to_dict()


@router.get(
    "/inventory/{year}/breakdown",
    response_model=models.Breakdown,
    summary="A slice of a year's inventory, by the next level",
)
def breakdown(request: Request, token: Token, asked: Slice) -> dict[str, Any]:
    """The year's current inventory narrowed to the slice the filters name, in total and split
    by the drill's next level (scope, then category, then site with its entity, then entity).
    The figures are the inventory's own: a scope's equals `GET /api/inventory/{year}`'s. 404
    when the year was never calculated; a slice without records is empty (0 t)."""
    return _explored(request, token, asked, lambda ws, seen: explorer.breakdown(ws, *asked, seen))


@router.get(
    "/inventory/{year}/records",
    response_model=models.RecordPage,
    summary="The records behind a slice of a year's inventory",
)
def records(request: Request, token: Token, asked: Slice, shown: Shown) -> dict[str, Any]:
    """The records of the slice, by record id: each with its quantity and unit, t CO2e and gas
    masses, the factor it used (set, publisher, edition, URL, licence, source cells) and its
    provenance (import, file, evidence). 404 when the year was never calculated."""
    return _explored(
        request, token, asked, lambda ws, seen: explorer.records(ws, *asked, *shown, seen)
    )
