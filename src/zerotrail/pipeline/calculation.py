"""The calculation stage: a year's stored records in, a stored run of per-record results out.

Where it sits: pipeline, after the imports and before the inventory, roadmap and claim stages,
which read the runs it stores. It calls `store/` for every read and write, `engine/` for the
calculation and the small inputs' rules, and nothing else decides a number.

A run, top to bottom (`calculate`): check the settings; get the engine's compiled plan (from
this process, else the workspace, else compiled from the engine's expressions and kept in
both: engine/plan.py); fill the run's values into session tables and let the plan group the
year's records by signature; prepare the small inputs from those signatures in plain Python
(`prepare`); run the plan's per-signature steps; explain each unresolved signature; then, in one
transaction, store the run, its signatures, supplier keys and problems, and commit the GWP values
its records were weighed with, its headline figures and result digests to the ledger.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from zerotrail.engine.inputs import (
    Conversions,
    ConvRow,
    EntityRow,
    FactorUnit,
    RecordRegion,
    consolidation_shares,
    conversions,
    gas_table,
    mwh_per_unit,
    record_region,
    region_lineage,
    units_digest,
)
from zerotrail.engine.plan import (
    CALCULATED,
    INPUTS,
    STORED_TABLES,
    UNRESOLVED,
    Plan,
    compile_plan,
    current_shape,
    known_plan,
    remember,
)
from zerotrail.engine.settings import (
    APPROACHES,
    BLEND_RULES,
    FACTOR_POLICIES,
    METHOD_DQ,
    InventorySettings,
)
from zerotrail.errors import GwpError, ZerotrailError
from zerotrail.ingest.checks import Progress, no_progress
from zerotrail.ingest.formats import RENEWABLE_TYPES
from zerotrail.model.keys import family_of
from zerotrail.model.regions import lineage, market_of
from zerotrail.reference.gwp import GWP_SET_IDS
from zerotrail.reference.gwp_values import gwp_value
from zerotrail.store import calculation_inputs as reads
from zerotrail.store import gwp_values, runs
from zerotrail.store.compiled_sql import read_compiled, save_compiled
from zerotrail.store.external import with_lake_records
from zerotrail.store.factor_rows import insert_factor_rows
from zerotrail.store.factor_sets import FactorSetRecord, insert_factor_set, stored_set
from zerotrail.store.history import snapshot
from zerotrail.store.inventory import run_problems
from zerotrail.store.price_indices import current_indices
from zerotrail.store.session_tables import fill, fill_from, read_rows, total
from zerotrail.store.unit_conversions import keep_conversions, known_conversions
from zerotrail.store.workspace import Workspace, parse_url


@dataclass(frozen=True, slots=True)
class RunSummary:
    run_id: str
    year: int
    gwp_set: str
    consolidation: str
    records: int
    problems: int
    notes: tuple[str, ...]
    factor_policy: str = "nearest"


def load_shipped_factors(ws: Workspace) -> int:
    """Load the package's factor sets into a new workspace (idempotent per set)."""
    from zerotrail.reference import factors as shipped

    missing = [i for i in shipped.factor_sets() if stored_set(ws, i.factor_set) is None]
    if not missing:
        return 0
    shipped_arrow = shipped.factors_arrow()
    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    with ws.transaction():
        for info in missing:
            insert_factor_set(
                ws,
                FactorSetRecord(
                    info.factor_set,
                    info.name,
                    info.publisher,
                    info.edition,
                    info.source_url,
                    info.licence,
                    info.description,
                    "shipped",
                    info.input_sha256,
                    loaded_at,
                ),
            )
            insert_factor_rows(ws, shipped_arrow, info.factor_set)
        snapshot(ws, "factor_set")
    return len(missing)


