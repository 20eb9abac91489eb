"""The report's table of flags: each flag raised in the year's run, in words, with what it covers.

Where it sits: reports, under the report stage (pipeline/publish.py), which reads the run's
tallies (`store/flag_effects.py`) and hands them here. The words come from `model/flags.py`,
the one vocabulary of flags; what this module adds is the part of an effect only the data can
say (which years' factors stood in for the reporting year's). Pure: values in, rows out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from zerotrail.model.flags import FlagTally, describe

# Flags whose effect depends on the years of the factors used (`factor_years`).
_FACTOR_YEAR_FLAGS = frozenset({"edition_year_mismatch", "pinned_outside_validity"})


def _years(years: Sequence[int]) -> str:
    text = [str(y) for y in years]
    return text[0] if len(text) == 1 else ", ".join(text[:-1]) + " and " + text[-1]


def detail(tally: FlagTally, year: int) -> str | None:
    """What the data says of the flag's effect in this run, or None when it says nothing more
    than the flag's general effect."""
    if tally.name in _FACTOR_YEAR_FLAGS and tally.factor_years:
        return f"Here: factors of {_years(tally.factor_years)} for records of {year}."
    if tally.name == "spend_not_deflated" and tally.currency_years:
        return (
            f"Here: spend of {year} on factors per unit of money of {_years(tally.currency_years)}."
        )
    return None


def flag_rows(tallies: Sequence[FlagTally], year: int) -> list[dict[str, Any]]:
    """One row per flag raised in the run (report.json `flags`), the largest location-based
    t CO2e first: its name, label, meaning and effect, its records and t CO2e (location- and
    market-based; a record with several flags counts under each)."""
    rows = []
    for t in sorted(tallies, key=lambda t: (-t.co2e_t, t.name)):
        words = describe(t.name)
        rows.append(
            {
                "flag": t.name,
                "label": words.label,
                "meaning": words.meaning,
                "effect": words.effect,
                "detail": detail(t, year),
                "records": t.records,
                "co2e_t": t.co2e_t,
                "co2e_market_t": t.co2e_market_t,
                "factor_years": list(t.factor_years),
                "currency_years": list(t.currency_years),
            }
        )
    return rows
