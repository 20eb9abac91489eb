"""Choosing one factor per activity signature, as an Ibis expression.

Order of preference (docs/methodology.md): a pinned `factor_id`; a supplier-specific factor for
the record's supplier; then, among the record's region and its ancestors
(`model.regions.lineage`: for a Chinese province its regional grid, then the country, then
GLOBAL), a verified factor before an unverified one (the reference data's rule: an unverified
value is never the default where a verified one exists), then the most specific region. Within
one region a factor whose validity contains the period start beats the nearest earlier edition
(flagged `earlier_edition`); later editions are never used. Then the newest `valid_from`; then a
factor in the record's own dimension before one reached through a heat content; then the factor
id, so ties resolve the same way on every engine.
A pinned factor is used even outside its validity, with the flag `pinned_outside_validity`.
"""

from __future__ import annotations

from typing import Any

import ibis

# Columns that identify an activity signature for resolution.
RESOLVE_KEYS = ("activity", "region", "unit", "period_start", "pin_k", "supplier_k")


def factor_heads(factors: Any) -> Any:
    """One row per factor (the long table has one row per gas)."""
    return factors.group_by("factor_id").aggregate(
        f_activity=factors.activity.min(),
        f_region=factors.region.min(),
        f_unit=factors.unit.min(),
        currency_year=factors.currency_year.max(),
        valid_from=factors.valid_from.min(),
        valid_to=factors.valid_to.max(),
        f_supplier=factors.supplier.nullif("").max(),  # blank means not supplier-specific
        verified=factors.verified.min(),
        factor_set=factors.factor_set.min(),
        gwp_basis=factors.gwp_basis.max(),
        n_gases=factors.gas.nunique(),
    )


def resolve(keys: Any, heads: Any, conv: Any, lineage: Any) -> Any:
    """For each distinct key row (RESOLVE_KEYS), the chosen factor, its rank and validity class.

    Returns RESOLVE_KEYS + factor_id, multiplier, via_heat, level (0 pinned, 1 supplier, then
    2 + the factor region's position in the record region's lineage: 2 the region itself, then
    its ancestors outward, e.g. CN-SC 2, CN-SOUTHWEST 3, CN 4, GLOBAL 5; US-CAMX 2, US 3,
    GLOBAL 4), vrank (0 valid, 1 earlier edition, 2 pinned outside), verified, factor_set,
    f_region, f_unit, currency_year, gwp_basis, n_gases. Keys with no usable factor are absent.
    Only the order of levels matters (and 0 and 1 by value), never a region level's number.
    """
    k = keys.select(*RESOLVE_KEYS).distinct()

    pinned = (
        k.filter(k.pin_k != "")
        .join(heads, k.pin_k == heads.factor_id)
        .join(conv, [("activity", "activity"), ("unit", "unit"), ("factor_id", "factor_id")])
    )
    pinned = pinned.mutate(level=ibis.literal(0, "int64"))

    regular = (
        k.filter(k.pin_k == "")
        .join(lineage, k.region == lineage.region)
        .join(
            heads,
            [("activity", "f_activity"), ("ancestor", "f_region")],
        )
        .join(conv, [("activity", "activity"), ("unit", "unit"), ("factor_id", "factor_id")])
    )
    regular = regular.filter(
        regular.f_supplier.isnull() | (regular.f_supplier == regular.supplier_k)
    )
    regular = regular.mutate(
        level=ibis.ifelse(regular.f_supplier.notnull(), 1, regular.level + 2).cast("int64")
    )

    cols = [
        *RESOLVE_KEYS,
        "factor_id",
        "multiplier",
        "via_heat",
        "level",
        "valid_from",
        "valid_to",
        "verified",
        "factor_set",
        "f_region",
        "f_unit",
        "currency_year",
        "gwp_basis",
        "n_gases",
    ]
    cand = pinned.select(*cols).union(regular.select(*cols))
    in_validity = (cand.valid_from <= cand.period_start) & (
        cand.valid_to.isnull() | (cand.valid_to >= cand.period_start)
    )
    earlier = cand.valid_to.notnull() & (cand.valid_to < cand.period_start)
    cand = cand.mutate(
        vrank=ibis.cases((in_validity, 0), (earlier, 1), else_=ibis.ifelse(cand.level == 0, 2, 9))
    )
    cand = cand.filter(cand.vrank < 9)
    order = [
        ibis.ifelse(cand.level < 2, cand.level, 2),  # pinned, then supplier, then any place
        ibis.desc(cand.verified),
        cand.level,
        cand.vrank,
        ibis.desc(cand.valid_from),
        cand.via_heat,
        cand.factor_id,
    ]
    ranked = cand.mutate(rn=ibis.row_number().over(group_by=list(RESOLVE_KEYS), order_by=order))
    return ranked.filter(ranked.rn == 0).drop("rn", "valid_from", "valid_to")
