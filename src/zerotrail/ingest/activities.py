"""Importing activity records: set-wise checks in the database, then one transactional insert.

The file is staged as a view (Parquet, streamed) or a temporary table (CSV, XLSX), so memory
stays bounded however large the file. Checks on distinct values (keys, units, regions) run once
per distinct value in Python; checks on rows run in one pass of SQL over the file, each failed
check becoming a (row, column, message) problem. Only a file with no problems is written.
Records already stored with identical content are skipped (re-importing a file changes nothing);
a changed record is refused unless `replace`, which marks the old version superseded (kept) and
adds the new one as the next version.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zerotrail.errors import Problem, UnitError, ZerotrailError
from zerotrail.ingest.checks import MAX_LISTED, Progress, no_progress, raise_if, sql_text
from zerotrail.ingest.files import file_format, reports_read_errors, stage_large
from zerotrail.ingest.formats import ACTIVITIES
from zerotrail.ingest.imports import ImportReport, new_import_id, record_import
from zerotrail.ingest.limits import (
    DATE_PATTERN,
    MAX_ID_LENGTH,
    MAX_QUANTITY,
    MAX_TEXT_LENGTH,
    WHOLE_PATTERN,
    date_bad_sql,
    double_text_sql,
    fast_double_sql,
    fast_number_sql,
    number_problem_sql,
    text_any_sql,
    text_bad_sql,
    text_problem,
)
from zerotrail.ledger.canonical import canonical_bytes, canonical_sql
from zerotrail.model.keys import family_of, key_problem
from zerotrail.model.regions import region_problem
from zerotrail.store.tlog import Appender
from zerotrail.store.workspace import Workspace
from zerotrail.units import bridge_factor, compatible, conversion_factor

_TEXT = (
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
_DQ = ("dq_technology", "dq_time", "dq_geography", "dq_completeness", "dq_reliability")
_FREE_TEXT = ("note", "evidence")  # up to MAX_TEXT_LENGTH; the other text columns are ids/codes
_DATES = ("period_start", "period_end")
_WHOLE = ("scope3_category", *_DQ)
# The stored fields, in table order after (record_id, version, current).
_FIELDS = (
    "entity",
    "site",
    "period_start",
    "period_end",
    "activity",
    "quantity",
    "unit",
    "region",
    "scope3_category",
    "supplier",
    "factor_id",
    "ch4_origin",
    "evidence",
    "note",
    *_DQ,
)
_EVIDENCE = r"((sha256:[0-9a-fA-F]{64}|[A-Za-z][A-Za-z0-9+.-]*:[^[:space:]]+)([[:space:]]+|$))+"


def unit_problem(con: Any, activity: str, unit: str) -> str | None:
    """Why `unit` cannot be used for `activity` given the workspace's factors, or None."""
    try:
        conversion_factor(unit, unit)
    except UnitError as exc:
        return f"{exc} (expected a unit such as L, kg, kWh, MWh, GJ, km, passenger-km, USD)"
    rows = con.execute(
        "SELECT DISTINCT unit, heat_content, heat_content_unit FROM factors WHERE activity = ?",
        [activity],
    ).fetchall()
    for f_unit, hc, hc_unit in rows:
        if compatible(unit, f_unit):
            return None
        if hc is not None and hc_unit:
            try:
                bridge_factor(unit, f_unit, float(hc), str(hc_unit))
                return None
            except UnitError:
                continue
    units = sorted({str(r[0]) for r in rows})
    return (
        f"unit '{unit}' does not convert to the unit of any factor for {activity}"
        f" (factors are per {', '.join(units)})"
    )


_INTEGER_TYPES = ("INTEGER", "BIGINT", "SMALLINT", "TINYINT", "HUGEINT", "UINTEGER", "UBIGINT",
                  "USMALLINT", "UTINYINT", "UHUGEINT")  # fmt: skip
