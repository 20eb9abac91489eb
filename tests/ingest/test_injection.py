"""No file reaches SQL as code: headers and values holding quotes, semicolons, comments and
DuckDB/PostgreSQL function calls, fed to every importer in every format it reads, are refused
with one-line problems or stored literally; no file's content leaks in; a refused import leaves
the workspace as it was."""

from __future__ import annotations

import csv
import io
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from tests.cli.invoke import zerotrail
from tests.conftest import Templates, open_copy
from tests.fuzz.importers import SEED_SCREENING
from tests.ingest.test_files import snapshot
from zerotrail.cli import app
from zerotrail.demo import DemoFiles, write_demo
from zerotrail.errors import DataError, ZerotrailError
from zerotrail.ingest.activities import import_activities
from zerotrail.ingest.credits import import_credits
from zerotrail.ingest.energy import import_cooling, import_meters
from zerotrail.ingest.factors import import_factors
from zerotrail.ingest.files import read_small, shown, stage_large
from zerotrail.ingest.formats import ACTIVITIES, SUPPLIERS, Format
from zerotrail.ingest.initiatives import import_initiatives
from zerotrail.ingest.instruments import import_instruments
from zerotrail.ingest.metrics import import_metrics, import_suppliers
from zerotrail.ingest.organization import import_entities, import_sites
from zerotrail.ingest.price_indices import import_price_indices
from zerotrail.ingest.screening import import_screening
from zerotrail.model.limits import MAX_ID_LENGTH
from zerotrail.pipeline.roadmap import add_targets, import_events
from zerotrail.pipeline.screening import screening
from zerotrail.store.workspace import Workspace, open_workspace
from zerotrail.targets.roadmap import read_roadmap

TOKEN = f"SECRET-{uuid.uuid4().hex}"  # the content of a file no import may read


@dataclass(frozen=True)
class Importer:
    command: tuple[str, ...]  # the CLI command
    run: Callable[[Workspace, Path], Any]
    demo: str | None  # DemoFiles field holding a valid file of this kind
    text_column: str  # the column the value payloads go into
    formats: tuple[str, ...] = ("csv", "xlsx", "parquet")


PRICE_INDICES_CSV = "currency,year,index,source,url,note\n" + "".join(
    f"USD,{y},{100 + y - 2015},test fixture (not real data),,\n" for y in range(2015, 2025)
)

IMPORTERS = {
    "activities": Importer(("import", "activities"), import_activities, "activities", "note"),
    "entities": Importer(("import", "entities"), import_entities, "entities", "name"),
    "sites": Importer(("import", "sites"), import_sites, "sites", "name"),
    "instruments": Importer(
        ("import", "instruments"), import_instruments, "instruments", "registry_id"
    ),
    "factors": Importer(("import", "factors"), import_factors, "factors", "note", ("csv",)),
    "price-indices": Importer(("import", "price-indices"), import_price_indices, None, "note"),
    "meters": Importer(("import", "meters"), import_meters, "meters", "site"),
    "cooling": Importer(("import", "cooling"), import_cooling, "cooling", "note"),
    "metrics": Importer(("import", "metrics"), import_metrics, "metrics", "metric"),
    "suppliers": Importer(("import", "suppliers"), import_suppliers, "suppliers", "name"),
    "credits": Importer(("credits", "import"), import_credits, "credits", "project_name"),
    "initiatives": Importer(
        ("initiatives", "import"), import_initiatives, "initiatives", "description"
    ),
    "baseyear": Importer(("baseyear", "import"), import_events, "baseline_events", "description"),
    "screening": Importer(
        ("import", "screening"), import_screening, None, "justification", ("csv", "xlsx")
    ),
}

# The files of the importers the demo's files do not cover (Importer.demo None).
FIXED_FILES = {"price-indices": PRICE_INDICES_CSV, "screening": SEED_SCREENING}


