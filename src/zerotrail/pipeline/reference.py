"""The reference stage: what the factor library and the GWP sets hold, read for people.

Where it sits: beside the job rather than in it. These reads change nothing. A factor stage
takes the workspace whose library to read (shipped plus custom sets), or None for the factors
shipped with the package; the GWP sets are package data and need no workspace.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from zerotrail.errors import FactorError
from zerotrail.model.regions import region_problem
from zerotrail.model.suggest import closest, did_you_mean, key_candidates, region_codes
from zerotrail.reference.gwp import GWP_SET_IDS, gwp_set
from zerotrail.store import factor_library
from zerotrail.store.database import Workspace
from zerotrail.store.factor_library import FactorFilter

__all__ = [
    "GWP_SET_IDS",
    "FactorChange",
    "FactorDetail",
    "FactorFilter",
    "FactorLine",
    "FactorSetDiff",
    "FactorSetSummary",
    "GwpTable",
    "GwpValue",
    "check_factor_set",
    "diff_factor_sets",
    "factor_detail",
    "factor_sets",
    "gwp_table",
    "search_factors",
]


@dataclass(frozen=True, slots=True)
class FactorSetSummary:
    """One factor set of the library: where it comes from and how many factors it holds."""

    factor_set: str
    name: str
    publisher: str | None
    edition: str | None
    licence: str | None
    kind: str  # shipped or custom
    factors: int
    unverified_rows: int
    # A shipped edition's reporting year, release date and data year(s), from the package's
    # factor_sets.csv (a shipped set id is never reused, so they describe the stored set);
    # None for custom sets and where the publisher gives none.
    reporting_year: int | None = None
    published: str | None = None
    data_year: str | None = None

    FIELDS = (
        "factor_set",
        "name",
        "publisher",
        "edition",
        "reporting_year",
        "published",
        "data_year",
        "licence",
        "kind",
        "factors",
        "unverified_rows",
    )

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.FIELDS}


@dataclass(frozen=True, slots=True)
class FactorLine:
    """One gas of one factor found by a search: its value in kg per unit, source and licence."""

    factor_id: str
    activity: str
    region: str
    valid_from: Any  # date
    valid_to: Any  # date or None
    unit: str
    gas: str
    value: float
    verified: bool
    source: str
    licence: str | None

    FIELDS = factor_library.LINE_COLUMNS

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.FIELDS}


@dataclass(frozen=True, slots=True)
class FactorDetail:
    """One factor in full: one mapping of every column per gas, ordered by gas."""

    factor_id: str
    gases: tuple[Mapping[str, Any], ...]


@contextmanager
def _library(ws: Workspace | None) -> Iterator[Workspace]:
    if ws is not None:
        yield ws
        return
    with factor_library.shipped_library() as lib:
        yield lib


def factor_sets(ws: Workspace | None) -> list[FactorSetSummary]:
    """The library's factor sets, by id."""
    from zerotrail.reference.factors import factor_sets as shipped_sets

    with _library(ws) as lib:
        rows = factor_library.set_summaries(lib)
    shipped = {s.factor_set: s for s in shipped_sets()}
    out = []
    for r in rows:
        summary = FactorSetSummary(*r)
        info = shipped.get(summary.factor_set) if summary.kind == "shipped" else None
        if info is not None:
            summary = replace(
                summary,
                reporting_year=int(info.reporting_year) if info.reporting_year else None,
                published=info.published or None,
                data_year=info.data_year or None,
            )
        out.append(summary)
    return out


def _check_filters(lib: Workspace, filters: FactorFilter) -> None:
    """Refuse a filter naming a region, set or key the library cannot have, with the closest
    known ones: a typing mistake, not a search that finds nothing."""
    if filters.region:
        why = region_problem(filters.region)
        if why is not None:
            known = region_codes() | set(factor_library.factor_regions(lib))
            raise FactorError(f"--region: {why}{did_you_mean(filters.region, sorted(known))}")
    if filters.factor_set:
        check_factor_set(lib, filters.factor_set)
    if filters.activity:
        prefix = filters.activity
        keys = factor_library.activity_keys(lib)
        if not any(k == prefix or k.startswith(prefix + ".") for k in keys):
            # A prefix may stop at any segment: suggest whole keys and their leading segments.
            parts = {".".join(k.split(".")[:n]) for k in keys for n in range(1, k.count(".") + 1)}
            hint = did_you_mean(prefix, key_candidates(prefix, sorted(parts | set(keys))))
            raise FactorError(
                f"unknown activity key {prefix!r}{hint}"
                if hint
                else f"unknown activity key {prefix!r} (no factor's key is or starts with it)"
            )


def check_factor_set(lib: Workspace, factor_set: str) -> None:
    """Refuse a factor set id the library does not hold, suggesting the closest."""
    ids = factor_library.factor_set_ids(lib)
    if factor_set not in ids:
        raise FactorError(
            f"unknown factor set {factor_set!r}{did_you_mean(factor_set, ids)}"
            " (see `zerotrail factors list`)"
        )


