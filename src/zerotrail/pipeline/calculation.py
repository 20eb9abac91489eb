"""The named stages, readable top to bottom: set up a workspace, import, calculate, summarise.

The CLI and (later) the API call these functions; they in turn call `ingest`, `engine` and
`store`. The calculation stage gathers the small derived tables in Python, hands the engine Ibis
tables over the workspace connection, and writes what the engine returns inside one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from zerotrail.engine.calculate import calculate as calculate_expr
from zerotrail.engine.calculate import keyed, per_record
from zerotrail.engine.inputs import (
    EntityRow,
    FactorUnit,
    consolidation_shares,
    conversions,
    gas_table,
    mwh_per_unit,
    region_lineage,
)
from zerotrail.engine.settings import (
    APPROACHES,
    BLEND_RULES,
    METHOD_DQ,
    InventorySettings,
)
from zerotrail.errors import GwpError, ZerotrailError
from zerotrail.ingest.checks import Progress, no_progress
from zerotrail.ingest.formats import RENEWABLE_TYPES
from zerotrail.ingest.price_indices import current_indices
from zerotrail.model.keys import family_of
from zerotrail.model.regions import market_of
from zerotrail.reference.gwp import GWP_SET_IDS
from zerotrail.store.factor_rows import insert_factor_rows
from zerotrail.store.history import snapshot
from zerotrail.store.workspace import Workspace


@dataclass(frozen=True, slots=True)
class RunSummary:
    run_id: str
    year: int
    gwp_set: str
    consolidation: str
    records: int
    problems: int
    notes: tuple[str, ...]


def load_shipped_factors(ws: Workspace) -> int:
    """Load the package's factor sets into a new workspace (idempotent per set)."""
    from zerotrail.reference import factors as shipped

    have = {r[0] for r in ws.fetchall("SELECT factor_set FROM factor_sets")}
    shipped_arrow = shipped.factors_arrow()
    added = 0
    with ws.transaction():
        for info in shipped.factor_sets():
            if info.factor_set in have:
                continue
            ws.execute(
                "INSERT INTO factor_sets VALUES (?, ?, ?, ?, ?, ?, ?, 'shipped', ?, ?)",
                [
                    info.factor_set,
                    info.name,
                    info.publisher,
                    info.edition,
                    info.source_url,
                    info.licence,
                    info.description,
                    info.input_sha256,
                    datetime.now(UTC).replace(tzinfo=None),
                ],
            )
            insert_factor_rows(ws, shipped_arrow, info.factor_set)
            added += 1
        if added:
            snapshot(ws, "factor_set")
    return added


def _check_settings(ws: Workspace, s: InventorySettings) -> None:
    if s.gwp_set not in GWP_SET_IDS:
        raise GwpError(f"unknown GWP set {s.gwp_set!r}; known: {', '.join(GWP_SET_IDS)}")
    if s.approach not in APPROACHES:
        raise ZerotrailError(
            f"unknown consolidation approach {s.approach!r}; "
            f"expected one of {', '.join(APPROACHES)}"
        )
    if s.blend_rule not in BLEND_RULES:
        raise ZerotrailError(
            f"unknown blend rule {s.blend_rule!r}; expected one of {', '.join(BLEND_RULES)}"
        )
    if s.blend_rule == "publisher" and s.gwp_set != "AR5":
        raise GwpError(
            "the publisher blend rule uses EPA's AR5 blend values; "
            f"it cannot be combined with {s.gwp_set}"
        )
    other = ws.fetchall(
        "SELECT DISTINCT gwp_set FROM runs WHERE current AND gwp_set <> ?", [s.gwp_set]
    )
    if other:
        raise GwpError(
            f"this inventory uses {other[0][0]}; an inventory uses one GWP set, so it cannot "
            f"also be calculated with {s.gwp_set} (start a new workspace to change sets)"
        )


