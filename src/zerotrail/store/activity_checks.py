"""The set-wise checks of an activity file, in SQL over the staged file.

Where it sits: store, called by the activity import (ingest/activities.py) between staging the
file (`zt_stage`, store/staging.py) and writing it (store/activities.py). The import decides
in Python what each distinct key, unit, region and supplier is worth (`save_verdicts`); the
checks here then run in one pass of SQL over every row, each failed check becoming a (row,
column, message) problem in `zt_problems`. The column names in this SQL are the format's own
(a file's header names never reach it); the refusals are worded as the Python rules word them
(model/limits.py through store/value_checks.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from zerotrail.model.limits import (
    DATE_PATTERN,
    MAX_ID_LENGTH,
    MAX_QUANTITY,
    MAX_TEXT_LENGTH,
    WHOLE_PATTERN,
)
from zerotrail.store.activities import DQ_COLUMNS
from zerotrail.store.value_checks import (
    date_bad_sql,
    double_text_sql,
    fast_double_sql,
    fast_number_sql,
    number_problem_sql,
    text_any_sql,
    text_bad_sql,
)

# The staged file (store/staging.py) and the typed view of it the checks read.
STAGE = "zt_stage"

TEXT_COLUMNS = (
    "record_id",
    "entity",
    "site",
    "activity",
    "unit",
    "region",
    "supplier",
    "factor_id",
    "ch4_origin",
    "evidence",
    "note",
)
FREE_TEXT_COLUMNS = ("note", "evidence")  # up to MAX_TEXT_LENGTH; the other text columns are ids
DATE_COLUMNS = ("period_start", "period_end")
WHOLE_COLUMNS = ("scope3_category", *DQ_COLUMNS)
# Columns the typed view keeps as written (`<column>_raw`) beside their typed value.
RAW_COLUMNS = (*DATE_COLUMNS, "quantity", *WHOLE_COLUMNS, "heat_basis")
# The heating-value bases an energy quantity may name, and the spellings (any case) of each.
HEAT_BASIS_SPELLINGS: dict[str, tuple[str, ...]] = {
    "HHV": ("HHV", "GCV", "GROSS"),
    "NCV": ("NCV", "LHV", "NET"),
}
_EVIDENCE = r"((sha256:[0-9a-fA-F]{64}|[A-Za-z][A-Za-z0-9+.-]*:[^[:space:]]+)([[:space:]]+|$))+"

INTEGER_TYPES = ("INTEGER", "BIGINT", "SMALLINT", "TINYINT", "HUGEINT", "UINTEGER", "UBIGINT",
                 "USMALLINT", "UTINYINT", "UHUGEINT")  # fmt: skip
FLOAT_TYPES = ("DOUBLE", "FLOAT", "REAL")


def base_type(sql_type: str) -> str:
    """The type's name without its parameters: DECIMAL(18,3) -> DECIMAL."""
    return sql_type.split("(", 1)[0].strip().strip('"')


def staged_types(con: Any, stage: str = STAGE) -> dict[str, str]:
    """column -> its database type, of the staged file (text for CSV and XLSX)."""
    return {
        str(n).strip().lower(): str(t).upper()
        for n, t, *_ in con.execute(f"DESCRIBE {stage}").fetchall()
    }