_FLOAT_TYPES = ("DOUBLE", "FLOAT", "REAL")
# The column types a typed file (Parquet) may give each kind of column.
_ACCEPTED_TYPES = {
    "text": ("VARCHAR", *_INTEGER_TYPES),
    "number": ("VARCHAR", *_INTEGER_TYPES, *_FLOAT_TYPES, "DECIMAL"),
    "date": ("VARCHAR", "DATE", "TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S"),
}
_EXPECTED_TYPE = {"text": "text", "number": "a number", "date": "a date"}


def _kind_of(column: str) -> str:
    if column in _DATES:
        return "date"
    if column == "quantity" or column in _WHOLE:
        return "number"
    return "text"


def _base_type(sql_type: str) -> str:
    return sql_type.split("(", 1)[0].strip().strip('"')


def _types(con: Any) -> dict[str, str]:
    return {
        str(n).strip().lower(): str(t).upper()
        for n, t, *_ in con.execute("DESCRIBE zt_stage").fetchall()
    }


def _type_problems(con: Any, source: str, columns: tuple[str, ...]) -> list[Problem]:
    """Columns a typed file gives a type their values cannot have (a list of ids, a blob, a
    time zone): refused by name before any value is read, never turned into text."""
    types = _types(con)
    problems = []
    for c in ACTIVITIES.names:
        if c not in columns:
            continue
        kind = _kind_of(c)
        t = types.get(c, "VARCHAR")
        # NULL: a column with no value at all (each empty cell is then checked as such).
        if _base_type(t) not in (*_ACCEPTED_TYPES[kind], "NULL"):
            problems.append(
                Problem(
                    source,
                    1,
                    c,
                    f"the file gives this column the type {t}; expected {_EXPECTED_TYPE[kind]}",
                )
            )
    return problems


def _typed_view(con: Any, columns: tuple[str, ...]) -> None:
    """Typed columns (NULL where a value is refused) beside the raw text for messages.

    The raw text is what the checks read: a CSV or XLSX cell as written (trimmed), a Parquet
    number as the shortest decimal that gives it back, a Parquet date as YYYY-MM-DD (a timestamp
    only when it is midnight). Integer and date columns a Parquet file already types are used as
    they are: parsing them from text again would cost more than the rest of the import.
    """
    types = _types(con)
    have = set(columns)

    def raw(c: str) -> str:
        t = _base_type(types.get(c, "VARCHAR"))
        if t == "VARCHAR":
            return f"NULLIF(trim(\"{c}\"), '')"
        if t in _FLOAT_TYPES:
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
        t = _base_type(types.get(c, "VARCHAR"))
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
        t = _base_type(types.get(c, "VARCHAR"))
        if t == "VARCHAR":
            return f'TRY_CAST(trim("{c}") AS DOUBLE) AS {c}'
        return f'CAST("{c}" AS DOUBLE) AS {c}'

    def number_ok(c: str) -> str:
        """True where the value is certainly within the limits (most rows): the full check,
        which reads the value as text, then runs on the others only."""
        if c not in have:
            return f"true AS {c}_ok"
        t = _base_type(types.get(c, "VARCHAR"))
        if t == "VARCHAR":
            return f"{fast_number_sql(raw(c))} AS {c}_ok"
        if t in _INTEGER_TYPES:
            return f'abs(CAST("{c}" AS DOUBLE)) <= {MAX_QUANTITY} AS {c}_ok'
        return f"{fast_double_sql(f'CAST({chr(34)}{c}{chr(34)} AS DOUBLE)')} AS {c}_ok"

    def whole_col(c: str) -> str:
        if c not in have:
            return f"CAST(NULL AS INTEGER) AS {c}"
        t = _base_type(types.get(c, "VARCHAR"))
        if t in _INTEGER_TYPES:
            return f'TRY_CAST("{c}" AS INTEGER) AS {c}'
        # 3 or 3.0, never 2.5: a cast would round it.
        r = raw(c)
        return (
            f"CASE WHEN regexp_full_match({r}, '{WHOLE_PATTERN}')"
            f" THEN TRY_CAST(split_part({r}, '.', 1) AS INTEGER) END AS {c}"
        )

    parts = ["_row", *(text(c, c) for c in _TEXT)]
    parts += [text(c, f"{c}_raw") for c in (*_DATES, "quantity", *_WHOLE)]
    parts += [date_col(c) for c in _DATES]
    parts += [number_col("quantity"), number_ok("quantity")]
    parts += [whole_col(c) for c in _WHOLE]
    con.execute(f"CREATE OR REPLACE TEMP VIEW zt_typed AS SELECT {', '.join(parts)} FROM zt_stage")


