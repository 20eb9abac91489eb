"""The inventory explorer page: a year's inventory drilled from the total to the records.

    GET /inventory?year=&scope=&category=&site=&entity=&offset=

The total and its scopes; a scope's categories (Scope 3's GHG Protocol categories, else the
activity keys); a category's sites, each with its entity; a site's records, each with its
quantity, t CO2e, gas masses, the factor it used and its provenance, and a link to download its
ledger proof (`/ledger/proof`, pages_ledger.py) for the roles that may. Every step is a link
with query parameters, so the page works without JavaScript; the figures are the explorer
stage's (pipeline/explorer.py), the inventory's own. A data owner sees its own entities' part
only, and is told so.
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from zerotrail.model.limits import FIRST_YEAR, LAST_YEAR
from zerotrail.model.users import User
from zerotrail.pipeline import explorer
from zerotrail.server.auth import EXPLORE, READ_PROOFS
from zerotrail.server.errors import one_line
from zerotrail.server.web import a_role, access_of, forbidden, page, page_context, signed_in

router = APIRouter(include_in_schema=False)

PAGE_RECORDS = 25  # records shown per page
LONGEST_VALUE = 200  # as the API's query parameters


class BadQuery(ValueError):
    """A query parameter the page cannot use (shown as one line, 400)."""


def _integer(params: Any, name: str, low: int, high: int) -> int | None:
    text = params.get(name)
    if text is None or text == "":
        return None
    try:
        value = int(text)
    except ValueError:
        raise BadQuery(f"{name}: expected a whole number, got {text[:40]!r}") from None
    if not low <= value <= high:
        raise BadQuery(f"{name}: expected {low} to {high}, got {value}")
    return value


def _text(params: Any, name: str, *, empty: bool = False) -> str | None:
    """The parameter's value; "" only where it means something (a site: no site)."""
    text = params.get(name)
    if text is None or (text == "" and not empty):
        return None
    if len(text) > LONGEST_VALUE:
        raise BadQuery(f"{name}: at most {LONGEST_VALUE} characters")
    return str(text)


def url(year: int, **params: Any) -> str:
    """The page's URL for a place in the drill (None-valued parameters left out)."""
    query = {"year": year} | {k: v for k, v in params.items() if v is not None}
    return "/inventory?" + urlencode(query)


def _quantity(value: float) -> str:
    return f"{value:,.10g}" if math.isfinite(value) else str(value)


def _links(text: str | None) -> list[tuple[str, bool]]:
    """The words of a free text, each marked when it is a web address to link (only http and
    https: no other scheme is made a link)."""
    return [(w, w.startswith(("https://", "http://"))) for w in (text or "").split()]


def _record_view(r: explorer.RecordLine, can_prove: bool) -> dict[str, Any]:
    f = r.factor
    proof = (
        "/ledger/proof?" + urlencode({"kind": "activity", "ref": r.record_id, "opening": "1"})
        if can_prove
        else None
    )
    return {
        "r": r,
        "quantity": _quantity(r.quantity),
        "gases": [(name, g) for name, g in r.gases.items() if g.mass_t or g.co2e_t],
        "factor": f,
        "urls": [w for u in (f.source_urls if f else ()) for w in _links(u)],
        "evidence": _links(r.provenance.evidence),
        "proof": proof,
    }


def _crumbs(year: int, where: explorer.Filter) -> list[tuple[str, str]]:
    """(label, URL) of each step from the total down to `where`."""
    out = [(f"Total {year}", url(year))]
    if where.scope is not None:
        out.append((f"Scope {where.scope}", url(year, scope=where.scope)))
    if where.scope is not None and where.category is not None:
        label = explorer.category_label(where.scope, where.category)
        out.append((label, url(year, scope=where.scope, category=where.category)))
    if where.site is not None:
        site = where.site or "(no site)"
        label = f"{site} ({where.entity})" if where.entity else site
        out.append((label, url(year, **_params(where))))
    return out


def _params(where: explorer.Filter, **more: Any) -> dict[str, Any]:
    return {
        "scope": where.scope,
        "category": where.category,
        "site": where.site,
        "entity": where.entity,
    } | more


def _line_link(year: int, level: str, where: explorer.Filter, line: explorer.Line) -> str:
    if level == "site":
        return url(year, **_params(where, site=line.key, entity=line.entity))
    if level == "entity":
        return url(year, **_params(where, entity=line.key))
    return url(year, **_params(where, **{level: line.key}))


def _figures(request: Request, ws: Any, user: User) -> dict[str, Any]:
    """What the page shows for the request's place in the drill (BadQuery, ExplorerError)."""
    params = request.query_params
    years = explorer.calculated_years(ws)
    year = _integer(params, "year", FIRST_YEAR, LAST_YEAR)
    if year is None:
        if not years:
            return {"years": []}
        year = years[-1]
    where = explorer.Filter(
        _integer(params, "scope", 1, 3),
        _text(params, "category"),
        _text(params, "site", empty=True),
        _text(params, "entity"),
    )
    offset = _integer(params, "offset", 0, explorer.LAST_OFFSET) or 0
    entities = frozenset(user.entities) if user.role == "owner" else None
    if entities is not None and where.entity is not None and where.entity not in entities:
        raise BadQuery(f"an owner sees only its own entities, not {where.entity}")
    context: dict[str, Any] = {"years": years, "year": year, "crumbs": _crumbs(year, where)}
    if year not in years:
        return context | {"missing": year}
    if where.site is not None and where.scope is not None and where.category is not None:
        shown = explorer.records(ws, year, where, PAGE_RECORDS, offset, entities)
        can_prove = user.role in READ_PROOFS.roles
        paging = {
            "previous": url(year, **_params(where, offset=max(0, offset - PAGE_RECORDS)))
            if offset > 0
            else None,
            "next": url(year, **_params(where, offset=offset + PAGE_RECORDS))
            if offset + PAGE_RECORDS < shown.records
            else None,
        }
        return context | {
            "records": shown,
            "cards": [_record_view(r, can_prove) for r in shown.lines],
            "paging": paging,
            "first": offset + 1,
            "last": offset + len(shown.lines),
            "can_prove": can_prove,
            "prove_why": READ_PROOFS.why,
        }
    split = explorer.breakdown(ws, year, where, entities)
    return context | {
        "split": split,
        "links": [_line_link(year, split.level, where, line) for line in split.lines],
    }


@router.get("/inventory")
def inventory_page(request: Request) -> Response:
    with access_of(request).open() as ws:
        found = signed_in(request, ws)
        if isinstance(found, Response):
            return found
        user, session = found
        if user.role not in EXPLORE.roles:
            return forbidden(
                request, f"{a_role(user.role)} may not explore the inventory: {EXPLORE.why}.", found
            )
        context = page_context("Inventory", "inventory", user, session)
        context["owner"] = user.role == "owner"
        try:
            context |= _figures(request, ws, user)
        except (BadQuery, explorer.ExplorerError) as exc:
            return page(request, "inventory.html", context | {"error": one_line(str(exc))}, 400)
    return page(request, "inventory.html", context)