def create_typed_view(
    con: Any, columns: Sequence[str], stage: str = STAGE, view: str = "zt_typed"
) -> None:
    """Typed columns (NULL where a value is refused) beside the raw text for messages.

    `stage` and `view` are names of ours: a lake table (store/external.py) reads its files
    through the same typing, so its records are what an import of them would store.

    The raw text is what the checks read: a CSV or XLSX cell as written (trimmed), a Parquet
    number as the shortest decimal that gives it back, a Parquet date as YYYY-MM-DD (a timestamp
    only when it is midnight). Integer and date columns a Parquet file already types are used as
    they are: parsing them from text again would cost more than the rest of the import.
    """
    types = staged_types(con, stage)
    have = set(columns)

    def raw(c: str) -> str:
        t = base_type(types.get(c, "VARCHAR"))
        if t == "VARCHAR":
            return f"NULLIF(trim(\"{c}\"), '')"
        if t in FLOAT_TYPES:
            return double_text_sql(f'"{c}"')
        if t.startswith("TIMESTAMP"):
            day = f'CAST("{c}" AS DATE)'
            return (
                f"CASE WHEN {day} = \"{c}\" THEN strftime({day}, '%Y-%m-%d')"
                f' ELSE CAST("{c}" AS VARCHAR) END'
            )
        return f'CAST("{c}" AS VARCHAR)'

    def text(c: str, alias: str) -> str:
        if c not in have:
            return f"CAST(NULL AS VARCHAR) AS {alias}"
        return f"{raw(c)} AS {alias}"

    def date_col(c: str) -> str:
        if c not in have:
            return f"CAST(NULL AS DATE) AS {c}"
        t = base_type(types.get(c, "VARCHAR"))
        if t == "DATE":
            return f'"{c}" AS {c}'
        if t.startswith("TIMESTAMP"):
            return f'CASE WHEN CAST("{c}" AS DATE) = "{c}" THEN CAST("{c}" AS DATE) END AS {c}'
        r = raw(c)
        return (
            f"CASE WHEN regexp_full_match({r}, '{DATE_PATTERN}') THEN TRY_CAST({r} AS DATE)"
            f" END AS {c}"
        )

    def number_col(c: str) -> str:
        if c not in have:
            return f"CAST(NULL AS DOUBLE) AS {c}"
        t = base_type(types.get(c, "VARCHAR"))
        if t == "VARCHAR":
            return f'TRY_CAST(trim("{c}") AS DOUBLE) AS {c}'
        return f'CAST("{c}" AS DOUBLE) AS {c}'

    def number_ok(c: str) -> str:
        """True where the value is certainly within the limits (most rows): the full check,
        which reads the value as text, then runs on the others only."""
        if c not in have:
            return f"true AS {c}_ok"
        t = base_type(types.get(c, "VARCHAR"))
        if t == "VARCHAR":
            return f"{fast_number_sql(raw(c))} AS {c}_ok"
        if t in INTEGER_TYPES:
            return f'abs(CAST("{c}" AS DOUBLE)) <= {MAX_QUANTITY} AS {c}_ok'
        return f"{fast_double_sql(f'CAST({chr(34)}{c}{chr(34)} AS DOUBLE)')} AS {c}_ok"

    def whole_col(c: str) -> str:
        if c not in have:
            return f"CAST(NULL AS INTEGER) AS {c}"
        t = base_type(types.get(c, "VARCHAR"))
        if t in INTEGER_TYPES:
            return f'TRY_CAST("{c}" AS INTEGER) AS {c}'
        # 3 or 3.0, never 2.5: a cast would round it.
        r = raw(c)
        return (
            f"CASE WHEN regexp_full_match({r}, '{WHOLE_PATTERN}')"
            f" THEN TRY_CAST(split_part({r}, '.', 1) AS INTEGER) END AS {c}"
        )

    def heat_basis_col() -> str:
        if "heat_basis" not in have:
            return "CAST(NULL AS VARCHAR) AS heat_basis"
        upper = f"upper({raw('heat_basis')})"
        whens = " ".join(
            f"WHEN {upper} IN ({', '.join(repr(s) for s in spellings)}) THEN '{basis}'"
            for basis, spellings in HEAT_BASIS_SPELLINGS.items()
        )
        return f"CASE {whens} END AS heat_basis"

    parts = ["_row", *(text(c, c) for c in TEXT_COLUMNS)]
    parts += [text(c, f"{c}_raw") for c in RAW_COLUMNS]
    parts += [heat_basis_col()]
    parts += [date_col(c) for c in DATE_COLUMNS]
    parts += [number_col("quantity"), number_ok("quantity")]
    parts += [whole_col(c) for c in WHOLE_COLUMNS]
    con.execute(f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT {', '.join(parts)} FROM {stage}")


def distinct_values(con: Any) -> tuple[list[tuple[Any, Any, Any, Any]], list[Any]]:
    """The file's distinct (activity, unit, region, region of the record's site) combinations
    (one pass over the file; sites are few) and distinct suppliers."""
    combos = con.execute(
        "SELECT DISTINCT t.activity, t.unit, t.region, s.region"
        " FROM zt_typed t LEFT JOIN sites s ON s.site = t.site"
    ).fetchall()
    suppliers = con.execute("SELECT DISTINCT supplier FROM zt_typed").fetchall()
    return [tuple(c) for c in combos], [s for (s,) in suppliers]


def known_activities(con: Any) -> set[str]:
    """The activity keys the workspace has a factor for."""
    return {str(r[0]) for r in con.execute("SELECT DISTINCT activity FROM factors").fetchall()}


def factor_units(con: Any, activity: str) -> list[tuple[str, float | None, str | None]]:
    """(unit, heat content, heat content unit) of the workspace's factors for `activity`."""
    rows = con.execute(
        "SELECT DISTINCT unit, heat_content, heat_content_unit FROM factors WHERE activity = ?",
        [activity],
    ).fetchall()
    return [(str(u), None if hc is None else float(hc), hcu) for u, hc, hcu in rows]


def known_units(con: Any) -> set[str]:
    """The units the workspace's factors are per (suggested for a unit nobody knows)."""
    return {str(r[0]) for r in con.execute("SELECT DISTINCT unit FROM factors").fetchall()}


def known_regions(con: Any) -> set[str]:
    """The regions the workspace's factors are for."""
    return {str(r[0]) for r in con.execute("SELECT DISTINCT region FROM factors").fetchall()}


KeyVerdict = tuple[str, str | None, bool, int | None, int | None, list[int]]


@dataclass(frozen=True, slots=True)
class Verdicts:
    """The import's verdicts on the file's distinct values, which the row checks join."""

    # Per key: (activity, why refused or None, may be negative, scope, default category,
    # allowed categories).
    keys: Sequence[KeyVerdict]
    bad_units: Sequence[tuple[str, str, str]]  # (activity, unit, why)
    bad_regions: Sequence[tuple[str, str]]  # (region, why)
    bad_suppliers: Sequence[tuple[str, str]]  # (supplier, why)
    # Units that are not energy, with their dimension: a heat basis on them is refused.
    not_energy: Sequence[tuple[str, str]] = ()
    # (record region, site region, the site region's lineage as text) where the record's region
    # is neither its site's nor one of that region's ancestors.
    site_conflicts: Sequence[tuple[str, str, str]] = ()


def save_verdicts(con: Any, v: Verdicts) -> None:
    """Keep the import's verdicts on distinct values as tables the row checks join, and the
    workspace's factor ids."""
    for name, ddl, rows in (
        (
            "zt_keys",
            "activity VARCHAR, why VARCHAR, allow_negative BOOLEAN, scope INTEGER,"
            " default_category INTEGER, allowed INTEGER[]",
            v.keys,
        ),
        ("zt_bad_units", "activity VARCHAR, unit VARCHAR, why VARCHAR", v.bad_units),
        ("zt_bad_regions", "region VARCHAR, why VARCHAR", v.bad_regions),
        ("zt_bad_suppliers", "supplier VARCHAR, why VARCHAR", v.bad_suppliers),
        ("zt_not_energy", "unit VARCHAR, dimension VARCHAR", v.not_energy),
        (
            "zt_site_conflicts",
            "region VARCHAR, site_region VARCHAR, lineage VARCHAR",
            v.site_conflicts,
        ),
    ):
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} ({ddl})")
        if rows:
            marks = ", ".join("?" * len(rows[0]))
            con.executemany(f"INSERT INTO {name} VALUES ({marks})", rows)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE zt_factor_ids AS SELECT DISTINCT factor_id FROM factors"
    )


