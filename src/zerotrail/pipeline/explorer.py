"""The inventory explorer: a year's current inventory drilled from the total to the records.

Where it sits: pipeline, beside the inventory stage and reading only. The levels are

    total -> scope -> category -> site (with its entity) -> entity -> the records

where a category is Scope 3's GHG Protocol category (1-15) and, in Scopes 1 and 2 (which have
no numbered categories), the activity key (`stationary_combustion.diesel`, ...); a site "" is
the records of no site. Each level is summed over the run's per-record results with the
inventory stage's own columns (store/explorer.py), so a scope's figure here is the figure
`zerotrail inventory` prints for it, a Scope 3 category's is its `scope3_by_category`, an
activity's (Scopes 1 and 2) its `--by activity` row. The records come with the quantity and unit
of the record version the run calculated, its t CO2e and gas masses, the factor it used (set,
publisher, edition, URL, licence, source cells: the provenance the factor was imported with)
and where it came from (the import and its file, the record's evidence URI); the source file's
row number is not stored, so it is not shown.

`entities` narrows everything to those entities' records (an owner's view): the sums are then
that part of the inventory, never the organization's.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from zerotrail.engine.settings import FAMILIES
from zerotrail.errors import ZerotrailError
from zerotrail.model.keys import SCOPE3_CATEGORIES
from zerotrail.pipeline.inventory import current_run
from zerotrail.store import explorer as read
from zerotrail.store.database import Workspace
from zerotrail.store.inventory import current_runs

LEVELS = ("scope", "category", "site", "entity")
SCOPES = (1, 2, 3)
# A page of records holds at most this many (the API's `limit` is checked against it too).
MOST_RECORDS = 500
DEFAULT_RECORDS = 50
# Offsets beyond this are refused: no inventory has this many records in one slice, and a
# bound keeps the database from being asked to skip an absurd number of rows.
LAST_OFFSET = 10**9


class ExplorerError(ZerotrailError):
    """A drill the explorer cannot answer (an unknown scope, a page out of bounds)."""


@dataclass(frozen=True, slots=True)
class Filter:
    """Where in the drill: every field that is not None narrows the results."""

    scope: int | None = None
    category: str | None = None
    site: str | None = None
    entity: str | None = None

    def check(self) -> None:
        # A category or site that has no records is no error: its slice is empty (0 t), as
        # `zerotrail inventory` gives 0 t for a category with no records. A category names its
        # scope by itself (Scope 3's are numbers, the others' activity keys), so it needs none.
        if self.scope is not None and self.scope not in SCOPES:
            raise ExplorerError(f"scope: expected 1, 2 or 3, got {self.scope}")

    def level(self) -> str:
        """The dimension the next step of the drill splits by."""
        if self.scope is None:
            return "scope"
        if self.category is None:
            return "category"
        if self.site is None:
            return "site"
        return "entity"


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a breakdown: a key of its level, and the slice's figures there."""

    key: str
    label: str
    entity: str | None  # the site's entity, on the site level
    records: int
    co2e_t: float  # location-based
    co2e_market_t: float  # market-based (Scope 1: the same as location-based)


@dataclass(frozen=True, slots=True)
class Breakdown:
    year: int
    run_id: str
    gwp_set: str
    level: str
    where: Filter
    records: int
    co2e_t: float
    co2e_market_t: float
    lines: tuple[Line, ...]

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["lines"] = [asdict(line) for line in self.lines]
        return out


@dataclass(frozen=True, slots=True)
class FactorUsed:
    """The factor a record's figure came from, with the provenance it was imported with."""

    factor_set: str
    factor_id: str
    region: str | None
    year: int | None
    verified: bool
    set_name: str | None
    publisher: str | None
    editions: tuple[str, ...]  # the factor's own edition(s), else its set's
    source_urls: tuple[str, ...]  # the factor's own URL(s), else its set's
    licences: tuple[str, ...]  # the factor's own licence(s), else its set's
    sources: tuple[str, ...]
    source_refs: tuple[str, ...]  # the cells of the publication its values come from


@dataclass(frozen=True, slots=True)
class Provenance:
    import_id: str
    file_name: str | None
    imported_at: str | None
    evidence: str | None
    note: str | None


@dataclass(frozen=True, slots=True)
class Gas:
    mass_t: float
    co2e_t: float


@dataclass(frozen=True, slots=True)
class RecordLine:
    """One record of the run: what was measured, what it emitted, from which factor."""

    record_id: str
    version: int
    entity: str
    site: str | None
    site_kind: str | None
    period_start: str
    period_end: str
    activity: str
    quantity: float
    unit: str
    region: str | None
    scope: int
    category: int | None
    method: str | None
    co2e_t: float
    co2e_market_t: float
    biogenic_co2_t: float
    co2e_unsplit_t: float  # t CO2e a factor gave as CO2e only (not split by gas)
    gases: dict[str, Gas]
    flags: tuple[str, ...]
    factor: FactorUsed | None
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class RecordPage:
    year: int
    run_id: str
    where: Filter
    records: int  # in the whole slice
    co2e_t: float  # of the whole slice
    co2e_market_t: float
    limit: int
    offset: int
    lines: tuple[RecordLine, ...]

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["lines"] = [asdict(line) for line in self.lines]
        return out


def _slice(run_id: str, where: Filter, entities: frozenset[str] | None) -> read.Slice:
    return read.Slice(run_id, where.scope, where.category, where.site, where.entity, entities)


def category_label(scope: int, key: str) -> str:
    if scope == 3 and key.isdigit() and int(key) in SCOPE3_CATEGORIES:
        return f"{key}. {SCOPE3_CATEGORIES[int(key)]}"
    return key