def _value_tables(con: Any) -> None:
    """Check each distinct key, (key, unit) and region once; keep the verdicts as tables."""
    combos = con.execute("SELECT DISTINCT activity, unit, region FROM zt_typed").fetchall()
    known = {r[0] for r in con.execute("SELECT DISTINCT activity FROM factors").fetchall()}
    keys = sorted({a for a, _, _ in combos if a is not None})
    key_rows = []
    for k in keys:
        why = key_problem(k)
        if why is None and k not in known:
            why = f"no factor in the workspace for activity '{k}' (see `zerotrail factors search`)"
        fam = family_of(k)
        key_rows.append(
            (
                k,
                why,
                bool(fam and fam.allow_negative),
                fam.scope if fam else None,
                fam.default_category if fam else None,
                sorted(fam.allowed_categories) if fam else [],
            )
        )
    pairs = sorted({(a, u) for a, u, _ in combos if a in known and u is not None})
    bad_units = [
        (a, u, why) for a, u in pairs if (why := text_problem(u) or unit_problem(con, a, u))
    ]
    regions = sorted({r for _, _, r in combos if r is not None})
    bad_regions = [(r, why) for r in regions if (why := region_problem(r))]
    # Suppliers are few: each distinct one is checked as text here, not once per row.
    suppliers = con.execute("SELECT DISTINCT supplier FROM zt_typed").fetchall()
    bad_suppliers = [(v, why) for (v,) in suppliers if v is not None and (why := text_problem(v))]
    for name, ddl, rows in (
        (
            "zt_keys",
            "activity VARCHAR, why VARCHAR, allow_negative BOOLEAN, scope INTEGER,"
            " default_category INTEGER, allowed INTEGER[]",
            key_rows,
        ),
        ("zt_bad_units", "activity VARCHAR, unit VARCHAR, why VARCHAR", bad_units),
        ("zt_bad_regions", "region VARCHAR, why VARCHAR", bad_regions),
        ("zt_bad_suppliers", "supplier VARCHAR, why VARCHAR", bad_suppliers),
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
    (f"t.{c}", MAX_TEXT_LENGTH if c in _FREE_TEXT else MAX_ID_LENGTH)
    for c in ("record_id", *_FREE_TEXT)
)
_TEXT_CHECKS: tuple[tuple[str, str, str], ...] = (
    *(
        _refusal(c, text_bad_sql(f"t.{c}", MAX_TEXT_LENGTH if c in _FREE_TEXT else MAX_ID_LENGTH))
        for c in _TEXT
    ),
    *(
        _refusal(c, text_bad_sql(f"t.{c}_raw", MAX_ID_LENGTH))
        for c in (*_DATES, "quantity", *_WHOLE)
    ),
)

# The full check of a quantity reads it as text (slow); the first pass over all rows asks only
# whether the value is certainly fine (`quantity_ok`), and the others get the full check.
_QUANTITY = _refusal(
    "quantity",
    "CASE WHEN t.quantity_ok THEN NULL ELSE"
    f" {number_problem_sql('t.quantity_raw', fast_path=False)} END",
)