def _refusal(column: str, message_sql: str) -> tuple[str, str, str]:
    """A check whose SQL gives the refusal's message, or NULL when the value is fine."""
    return (column, f"({message_sql}) IS NOT NULL", message_sql)


# Text checks: a cell with a control character or over its length. A row that fails one is
# reported with these alone, so no message quotes such a cell. The first pass over all rows
# looks at the free columns only (`_TEXT_ANY`): a bad entity, site, key, unit, region, factor id,
# CH4 origin, date or number fails its own check anyway, and its row is then looked at closely.
_TEXT_ANY = text_any_sql(
    (f"t.{c}", MAX_TEXT_LENGTH if c in FREE_TEXT_COLUMNS else MAX_ID_LENGTH)
    for c in ("record_id", *FREE_TEXT_COLUMNS)
)
_TEXT_CHECKS: tuple[tuple[str, str, str], ...] = (
    *(
        _refusal(
            c, text_bad_sql(f"t.{c}", MAX_TEXT_LENGTH if c in FREE_TEXT_COLUMNS else MAX_ID_LENGTH)
        )
        for c in TEXT_COLUMNS
    ),
    *(_refusal(c, text_bad_sql(f"t.{c}_raw", MAX_ID_LENGTH)) for c in RAW_COLUMNS),
)