def instrument_pools(
    rows: Sequence[tuple[Any, ...]], year: int, consumption_markets: dict[str, set[str]]
) -> tuple[list[dict[str, Any]], list[str]]:
    """Instruments that count for `year`, summed into site and entity pools, with refusals.

    A row is (instrument_id, type, mwh, period_start, period_end, region, entity, site, status,
    retired_on, rate). It counts only when retired or cancelled for the reporter, its period
    lies in the year, and its market has consumption by its site or entity (Scope 2 Quality
    Criteria 3-5). Each refusal is returned as a note naming the reason.
    """
    pools: dict[tuple[str, str, str], dict[str, Any]] = {}
    notes: list[str] = []
    for iid, typ, mwh, start, end, region, entity, site, status, retired_on, rate in rows:
        if not (start.year <= year <= end.year):
            continue
        market = market_of(region)
        why = None
        if status == "held":
            why = "not retired (status held)"
        elif start.year != end.year:
            why = "its period spans more than one year; split it per year"
        elif retired_on is None:
            why = "no retirement date"
        else:
            owner = f"site:{site}" if site else f"entity:{entity}"
            if market not in consumption_markets.get(owner, set()):
                why = f"no electricity consumption in market {market} by {owner}"
        if why:
            notes.append(f"instrument {iid} does not count for {year}: {why}")
            continue
        kind, key = ("site", site) if site else ("entity", entity)
        p = pools.setdefault(
            (kind, key, market),
            {
                "pool_kind": kind,
                "pool_key": key,
                "market": market,
                "inst_mwh": 0.0,
                "rate_mwh": 0.0,
                "inst_renewable_mwh": 0.0,
            },
        )
        p["inst_mwh"] += mwh
        p["rate_mwh"] += mwh * rate
        if typ in RENEWABLE_TYPES and rate == 0:
            p["inst_renewable_mwh"] += mwh
    out = []
    for p in pools.values():
        rate_mwh = p.pop("rate_mwh")
        p["inst_rate_t"] = rate_mwh / p["inst_mwh"] if p["inst_mwh"] else 0.0
        out.append(p)
    return out, notes


def _memtable(rows: list[dict[str, Any]], schema: dict[str, str]) -> Any:
    import ibis
    import pyarrow as pa

    types = {
        "string": pa.string(),
        "float64": pa.float64(),
        "int64": pa.int64(),
        "boolean": pa.bool_(),
    }
    arrow = pa.table({k: pa.array([r[k] for r in rows], type=types[t]) for k, t in schema.items()})
    return ibis.memtable(arrow)


@dataclass(frozen=True)
class Prepared:
    """The small derived tables of one calculation (see engine/calculate.py for each)."""

    conv: list[tuple[str, str, str, float, bool]]
    lineage: list[dict[str, Any]]
    gases: list[dict[str, object]]
    shares: dict[str, tuple[float, str | None]]
    sites: list[dict[str, Any]]
    keyinfo: list[dict[str, Any]]
    mwh: list[dict[str, Any]]
    pools: list[dict[str, Any]]
    prices: list[dict[str, Any]]
    notes: list[str]


def year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def supplier_activities(ws: Workspace) -> list[str]:
    """Keys that have supplier-specific factors (the supplier matters only for these)."""
    return [
        r[0]
        for r in ws.fetchall(
            "SELECT DISTINCT activity FROM factors WHERE supplier IS NOT NULL ORDER BY 1"
        )
    ]


def year_activities(ws: Workspace, year: int) -> Any:
    be = ws.ibis()
    y0, y1 = year_bounds(year)
    acts = be.table("activities")
    return acts.filter(acts.current & acts.period_start.between(y0, y1))


def stage_signatures(ws: Workspace, year: int) -> Any:
    """Group the year's records by signature into the session table `zt_sig` (one scan)."""
    from zerotrail.engine.calculate import signatures

    return _stage(
        ws, ws.ibis(), signatures(year_activities(ws, year), supplier_activities(ws)), "zt_sig"
    )


