"""Inherent risk per stratum, and how many records each stratum's sample needs.

Where it sits: the verifier's planning step (ISO 14064-3 clause 6.1.2, risk assessment), before
`sampling` draws the records. It takes a run's records as `Item` values, groups them by source
category (the stratum), scores each stratum's inherent risk on four plain factors and sizes its
sample by monetary-unit sampling (MUS), where the "money" is tonnes of CO2e.

The scoring is deliberately simple so a reader can redo it by hand: size, data quality,
complexity and control each score 1 (low) to 3 (high); their sum gives the level. The sample size
is MUS's attribute-free form with zero expected misstatement (AICPA Audit Sampling Guide):
reliability factor RF = -ln(1 - confidence) (the Poisson zero-error factor), sampling interval
J = tolerable misstatement / RF, n = ceil(stratum t CO2e / J), at least 1 when the stratum has
records and at most its record count. Totals and the size are worked in exact arithmetic on the
floats given, so `sampling` never draws more than the size planned here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from types import MappingProxyType

from zerotrail.assurance import exact
from zerotrail.model.keys import family_of

# The engine's flags (zerotrail.model.flags.RESULT_FLAGS) that say a record's figure rests on a
# stand-in rather than a factor made for it: another year's or region's factor, an unverified
# value, spend in another year's money, another GWP set. The engine writes no "estimated" flag;
# these are the ones that make a figure an estimate on top of its method.
PROXY_FLAGS: frozenset[str] = frozenset(
    {
        "edition_year_mismatch",
        "pinned_outside_validity",
        "parent_region_factor",
        "global_factor",
        "pinned_other_region",
        "unverified_factor",
        "spend_not_deflated",
        "gwp_basis_mismatch",
        "gwp_unverified",
    }
)
# Methods that are complex to get right: spend-based (a money proxy for physical activity, the
# weakest default data quality in engine/settings.py METHOD_DQ) and mass-balance (the method of
# the `fugitive` family: refrigerant top-ups, where losses are inferred from purchases).
COMPLEX_METHODS: frozenset[str] = frozenset({"spend-based", "mass-balance"})
COMPLEX_FAMILIES: frozenset[str] = frozenset({"fugitive"})

# Size: 5 % is the materiality most programmes set (EU AVR art. 23; The Climate Registry), so a
# stratum above it could alone hold a material misstatement; above a fifth, an error of a quarter
# of the stratum would be material by itself.
SIZE_MEDIUM_SHARE = 0.05
SIZE_HIGH_SHARE = 0.20
# Data quality (1 best .. 5 worst; defaults by method in engine/settings.py METHOD_DQ): up to 2
# is measured or specific data (fuel, metered energy, supplier, site, distance, mass balance),
# up to 3 average or modelled data, above 3 mostly spend.
DQ_MEDIUM_ABOVE = 2.0
DQ_HIGH_ABOVE = 3.0
# Complexity: share of the stratum's t CO2e that is complex (see `is_complex`).
COMPLEX_MEDIUM_SHARE = 0.10
COMPLEX_HIGH_SHARE = 0.50
# Control: share of the stratum's t CO2e that came through a four-eyes approved submission.
CONTROL_LOW_SHARE = 0.90
CONTROL_MEDIUM_SHARE = 0.50
# Level from the sum of the four scores (4 .. 12). Low: a mean under 1.5, so at most two factors
# at medium (or one at high: size alone, which MUS already answers with a larger sample). High:
# 10 or more, which takes at least two factors at high. Medium in between.
LOW_MAX_SCORE = 6
MEDIUM_MAX_SCORE = 9

RISK_LEVELS = ("low", "medium", "high")
ASSURANCE_LEVELS = ("limited", "reasonable")
# Confidence by level of assurance and risk: the engagement's defaults, configurable by passing
# another table to `plan`. Limited assurance needs less evidence than reasonable (ISAE 3410:
# procedures "limited in nature, timing and extent"), hence lower confidence at every risk level.
DEFAULT_CONFIDENCE: Mapping[str, Mapping[str, float]] = MappingProxyType(
    {
        "reasonable": MappingProxyType({"high": 0.95, "medium": 0.90, "low": 0.80}),
        "limited": MappingProxyType({"high": 0.80, "medium": 0.70, "low": 0.50}),
    }
)

_WORD = {1: "low", 2: "medium", 3: "high"}


@dataclass(frozen=True, slots=True)
class Item:
    """One record of the run as the verifier sees it. `t_co2e` is the run's (location-based)
    figure, finite and >= 0: negative corrections need their own procedure, not MUS."""

    record_id: str
    version: int
    stratum: str
    scope: int
    t_co2e: float
    method: str
    dq_score: float
    flags: str
    approved: bool

    def __post_init__(self) -> None:
        where = f"record {self.record_id!r} version {self.version}"
        if not (math.isfinite(self.t_co2e) and self.t_co2e >= 0.0):
            raise ValueError(f"{where}: t_co2e must be a finite number >= 0, got {self.t_co2e}")
        if self.scope not in (1, 2, 3) or not self.stratum.startswith(f"scope{self.scope}:"):
            raise ValueError(f"{where}: stratum {self.stratum!r} is not of scope {self.scope}")
        if not math.isfinite(self.dq_score):
            raise ValueError(f"{where}: dq_score must be a finite number, got {self.dq_score}")


@dataclass(frozen=True)
class StratumRisk:
    """A stratum's inherent risk. Shares are of t CO2e (of the record count when the stratum's
    total is zero); `mean_dq` is weighted by t CO2e likewise. `factors` holds the four scores
    (size, data_quality, complexity, control; 1 low .. 3 high), `reasons` say each in words."""

    stratum: str
    records: int
    t_co2e: float
    share: float
    mean_dq: float
    complex_share: float
    approved_share: float
    factors: dict[str, int]
    level: str
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StratumPlan:
    """A stratum's sample size and the MUS numbers behind it."""

    risk: StratumRisk
    confidence: float
    reliability_factor: float
    tolerable_t: float
    interval_t: float
    size: int
    formula: str

    @property
    def stratum(self) -> str:
        return self.risk.stratum


