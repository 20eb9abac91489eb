"""Importing activity records: set-wise checks in the database, then one transactional insert.

Where it sits: ingest. The file is staged as a view (Parquet, streamed) or a temporary table
(CSV, XLSX) by `ingest/files.py`, so memory stays bounded however large the file. Checks on
distinct values (keys, units, regions, suppliers) run once per distinct value here, in Python;
checks on rows run in one pass of SQL over the file (store/activity_checks.py), each failed
check becoming a (row, column, message) problem. Only a file with no problems is written
(store/activities.py), with its ledger leaves, in one transaction. Records already stored with
identical content are skipped (re-importing a file changes nothing); a changed record is refused
unless `replace`, which marks the old version superseded (kept) and adds the new one as the
next version.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from zerotrail.errors import Problem, UnitError, ZerotrailError
from zerotrail.ingest.checks import MAX_LISTED, Progress, no_progress, raise_if
from zerotrail.ingest.files import file_format, reports_read_errors, stage_large
from zerotrail.ingest.formats import ACTIVITIES
from zerotrail.ingest.imports import ImportReport, new_import_id, note_import
from zerotrail.ledger.canonical import canonical_bytes
from zerotrail.model.keys import family_of, key_problem
from zerotrail.model.limits import text_problem
from zerotrail.model.regions import lineage, region_problem
from zerotrail.model.suggest import did_you_mean, key_candidates, region_codes
from zerotrail.store.activities import (
    ACTIVITY_FIELDS,
    OPTIONAL_FIELDS,
    changed_records,
    commit_activities,
    compare_with_stored,
    stored_activity,
    write_activities,
)
from zerotrail.store.activity_checks import (
    DATE_COLUMNS,
    FLOAT_TYPES,
    INTEGER_TYPES,
    STAGE,
    WHOLE_COLUMNS,
    KeyVerdict,
    Verdicts,
    base_type,
    create_typed_view,
    distinct_values,
    factor_units,
    find_problems,
    known_activities,
    known_regions,
    known_units,
    listed_problems,
    save_verdicts,
    staged_types,
)
from zerotrail.store.external import lake_held_records
from zerotrail.store.file_engine import file_engine, hand_over
from zerotrail.store.workspace import Workspace
from zerotrail.units import ALIASES, bridge_factor, compatible, conversion_factor, dimension


def unit_problem(
    con: Any, activity: str, unit: str, suggest: Callable[[str], str] | None = None
) -> str | None:
    """Why `unit` cannot be used for `activity` given the workspace's factors, or None;
    `suggest` gives an unknown unit's '; did you mean ...?'."""
    try:
        conversion_factor(unit, unit)
    except UnitError as exc:
        hint = suggest(unit) if suggest and str(exc).startswith("unknown unit") else ""
        return f"{exc}{hint} (expected a unit such as L, kg, kWh, MWh, GJ, km, passenger-km, USD)"
    rows = factor_units(con, activity)
    for f_unit, hc, hc_unit in rows:
        if compatible(unit, f_unit):
            return None
        if hc is not None and hc_unit:
            try:
                bridge_factor(unit, f_unit, hc, str(hc_unit))
                return None
            except UnitError:
                continue
    units = sorted({r[0] for r in rows})
    return (
        f"unit '{unit}' does not convert to the unit of any factor for {activity}"
        f" (factors are per {', '.join(units)})"
    )


# The column types a typed file (Parquet) may give each kind of column.
_ACCEPTED_TYPES = {
    "text": ("VARCHAR", *INTEGER_TYPES),
    "number": ("VARCHAR", *INTEGER_TYPES, *FLOAT_TYPES, "DECIMAL"),
    "date": ("VARCHAR", "DATE", "TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S"),
}
_EXPECTED_TYPE = {"text": "text", "number": "a number", "date": "a date"}


def _kind_of(column: str) -> str:
    if column in DATE_COLUMNS:
        return "date"
    if column == "quantity" or column in WHOLE_COLUMNS:
        return "number"
    return "text"


