"""The inventory calculation for one year, written once as Ibis expressions.

Where it sits: engine. `plan.py` builds these expressions over named tables and compiles them to
SQL once per shape; the calculation stage (pipeline/calculation.py) runs that SQL over the
workspace. Nothing here touches storage: every function takes tables and returns tables.

Work is done per *signature* (the distinct combination of entity, site, key, region, unit,
period, pinned factor, supplier, CH4 origin, category and stated heating-value basis), which is
orders of magnitude smaller than the activity table: factor resolution, unit conversion, spend
deflation, GWP weighting, consolidation share, scope, and the Scope 2 market-based coverage are
all folded into per-unit coefficients there. Each activity row then costs one join and a few
multiplications. Every step is linear in the quantity, so this gives exactly the per-row result
(the reference implementation checks it).

Inputs of `emissions_expr` (Ibis tables, any backend):
  sig        `signatures(acts, supplier_keys)`: the year's activity records grouped by signature
  factors    the factor library (long: one row per factor and gas)
  conv       (activity, unit, factor_id, multiplier, via_heat, per_energy, ratio)
                                                                 from inputs.conversions
  regions    (site_k, region, hb_k, eff_region, rec_basis, site_region_used)
                                                                 from inputs.record_region
  lineage    (region, ancestor, level, market)                   from inputs.region_lineage
  gases      per (gas, origin) family masses and CO2e            from inputs.gas_table
  shares     (entity, share)                                     from inputs.consolidation_shares
  sites      (site, site_kind, controlled)
  keyinfo    (activity, scope, default_category, method, method_dq, is_grid, regional)
  mwh        (unit, mwh_per_unit)
  pools      (pool_kind, pool_key, market, inst_mwh, inst_rate_t, inst_renewable_mwh)
  prices     (currency, year, price_index)                       the workspace's price indices
Output: `Calculation.signatures` (per-signature coefficients; `per_record` turns them into one
result row per activity record) and `.unresolved` (signatures with no usable factor).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import ibis

from zerotrail.engine.deflation import deflators
from zerotrail.engine.resolve import (
    EARLIER,
    LATER,
    PINNED_OUTSIDE,
    RESOLVE_KEYS,
    factor_heads,
    resolve,
)
from zerotrail.engine.settings import FAMILIES

SIG = (
    "entity",
    "site_k",
    "activity",
    "region",
    "unit",
    "period_start",
    "period_end",
    "pin_k",
    "supplier_k",
    "origin_k",
    "cat_k",
    "hb_k",
)


Stage = Callable[[Any, str], Any]


def _no_stage(table: Any, name: str) -> Any:
    return table


@dataclass(frozen=True)
class Calculation:
    """`signatures`: one row per signature with its factor, flags and per-unit coefficients
    (what a run stores); `unresolved`: signatures no factor fits."""

    signatures: Any
    unresolved: Any


def keyed(acts: Any, has_supplier_factor: Any) -> Any:
    """Null-free signature key columns, so joins on them behave the same on every engine.

    The supplier only matters for keys that have supplier-specific factors
    (`has_supplier_factor`, a boolean expression or literal); elsewhere it is left out of the
    signature, which would otherwise grow to one per purchase-order line.
    """
    # The stated heating-value basis of the record's energy (NULL: its region's convention).
    stated = acts.heat_basis.fill_null("") if "heat_basis" in acts.columns else ibis.literal("")
    return acts.mutate(
        region=acts.region.fill_null(""),  # none given: its site's (inputs.record_region)
        hb_k=stated,
        site_k=acts.site.fill_null(""),
        pin_k=acts.factor_id.fill_null(""),
        supplier_k=ibis.ifelse(has_supplier_factor, acts.supplier.fill_null(""), ""),
        origin_k=acts.ch4_origin.fill_null(""),
        cat_k=acts.scope3_category.fill_null(0),
    )


def coefficients(factors: Any, gases: Any) -> Any:
    """kg of each family, kg CO2e by family, biogenic kg, per factor unit, by (factor, origin)."""
    j = factors.join(gases, factors.gas == gases.gas)
    fossil = ~j.biogenic
    agg: dict[str, Any] = {}
    for fam in FAMILIES:
        agg[f"k_{fam}"] = (j.value * j[f"m_{fam}"] * ibis.ifelse(fossil, 1.0, 0.0)).sum()
        agg[f"e_{fam}"] = (j.value * j[f"e_{fam}"] * ibis.ifelse(fossil, 1.0, 0.0)).sum()
    agg["k_unsplit"] = (j.value * j.unsplit).sum()
    agg["k_bio"] = (j.value * ibis.ifelse(j.biogenic & (j.gas == "CO2"), 1.0, 0.0)).sum()
    agg["n_gases_found"] = j.gas.nunique()
    agg["gas_flags"] = j.flags.max()
    return j.group_by([j.factor_id, j.origin]).aggregate(**agg)


def year_activities(acts: Any, year_start: Any, year_end: Any) -> Any:
    """The current record versions whose period starts within [year_start, year_end]."""
    return acts.filter(acts.current & acts.period_start.between(year_start, year_end))


def supplier_keyed(acts: Any, supplier_keys: Any) -> Any:
    """`keyed` rows, the supplier kept for the keys listed in `supplier_keys` (an `activity`
    column: the keys that have supplier-specific factors)."""
    return keyed(acts, acts.activity.isin(supplier_keys.activity))


def signatures(acts: Any, supplier_keys: Any) -> Any:
    """The distinct signatures of the activity rows, with their summed quantity and count."""
    a = supplier_keyed(acts, supplier_keys)
    return a.group_by(list(SIG)).aggregate(sig_quantity=a.quantity.sum(), sig_records=a.count())


def emissions_expr(
    sig: Any,
    factors: Any,
    conv: Any,
    regions: Any,
    lineage: Any,
    gases: Any,
    shares: Any,
    sites: Any,
    keyinfo: Any,
    mwh: Any,
    pools: Any,
    prices: Any,
    gwp_set: Any,
    strict: Any = False,
    stage: Stage = _no_stage,
) -> Calculation:
    """Build the calculation; `stage(table, name)` may materialise intermediate tables.

    `gwp_set` is the GWP set's id, as a string or a string expression (a run parameter read
    from a table, so one compiled plan serves every set); it is carried as the column
    `run_gwp_set` from the joined signatures on, so it is evaluated once. `strict` (the
    factor policy `strict`: a boolean or a boolean expression, also a run parameter) refuses
    earlier and later editions.

    The small per-signature tables are natural checkpoints: materialising them keeps each
    compiled query small (Ibis compile time grows quickly with expression size) and lets the
    backend plan the large per-record join on known cardinalities. The default does nothing,
    so the result is one expression.
    """
    heads = stage(factor_heads(factors), "zt_heads")
    coef = stage(coefficients(factors, gases), "zt_coef")

    # Each signature's effective region and the heating-value basis of its energy.
    sig = sig.join(regions, ["site_k", "region", "hb_k"])
    chosen = resolve(sig, heads, conv, lineage, strict)
    s = sig.join(chosen, list(RESOLVE_KEYS))
    s = s.join(coef, [("factor_id", "factor_id"), ("origin_k", "origin")])
    # A factor with a gas the GWP set cannot weigh is not used (it would undercount).
    s = stage(s.filter(s.n_gases_found == s.n_gases), "zt_resolved")
    # With each signature's effective region, which the stage's explanation names.
    unresolved = sig.anti_join(s.select(*SIG), list(SIG))

    s = s.join(shares, "entity")
    s = s.join(keyinfo, "activity")
    s = _left(s, sites, [("site_k", "site")])
    s = _left(s, mwh, [("unit", "unit")])
    s = s.join(
        lineage.filter(lineage.level == 0).select(eff_region="region", market="market"),
        "eff_region",
    )
    # Whether the factor's region is the record's or one of its ancestors: only a pin can
    # bring a factor from elsewhere (a UK factor pinned on a Chinese record), and that is
    # flagged as such, not as a parent region's.
    places = lineage.select("region", "ancestor", in_lineage=ibis.literal(True))
    s = _left(s, places, [("eff_region", "region"), ("f_region", "ancestor")])
    s = deflators(s, prices)
    s = s.mutate(run_gwp_set=_string(gwp_set))

    s = stage(s, "zt_joined")

    # Residual-mix factor for the market-based method, resolved like any other factor.
    res_keys = s.filter(s.is_grid).mutate(
        activity=ibis.literal("electricity.residual_mix"), pin_k=ibis.literal("")
    )
    res_chosen = resolve(res_keys, heads, conv, lineage, strict)
    res_coef = res_chosen.join(coef, "factor_id")
    res_coef = res_coef.filter(res_coef.origin == "")
    res_total = sum((res_coef[f"e_{f}"] for f in FAMILIES), res_coef.k_unsplit)
    res_on = ["eff_region", "rec_basis", "unit", "period_start", "supplier_k"]
    residual = res_coef.select(
        *[res_coef[c].name(f"r_{c}") for c in res_on],
        res_t_per_unit=res_coef.multiplier * res_total / 1000.0,
    )
    s = _left(s, residual, [(c, f"r_{c}") for c in res_on])

    controlled = s.controlled.fill_null(True)
    leased = (s.scope < 3) & ~controlled
    scope = ibis.ifelse(leased, 3, s.scope)
    category = ibis.cases(
        (leased, 8),
        (s.scope == 3, ibis.ifelse(s.cat_k > 0, s.cat_k, s.default_category)),
        else_=ibis.null("int32"),
    )
    method = ibis.ifelse(s.level == 1, "supplier-specific", s.method)
    # Tonnes per activity unit, consolidated; spend deflated to its factor's price year.
    per = s.multiplier * s.share * s.deflator.fill_null(1.0) / 1000.0

    e_total = sum((s[f"e_{f}"] for f in FAMILIES), s.k_unsplit)
    loc_t = per * e_total
    s = s.mutate(
        out_scope=scope,
        out_category=category,
        out_method=method,
        **{f"t_{f}": per * s[f"k_{f}"] for f in FAMILIES},
        **{f"te_{f}": per * s[f"e_{f}"] for f in FAMILIES},
        te_unsplit=per * s.k_unsplit,
        t_bio=per * s.k_bio,
        t_co2e=loc_t,
        factor_year=s.valid_from.year().cast("int32"),
    )
    s = stage(s, "zt_located")
    s = _market(s, pools, stage)
    s = s.mutate(flags=_flags(s))

    keep = [
        *SIG,
        "sig_records",
        "factor_id",
        "factor_set",
        "f_region",
        "verified",
        "share",
        "site_kind",
        "out_scope",
        "out_category",
        "out_method",
        "method_dq",
        *[f"t_{f}" for f in FAMILIES],
        *[f"te_{f}" for f in FAMILIES],
        "te_unsplit",
        "t_bio",
        "t_co2e",
        "t_market",
        "mwh_u",
        "covered_u",
        "renewable_u",
        "deflator",
        "factor_year",
        "flags",
    ]
    s = s.select(*keep, gwp_set=s.run_gwp_set)
    return Calculation(signatures=s, unresolved=unresolved)


def _string(value: Any) -> Any:
    return ibis.literal(value) if isinstance(value, str) else value


def per_record(a: Any, s: Any, extra_keys: Sequence[str] = ()) -> Any:
    """Each keyed activity row times its signature's coefficients: the per-record results.

    `a` carries the SIG key columns (see `keyed`), `s` the signatures of `emissions_expr`;
    `extra_keys` (a run id, say) are joined on too and kept in the output.
    """
    # The record's own `factor_id` is its pin; the signature's is the factor used.
    s = s.rename(used_factor_id="factor_id")
    rows = a.join(s, [*extra_keys, *SIG])
    q = rows.quantity
    dq_cols = [
        rows.dq_technology,
        rows.dq_time,
        rows.dq_geography,
        rows.dq_completeness,
        rows.dq_reliability,
    ]
    dq_n = sum((c.notnull().cast("int32") for c in dq_cols), ibis.literal(0))
    dq_sum = sum((c.fill_null(0).cast("float64") for c in dq_cols), ibis.literal(0.0))
    results = rows.select(
        *extra_keys,
        record_id=rows.record_id,
        version=rows.version,
        entity=rows.entity,
        site=rows.site,
        site_kind=rows.site_kind,
        period_start=rows.period_start,
        activity=rows.activity,
        scope=rows.out_scope.cast("int32"),
        category=rows.out_category.cast("int32"),
        method=rows.out_method,
        factor_id=rows.used_factor_id,
        factor_set=rows.factor_set,
        factor_region=rows.f_region,
        factor_verified=rows.verified,
        factor_year=rows.factor_year,
        share=rows.share,
        **{f"{f}_t": q * rows[f"t_{f}"] for f in FAMILIES},
        **{f"co2e_{f}_t": q * rows[f"te_{f}"] for f in FAMILIES},
        co2e_unsplit_t=q * rows.te_unsplit,
        co2e_t=q * rows.t_co2e,
        co2e_market_t=q * rows.t_market,
        biogenic_co2_t=q * rows.t_bio,
        mwh=q * rows.mwh_u,
        covered_mwh=q * rows.covered_u,
        renewable_mwh=q * rows.renewable_u,
        deflator=rows.deflator,
        dq_score=ibis.ifelse(dq_n > 0, dq_sum / dq_n.cast("float64"), rows.method_dq),
        gwp_set=rows.gwp_set,
        flags=rows.flags,
    )
    return results


def results_expr(activities: Any, runs: Any, run_supplier_keys: Any, run_signatures: Any) -> Any:
    """Per-record results of every stored run, from the per-record expression above.

    A run sees the record versions imported up to its `as_of_import` and not yet superseded
    then, in its year; each is keyed as the run keyed it and joined to the run's signatures.
    """
    a = activities
    r = runs.select("run_id", "year", "as_of_import")
    seen = a.join(
        r,
        [
            a.period_start.year() == r.year,
            a.import_id <= r.as_of_import,
            a.superseded_by.isnull() | (a.superseded_by > r.as_of_import),
        ],
    )
    sk = run_supplier_keys.rename(sk_run="run_id", sk_activity="activity")
    seen = seen.left_join(sk, [seen.run_id == sk.sk_run, seen.activity == sk.sk_activity])
    k = keyed(seen, seen.sk_activity.notnull()).drop("sk_run", "sk_activity")
    return per_record(k, run_signatures, extra_keys=("run_id",))


def _left(s: Any, t: Any, on: list[tuple[str, str]]) -> Any:
    """Left join on (left, right) column pairs, keeping only the left key columns.

    The right keys are renamed first so no backend-specific suffixing of same-named columns
    leaks into the result.
    """
    renamed = t.rename({f"__k{i}": right for i, (_, right) in enumerate(on)})
    joined = s.left_join(renamed, [(left, f"__k{i}") for i, (left, _) in enumerate(on)])
    return joined.drop(*[f"__k{i}" for i in range(len(on))])


def _market(s: Any, pools: Any, stage: Stage) -> Any:
    """Market-based Scope 2: instruments first (site pools, then entity pools), then residual mix.

    Coverage is pro-rata within a pool: each record in a (site, market) pool gets the same
    covered fraction min(1, instrument MWh / consumed MWh); entity pools then cover what site
    pools left. Pro-rata keeps every record's figure linear in its quantity.
    """
    grid = s.is_grid & s.mwh_per_unit.notnull()
    s = s.mutate(
        mwh_u=ibis.ifelse(grid, s.mwh_per_unit * s.share, 0.0),
        pool_site=s.site_k,
        pool_entity=s.entity,
    )
    use = s.filter(s.mwh_u > 0)
    site_use = (
        use.filter(use.site_k != "")
        .group_by(["site_k", "market"])
        .aggregate(c_site=(use.sig_quantity * use.mwh_u).sum())
    )
    sp = pools.filter(pools.pool_kind == "site")
    site_pool = site_use.join(sp, [("site_k", "pool_key"), ("market", "market")]).select(
        "site_k",
        "market",
        f_site=ibis.least(1.0, sp.inst_mwh / site_use.c_site),
        r_site=sp.inst_rate_t,
        ren_site=sp.inst_renewable_mwh / sp.inst_mwh,
    )
    s = _left(s, site_pool, [("site_k", "site_k"), ("market", "market")])
    f_site = ibis.ifelse(s.mwh_u > 0, s.f_site.fill_null(0.0), 0.0)
    s = stage(s.mutate(f_site_eff=f_site), "zt_market_site")

    use = s.filter(s.mwh_u > 0)
    ent_use = use.group_by(["entity", "market"]).aggregate(
        c_ent=(use.sig_quantity * use.mwh_u * (1.0 - use.f_site_eff)).sum()
    )
    ep = pools.filter(pools.pool_kind == "entity")
    ent_pool = ent_use.join(ep, [("entity", "pool_key"), ("market", "market")]).select(
        "entity",
        "market",
        f_ent=ibis.ifelse(ent_use.c_ent > 0, ibis.least(1.0, ep.inst_mwh / ent_use.c_ent), 0.0),
        r_ent=ep.inst_rate_t,
        ren_ent=ep.inst_renewable_mwh / ep.inst_mwh,
    )
    s = _left(s, ent_pool, [("entity", "entity"), ("market", "market")])
    f_ent = ibis.ifelse(s.mwh_u > 0, (1.0 - s.f_site_eff) * s.f_ent.fill_null(0.0), 0.0)
    covered = s.f_site_eff + f_ent
    inst_t = s.mwh_u * (s.f_site_eff * s.r_site.fill_null(0.0) + f_ent * s.r_ent.fill_null(0.0))
    uncovered_t = (1.0 - covered) * ibis.ifelse(
        s.res_t_per_unit.notnull(), s.res_t_per_unit * s.share, s.t_co2e
    )
    return s.mutate(
        covered_u=s.mwh_u * covered,
        renewable_u=s.mwh_u
        * (s.f_site_eff * s.ren_site.fill_null(0.0) + f_ent * s.ren_ent.fill_null(0.0)),
        t_market=ibis.ifelse(s.is_grid, inst_t + uncovered_t, s.t_co2e),
        residual_missing=s.is_grid & s.res_t_per_unit.isnull() & (covered < 1.0),
    )


def _flags(s: Any) -> Any:
    other_place = s.regional & (s.f_region != s.eff_region)
    parts = [
        (s.vrank.isin([EARLIER, LATER]), "edition_year_mismatch"),
        (s.vrank == PINNED_OUTSIDE, "pinned_outside_validity"),
        (other_place & s.in_lineage & (s.f_region != "GLOBAL"), "parent_region_factor"),
        (other_place & (s.f_region == "GLOBAL"), "global_factor"),
        (other_place & s.in_lineage.isnull(), "pinned_other_region"),
        (s.site_region_used, "site_region_used"),
        (~s.verified, "unverified_factor"),
        (s.basis_converted, "heat_basis_converted"),
        (s.via_heat, "heat_content_conversion"),
        (s.not_deflated, "spend_not_deflated"),
        (s.gwp_basis.notnull() & (s.gwp_basis != s.run_gwp_set), "gwp_basis_mismatch"),
        (s.residual_missing, "residual_mix_missing"),
        (s.share == 0.0, "excluded_by_consolidation"),
        ((s.scope < 3) & ~s.controlled.fill_null(True), "leased_asset_scope3"),
        (s.period_end.year() != s.period_start.year(), "spans_years"),
    ]
    text = ibis.literal("")
    for cond, name in parts:
        text = text + ibis.ifelse(cond.fill_null(False), name + ";", "")
    gas_flags = s.gas_flags.fill_null("")
    text = text + ibis.ifelse(gas_flags != "", gas_flags + ";", "")
    return text.re_replace(";$", "")
