"""The limits of `model/limits.py` as SQL expressions, for checking a staged file set-wise.

Where it sits: store, used by the activity import's checks (`store/activity_checks.py`). Each
function returns a SQL expression over the expressions it is given (column references built by
the caller from the format's own names, never from a file's text), giving NULL for an accepted
value or the refusal the Python rule of `model/limits.py` gives, worded the same way (a test
holds the two to each other on generated input).
"""

from __future__ import annotations

from collections.abc import Iterable

from zerotrail.model.limits import (
    CONTROL_DESCRIPTION,
    CONTROL_RANGES,
    EXPONENT_CAP,
    FIRST_DATE,
    LAST_DATE,
    MAX_DECIMAL_PLACES,
    MAX_ID_LENGTH,
    MAX_QUANTITY,
    MAX_SIGNIFICANT_DIGITS,
    NUMBER_EXAMPLE,
    NUMBER_PATTERN,
    range_text,
)
from zerotrail.store.sql import sql_text

_CONTROL_SQL = "[" + "".join(f"\\x{{{a:04x}}}-\\x{{{b:04x}}}" for a, b in CONTROL_RANGES) + "]"


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
        f"(CASE WHEN length({mag}) > 6 THEN {EXPONENT_CAP} ELSE CAST('0' || {mag} AS BIGINT) END"
        f" * CASE WHEN starts_with({exp_text}, '-') THEN -1 ELSE 1 END)"
    )
    run = f"({mant} || {frac})"
    sig = f"length(trim({run}, '0'))"
    places = (
        f"(CASE WHEN {sig} = 0 THEN 0 ELSE greatest(0, length(rtrim({run}, '0'))"
        f" - length({mant}) - {exp}) END)"
    )
    value = f"TRY_CAST({raw} AS DOUBLE)"
    rng = sql_text(range_text(low, high))
    slow = f"""CASE
        WHEN NOT regexp_full_match({raw}, '{NUMBER_PATTERN}')
            THEN 'not a number: ''' || {raw} || ''' (expected {NUMBER_EXAMPLE})'
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
