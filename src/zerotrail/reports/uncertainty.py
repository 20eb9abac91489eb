"""Uncertainty of the inventory (ISO 14064-1:2018 clause 8.3): a 95% interval for each scope
and for the totals, estimated from the records' data-quality scores.

Where it sits: reports, under the report stage (pipeline/publish.py), which reads the groups
(store/uncertainty_inputs.py) and hands them here as values. Pure: values in, values out.

Method (docs/methodology.md, "Uncertainty", cites the sources):

1. Each record's figure x carries a lognormal error, a multiplier of mean 1 (the reported
   figure is taken as the expected value). Its spread comes from the pedigree matrix
   (Weidema & Wesnaes 1996; the ecoinvent data quality guideline, Weidema et al. 2013): each of
   the five indicators, scored 1-5, has an uncertainty factor U (FACTORS); with the basic
   uncertainty U_b (BASIC_FACTOR), GSD^2 = exp(sqrt(ln(U_b)^2 + sum ln(U_i)^2)), so the
   variance of ln(multiplier) is sigma^2 = (ln(U_b)^2 + sum ln(U_i)^2) / 4.
2. The indicators split by what they describe. Time, geography and technology say how well the
   emission factor fits the activity, and the basic uncertainty is the factor's own spread (the
   carbon content of a fuel, a grid's mix): that error is the factor's. Every record using the
   same factor shares it: B_i = exp(sigma_b,i Z_f - sigma_b,i^2 / 2), one standard normal Z_f
   per factor, scaled by each record's own fit scores (a factor can fit one site better than
   another). Reliability and completeness describe the record's own data: one multiplier A_i
   per record, independent of every other. Different factors are independent of each other.
3. For one factor, the sum T = sum x_i A_i B_i has mean sum x_i and, as E[B_i B_j] =
   exp(sigma_b,i sigma_b,j) and E[A_i^2] = exp(sigma_a,i^2),
       Var(T) = sum_i,j x_i x_j (exp(sigma_b,i sigma_b,j) - 1)
                + sum_i x_i^2 (exp(sigma_a,i^2 + sigma_b,i^2) - exp(sigma_b,i^2)).
   Records with the same scores have the same sigmas, so only a group's sum of t (the double
   sum runs over groups) and sum of t^2 enter: the store reads grouped sums, never the
   records. Factors add variances (independent). Raising any score never lowers Var(T).
4. The total, of mean M and variance V, is given the lognormal with the same two moments
   (Fenton-Wilkinson): s^2 = ln(1 + V/M^2); its 95% interval is
   M exp(-s^2/2 -/+ 1.96 s), skewed upwards as a sum of lognormal errors is.

Records treated as independent where in truth they are not (two factors from one publisher's
method, say) narrow the interval; sharing one error per factor is the main guard against the
far narrower interval full independence of records would give.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

CONFIDENCE = 0.95
Z = NormalDist().inv_cdf(0.5 + CONFIDENCE / 2)  # 1.959963984540054

# The five indicators of the GHG Protocol Scope 3 Standard (the activity file's dq_* columns),
# in the order the groups carry their scores, with the pedigree matrix's name for each.
INDICATORS = ("reliability", "completeness", "time", "geography", "technology")
PEDIGREE_NAMES = {
    "reliability": "reliability",
    "completeness": "completeness",
    "time": "temporal correlation",
    "geography": "geographical correlation",
    "technology": "further technological correlation",
}
# Uncertainty factors (contributing to the square of the geometric standard deviation) by score
# 1..5: the ecoinvent data quality guideline's pedigree table (Weidema et al. 2013, which gives
# them as variances of the log, (ln U)^2 / 4: 0.0006 for 1.05, 0.002 for 1.10, 0.008 for 1.20,
# 0.04 for 1.50, 0.12 for 2.00). They build on the ecoinvent 2 table (Frischknecht et al.
# 2007), which had a sixth indicator, sample size, that ecoinvent 3 left out.
FACTORS: dict[str, tuple[float, float, float, float, float]] = {
    "reliability": (1.00, 1.05, 1.10, 1.20, 1.50),
    "completeness": (1.00, 1.02, 1.05, 1.10, 1.20),
    "time": (1.00, 1.03, 1.10, 1.20, 1.50),
    "geography": (1.00, 1.01, 1.02, 1.05, 1.10),
    "technology": (1.00, 1.05, 1.20, 1.50, 2.00),
}
# Basic uncertainty, one for every record: ecoinvent's factor for demands of energy, materials
# and services and for CO2 from combustion. Per-method basic factors (2.0 for transport
# services, say) would make distance-based travel look less certain than spend-based
# purchases; the pedigree scores already carry the difference between methods.
BASIC_FACTOR = 1.05
# Indicators whose error belongs to the record's own data (independent per record); the others
# describe the emission factor's fit and go with the basic uncertainty (shared by the records
# using the factor).
RECORD_INDICATORS = ("reliability", "completeness")
FACTOR_INDICATORS = ("time", "geography", "technology")

METHOD = (
    "Pedigree-matrix uncertainty factors (ecoinvent data quality guideline) from each record's"
    " five data-quality scores, propagated analytically: lognormal errors, one per record for"
    " its own data and one per emission factor for the factor's fit, combined through their"
    " means, variances and covariances; each total is given the lognormal with the same mean"
    " and variance."
)
ASSUMPTIONS = (
    "Each reported figure is the expected value of its record's emissions.",
    "Reliability and completeness describe the record's own data: these errors are"
    " independent from record to record.",
    "Time, geography and technology describe how well the emission factor fits the activity;"
    " with a basic uncertainty factor of 1.05 for the factor's own spread, this error is the"
    " factor's: the records using the same factor share it, each scaled by its own scores"
    " (fully correlated); different factors are independent.",
    "A score the record does not give takes the record's mean score rounded up (the"
    " calculation method's default score when it gives none).",
    "Scope 2 and Scope 3 market-based figures carry the same relative uncertainty as the"
    " location-based ones of the same records.",
    "Uncertainty of global warming potentials, of the boundary and of records not reported is"
    " not included.",
)
SOURCES = (
    "Weidema, B. P. and Wesnaes, M. S. (1996), Data quality management for life cycle"
    " inventories: an example of using data quality indicators, Journal of Cleaner"
    " Production 4(3-4), 167-174.",
    "Frischknecht, R. et al. (2007), Overview and Methodology, ecoinvent report No. 1,"
    " Swiss Centre for Life Cycle Inventories, Dübendorf.",
    "Weidema, B. P. et al. (2013), Overview and methodology. Data quality guideline for the"
    " ecoinvent database version 3, ecoinvent Report 1 (v3), the ecoinvent Centre, St. Gallen.",
)

# The figures estimated: (key, label, scopes, basis). Keys are the inventory's own.
FIGURES: tuple[tuple[str, str, tuple[int, ...], str | None], ...] = (
    ("scope1", "Scope 1", (1,), None),
    ("scope2_location", "Scope 2 (location-based)", (2,), "location"),
    ("scope2_market", "Scope 2 (market-based)", (2,), "market"),
    ("scope3", "Scope 3 (location-based)", (3,), "location"),
    ("scope3_market", "Scope 3 (market-based)", (3,), "market"),
    ("total_location", "Total (location-based)", (1, 2, 3), "location"),
    ("total_market", "Total (market-based)", (1, 2, 3), "market"),
)


@dataclass(frozen=True, slots=True)
class Group:
    """Records of one scope that used one emission factor and carry the same five scores:
    how many, the sum of their t CO2e and of its squares, location- and market-based."""

    scope: int
    factor_set: str
    factor_id: str
    scores: tuple[int, int, int, int, int]  # in INDICATORS order, each 1..5
    records: int
    t: float
    t2: float
    t_market: float
    t2_market: float

    def __post_init__(self) -> None:
        if len(self.scores) != len(INDICATORS) or any(
            not isinstance(s, int) or not 1 <= s <= 5 for s in self.scores
        ):
            raise ValueError(
                f"data-quality scores must be five whole numbers 1-5, not {self.scores!r}"
                f" (factor {self.factor_id})"
            )


@dataclass(frozen=True, slots=True)
class Interval:
    """A figure's central value (the reported figure), its 95% interval and standard deviation;
    low and high are None when the figure is not positive (no lognormal to fit)."""

    central: float
    sd: float
    low: float | None
    high: float | None

    @property
    def minus_pct(self) -> float | None:
        if self.low is None or self.central <= 0:
            return None
        return 100.0 * (1.0 - self.low / self.central)

    @property
    def plus_pct(self) -> float | None:
        if self.high is None or self.central <= 0:
            return None
        return 100.0 * (self.high / self.central - 1.0)


def log_variance(scores: Sequence[int], which: Iterable[str], basic: bool = False) -> float:
    """sigma^2 of ln(multiplier) from the scores of the indicators `which` (and the basic
    uncertainty): the sum of (ln U)^2 / 4, U the factor of each score."""
    total = math.log(BASIC_FACTOR) ** 2 if basic else 0.0
    for name in which:
        total += math.log(FACTORS[name][scores[INDICATORS.index(name)] - 1]) ** 2
    return total / 4.0


def gsd2(scores: Sequence[int]) -> float:
    """The record's GSD^2 with every indicator and the basic uncertainty, as the pedigree
    approach states it: exp(sqrt(sum (ln U)^2))."""
    return math.exp(2.0 * math.sqrt(log_variance(scores, INDICATORS, basic=True)))


def interval(groups: Iterable[Group], scopes: Iterable[int], market: bool = False) -> Interval:
    """The 95% interval of the sum of the groups of `scopes` (market-based figures if
    `market`), by the method of the module docstring."""
    wanted = set(scopes)
    # Per factor, per sigma_b of the fit scores: the sum of t; and per factor, the records'
    # own-error terms sum_i x_i^2 (exp(sa2 + sb2) - exp(sb2)).
    fits: dict[tuple[str, str], dict[float, float]] = {}
    own: dict[tuple[str, str], float] = {}
    mean = 0.0
    for g in groups:
        if g.scope not in wanted:
            continue
        s1, s2 = (g.t_market, g.t2_market) if market else (g.t, g.t2)
        sb2 = log_variance(g.scores, FACTOR_INDICATORS, basic=True)
        sa2 = log_variance(g.scores, RECORD_INDICATORS)
        factor = (g.factor_set, g.factor_id)
        by_fit = fits.setdefault(factor, {})
        by_fit[sb2] = by_fit.get(sb2, 0.0) + s1
        own[factor] = own.get(factor, 0.0) + s2 * math.exp(sb2) * math.expm1(sa2)
        mean += s1
    variance = sum(own.values())
    for by_fit in fits.values():
        for sb2_k, s_k in by_fit.items():
            for sb2_l, s_l in by_fit.items():
                variance += s_k * s_l * math.expm1(math.sqrt(sb2_k * sb2_l))
    sd = math.sqrt(max(variance, 0.0))
    if mean <= 0:
        return Interval(mean, sd, None, None)
    s2 = math.log1p(variance / (mean * mean))
    s = math.sqrt(s2)
    return Interval(mean, sd, mean * math.exp(-s2 / 2 - Z * s), mean * math.exp(-s2 / 2 + Z * s))


def estimate(groups: Sequence[Group]) -> dict[str, Any]:
    """The report's `uncertainty` section: each figure of FIGURES with its interval, and the
    method, assumptions, factors and sources behind them."""
    rows = []
    for key, label, scopes, basis in FIGURES:
        iv = interval(groups, scopes, market=basis == "market")
        rows.append(
            {
                "key": key,
                "label": label,
                "scopes": list(scopes),
                "basis": basis,
                "records": sum(g.records for g in groups if g.scope in scopes),
                "central_t": iv.central,
                "sd_t": iv.sd,
                "low_t": iv.low,
                "high_t": iv.high,
                "minus_pct": iv.minus_pct,
                "plus_pct": iv.plus_pct,
            }
        )
    return {
        "confidence_pct": 100.0 * CONFIDENCE,
        "method": METHOD,
        "assumptions": list(ASSUMPTIONS),
        "basic_factor": BASIC_FACTOR,
        "factors": {
            name: {"pedigree_indicator": PEDIGREE_NAMES[name], "by_score": list(FACTORS[name])}
            for name in INDICATORS
        },
        "shared_by_factor": list(FACTOR_INDICATORS),
        "independent_per_record": list(RECORD_INDICATORS),
        "sources": list(SOURCES),
        "records": sum(g.records for g in groups),
        "groups": len(groups),
        "figures": rows,
    }