def _type_problems(con: Any, source: str, columns: tuple[str, ...]) -> list[Problem]:
    """Columns a typed file gives a type their values cannot have (a list of ids, a blob, a
    time zone): refused by name before any value is read, never turned into text."""
    types = staged_types(con)
    problems = []
    for c in ACTIVITIES.names:
        if c not in columns:
            continue
        kind = _kind_of(c)
        t = types.get(c, "VARCHAR")
        # NULL: a column with no value at all (each empty cell is then checked as such).
        if base_type(t) not in (*_ACCEPTED_TYPES[kind], "NULL"):
            problems.append(
                Problem(
                    source,
                    1,
                    c,
                    f"the file gives this column the type {t}; expected {_EXPECTED_TYPE[kind]}",
                )
            )
    return problems


# How many distinct unknown values of one kind get suggestions: each costs a comparison with
# every known name (milliseconds), and a file with thousands of unknown keys needs fixing at its
# source, not a suggestion per key.
MAX_SUGGESTED = 50


class _Suggester:
    """'; did you mean ...?' for the first MAX_SUGGESTED unknown values, '' after them."""

    def __init__(self, known: Iterable[str]) -> None:
        self.known = tuple(dict.fromkeys(known))  # in the caller's order of preference
        self.left = MAX_SUGGESTED

    def __call__(self, typed: str, among: Iterable[str] | None = None) -> str:
        if self.left <= 0:
            return ""
        self.left -= 1
        return did_you_mean(typed, self.known if among is None else among)


def _region_why(region: str, suggest: _Suggester) -> str | None:
    why = text_problem(region) or region_problem(region)
    return None if why is None else why + suggest(region)


def _site_conflicts(combos: Iterable[tuple[Any, ...]]) -> list[tuple[str, str, str]]:
    """(record region, site region, the site region's lineage) where a record's region is
    neither its site's region nor one of that region's ancestors (CN-EAST at a US-RFCW site). A
    coarser region (US at a US-RFCW site) is no conflict: the calculation uses the site's."""
    pairs = {(r, sr) for _, _, r, sr in combos if r is not None and sr is not None}
    out = []
    for region, site_region in sorted(pairs):
        if region_problem(region) is not None or region_problem(site_region) is not None:
            continue  # the region's own check names it
        line = lineage(site_region)
        if region not in line:
            out.append((region, site_region, ", ".join(line)))
    return out


def _not_energy(combos: Iterable[tuple[Any, ...]]) -> list[tuple[str, str]]:
    """(unit, its dimension) of the file's readable units that are not energy units."""
    out = []
    for unit in sorted({u for _, u, _, _ in combos if u is not None}):
        try:
            dim = dimension(unit)
        except UnitError:
            continue  # an unknown unit is refused by its own check
        if dim != "energy":
            out.append((unit, dim))
    return out


def _judge_values(con: Any) -> None:
    """Check each distinct key, (key, unit), region and supplier once; the verdicts are kept
    in the database for the row checks to join."""
    combos, suppliers = distinct_values(con)
    known = known_activities(con)
    keys = sorted({a for a, _, _, _ in combos if a is not None})
    key_rows: list[KeyVerdict] = []
    known_keys = sorted(known)
    suggest_key = _Suggester(known_keys)
    for k in keys:
        why = key_problem(k)
        if why is None and k not in known:
            hint = suggest_key(k, key_candidates(k, known_keys))
            why = (
                f"no factor in the workspace for activity '{k}'{hint}"
                " (see `zerotrail factors search`)"
            )
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
    pairs = sorted({(a, u) for a, u, _, _ in combos if a in known and u is not None})
    # The units factors are per come first: of `MMBtu` and `mmBtu`, the factors' spelling.
    suggest_unit = _Suggester([*sorted(known_units(con)), *sorted(ALIASES)])
    bad_units = [
        (a, u, why)
        for a, u in pairs
        if (why := text_problem(u) or unit_problem(con, a, u, suggest_unit))
    ]
    regions = sorted({r for _, _, r, _ in combos if r is not None})
    suggest_region = _Suggester(sorted(known_regions(con) | region_codes()))
    bad_regions = [(r, why) for r in regions if (why := _region_why(r, suggest_region))]
    # Suppliers are few: each distinct one is checked as text here, not once per row.
    bad_suppliers = [(v, why) for v in suppliers if v is not None and (why := text_problem(v))]
    save_verdicts(
        con,
        Verdicts(
            key_rows,
            bad_units,
            bad_regions,
            bad_suppliers,
            not_energy=_not_energy(combos),
            site_conflicts=_site_conflicts(combos),
        ),
    )


