"""Choosing one factor per activity signature, as an Ibis expression.

Order of preference (docs/methodology.md, "One factor per record"): a pinned `factor_id`; a
supplier-specific factor for the record's supplier; then, among the record's region and its
ancestors (`model.regions.lineage`: for a Chinese province its regional grid, then the country,
then GLOBAL), a verified factor before an unverified one (the reference data's rule: an
unverified value is never the default where a verified one exists), then the most specific
region. Within one region the edition rule: a factor whose validity contains the period start,
else the nearest earlier edition (latest `valid_to` before it), else the nearest later one
(earliest `valid_from` after it); both are flagged `edition_year_mismatch`, and the `strict`
factor policy refuses them. Then a factor on the record's own heating-value basis before one
converted from the other basis (`heat_basis_converted`; a fuel without a published ratio cannot
use the other basis at all); then the newest `valid_from`; then a factor in the record's own
dimension before one reached through a heat content; then the factor id, so ties resolve the
same way on every engine.
A pinned factor is used even outside its validity (flagged `edition_year_mismatch` when earlier,
`pinned_outside_validity` when later), whatever the policy: the pin is the user's own choice.

`candidates` lists every factor the record could use with its place in that order (and why a
policy or a missing heat ratio refuses it); `resolve` keeps the first. `factors explain`
(pipeline/explain.py) shows the same candidates, ranked by the same `ORDER`, for one record.
"""

from __future__ import annotations

import datetime
from typing import Any

import ibis

# Columns that identify an activity signature for resolution: the record's effective region
# (its own or its site's) and the heating-value basis of its energy, not its stated region.
RESOLVE_KEYS = (
    "activity",
    "eff_region",
    "rec_basis",
    "unit",
    "period_start",
    "pin_k",
    "supplier_k",
)

# vrank: where a factor's validity stands against the record's period start.
VALID, EARLIER, PINNED_OUTSIDE, LATER = 0, 1, 2, 3

# Why a candidate that converts cannot be used (column `refused`; '' when it can).
REFUSED_STRICT = "strict"
REFUSED_NO_RATIO = "no_heat_ratio"

# Sort keys of the edition distance for candidates they do not concern: any date outside the
# range of factor validities works, as long as it is the same on every engine.
_FAR_PAST = datetime.date(1900, 1, 1)
_FAR_FUTURE = datetime.date(9999, 12, 31)


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
        f_basis=factors.heat_basis.nullif("").max(),  # blank: no heating-value basis
        verified=factors.verified.min(),
        factor_set=factors.factor_set.min(),
        gwp_basis=factors.gwp_basis.max(),
        n_gases=factors.gas.nunique(),
    )


def candidates(keys: Any, heads: Any, conv: Any, lineage: Any, strict: Any) -> Any:
    """Every factor each distinct key row (RESOLVE_KEYS) could use, with its place in the order.

    Returns RESOLVE_KEYS + factor_id, multiplier (heat-basis ratio applied), via_heat, level (0
    pinned, 1 supplier, then 2 + the factor region's position in the record region's lineage:
    2 the region itself, then its ancestors outward, e.g. CN-SC 2, CN-SOUTHWEST 3, CN 4,
    GLOBAL 5; US-CAMX 2, US 3, GLOBAL 4), vrank (VALID, EARLIER, PINNED_OUTSIDE, LATER),
    basis_converted, refused ('' or why the candidate cannot be used), valid_from, valid_to,
    verified, factor_set, f_region, f_unit, f_basis, currency_year, gwp_basis, n_gases.
    Factors whose unit does not convert, or of another supplier, are not candidates. Only the
    order of levels matters (and 0 and 1 by value), never a region level's number. `strict`
    (a boolean expression or literal) refuses earlier and later editions of unpinned factors.
    """
    k = keys.select(*RESOLVE_KEYS).distinct()
    # A record with no region and no site has nowhere to look, even for a pinned factor: it is
    # left unresolved, a problem the stage explains.
    k = k.filter(k.eff_region != "")
    on_conv = [("activity", "activity"), ("unit", "unit"), ("factor_id", "factor_id")]

    pinned = k.filter(k.pin_k != "").join(heads, k.pin_k == heads.factor_id).join(conv, on_conv)
    pinned = pinned.mutate(level=ibis.literal(0, "int64"))

    regular = (
        k.filter(k.pin_k == "")
        .join(lineage, k.eff_region == lineage.region)
        .join(heads, [("activity", "f_activity"), ("ancestor", "f_region")])
        .join(conv, on_conv)
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
        "per_energy",
        "ratio",
        "level",
        "valid_from",
        "valid_to",
        "verified",
        "factor_set",
        "f_region",
        "f_unit",
        "f_basis",
        "currency_year",
        "gwp_basis",
        "n_gases",
    ]
    cand = pinned.select(*cols).union(regular.select(*cols))
    in_validity = (cand.valid_from <= cand.period_start) & (
        cand.valid_to.isnull() | (cand.valid_to >= cand.period_start)
    )
    earlier = cand.valid_to.notnull() & (cand.valid_to < cand.period_start)
    vrank = ibis.cases(
        (in_validity, VALID),
        (earlier, EARLIER),
        else_=ibis.ifelse(cand.level == 0, PINNED_OUTSIDE, LATER),
    )
    # Energy on one heating-value basis meeting a per-energy factor on the other.
    converted = cand.per_energy & cand.f_basis.notnull() & (cand.f_basis != cand.rec_basis)
    cand = cand.mutate(vrank=vrank.cast("int64"), basis_converted=converted)
    # Record on HHV, factor per NCV: NCV energy = ratio x HHV energy; the other way, divided.
    ratio = ibis.ifelse(cand.rec_basis == "HHV", cand.ratio, 1.0 / cand.ratio)
    refused = ibis.cases(
        (cand.basis_converted & cand.ratio.isnull(), REFUSED_NO_RATIO),
        (
            _is_strict(strict) & (cand.level > 0) & cand.vrank.isin([EARLIER, LATER]),
            REFUSED_STRICT,
        ),
        else_="",
    )
    return cand.mutate(
        multiplier=ibis.ifelse(cand.basis_converted, cand.multiplier * ratio, cand.multiplier),
        refused=refused,
    ).drop("per_energy", "ratio")


