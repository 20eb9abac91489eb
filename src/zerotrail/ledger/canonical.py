"""Canonical bytes of a record and the salted leaf commitment built on them.

Where this sits: the workspace commits every record it stores as a leaf of the Merkle log. The
leaf must be recomputable by anyone holding the record and its salt (the *opening*), in any
language, from any engine, so the bytes are defined here independently of how the record is
stored:

    canonical = RFC 8785 (JCS) JSON of {"kind": <kind>, <field>: <value>, ...}
                every value a string or null: text as is, integers in decimal, booleans
                "true"/"false", dates ISO 8601 (YYYY-MM-DD), timestamps ISO 8601 seconds,
                floating-point numbers as fixed-scale decimals with 9 digits after the point
                (the exact binary value rounded half-to-even; never "-0")
    leaf data = b"zerotrail:leaf:v1" || 0x00 || salt (32 random bytes) || canonical
    leaf hash = SHA-256(0x00 || leaf data)                 (RFC 6962 leaf hash)

With only strings and null as values, JCS reduces to: keys sorted, no whitespace, strings
escaped as JSON requires (quote, backslash and control characters; `\\b \\f \\n \\r \\t` short
forms, others `\\u00xx` in lower-case hex), everything else literal UTF-8. docs/ledger.md
gives a worked example that a test checks byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Context, Decimal

LEAF_TAG = b"zerotrail:leaf:v1\x00"
SALT_BYTES = 32
_SCALE = Decimal(1).scaleb(-9)
# Enough digits for any double's integer part plus the 9 decimals (max double ~1.8e308).
_CONTEXT = Context(prec=330, rounding=ROUND_HALF_EVEN)


def decimal_text(x: float | Decimal) -> str:
    """A number as a fixed-scale decimal string (9 places), independent of any engine."""
    if isinstance(x, float):
        if not math.isfinite(x):
            raise ValueError(f"{x!r} has no canonical decimal form")
        # CPython formats floats correctly rounded from their exact binary value (half to
        # even), so this equals the Decimal computation below, at a fraction of the cost.
        text = format(x, ".9f")
    else:
        text = format(x.quantize(_SCALE, context=_CONTEXT), "f")
    return text[1:] if text.startswith("-") and not text.strip("-0.") else text


def value_text(v: object) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float | Decimal):
        return decimal_text(v)
    if isinstance(v, datetime):
        return v.isoformat(timespec="seconds")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, str):
        return v
    raise TypeError(f"no canonical form for {type(v).__name__}")


def canonical_bytes(kind: str, fields: Mapping[str, object]) -> bytes:
    """The canonical serialization of one record (see the module docstring)."""
    obj = {"kind": kind, **{k: value_text(v) for k, v in fields.items()}}
    if len(obj) != len(fields) + 1:
        raise ValueError("a record may not have a field named 'kind'")
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def leaf_data(salt: bytes, canonical: bytes) -> bytes:
    if len(salt) != SALT_BYTES:
        raise ValueError(f"a salt is {SALT_BYTES} bytes")
    return LEAF_TAG + salt + canonical


def commitment(salt: bytes, canonical: bytes) -> bytes:
    """The RFC 6962 leaf hash of the salted record."""
    return hashlib.sha256(b"\x00" + leaf_data(salt, canonical)).digest()


def commitments(salts: Sequence[bytes], canonicals: Sequence[bytes]) -> list[bytes]:
    """`commitment` of each (salt, canonical) pair, at the lowest cost per record Python allows
    (OpenSSL's SHA-256 through hashlib; a database's own SHA-256 is several times slower)."""
    if len(salts) != len(canonicals):
        raise ValueError("one salt per record")
    if any(len(s) != SALT_BYTES for s in salts):
        raise ValueError(f"a salt is {SALT_BYTES} bytes")
    prefix = b"\x00" + LEAF_TAG
    sha256 = hashlib.sha256
    return [sha256(prefix + s + c).digest() for s, c in zip(salts, canonicals, strict=True)]


def new_salts(n: int) -> list[bytes]:
    """n fresh salts from the operating system's CSPRNG, in one read."""
    blob = os.urandom(SALT_BYTES * n)
    return [blob[i : i + SALT_BYTES] for i in range(0, len(blob), SALT_BYTES)]


# --- the same bytes, computed by the database -----------------------------------------------
#
# Committing 10^7 records a row at a time in Python costs minutes; the database builds the
# same canonical text column-wise. Tests hold the two to each other byte for byte. Limits:
# DuckDB's printf agrees with the exact decimal expansion below about 1e28 in magnitude (they
# part beyond); imports refuse any amount over 10^15 (model/limits.py), and a property test
# covers every accepted value. Text escaping follows DuckDB's `to_json`, corrected to JCS's
# lower-case `\u00xx`.

