"""Importing activity records: set-wise checks in the database, then one transactional insert.

The file is staged as a view that DuckDB streams, so memory stays bounded however large the file.
Checks on distinct values (keys, units, regions) run once per distinct value in Python; checks on
rows run as SQL over the whole file. Only a file with no problems is written. Records already in
the workspace with identical content are skipped (re-importing a file changes nothing); a changed
record is refused unless `replace`, which marks the old version superseded and adds a new one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from zerotrail.errors import Problem, UnitError
from zerotrail.ingest.checks import Progress, collect, no_progress, raise_if, sql_text
from zerotrail.ingest.files import file_format, missing_columns, sha256_file, stage_large
from zerotrail.ingest.formats import ACTIVITIES
from zerotrail.model.keys import family_of, key_problem
from zerotrail.model.regions import region_problem
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


@dataclass(frozen=True, slots=True)
class ImportReport:
    kind: str
    file: str
    rows: int
    added: int
    replaced: int
    unchanged: int
    import_id: str | None


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


def _typed_view(con: Any, columns: tuple[str, ...]) -> None:
    have = set(columns)

    def text(c: str) -> str:
        if c not in have:
            return f"CAST(NULL AS VARCHAR) AS {c}"
        return f"NULLIF(trim(CAST(\"{c}\" AS VARCHAR)), '') AS {c}"

    def raw(c: str) -> str:
        if c not in have:
            return f"CAST(NULL AS VARCHAR) AS {c}_raw"
        return f"NULLIF(trim(CAST(\"{c}\" AS VARCHAR)), '') AS {c}_raw"

    parts = ["_row", *(text(c) for c in _TEXT)]
    parts += [raw(c) for c in ("period_start", "period_end", "quantity", "scope3_category", *_DQ)]
    parts += [
        "TRY_CAST(trim(CAST(period_start AS VARCHAR)) AS DATE) AS period_start",
        "TRY_CAST(trim(CAST(period_end AS VARCHAR)) AS DATE) AS period_end",
        "TRY_CAST(quantity AS DOUBLE) AS quantity",
    ]
    parts += [
        f'TRY_CAST("{c}" AS INTEGER) AS {c}' if c in have else f"CAST(NULL AS INTEGER) AS {c}"
        for c in ("scope3_category", *_DQ)
    ]
    con.execute(f"CREATE OR REPLACE TEMP VIEW zt_typed AS SELECT {', '.join(parts)} FROM zt_stage")
    # Content hash over the normalised fields: identical rows re-imported are recognised.
    fields = [
        "record_id",
        "entity",
        "site",
        "CAST(period_start AS VARCHAR)",
        "CAST(period_end AS VARCHAR)",
        "activity",
        "CAST(quantity AS VARCHAR)",
        "unit",
        "region",
        "CAST(scope3_category AS VARCHAR)",
        "supplier",
        "factor_id",
        "ch4_origin",
        "evidence",
        "note",
        *(f"CAST({c} AS VARCHAR)" for c in _DQ),
    ]
    digest = "md5(concat_ws('|', " + ", ".join(f"coalesce({f}, '')" for f in fields) + "))"
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW zt_hashed AS SELECT *, {digest} AS content_hash FROM zt_typed"
    )


def _value_tables(con: Any) -> None:
    """Check each distinct key, (key, unit) and region once, and record the verdicts as tables."""
    known = {r[0] for r in con.execute("SELECT DISTINCT activity FROM factors").fetchall()}
    keys = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT activity FROM zt_typed WHERE activity IS NOT NULL"
        ).fetchall()
    ]
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
                ",".join(str(c) for c in sorted(fam.allowed_categories)) if fam else "",
            )
        )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE zt_keys (activity VARCHAR, why VARCHAR, "
        "allow_negative BOOLEAN, scope INTEGER, default_category INTEGER, allowed VARCHAR)"
    )
    if key_rows:
        con.executemany("INSERT INTO zt_keys VALUES (?, ?, ?, ?, ?, ?)", key_rows)

    pairs = con.execute(
        "SELECT DISTINCT activity, unit FROM zt_typed"
        " WHERE activity IS NOT NULL AND unit IS NOT NULL"
    ).fetchall()
    bad_units = []
    for activity, unit in pairs:
        if activity in known:
            why = unit_problem(con, activity, unit)
            if why:
                bad_units.append((activity, unit, why))
    con.execute(
        "CREATE OR REPLACE TEMP TABLE zt_bad_units (activity VARCHAR, unit VARCHAR, why VARCHAR)"
    )
    if bad_units:
        con.executemany("INSERT INTO zt_bad_units VALUES (?, ?, ?)", bad_units)

    regions = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT region FROM zt_typed WHERE region IS NOT NULL"
        ).fetchall()
    ]
    bad_regions = [(r, why) for r in regions if (why := region_problem(r))]
    con.execute("CREATE OR REPLACE TEMP TABLE zt_bad_regions (region VARCHAR, why VARCHAR)")
    if bad_regions:
        con.executemany("INSERT INTO zt_bad_regions VALUES (?, ?)", bad_regions)


def _checks() -> list[str]:
    t = "zt_typed"
    checks = []
    for c in ACTIVITIES.required:
        if c in _TEXT:
            checks.append(f"SELECT _row, '{c}', 'is empty (required)' FROM {t} WHERE {c} IS NULL")
    checks += [
        f"""SELECT t._row, 'record_id', 'duplicate record_id ' || t.record_id || ' in this file'
            FROM {t} t JOIN (SELECT record_id FROM {t} WHERE record_id IS NOT NULL
                             GROUP BY record_id HAVING count(*) > 1) d USING (record_id)""",
        f"""SELECT _row, 'period_start',
            'not an ISO date (expected YYYY-MM-DD): ' || period_start_raw
            FROM {t} WHERE period_start_raw IS NOT NULL AND period_start IS NULL""",
        f"""SELECT _row, 'period_end', 'not an ISO date (expected YYYY-MM-DD): ' || period_end_raw
            FROM {t} WHERE period_end_raw IS NOT NULL AND period_end IS NULL""",
        f"""SELECT _row, 'period_end', 'ends before period_start (' || CAST(period_start AS VARCHAR)
            || ')' FROM {t} WHERE period_end < period_start""",
        f"""SELECT _row, 'quantity', 'not a number: ' || quantity_raw
            FROM {t} WHERE quantity_raw IS NOT NULL AND quantity IS NULL""",
        f"""SELECT _row, 'quantity', 'not a finite number: ' || quantity_raw
            FROM {t} WHERE isinf(quantity) OR isnan(quantity)""",
        f"""SELECT t._row, 'quantity', 'negative quantity not allowed for ' || t.activity
            || ' (only spend corrections may be negative)'
            FROM {t} t JOIN zt_keys k USING (activity)
            WHERE t.quantity < 0 AND NOT k.allow_negative""",
        f"""SELECT t._row, 'activity', k.why FROM {t} t JOIN zt_keys k USING (activity)
            WHERE k.why IS NOT NULL""",
        f"""SELECT t._row, 'unit', b.why FROM {t} t JOIN zt_bad_units b USING (activity, unit)""",
        f"""SELECT t._row, 'region', b.why FROM {t} t JOIN zt_bad_regions b USING (region)""",
        f"""SELECT t._row, 'entity', 'unknown entity ' || t.entity || ' (import it with'
            || ' `zerotrail import entities` first)'
            FROM {t} t LEFT JOIN entities e ON e.entity = t.entity
            WHERE t.entity IS NOT NULL AND e.entity IS NULL""",
        f"""SELECT t._row, 'site', 'unknown site ' || t.site || ' (import it with'
            || ' `zerotrail import sites` first)'
            FROM {t} t LEFT JOIN sites s ON s.site = t.site
            WHERE t.site IS NOT NULL AND s.site IS NULL""",
        f"""SELECT t._row, 'site', 'site ' || t.site || ' belongs to entity ' || s.entity
            || ', not ' || t.entity
            FROM {t} t JOIN sites s ON s.site = t.site WHERE t.entity <> s.entity""",
        f"""SELECT _row, 'scope3_category', 'not a whole number 1-15: ' || scope3_category_raw
            FROM {t} WHERE scope3_category_raw IS NOT NULL
            AND (scope3_category IS NULL OR scope3_category NOT BETWEEN 1 AND 15)""",
        f"""SELECT t._row, 'scope3_category', 'only Scope 3 activities take a category; '
            || t.activity || ' is Scope ' || CAST(k.scope AS VARCHAR)
            FROM {t} t JOIN zt_keys k USING (activity)
            WHERE t.scope3_category IS NOT NULL AND k.scope <> 3""",
        f"""SELECT t._row, 'scope3_category', 'category ' || CAST(t.scope3_category AS VARCHAR)
            || ' does not fit ' || t.activity || ' (expected one of ' || k.allowed || ')'
            FROM {t} t JOIN zt_keys k USING (activity)
            WHERE k.scope = 3 AND t.scope3_category BETWEEN 1 AND 15
            AND NOT list_contains(string_split(k.allowed, ','),
                                  CAST(t.scope3_category AS VARCHAR))""",
        f"""SELECT t._row, 'scope3_category', 'required for ' || t.activity
            || ' (the key implies no category)'
            FROM {t} t JOIN zt_keys k USING (activity)
            WHERE k.scope = 3 AND k.default_category IS NULL AND t.scope3_category_raw IS NULL""",
        f"""SELECT t._row, 'factor_id', 'unknown factor ' || t.factor_id
            FROM {t} t WHERE t.factor_id IS NOT NULL
            AND t.factor_id NOT IN (SELECT DISTINCT factor_id FROM factors)""",
        f"""SELECT _row, 'ch4_origin', 'expected fossil or non_fossil, not ' || ch4_origin
            FROM {t} WHERE ch4_origin IS NOT NULL AND ch4_origin NOT IN ('fossil', 'non_fossil')""",
        f"""SELECT _row, 'evidence', 'expected URIs and/or sha256:<64 hex digits>, not ' || evidence
            FROM {t} WHERE evidence IS NOT NULL AND NOT regexp_full_match(evidence,
            '((sha256:[0-9a-fA-F]{{64}}|[A-Za-z][A-Za-z0-9+.-]*:[^[:space:]]+)([[:space:]]+|$))+')""",
    ]
    for c in _DQ:
        checks.append(
            f"""SELECT _row, '{c}', 'expected a score 1-5, not ' || {c}_raw FROM {t}
            WHERE {c}_raw IS NOT NULL AND ({c} IS NULL OR {c} NOT BETWEEN 1 AND 5)"""
        )
    return checks


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
    problems = missing_columns(source, columns, ACTIVITIES.required)
    raise_if(source, problems, len(problems))
    _typed_view(con, columns)
    step("checking values")
    _value_tables(con)
    step("checking rows")
    problems, total = collect(con, source, _checks())
    raise_if(source, problems, total)

    step("comparing with the workspace")
    con.execute(
        """CREATE OR REPLACE TEMP TABLE zt_changed AS
           SELECT h._row, h.record_id, a.version FROM zt_hashed h
           JOIN activities a ON a.record_id = h.record_id AND a.current
           WHERE a.content_hash <> h.content_hash"""
    )
    n_rows = int(con.execute("SELECT count(*) FROM zt_typed").fetchone()[0])
    n_changed = int(con.execute("SELECT count(*) FROM zt_changed").fetchone()[0])
    n_unchanged = int(
        con.execute(
            """SELECT count(*) FROM zt_hashed h JOIN activities a
           ON a.record_id = h.record_id AND a.current AND a.content_hash = h.content_hash"""
        ).fetchone()[0]
    )
    if n_changed and not replace:
        listed = con.execute(
            "SELECT _row, record_id FROM zt_changed ORDER BY _row LIMIT 200"
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

    import_id = _import_id(path)
    step("writing")
    with ws.transaction():
        if n_changed:
            con.execute(
                """UPDATE activities SET current = false
                   WHERE current AND record_id IN (SELECT record_id FROM zt_changed)"""
            )
        con.execute(
            f"""INSERT INTO activities
                SELECT h.record_id, coalesce(c.version, 0) + 1, true, h.entity, h.site,
                       h.period_start, h.period_end, h.activity, h.quantity, h.unit, h.region,
                       h.scope3_category, h.supplier, h.factor_id, h.ch4_origin, h.evidence, h.note,
                       h.dq_technology, h.dq_time, h.dq_geography, h.dq_completeness,
                       h.dq_reliability, h.content_hash, {sql_text(import_id)}
                FROM zt_hashed h
                LEFT JOIN zt_changed c ON c.record_id = h.record_id
                WHERE c.record_id IS NOT NULL OR h.record_id NOT IN
                      (SELECT record_id FROM activities WHERE current)"""
        )
        record_import(ws, import_id, "activities", path, added, n_changed)
    return ImportReport("activities", source, n_rows, added, n_changed, n_unchanged, import_id)


def _import_id(path: Path) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    return f"imp-{stamp}"


def record_import(
    ws: Workspace, import_id: str, kind: str, path: Path, added: int, replaced: int
) -> None:
    ws.execute(
        "INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            import_id,
            kind,
            path.name,
            sha256_file(path),
            added,
            replaced,
            datetime.now(UTC).replace(tzinfo=None),
        ],
    )


__all__ = ["ImportReport", "import_activities", "unit_problem"]
