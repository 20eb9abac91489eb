"""Base-year recalculation: whether pending events are significant enough to restate the base year.

Part of the pure target layer (see `zerotrail.targets`). The store keeps the versioned base-year
inventory and the log of pending events (acquisitions, method changes, discovered errors, ...);
`decide` takes the current base-year figures, those events and the company's written policy
(`targets.Policy`) and returns what to do, with a sentence the user can read. It never stores
anything: events that do not trigger a recalculation stay pending with the caller.

Rules (GHG Protocol Corporate Standard, base year chapter; see the standards digest, §1):
structural changes, method and factor changes and errors trigger a recalculation when their
effect, singly or (if the policy says so) cumulatively, reaches the significance threshold;
organic growth or decline never does, nor do acquisitions of facilities that did not exist in
the base year.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from zerotrail.errors import TargetError
from zerotrail.targets.roadmap import ALL_CATEGORIES, SCOPE2_METHODS, Boundary, Policy

EVENT_KINDS = (
    "acquisition",
    "divestment",
    "insourcing",
    "outsourcing",
    "methodology",
    "factor_change",
    "error",
    "organic",
)
STRUCTURAL = EVENT_KINDS[:4]

GROUPS = ("scope1+2", "scope3")
_GROUP_LABELS = {"scope1+2": "Scope 1+2", "scope3": "Scope 3"}

# Percentages such as 1,000 / 20,000 * 100 can land an ulp below the threshold they equal on
# paper; a change that matches the threshold as written must trigger.
_EPS = 1e-9


def boundary_categories(boundary: Boundary) -> tuple[int, ...]:
    """The Scope 3 categories inside `boundary`.

    Listed categories count even when scope 3 is not among the scopes (a Scope 1+2 claim may
    take in business travel). A boundary built in code with scope 3 but no list means all of
    Scope 3, the same default `parse_target` applies.
    """
    if boundary.scope3_categories:
        return boundary.scope3_categories
    return ALL_CATEGORIES if 3 in boundary.scopes else ()


def _finite(name: str, value: Any) -> float:
    # Figures become JSON and ledger text; NaN or infinity there would be unreadable later.
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise TargetError(f"{name}: expected a finite number, not {value!r}")
    return float(value)


@dataclass(frozen=True, slots=True)
class Figures:
    """Base-year (or effect) figures in tCO2e; a Scope 3 category not listed is 0."""

    scope1: float = 0.0
    scope2_location: float = 0.0
    scope2_market: float = 0.0
    scope3: Mapping[int, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("scope1", "scope2_location", "scope2_market"):
            object.__setattr__(self, name, _finite(name, getattr(self, name)))
        cats: dict[int, float] = {}
        for cat in sorted(self.scope3):
            if isinstance(cat, bool) or not isinstance(cat, int) or cat not in ALL_CATEGORIES:
                raise TargetError(f"scope3: expected categories 1-15, not {cat!r}")
            cats[cat] = _finite(f"scope3[{cat}]", self.scope3[cat])
        # A read-only copy: the caller's dict may change later, a base-year version must not.
        object.__setattr__(self, "scope3", MappingProxyType(cats))

    def scope12(self, method: str) -> float:
        """Scope 1 plus Scope 2 by `method` (location or market)."""
        return self.scope1 + self._scope2(method)

    def _scope2(self, method: str) -> float:
        if method not in SCOPE2_METHODS:
            raise TargetError(
                f"expected a Scope 2 method ({', '.join(SCOPE2_METHODS)}), not {method!r}"
            )
        return self.scope2_market if method == "market" else self.scope2_location

    @property
    def scope3_total(self) -> float:
        return sum(self.scope3.values(), 0.0)

    def plus(self, other: Figures) -> Figures:
        cats = {
            c: self.scope3.get(c, 0.0) + other.scope3.get(c, 0.0)
            for c in {*self.scope3, *other.scope3}
        }
        return Figures(
            self.scope1 + other.scope1,
            self.scope2_location + other.scope2_location,
            self.scope2_market + other.scope2_market,
            cats,
        )

    def scaled(self, factor: float) -> Figures:
        """Every figure times `factor` (e.g. an equity share, or -1 to undo an effect)."""
        return Figures(
            self.scope1 * factor,
            self.scope2_location * factor,
            self.scope2_market * factor,
            {c: v * factor for c, v in self.scope3.items()},
        )

    def boundary_total(self, boundary: Boundary) -> float:
        """The emissions inside a target's boundary, Scope 2 by the boundary's method."""
        total = 0.0
        if 1 in boundary.scopes:
            total += self.scope1
        if 2 in boundary.scopes:
            total += self._scope2(boundary.scope2_method)
        return total + sum(self.scope3.get(c, 0.0) for c in boundary_categories(boundary))

    def to_json(self) -> str:
        """Stable text: fixed key order, categories as string keys in numeric order."""
        doc = {
            "scope1": self.scope1,
            "scope2_location": self.scope2_location,
            "scope2_market": self.scope2_market,
            # JSON keys are strings, and sort_keys would put "10" before "2": order by hand.
            "scope3": {str(c): self.scope3[c] for c in sorted(self.scope3)},
        }
        return json.dumps(doc, separators=(",", ":"), allow_nan=False)

    @staticmethod
    def from_json(text: str) -> Figures:
        """The Figures `to_json` wrote; TargetError naming what is wrong otherwise."""
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise TargetError(f"expected figures as JSON ({exc.msg})") from None
        keys = {"scope1", "scope2_location", "scope2_market", "scope3"}
        if not isinstance(doc, dict) or set(doc) != keys:
            raise TargetError(f"expected an object with keys {', '.join(sorted(keys))}")
        raw_cats = doc["scope3"]
        if not isinstance(raw_cats, dict) or not all(
            isinstance(k, str) and k.isdigit() for k in raw_cats
        ):
            raise TargetError("scope3: expected an object keyed by category number")
        return Figures(
            doc["scope1"],
            doc["scope2_location"],
            doc["scope2_market"],
            {int(k): v for k, v in raw_cats.items()},
        )


def _total(effects: Iterable[Figures]) -> Figures:
    total = Figures()
    for effect in effects:
        total = total.plus(effect)
    return total


@dataclass(frozen=True, slots=True)
class Event:
    """A pending change to the base year, with its signed, already consolidated effect.

    `in_base_year` is False for a facility that did not exist in the base year: acquiring or
    divesting it changes nothing the base year could have contained.
    """

    event_id: str
    kind: str
    effect: Figures
    in_base_year: bool = True

    def __post_init__(self) -> None:
        if self.kind not in EVENT_KINDS:
            raise TargetError(
                f"expected an event kind ({', '.join(EVENT_KINDS)}), not {self.kind!r}"
            )


@dataclass(frozen=True, slots=True)
class Decision:
    recalculate: bool
    significance: dict[str, float]
    single: dict[str, float]
    applied: tuple[str, ...]
    ignored: tuple[tuple[str, str], ...]
    new_figures: Figures | None
    reason: str


def _relative(change: float, base: float) -> float:
    """abs(change) as percent of abs(base); any change to a zero base is infinitely large."""
    if base == 0:
        return math.inf if change != 0 else 0.0
    return abs(change) / abs(base) * 100


def _changes(base: Figures, effect: Figures) -> dict[str, float]:
    """Percent change `effect` makes to Scope 1+2 and to Scope 3 of `base`.

    Scope 1+2 takes the larger of the location- and market-based changes, so an event that
    matters under either method counts.
    """
    s12 = max(_relative(effect.scope12(m), base.scope12(m)) for m in SCOPE2_METHODS)
    return {"scope1+2": s12, "scope3": _relative(effect.scope3_total, base.scope3_total)}


def _ignore_reason(event: Event) -> str | None:
    if event.kind == "organic":
        return "organic growth or decline never triggers a recalculation"
    if event.kind in STRUCTURAL and not event.in_base_year:
        return "the facility did not exist in the base year"
    return None


def _reaches(pct: float, threshold: float) -> bool:
    return pct >= threshold - _EPS


def _fixed(value: float, places: int) -> str:
    return f"{value:,.{places}f}".rstrip("0").rstrip(".")


def distinct(value: float, versus: float | None = None) -> str:
    """`value` with enough decimals to differ visibly from `versus`.

    Without that, 4.999% below a 5% threshold would read "5%, below the 5% threshold".
    """
    places = 2
    while versus is not None and value != versus and places < 9:
        if _fixed(value, places) != _fixed(versus, places):
            break
        places += 1
    return _fixed(value, places)


def _pct(value: float, versus: float | None = None) -> str:
    if math.isinf(value):
        return "an unbounded share (from a base-year figure of 0)"
    return distinct(value, versus) + "%"


def _largest(figures: Mapping[str, float]) -> tuple[str, float]:
    group = max(GROUPS, key=lambda g: figures[g])
    return _GROUP_LABELS[group], figures[group]


def decide(base: Figures, pending: Sequence[Event], policy: Policy) -> Decision:
    """Whether `pending` events call for restating `base` under `policy`, and the new figures.

    When triggered, every counted pending event is applied at once (a restated base year
    includes all known changes); otherwise nothing is applied and the events stay pending.
    """
    ids = [e.event_id for e in pending]
    if len(set(ids)) != len(ids):
        raise TargetError("pending events must have distinct ids")
    ignored = tuple((e.event_id, r) for e in pending if (r := _ignore_reason(e)) is not None)
    counted = [e for e in pending if _ignore_reason(e) is None]
    per_event = {e.event_id: _changes(base, e.effect) for e in counted}
    single = {eid: max(c.values()) for eid, c in per_event.items()}
    together = _total(e.effect for e in counted)
    significance = _changes(base, together)
    threshold = policy.threshold_pct

    alone = [eid for eid in single if _reaches(single[eid], threshold)]
    jointly = policy.cumulative and _reaches(max(significance.values()), threshold)
    if not alone and not jointly:
        reason = _no_reason(len(pending), single, per_event, significance, policy)
        return Decision(False, significance, single, (), ignored, None, reason)

    reason = _yes_reason(alone, per_event, significance, threshold, len(counted))
    applied = tuple(e.event_id for e in counted)
    return Decision(True, significance, single, applied, ignored, base.plus(together), reason)


def _yes_reason(
    alone: Sequence[str],
    per_event: Mapping[str, Mapping[str, float]],
    together: Mapping[str, float],
    threshold: float,
    n_counted: int,
) -> str:
    s12, s3 = _pct(together["scope1+2"]), _pct(together["scope3"])
    if alone:
        first = max(alone, key=lambda eid: max(per_event[eid].values()))
        label, value = _largest(per_event[first])
        return (
            f"Recalculate the base year: event {first} alone changes {label} by {_pct(value)}, "
            f"at or above the {_pct(threshold)} threshold; applying "
            + ("the one counted event" if n_counted == 1 else f"all {n_counted} counted events")
            + f" changes Scope 1+2 by {s12} and Scope 3 by {s3}."
        )
    label, value = _largest(together)
    return (
        f"Recalculate the base year: no single event reaches the {_pct(threshold)} threshold, "
        f"but the {n_counted} counted events together change {label} by {_pct(value)} "
        "and the policy accumulates changes."
    )


def _no_reason(
    n_pending: int,
    single: Mapping[str, float],
    per_event: Mapping[str, Mapping[str, float]],
    together: Mapping[str, float],
    policy: Policy,
) -> str:
    t = policy.threshold_pct
    threshold = _pct(t)
    if not single:
        if n_pending == 0:
            return "No recalculation: there are no pending events."
        return (
            f"No recalculation: none of the {n_pending} pending event(s) counts "
            "(organic change, or facilities that did not exist in the base year)."
        )
    top = max(single, key=lambda eid: single[eid])
    label, value = _largest(per_event[top])
    if policy.cumulative:
        return (
            f"No recalculation: the {len(single)} counted event(s) together change Scope 1+2 by "
            f"{_pct(together['scope1+2'], t)} and Scope 3 by {_pct(together['scope3'], t)}, "
            "below the "
            f"{threshold} threshold; they stay pending."
        )
    return (
        f"No recalculation: no single event reaches the {threshold} threshold (largest: "
        f"{top}, {label} {_pct(value, t)}) and the policy does not accumulate changes; "
        "they stay pending."
    )
