"""Projection: from the misstatements found in a sample to the misstatement of the inventory.

Part of the pure assurance layer (see `zerotrail.assurance`). After fieldwork the verifier knows,
for each tested record, the tonnes the run states ("stated", the book value) and the tonnes the
evidence supports ("audited"). `project` extrapolates those differences the way monetary-unit
sampling does (AICPA Audit Sampling Guide; ISA 530 para A20):

- a key item (stated >= its stratum's sampling interval, or picked individually) was tested in
  full, so its misstatement, stated - audited, is taken as it is and not projected;
- a sampled item stands for one interval of its stratum: tainting = (stated - audited) / stated,
  projected misstatement = tainting × interval;
- misstatements found outside the sample (`OtherMisstatement`) are taken at their amount.

Every misstatement is split into a known part (what was actually found) and a projected part
(the extrapolation beyond it), so that known + projected never counts an item twice. Amounts are
signed, positive where the run overstates. `aggregate` then sums them per scope and overall,
keeping the signed net and the absolute gross, leaves out the clearly trivial ones (counted, not
accumulated: ISA 450 para 5) and compares the gross with materiality and performance
materiality (`materiality.Thresholds`). The opinion (`opinion.py`) reads the result.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from zerotrail.assurance.materiality import SCOPES, Thresholds

ContributionKind = Literal["key", "sampled", "other"]
Flag = Literal["material", "approaching", "below"]

KEY_METHOD = "key item: misstatement = stated - audited, taken in full, not projected"
SAMPLED_METHOD = (
    "sampled item: tainting = (stated - audited) / stated; "
    "projected misstatement = tainting × sampling interval (ISA 530 A20)"
)
OTHER_METHOD = "found outside the sample: taken at its amount, not projected"
STRATUM_METHOD = (
    "stratum misstatement = key items' (stated - audited) + Σ tainting × interval "
    "over sampled items; known = Σ (stated - audited); projected = total - known"
)
PROJECTION_METHOD = (
    "monetary-unit sampling, tainting projection: key items in full, "
    "sampled items tainting × interval (AICPA Audit Sampling Guide; ISA 530 A20)"
)
ROLLUP_METHOD = (
    "net = Σ (known + projected), gross = Σ |known + projected| over misstatements of at least "
    "the clearly-trivial amount; material if gross >= materiality, "
    "approaching if gross >= performance materiality"
)


def _check_scope(scope: int, what: str) -> None:
    if scope not in SCOPES:
        raise ValueError(f"{what}: scope {scope!r}, expected 1, 2 or 3")


def _check_tonnes(value: float, what: str, field: str) -> None:
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{what}: {field} {value!r} t, expected a finite figure >= 0")


@dataclass(frozen=True, slots=True)
class SampleItem:
    """One tested record: the tonnes the run states and the tonnes the evidence supports."""

    record_id: str
    stratum: str
    scope: int
    key_item: bool
    book_t: float
    audited_t: float
    interval_t: float

    def __post_init__(self) -> None:
        what = f"sample item {self.record_id!r} ({self.stratum})"
        if not self.record_id or not self.stratum:
            raise ValueError(f"{what}: record id and stratum must not be empty")
        _check_scope(self.scope, what)
        _check_tonnes(self.book_t, what, "stated")
        _check_tonnes(self.audited_t, what, "audited")
        if math.isnan(self.interval_t) or self.interval_t <= 0:
            raise ValueError(f"{what}: sampling interval {self.interval_t!r} t, expected > 0")
        if self.key_item:
            return
        if math.isinf(self.interval_t):
            raise ValueError(f"{what}: a sampled item needs a finite sampling interval")
        if self.book_t == 0:
            # Monetary-unit sampling cannot select a zero item, and its tainting is undefined.
            raise ValueError(f"{what}: a sampled item with 0 t stated cannot be projected")
        if self.book_t >= self.interval_t:
            # Projecting it would give less than its own misstatement: it was certain to be
            # selected, so it is a key item, and treating it otherwise is a caller's mistake.
            raise ValueError(
                f"{what}: stated {self.book_t!r} t is at least the interval "
                f"{self.interval_t!r} t, so it must be a key item"
            )


@dataclass(frozen=True, slots=True)
class OtherMisstatement:
    """A misstatement found outside the sample (amount signed: positive = overstated).

    `records` are the records behind it; none of them may be a tested sample item, whose
    misstatement already comes from its audited value.
    """

    ref: str
    scope: int
    amount_t: float
    records: tuple[str, ...] = ()
    # A projection left over after the record it was found on was corrected (conclusion.py):
    # counted as projected, not known.
    projected: bool = False

    def __post_init__(self) -> None:
        what = f"misstatement {self.ref!r}"
        if not self.ref:
            raise ValueError("misstatement: reference must not be empty")
        _check_scope(self.scope, what)
        if not math.isfinite(self.amount_t):
            raise ValueError(f"{what}: amount {self.amount_t!r} t, expected a finite number")


@dataclass(frozen=True, slots=True)
class Contribution:
    """One misstatement as it enters the total: known + projected = total (signed, t CO2e)."""

    ref: str
    scope: int
    stratum: str | None
    kind: ContributionKind
    known_t: float
    projected_t: float
    total_t: float
    tainting: float | None
    method: str


@dataclass(frozen=True, slots=True)
class StratumProjection:
    """The sample of one stratum projected to the stratum (every misstatement, trivial or not)."""

    stratum: str
    scope: int
    interval_t: float
    tested: int
    key_items: int
    misstated: int
    known_t: float
    projected_t: float
    net_t: float
    gross_t: float
    method: str = STRATUM_METHOD


@dataclass(frozen=True, slots=True)
class Projection:
    """Every misstatement with its known and projected parts, and the strata they came from."""

    contributions: tuple[Contribution, ...]
    strata: tuple[StratumProjection, ...]
    method: str = PROJECTION_METHOD


@dataclass(frozen=True, slots=True)
class Rollup:
    """The accumulated misstatement of one scope (or overall, `scope` None) against materiality."""

    scope: int | None
    known_t: float
    projected_t: float
    net_t: float
    gross_t: float
    misstatements: int
    trivial_count: int
    trivial_gross_t: float
    materiality_t: float
    performance_t: float
    flag: Flag
    method: str = ROLLUP_METHOD


@dataclass(frozen=True, slots=True)
class Aggregation:
    """The roll-up per scope (1, 2, 3, in that order) and overall."""

    scopes: tuple[Rollup, ...]
    overall: Rollup
    thresholds: Thresholds
    method: str = ROLLUP_METHOD

    def scope(self, scope: int) -> Rollup:
        _check_scope(scope, "aggregation")
        return self.scopes[SCOPES.index(scope)]

    @property
    def rollups(self) -> tuple[Rollup, ...]:
        """The scopes, then overall."""
        return (*self.scopes, self.overall)


def _contribution(item: SampleItem) -> Contribution:
    known = item.book_t - item.audited_t
    if item.key_item:
        return Contribution(
            ref=item.record_id,
            scope=item.scope,
            stratum=item.stratum,
            kind="key",
            known_t=known,
            projected_t=0.0,
            total_t=known,
            tainting=None,
            method=KEY_METHOD,
        )
    tainting = known / item.book_t
    total = tainting * item.interval_t
    return Contribution(
        ref=item.record_id,
        scope=item.scope,
        stratum=item.stratum,
        kind="sampled",
        known_t=known,
        projected_t=total - known,
        total_t=total,
        tainting=tainting,
        method=SAMPLED_METHOD,
    )


def _stratum(name: str, items: list[SampleItem], parts: list[Contribution]) -> StratumProjection:
    first = items[0]
    for item in items[1:]:
        if item.scope != first.scope or item.interval_t != first.interval_t:
            raise ValueError(
                f"stratum {name!r}: sample items {first.record_id!r} and {item.record_id!r} "
                "disagree on scope or sampling interval"
            )
    return StratumProjection(
        stratum=name,
        scope=first.scope,
        interval_t=first.interval_t,
        tested=len(items),
        key_items=sum(item.key_item for item in items),
        misstated=sum(part.total_t != 0 for part in parts),
        known_t=math.fsum(part.known_t for part in parts),
        projected_t=math.fsum(part.projected_t for part in parts),
        net_t=math.fsum(part.total_t for part in parts),
        gross_t=math.fsum(abs(part.total_t) for part in parts),
    )


def project(items: Iterable[SampleItem], others: Iterable[OtherMisstatement] = ()) -> Projection:
    """Project the sample's misstatements and add those found outside it."""
    by_stratum: dict[str, tuple[list[SampleItem], list[Contribution]]] = {}
    contributions: list[Contribution] = []
    seen: set[str] = set()
    for item in items:
        if item.record_id in seen:
            raise ValueError(f"sample item {item.record_id!r}: tested twice; list it once")
        seen.add(item.record_id)
        part = _contribution(item)
        contributions.append(part)
        members, parts = by_stratum.setdefault(item.stratum, ([], []))
        members.append(item)
        parts.append(part)
    for other in others:
        overlap = sorted(seen.intersection(other.records))
        if overlap:
            raise ValueError(
                f"misstatement {other.ref!r}: record {overlap[0]!r} is a tested sample item, "
                "whose misstatement comes from its audited value; counting it here too "
                "would count it twice"
            )
        contributions.append(
            Contribution(
                ref=other.ref,
                scope=other.scope,
                stratum=None,
                kind="other",
                known_t=0.0 if other.projected else other.amount_t,
                projected_t=other.amount_t if other.projected else 0.0,
                total_t=other.amount_t,
                tainting=None,
                method=OTHER_METHOD,
            )
        )
    strata = tuple(_stratum(name, *by_stratum[name]) for name in sorted(by_stratum))
    return Projection(tuple(contributions), strata)