# Row checks: (column, condition, message). Aliases: t = the row, k = its key's verdict,
# bu/br/bs = unit/region/supplier verdicts, e/s = its entity/site, f = its pinned factor.
_ROW_CHECKS: tuple[tuple[str, str, str], ...] = (
    *((c, f"t.{c} IS NULL", "'is empty (required)'") for c in ACTIVITIES.required if c in _TEXT),
    *(
        (c, f"t.{c}_raw IS NULL", "'is empty (required)'")
        for c in ACTIVITIES.required
        if c not in _TEXT
    ),
    *(_refusal(c, date_bad_sql(f"t.{c}_raw", f"t.{c}")) for c in _DATES),
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
    ("region", "br.why IS NOT NULL", "br.why"),
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
        for c in _DQ
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
    LEFT JOIN zt_factor_ids f ON f.factor_id = t.factor_id"""


def _find_problems(con: Any) -> None:
    """All row problems: one cheap pass to find the bad rows, then messages for those only (a
    row with a text problem gets its text problems alone)."""
    # A first pass that may name too many rows (never too few): the second computes messages.
    first = [_TEXT_ANY, "NOT t.quantity_ok"]
    first += [cond for check in _ROW_CHECKS if check is not _QUANTITY for _, cond, _ in [check]]
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
                SELECT t._row, {cases(_TEXT_CHECKS)} AS tp, {cases(_ROW_CHECKS)} AS rp
                {_JOINED}
                WHERE t._row IN (SELECT _row FROM zt_bad_rows)
            )
        )
        UNION ALL
        SELECT t._row, 'record_id', 'duplicate record_id ' || t.record_id || ' in this file'
        FROM zt_typed t JOIN (SELECT record_id FROM zt_typed WHERE record_id IS NOT NULL
                              GROUP BY record_id HAVING count(*) > 1) d USING (record_id)
    """)


def _listed(con: Any, source: str) -> tuple[list[Problem], int]:
    total = int(con.execute("SELECT count(*) FROM zt_problems").fetchall()[0][0])
    rows = con.execute(
        f"SELECT _row, col, msg FROM zt_problems ORDER BY _row, col LIMIT {MAX_LISTED}"
    ).fetchall()
    return [Problem(source, int(r), str(c), str(m)) for r, c, m in rows], total


