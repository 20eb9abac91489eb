"""Base-year figures as versions, and the events that may recalculate them.

Version 1 of a base year is its calculated inventory when first recorded. Each event
(acquisition, divestment, method change, discovered error, organic change, ...) is stored and
committed; the recalculation policy (`recalc.decide`) then looks at every event not yet applied:
when they are significant, singly or together, a new version = previous + their effects is
stored with the reason and the event ids. Old versions stay; progress uses the latest.

Effects are consolidated here: a structural change is given as the business's gross base-year
emissions and multiplied by the entity's consolidation share under the base-year inventory's
approach; acquisitions and insourcing add, divestments and outsourcing subtract. Method, factor
and error corrections are signed as given. A Scope 3 total is spread over the base year's
categories pro rata (the seller rarely discloses its Scope 3 by our categories).

Where it sits: the rules over values. The roadmap stage (`pipeline/roadmap.py`) reads the
versions, events and entities with `store/baseyear.py`, asks these functions what to store and
stores it; a stored row becomes a value here (`version_from_row`, `event_from_row`) and back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from zerotrail.engine.inputs import EntityRow, consolidation_shares
from zerotrail.errors import Problem, TargetError
from zerotrail.ingest.checks import raise_if
from zerotrail.ingest.files import read_small
from zerotrail.ingest.formats import BASELINE_EVENTS
from zerotrail.ingest.rows import parse_bool, parse_number, parse_year, screen_rows
from zerotrail.model.limits import (
    FIRST_YEAR,
    LAST_YEAR,
    MAX_ID_LENGTH,
    MAX_QUANTITY,
    MAX_TEXT_LENGTH,
    text_problem,
)
from zerotrail.targets.recalc import EVENT_KINDS, Event, Figures

NEGATIVE = frozenset({"divestment", "outsourcing"})
SIGNED = frozenset({"methodology", "factor_change", "error", "organic"})
# Without a current run for the base year, entities are consolidated by operational control,
# the approach `calculate` uses unless told otherwise.
DEFAULT_APPROACH = "operational_control"


@dataclass(frozen=True, slots=True)
class Version:
    base_year: int
    version: int
    figures: Figures
    reason: str
    events: tuple[str, ...]
    run_id: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class EventInput:
    event_id: str
    base_year: int
    year: int
    kind: str
    description: str
    gross: Figures  # unsigned for structural changes, signed for corrections
    entity: str | None = None
    in_base_year: bool = True


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An event as stored: its consolidated, signed effect and where it came from."""

    event: Event
    description: str


def now() -> datetime:
    """The time a version or event is recorded: UTC, whole seconds, as the database keeps it."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


# --- stored rows <-> values --------------------------------------------------------------------


def version_from_row(row: Sequence[Any]) -> Version:
    """A `base_year_versions` row (store/baseyear.py `version_rows`) as a Version."""
    y, v, s1, s2l, s2m, s3, reason, events, run_id, at = row
    return Version(
        int(y),
        int(v),
        Figures(float(s1), float(s2l), float(s2m), Figures.from_json(s3).scope3),
        str(reason),
        tuple(e for e in str(events).split(",") if e),
        None if run_id is None else str(run_id),
        at,
    )


def version_row(v: Version) -> tuple[object, ...]:
    """The `base_year_versions` row of a Version, in column order."""
    return (
        v.base_year,
        v.version,
        v.figures.scope1,
        v.figures.scope2_location,
        v.figures.scope2_market,
        v.figures.to_json(),
        v.reason,
        ",".join(v.events),
        v.run_id,
        v.created_at,
    )


def event_from_row(row: Sequence[Any]) -> StoredEvent:
    """A `baseline_events` row (store/baseyear.py `event_rows`) as a StoredEvent."""
    eid, kind, in_base, s1, s2l, s2m, s3, desc = row
    effect = Figures(float(s1), float(s2l), float(s2m), Figures.from_json(s3).scope3)
    return StoredEvent(Event(str(eid), str(kind), effect, bool(in_base)), str(desc))


def event_row(ev: EventInput, share: float, effect: Figures, at: datetime) -> tuple[object, ...]:
    """The `baseline_events` row of an event with its consolidated effect, in column order."""
    return (
        ev.event_id,
        ev.base_year,
        ev.year,
        ev.kind,
        ev.description,
        ev.entity,
        share,
        ev.in_base_year,
        effect.scope1,
        effect.scope2_location,
        effect.scope2_market,
        Figures(0, 0, 0, effect.scope3).to_json(),
        at,
    )


# --- the rules ---------------------------------------------------------------------------------


def first_version(base_year: int, figures: Figures, run_id: str | None) -> Version:
    """Version 1: the base year's calculated inventory as first recorded."""
    return Version(
        base_year, 1, figures, "base-year inventory as first recorded", (), run_id, now()
    )


