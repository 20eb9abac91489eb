"""Reads of the organization (entities and sites) the importers check a file against.

Where it sits: store, read by the ingest modules before they write (an activity's entity and
site must exist, an entity list may not drop an entity still in use). The writes of a new
entity or site list go through `store/imports.py`.
"""

from __future__ import annotations

from zerotrail.store.database import Workspace

EntityContent = tuple[str, str | None, float, str, bool, str]
SiteContent = tuple[str, str, str, str | None, bool | None]


def entity_ids(ws: Workspace) -> set[str]:
    return {str(e) for (e,) in ws.fetchall("SELECT entity FROM entities")}


def site_ids(ws: Workspace) -> set[str]:
    return {str(s) for (s,) in ws.fetchall("SELECT site FROM sites")}


def site_entities(ws: Workspace) -> dict[str, str]:
    """site -> the entity that owns or leases it."""
    return {str(s): str(e) for s, e in ws.fetchall("SELECT site, entity FROM sites")}


def site_kinds(ws: Workspace) -> dict[str, str]:
    """site -> its kind (office, data_center_owned, ...)."""
    return {str(s): str(k) for s, k in ws.fetchall("SELECT site, kind FROM sites")}


def stored_entities(ws: Workspace) -> dict[tuple[str], EntityContent]:
    """(entity,) -> (name, parent, equity share, financial control, operational control,
    country) of every stored entity."""
    return {
        (str(e),): (n, p, float(s), fc, bool(oc), c)
        for e, n, p, s, fc, oc, c in ws.fetchall(
            "SELECT entity, name, parent, equity_share, financial_control, operational_control,"
            " country FROM entities"
        )
    }


def stored_sites(ws: Workspace) -> dict[tuple[str], SiteContent]:
    """(site,) -> (entity, kind, region, name, operational control) of every stored site."""
    return {
        (str(s),): (e, k, r, n, None if oc is None else bool(oc))
        for s, e, k, r, n, oc in ws.fetchall(
            "SELECT site, entity, kind, region, name, operational_control FROM sites"
        )
    }


def entities_in_use(ws: Workspace) -> list[str]:
    """Entities that current activities or stored sites name (an entity list must keep them)."""
    return [
        str(e)
        for (e,) in ws.fetchall(
            "SELECT DISTINCT entity FROM activities WHERE current UNION SELECT entity FROM sites"
            " ORDER BY 1"
        )
    ]


def sites_in_use(ws: Workspace) -> list[str]:
    """Sites that current activities name (a site list must keep them)."""
    return [
        str(s)
        for (s,) in ws.fetchall(
            "SELECT DISTINCT site FROM activities WHERE current AND site IS NOT NULL ORDER BY 1"
        )
    ]