def payloads(secret: Path) -> list[str]:
    """Text that would do harm if it reached SQL as code (printable: values must be storable)."""
    s = str(secret)
    return [
        '"',
        "'",
        '";',
        f"x\" AS a, read_text('{s}') AS \"y",
        f"'; SELECT content FROM read_text('{s}'); --",
        '"; DROP TABLE activities; --',
        f"') UNION ALL SELECT content FROM read_text('{s}') /* comment",
        f"pg_read_file('{s}') -- comment",
        f"x\"); COPY (SELECT 1) TO '{secret.parent / 'leak.csv'}'; --",
        f"ATTACH '{secret.parent / 'evil.duckdb'}' AS evil; --",
        "naïve ünïcode ☃ 名前",
    ]


CONTROL_PAYLOADS = [
    "tab\there",
    "line\nbreak",
    "cr\rhere",
    "nul\x00byte",
    "\x1b[31mred",
    "rtl\u202eevil",
]


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(
    workspace_template: Templates, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[DemoFiles, Path, Path]]:
    """The demo's files, a secret file, and a workspace with the files every kind needs (on a
    copy of the shipped-factor workspace the session builds once, tests/conftest.py)."""
    root = tmp_path_factory.mktemp("injection")
    files = write_demo(root / "demo")
    secret = root / "secret.txt"
    secret.write_text(TOKEN + "\n")
    db = root / "base.duckdb"
    ws = open_copy(workspace_template(), root, db.name)
    import_factors(ws, files.factors)
    import_entities(ws, files.entities)
    import_sites(ws, files.sites)
    ws.close()
    yield files, secret, db


@pytest.fixture
def ws(world: tuple[DemoFiles, Path, Path], tmp_path: Path) -> Iterator[Workspace]:
    _, _, db = world
    copy = tmp_path / "w.duckdb"
    shutil.copy(db, copy)
    w = open_workspace(str(copy))
    yield w
    w.close()


def table_of(kind: str, files: DemoFiles, limit: int = 40) -> tuple[list[str], list[list[str]]]:
    """A valid file of `kind` as (header, rows): the demo's (its first rows for the big ones)."""
    imp = IMPORTERS[kind]
    text = FIXED_FILES[kind] if imp.demo is None else getattr(files, imp.demo).read_text()
    header, *rows = list(csv.reader(io.StringIO(text)))
    if kind == "factors":  # the demo's set is in the workspace already: a new set
        ids = header.index("factor_id"), header.index("factor_set")
        for r in rows:
            r[ids[0]], r[ids[1]] = "inj-" + r[ids[0]], "injection"
    whole = kind in {"entities", "sites", "suppliers"}  # a new list replaces the stored one
    return header, rows if whole else rows[:limit]


def write(path: Path, fmt: str, header: list[str], rows: list[list[str]]) -> Path:
    out = path.with_suffix("." + fmt)
    if fmt == "csv":
        with out.open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows([header, *rows])
    elif fmt == "xlsx":
        wb = openpyxl.Workbook()
        sheet = wb.active
        for r in [header, *rows]:
            sheet.append(r)
        wb.save(out)
    else:
        arrays = [pa.array([r[j] for r in rows], pa.string()) for j in range(len(header))]
        pq.write_table(pa.table(arrays, names=header), out)
    return out


def leaked(ws: Workspace) -> list[str]:
    """Tables of the workspace holding the secret's content anywhere."""
    found = []
    for schema, table in ws.fetchall(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE NOT temporary"
        " AND database_name = current_database()"
    ):
        n = ws.scalar(
            f'SELECT count(*) FROM "{schema}"."{table}" t WHERE CAST(t AS VARCHAR) LIKE ?',
            [f"%{TOKEN}%"],
        )
        if n:
            found.append(table)
    return found