def check_settings(ws: Workspace, s: InventorySettings) -> None:
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
    if s.factor_policy not in FACTOR_POLICIES:
        raise ZerotrailError(
            f"unknown factor policy {s.factor_policy!r}; "
            f"expected one of {', '.join(FACTOR_POLICIES)}"
        )
    if s.blend_rule == "publisher" and s.gwp_set != "AR5":
        raise GwpError(
            "the publisher blend rule uses EPA's AR5 blend values; "
            f"it cannot be combined with {s.gwp_set}"
        )
    other = runs.gwp_sets_in_use(ws, s.gwp_set)
    if other:
        raise GwpError(
            f"this inventory uses {other[0]}; an inventory uses one GWP set, so it cannot "
            f"also be calculated with {s.gwp_set} (start a new workspace to change sets)"
        )


def calculation_plan(ws: Workspace, engine: str | None = None) -> Plan:
    """The engine's compiled plan for this workspace: this process's, else the workspace's,
    else compiled now from the engine's expressions and kept in both. The engine is the
    workspace's own unless named (`spark`: pipeline/spark_calculation.py)."""
    engine = engine or parse_url(ws.url).kind
    shape = current_shape(engine, ws.schema_version)
    stored = read_compiled(ws, shape.key)
    plan = known_plan(shape.key) or (None if stored is None else Plan.from_json(stored))
    if plan is None:
        be = ws.ibis()
        plan = compile_plan(shape, {name: be.table(name).schema() for name in STORED_TABLES})
    if stored is None:
        save_compiled(ws, shape.key, engine, shape.schema_version, plan.to_json())
    remember(plan)
    return plan


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


@dataclass(frozen=True)
class Prepared:
    """The small derived tables of one calculation (see engine/emissions.py for each)."""

    conv: list[ConvRow]
    regions: list[dict[str, Any]]
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


def prepare(ws: Workspace, settings: InventorySettings) -> Prepared:
    """Group the year's records by signature and gather the small tables the engine joins in.

    Distinct values come from the signatures (session table `zt_sig`), not from the activity
    table, so this costs the same for a thousand records as for a billion.
    """
    return _prepare(ws, settings, calculation_plan(ws), reads.supplier_keys(ws))