def check_staged(
    con: Any, source: str, columns: tuple[str, ...], step: Progress
) -> tuple[list[tuple[int, str, str]], int]:
    """Every check of the activity records staged as `zt_stage` (columns `columns`, in file
    order): the first MAX_LISTED problems as (row, column, message), and how many there are.
    A column typed wrongly is refused at once (naming `source`). Left behind for the writer:
    `zt_typed`, the records as they would be stored. Shared by the import and by lake tables
    (ingest/external.py), so both apply one set of rules."""
    typed = _type_problems(con, source, columns)
    raise_if(source, typed, len(typed))
    create_typed_view(con, columns)
    step("checking values")
    _judge_values(con)
    step("checking rows")
    find_problems(con, ACTIVITIES.required)
    return listed_problems(con, MAX_LISTED)


@reports_read_errors
def import_activities(
    ws: Workspace, path: Path, *, replace: bool = False, progress: Progress | None = None
) -> ImportReport:
    """Check the whole file, then add its new records (and, with replace, new versions)."""
    step = progress or no_progress()
    source = str(path)
    file_format(path)
    step("reading")
    with file_engine(ws) as files:
        columns = stage_large(files, path, STAGE, ACTIVITIES)
        found, total = check_staged(files, source, columns, step)
        raise_if(source, [Problem(source, r, c, m) for r, c, m in found], total)
        hand_over(files, ws, "zt_typed")
    # Compared and written in one transaction: on a shared (PostgreSQL) workspace another
    # import can land between a comparison and a write made apart, and its records would then
    # be added a second time.
    with ws.transaction():
        return _compare_and_write(ws, path, replace=replace, step=step)


def _compare_and_write(ws: Workspace, path: Path, *, replace: bool, step: Progress) -> ImportReport:
    """Compare the checked records (`zt_typed`) with the stored ones and write what is new;
    call inside the import's transaction."""
    source = str(path)
    con = ws.con
    step("comparing with the workspace")
    held, n_held = lake_held_records(ws, MAX_LISTED)
    raise_if(
        source,
        [
            Problem(
                source,
                r,
                "record_id",
                f"record {rid} is held by lake table {dataset}, read where its files are"
                " (give this record another id)",
            )
            for r, rid, dataset in held
        ],
        n_held,
    )
    n_rows, n_changed, n_unchanged = compare_with_stored(con)
    if n_changed and not replace:
        raise_if(
            source,
            [
                Problem(
                    source,
                    r,
                    "record_id",
                    f"record {rid} already exists with different content; use --replace to "
                    "supersede it (the old version is kept)",
                )
                for r, rid in changed_records(con, MAX_LISTED)
            ],
            n_changed,
        )
    added = n_rows - n_unchanged - n_changed
    if added == 0 and n_changed == 0:
        return ImportReport("activities", source, n_rows, 0, 0, n_unchanged, None)

    import_id = new_import_id()
    step("writing")
    write_activities(ws, import_id, supersede=n_changed > 0)
    step("committing to the ledger")
    commit_activities(ws, import_id)
    note_import(ws, import_id, "activities", path, added, n_changed)
    return ImportReport("activities", source, n_rows, added, n_changed, n_unchanged, import_id)


def canonical_activity(row: dict[str, Any]) -> bytes:
    """Canonical bytes of a stored activity version (docs/ledger.md). The optional fields
    (`heat_basis`) are committed only when given: a record without one has the bytes records
    had before the field existed."""
    fields = {k: row[k] for k in ("record_id", "version", *ACTIVITY_FIELDS)}
    fields |= {k: row[k] for k in OPTIONAL_FIELDS if row.get(k) is not None}
    return canonical_bytes("activity", fields)


def canonical_of(ws: Workspace, record_id: str, version: int) -> bytes:
    """Canonical bytes of one stored activity version, read from the workspace."""
    row = stored_activity(ws, record_id, version)
    if row is None:
        raise ZerotrailError(f"activity {record_id} version {version} is not in the workspace")
    return canonical_activity(row)