def stratum_of(scope: int, category: int | None, activity: str) -> str:
    """The stratum of a record: "scope1:<family>", "scope2:<family>" or "scope3:cat<N>"."""
    if scope == 3:
        if category is None or not 1 <= category <= 15:
            raise ValueError(f"a Scope 3 record needs a category 1 to 15, got {category}")
        return f"scope3:cat{category}"
    if scope not in (1, 2):
        raise ValueError(f"scope must be 1, 2 or 3, got {scope}")
    fam = family_of(activity)
    if fam is None:
        raise ValueError(f"activity {activity!r} is not a well-formed activity key")
    return f"scope{scope}:{fam.name}"


def stratum_sort_key(stratum: str) -> tuple[int, int, str]:
    """Scopes in order, Scope 3 categories by number (cat2 before cat10), then by name."""
    head, _, rest = stratum.partition(":")
    cat = int(rest[3:]) if head == "scope3" and rest[3:].isdigit() else 0
    return (int(head.removeprefix("scope")), cat, stratum)


def is_complex(item: Item) -> bool:
    """Spend-based, fugitive (refrigerant) or resting on a stand-in factor (`PROXY_FLAGS`)."""
    family = item.stratum.partition(":")[2]
    flags = {f for f in item.flags.split(";") if f}
    return item.method in COMPLEX_METHODS or family in COMPLEX_FAMILIES or bool(flags & PROXY_FLAGS)


def assess(items: Iterable[Item]) -> tuple[StratumRisk, ...]:
    """Each stratum's inherent risk, in stratum order (`stratum_sort_key`)."""
    groups = _group(items)
    total = sum((_exact_total(g) for g in groups.values()), Fraction(0))
    return tuple(_risk(s, g, total) for s, g in groups.items())


def plan(
    items: Iterable[Item],
    level: str,
    performance_materiality_t: Mapping[int, float],
    confidence: Mapping[str, Mapping[str, float]] = DEFAULT_CONFIDENCE,
) -> tuple[StratumPlan, ...]:
    """Each stratum's risk and MUS sample size, in stratum order. The tolerable misstatement of
    a stratum is the performance materiality (t) of its scope."""
    if level not in confidence:
        raise ValueError(f"level of assurance must be one of {sorted(confidence)}, got {level!r}")
    table = confidence[level]
    groups = _group(items)
    total = sum((_exact_total(g) for g in groups.values()), Fraction(0))
    out = []
    for stratum, group in groups.items():
        risk = _risk(stratum, group, total)
        conf = table.get(risk.level)
        if conf is None or not 0.0 < conf < 1.0:
            raise ValueError(f"confidence for {level} / {risk.level} must be in (0, 1): {conf}")
        scope = group[0].scope
        tolerable = performance_materiality_t.get(scope)
        if tolerable is None or not (math.isfinite(tolerable) and tolerable > 0.0):
            raise ValueError(
                f"performance materiality for scope {scope} must be > 0 t: {tolerable}"
            )
        rf = -math.log(1.0 - conf)
        interval = tolerable / rf
        raw = math.ceil(_exact_total(group) / Fraction(interval))
        size = min(len(group), max(1, raw))
        formula = f"n = ceil({_t(risk.t_co2e)} t / ({_t(tolerable)} t / {rf:.3f})) = {raw}"
        if size > raw:
            formula += f"; at least 1 -> {size}"
        elif size < raw:
            formula += f"; capped at the stratum's {size} records"
        out.append(StratumPlan(risk, conf, rf, tolerable, interval, size, formula))
    return tuple(out)


