"""Like-for-like series: every year as reported beside the same year recalculated for the
base-year events, and the year-over-year table built on the recalculated series.

Where it sits: reports, pure. The report stage (pipeline/publish.py) and the initiatives stage
(through pipeline/series.py) hand in the years' inventory totals, the base-year section
(`periodic.base_year_section`: versions oldest first, events with their effect on the base
year and the version that applied them) and the year each event took effect.

The recalculated series (GHG Protocol Corporate Standard, ch. 5: a structural change is
recalculated for every year before it, so the years compare like with like):
- the base year is its latest recorded version, the figures the targets are measured on;
- any other year adds the base-year effect of each applied structural event (acquisition,
  divestment, insourcing, outsourcing; signed: a divestment subtracts) that took effect after
  that year. The business's base-year emissions are the only figures recorded for it before
  it joined, so they stand for each of those years;
- a year in which a structural event took effect, and every later year, is as reported: the
  inventory holds the business from the date it joined (or until the date it left), so the
  year of the event is marked as a part year;
- corrections of method, factors or errors change the base year only; the other years carry
  them in their own inventories once those are calculated again.
Pending events (not applied by any version) change nothing and are listed as pending.

All figures are market-based except Scope 2 location-based: Scope 3 is taken market-based, as
the base year and the targets take it (store/figures.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from zerotrail.targets.baseyear import NEGATIVE
from zerotrail.targets.recalc import STRUCTURAL

# The figures of each year in the series and the year-over-year table, with their labels.
# (key, what, basis); Scope 1 has one basis.
FIGURES = (
    ("scope1", "Scope 1", None),
    ("scope2_location", "Scope 2", "location-based"),
    ("scope2_market", "Scope 2", "market-based"),
    ("scope12_market", "Scope 1 + 2", "market-based"),
    ("scope3_market", "Scope 3", "market-based"),
    ("total_market", "Total", "market-based"),
)
# The figures a restatement can name (reports/publish.py FIGURES), as the report labels them.
RESTATED_LABELS = {
    "scope1": "Scope 1",
    "scope2_location": "Scope 2 (location-based)",
    "scope2_market": "Scope 2 (market-based)",
    "scope3": "Scope 3 (location-based)",
    "scope3_market": "Scope 3 (market-based)",
}
EVENT_KINDS = {
    "acquisition": "Acquisition",
    "divestment": "Divestment",
    "insourcing": "Insourcing",
    "outsourcing": "Outsourcing",
    "methodology": "Change of method",
    "factor_change": "Change of emission factors",
    "error": "Correction of an error",
    "organic": "Organic growth or decline",
}


def _row(year: int, s1: float, s2l: float, s2m: float, s3m: float) -> dict[str, Any]:
    return {
        "year": year,
        "scope1": s1,
        "scope2_location": s2l,
        "scope2_market": s2m,
        "scope12_market": s1 + s2m,
        "scope3_market": s3m,
        "total_market": s1 + s2m + s3m,
    }


def reported(year: Mapping[str, Any]) -> dict[str, Any]:
    """A year of `periodic.year_rows` as the series holds it."""
    return _row(
        int(year["year"]),
        float(year["scope1"]),
        float(year["scope2_location"]),
        float(year["scope2_market"]),
        float(year["scope3_market"]),
    )


def _events(base: Mapping[str, Any] | None, event_years: Mapping[str, int]) -> list[dict[str, Any]]:
    if base is None:
        return []
    out = []
    for e in base["events"]:
        kind = str(e["kind"])
        out.append(
            {
                "event_id": str(e["event_id"]),
                "kind": kind,
                "kind_label": EVENT_KINDS.get(kind, kind),
                "description": e["description"],
                "year": event_years.get(str(e["event_id"])),
                "structural": kind in STRUCTURAL,
                "applied_in_version": e["applied_in_version"],
                "scope1_t": float(e["scope1_t"]),
                "scope2_location_t": float(e["scope2_location_t"]),
                "scope2_market_t": float(e["scope2_market_t"]),
                "scope12_market_t": float(e["scope1_t"]) + float(e["scope2_market_t"]),
                "scope3_t": float(e["scope3_t"]),
                "years_adjusted": [],
            }
        )
    return out


def _moves(event: Mapping[str, Any], year: int) -> bool:
    """Whether an applied structural event is added to `year` (a year before it took effect)."""
    took_effect = event["year"]
    return (
        event["structural"]
        and event["applied_in_version"] is not None
        and took_effect is not None
        and year < took_effect
    )


def series(
    years: Sequence[Mapping[str, Any]],
    base: Mapping[str, Any] | None,
    event_years: Mapping[str, int],
) -> dict[str, Any]:
    """The years (`periodic.year_rows`) as reported and recalculated (module docstring), with
    the events that separate them. Without a recorded base year both series are the same."""
    events = _events(base, event_years)
    by = None if base is None else int(base["year"])
    latest = None if base is None else base["versions"][-1]
    as_reported = [reported(y) for y in years]
    recalculated = []
    for r in as_reported:
        y = r["year"]
        if latest is not None and y == by:
            row = _row(
                y,
                float(latest["scope1"]),
                float(latest["scope2_location"]),
                float(latest["scope2_market"]),
                float(latest["scope3"]),
            )
            adjusted = [e for e in events if e["applied_in_version"] is not None]
        else:
            adjusted = [e for e in events if _moves(e, y)]
            row = _row(
                y,
                r["scope1"] + sum(e["scope1_t"] for e in adjusted),
                r["scope2_location"] + sum(e["scope2_location_t"] for e in adjusted),
                r["scope2_market"] + sum(e["scope2_market_t"] for e in adjusted),
                r["scope3_market"] + sum(e["scope3_t"] for e in adjusted),
            )
        for e in adjusted:
            e["years_adjusted"].append(y)
        part = [
            e["event_id"]
            for e in events
            if e["structural"] and e["applied_in_version"] is not None and e["year"] == y
        ]
        recalculated.append(
            {**row, "adjusted_for": [e["event_id"] for e in adjusted], "part_year_events": part}
        )
    return {
        "base_year": by,
        "base_year_version": None if latest is None else int(latest["version"]),
        "as_reported": as_reported,
        "recalculated": recalculated,
        "events": events,
    }


def scope12_market(s: Mapping[str, Any]) -> dict[int, float]:
    """Scope 1 + 2 (market-based) per year of the recalculated series."""
    return {int(r["year"]): float(r["scope12_market"]) for r in s["recalculated"]}


def _change(now: float, before: float | None) -> tuple[float | None, float | None]:
    if before is None:
        return None, None
    delta = now - before
    return delta, (100.0 * delta / before if before else None)


def year_over_year(
    s: Mapping[str, Any],
    restatements: Sequence[Mapping[str, Any]],
    previous_report: str | None,
) -> list[dict[str, Any]]:
    """Each year of the recalculated series with every figure's change from the year before
    (t CO2e and %; none for the first year or after a year without an inventory), and what
    sets the year apart from its report: the events it was recalculated for, an event that
    took effect during it, and figures restated since the previous report."""
    labels = {e["event_id"]: f"{e['event_id']} ({e['kind_label'].lower()})" for e in s["events"]}
    kinds = {e["event_id"]: e["kind"] for e in s["events"]}
    restated: dict[int, list[str]] = {}
    for r in restatements:
        restated.setdefault(int(r["year"]), []).append(
            RESTATED_LABELS.get(str(r["figure"]), str(r["figure"]))
        )
    out = []
    before: Mapping[str, Any] | None = None
    for row in s["recalculated"]:
        y = int(row["year"])
        prev = before if before is not None and int(before["year"]) == y - 1 else None
        figures = []
        for key, what, basis in FIGURES:
            change_t, change_pct = _change(
                float(row[key]), None if prev is None else float(prev[key])
            )
            figures.append(
                {
                    "figure": key,
                    "label": what if basis is None else f"{what} ({basis})",
                    "scope": what,
                    "basis": basis,
                    "t": float(row[key]),
                    "change_t": change_t,
                    "change_pct": change_pct,
                }
            )
        notes = [f"Recalculated for {labels[e]}" for e in row["adjusted_for"]]
        notes += [
            f"{labels[e]} took effect during the year, which holds the business"
            f" {'until' if kinds[e] in NEGATIVE else 'from'} that date"
            for e in row["part_year_events"]
        ]
        if y in restated and previous_report is not None:
            notes.append(f"Restated since {previous_report}: {', '.join(restated[y])}")
        out.append({"year": y, "figures": figures, "notes": notes})
        before = row
    return out


def unadjusted_entities(
    spans: Sequence[tuple[str, int, int]],
    base_year: int | None,
    year: int,
    evented: Sequence[str],
    names: Mapping[str, str | None],
) -> list[dict[str, Any]]:
    """The entities whose records start after the base year or stop before `year` and that no
    base-year event names: a like-for-like series adjusts only for recorded events, so these
    stay in it as they were reported (an acquisition then reads as growth). Whether each is
    organic growth (never recalculated, GHG Protocol Corporate Standard ch. 5) or a structural
    change someone has yet to record is for the preparer to say; the report names them.
    `spans` holds (entity, first year, last year) of each entity's records."""
    if base_year is None:
        return []
    named = set(evented)
    out = []
    for entity, first, last in spans:
        if entity in named or not (first > base_year or last < year):
            continue
        out.append(
            {
                "entity": entity,
                "name": names.get(entity) or entity,
                "first_year": first,
                "last_year": last,
                "joined": first > base_year,
                "left": last < year,
            }
        )
    return out
