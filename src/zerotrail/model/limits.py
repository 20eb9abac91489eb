"""The limits every imported value keeps: ranges, digits, dates, lengths and characters.

Where it sits: model, below everything that reads or checks a value. The importers apply these
rules: small files (entities, sites, credits, ...) in Python through `ingest/rows.py`, activity
files in SQL through the expressions of `store/value_checks.py`, which word each refusal the
same way (a test holds the two to each other on generated input); factors, targets and the CLI
use the same constants. docs/formats.md ("Limits") lists every constant below; a test checks
that each value appears there. Pure values and functions: nothing here reads or writes.

Why these numbers:

- Amounts (quantities, MWh, tonnes, meter readings, metric and index values, costs, shares)
  are decimals of at most 15 significant digits and 9 decimal places, of magnitude at most
  10^15. Such a decimal comes back exactly from the binary double it is stored as; its
  canonical ledger text (9 decimal places, ledger/canonical.py) is the same in Python and in
  the database (far beyond, from about 1e28, they part), no two accepted decimals share one,
  and below 2^23 it is the decimal as written.
- Factor values are kg of gas per unit: the shipped library spans 2e-9 to 94,600 with up to 15
  significant digits; the range below leaves room for any real factor (SF6 per tonne is about
  2.4e7) and refuses the absurd (1e300) and what would vanish in a double (1e-400).
- Dates 1900-01-01 to 2100-12-31, written YYYY-MM-DD; years 1990 to 2100 (reporting, vintage
  and target years).
- Ids and codes at most 128 characters, free text at most 1,000, neither with a control
  character: they are echoed in terminals, reports, PDFs and spreadsheets.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

# --- numbers -----------------------------------------------------------------------------------

MAX_QUANTITY = 10**15  # |amount| for every quantity and amount
MAX_SIGNIFICANT_DIGITS = 15
MAX_DECIMAL_PLACES = 9
MAX_FACTOR_EXPONENT = 9  # largest factor value: 10^9 kg of gas per unit
MAX_FACTOR_VALUE = 10**MAX_FACTOR_EXPONENT
MIN_FACTOR_EXPONENT = -15  # smallest non-zero factor value: 10^-15 kg per unit
MIN_FACTOR_VALUE = Decimal(10) ** MIN_FACTOR_EXPONENT
FACTOR_RANGE_TEXT = f"0, or 10^{MIN_FACTOR_EXPONENT} to 10^{MAX_FACTOR_EXPONENT} kg of gas per unit"
MAX_HEAT_CONTENT = 10**9  # energy per unit of fuel, in the factor's heat-content unit
MAX_PERCENT = 100  # shares and percentages: 0..100

# ASCII digits only: Python's \d also matches other scripts' digits.
NUMBER_PATTERN = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?"
_NUMBER = re.compile(NUMBER_PATTERN)
_PARTS = re.compile(r"[+-]?([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?")
WHOLE_PATTERN = r"[+-]?[0-9]+(\.0*)?"
_WHOLE = re.compile(WHOLE_PATTERN)
# An exponent beyond this is as good as infinite (and Python refuses int() of huge digit runs).
EXPONENT_CAP = 1_000_000
NUMBER_EXAMPLE = "a decimal number such as 12.5 or 1.25e3"


def bound_text(x: int | float | Decimal) -> str:
    """A limit as the docs write it: 10^15, -10^15, 100, 0."""
    d = Decimal(str(x))
    if d != 0 and abs(d) >= 10**6:
        exp = abs(d).adjusted()
        if abs(d) == Decimal(10) ** exp:
            return f"{'-' if d < 0 else ''}10^{exp}"
    return format(d.normalize(), "f") if d == d.to_integral_value() else format(d, "f")


def range_text(
    low: int | float | Decimal | None,
    high: int | float | Decimal | None,
    *,
    positive: bool = False,
) -> str:
    """The accepted range as refusals word it: `-10^15..10^15` unless narrowed; for a column
    that must be positive, `more than 0, at most 10^15`."""
    hi = bound_text(high) if high is not None else bound_text(MAX_QUANTITY)
    if positive:
        return f"more than 0, at most {hi}"
    lo = bound_text(low) if low is not None else bound_text(-MAX_QUANTITY)
    return f"{lo}..{hi}"


def digits(text: str) -> tuple[int, int] | None:
    """(significant digits, decimal places) of a decimal written as `text`, or None when it is
    not one. Leading and trailing zeros are not significant; places count after the exponent
    is applied (1.25e1 has one), capped near a million for absurd exponents."""
    m = _PARTS.fullmatch(text)
    if m is None or not _NUMBER.fullmatch(text):
        return None
    whole, frac, exp = m.group(1), m.group(2) or "", m.group(3)
    e = 0
    if exp:
        mag = exp.lstrip("+-").lstrip("0")
        e = EXPONENT_CAP if len(mag) > 6 else int(mag or "0")
        if exp.startswith("-"):
            e = -e
    run = whole + frac
    sig = len(run.strip("0"))
    places = 0 if sig == 0 else max(0, len(run.rstrip("0")) - len(whole) - e)
    return sig, places


def number_problem(
    text: str,
    *,
    low: int | float | Decimal | None = None,
    high: int | float | Decimal | None = None,
    places: int | None = MAX_DECIMAL_PLACES,
    positive: bool = False,
) -> str | None:
    """Why `text` is not an accepted amount (see the module docstring), or None.

    `low`/`high` narrow the default range -10^15..10^15; `positive` accepts only amounts above
    0 (0 and -0 refused), up to `high`; `places` None lifts the decimal-place limit (factor
    values). The message echoes the text and states the range the column really accepts; the
    SQL of `store/value_checks.py` (`number_problem_sql`) words the same refusal the same way.
    """
    found = digits(text)
    if found is None:
        return f"not a number: '{text}' (expected {NUMBER_EXAMPLE})"
    sig, dp = found
    if sig > MAX_SIGNIFICANT_DIGITS:
        return (
            f"'{text}' has {sig} significant digits"
            f" (at most {MAX_SIGNIFICANT_DIGITS} are kept exactly)"
        )
    if places is not None and dp > places:
        return f"'{text}' has more than {places} decimal places (at most {places})"
    value = Decimal(text)
    lo = Decimal(-MAX_QUANTITY) if low is None else Decimal(str(low))
    hi = Decimal(MAX_QUANTITY) if high is None else Decimal(str(high))
    if positive and value <= 0:
        return f"'{text}' is not positive (expected {range_text(low, high, positive=True)})"
    if value < lo or value > hi:
        return f"'{text}' is out of range (expected {range_text(low, high, positive=positive)})"
    return None


def parse_amount(
    text: str,
    *,
    low: int | float | Decimal | None = None,
    high: int | float | Decimal | None = None,
    places: int | None = MAX_DECIMAL_PLACES,
    positive: bool = False,
) -> tuple[float | None, str | None]:
    """An accepted amount as a float (exact to its 15 digits), or a problem message."""
    why = number_problem(text, low=low, high=high, places=places, positive=positive)
    if why:
        return None, why
    return float(Decimal(text)), None


def float_problem(
    value: float,
    *,
    low: int | float | Decimal | None = None,
    high: int | float | Decimal | None = None,
) -> str | None:
    """`number_problem` for a number that arrives as a binary float (TOML): its shortest text."""
    if value != value or value in (float("inf"), float("-inf")):
        return f"not a finite number: {value!r}"
    text = repr(value)
    return number_problem(text, low=low, high=high)


def parse_whole(text: str, low: int, high: int) -> int | None:
    """The whole number `text` (3 or 3.0, never 2.5) when within low..high, else None."""
    if not _WHOLE.fullmatch(text):
        return None
    n = int(text.split(".", 1)[0])
    return n if low <= n <= high else None


# --- dates and years ---------------------------------------------------------------------------

FIRST_DATE = date(1900, 1, 1)
LAST_DATE = date(2100, 12, 31)
FIRST_YEAR, LAST_YEAR = 1990, 2100  # reporting, vintage, base and target years
DATE_PATTERN = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_DATE = re.compile(DATE_PATTERN)


def date_problem(text: str) -> tuple[date | None, str | None]:
    """An ISO date YYYY-MM-DD within FIRST_DATE..LAST_DATE, or why not."""
    if _DATE.fullmatch(text):
        try:
            d = date.fromisoformat(text)
        except ValueError:
            d = None
        if d is not None:
            if not FIRST_DATE <= d <= LAST_DATE:
                return None, (
                    f"{d.isoformat()} is outside the accepted dates"
                    f" {FIRST_DATE.isoformat()}..{LAST_DATE.isoformat()}"
                )
            return d, None
    return None, f"not an ISO date (expected YYYY-MM-DD, without a time of day): '{text}'"


# --- text --------------------------------------------------------------------------------------

MAX_ID_LENGTH = 128  # ids, codes and every other short field
MAX_TEXT_LENGTH = 1000  # names, notes, descriptions and other free text
# Control characters C0 (U+0000-U+001F, with tab, line feed and carriage return), DEL and C1
# (U+007F-U+009F), the line and paragraph separators U+2028/U+2029, and the bidirectional
# controls that reorder what a reader sees (U+061C, U+200E, U+200F, U+202A-U+202E,
# U+2066-U+2069). Zero-width joiners stay allowed: scripts such as Persian need them.
CONTROL_RANGES = (
    (0x00, 0x1F),
    (0x7F, 0x9F),
    (0x061C, 0x061C),
    (0x200E, 0x200F),
    (0x2028, 0x202E),
    (0x2066, 0x2069),
)
CONTROL_DESCRIPTION = (
    "tabs, line breaks, U+0000-U+001F, U+007F-U+009F, U+2028/U+2029 and bidirectional"
    " controls are refused"
)
_CONTROL = re.compile("[" + "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in CONTROL_RANGES) + "]")
# A lone surrogate is no character: it is how Python carries bytes that were not UTF-8 (a
# command-line argument in another encoding, say), and no database can store it as text.
_SURROGATE = re.compile("[\ud800-\udfff]")


def text_problem(value: str, limit: int = MAX_ID_LENGTH) -> str | None:
    """Why `value` may not be stored as text (a control character, or too long), or None."""
    m = _CONTROL.search(value)
    if m is not None:
        return (
            f"contains the control character U+{ord(m.group()):04X} at position"
            f" {m.start() + 1} ({CONTROL_DESCRIPTION})"
        )
    m = _SURROGATE.search(value)
    if m is not None:
        return f"is not valid UTF-8 text (an undecodable byte at position {m.start() + 1})"
    if len(value) > limit:
        return f"is {len(value)} characters long (at most {limit})"
    return None