def _group(items: Iterable[Item]) -> dict[str, list[Item]]:
    groups: dict[str, list[Item]] = {}
    for it in items:
        groups.setdefault(it.stratum, []).append(it)
    return {s: groups[s] for s in sorted(groups, key=stratum_sort_key)}


def _exact_total(items: Sequence[Item]) -> Fraction:
    # Exact: a float is a binary fraction, so the sum has no rounding and no order dependence.
    return exact.total(it.t_co2e for it in items)


def _share(items: Sequence[Item], chosen: Sequence[Item]) -> float:
    total = _exact_total(items)
    if total == 0:
        return len(chosen) / len(items)
    return float(_exact_total(chosen) / total)


def _risk(stratum: str, group: Sequence[Item], population_t: Fraction) -> StratumRisk:
    t = _exact_total(group)
    share = float(t / population_t) if population_t else 0.0
    if t:
        weighted = sum(exact.units(i.dq_score) * exact.units(i.t_co2e) for i in group)
        mean_dq = float(Fraction(weighted, 1 << (2 * exact.SCALE_BITS)) / t)
    else:
        mean_dq = sum(i.dq_score for i in group) / len(group)
    complex_share = _share(group, [i for i in group if is_complex(i)])
    approved_share = _share(group, [i for i in group if i.approved])

    size = _grade(share, SIZE_MEDIUM_SHARE, SIZE_HIGH_SHARE)
    dq = 3 if mean_dq > DQ_HIGH_ABOVE else 2 if mean_dq > DQ_MEDIUM_ABOVE else 1
    cx = _grade(complex_share, COMPLEX_MEDIUM_SHARE, COMPLEX_HIGH_SHARE)
    # Reversed: the more came through approval, the lower the control risk.
    ctl = 4 - _grade(approved_share, CONTROL_MEDIUM_SHARE, CONTROL_LOW_SHARE)
    score = size + dq + cx + ctl
    level = "low" if score <= LOW_MAX_SCORE else "medium" if score <= MEDIUM_MAX_SCORE else "high"
    reasons = (
        f"size {_WORD[size]}: {_pct(share)} of the inventory's t CO2e "
        f"(medium from {_pct(SIZE_MEDIUM_SHARE)}, high from {_pct(SIZE_HIGH_SHARE)})",
        f"data quality {_WORD[dq]}: mean score {mean_dq:.1f} on 1 (best) to 5 (worst) "
        f"(medium above {DQ_MEDIUM_ABOVE:.0f}, high above {DQ_HIGH_ABOVE:.0f})",
        f"complexity {_WORD[cx]}: {_pct(complex_share)} of its t CO2e is spend-based, fugitive "
        "or rests on a stand-in factor "
        f"(medium from {_pct(COMPLEX_MEDIUM_SHARE)}, high from {_pct(COMPLEX_HIGH_SHARE)})",
        f"control {_WORD[ctl]}: {_pct(approved_share)} of its t CO2e came through an approved "
        f"submission (medium below {_pct(CONTROL_LOW_SHARE)}, high below "
        f"{_pct(CONTROL_MEDIUM_SHARE)})",
    )
    return StratumRisk(
        stratum=stratum,
        records=len(group),
        t_co2e=float(t),
        share=share,
        mean_dq=mean_dq,
        complex_share=complex_share,
        approved_share=approved_share,
        factors={"size": size, "data_quality": dq, "complexity": cx, "control": ctl},
        level=level,
        reasons=reasons,
    )


def _grade(x: float, medium: float, high: float) -> int:
    return 3 if x >= high else 2 if x >= medium else 1


def _pct(x: float) -> str:
    return f"{x * 100:.1f}".removesuffix(".0") + " %"


def _t(x: float) -> str:
    # One decimal reads well for tonnes; small figures keep three significant digits.
    return f"{x:.1f}" if x >= 1.0 or x == 0.0 else f"{x:.3g}"