def run_params(
    settings: InventorySettings, suppliers: Sequence[str]
) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of the session tables the plan's signature step reads (`zt_params`,
    `zt_supplier_keys`), in `INPUTS` column order."""
    y0, y1 = year_bounds(settings.year)
    return {
        "zt_params": [(y0, y1, settings.gwp_set, settings.factor_policy)],
        "zt_supplier_keys": [(a,) for a in suppliers],
    }


def _prepare(
    ws: Workspace, settings: InventorySettings, plan: Plan, suppliers: Sequence[str]
) -> Prepared:
    for name, rows in run_params(settings, suppliers).items():
        fill(ws, name, INPUTS[name], rows)
    fill_from(ws, plan.signatures.table, plan.signatures.sql)
    return prepare_from_signatures(ws, settings, plan.signatures.table)


def prepare_from_signatures(ws: Workspace, settings: InventorySettings, sig: str) -> Prepared:
    """The small tables the engine joins in, from the year's signatures in the workspace's
    session table `sig` (however they were grouped: here, or by Spark)."""
    ents = [EntityRow(e, p, float(s), fc, bool(oc)) for e, p, s, fc, oc in reads.entity_rows(ws)]
    shares = consolidation_shares(ents, settings.approach)
    notes = [n for _, n in shares.values() if n]
    op = {e.entity: e.operational_control for e in ents}
    site_rows = [
        {"site": s, "site_kind": k, "controlled": bool(op.get(e, True) if c is None else c)}
        for s, e, k, c in reads.site_rows(ws)
    ]

    pairs = reads.signature_pairs(ws, sig)
    grid_units = {u for a, u in pairs if a == "electricity.grid"}
    pairs += [("electricity.residual_mix", u) for u in grid_units]
    activities = sorted({a for a, _ in pairs})
    funits = [FactorUnit(*r) for r in reads.factor_units(ws, activities)]
    pin_pairs = reads.pinned_pairs(ws, sig)
    if pin_pairs:
        pinned = sorted({fid for _, _, fid in pin_pairs})
        funits += [FactorUnit(*r) for r in reads.factor_units_by_id(ws, pinned)]
        # A pinned factor converts from the record's own key and unit.
        by_id = {f.factor_id: f for f in funits}
        funits += [
            FactorUnit(
                fid, a, by_id[fid].unit, by_id[fid].heat_content, by_id[fid].heat_content_unit
            )
            for a, _, fid in pin_pairs
            if fid in by_id
        ]
    units_key = units_digest()
    convert = Conversions(known_conversions(ws, units_key))
    conv = conversions(pairs, funits, convert)
    mwh = [{"unit": u, "mwh_per_unit": m} for u, m in mwh_per_unit(grid_units, convert).items()]
    keep_conversions(ws, units_key, convert.new)
    places = record_regions(ws, sig)
    region_rows = [
        {
            "site_k": site,
            "region": region,
            "hb_k": basis,
            "eff_region": rr.region,
            "rec_basis": rr.heat_basis,
            "site_region_used": rr.site_region_used,
        }
        for (site, region, basis), rr in places.items()
    ]
    effective = {(site, region): rr.region for (site, region, _), rr in places.items()}
    lineage_rows = [
        {"region": r, "ancestor": a, "level": lvl, "market": market_of(r)}
        for r, a, lvl in region_lineage(rr.region for rr in places.values() if rr.region)
    ]
    gases = gas_table(reads.factor_gases(ws), settings.gwp_set, settings.blend_rule)
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

    consumption: dict[str, set[str]] = {}
    for site, ent, stated in reads.grid_consumers(ws, sig):
        region = effective[(site, stated)]
        if not region:
            continue  # no region and no site: the record is a problem, consuming nowhere
        consumption.setdefault(f"entity:{ent}", set()).add(market_of(region))
        if site:
            consumption.setdefault(f"site:{site}", set()).add(market_of(region))
    pools, inst_notes = instrument_pools(reads.instrument_rows(ws), settings.year, consumption)
    notes += inst_notes
    prices = [
        {"currency": c, "year": y, "price_index": v} for (c, y), v in current_indices(ws).items()
    ]
    return Prepared(
        conv,
        region_rows,
        lineage_rows,
        gases,
        shares,
        site_rows,
        keyinfo,
        mwh,
        pools,
        prices,
        notes,
    )


def record_regions(ws: Workspace, sig: str) -> dict[tuple[str, str, str], RecordRegion]:
    """(site, stated region, stated heat basis) of the signatures → where their factors are
    looked up and the basis of their energy (engine/inputs.py `record_region`)."""
    site_region = reads.site_regions(ws)
    return {
        (site, region, basis): record_region(region, site_region.get(site), basis)
        for site, region, basis in reads.signature_places(ws, sig)
    }


def input_rows(prep: Prepared) -> dict[str, Sequence[Sequence[Any]]]:
    """The prepared tables as rows of the plan's session tables (columns in `INPUTS` order)."""
    tables: dict[str, Sequence[Sequence[Any]]] = {
        "zt_conv": prep.conv,
        "zt_shares": [(e, s) for e, (s, _) in prep.shares.items()],
    }
    dicts = {
        "zt_regions": prep.regions,
        "zt_lineage": prep.lineage,
        "zt_gases": prep.gases,
        "zt_sites": prep.sites,
        "zt_keyinfo": prep.keyinfo,
        "zt_mwh": prep.mwh,
        "zt_pools": prep.pools,
        "zt_prices": prep.prices,
    }
    for name, rows in dicts.items():
        tables[name] = [tuple(r[c] for c, _ in INPUTS[name]) for r in rows]
    return tables


def _fill_inputs(ws: Workspace, prep: Prepared) -> None:
    for name, values in input_rows(prep).items():
        fill(ws, name, INPUTS[name], values)


