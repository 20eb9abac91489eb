"""Materiality: the verifier's thresholds for an engagement, in tonnes CO2e.

Part of the pure assurance layer (see `zerotrail.assurance`). The engagement states materiality
as text, overall and optionally per scope, either as a percent of the figure it applies to
("5%") or as tonnes ("1200 t"). `parse_materiality` reads that text; `thresholds` turns the
rules into tonnes against the inventory's scope totals (scope 2 location-based), adding the two
lower thresholds ISAE practice asks for: performance materiality (default 75 % of materiality;
reaching it means the plan must be revisited, ISA 450 para 6) and the clearly-trivial amount
(default 5 %; misstatements below it are counted but not accumulated, ISA 450 para 5).
The projection (`projection.py`) compares the accumulated misstatements against these.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

MaterialityUnit = Literal["percent", "t"]

SCOPES = (1, 2, 3)

# A plain decimal number, optionally signed (so "-5%" gets the "must be positive" message rather
# than a generic one), then "%" or "t". No exponents, no thousands separators: "1,200" reads as
# 1.2 in half of Europe, so it is refused rather than guessed.
# ASCII digits and spaces only: `\d` and `\s` would take other scripts' digits and spaces, which
# the engagement would then store as written.
_TEXT = re.compile(r"([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)) ?(%|t)", re.IGNORECASE)

_EXPECTED = 'expected a percent such as "5%" or tonnes CO2e such as "1200 t"'


@dataclass(frozen=True, slots=True)
class Materiality:
    """A materiality rule: `value` percent of the base figure, or `value` tonnes CO2e."""

    value: float
    unit: MaterialityUnit

    def __post_init__(self) -> None:
        if self.unit not in ("percent", "t"):
            raise ValueError(f'materiality unit {self.unit!r}: expected "percent" or "t"')
        if not math.isfinite(self.value):
            raise ValueError(f"materiality {self.value!r}: expected a finite number")
        if self.value <= 0:
            raise ValueError(f"materiality {self}: must be more than zero")
        if self.unit == "percent" and self.value > 100:
            raise ValueError(f"materiality {self}: a percent cannot exceed 100%")

    def tonnes(self, base_t: float) -> float:
        """This rule in tonnes CO2e for a figure of `base_t` tonnes (used only for percents)."""
        if not math.isfinite(base_t) or base_t < 0:
            raise ValueError(f"materiality base {base_t!r} t: expected a finite figure >= 0")
        if self.unit == "t":
            return self.value
        return base_t * self.value / 100

    def __str__(self) -> str:
        return f"{self.value:g}%" if self.unit == "percent" else f"{self.value:g} t"


def parse_materiality(text: str) -> Materiality:
    """Read "5%" / "5 %" (percent of the base) or "1200t" / "1200 t" (tonnes CO2e)."""
    match = _TEXT.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"materiality {text!r}: {_EXPECTED}")
    number, unit = match.groups()
    return Materiality(float(number), "percent" if unit == "%" else "t")


@dataclass(frozen=True, slots=True)
class Thresholds:
    """An engagement's materiality in tonnes CO2e: overall and for each scope.

    Performance materiality and the clearly-trivial amount are shares of the materiality they
    belong to. A materiality of 0 t (a scope with no emissions under a percent rule) makes every
    misstatement in it material.
    """

    overall_t: float
    scope1_t: float
    scope2_t: float
    scope3_t: float
    performance_share: float = 0.75
    trivial_share: float = 0.05

    def __post_init__(self) -> None:
        for name in ("overall_t", "scope1_t", "scope2_t", "scope3_t"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"{name} {value!r}: expected a finite number of tonnes >= 0")
        # NaN fails every comparison, so the chained check also refuses it.
        if not 0 < self.trivial_share <= self.performance_share <= 1:
            raise ValueError(
                f"clearly-trivial share {self.trivial_share!r} and performance share "
                f"{self.performance_share!r}: expected 0 < clearly trivial <= performance <= 1"
            )

    def materiality_t(self, scope: int | None = None) -> float:
        """Materiality for `scope` (1, 2 or 3), or overall when `scope` is None."""
        if scope is None:
            return self.overall_t
        if scope == 1:
            return self.scope1_t
        if scope == 2:
            return self.scope2_t
        if scope == 3:
            return self.scope3_t
        raise ValueError(f"scope {scope!r}: expected 1, 2 or 3")

    def performance_t(self, scope: int | None = None) -> float:
        """Performance materiality: reaching it means the plan must be revised (ISA 450 para 6)."""
        return self.materiality_t(scope) * self.performance_share

    def trivial_t(self, scope: int | None = None) -> float:
        """The clearly-trivial amount: a misstatement below it is counted, not accumulated."""
        return self.materiality_t(scope) * self.trivial_share


def thresholds(
    overall: Materiality,
    per_scope: Mapping[int, Materiality],
    totals_t: Mapping[int, float],
    *,
    performance_share: float = 0.75,
    trivial_share: float = 0.05,
) -> Thresholds:
    """Materiality in tonnes for an inventory whose scope totals are `totals_t`.

    `totals_t` holds t CO2e per scope (scope 2 location-based; a missing scope counts as 0 t);
    the overall base is their sum. A scope without its own rule in `per_scope` takes the overall
    rule: a percent applies to the scope's own total, tonnes are the overall tonnes.
    """
    for scope in (*per_scope, *totals_t):
        if scope not in SCOPES:
            raise ValueError(f"scope {scope!r}: expected 1, 2 or 3")
    for scope, total in totals_t.items():
        if not math.isfinite(total) or total < 0:
            raise ValueError(f"scope {scope} total {total!r} t: expected a finite figure >= 0")
    totals = {scope: float(totals_t.get(scope, 0.0)) for scope in SCOPES}
    overall_t = overall.tonnes(sum(totals.values()))
    # A tonnes rule ignores its base, so the overall rule in tonnes gives the overall tonnes.
    by_scope = {scope: per_scope.get(scope, overall).tonnes(totals[scope]) for scope in SCOPES}
    return Thresholds(
        overall_t=overall_t,
        scope1_t=by_scope[1],
        scope2_t=by_scope[2],
        scope3_t=by_scope[3],
        performance_share=performance_share,
        trivial_share=trivial_share,
    )