def prepare(ws: Workspace, settings: InventorySettings) -> Prepared:
    """Gather the small tables the engine joins in, in plain Python.

    Distinct values come from the staged signatures (`stage_signatures`), not from the
    activity table, so this costs the same for a thousand records as for a billion.
    """
    year = settings.year
    stage_signatures(ws, year)
    ents = [
        EntityRow(e, p, float(s), fc, bool(oc))
        for e, p, s, fc, oc in ws.fetchall(
            "SELECT entity, parent, equity_share, financial_control, operational_control"
            " FROM entities"
        )
    ]
    shares = consolidation_shares(ents, settings.approach)
    notes = [n for _, n in shares.values() if n]
    op = {e.entity: e.operational_control for e in ents}
    site_rows = [
        {"site": s, "site_kind": k, "controlled": bool(op.get(e, True) if c is None else c)}
        for s, e, k, c in ws.fetchall("SELECT site, entity, kind, operational_control FROM sites")
    ]

    pairs = [(a, u) for a, u in ws.fetchall("SELECT DISTINCT activity, unit FROM zt_sig")]
    grid_units = {u for a, u in pairs if a == "electricity.grid"}
    pairs += [("electricity.residual_mix", u) for u in grid_units]
    activities = sorted({a for a, _ in pairs})
    funits = (
        [
            FactorUnit(*r)
            for r in ws.fetchall(
                "SELECT DISTINCT factor_id, activity, unit, heat_content, heat_content_unit"
                " FROM factors"
                " WHERE activity IN (SELECT unnest(?))",
                [activities],
            )
        ]
        if activities
        else []
    )
    pinned = [r[0] for r in ws.fetchall("SELECT DISTINCT pin_k FROM zt_sig WHERE pin_k <> ''")]
    if pinned:
        funits += [
            FactorUnit(*r)
            for r in ws.fetchall(
                "SELECT DISTINCT factor_id, activity, unit, heat_content, heat_content_unit"
                " FROM factors WHERE factor_id IN (SELECT unnest(?))",
                [pinned],
            )
        ]
        # A pinned factor converts from the record's own key and unit.
        pin_pairs = ws.fetchall(
            "SELECT DISTINCT activity, unit, pin_k FROM zt_sig WHERE pin_k <> ''"
        )
        by_id = {f.factor_id: f for f in funits}
        funits += [
            FactorUnit(
                fid, a, by_id[fid].unit, by_id[fid].heat_content, by_id[fid].heat_content_unit
            )
            for a, _, fid in pin_pairs
            if fid in by_id
        ]
    conv = conversions(pairs, funits)
    regions = [r[0] for r in ws.fetchall("SELECT DISTINCT region FROM zt_sig")]
    lineage = [
        {"region": r, "ancestor": a, "level": lvl, "market": market_of(r)}
        for r, a, lvl in region_lineage(regions)
    ]
    gases = gas_table(
        [r[0] for r in ws.fetchall("SELECT DISTINCT gas FROM factors")],
        settings.gwp_set,
        settings.blend_rule,
    )
    keyinfo = []
    for a in activities:
        fam = family_of(a)
        if fam is None:
            continue
        keyinfo.append(
            {
                "activity": a,
                "scope": fam.scope,
                "default_category": fam.default_category or 0,
                "method": fam.method,
                "method_dq": METHOD_DQ[fam.method],
                "is_grid": a == "electricity.grid",
                # Fugitive keys are mass released: region fallbacks carry no meaning.
                "regional": fam.name != "fugitive",
            }
        )
    mwh = [{"unit": u, "mwh_per_unit": m} for u, m in mwh_per_unit(grid_units).items()]

    consumption: dict[str, set[str]] = {}
    for site, ent, region in ws.fetchall(
        "SELECT DISTINCT site_k, entity, region FROM zt_sig WHERE activity = 'electricity.grid'"
    ):
        consumption.setdefault(f"entity:{ent}", set()).add(market_of(region))
        if site:
            consumption.setdefault(f"site:{site}", set()).add(market_of(region))
    pools, inst_notes = instrument_pools(
        ws.fetchall(
            "SELECT instrument_id, type, mwh, period_start, period_end, region, entity, site,"
            " status,"
            " retired_on, emission_rate_t_per_mwh FROM instruments ORDER BY instrument_id"
        ),
        year,
        consumption,
    )
    notes += inst_notes
    prices = [
        {"currency": c, "year": y, "price_index": v} for (c, y), v in current_indices(ws).items()
    ]

    return Prepared(conv, lineage, gases, shares, site_rows, keyinfo, mwh, pools, prices, notes)


