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
from zerotrail.ingest.files import file_format, missing_columns, stage_large
from zerotrail.ingest.formats import ACTIVITIES
from zerotrail.ingest.imports import ImportReport, new_import_id, record_import
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


_NUMERIC = ("DOUBLE", "FLOAT", "DECIMAL", "INTEGER", "BIGINT", "SMALLINT", "TINYINT", "HUGEINT")


def _typed_view(con: Any, columns: tuple[str, ...]) -> None:
    """Typed columns (NULL where a value does not parse) beside the raw text for messages.

    Columns a Parquet file already types (dates, numbers) are used as they are: parsing them
    from text again would cost more than the rest of the import.
    """
    types = {
        str(n).strip().lower(): str(t).upper()
        for n, t, *_ in con.execute("DESCRIBE zt_stage").fetchall()
    }
    have = set(columns)

    def text(c: str, alias: str) -> str:
        if c not in have:
            return f"CAST(NULL AS VARCHAR) AS {alias}"
        if types.get(c, "VARCHAR") == "VARCHAR":
            return f"NULLIF(trim(\"{c}\"), '') AS {alias}"
        return f'CAST("{c}" AS VARCHAR) AS {alias}'

    def typed(c: str, sql_type: str) -> str:
        if c not in have:
            return f"CAST(NULL AS {sql_type}) AS {c}"
        t = types.get(c, "VARCHAR")
        if (
            t == sql_type
            or (sql_type == "DOUBLE" and t.startswith(_NUMERIC))
            or (sql_type == "DATE" and t.startswith("TIMESTAMP"))
        ):
            return f'CAST("{c}" AS {sql_type}) AS {c}'
        return f'TRY_CAST(trim(CAST("{c}" AS VARCHAR)) AS {sql_type}) AS {c}'

    parts = ["_row", *(text(c, c) for c in _TEXT)]
    parts += [
        text(c, f"{c}_raw")
        for c in ("period_start", "period_end", "quantity", "scope3_category", *_DQ)
    ]
    parts += [
        typed("period_start", "DATE"),
        typed("period_end", "DATE"),
        typed("quantity", "DOUBLE"),
    ]
    parts += [typed(c, "INTEGER") for c in ("scope3_category", *_DQ)]
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
    bad_units = [(a, u, why) for a, u in pairs if (why := unit_problem(con, a, u))]
    regions = sorted({r for _, _, r in combos if r is not None})
    bad_regions = [(r, why) for r in regions if (why := region_problem(r))]
    for name, ddl, rows in (
        (
            "zt_keys",
            "activity VARCHAR, why VARCHAR, allow_negative BOOLEAN, scope INTEGER,"
            " default_category INTEGER, allowed INTEGER[]",
            key_rows,
        ),
        ("zt_bad_units", "activity VARCHAR, unit VARCHAR, why VARCHAR", bad_units),
        ("zt_bad_regions", "region VARCHAR, why VARCHAR", bad_regions),
    ):
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} ({ddl})")
        if rows:
            marks = ", ".join("?" * len(rows[0]))
            con.executemany(f"INSERT INTO {name} VALUES ({marks})", rows)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE zt_factor_ids AS SELECT DISTINCT factor_id FROM factors"
    )


# Row checks: (column, condition, message). Aliases: t = the row, k = its key's verdict,
# bu/br = unit/region verdicts, e/s = its entity/site, f = its pinned factor.
_ROW_CHECKS: tuple[tuple[str, str, str], ...] = (
    *((c, f"t.{c} IS NULL", "'is empty (required)'") for c in ACTIVITIES.required if c in _TEXT),
    (
        "period_start",
        "t.period_start_raw IS NOT NULL AND t.period_start IS NULL",
        "'not an ISO date (expected YYYY-MM-DD): ' || t.period_start_raw",
    ),
    (
        "period_end",
        "t.period_end_raw IS NOT NULL AND t.period_end IS NULL",
        "'not an ISO date (expected YYYY-MM-DD): ' || t.period_end_raw",
    ),
    (
        "period_end",
        "t.period_end < t.period_start",
        "'ends before period_start (' || CAST(t.period_start AS VARCHAR) || ')'",
    ),
    (
        "quantity",
        "t.quantity_raw IS NOT NULL AND t.quantity IS NULL",
        "'not a number: ' || t.quantity_raw",
    ),
    (
        "quantity",
        "isinf(t.quantity) OR isnan(t.quantity)",
        "'not a finite number: ' || t.quantity_raw",
    ),
    (
        "quantity",
        "t.quantity < 0 AND NOT k.allow_negative",
        "'negative quantity not allowed for ' || t.activity"
        " || ' (only spend corrections may be negative)'",
    ),
    ("activity", "k.why IS NOT NULL", "k.why"),
    ("unit", "bu.why IS NOT NULL", "bu.why"),
    ("region", "br.why IS NOT NULL", "br.why"),
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
        "t.scope3_category_raw IS NOT NULL AND (t.scope3_category IS NULL"
        " OR t.scope3_category NOT BETWEEN 1 AND 15)",
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
            f"t.{c}_raw IS NOT NULL AND (t.{c} IS NULL OR t.{c} NOT BETWEEN 1 AND 5)",
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
    LEFT JOIN entities e ON e.entity = t.entity
    LEFT JOIN sites s ON s.site = t.site
    LEFT JOIN zt_factor_ids f ON f.factor_id = t.factor_id"""


def _find_problems(con: Any) -> None:
    """All row problems: one cheap pass to find the bad rows, then messages for those only."""
    any_bad = " OR ".join(f"coalesce({cond}, false)" for _, cond, _ in _ROW_CHECKS)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE zt_bad_rows AS SELECT t._row {_JOINED} WHERE {any_bad}"
    )
    cases = ", ".join(
        f"CASE WHEN coalesce({cond}, false) THEN {{'col': '{col}', 'msg': {msg}}} END"
        for col, cond, msg in _ROW_CHECKS
    )
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE zt_problems AS
        SELECT _row, p.col AS col, p.msg AS msg FROM (
            SELECT _row, unnest(ps) AS p FROM (
                SELECT t._row, list_filter([{cases}], lambda x: x IS NOT NULL) AS ps
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


def import_activities(
    ws: Workspace, path: Path, *, replace: bool = False, progress: Progress | None = None
) -> ImportReport:
    """Check the whole file, then add its new records (and, with replace, new versions)."""
    step = progress or no_progress()
    source = str(path)
    file_format(path)
    con = ws.con
    step("reading")
    columns = stage_large(con, path, "zt_stage")
    missing = missing_columns(source, columns, ACTIVITIES.required)
    raise_if(source, missing, len(missing))
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
