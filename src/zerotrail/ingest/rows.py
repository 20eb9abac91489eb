"""Field parsers for small files: each returns (value, problem message or None).

The limits they enforce (digits, ranges, dates, years) are the constants of `ingest/limits.py`,
documented in docs/formats.md ("Limits").
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from zerotrail.ingest.limits import (
    FIRST_YEAR,
    LAST_YEAR,
    date_problem,
    parse_amount,
    parse_whole,
)

__all__ = [
    "FIRST_YEAR",
    "LAST_YEAR",
    "parse_bool",
    "parse_date",
    "parse_int",
    "parse_number",
    "parse_year",
]

YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0"}


def parse_date(text: str) -> tuple[date | None, str | None]:
    """An ISO date YYYY-MM-DD within the accepted dates (1900-01-01..2100-12-31)."""
    return date_problem(text)


def parse_number(
    text: str, *, low: float | Decimal | None = None, high: float | Decimal | None = None
) -> tuple[float | None, str | None]:
    """An amount: a decimal of at most 15 significant digits and 9 decimal places, within
    low..high (by default, and never beyond, -10^15..10^15)."""
    return parse_amount(text, low=low, high=high)


def parse_int(text: str, low: int, high: int, what: str) -> tuple[int | None, str | None]:
    """A whole number low..high (3 or 3.0; 2.5 is refused, never rounded)."""
    n = parse_whole(text, low, high)
    if n is None:
        return None, f"expected {what}, a whole number {low}-{high}, not '{text}'"
    return n, None


def parse_bool(text: str) -> tuple[bool | None, str | None]:
    t = text.strip().lower()
    if t in YES:
        return True, None
    if t in NO:
        return False, None
    return None, f"expected yes or no, not '{text}'"


def parse_year(text: str) -> tuple[int | None, str | None]:
    """A calendar year FIRST_YEAR..LAST_YEAR written as a whole number (XLSX may give '2023')."""
    n = parse_whole(text.strip(), FIRST_YEAR, LAST_YEAR)
    if n is None:
        return None, f"expected a year between {FIRST_YEAR} and {LAST_YEAR}, not '{text}'"
    return n, None