# The full check of a quantity reads it as text (slow); the first pass over all rows asks only
# whether the value is certainly fine (`quantity_ok`), and the others get the full check.
_QUANTITY = _refusal(
    "quantity",
    "CASE WHEN t.quantity_ok THEN NULL ELSE"
    f" {number_problem_sql('t.quantity_raw', fast_path=False)} END",
)

# Row checks beside the required columns' (`_required_checks`): (column, condition, message).
# Aliases: t = the row, k = its key's verdict, bu/br/bs = unit/region/supplier verdicts, e/s =
# its entity/site, f = its pinned factor, ne = its unit when not an energy, sc = its region's
# conflict with its site's.
_ROW_CHECKS: tuple[tuple[str, str, str], ...] = (
    *(_refusal(c, date_bad_sql(f"t.{c}_raw", f"t.{c}")) for c in DATE_COLUMNS),
    (
        "period_end",
        "t.period_end < t.period_start",
        "'ends before period_start (' || CAST(t.period_start AS VARCHAR) || ')'",
    ),
    _QUANTITY,
    (
        "quantity",
        "t.quantity < 0 AND NOT k.allow_negative",
        "'negative quantity not allowed for ' || t.activity"
        " || ' (only spend corrections may be negative)'",
    ),
    ("activity", "k.why IS NOT NULL", "k.why"),
    ("unit", "bu.why IS NOT NULL", "bu.why"),
    (
        "heat_basis",
        "t.heat_basis_raw IS NOT NULL AND t.heat_basis IS NULL",
        "'expected HHV (also written GCV or gross) or NCV (LHV, net), not ' || t.heat_basis_raw",
    ),
    (
        "heat_basis",
        "t.heat_basis IS NOT NULL AND ne.unit IS NOT NULL",
        "'only an energy quantity has a heating-value basis; ' || t.unit || ' is a '"
        " || ne.dimension || ' unit (leave heat_basis blank, or give the quantity in kWh, GJ,"
        " mmBtu ...)'",
    ),
    (
        "region",
        "t.region IS NULL AND t.site IS NULL",
        "'is empty (required unless the record names a site, whose region it then takes)'",
    ),
    ("region", "br.why IS NOT NULL", "br.why"),
    (
        "region",
        "sc.region IS NOT NULL",
        "'region ' || t.region || ' contradicts the region of site ' || t.site || ', '"
        " || s.region || ' (expected one of ' || sc.lineage || ', or blank for the site''s)'",
    ),
    ("supplier", "bs.why IS NOT NULL", "bs.why"),
    (
        "entity",
        "t.entity IS NOT NULL AND e.entity IS NULL",
        "'unknown entity ' || t.entity || ' (import it with `zerotrail import entities` first)'",
    ),
    (
        "site",
        "t.site IS NOT NULL AND s.site IS NULL",
        "'unknown site ' || t.site || ' (import it with `zerotrail import sites` first)'",
    ),
    (
        "site",
        "s.entity <> t.entity",
        "'site ' || t.site || ' belongs to entity ' || s.entity || ', not ' || t.entity",
    ),
    (
        "scope3_category",
        "t.scope3_category NOT BETWEEN 1 AND 15"
        " OR (t.scope3_category IS NULL AND t.scope3_category_raw IS NOT NULL)",
        "'not a whole number 1-15: ' || t.scope3_category_raw",
    ),
    (
        "scope3_category",
        "t.scope3_category IS NOT NULL AND k.scope <> 3",
        "'only Scope 3 activities take a category; ' || t.activity || ' is Scope '"
        " || CAST(k.scope AS VARCHAR)",
    ),
    (
        "scope3_category",
        "k.scope = 3 AND t.scope3_category BETWEEN 1 AND 15 AND NOT"
        " list_contains(k.allowed, t.scope3_category)",
        "'category ' || CAST(t.scope3_category AS VARCHAR) || ' does not fit ' || t.activity"
        " || ' (expected one of ' || array_to_string(k.allowed, ', ') || ')'",
    ),
    (
        "scope3_category",
        "k.scope = 3 AND k.default_category IS NULL AND t.scope3_category_raw IS NULL",
        "'required for ' || t.activity || ' (the key implies no category)'",
    ),
    (
        "factor_id",
        "t.factor_id IS NOT NULL AND f.factor_id IS NULL",
        "'unknown factor ' || t.factor_id",
    ),
    (
        "ch4_origin",
        "t.ch4_origin NOT IN ('fossil', 'non_fossil')",
        "'expected fossil or non_fossil, not ' || t.ch4_origin",
    ),
    (
        "evidence",
        f"NOT regexp_full_match(t.evidence, '{_EVIDENCE}')",
        "'expected URIs and/or sha256:<64 hex digits>, not ' || t.evidence",
    ),
    *(
        (
            c,
            f"t.{c} NOT BETWEEN 1 AND 5 OR (t.{c} IS NULL AND t.{c}_raw IS NOT NULL)",
            f"'expected a score 1-5, not ' || t.{c}_raw",
        )
        for c in DQ_COLUMNS
    ),
)


