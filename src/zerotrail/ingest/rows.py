"""Field parsers for small files: each returns (value, problem message or None); and the text
screen every small file passes first.

The limits they enforce (digits, ranges, dates, years, lengths, characters) are the rules of
`model/limits.py`, documented in docs/formats.md ("Limits").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal

from zerotrail.errors import Problem
from zerotrail.model.limits import (
    FIRST_YEAR,
    LAST_YEAR,
    MAX_ID_LENGTH,
    MAX_TEXT_LENGTH,
    date_problem,
    parse_amount,
    parse_whole,
    text_problem,
)

__all__ = [
    "FIRST_YEAR",
    "LAST_YEAR",
    "parse_bool",
    "parse_date",
    "parse_int",
    "parse_number",
    "parse_year",
    "screen_rows",
]

YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0"}


def parse_date(text: str) -> tuple[date | None, str | None]:
    """An ISO date YYYY-MM-DD within the accepted dates (1900-01-01..2100-12-31)."""
    return date_problem(text)


def parse_number(
    text: str,
    *,
    low: float | Decimal | None = None,
    high: float | Decimal | None = None,
    positive: bool = False,
) -> tuple[float | None, str | None]:
    """An amount: a decimal of at most 15 significant digits and 9 decimal places, within
    low..high (by default, and never beyond, -10^15..10^15); above 0 if `positive`."""
    return parse_amount(text, low=low, high=high, positive=positive)


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


def screen_rows(
    source: str,
    rows: Iterable[tuple[int, Mapping[str, str]]],
    free_text: Iterable[str] = (),
) -> list[Problem]:
    """Every cell of a small file that may not be stored as text: free-text columns up to
    MAX_TEXT_LENGTH, every other cell (ids, codes, numbers, dates) up to MAX_ID_LENGTH, none
    with a control character. Importers refuse a file with any of these before other checks,
    so no message ever quotes such a cell."""
    free = frozenset(free_text)
    problems = []
    for line, r in rows:
        for col, value in r.items():
            if not value:
                continue
            limit = MAX_TEXT_LENGTH if col in free else MAX_ID_LENGTH
            if why := text_problem(value, limit):
                problems.append(Problem(source, line, col, why))
    return problems
