"""The reference stage: what the factor library and the GWP sets hold, read for people.

Where it sits: beside the job rather than in it. These reads change nothing. A factor stage
takes the workspace whose library to read (shipped plus custom sets), or None for the factors
shipped with the package; the GWP sets are package data and need no workspace.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from zerotrail.errors import FactorError
from zerotrail.reference.gwp import GWP_SET_IDS, gwp_set
from zerotrail.store import factor_library
from zerotrail.store.database import Workspace

__all__ = [
    "GWP_SET_IDS",
    "FactorDetail",
    "FactorLine",
    "FactorSetSummary",
    "GwpTable",
    "GwpValue",
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

    FIELDS = (
        "factor_set",
        "name",
        "publisher",
        "edition",
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
    with _library(ws) as lib:
        rows = factor_library.set_summaries(lib)
    return [FactorSetSummary(*r) for r in rows]


def search_factors(
    ws: Workspace | None, query: str, region: str | None = None, limit: int = 30
) -> list[FactorLine]:
    """The gases of the first `limit` factors (by id) matching every word of `query` in their
    id, activity key, region, source or note, in `region` when given; empty when none does."""
    words = [w.lower() for w in query.split()]
    with _library(ws) as lib:
        ids = factor_library.matching_factor_ids(lib, words, region, limit)
        rows = factor_library.factor_lines(lib, ids)
    return [FactorLine(*r) for r in rows]


def factor_detail(ws: Workspace | None, factor_id: str) -> FactorDetail:
    """Every gas of one factor with its validity, heat content and provenance."""
    with _library(ws) as lib:
        gases = factor_library.factor_detail(lib, factor_id)
    if not gases:
        raise FactorError(f"unknown factor {factor_id!r} (try `zerotrail factors search`)")
    return FactorDetail(factor_id, tuple(gases))


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
