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
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from zerotrail.engine.inputs import EntityRow, consolidation_shares
from zerotrail.errors import Problem, ZerotrailError
from zerotrail.ingest.checks import raise_if
from zerotrail.ingest.files import read_small
from zerotrail.ingest.formats import BASELINE_EVENTS
from zerotrail.ingest.limits import (
    FIRST_YEAR,
    LAST_YEAR,
    MAX_ID_LENGTH,
    MAX_QUANTITY,
    MAX_TEXT_LENGTH,
    screen_rows,
    text_problem,
)
from zerotrail.ingest.rows import parse_bool, parse_number, parse_year
from zerotrail.store.committed import commit_new
from zerotrail.store.workspace import Workspace
from zerotrail.targets.figures import run_of, year_figures
from zerotrail.targets.recalc import EVENT_KINDS, Decision, Event, Figures, decide
from zerotrail.targets.register import policy

NEGATIVE = frozenset({"divestment", "outsourcing"})
SIGNED = frozenset({"methodology", "factor_change", "error", "organic"})


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


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def versions(ws: Workspace, base_year: int) -> list[Version]:
    return [
        Version(
            int(y),
            int(v),
            Figures(float(s1), float(s2l), float(s2m), Figures.from_json(s3).scope3),
            str(reason),
            tuple(e for e in str(events).split(",") if e),
            run_id,
            at,
        )
        for y, v, s1, s2l, s2m, s3, reason, events, run_id, at in ws.fetchall(
            "SELECT base_year, version, scope1, scope2_location, scope2_market, scope3, reason,"
            " events, run_id, created_at FROM base_year_versions WHERE base_year = ?"
            " ORDER BY version",
            [base_year],
        )
    ]


def _insert_version(ws: Workspace, v: Version) -> None:
    ws.execute(
        "INSERT INTO base_year_versions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
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
        ],
    )
    commit_new(ws, "base_year")


def ensure_recorded(ws: Workspace, base_year: int) -> Version | None:
    """The latest base-year version, recording version 1 from the inventory if there is none.

    None when the base year has neither a version nor a calculated inventory.
    """
    have = versions(ws, base_year)
    if have:
        return have[-1]
    figures = year_figures(ws, base_year)
    if figures is None:
        return None
    v = Version(
        base_year,
        1,
        figures,
        "base-year inventory as first recorded",
        (),
        run_of(ws, base_year),
        _now(),
    )
    with ws.transaction():
        _insert_version(ws, v)
    return v


def base_figures(ws: Workspace, base_year: int) -> tuple[Figures, int | None] | None:
    """The base year's figures and version (None version: not recorded, from the inventory)."""
    have = versions(ws, base_year)
    if have:
        return have[-1].figures, have[-1].version
    figures = year_figures(ws, base_year)
    return None if figures is None else (figures, None)


def _share(ws: Workspace, entity: str | None, base_year: int) -> float:
    if entity is None:
        return 1.0
    rows = ws.fetchall(
        "SELECT entity, parent, equity_share, financial_control, operational_control FROM entities"
    )
    ents = [EntityRow(e, p, float(s), fc, bool(oc)) for e, p, s, fc, oc in rows]
    if entity not in {e.entity for e in ents}:
        raise ZerotrailError(f"unknown entity '{entity}' (import entities first)")
    approach = (
        ws.scalar("SELECT consolidation FROM runs WHERE year = ? AND current", [base_year])
        or "operational_control"
    )
    return consolidation_shares(ents, str(approach))[entity][0]


def spread_scope3(total: float, base: Figures) -> dict[int, float]:
    """A Scope 3 total over the base year's categories in proportion to them."""
    whole = base.scope3_total
    if total == 0:
        return {}
    if whole == 0:
        return {1: total}  # nothing to spread over: purchased goods, the usual bulk
    return {c: total * v / whole for c, v in base.scope3.items() if v}


def _events(ws: Workspace, base_year: int) -> list[tuple[Event, str]]:
    out = []
    for eid, kind, in_base, s1, s2l, s2m, s3, desc in ws.fetchall(
        "SELECT event_id, kind, in_base_year, effect_scope1, effect_scope2_location,"
        " effect_scope2_market, effect_scope3, description FROM baseline_events"
        " WHERE base_year = ? ORDER BY recorded_at, event_id",
        [base_year],
    ):
        effect = Figures(float(s1), float(s2l), float(s2m), Figures.from_json(s3).scope3)
        out.append((Event(str(eid), str(kind), effect, bool(in_base)), str(desc)))
    return out