def _flag(gross_t: float, materiality_t: float, performance_t: float) -> Flag:
    # A 0 t materiality (a scope with no emissions under a percent rule) must not call an
    # empty scope material, hence gross > 0.
    if gross_t > 0 and gross_t >= materiality_t:
        return "material"
    if gross_t > 0 and gross_t >= performance_t:
        return "approaching"
    return "below"


def _rollup(
    scope: int | None, parts: list[Contribution], trivial: list[float], thresholds: Thresholds
) -> Rollup:
    gross = math.fsum(abs(part.total_t) for part in parts)
    materiality = thresholds.materiality_t(scope)
    performance = thresholds.performance_t(scope)
    return Rollup(
        scope=scope,
        known_t=math.fsum(part.known_t for part in parts),
        projected_t=math.fsum(part.projected_t for part in parts),
        net_t=math.fsum(part.total_t for part in parts),
        gross_t=gross,
        misstatements=len(parts),
        trivial_count=len(trivial),
        trivial_gross_t=math.fsum(trivial),
        materiality_t=materiality,
        performance_t=performance,
        flag=_flag(gross, materiality, performance),
    )


def aggregate(projection: Projection, thresholds: Thresholds) -> Aggregation:
    """Sum the misstatements per scope and overall and compare them with materiality.

    A misstatement is clearly trivial when its total (known + projected: a small difference on
    a sampled item can project to a large amount) is below the clearly-trivial amount of both
    its scope and the whole; it is counted in `trivial_count` but left out of the sums.
    """
    kept: dict[int, list[Contribution]] = {scope: [] for scope in SCOPES}
    trivial: dict[int, list[float]] = {scope: [] for scope in SCOPES}
    for part in projection.contributions:
        size = abs(part.total_t)
        if size == 0:
            continue
        if size < min(thresholds.trivial_t(part.scope), thresholds.trivial_t()):
            trivial[part.scope].append(size)
        else:
            kept[part.scope].append(part)
    scopes = tuple(_rollup(scope, kept[scope], trivial[scope], thresholds) for scope in SCOPES)
    overall = _rollup(
        None,
        [part for scope in SCOPES for part in kept[scope]],
        [size for scope in SCOPES for size in trivial[scope]],
        thresholds,
    )
    return Aggregation(scopes, overall, thresholds)