def _label(level: str, where: Filter, key: str) -> str:
    if level == "scope":
        return f"Scope {key}"
    if level == "category":
        assert where.scope is not None
        return category_label(where.scope, key)
    if level == "site":
        return key or "(no site)"
    return key


def calculated_years(ws: Workspace) -> list[int]:
    """The years with a current inventory, in order."""
    return [run.year for run in current_runs(ws)]


def _numeric(line: Line) -> tuple[bool, int, str]:
    digits = line.key.isdigit()
    return (not digits, int(line.key) if digits else 0, line.key)


def breakdown(
    ws: Workspace, year: int, where: Filter, entities: frozenset[str] | None = None
) -> Breakdown:
    """The slice `where` of the year's current inventory, in total and split by the drill's
    next level. ZerotrailError when the year was never calculated or `where` cannot be."""
    where.check()
    run = current_run(ws, year)
    cut = _slice(run.run_id, where, entities)
    records, t, tm = read.slice_total(ws, cut)
    level = where.level()
    lines = tuple(
        Line(k, _label(level, where, k), e or None, n, lt, lm)
        for k, e, n, lt, lm in read.slice_by(ws, cut, level)
    )
    if level == "scope" or (level == "category" and where.scope == 3):
        # Numbers in their order (10 after 9); a result without a number would sort last.
        lines = tuple(sorted(lines, key=_numeric))
    return Breakdown(year, run.run_id, run.gwp_set, level, where, records, t, tm, lines)


def records(
    ws: Workspace,
    year: int,
    where: Filter,
    limit: int = DEFAULT_RECORDS,
    offset: int = 0,
    entities: frozenset[str] | None = None,
) -> RecordPage:
    """The records of the slice `where`, by record id, `limit` (1 to MOST_RECORDS) of them
    from `offset`, with the slice's totals."""
    where.check()
    if not 1 <= limit <= MOST_RECORDS:
        raise ExplorerError(f"limit: expected 1 to {MOST_RECORDS}, got {limit}")
    if not 0 <= offset <= LAST_OFFSET:
        raise ExplorerError(f"offset: expected 0 to {LAST_OFFSET}, got {offset}")
    run = current_run(ws, year)
    cut = _slice(run.run_id, where, entities)
    count, t, tm = read.slice_total(ws, cut)
    rows = read.slice_records(ws, cut, FAMILIES, limit, offset) if offset < count else []
    return RecordPage(
        year, run.run_id, where, count, t, tm, limit, offset, tuple(_record(r) for r in rows)
    )


def _texts(values: Any) -> tuple[str, ...]:
    return tuple(sorted(str(v) for v in values or () if v))


def _or_set(own: tuple[str, ...], of_set: Any) -> tuple[str, ...]:
    return own or ((str(of_set),) if of_set else ())


def _day(value: Any) -> str:
    return value.date().isoformat() if isinstance(value, datetime) else date.isoformat(value)


def _record(r: dict[str, Any]) -> RecordLine:
    factor = None
    if r["factor_id"] is not None:
        factor = FactorUsed(
            factor_set=str(r["factor_set"]),
            factor_id=str(r["factor_id"]),
            region=r["factor_region"],
            year=None if r["factor_year"] is None else int(r["factor_year"]),
            verified=bool(r["factor_verified"]),
            set_name=r["set_name"],
            publisher=r["publisher"],
            editions=_or_set(_texts(r["editions"]), r["set_edition"]),
            source_urls=_or_set(_texts(r["urls"]), r["set_url"]),
            licences=_or_set(_texts(r["licences"]), r["set_licence"]),
            sources=_texts(r["sources"]),
            source_refs=_texts(r["refs"]),
        )
    imported = r["imported_at"]
    return RecordLine(
        record_id=str(r["record_id"]),
        version=int(r["version"]),
        entity=str(r["entity"]),
        site=r["site"] or None,
        site_kind=r["site_kind"] or None,
        period_start=_day(r["period_start"]),
        period_end=_day(r["period_end"]),
        activity=str(r["activity"]),
        quantity=float(r["quantity"]),
        unit=str(r["unit"]),
        region=r["region"] or None,
        scope=int(r["scope"]),
        category=None if r["category"] is None else int(r["category"]),
        method=r["method"],
        co2e_t=float(r["co2e_t"] or 0.0),
        co2e_market_t=float(r["co2e_market_t"] or 0.0),
        biogenic_co2_t=float(r["biogenic_co2_t"] or 0.0),
        co2e_unsplit_t=float(r["co2e_unsplit_t"] or 0.0),
        gases={
            f.upper(): Gas(float(r[f + "_t"] or 0.0), float(r["co2e_" + f + "_t"] or 0.0))
            for f in FAMILIES
        },
        flags=tuple(f for f in str(r["flags"] or "").split(";") if f),
        factor=factor,
        provenance=Provenance(
            import_id=str(r["import_id"]),
            file_name=r["file_name"],
            imported_at=None if imported is None else imported.isoformat(timespec="seconds"),
            evidence=r["evidence"] or None,
            note=r["note"] or None,
        ),
    )


__all__ = [
    "DEFAULT_RECORDS",
    "LAST_OFFSET",
    "LEVELS",
    "MOST_RECORDS",
    "Breakdown",
    "ExplorerError",
    "FactorUsed",
    "Filter",
    "Line",
    "Provenance",
    "RecordLine",
    "RecordPage",
    "breakdown",
    "calculated_years",
    "category_label",
    "records",
]