def _is_strict(strict: Any) -> Any:
    return ibis.literal(strict) if isinstance(strict, bool) else strict


def order(cand: Any) -> list[Any]:
    """The preference order over `candidates` rows: the first is used."""
    return [
        ibis.ifelse(cand.level < 2, cand.level, 2),  # pinned, then supplier, then any place
        ibis.desc(cand.verified),
        cand.level,
        cand.vrank,
        # The nearest earlier edition (latest valid_to), then the nearest later (earliest
        # valid_from); valid editions tie here.
        ibis.desc(ibis.ifelse(cand.vrank == EARLIER, cand.valid_to, _FAR_PAST)),
        ibis.ifelse(cand.vrank == LATER, cand.valid_from, _FAR_FUTURE),
        cand.basis_converted,
        ibis.desc(cand.valid_from),
        cand.via_heat,
        cand.factor_id,
    ]


def ranked(cand: Any) -> Any:
    """`candidates` rows that can be used, numbered `rn` from 0 in preference order per key."""
    usable = cand.filter(cand.refused == "")
    return usable.mutate(
        rn=ibis.row_number().over(group_by=list(RESOLVE_KEYS), order_by=order(usable))
    )


def resolve(keys: Any, heads: Any, conv: Any, lineage: Any, strict: Any) -> Any:
    """For each distinct key row (RESOLVE_KEYS), the chosen factor: the first of `ranked`.

    Returns the `candidates` columns but `refused` and `valid_to`; keys with no usable factor
    are absent.
    """
    r = ranked(candidates(keys, heads, conv, lineage, strict))
    return r.filter(r.rn == 0).drop("rn", "valid_to", "refused")


# The inputs of `candidates` for one-off questions (`factors explain`, the category-3
# derivation) as in-memory tables; the calculation builds its own inside its compiled plan.
CONVERSION_SCHEMA = {
    "activity": "string",
    "unit": "string",
    "factor_id": "string",
    "multiplier": "float64",
    "via_heat": "boolean",
    "per_energy": "boolean",
    "ratio": "float64",
}
KEY_SCHEMA = {k: ("date" if k == "period_start" else "string") for k in RESOLVE_KEYS}
LINEAGE_SCHEMA = {"region": "string", "ancestor": "string", "level": "int64", "market": "string"}


def conversion_table(rows: Any) -> Any:
    """`engine.inputs.conversions` rows (tuples in CONVERSION_SCHEMA's order) as a table."""
    names = tuple(CONVERSION_SCHEMA)
    return ibis.memtable([dict(zip(names, r, strict=True)) for r in rows], schema=CONVERSION_SCHEMA)


def lineage_table(rows: Any) -> Any:
    """(region, ancestor, level) rows as the lineage table, outside any market."""
    return ibis.memtable(
        [{"region": r, "ancestor": a, "level": lv, "market": ""} for r, a, lv in rows],
        schema=LINEAGE_SCHEMA,
    )