def stored_literally(ws: Workspace, values: list[str]) -> set[str]:
    """Those of `values` some text column of the workspace holds exactly. One query a table
    for all the values and all its text columns (not one a value and column: 11 payloads
    times some 200 columns took seconds), stopping once every value is found."""
    found: set[str] = set()
    if not values:
        return found
    columns: dict[tuple[str, str], list[str]] = {}
    for schema, table, column in ws.fetchall(
        "SELECT schema_name, table_name, column_name FROM duckdb_columns()"
        " WHERE NOT internal AND data_type = 'VARCHAR' AND database_name = current_database()"
        " ORDER BY ALL"
    ):
        columns.setdefault((schema, table), []).append(column)
    marks = ", ".join("?" * len(values))
    for (schema, table), names in columns.items():
        texts = ", ".join(f'"{c}"' for c in names)
        found |= {
            str(v)
            for (v,) in ws.fetchall(
                f'SELECT DISTINCT v FROM (SELECT unnest([{texts}]) AS v FROM "{schema}"."{table}")'
                f" WHERE v IN ({marks})",
                values,
            )
        }
        if found >= set(values):
            break
    return found


def no_side_files(secret: Path) -> None:
    assert not (secret.parent / "leak.csv").exists()
    assert not (secret.parent / "evil.duckdb").exists()


def assert_clean_refusal(exc: BaseException) -> None:
    assert isinstance(exc, ZerotrailError)
    assert TOKEN not in str(exc)
    assert "\n" not in str(exc)
    for p in getattr(exc, "problems", ()):
        assert TOKEN not in str(p) and "\n" not in str(p) and "\r" not in str(p)


# --- every importer is here ------------------------------------------------------------------


