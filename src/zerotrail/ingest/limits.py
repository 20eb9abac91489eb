"""The limits every imported value keeps: ranges, digits, dates, lengths and characters.

Where it sits: ingest, shared by every importer. The small files (entities, sites, credits,
...) are checked in Python through `ingest/rows.py`; activity files are checked in SQL, with the
expressions built here (`*_sql`), so both sides apply the same rule and word the refusal the
same way (a test holds them to each other on generated input). docs/formats.md ("Limits") lists
every constant below; a test checks that each value appears there.

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
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal

from zerotrail.errors import Problem

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
_EXPONENT_CAP = 1_000_000
_NUMBER_EXAMPLE = "a decimal number such as 12.5 or 1.25e3"


def bound_text(x: int | float | Decimal) -> str:
    """A limit as the docs write it: 10^15, -10^15, 100, 0."""
    d = Decimal(str(x))
    if d != 0 and abs(d) >= 10**6:
        exp = abs(d).adjusted()
        if abs(d) == Decimal(10) ** exp:
            return f"{'-' if d < 0 else ''}10^{exp}"
    return format(d.normalize(), "f") if d == d.to_integral_value() else format(d, "f")


def _range_text(low: int | float | Decimal | None, high: int | float | Decimal | None) -> str:
    lo = bound_text(low) if low is not None else bound_text(-MAX_QUANTITY)
    hi = bound_text(high) if high is not None else bound_text(MAX_QUANTITY)
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
        e = _EXPONENT_CAP if len(mag) > 6 else int(mag or "0")
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
) -> str | None:
    """Why `text` is not an accepted amount (see the module docstring), or None.

    `low`/`high` narrow the default range -10^15..10^15; `places` None lifts the decimal-place
    limit (factor values). The message echoes the text; SQL (`number_problem_sql`) words the
    same refusal the same way.
    """
    found = digits(text)
    if found is None:
        return f"not a number: '{text}' (expected {_NUMBER_EXAMPLE})"
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
    if value < lo or value > hi:
        return f"'{text}' is out of range (expected {_range_text(low, high)})"
    return None


def parse_amount(
    text: str,
    *,
    low: int | float | Decimal | None = None,
    high: int | float | Decimal | None = None,
    places: int | None = MAX_DECIMAL_PLACES,
) -> tuple[float | None, str | None]:
    """An accepted amount as a float (exact to its 15 digits), or a problem message."""
    why = number_problem(text, low=low, high=high, places=places)
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


def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def number_problem_sql(
    raw: str,
    *,
    low: int | float | None = None,
    high: int | float | None = None,
    fast_path: bool = True,
) -> str:
    """A SQL expression: NULL when the text `raw` (an expression) is an accepted amount within
    low..high, else the refusal `number_problem` gives. Plain short decimals take a fast path
    (`fast_number_sql`) unless `fast_path` is False (the caller has its own)."""
    lo = -MAX_QUANTITY if low is None else low
    hi = MAX_QUANTITY if high is None else high
    mant = f"regexp_extract({raw}, '^[+-]?([0-9]*)', 1)"
    frac = f"regexp_extract({raw}, '^[+-]?[0-9]*\\.([0-9]*)', 1)"
    exp_text = f"regexp_extract({raw}, '[eE]([+-]?[0-9]+)$', 1)"
    mag = f"ltrim(ltrim({exp_text}, '+-'), '0')"
    exp = (
        f"(CASE WHEN length({mag}) > 6 THEN {_EXPONENT_CAP} ELSE CAST('0' || {mag} AS BIGINT) END"
        f" * CASE WHEN starts_with({exp_text}, '-') THEN -1 ELSE 1 END)"
    )
    run = f"({mant} || {frac})"
    sig = f"length(trim({run}, '0'))"
    places = (
        f"(CASE WHEN {sig} = 0 THEN 0 ELSE greatest(0, length(rtrim({run}, '0'))"
        f" - length({mant}) - {exp}) END)"
    )
    value = f"TRY_CAST({raw} AS DOUBLE)"
    rng = _sql_str(_range_text(low, high))
    slow = f"""CASE
        WHEN NOT regexp_full_match({raw}, '{NUMBER_PATTERN}')
            THEN 'not a number: ''' || {raw} || ''' (expected {_NUMBER_EXAMPLE})'
        WHEN {sig} > {MAX_SIGNIFICANT_DIGITS}
            THEN '''' || {raw} || ''' has ' || CAST({sig} AS VARCHAR)
                 || ' significant digits (at most {MAX_SIGNIFICANT_DIGITS} are kept exactly)'
        WHEN {places} > {MAX_DECIMAL_PLACES}
            THEN '''' || {raw} || ''' has more than {MAX_DECIMAL_PLACES} decimal places'
                 || ' (at most {MAX_DECIMAL_PLACES})'
        WHEN {value} IS NULL OR isinf({value}) OR {value} < {lo!r} OR {value} > {hi!r}
            THEN '''' || {raw} || ''' is out of range (expected ' || {rng} || ')'
        END"""
    if fast_path and low is None and high is None:
        return f"CASE WHEN {raw} IS NULL OR ({fast_number_sql(raw)}) THEN NULL ELSE {slow} END"
    return f"CASE WHEN {raw} IS NULL THEN NULL ELSE {slow} END"


def fast_number_sql(raw: str) -> str:
    """SQL: true for text that is certainly an accepted amount in the default range (up to 15
    characters of plain digits, at most 9 after the point); false says nothing."""
    return (
        f"(length({raw}) <= {MAX_SIGNIFICANT_DIGITS}"
        f" AND regexp_full_match({raw}, '[+-]?[0-9]+(\\.[0-9]{{1,{MAX_DECIMAL_PLACES}}})?'))"
    )


def fast_double_sql(x: str) -> str:
    """SQL: true exactly when the double `x` is the double of a decimal within the amount limits
    (|x| <= 10^15, 15 significant digits, 9 places), without turning it into text.

    With d integer digits a decimal may have min(9, 15 - d) places; rounding x to that many
    places gives x back exactly when x is the double of such a decimal (x * 10^k is then within
    0.5 of an integer below 10^15, which a double holds exactly)."""
    tiers = [
        f"WHEN abs({x}) < 1e{MAX_SIGNIFICANT_DIGITS - k} THEN round({x}, {k}) = {x}"
        for k in range(MAX_DECIMAL_PLACES, 0, -1)
    ]
    last = f"WHEN abs({x}) <= {MAX_QUANTITY} THEN round({x}, 0) = {x}"
    return f"(CASE {' '.join(tiers)} {last} ELSE false END)"


def double_text_sql(expr: str) -> str:
    """A SQL expression: the text of a binary double as the shortest decimal of at most 15
    significant digits that gives it back, or its 17-digit form when there is none (so the digit
    check refuses it, as the Python reader refuses the same double's repr)."""
    x = f"CAST({expr} AS DOUBLE)"
    short = f"printf('%.15g', {x})"
    return (
        f"CASE WHEN {expr} IS NULL THEN NULL WHEN isinf({x}) OR isnan({x}) THEN CAST({x} AS"
        f" VARCHAR) WHEN TRY_CAST({short} AS DOUBLE) = {x} THEN {short}"
        f" ELSE printf('%.17g', {x}) END"
    )


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


def date_bad_sql(raw: str, typed: str) -> str:
    """SQL: the refusal `date_problem` gives for `raw` (typed: the date it parsed to), or NULL."""
    return f"""CASE WHEN {typed} BETWEEN DATE '{FIRST_DATE}' AND DATE '{LAST_DATE}' THEN NULL
        WHEN {raw} IS NULL THEN NULL
        WHEN {typed} IS NULL
            THEN 'not an ISO date (expected YYYY-MM-DD, without a time of day): ''' || {raw} || ''''
        WHEN {typed} NOT BETWEEN DATE '{FIRST_DATE}' AND DATE '{LAST_DATE}'
            THEN strftime({typed}, '%Y-%m-%d') || ' is outside the accepted dates'
                 || ' {FIRST_DATE}..{LAST_DATE}'
        END"""


# --- text --------------------------------------------------------------------------------------

MAX_ID_LENGTH = 128  # ids, codes and every other short field
MAX_TEXT_LENGTH = 1000  # names, notes, descriptions and other free text
# Control characters C0 (U+0000-U+001F, with tab, line feed and carriage return), DEL and C1
# (U+007F-U+009F), the line and paragraph separators U+2028/U+2029, and the bidirectional
# controls that reorder what a reader sees (U+061C, U+200E, U+200F, U+202A-U+202E,
# U+2066-U+2069). Zero-width joiners stay allowed: scripts such as Persian need them.
_CONTROL_RANGES = (
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
_CONTROL = re.compile("[" + "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in _CONTROL_RANGES) + "]")
_CONTROL_SQL = "[" + "".join(f"\\x{{{a:04x}}}-\\x{{{b:04x}}}" for a, b in _CONTROL_RANGES) + "]"


def text_problem(value: str, limit: int = MAX_ID_LENGTH) -> str | None:
    """Why `value` may not be stored as text (a control character, or too long), or None."""
    m = _CONTROL.search(value)
    if m is not None:
        return (
            f"contains the control character U+{ord(m.group()):04X} at position"
            f" {m.start() + 1} ({CONTROL_DESCRIPTION})"
        )
    if len(value) > limit:
        return f"is {len(value)} characters long (at most {limit})"
    return None


def text_bad_sql(expr: str, limit: int = MAX_ID_LENGTH) -> str:
    """SQL: a refusal like `text_problem`'s for the text `expr`, or NULL (the database does not
    name the character)."""
    return f"""CASE WHEN {expr} IS NULL THEN NULL
        WHEN regexp_matches({expr}, '{_CONTROL_SQL}')
            THEN 'contains a control character ({CONTROL_DESCRIPTION})'
        WHEN length({expr}) > {limit}
            THEN 'is ' || CAST(length({expr}) AS VARCHAR) || ' characters long (at most {limit})'
        END"""


def text_any_sql(columns: Iterable[tuple[str, int]]) -> str:
    """SQL: true when any of the (expression, length limit) texts would be refused; one search
    for control characters over them all, the cheap way for a first pass over many rows."""
    cols = list(columns)
    joined = f"concat({', '.join(c for c, _ in cols)})"
    lengths = " OR ".join(f"length({c}) > {limit}" for c, limit in cols)
    return f"(regexp_matches({joined}, '{_CONTROL_SQL}') OR {lengths})"


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