# DuckDB writes these control characters as upper-case \u escapes; JCS wants lower case.
_UPPER_ESCAPES = ("000B", "000E", "000F", "001A", "001B", "001C", "001D", "001E", "001F")
SQL_TYPES = ("text", "int", "date", "decimal", "bool", "timestamp")


def _postgres_value(expr: str, sql_type: str) -> str | None:
    """PostgreSQL's rendering where it differs from DuckDB's: through the functions
    store/postgres_functions.py installs (PostgreSQL has no printf)."""
    if sql_type == "text":
        return f"zt_json_text(CAST({expr} AS VARCHAR))"
    if sql_type == "decimal":
        inner = f"zt_decimal9(CAST({expr} AS DOUBLE))"
    elif sql_type == "date":
        inner = f"to_char({expr}, 'YYYY-MM-DD')"
    elif sql_type == "timestamp":
        inner = f"""to_char({expr}, 'YYYY-MM-DD"T"HH24:MI:SS')"""
    else:
        return None
    return _quoted(expr, inner)


# Spark SQL's decimal text of a double, exact (`_spark_decimal`): 2^84 and 2^42, as a double
# literal, a decimal literal and a whole number.
_TWO_84 = 2**84
_TWO_42 = 2**42
# The control characters JSON escapes, and how (JCS: the short forms, else \u00xx lower case).
_JSON_ESCAPES = {8: "\\b", 9: "\\t", 10: "\\n", 12: "\\f", 13: "\\r"}