def latest_figures(
    versions: Sequence[Version], inventory: Figures | None
) -> tuple[Figures, int | None] | None:
    """The base year's figures and version: the latest version, else the inventory (version
    None: not recorded yet), else None."""
    if versions:
        return versions[-1].figures, versions[-1].version
    return None if inventory is None else (inventory, None)


def consolidation_share(
    entity: str | None, entities: Sequence[EntityRow], approach: str | None
) -> float:
    """The entity's share under the base-year inventory's approach (1 without an entity)."""
    if entity is None:
        return 1.0
    if entity not in {e.entity for e in entities}:
        raise TargetError(f"unknown entity '{entity}' (import entities first)")
    return consolidation_shares(list(entities), approach or DEFAULT_APPROACH)[entity][0]


def spread_scope3(total: float, base: Figures) -> dict[int, float]:
    """A Scope 3 total over the base year's categories in proportion to them."""
    whole = base.scope3_total
    if total == 0:
        return {}
    if whole == 0:
        return {1: total}  # nothing to spread over: purchased goods, the usual bulk
    return {c: total * v / whole for c, v in base.scope3.items() if v}


def consolidated_effect(ev: EventInput, share: float, base: Figures) -> Figures:
    """The event's effect on the base year: gross x share, signed by kind, Scope 3 spread."""
    sign = -1.0 if ev.kind in NEGATIVE else 1.0
    scope3 = spread_scope3(ev.gross.scope3_total, base)
    effect = Figures(ev.gross.scope1, ev.gross.scope2_location, ev.gross.scope2_market, scope3)
    return effect.scaled(share * sign)


def pending(versions: Sequence[Version], events: Sequence[StoredEvent]) -> list[Event]:
    """The events no version has applied yet, in the order they were recorded."""
    applied = {e for v in versions for e in v.events}
    return [s.event for s in events if s.event.event_id not in applied]


def correction(base: Figures, recalculated: Figures) -> Figures:
    """The change a recalculated base-year inventory makes to the latest base-year version.

    For method, factor and error events: recalculate the base year with the corrected data or
    factors, then record the difference as the event's effect.
    """
    return recalculated.plus(base.scaled(-1.0))


def check_event(ev: EventInput) -> None:
    """An event given on the command line keeps the limits of model/limits.py (a file's events
    were checked cell by cell already) and names a known kind; TargetError otherwise."""
    if ev.kind not in EVENT_KINDS:
        raise TargetError(f"unknown event kind {ev.kind!r}; expected {', '.join(EVENT_KINDS)}")
    for what, text, limit in (
        ("event id", ev.event_id, MAX_ID_LENGTH),
        ("description", ev.description, MAX_TEXT_LENGTH),
        ("entity", ev.entity or "", MAX_ID_LENGTH),
    ):
        if why := text_problem(text, limit):
            raise TargetError(f"the {what} {why}")
    for what, year in (("base year", ev.base_year), ("year", ev.year)):
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise TargetError(f"the {what} {year} is not between {FIRST_YEAR} and {LAST_YEAR}")
    amounts = (ev.gross.scope1, ev.gross.scope2_location, ev.gross.scope2_market,
               *ev.gross.scope3.values())  # fmt: skip
    if not all(abs(x) <= MAX_QUANTITY for x in amounts):  # also false for nan
        raise TargetError(f"an event's tonnes are finite and within -10^15..10^15, not {amounts}")