def _file_commands(group: Any, prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    """CLI commands that take a data file: every `import` subcommand and every `... import`."""
    out = set()
    for cmd in group.registered_commands:
        name = cmd.name or (cmd.callback.__name__ if cmd.callback else "")
        path = (*prefix, name)
        if "import" in path:
            out.add(path)
    for sub in group.registered_groups:
        out |= _file_commands(sub.typer_instance, (*prefix, sub.name))
    return out


def test_every_import_command_is_covered() -> None:
    assert _file_commands(app) == {imp.command for imp in IMPORTERS.values()}


# --- headers ---------------------------------------------------------------------------------


CASES = [(kind, fmt) for kind, imp in IMPORTERS.items() for fmt in imp.formats]


@pytest.mark.parametrize(("kind", "fmt"), CASES, ids=[f"{k}-{f}" for k, f in CASES])
def test_a_hostile_header_is_refused_naming_each_column(
    world: tuple[DemoFiles, Path, Path], ws: Workspace, tmp_path: Path, kind: str, fmt: str
) -> None:
    files, secret, _ = world
    header, rows = table_of(kind, files, limit=3)
    hostile = payloads(secret) + (CONTROL_PAYLOADS if fmt != "xlsx" else [])
    if fmt == "csv":
        hostile = [h for h in hostile if "\x00" not in h]
    # The payloads as extra columns, and the first column's name with a payload appended.
    bad_header = [header[0] + '"; --', *header[1:], *hostile]
    bad_rows = [[*r, *hostile] for r in rows]
    path = write(tmp_path / "hostile", fmt, bad_header, bad_rows)
    before = snapshot(ws)
    with pytest.raises(DataError) as exc:
        IMPORTERS[kind].run(ws, path)
    assert_clean_refusal(exc.value)
    assert snapshot(ws) == before
    no_side_files(secret)
    named = {p.column for p in exc.value.problems if p.row == 1}
    if kind == "factors":  # its own header rules, on names printed whole
        assert {header[0] + '"; --', *(shown(h.strip(), None) for h in hostile)} <= named
    else:
        assert {
            shown(header[0] + '"; --'),
            *(shown(h.strip()) for h in hostile if h.strip()),
        } <= named
        assert all(
            p.row == 1 and ("unknown column" in p.message or "missing" in p.message)
            for p in exc.value.problems
        )


@pytest.mark.parametrize("kind", sorted(IMPORTERS))
def test_a_hostile_header_is_one_line_per_problem_on_the_command_line(
    world: tuple[DemoFiles, Path, Path], tmp_path: Path, kind: str
) -> None:
    files, secret, db = world
    copy = tmp_path / "w.duckdb"
    shutil.copy(db, copy)
    header, rows = table_of(kind, files, limit=3)
    hostile = payloads(secret)
    path = write(tmp_path / "hostile", "csv", [*header, *hostile], [[*r, *hostile] for r in rows])
    out = zerotrail(
        "--db", copy, *IMPORTERS[kind].command, path, cwd=tmp_path, env={"COLUMNS": "2000"}
    )
    assert out.returncode == 1
    assert "Traceback" not in out.stderr and TOKEN not in out.stderr + out.stdout
    lines = out.stderr.strip().splitlines()
    assert lines[0].startswith("rejected: ")
    # One line per problem: at least one per hostile column (an importer may name more).
    unknown = [line for line in lines[1:] if "unknown column" in line]
    assert len(unknown) == len(hostile)
    no_side_files(secret)
    w = open_workspace(str(copy))
    try:
        assert not leaked(w)
        ref = open_workspace(str(db))
        try:
            assert snapshot(w) == snapshot(ref)
        finally:
            ref.close()
    finally:
        w.close()


# --- values ----------------------------------------------------------------------------------


# Importers whose payload column is free text: the payloads must come back as written.
STORED = {
    "activities",
    "entities",
    "sites",
    "instruments",
    "factors",
    "price-indices",
    "cooling",
    "metrics",
    "suppliers",
    "credits",
    "initiatives",
    "screening",
}


@pytest.mark.parametrize(("kind", "fmt"), CASES, ids=[f"{k}-{f}" for k, f in CASES])
def test_hostile_values_are_stored_literally_or_refused(
    world: tuple[DemoFiles, Path, Path], ws: Workspace, tmp_path: Path, kind: str, fmt: str
) -> None:
    files, secret, _ = world
    imp = IMPORTERS[kind]
    header, rows = table_of(kind, files)
    col = header.index(imp.text_column)
    # Ids are at most MAX_ID_LENGTH characters (docs/formats.md, Limits): a payload naming the
    # secret's path outgrows that when the temporary folder is deep, and is then refused for
    # its length, which says nothing about SQL. Keep the payloads every column can hold.
    hostile = [v for v in payloads(secret) if len(v) <= MAX_ID_LENGTH]
    if kind == "factors":
        # One factor's rows (a factor per gas) share their fields: give every row of one
        # factor the same payload.
        ids = list(dict.fromkeys(r[0] for r in rows))
        for r in rows:
            r[col] = hostile[ids.index(r[0]) % len(hostile)]
        assert header[0] == "factor_id"
    else:
        for i, r in enumerate(rows[: len(hostile)]):
            r[col] = hostile[i]
    used = sorted({r[col] for r in rows} & set(hostile))
    path = write(tmp_path / "values", fmt, header, rows)
    before = snapshot(ws)
    try:
        imp.run(ws, path)
    except ZerotrailError as exc:
        assert kind not in STORED, [str(p) for p in getattr(exc, "problems", ())] or exc
        assert_clean_refusal(exc)
        assert snapshot(ws) == before
    else:
        assert kind in STORED
        if kind == "screening":  # kept as one JSON document: read back through its stage
            stored = {r["justification"] for r in screening(ws)}
        else:
            stored = stored_literally(ws, used)
        for value in used:
            assert value in stored, value
    assert not leaked(ws)
    no_side_files(secret)
    assert ws.scalar("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'activities'") == 1


def test_hostile_targets_are_stored_literally_or_refused(
    world: tuple[DemoFiles, Path, Path], ws: Workspace, tmp_path: Path
) -> None:
    files, secret, _ = world
    text = files.roadmap.read_text()
    for value in payloads(secret):
        toml = value.replace("\\", "\\\\").replace('"', '\\"')
        path = tmp_path / "roadmap.toml"
        path.write_text(text.replace('name = "', f'name = "{toml} ', 1), encoding="utf-8")
        before = snapshot(ws)
        try:
            add_targets(ws, read_roadmap(path), path.name, replace=True, reason="test")
        except ZerotrailError as exc:
            assert_clean_refusal(exc)
            assert snapshot(ws) == before
        assert not leaked(ws)
        no_side_files(secret)


# --- any header at all -----------------------------------------------------------------------


# Any text UTF-8 can hold: every code point but the surrogates (category Cs), which is what
# codec="utf-8" would also give, without Hypothesis encoding all 1.1 million code points to
# find that out in each test process (some 5 s: its cache is in the process's own folder).
header_text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=30)
known = st.sampled_from([*ACTIVITIES.names, *SUPPLIERS.names, "Record_ID ", " NAME"])
headers = st.lists(st.one_of(header_text, known), min_size=1, max_size=8)