@with_lake_records  # lake tables read in place, refused when a file changed (store/external.py)
def calculate(
    ws: Workspace, settings: InventorySettings, progress: Progress | None = None
) -> RunSummary:
    """Calculate the inventory of one year and store it as the year's current run."""
    step = progress or no_progress()
    check_settings(ws, settings)
    step("preparing")
    # One transaction from the first read to the stored run: on a shared (PostgreSQL)
    # workspace no import can land between the records the run read and the run it stores.
    with ws.transaction():
        plan = calculation_plan(ws)
        suppliers = reads.supplier_keys(ws)
        prep = _prepare(ws, settings, plan, suppliers)
        _fill_inputs(ws, prep)
        step("calculating")
        for s in plan.steps:
            fill_from(ws, s.table, s.sql)
        unresolved = read_rows(ws, UNRESOLVED)
        reasons = [(u["n"], explain_unresolved(ws, u, settings.factor_policy)) for u in unresolved]
        fill(ws, "zt_reasons", INPUTS["zt_reasons"], reasons)
        problems = plan.problems if reasons else None
        return store_run(ws, settings, plan, suppliers, prep.notes, problems)


def new_run_id(year: int) -> str:
    return f"run-{year}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%f')}"


def store_run(
    ws: Workspace,
    settings: InventorySettings,
    plan: Plan,
    suppliers: Sequence[str],
    notes: Sequence[str],
    problems: str | None,
    *,
    run_id: str | None = None,
    as_of: str | None = None,
    by_scope: dict[int, tuple[float, float, float]] | None = None,
) -> RunSummary:
    """Store a calculated run as its year's current run and commit it, in one transaction.

    Every engine's run ends here, so a run is stored and committed the same way whichever
    engine calculated it. The run's per-signature results are the workspace's session table
    `CALCULATED`; `plan` is the workspace's own (its results view is the one stored);
    `problems` selects (record_id, message) of the records no factor fits (None: there are
    none); `by_scope` is the run's results summed by scope when the engine summed them where
    the records are (None: summed through the workspace's results view). An engine that
    read the records before this names the run (`run_id`) and the last import it saw
    (`as_of`); else they are taken now.
    """
    year = settings.year
    run_id = run_id or new_run_id(year)
    as_of = runs.last_import_id(ws) if as_of is None else as_of
    records = total(ws, CALCULATED, "sig_records")
    with ws.transaction():
        runs.insert_signatures(ws, run_id, CALCULATED, plan.calc_columns)
        runs.insert_supplier_keys(ws, run_id, suppliers)
        n_problems = runs.insert_record_problems(ws, run_id, problems) if problems else 0
        runs.insert_notes(ws, run_id, notes)
        run = runs.NewRun(
            run_id,
            year,
            settings.gwp_set,
            settings.approach,
            settings.blend_rule,
            records,
            n_problems,
            as_of,
            settings.factor_policy,
        )
        runs.insert_current_run(ws, run)
        runs.ensure_results_view(ws, plan.results_view, plan.key)
        commit_run(ws, run, by_scope)
    return RunSummary(
        run_id,
        year,
        settings.gwp_set,
        settings.approach,
        records,
        n_problems,
        tuple(notes),
        settings.factor_policy,
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


def commit_run(
    ws: Workspace, run: runs.NewRun, by_scope: dict[int, tuple[float, float, float]] | None = None
) -> None:
    """Commit the run's headline figures to the ledger, keeping the exact text committed, and
    the digests of its stored results (kind `run_results`). The figures come from `by_scope`
    (the run's results summed by scope) when given, else from the workspace's results view.
    Before the run's leaf: the GWP values its records were weighed with (kind `gwp`)."""
    from zerotrail.ledger.canonical import canonical_bytes
    from zerotrail.store.committed import commit_new, run_results_sql
    from zerotrail.store.tlog import Appender, size

    ledger_size = size(ws)
    # Committed before the run's leaf, so that they are the versions a verifier's sample of
    # this run reads (the latest before the run: store/sample_inputs.py).
    commit_gwp_values(ws, run)
    figures = run_figures(runs.scope_sums(ws, run.run_id) if by_scope is None else by_scope)
    canonical = canonical_bytes(
        "run",
        {
            "run_id": run.run_id,
            "year": run.year,
            "gwp_set": run.gwp_set,
            "consolidation": run.consolidation,
            "blend_rule": run.blend_rule,
            "as_of_import": run.as_of_import,
            "records": run.records,
            "problems": run.problems,
            "ledger_size_before": ledger_size,
            "unit": "t CO2e",
            **{k: float(figures[k]) for k in RUN_FIGURES},
        },
    )
    Appender(ws).append("run", [(run.run_id, 1)], [canonical])
    runs.set_committed(ws, run.run_id, canonical.decode())
    # And what every per-record figure derives from (with the committed activities): digests
    # of the run's signatures, supplier keys and problems, the next leaf (docs/ledger.md).
    commit_new(ws, "run_results", run_results_sql(run.run_id))


def commit_gwp_values(ws: Workspace, run: runs.NewRun) -> int:
    """Store and commit the GWP values the run's records needed (every gas of each factor used,
    at the records' methane origin) that have no version yet or a different latest one: the
    package's `gas_weights`, which the engine weighed them with. Returns how many."""
    values = [
        gwp_value(gas, run.gwp_set, run.blend_rule, origin)
        for gas, origin in gwp_values.run_gas_keys(ws, run.run_id)
    ]
    return gwp_values.store_new(ws, run.run_id, [v for v in values if v is not None])


def run_figures(by_scope: dict[int, tuple[float, float, float]]) -> dict[str, float]:
    """The headline figures (`RUN_FIGURES`) from the run's results summed by scope
    (location-based, market-based, biogenic), as `zerotrail inventory` gives them."""
    loc = {s: v[0] for s, v in by_scope.items()}
    mkt = {s: v[1] for s, v in by_scope.items()}
    s1, s2l, s2m = loc.get(1, 0.0), loc.get(2, 0.0), mkt.get(2, 0.0)
    s3, s3m = loc.get(3, 0.0), mkt.get(3, 0.0)
    return {
        "scope1": s1,
        "scope2_location": s2l,
        "scope2_market": s2m,
        "scope3": s3,
        "scope3_market": s3m,
        "total_location": s1 + s2l + s3,
        "total_market": s1 + s2m + s3m,
        "biogenic_co2": sum(v[2] for v in by_scope.values()),
    }


def unresolved_records(ws: Workspace, run_id: str, limit: int) -> tuple[list[tuple[str, str]], int]:
    """The first `limit` records a run could not calculate, as (record id, reason), in record
    id order, and how many there are in all."""
    return run_problems(ws, run_id, limit), runs.record_problem_count(ws, run_id)


def explain_unresolved(ws: Workspace, sig: dict[str, Any], policy: str = "nearest") -> str:
    """Why no factor fits a signature (a row of the plan's unresolved signatures, with its
    effective region), in the user's terms."""
    act, region, unit, start = sig["activity"], sig["eff_region"], sig["unit"], sig["period_start"]
    if sig["pin_k"]:
        return (
            f"pinned factor {sig['pin_k']} cannot be used for {act} in {unit} "
            "(unit not convertible, or its gases lack values in the GWP set)"
        )
    if not region:
        return "no region: the record gives none and names no site whose region could be used"
    regs = list(lineage(region))
    rows = reads.factor_validity(ws, act, regs)
    if not rows:
        return f"no factor for {act} in {region} or its parent regions ({', '.join(regs[1:])})"
    valid = [r for r in rows if r[1] <= start and (r[2] is None or r[2] >= start)]
    if policy == "strict" and not valid:
        years = sorted({r[1].year for r in rows})
        return (
            f"no factor for {act} in {' / '.join(regs)} valid on {start.isoformat()}: editions"
            f" exist for {', '.join(str(y) for y in years)}, but the factor policy is strict"
            " (calculate --factor-policy nearest uses the nearest edition, flagged)"
        )
    return (
        f"no factor for {act} in {' / '.join(regs)} fits unit {unit}, its heating-value basis"
        " and the GWP set (check the unit, the factor's gases, or whether the fuel has an"
        " NCV/GCV ratio: `zerotrail factors explain RECORD_ID`)"
    )