def pending(ws: Workspace, base_year: int) -> list[Event]:
    applied = {e for v in versions(ws, base_year) for e in v.events}
    return [e for e, _ in _events(ws, base_year) if e.event_id not in applied]


def _check_event(ev: EventInput) -> None:
    """The limits of ingest/limits.py for an event given on the command line (a file's events
    were checked cell by cell already)."""
    for what, text, limit in (
        ("event id", ev.event_id, MAX_ID_LENGTH),
        ("description", ev.description, MAX_TEXT_LENGTH),
        ("entity", ev.entity or "", MAX_ID_LENGTH),
    ):
        if why := text_problem(text, limit):
            raise ZerotrailError(f"the {what} {why}")
    for what, year in (("base year", ev.base_year), ("year", ev.year)):
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise ZerotrailError(f"the {what} {year} is not between {FIRST_YEAR} and {LAST_YEAR}")
    amounts = (ev.gross.scope1, ev.gross.scope2_location, ev.gross.scope2_market,
               *ev.gross.scope3.values())  # fmt: skip
    if not all(abs(x) <= MAX_QUANTITY for x in amounts):  # also false for nan
        raise ZerotrailError(
            f"an event's tonnes are finite and within -10^15..10^15, not {amounts}"
        )


def record_event(ws: Workspace, ev: EventInput) -> Decision:
    """Store an event (committed) and apply the recalculation policy to all pending events."""
    if ev.kind not in EVENT_KINDS:
        raise ZerotrailError(f"unknown event kind {ev.kind!r}; expected {', '.join(EVENT_KINDS)}")
    _check_event(ev)
    if ws.scalar("SELECT count(*) FROM baseline_events WHERE event_id = ?", [ev.event_id]):
        raise ZerotrailError(f"event {ev.event_id} is already recorded")
    base = ensure_recorded(ws, ev.base_year)
    if base is None:
        raise ZerotrailError(
            f"no base-year inventory for {ev.base_year}: run `zerotrail calculate --year"
            f" {ev.base_year}` first"
        )
    share = _share(ws, ev.entity, ev.base_year)
    sign = -1.0 if ev.kind in NEGATIVE else 1.0
    scope3 = spread_scope3(ev.gross.scope3_total, base.figures)
    effect = Figures(ev.gross.scope1, ev.gross.scope2_location, ev.gross.scope2_market, scope3)
    effect = effect.scaled(share * sign)
    with ws.transaction():
        ws.execute(
            "INSERT INTO baseline_events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
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
                _now(),
            ],
        )
        commit_new(ws, "baseline_event")
        decision = decide(base.figures, pending(ws, ev.base_year), policy(ws))
        if decision.recalculate and decision.new_figures is not None:
            _insert_version(
                ws,
                Version(
                    ev.base_year,
                    base.version + 1,
                    decision.new_figures,
                    decision.reason,
                    decision.applied,
                    None,
                    _now(),
                ),
            )
    return decision


def correction_from_inventory(ws: Workspace, base_year: int) -> Figures:
    """The change a recalculated base-year inventory makes to the latest base-year version.

    For method, factor and error events: recalculate the base year with the corrected data or
    factors, then record the difference as the event's effect.
    """
    base = ensure_recorded(ws, base_year)
    now = year_figures(ws, base_year)
    if base is None or now is None:
        raise ZerotrailError(f"no base-year inventory for {base_year}")
    return now.plus(base.figures.scaled(-1.0))


def import_events(ws: Workspace, path: Path) -> list[Decision]:
    """Record the events of a CSV file (docs/formats.md), checked whole before any is stored."""
    f = read_small(path, BASELINE_EVENTS)
    problems = screen_rows(f.name, f.rows, free_text=("description",))
    raise_if(f.name, problems, len(problems))
    known = {str(e) for (e,) in ws.fetchall("SELECT event_id FROM baseline_events")}
    entities = {str(e) for (e,) in ws.fetchall("SELECT entity FROM entities")}
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
    with ws.transaction():  # all events or none
        return [record_event(ws, ev) for ev in todo]


def event_rows(ws: Workspace, base_year: int) -> list[dict[str, object]]:
    applied = {e: v.version for v in versions(ws, base_year) for e in v.events}
    out = []
    for ev, desc in _events(ws, base_year):
        out.append(
            {
                "event_id": ev.event_id,
                "kind": ev.kind,
                "description": desc,
                "in_base_year": ev.in_base_year,
                "scope1_t": ev.effect.scope1,
                "scope2_location_t": ev.effect.scope2_location,
                "scope2_market_t": ev.effect.scope2_market,
                "scope3_t": ev.effect.scope3_total,
                "applied_in_version": applied.get(ev.event_id),
            }
        )
    return out


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
