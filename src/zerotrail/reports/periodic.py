"""The periodic report's figures: one dict (report.json) that the HTML, PDF and workbook render.

Everything is read from the workspace through the same functions the CLI uses (inventory
summary, progress, renewable share, data centres, initiatives, the recorded claim), so every
figure in the report equals the one a user gets from the corresponding command; tests hold
them to that. Rendering lives elsewhere (html.py, charts.py, xlsx.py).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from zerotrail import __version__
from zerotrail.engine.inputs import EntityRow, consolidation_shares
from zerotrail.engine.settings import FAMILIES
from zerotrail.reports.inventory import current_run, summary
from zerotrail.store.workspace import Workspace
from zerotrail.targets.figures import scope_totals

# Activity families of Scopes 1 and 2 as the bridge names them (key prefix -> driver).
DRIVERS = (
    ("electricity.", "Purchased electricity"),
    ("steam.", "Purchased heat and steam"),
    ("stationary_combustion.", "Fuel burnt on site"),
    ("mobile_combustion.", "Vehicle fleet"),
    ("fugitive.", "Refrigerants and other fugitive gases"),
)


def year_rows(ws: Workspace, last: int) -> list[dict[str, Any]]:
    """Headline figures of every year with an inventory up to `last` (for comparatives)."""
    rows = []
    for year, run_id in ws.fetchall(
        "SELECT year, run_id FROM runs WHERE current AND year <= ? ORDER BY year", [last]
    ):
        t = scope_totals(ws, str(run_id))
        rows.append(
            {
                "year": int(year),
                "run_id": str(run_id),
                **t,
                "total_location": t["scope1"] + t["scope2_location"] + t["scope3"],
                "total_market": t["scope1"] + t["scope2_market"] + t["scope3_market"],
            }
        )
    return rows


def by_scope_gas(ws: Workspace, run_id: str) -> dict[str, dict[str, dict[str, float]]]:
    cols = ", ".join(f"sum({f}_t), sum(co2e_{f}_t)" for f in FAMILIES)
    out: dict[str, dict[str, dict[str, float]]] = {}
    for row in ws.fetchall(
        f"SELECT scope, {cols}, sum(co2e_unsplit_t) FROM results WHERE run_id = ?"
        " GROUP BY scope ORDER BY scope",
        [run_id],
    ):
        gases = {
            fam.upper(): {
                "mass_t": float(row[1 + 2 * i] or 0),
                "co2e_t": float(row[2 + 2 * i] or 0),
            }
            for i, fam in enumerate(FAMILIES)
        }
        gases["CO2e_only"] = {"mass_t": 0.0, "co2e_t": float(row[-1] or 0)}
        out[str(row[0])] = gases
    return out


def scope3_categories(ws: Workspace, run_id: str) -> list[dict[str, Any]]:
    cats: dict[int, dict[str, Any]] = {
        c: {"category": c, "co2e_t": 0.0, "co2e_market_t": 0.0, "methods": {}, "data_quality": None}
        for c in range(1, 16)
    }
    for cat, method, t, tm in ws.fetchall(
        "SELECT category, method, sum(co2e_t), sum(co2e_market_t) FROM results"
        " WHERE run_id = ? AND scope = 3 GROUP BY 1, 2 ORDER BY 1, 2",
        [run_id],
    ):
        c = cats[int(cat)]
        c["co2e_t"] += float(t)
        c["co2e_market_t"] += float(tm)
        c["methods"][str(method)] = float(t)
    for cat, dq in ws.fetchall(
        "SELECT category, sum(dq_score * co2e_t) / nullif(sum(co2e_t), 0) FROM results"
        " WHERE run_id = ? AND scope = 3 GROUP BY 1",
        [run_id],
    ):
        cats[int(cat)]["data_quality"] = None if dq is None else float(dq)
    return list(cats.values())


def factor_sets(ws: Workspace, run_id: str) -> list[dict[str, Any]]:
    return [
        {
            "factor_set": fs,
            "name": name,
            "publisher": pub,
            "edition": ed,
            "source_url": url,
            "licence": lic,
            "signatures": int(n),
            "unverified_signatures": int(unv),
        }
        for fs, name, pub, ed, url, lic, n, unv in ws.fetchall(
            """SELECT s.factor_set, f.name, f.publisher, f.edition, f.source_url, f.licence,
                      count(*), count(*) FILTER (WHERE NOT s.verified)
               FROM run_signatures s LEFT JOIN factor_sets f USING (factor_set)
               WHERE s.run_id = ? GROUP BY ALL ORDER BY 1""",
            [run_id],
        )
    ]


def boundary(ws: Workspace, approach: str) -> list[dict[str, Any]]:
    rows = ws.fetchall(
        "SELECT entity, name, parent, equity_share, financial_control, operational_control,"
        " country FROM entities ORDER BY entity"
    )
    shares = consolidation_shares(
        [EntityRow(e, p, float(s), fc, bool(oc)) for e, _, p, s, fc, oc, _ in rows], approach
    )
    return [
        {
            "entity": e,
            "name": n,
            "parent": p,
            "equity_share": float(s),
            "financial_control": fc,
            "operational_control": bool(oc),
            "country": c,
            "share_in_inventory": shares[e][0],
            "note": shares[e][1],
        }
        for e, n, p, s, fc, oc, c in rows
    ]


def _s12_by_driver(
    ws: Workspace, run_id: str, entities: list[str], *, inside: bool = False
) -> dict[str, float]:
    """Scope 1 + 2 (market-based) by driver, outside (or, with `inside`, of) `entities`."""
    out = {label: 0.0 for _, label in DRIVERS}
    out["Other Scope 1 and 2"] = 0.0
    for activity, t in ws.fetchall(
        "SELECT activity, sum(CASE WHEN scope = 2 THEN co2e_market_t ELSE co2e_t END)"
        " FROM results WHERE run_id = ? AND scope IN (1, 2) AND list_contains(?, entity) = ?"
        " GROUP BY 1",
        [run_id, entities, inside],
    ):
        label = next((lb for p, lb in DRIVERS if str(activity).startswith(p)), None)
        out[label or "Other Scope 1 and 2"] += float(t)
    return out


def bridge(
    ws: Workspace, base: dict[str, Any] | None, year: int, run_id: str
) -> list[dict[str, Any]]:
    """Scope 1 + 2 (market-based) from the base year as first reported to this year, by driver.

    Steps, which always add up to this year's figure:
    - the base year as first recorded;
    - the base-year recalculation (structural changes and corrections applied to it);
    - like-for-like change of each activity family between the base-year inventory and this
      year's, leaving out the entities named by structural events (acquired or divested);
    - those entities: their emissions this year less what the recalculation added for them;
    - if the base-year inventory was revised after it was recorded, that revision.
    """
    if base is None:
        return []
    by = int(base["year"])
    base_run = ws.scalar("SELECT run_id FROM runs WHERE year = ? AND current", [by])
    if base_run is None:
        return []
    first, cur = base["versions"][0], base["versions"][-1]
    s12 = "scope1", "scope2_market"
    start = sum(float(first[k]) for k in s12)
    recalc = sum(float(cur[k]) for k in s12) - start
    applied = [e for v in base["versions"] for e in v["events"]]
    moved = [
        str(e)
        for (e,) in ws.fetchall(
            "SELECT DISTINCT entity FROM baseline_events WHERE entity IS NOT NULL"
            " AND list_contains(?, event_id) ORDER BY 1",
            [applied],
        )
    ]
    then, now = _s12_by_driver(ws, str(base_run), moved), _s12_by_driver(ws, run_id, moved)
    moved_then = sum(_s12_by_driver(ws, str(base_run), moved, inside=True).values())
    moved_now = sum(_s12_by_driver(ws, run_id, moved, inside=True).values())
    end = sum(now.values()) + moved_now
    steps = [{"label": f"{by} as first reported", "t": start, "kind": "start"}]
    if abs(recalc) > 0.005:
        steps.append({"label": "Base-year recalculation", "t": recalc, "kind": "change"})
    revised = sum(then.values()) + moved_then - start
    if abs(revised) > 0.005:
        steps.append({"label": f"{by} inventory revised", "t": revised, "kind": "change"})
    steps += [
        {"label": label, "t": now[label] - then[label], "kind": "change"}
        for label in now
        if abs(now[label] - then[label]) > 0.005
    ]
    if moved:
        steps.append(
            {
                "label": "Acquired and divested businesses since the recalculation",
                "t": moved_now - moved_then - recalc,
                "kind": "change",
            }
        )
    steps.append({"label": str(year), "t": end, "kind": "end"})
    return steps


def base_year_section(ws: Workspace, targets: list[dict[str, Any]]) -> dict[str, Any] | None:
    from zerotrail.targets.baseyear import event_rows, version_dict, versions

    years = sorted({int(t["base_year"]) for t in targets if t.get("base_year") is not None})
    if not years:
        return None
    by = years[0]
    vs = [version_dict(v) for v in versions(ws, by)]
    if not vs:
        return None
    return {
        "year": by,
        "original": vs[0],
        "current": vs[-1],
        "versions": vs,
        "events": event_rows(ws, by),
    }


def metrics(ws: Workspace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for metric, year, value, unit in ws.fetchall(
        "SELECT metric, year, value, unit FROM metrics ORDER BY metric, year"
    ):
        m = out.setdefault(str(metric), {"unit": str(unit), "values": {}})
        m["values"][str(year)] = float(value)
    return out


def claim_section(ws: Workspace, year: int) -> dict[str, Any]:
    """The year's neutrality claim (recorded now if it changed), or why there is none."""
    from zerotrail.errors import ZerotrailError
    from zerotrail.offsets.neutrality import record

    try:
        return {"claim": record(ws, year), "none_reason": None}
    except ZerotrailError as exc:
        return {"claim": None, "none_reason": str(exc)}


