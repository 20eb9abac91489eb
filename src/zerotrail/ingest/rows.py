"""Field parsers for small files: each returns (value, problem message or None)."""

from __future__ import annotations

import math
from datetime import date

YES = {"yes", "y", "true", "1"}
FIRST_YEAR, LAST_YEAR = 1990, 2100  # plausible reporting, vintage and target years
NO = {"no", "n", "false", "0"}


def parse_date(text: str) -> tuple[date | None, str | None]:
    try:
        return date.fromisoformat(text), None
    except ValueError:
        return None, f"not an ISO date (expected YYYY-MM-DD): '{text}'"


def parse_number(
    text: str, *, low: float | None = None, high: float | None = None
) -> tuple[float | None, str | None]:
    try:
        value = float(text)
    except ValueError:
        return None, f"not a number: '{text}'"
    if not math.isfinite(value):
        return None, f"not a finite number: '{text}'"
    if (low is not None and value < low) or (high is not None and value > high):
        lo = "" if low is None else f"{low:g}"
        hi = "" if high is None else f"{high:g}"
        return None, f"{value:g} is out of range (expected {lo}..{hi})"
    return value, None


def parse_bool(text: str) -> tuple[bool | None, str | None]:
    t = text.strip().lower()
    if t in YES:
        return True, None
    if t in NO:
        return False, None
    return None, f"expected yes or no, not '{text}'"


def parse_year(text: str) -> tuple[int | None, str | None]:
    """A calendar year FIRST_YEAR..LAST_YEAR written as an integer (XLSX may give '2023')."""
    t = text.strip()
    if t.isdigit() and FIRST_YEAR <= int(t) <= LAST_YEAR:
        return int(t), None
    return None, f"expected a year between {FIRST_YEAR} and {LAST_YEAR}, not '{text}'"