def calculate(
    ws: Workspace, settings: InventorySettings, progress: Progress | None = None
) -> RunSummary:
    """Calculate the inventory of one year and store it as the year's current run."""
    step = progress or no_progress()
    _check_settings(ws, settings)
    year = settings.year
    step("preparing")
    prep = prepare(ws, settings)
    be = ws.ibis()
    import ibis

    acts = year_activities(ws, year)
    suppliers = supplier_activities(ws)
    fam_cols = ["co2", "ch4", "n2o", "hfc", "pfc", "sf6", "nf3"]
    calc = calculate_expr(
        sig=be.table("zt_sig"),
        factors=be.table("factors"),
        conv=_memtable(
            [
                dict(
                    zip(("activity", "unit", "factor_id", "multiplier", "via_heat"), c, strict=True)
                )
                for c in prep.conv
            ],
            {
                "activity": "string",
                "unit": "string",
                "factor_id": "string",
                "multiplier": "float64",
                "via_heat": "boolean",
            },
        ),
        lineage=_memtable(
            prep.lineage,
            {"region": "string", "ancestor": "string", "level": "int64", "market": "string"},
        ),
        gases=_memtable(
            prep.gases,
            {
                "gas": "string",
                "origin": "string",
                "unsplit": "float64",
                **{f"m_{f}": "float64" for f in fam_cols},
                **{f"e_{f}": "float64" for f in fam_cols},
                "flags": "string",
            },
        ),
        shares=_memtable(
            [{"entity": e, "share": s} for e, (s, _) in prep.shares.items()],
            {"entity": "string", "share": "float64"},
        ),
        sites=_memtable(
            prep.sites, {"site": "string", "site_kind": "string", "controlled": "boolean"}
        ),
        keyinfo=_memtable(
            prep.keyinfo,
            {
                "activity": "string",
                "scope": "int64",
                "default_category": "int64",
                "method": "string",
                "method_dq": "float64",
                "is_grid": "boolean",
                "regional": "boolean",
            },
        ),
        mwh=_memtable(prep.mwh, {"unit": "string", "mwh_per_unit": "float64"}),
        pools=_memtable(
            prep.pools,
            {
                "pool_kind": "string",
                "pool_key": "string",
                "market": "string",
                "inst_mwh": "float64",
                "inst_rate_t": "float64",
                "inst_renewable_mwh": "float64",
            },
        ),
        prices=_memtable(
            prep.prices, {"currency": "string", "year": "int64", "price_index": "float64"}
        ),
        gwp_set=settings.gwp_set,
        stage=lambda table, name: _stage(ws, be, table, name),
    )
    run_id = f"run-{year}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%f')}"
    columns = [
        r[0]
        for r in ws.fetchall(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'run_signatures'"
            " ORDER BY ordinal_position"
        )
    ]
    signatures = calc.signatures.mutate(run_id=ibis.literal(run_id)).select(*columns)
    as_of = ws.scalar("SELECT max(import_id) FROM imports") or ""
    step("calculating")
    with ws.transaction():
        be.insert("run_signatures", signatures)
        for activity in suppliers:
            ws.execute("INSERT INTO run_supplier_keys VALUES (?, ?)", [run_id, activity])
        n_problems = _store_unresolved(ws, be, run_id, acts, calc.unresolved)
        for n in prep.notes:
            ws.execute("INSERT INTO run_problems VALUES (?, NULL, ?)", [run_id, n])
        ws.execute("UPDATE runs SET current = false WHERE year = ? AND current", [year])
        ws.execute(
            "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, true, ?, NULL)",
            [
                run_id,
                year,
                settings.gwp_set,
                settings.approach,
                settings.blend_rule,
                0,
                n_problems,
                datetime.now(UTC).replace(tzinfo=None),
                as_of,
            ],
        )
        ensure_results_view(ws, be)
        n_records = int(
            ws.scalar(
                "SELECT coalesce(sum(sig_records), 0) FROM run_signatures WHERE run_id = ?",
                [run_id],
            )
        )
        ws.execute("UPDATE runs SET records = ? WHERE run_id = ?", [n_records, run_id])
        commit_run(ws, run_id, year)
    return RunSummary(
        run_id, year, settings.gwp_set, settings.approach, n_records, n_problems, tuple(prep.notes)
    )