Case = tuple[list[str], str, str]  # a header, the value of every cell below it, the format


def _writable(case: Case) -> bool:
    """Whether the format can hold the case at all: CSV no NUL, XLSX (XML) no control
    characters but tab and line breaks (openpyxl's own test, which refuses them)."""
    header, value, fmt = case
    texts = [*header, value]
    if fmt == "csv":
        return not any("\x00" in t for t in texts)
    if fmt == "xlsx":
        return not any(ILLEGAL_CHARACTERS_RE.search(t) for t in texts)
    return True


def _property_file(path: Path, case: Case) -> Path:
    header, value, fmt = case
    path = path.with_suffix("." + fmt)
    if fmt == "csv":
        with path.open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows([header, [value] * len(header)])
    elif fmt == "xlsx":
        wb = openpyxl.Workbook()
        wb.active.append(header)
        wb.active.append([value] * len(header))
        wb.save(path)
    else:
        arrays = [pa.array([value]) for _ in header]
        pq.write_table(pa.table(arrays, names=header), path)
    return path


# Three files an example, 50 examples: the 150 files of 150 examples, with a third of the
# examples' set-up (a database connection each). Each file is read in both formats, then the
# connection is checked for objects a header could have named, as with one file an example.
CASES_PER_EXAMPLE = 3
cases = st.lists(
    st.tuples(headers, header_text, st.sampled_from(["csv", "xlsx", "parquet"])).filter(_writable),
    min_size=CASES_PER_EXAMPLE,
    max_size=CASES_PER_EXAMPLE,
)


@settings(
    max_examples=150 // CASES_PER_EXAMPLE,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batch=cases)
def test_any_header_is_read_as_the_format_or_refused(tmp_path: Path, batch: list[Case]) -> None:
    con = duckdb.connect()
    try:
        for i, case in enumerate(batch):
            path = _property_file(tmp_path / f"f{i}", case)
            for format_ in (ACTIVITIES, SUPPLIERS):
                _check_large(con, path, format_)
                _check_small(path, format_)
            # Nothing but what staging makes: no table or view a header could have named.
            objects = {
                r[0]
                for r in con.execute(
                    "SELECT table_name FROM duckdb_tables() UNION ALL"
                    " SELECT view_name FROM duckdb_views() WHERE NOT internal"
                ).fetchall()
            }
            assert objects <= {"zt_stage", "zt_stage_rawt", "zt_stage_rawv"}
    finally:
        con.close()


def _check_large(con: Any, path: Path, fmt: Format) -> None:
    try:
        columns = stage_large(con, path, "zt_stage", fmt)
    except DataError as exc:
        assert_clean_refusal(exc)
        return
    assert set(columns) <= set(fmt.names) and set(fmt.required) <= set(columns)
    described = [r[0] for r in con.execute("DESCRIBE zt_stage").fetchall()]
    assert described == ["_row", *columns]


def _check_small(path: Path, fmt: Format) -> None:
    try:
        f = read_small(path, fmt)
    except DataError as exc:
        assert_clean_refusal(exc)
        return
    assert set(f.columns) <= set(fmt.names) and set(fmt.required) <= set(f.columns)
    assert all(set(r) == set(f.columns) for _, r in f.rows)