@reports_read_errors
def import_activities(
    ws: Workspace, path: Path, *, replace: bool = False, progress: Progress | None = None
) -> ImportReport:
    """Check the whole file, then add its new records (and, with replace, new versions)."""
    step = progress or no_progress()
    source = str(path)
    file_format(path)
    con = ws.con
    step("reading")
    columns = stage_large(con, path, "zt_stage", ACTIVITIES)
    typed = _type_problems(con, source, columns)
    raise_if(source, typed, len(typed))
    _typed_view(con, columns)
    step("checking values")
    _value_tables(con)
    step("checking rows")
    _find_problems(con)
    raise_if(source, *_listed(con, source))

    step("comparing with the workspace")
    differs = " OR ".join(f"a.{c} IS DISTINCT FROM t.{c}" for c in _FIELDS)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE zt_existing AS
        SELECT t._row, t.record_id, a.version, ({differs}) AS changed
        FROM zt_typed t JOIN activities a ON a.record_id = t.record_id AND a.current""")
    n_rows, n_changed, n_unchanged = con.execute(
        "SELECT (SELECT count(*) FROM zt_typed), count(*) FILTER (WHERE changed),"
        " count(*) FILTER (WHERE NOT changed) FROM zt_existing"
    ).fetchall()[0]
    if n_changed and not replace:
        listed = con.execute(
            f"SELECT _row, record_id FROM zt_existing WHERE changed ORDER BY _row"
            f" LIMIT {MAX_LISTED}"
        ).fetchall()
        raise_if(
            source,
            [
                Problem(
                    source,
                    int(r),
                    "record_id",
                    f"record {rid} already exists with different content; use --replace to "
                    "supersede it (the old version is kept)",
                )
                for r, rid in listed
            ],
            n_changed,
        )
    added = n_rows - n_unchanged - n_changed
    if added == 0 and n_changed == 0:
        return ImportReport("activities", source, n_rows, 0, 0, n_unchanged, None)

    import_id = new_import_id()
    step("writing")
    with ws.transaction():
        if n_changed:
            con.execute(f"""UPDATE activities SET current = false,
                           superseded_by = {sql_text(import_id)}
                           WHERE current AND record_id IN
                           (SELECT record_id FROM zt_existing WHERE changed)""")
        con.execute(f"""
            INSERT INTO activities
            SELECT t.record_id, coalesce(x.version, 0) + 1, true,
                   {", ".join(f"t.{c}" for c in _FIELDS)}, {sql_text(import_id)}, NULL
            FROM zt_typed t LEFT JOIN zt_existing x ON x.record_id = t.record_id
            WHERE x.record_id IS NULL OR x.changed""")
        step("committing to the ledger")
        _commit_to_ledger(ws, import_id)
        record_import(ws, import_id, "activities", path, added, n_changed)
    return ImportReport("activities", source, n_rows, added, n_changed, n_unchanged, import_id)


LEDGER_CHUNK = 1 << 17  # rows per ledger batch: bounds the canonical text held at once
LEDGER_FIELDS = _FIELDS
# How each committed field is rendered in the canonical bytes (see docs/ledger.md).
LEDGER_TYPES: dict[str, str] = {
    "record_id": "text",
    "version": "int",
    "entity": "text",
    "site": "text",
    "period_start": "date",
    "period_end": "date",
    "activity": "text",
    "quantity": "decimal",
    "unit": "text",
    "region": "text",
    "scope3_category": "int",
    "supplier": "text",
    "factor_id": "text",
    "ch4_origin": "text",
    "evidence": "text",
    "note": "text",
    **dict.fromkeys(_DQ, "int"),
}


def canonical_activity(row: dict[str, Any]) -> bytes:
    """Canonical bytes of a stored activity version (docs/ledger.md)."""
    return canonical_bytes("activity", {k: row[k] for k in ("record_id", "version", *_FIELDS)})


def canonical_of(ws: Workspace, record_id: str, version: int) -> bytes:
    """Canonical bytes of one stored activity version, read from the workspace."""
    rows = (
        ws.con.sql(
            f"SELECT record_id, version, {', '.join(_FIELDS)} FROM activities"
            f" WHERE record_id = {sql_text(record_id)} AND version = {int(version)}"
        )
        .to_arrow_table()
        .to_pylist()
    )
    if not rows:
        raise ZerotrailError(f"activity {record_id} version {version} is not in the workspace")
    return canonical_activity(rows[0])


def _commit_to_ledger(ws: Workspace, import_id: str) -> None:
    """Commit the rows this import just wrote to the Merkle log, in the order written, chunk
    by chunk (bounded memory at any size).

    Chunks are ranges of the new rows' row ids: contiguous for one insert, and a filter the
    database answers without scanning the rest. The database builds the canonical text
    (`canonical_sql`, tested equal to `canonical_activity`); the Appender hashes it.
    """
    con = ws.con
    mine = f"import_id = {sql_text(import_id)}"
    lo, hi = con.execute(f"SELECT min(rowid), max(rowid) FROM activities WHERE {mine}").fetchall()[
        0
    ]
    if lo is None:
        return
    canonical = canonical_sql("activity", LEDGER_TYPES, alias="q")
    with Appender.spooled(ws) as app:
        for start in range(int(lo), int(hi) + 1, LEDGER_CHUNK):
            query = f"""SELECT record_id AS ref, record_id, version, {", ".join(_FIELDS)}
                    FROM activities WHERE {mine}
                    AND rowid >= {start} AND rowid < {start + LEDGER_CHUNK}"""
            app.append_query("activity", query, canonical, LEDGER_CHUNK)