def _spark_literal(text: str) -> str:
    """`text` as a Spark SQL string literal (backslash is an escape in Spark's literals)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


# A quote, a backslash or a control character: a Spark string holding none is written as is.
_JSON_SPECIAL = r'[\x00-\x1f"\\]'
_TIMESTAMP_FORMAT = "yyyy-MM-dd'T'HH:mm:ss"


def _spark_json_text(expr: str) -> str:
    """The JSON string of the Spark string `expr` (not NULL), quotes included. Only a string
    holding a quote, a backslash or a control character is rewritten."""
    lit = _spark_literal
    backslash, quote = "\\", '"'
    out = f"replace({expr}, {lit(backslash)}, {lit(backslash * 2)})"
    out = f"replace({out}, {lit(quote)}, {lit(backslash + quote)})"
    for code in range(32):
        escape = _JSON_ESCAPES.get(code, f"{backslash}u{code:04x}")
        out = f"replace({out}, chr({code}), {lit(escape)})"
    needs = f"{expr} RLIKE {lit(_JSON_SPECIAL)}"
    return f"concat('\"', CASE WHEN {needs} THEN {out} ELSE {expr} END, '\"')"


def _spark_decimal(x: str) -> str:
    """Spark SQL giving `decimal_text` of the double `x` (not NULL, finite, |x| < 2^63): the
    exact binary value rounded half to even to 9 places, never "-0".

    Spark's own casts and `format_string` start from the shortest decimal that reads back as
    the double, not from its exact value, and round half up, so they part from Python's %.9f
    on ties and near-ties. Here only exact steps are taken: the whole part is `floor` (a
    double's integer part is exact below 2^63); the fraction f (exact: a - floor(a)) times 2^84
    is a whole number below 2^84 whenever f >= 2^-32, split into two halves below 2^42 that a
    cast to BIGINT takes exactly; N = f * 2^84 * 10^9 is then exact in DECIMAL(38,0), and
    N div 2^84 with its remainder rounds half to even. A fraction under 2^-32 (< 0.233e-9)
    rounds to 0 whatever its low bits, which the split then drops."""
    a = f"abs({x})"
    whole = f"floor({a})"
    frac = f"({a} - CAST({whole} AS DOUBLE))"
    scaled = f"({frac} * {_TWO_84}D)"
    hi = f"floor({scaled} / {_TWO_42}D)"
    lo = f"CAST({scaled} - CAST({hi} AS DOUBLE) * {_TWO_42}D AS BIGINT)"
    big = f"((CAST({hi} AS DECIMAL(20,0)) * {_TWO_42} + CAST({lo} AS DECIMAL(20,0))) * 1000000000)"
    q = f"({big} div {_TWO_84}BD)"
    twice_r = f"(2 * ({big} - {q} * {_TWO_84}BD))"
    tie = f"({twice_r} = {_TWO_84}BD AND {q} % 2 = 1)"
    up = f"CASE WHEN {twice_r} > {_TWO_84}BD OR {tie} THEN 1 ELSE 0 END"
    nanos = f"({q} + {up})"
    carry = f"CASE WHEN {nanos} = 1000000000 THEN 1 ELSE 0 END"
    int_part = f"({whole} + {carry})"
    frac_part = f"({nanos} - {carry} * 1000000000)"
    digits = f"lpad(CAST({frac_part} AS STRING), 9, '0')"
    sign = f"CASE WHEN {x} < 0 AND ({int_part} > 0 OR {frac_part} > 0) THEN '-' ELSE '' END"
    return f"concat({sign}, CAST({int_part} AS STRING), '.', {digits})"


# The text of a non-NULL int, bool, date or timestamp, per dialect ({e}: the expression).
_SCALARS = {
    "duckdb": {
        "int": "CAST({e} AS VARCHAR)",
        "bool": "CASE WHEN {e} THEN 'true' ELSE 'false' END",
        "date": "strftime({e}, '%Y-%m-%d')",
        "timestamp": "strftime({e}, '%Y-%m-%dT%H:%M:%S')",
    },
    "spark": {
        "int": "CAST({e} AS STRING)",
        "bool": "CASE WHEN {e} THEN 'true' ELSE 'false' END",
        "date": "date_format({e}, 'yyyy-MM-dd')",
        "timestamp": "date_format({e}, " + _spark_literal(_TIMESTAMP_FORMAT) + ")",
    },
}


def _quoted(expr: str, inner: str) -> str:
    """'null' for NULL, else the JSON string of `inner` (text needing no escapes)."""
    return f"""CASE WHEN {expr} IS NULL THEN 'null' ELSE concat('"', {inner}, '"') END"""


def _scalar(expr: str, sql_type: str, dialect: str) -> str:
    template = _SCALARS[dialect].get(sql_type)
    if template is None:
        raise ValueError(f"unknown canonical type {sql_type!r}")
    return _quoted(expr, template.format(e=expr))


def _spark_value(expr: str, sql_type: str) -> str:
    """Spark SQL's rendering of one field (concat of Spark strings; see `_sql_value`)."""
    if sql_type == "text":
        inner = _spark_json_text(f"CAST({expr} AS STRING)")
        return f"CASE WHEN {expr} IS NULL THEN 'null' ELSE {inner} END"
    if sql_type == "decimal":
        return _quoted(expr, _spark_decimal(f"CAST({expr} AS DOUBLE)"))
    return _scalar(expr, sql_type, "spark")


def _sql_value(expr: str, sql_type: str, dialect: str = "duckdb") -> str:
    if dialect == "spark":
        return _spark_value(expr, sql_type)
    if dialect == "postgres":
        special = _postgres_value(expr, sql_type)
        if special is not None:
            return special
    if sql_type == "text":
        j = f"CAST(to_json(CAST({expr} AS VARCHAR)) AS VARCHAR)"
        fixed = j
        for esc in _UPPER_ESCAPES:
            fixed = f"replace({fixed}, '\\u{esc}', '\\u{esc.lower()}')"
        # Only strings with control characters carry \u00 escapes: skip the fix for the rest.
        return (
            f"CASE WHEN {expr} IS NULL THEN 'null' "
            f"WHEN NOT contains({j}, '\\u00') THEN {j} ELSE {fixed} END"
        )
    if sql_type == "decimal":
        x = f"CAST({expr} AS DOUBLE)"
        # Adding +0.0 turns -0.0 into 0.0; only tiny negatives can still print as "-0.0...".
        plain = f"printf('%.9f', {x} + 0.0)"
        tiny = f"CASE WHEN {plain} = '-0.000000000' THEN '0.000000000' ELSE {plain} END"
        return _quoted(expr, f"CASE WHEN {x} < 0 AND {x} > -1e-9 THEN {tiny} ELSE {plain} END")
    return _scalar(expr, sql_type, "duckdb")


def canonical_sql(
    kind: str, fields: Mapping[str, str], alias: str = "", dialect: str = "duckdb"
) -> str:
    """A SQL expression giving `canonical_bytes(kind, row)` as text, for fields {name: type},
    in DuckDB's SQL, PostgreSQL's (dialect="postgres") or Spark's (dialect="spark")."""
    prefix = f"{alias}." if alias else ""
    parts = {"kind": f"'{json.dumps(kind)}'"} | {
        name: _sql_value(f"{prefix}{name}", t, dialect) for name, t in fields.items()
    }
    pieces = []
    for i, name in enumerate(sorted(parts)):
        pieces += [f"'{',' if i else '{'}{json.dumps(name)}:'", parts[name]]
    # One concat call: chained || would build every intermediate string.
    return "concat(" + ", ".join([*pieces, "'}'"]) + ")"


def leaf_sql(salt_expr: str, canonical_expr: str, dialect: str = "duckdb") -> str:
    """A SQL expression giving `commitment(salt, canonical)` as a 32-byte BLOB (BINARY in
    Spark, whose `sha2` does the hashing there)."""
    if dialect == "postgres":
        return f"zt_leaf({salt_expr}, {canonical_expr})"
    if dialect == "spark":
        prefix = (b"\x00" + LEAF_TAG).hex().upper()
        data = f"concat(X'{prefix}', {salt_expr}, encode({canonical_expr}, 'UTF-8'))"
        return f"unhex(sha2({data}, 256))"
    tag = "".join(f"\\x{b:02X}" for b in b"\x00" + LEAF_TAG)
    return f"unhex(sha256('{tag}'::BLOB || {salt_expr} || encode({canonical_expr})))"