# The run figures committed to the ledger (a run's leaf; docs/ledger.md).
RUN_FIGURES = (
    "scope1",
    "scope2_location",
    "scope2_market",
    "scope3",
    "scope3_market",
    "total_location",
    "total_market",
    "biogenic_co2",
)


def commit_run(ws: Workspace, run_id: str, year: int) -> None:
    """Commit the run's headline figures to the ledger, keeping the exact text committed, and
    the digests of its stored results (kind `run_results`)."""
    from zerotrail.ledger.canonical import canonical_bytes
    from zerotrail.reports.inventory import summary
    from zerotrail.store.committed import commit_new, run_results_sql
    from zerotrail.store.tlog import Appender

    inputs = int(ws.scalar("SELECT count(*) FROM ledger_leaves"))
    row = ws.fetchall(
        "SELECT gwp_set, consolidation, blend_rule, as_of_import, records,"
        " problems FROM runs WHERE run_id = ?",
        [run_id],
    )[0]
    figures = summary(ws, year)
    canonical = canonical_bytes(
        "run",
        {
            "run_id": run_id,
            "year": year,
            "gwp_set": row[0],
            "consolidation": row[1],
            "blend_rule": row[2],
            "as_of_import": row[3],
            "records": int(row[4]),
            "problems": int(row[5]),
            "ledger_size_before": inputs,
            "unit": "t CO2e",
            **{k: float(figures[k]) for k in RUN_FIGURES},
        },
    )
    Appender(ws).append("run", [(run_id, 1)], [canonical])
    ws.execute("UPDATE runs SET committed = ? WHERE run_id = ?", [canonical.decode(), run_id])
    # And what every per-record figure derives from (with the committed activities): digests
    # of the run's signatures, supplier keys and problems, the next leaf (docs/ledger.md).
    commit_new(ws, "run_results", run_results_sql(run_id))


def results_expr(be: Any) -> Any:
    """Per-record results of every run, from the engine's own per-record expression.

    A run sees the record versions imported up to its `as_of_import` and not yet superseded
    then, in its year; each is keyed as the run keyed it and joined to the run's signatures.
    """
    a = be.table("activities")
    r = be.table("runs").select("run_id", "year", "as_of_import")
    seen = a.join(
        r,
        [
            a.period_start.year() == r.year,
            a.import_id <= r.as_of_import,
            a.superseded_by.isnull() | (a.superseded_by > r.as_of_import),
        ],
    )
    sk = be.table("run_supplier_keys").rename(sk_run="run_id", sk_activity="activity")
    seen = seen.left_join(sk, [seen.run_id == sk.sk_run, seen.activity == sk.sk_activity])
    k = keyed(seen, seen.sk_activity.notnull()).drop("sk_run", "sk_activity")
    return per_record(k, be.table("run_signatures"), extra_keys=("run_id",))


# Bump when results_expr or the engine's per-record expression changes shape.
RESULTS_VIEW_REVISION = "2"


