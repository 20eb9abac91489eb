"""A lake table's records as Spark SQL reads them where they are: the typing of an import.

Where it sits: store, used by the Spark calculation stage (pipeline/spark_calculation.py),
which reads each lake table's registered files with `spark.read.parquet` (engine/spark_session.py)
and types the rows with the Spark SQL written here. A DuckDB read of the same files goes through
`create_typed_view` (store/activity_checks.py) and `_lake_select` (store/external.py); this
module says the same in Spark SQL, for the Parquet column types it knows how to say it for
(`spark_lake_sql` answers None for any other, and the stage reads that dataset through DuckDB).

Every record read here passed the import's checks when it was registered, and a calculation
re-fingerprints every file before it reads any (store/external.py `lake_records`): only values
an import accepted reach these expressions. They nevertheless follow the DuckDB typing value for
value where Spark's own casts would differ (a cast that wraps where DuckDB's gives NULL, Java's
`$` before a final line feed, a cast that trims more than DuckDB's `trim`).

The column names are the activity format's and the stored table's (ours); the dataset id and
the dates reach the SQL only as quoted literals.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date

from zerotrail.ledger.canonical import leaf_sql
from zerotrail.model.limits import DATE_PATTERN, WHOLE_PATTERN
from zerotrail.store.activities import (
    LEDGER_TYPES,
    OPTIONAL_LEDGER_TYPES,
    STORED_FIELDS,
    activity_canonical_sql,
)
from zerotrail.store.activity_checks import (
    DATE_COLUMNS,
    HEAT_BASIS_SPELLINGS,
    TEXT_COLUMNS,
    WHOLE_COLUMNS,
)

# Spark's names (`DataType.simpleString()`) of the Parquet types DuckDB reads as integers.
INTEGER_TYPES = ("tinyint", "smallint", "int", "bigint")
FLOAT_TYPES = ("float", "double")
# A character that is not blank, as store/staging.py `_NOT_SPACE` (RE2) says it; in Java's
# regular expressions `\v` also holds \x85, U+2028 and U+2029, which the class holds already.
_NOT_SPACE = r"[^\s\v\x{1c}-\x{1f}\x{85}\pZ]"
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1


def spark_text(value: str) -> str:
    """`value` as a Spark SQL string literal (backslashes are escapes in Spark's literals)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _q(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _full_match(expr: str, pattern: str) -> str:
    # `\z`, not `$`: Java's `$` also matches before a final line feed; DuckDB's
    # `regexp_full_match` does not.
    return f"{expr} RLIKE {spark_text(f'^(?:{pattern})' + chr(92) + 'z')}"


def _is_decimal(t: str) -> bool:
    return re.fullmatch(r"decimal\(\d+,\d+\)", t) is not None


class _Unsupported(Exception):
    """A column type this module does not type as DuckDB does."""


def _typed(name: str, present: set[str], types: Mapping[str, str]) -> str:
    """Spark SQL for the stored field `name` of a lake row, as `create_typed_view` types it."""
    if name not in present:
        return "NULL"
    c, t = _q(name), types[name]
    trimmed = f"NULLIF(trim({c}), '')"  # DuckDB's raw text: spaces trimmed, '' is no value
    if name in TEXT_COLUMNS:
        if t == "string":
            return trimmed
        if t in INTEGER_TYPES:
            return f"CAST({c} AS STRING)"
    elif name in DATE_COLUMNS:
        if t == "date":
            return c
        if t == "timestamp_ntz":  # a timestamp is a date only at midnight
            day = f"CAST({c} AS DATE)"
            return f"CASE WHEN CAST({day} AS TIMESTAMP_NTZ) = {c} THEN {day} END"
        if t == "string":
            return (
                f"CASE WHEN {_full_match(trimmed, DATE_PATTERN)} THEN CAST({trimmed} AS DATE) END"
            )
    elif name == "quantity":
        if t == "string":
            return f"CAST(trim({c}) AS DOUBLE)"
        if t in INTEGER_TYPES or t in FLOAT_TYPES or _is_decimal(t):
            # Both engines round a decimal to the nearest double (measured on 20,000 values).
            return f"CAST({c} AS DOUBLE)"
    elif name in WHOLE_COLUMNS:
        in_range = f"BETWEEN {_INT_MIN} AND {_INT_MAX}"  # DuckDB's TRY_CAST: NULL, never wrapped
        if t in INTEGER_TYPES:
            return f"CASE WHEN {c} {in_range} THEN CAST({c} AS INT) END"
        if t == "string":
            # 3 or 3.0, never 2.5; its digits before the point, as DuckDB's `split_part`.
            whole = f"split_part({trimmed}, '.', 1)"
            return (
                f"CASE WHEN {_full_match(trimmed, WHOLE_PATTERN)}"
                f" AND CAST({whole} AS DECIMAL(38,0)) {in_range} THEN CAST({whole} AS INT) END"
            )
        if t in FLOAT_TYPES or _is_decimal(t):
            # DuckDB reads the number's shortest text and takes it when it is whole.
            v = f"CAST({c} AS DOUBLE)" if t in FLOAT_TYPES else c
            return f"CASE WHEN {v} = floor({v}) AND {v} {in_range} THEN CAST({v} AS INT) END"
    elif name == "heat_basis":
        if t in INTEGER_TYPES:
            return "NULL"  # digits spell no basis
        if t == "string":
            upper = f"upper({trimmed})"
            whens = " ".join(
                f"WHEN {upper} IN ({', '.join(spark_text(s) for s in spellings)})"
                f" THEN {spark_text(basis)}"
                for basis, spellings in HEAT_BASIS_SPELLINGS.items()
            )
            return f"CASE {whens} END"
    raise _Unsupported(f"{name} {t}")


def _typed_fields(columns: Sequence[tuple[str, str]]) -> dict[str, str] | None:
    """Spark SQL of `record_id` and every stored field of a lake row (`columns`: the files'
    columns renamed to the format's, (name, Spark type) each); None when a column's type is
    one this module does not type as DuckDB does."""
    types = dict(columns)
    present = set(types)
    try:
        return {n: _typed(n, present, types) for n in ("record_id", *STORED_FIELDS)}
    except _Unsupported:
        return None


def _rows(source: str, columns: Sequence[tuple[str, str]]) -> str:
    """The rows of `source` that are records: a row of nulls (or blanks) is none, as in an
    imported Parquet file (store/staging.py)."""
    holds = " OR ".join(
        f"coalesce({_q(n)} RLIKE {spark_text(_NOT_SPACE)}, false)"
        if t == "string"
        else f"{_q(n)} IS NOT NULL"
        for n, t in columns
    )
    return f"SELECT * FROM {_q(source)} WHERE {holds or 'true'}"


def spark_lake_sql(
    dataset_id: str,
    source: str,
    columns: Sequence[tuple[str, str]],
    target: Sequence[tuple[str, str]],
    start: date,
    end: date,
) -> str | None:
    """Spark SQL over the view `source` (a lake table's files, its columns renamed by position
    to the format's: `columns`, (name, Spark type) each) giving its records whose period starts
    in [start, end] with exactly the stored table's columns (`target`, (name, Spark type) each,
    as the stored records' Parquet file has them): version 1, current, the dataset's id as
    `import_id`, never superseded, as store/external.py `_lake_select` shows them to DuckDB.

    None when a column's Parquet type is one this module does not type as DuckDB does: the
    caller then reads that dataset through DuckDB."""
    typed = _typed_fields(columns)
    if typed is None:
        return None
    fixed = {
        "version": "1",
        "current": "true",
        "import_id": spark_text(dataset_id),
        "superseded_by": "NULL",
    }
    values = {**typed, **fixed}
    exprs = [f"CAST({values.get(n, 'NULL')} AS {t}) AS {_q(n)}" for n, t in target]
    return (
        f"SELECT * FROM (SELECT {', '.join(exprs)} FROM ({_rows(source, columns)}))"
        f" WHERE `period_start` BETWEEN DATE {spark_text(start.isoformat())}"
        f" AND DATE {spark_text(end.isoformat())}"
    )


# The committed types of a typed field in Spark (DuckDB's typed view: DOUBLE, INTEGER, DATE,
# VARCHAR), so the canonical text renders what a DuckDB commit renders.
_SPARK_TYPES = {"decimal": "DOUBLE", "int": "INT", "date": "DATE", "text": "STRING"}


def spark_lake_leaf_sql(
    source: str,
    columns: Sequence[tuple[str, str]],
    file_index: int,
    row_index: str,
    key_view: str,
) -> str | None:
    """Spark SQL over the view `source` (one file of a lake table, renamed as for
    `spark_lake_sql`, its row's position in the file as the column `row_index`) giving each
    record's (file_index, row_index, ref, salt, leaf_hash): the `activity` leaf (version 1) an
    import commits, its canonical text built and hashed by Spark (ledger/canonical.py, dialect
    "spark"). The salt is SHA-256(key || "<file index>:<row index>") with the 32-byte key of
    the one-row view `key_view` (column `k`): drawn from the operating system for this
    registration and never stored, so each salt is as unguessable as a random one
    (docs/ledger.md). None when a column's type is one this module does not type as DuckDB
    does."""
    typed = _typed_fields(columns)
    if typed is None:
        return None
    fields = ", ".join(
        f"CAST({typed[n]} AS {_SPARK_TYPES[t]}) AS {_q(n)}"
        for n, t in {**LEDGER_TYPES, **OPTIONAL_LEDGER_TYPES}.items()
        if n != "version"
    )
    canonical = activity_canonical_sql("r", dialect="spark")
    position = f"concat('{int(file_index)}:', CAST(r.{_q(row_index)} AS STRING))"
    typed_rows = f"SELECT {_q(row_index)}, {fields}, 1 AS version FROM ({_rows(source, columns)})"
    salted = f"""SELECT r.*, unhex(sha2(concat(k.k, encode({position}, 'UTF-8')), 256)) AS zt_salt
        FROM ({typed_rows}) r CROSS JOIN {_q(key_view)} k"""
    return f"""SELECT {int(file_index)} AS file_index, r.{_q(row_index)} AS row_index,
        r.record_id AS ref, r.zt_salt AS salt, {leaf_sql("r.zt_salt", canonical, "spark")}
        AS leaf_hash FROM ({salted}) r"""