def read_events(path: Path, known: set[str], entities: set[str]) -> list[EventInput]:
    """The events of a CSV file (docs/formats.md), every row checked before any is returned;
    DataError naming every problem. `known` are the event ids recorded already, `entities`
    the entities imported."""
    f = read_small(path, BASELINE_EVENTS)
    problems = screen_rows(f.name, f.rows, free_text=("description",))
    raise_if(f.name, problems, len(problems))
    todo: list[EventInput] = []
    seen: set[str] = set()
    for line, r in f.rows:

        def bad(col: str, msg: str, line: int = line) -> None:
            problems.append(Problem(f.name, line, col, msg))

        eid = r.get("event_id", "")
        if not eid:
            bad("event_id", "is empty (required)")
        elif eid in seen or eid in known:
            bad("event_id", f"event {eid} is already recorded")
        seen.add(eid)
        kind = r.get("kind", "")
        if kind not in EVENT_KINDS:
            bad("kind", f"expected one of {', '.join(EVENT_KINDS)}, not '{kind}'")
        years = {}
        for col in ("base_year", "year"):
            year, why = parse_year(r.get(col, ""))
            if why or year is None:
                bad(col, why or "is empty (required)")
            else:
                years[col] = year
        if not r.get("description"):
            bad("description", "is empty (required)")
        entity = r.get("entity") or None
        if entity is not None and entity not in entities:
            bad("entity", f"unknown entity '{entity}' (import entities first)")
        in_base = True
        if r.get("in_base_year"):
            flag, why = parse_bool(r["in_base_year"])
            if why:
                bad("in_base_year", why)
            in_base = bool(flag)
        low = None if kind in SIGNED else 0.0
        amounts = {}
        for col in ("scope1_t", "scope2_location_t", "scope2_market_t", "scope3_t"):
            text = r.get(col, "") or ("0" if col == "scope3_t" else "")
            value, why = parse_number(text, low=low)
            if why:
                bad(col, why + ("" if low is None else " (structural changes are unsigned)"))
            amounts[col] = value or 0.0
        if len(years) == 2 and years["year"] < years["base_year"]:
            bad("year", f"is before the base year {years['base_year']}")
        todo.append(
            EventInput(
                eid,
                years.get("base_year", 0),
                years.get("year", 0),
                kind,
                r.get("description", ""),
                Figures(
                    amounts["scope1_t"],
                    amounts["scope2_location_t"],
                    amounts["scope2_market_t"],
                    {1: amounts["scope3_t"]} if amounts["scope3_t"] else {},
                ),
                entity,
                in_base,
            )
        )
    raise_if(f.name, problems, len(problems))
    return todo


# --- as shown ----------------------------------------------------------------------------------


def event_dicts(
    versions: Sequence[Version], events: Sequence[StoredEvent]
) -> list[dict[str, object]]:
    """Every event with its effect and the version that applied it (None: pending)."""
    applied: Mapping[str, int] = {e: v.version for v in versions for e in v.events}
    return [
        {
            "event_id": s.event.event_id,
            "kind": s.event.kind,
            "description": s.description,
            "in_base_year": s.event.in_base_year,
            "scope1_t": s.event.effect.scope1,
            "scope2_location_t": s.event.effect.scope2_location,
            "scope2_market_t": s.event.effect.scope2_market,
            "scope3_t": s.event.effect.scope3_total,
            "applied_in_version": applied.get(s.event.event_id),
        }
        for s in events
    ]


def version_dict(v: Version) -> dict[str, object]:
    return {
        "base_year": v.base_year,
        "version": v.version,
        "scope1": v.figures.scope1,
        "scope2_location": v.figures.scope2_location,
        "scope2_market": v.figures.scope2_market,
        "scope3": v.figures.scope3_total,
        "scope3_by_category": {str(k): x for k, x in sorted(v.figures.scope3.items())},
        "reason": v.reason,
        "events": list(v.events),
        "run_id": v.run_id,
        "created_at": v.created_at.isoformat(),
    }