def ensure_results_view(ws: Workspace, be: Any) -> None:
    """(Re)create the `results` view when this version of zerotrail has not made it yet."""
    import ibis

    from zerotrail import __version__

    revision = f"{__version__}/{RESULTS_VIEW_REVISION}"
    if ws.get_setting("results_view") == revision:
        return
    sql = ibis.to_sql(results_expr(be), dialect="duckdb")
    ws.execute(f"CREATE OR REPLACE VIEW results AS {sql}")
    ws.set_setting("results_view", revision)


def _stage(ws: Workspace, be: Any, table: Any, name: str) -> Any:
    """Materialise an intermediate engine table as a temporary table of this session."""
    ws.execute(f"DROP TABLE IF EXISTS {name}")
    return be.create_table(name, table, temp=True)


def unresolved_records(ws: Workspace, run_id: str, limit: int) -> tuple[list[tuple[str, str]], int]:
    """The first `limit` records a run could not calculate, as (record id, reason), in record
    id order, and how many there are in all."""
    total = int(
        ws.scalar(
            "SELECT count(*) FROM run_problems WHERE run_id = ? AND record_id IS NOT NULL",
            [run_id],
        )
    )
    first = [
        (str(r), str(m))
        for r, m in ws.fetchall(
            "SELECT record_id, message FROM run_problems WHERE run_id = ? AND record_id IS NOT"
            " NULL ORDER BY record_id LIMIT ?",
            [run_id, limit],
        )
    ]
    return first, total


def _store_unresolved(ws: Workspace, be: Any, run_id: str, acts: Any, unresolved: Any) -> int:
    """Every record whose signature found no factor becomes a problem with its reason."""
    sigs = unresolved.to_pyarrow().to_pylist()
    if not sigs:
        return 0
    total = 0
    for sig in sigs:
        reason = explain_unresolved(ws, sig)
        cond = [
            (acts.entity == sig["entity"]),
            (acts.site.fill_null("") == sig["site_k"]),
            (acts.activity == sig["activity"]),
            (acts.region == sig["region"]),
            (acts.unit == sig["unit"]),
            (acts.period_start == sig["period_start"]),
            (acts.period_end == sig["period_end"]),
            (acts.factor_id.fill_null("") == sig["pin_k"]),
            (acts.supplier.fill_null("") == sig["supplier_k"]),
            (acts.ch4_origin.fill_null("") == sig["origin_k"]),
            (acts.scope3_category.fill_null(0) == sig["cat_k"]),
        ]
        import ibis

        rows = acts.filter(*cond).select(
            run_id=ibis.literal(run_id), record_id=acts.record_id, message=ibis.literal(reason)
        )
        be.insert("run_problems", rows)
        total += int(rows.count().to_pyarrow().as_py())
    return total


def explain_unresolved(ws: Workspace, sig: dict[str, Any]) -> str:
    """Why no factor fits a signature, in the user's terms."""
    from zerotrail.model.regions import lineage

    act, region, unit, start = sig["activity"], sig["region"], sig["unit"], sig["period_start"]
    if sig["pin_k"]:
        return (
            f"pinned factor {sig['pin_k']} cannot be used for {act} in {unit} "
            "(unit not convertible, or its gases lack values in the GWP set)"
        )
    regs = list(lineage(region))
    rows = ws.fetchall(
        "SELECT DISTINCT region, valid_from, valid_to FROM factors WHERE activity = ?"
        " AND region IN (SELECT unnest(?))",
        [act, regs],
    )
    if not rows:
        return f"no factor for {act} in {region} or its parent regions ({', '.join(regs[1:])})"
    earliest = min(r[1] for r in rows)
    if earliest > start:
        return (
            f"no factor for {act} in {' / '.join(regs)} valid on {start.isoformat()}: the "
            f"earliest edition starts {earliest.isoformat()} (later editions are not used "
            "for earlier periods)"
        )
    return (
        f"no factor for {act} in {' / '.join(regs)} fits unit {unit} and the GWP set "
        "(check the unit, or the factor's gases)"
    )