_JOINED = """
    FROM zt_typed t
    LEFT JOIN zt_keys k ON k.activity = t.activity
    LEFT JOIN zt_bad_units bu ON bu.activity = t.activity AND bu.unit = t.unit
    LEFT JOIN zt_bad_regions br ON br.region = t.region
    LEFT JOIN zt_bad_suppliers bs ON bs.supplier = t.supplier
    LEFT JOIN entities e ON e.entity = t.entity
    LEFT JOIN sites s ON s.site = t.site
    LEFT JOIN zt_factor_ids f ON f.factor_id = t.factor_id
    LEFT JOIN zt_not_energy ne ON ne.unit = t.unit
    LEFT JOIN zt_site_conflicts sc ON sc.region = t.region AND sc.site_region = s.region"""


def _required_checks(required: Sequence[str]) -> tuple[tuple[str, str, str], ...]:
    """A required column left empty, as row checks: text columns first, then the others."""
    return (
        *((c, f"t.{c} IS NULL", "'is empty (required)'") for c in required if c in TEXT_COLUMNS),
        *(
            (c, f"t.{c}_raw IS NULL", "'is empty (required)'")
            for c in required
            if c not in TEXT_COLUMNS
        ),
    )


def find_problems(con: Any, required: Sequence[str]) -> None:
    """All row problems: one cheap pass to find the bad rows, then messages for those only (a
    row with a text problem gets its text problems alone); kept as `zt_problems`. `required`
    are the format's required columns."""
    row_checks = (*_required_checks(required), *_ROW_CHECKS)
    # A first pass that may name too many rows (never too few): the second computes messages.
    first = [_TEXT_ANY, "NOT t.quantity_ok"]
    first += [cond for check in row_checks if check is not _QUANTITY for _, cond, _ in [check]]
    any_bad = " OR ".join(f"coalesce({cond}, false)" for cond in first)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE zt_bad_rows AS SELECT t._row {_JOINED} WHERE {any_bad}"
    )

    def cases(found: tuple[tuple[str, str, str], ...]) -> str:
        listed = ", ".join(
            f"CASE WHEN coalesce({cond}, false) THEN {{'col': '{col}', 'msg': {msg}}} END"
            for col, cond, msg in found
        )
        return f"list_filter([{listed}], lambda x: x IS NOT NULL)"

    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE zt_problems AS
        SELECT _row, p.col AS col, p.msg AS msg FROM (
            SELECT _row, unnest(CASE WHEN len(tp) > 0 THEN tp ELSE rp END) AS p FROM (
                SELECT t._row, {cases(_TEXT_CHECKS)} AS tp, {cases(row_checks)} AS rp
                {_JOINED}
                WHERE t._row IN (SELECT _row FROM zt_bad_rows)
            )
        )
        UNION ALL
        SELECT t._row, 'record_id', 'duplicate record_id ' || t.record_id || ' in this file'
        FROM zt_typed t JOIN (SELECT record_id FROM zt_typed WHERE record_id IS NOT NULL
                              GROUP BY record_id HAVING count(*) > 1) d USING (record_id)
    """)


def listed_problems(con: Any, limit: int) -> tuple[list[tuple[int, str, str]], int]:
    """The first `limit` problems found, (row, column, message) by row and column, and how
    many there are in all."""
    total = int(con.execute("SELECT count(*) FROM zt_problems").fetchall()[0][0])
    rows = con.execute(
        "SELECT _row, col, msg FROM zt_problems ORDER BY _row, col LIMIT ?", [limit]
    ).fetchall()
    return [(int(r), str(c), str(m)) for r, c, m in rows], total