def build(ws: Workspace, year: int) -> dict[str, Any]:
    """Every figure of the year's report (see the module docstring)."""
    from zerotrail.reports.energy import data_centres, renewable_share
    from zerotrail.reports.initiatives import initiatives
    from zerotrail.targets.progress import progress

    run_id, gwp, approach, _ = current_run(ws, year)
    inv = summary(ws, year)
    targets = [p.to_dict() for p in progress(ws, year)]
    base = base_year_section(ws, targets)
    claim = claim_section(ws, year)
    cats = scope3_categories(ws, run_id)
    s3 = sum(c["co2e_t"] for c in cats)
    supplier = sum(c["methods"].get("supplier-specific", 0.0) for c in cats)
    return {
        "organization": ws.get_setting("organization") or "the organization",
        "year": year,
        "period": {"start": date(year, 1, 1).isoformat(), "end": date(year, 12, 31).isoformat()},
        "generator": f"zerotrail {__version__}",
        "run_id": run_id,
        "gwp_set": gwp,
        "consolidation": approach,
        "entities": boundary(ws, approach),
        "factor_sets": factor_sets(ws, run_id),
        "inventory": inv,
        "by_scope_gas": by_scope_gas(ws, run_id),
        "scope3_categories": cats,
        "scope3_coverage": {
            "categories_calculated": [c["category"] for c in cats if c["co2e_t"] > 0],
            "categories_not_calculated": [c["category"] for c in cats if c["co2e_t"] == 0],
            "supplier_specific_pct": 100.0 * supplier / s3 if s3 else None,
            "data_quality": inv["scope3_data_quality"],
        },
        "years": year_rows(ws, year),
        "base_year": base,
        "bridge": bridge(ws, base, year, run_id),
        "targets": targets,
        "renewables": renewable_share(ws, year),
        "data_centres": data_centres(ws, year),
        "initiatives": initiatives(ws, year),
        "metrics": metrics(ws),
        "claim": claim["claim"],
        "claim_none_reason": claim["none_reason"],
        "methodology": {
            "notes": inv["notes"],
            "flags": inv["flags"],
            "problems": inv["problem_count"],
        },
    }