def search_factors(
    ws: Workspace | None,
    query: str,
    region: str | None = None,
    limit: int = 30,
    filters: FactorFilter | None = None,
) -> list[FactorLine]:
    """The gases of the first `limit` factors (by id) matching every word of `query` in their
    id, activity key, region, source or note, in `region` when given, and passing `filters`
    (publisher, edition, set, key prefix, year); empty when none does. A filter naming an
    unknown region, set or key is refused (FactorError) with the closest known ones."""
    words = [w.lower() for w in query.split()]
    filters = filters or FactorFilter()
    with _library(ws) as lib:
        _check_filters(lib, replace(filters, region=filters.region or region))
        ids = factor_library.matching_factor_ids(lib, words, region, limit, filters)
        rows = factor_library.factor_lines(lib, ids)
    return [FactorLine(*r) for r in rows]


def factor_detail(ws: Workspace | None, factor_id: str) -> FactorDetail:
    """Every gas of one factor with its validity, heat content and provenance."""
    with _library(ws) as lib:
        gases = factor_library.factor_detail(lib, factor_id)
        hint = "" if gases else _factor_id_hint(lib, factor_id)
    if not gases:
        raise FactorError(f"unknown factor {factor_id!r}{hint} (try `zerotrail factors search`)")
    return FactorDetail(factor_id, tuple(gases))


def _factor_id_hint(lib: Workspace, factor_id: str) -> str:
    """'; did you mean ...?' for an unknown factor id: among its own set's ids when the part
    before ':' names a set (or is close to one), else among every id."""
    sets = factor_library.factor_set_ids(lib)
    prefix = factor_id.split(":", 1)[0] if ":" in factor_id else None
    if prefix is None:
        return did_you_mean(factor_id, factor_library.factor_ids(lib))
    near = [prefix] if prefix in sets else closest(prefix, sets)
    ids = [i for s in near for i in factor_library.factor_ids(lib, s)]
    return did_you_mean(factor_id, ids)


@dataclass(frozen=True, slots=True)
class FactorChange:
    """One key (activity, region, unit, gas) of two factor sets: its value in each, or None
    where a set lacks it."""

    status: str  # changed, same, only_a or only_b
    activity: str
    region: str
    unit: str
    heat_basis: str  # HHV or NCV for a per-energy factor given on a basis, else ''
    gas: str
    biogenic: bool
    supplier: str  # '' unless supplier-specific
    factor_id_a: str | None
    value_a: float | None
    factor_id_b: str | None
    value_b: float | None

    # The store's columns of a matched key, between its status and its relative change.
    FIELDS = ("status", *factor_library.DIFF_COLUMNS, "relative_change")

    @property
    def relative_change(self) -> float | None:
        """(B - A) / A, where both sets have the key and A is not 0."""
        if self.value_a is None or self.value_b is None or self.value_a == 0:
            return None
        return (self.value_b - self.value_a) / self.value_a

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.FIELDS}


@dataclass(frozen=True, slots=True)
class FactorSetDiff:
    """What changed from factor set A to factor set B, key by key, in key order."""

    set_a: str
    set_b: str
    rows: tuple[FactorChange, ...]

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.rows)


def diff_factor_sets(ws: Workspace | None, set_a: str, set_b: str) -> FactorSetDiff:
    """Every factor of two sets matched by activity key, region, unit, heating-value basis and
    gas (biogenic CO2
    and supplier-specific factors apart): value in A, value in B, and the keys only one set
    has. A set holding a key for several periods is compared by its latest. An unknown set is
    refused (FactorError) with the closest known ones."""
    with _library(ws) as lib:
        check_factor_set(lib, set_a)
        check_factor_set(lib, set_b)
        found = factor_library.set_diff(lib, set_a, set_b)
    rows = []
    for activity, region, unit, basis, gas, biogenic, supplier, id_a, val_a, id_b, val_b in found:
        if id_a is None:
            status = "only_b"
        elif id_b is None:
            status = "only_a"
        else:
            status = "same" if val_a == val_b else "changed"
        rows.append(
            FactorChange(
                status,
                str(activity),
                str(region),
                str(unit),
                str(basis or ""),
                str(gas),
                bool(biogenic),
                str(supplier or ""),
                id_a,
                None if val_a is None else float(val_a),
                id_b,
                None if val_b is None else float(val_b),
            )
        )
    return FactorSetDiff(set_a, set_b, tuple(rows))


@dataclass(frozen=True, slots=True)
class GwpValue:
    gas: str
    family: str
    gwp100: float | None  # None: the set has no value for this gas
    unverified: bool
    fallback: bool

    FIELDS = ("gas", "family", "gwp100", "unverified", "fallback")

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.FIELDS}


@dataclass(frozen=True, slots=True)
class GwpTable:
    """Every gas's GWP100 in one set, with the set's label and source."""

    set_id: str
    label: str
    source: str
    gases: tuple[GwpValue, ...]


def gwp_table(set_id: str) -> GwpTable:
    """The GWP100 values of the set `set_id` (GwpError for an unknown set)."""
    gs = gwp_set(set_id)
    return GwpTable(
        gs.set_id,
        gs.label,
        gs.source,
        tuple(
            GwpValue(gas, fam, gs.values.get(gas), gas in gs.unverified, gas in gs.fallbacks)
            for gas, fam in gs.family.items()
        ),
    )
