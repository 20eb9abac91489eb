"""Inputs a careless user or an attacker gives the command line, and a tiny workspace to give
them to (issue 11, problem 5: each of these once ended in a traceback).

Every importer gets the same categories of bad file: bytes that are not UTF-8, a field over
128 KiB, a required value left empty, an XLSX formula cell with no stored value, a damaged XLSX
and a damaged Parquet file; then the workspace and command cases (a truncated workspace, a bad
ZEROTRAIL_MEMORY_LIMIT, a year out of range, a directory for a file, a bad key name, a missing
key file, a verifier fed /dev/zero).
"""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.cli.invoke import Result, process, zerotrail
from tests.conftest import Templates
from tests.digests import table_digests
from tests.engines.conftest import ROOT

# --- a valid row for every importer -------------------------------------------------------------

SITES = [
    {"site": "HZ", "entity": "E", "kind": "campus", "region": "CN-EAST", "name": "Hangzhou"},
    {"site": "DC1", "entity": "E", "kind": "data_center_owned", "region": "CN-NORTH", "name": "DC"},
]
ACTIVITIES = [
    {
        "record_id": "a1",
        "entity": "E",
        "site": "HZ",
        "period_start": "2023-01-01",
        "period_end": "2023-12-31",
        "activity": "electricity.grid",
        "quantity": "1000",
        "unit": "MWh",
        "region": "CN-EAST",
        "note": "utility bill",
    }
]

# command, file stem, the rows of a valid file, and the text column a bad value goes into.
IMPORTERS: dict[str, tuple[tuple[str, ...], list[dict[str, str]], str]] = {
    "activities": (
        ("import", "activities"),
        [{**ACTIVITIES[0], "record_id": "a9", "period_start": "2023-02-01"}],
        "note",
    ),
    "entities": (
        ("import", "entities"),
        [
            {k: str(v) for k, v in ROOT[0].items()},
            {
                "entity": "E2",
                "name": "Emmet Two",
                "parent": "E",
                "equity_share": "100",
                "financial_control": "yes",
                "operational_control": "yes",
                "country": "CN",
            },
        ],
        "name",
    ),
    "sites": (
        ("import", "sites"),
        [
            *SITES,
            {"site": "SH", "entity": "E", "kind": "office", "region": "CN-EAST", "name": "SH"},
        ],
        "name",
    ),
    "instruments": (
        ("import", "instruments"),
        [
            {
                "instrument_id": "GEC-1",
                "type": "GEC",
                "mwh": "100",
                "period_start": "2023-01-01",
                "period_end": "2023-06-30",
                "region": "CN",
                "entity": "E",
                "site": "HZ",
                "status": "retired",
                "retired_on": "2023-07-15",
                "registry_id": "REG-1",
            }
        ],
        "registry_id",
    ),
    "factors": (
        ("import", "factors"),
        [
            {
                "factor_id": "custom-x:diesel",
                "factor_set": "custom-x",
                "activity": "stationary_combustion.diesel",
                "region": "CN",
                "valid_from": "2023-01-01",
                "valid_to": "2023-12-31",
                "unit": "litre",
                "currency_year": "",
                "gas": "CO2",
                "value": "2.68",
                "value_unit": "kg",
                "gwp_basis": "",
                "source": "test fixture",
                "edition": "1",
                "source_url": "https://example.org",
                "licence": "test",
                "verified": "false",
                "note": "fixture",
            }
        ],
        "note",
    ),
    "meters": (
        ("import", "meters"),
        [
            {
                "site": "DC1",
                "period_start": "2023-01-01",
                "period_end": "2023-01-31",
                "facility_mwh": "100",
                "it_mwh": "70",
                "onsite_renewable_mwh": "",
            }
        ],
        "site",
    ),
    "cooling": (
        ("import", "cooling"),
        [{"site": "DC1", "since": "2020-01-01", "technology": "air", "note": "as built"}],
        "note",
    ),
    "metrics": (
        ("import", "metrics"),
        [{"metric": "revenue", "year": "2023", "value": "100", "unit": "CNY million"}],
        "unit",
    ),
    "suppliers": (
        ("import", "suppliers"),
        [{"supplier": "SUP-1", "name": "Supplier One", "sbt_year": ""}],
        "name",
    ),
    "price-indices": (
        ("import", "price-indices"),
        [{"currency": "USD", "year": "2023", "index": "100", "source": "test fixture"}],
        "source",
    ),
    "credits": (
        ("credits", "import"),
        [
            {
                "credit_id": "CR-1",
                "registry": "Verra VCS",
                "project_id": "728",
                "project_name": "Wind farm",
                "methodology": "ACM0002",
                "type": "avoidance",
                "durability": "none",
                "vintage": "2022",
                "serial_start": "VCS-1",
                "serial_end": "VCS-100",
                "quantity": "100",
                "status": "held",
            }
        ],
        "project_name",
    ),
    "initiatives": (
        ("initiatives", "import"),
        [
            {
                "initiative_id": "INI-1",
                "name": "LED lighting",
                "owner": "Facilities",
                "lever": "efficiency",
                "sites": "HZ",
                "start_year": "2023",
                "expected_t_per_year": "10",
                "description": "relamping",
            }
        ],
        "description",
    ),
    "baseyear": (
        ("baseyear", "import"),
        [
            {
                "event_id": "EV-1",
                "base_year": "2023",
                "year": "2024",
                "kind": "acquisition",
                "description": "bought a company",
                "entity": "E",
                "in_base_year": "yes",
                "scope1_t": "10",
                "scope2_location_t": "5",
                "scope2_market_t": "5",
                "scope3_t": "",
            }
        ],
        "description",
    ),
}
# Importers that read XLSX and Parquet as well as CSV (factor sets are CSV only).
TABULAR = [k for k in IMPORTERS if k != "factors"]
# A required amount of each importer, for the empty-value cases.
AMOUNTS = {
    "activities": "quantity",
    "credits": "quantity",
    "instruments": "mwh",
    "meters": "facility_mwh",
    "metrics": "value",
    "price-indices": "index",
    "initiatives": "expected_t_per_year",
    "baseyear": "scope1_t",
    "entities": "equity_share",
    "factors": "value",
}
ROADMAP = """[[target]]
id = "S12"
name = "{name}"
kind = "absolute"
scopes = [1, 2]
scope2_method = "market"
base_year = 2023
target_year = 2030
reduction_pct = 30
set_year = 2024
"""

# --- files ---------------------------------------------------------------------------------------


def write_csv_rows(path: Path, rows: Sequence[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


def write_xlsx_rows(path: Path, rows: Sequence[dict[str, Any]]) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(rows[0]))
    for r in rows:
        ws.append(list(r.values()))
    wb.save(path)
    return path


def write_parquet_rows(path: Path, rows: Sequence[dict[str, Any]]) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pylist(list(rows)), path)
    return path


# --- the cases -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One refusal: the arguments after `--db W`, built in a folder, and what the line names."""

    id: str
    build: Callable[[Path], tuple[list[str], str]]  # folder -> (args, text the error names)
    env: dict[str, str] = field(default_factory=dict)
    db: Callable[[Path, Path], Path] | None = None  # (folder, template) -> workspace to use


def _importer(kind: str, path: Path) -> list[str]:
    return [*IMPORTERS[kind][0], str(path)]


def _non_utf8(kind: str) -> Case:
    def build(d: Path) -> tuple[list[str], str]:
        _, rows, col = IMPORTERS[kind]
        path = write_csv_rows(d / f"{kind}-latin1.csv", rows)
        data = path.read_bytes()
        value = rows[-1][col].encode()
        path.write_bytes(data.replace(value, value + b" caf\xe9 \xff", 1))
        return _importer(kind, path), path.name

    return Case(f"non-utf8-{kind}", build)


def _non_utf8_roadmap(d: Path) -> tuple[list[str], str]:
    path = d / "roadmap-latin1.toml"
    path.write_bytes(ROADMAP.format(name="Cut caf\xe9").encode("latin-1"))
    return ["targets", "add", str(path)], path.name


def _long_field(kind: str) -> Case:
    def build(d: Path) -> tuple[list[str], str]:
        _, rows, col = IMPORTERS[kind]
        long_rows = [*rows[:-1], {**rows[-1], col: "x" * 200_000}]
        path = write_csv_rows(d / f"{kind}-long.csv", long_rows)
        return _importer(kind, path), path.name

    return Case(f"field-over-128KiB-{kind}", build)


def _empty_amount(kind: str, fmt: str) -> Case:
    def build(d: Path) -> tuple[list[str], str]:
        _, rows, _ = IMPORTERS[kind]
        bad = [*rows[:-1], {**rows[-1], AMOUNTS[kind]: "" if fmt == "csv" else None}]
        if fmt == "csv":
            path = write_csv_rows(d / f"{kind}-empty.csv", bad)  # type: ignore[arg-type]
        else:
            path = write_parquet_rows(d / f"{kind}-empty.parquet", bad)
        return _importer(kind, path), path.name

    return Case(f"empty-{AMOUNTS[kind]}-{kind}-{fmt}", build)


def _xlsx_formula(kind: str) -> Case:
    def build(d: Path) -> tuple[list[str], str]:
        _, rows, _ = IMPORTERS[kind]
        first = next(iter(rows[-1]))
        amount = AMOUNTS.get(kind, first)
        # openpyxl stores the formula without a computed value, as a script would.
        bad = [*rows[:-1], {**rows[-1], amount: "=1+1"}]
        path = write_xlsx_rows(d / f"{kind}-formula.xlsx", bad)
        return _importer(kind, path), path.name

    return Case(f"xlsx-formula-without-value-{kind}", build)


def _corrupt(kind: str, suffix: str) -> Case:
    def build(d: Path) -> tuple[list[str], str]:
        path = d / f"{kind}-damaged{suffix}"
        if suffix == ".xlsx":
            good = write_xlsx_rows(d / f"{kind}-good.xlsx", IMPORTERS[kind][1]).read_bytes()
        else:
            good = write_parquet_rows(d / f"{kind}-good.parquet", IMPORTERS[kind][1]).read_bytes()
        path.write_bytes(good[: len(good) // 2])  # cut in half, as a failed copy leaves it
        return _importer(kind, path), path.name

    return Case(f"damaged-{suffix[1:]}-{kind}", build)


def _broken_sheet(kind: str) -> Case:
    """A workbook whose container is sound but whose sheet is not XML."""

    def build(d: Path) -> tuple[list[str], str]:
        import zipfile

        good = write_xlsx_rows(d / f"{kind}-good.xlsx", IMPORTERS[kind][1])
        path = d / f"{kind}-broken-sheet.xlsx"
        with zipfile.ZipFile(good) as zin, zipfile.ZipFile(path, "w") as zout:
            for info in zin.infolist():
                data = zin.read(info.filename)
                if info.filename.endswith("sheet1.xml"):
                    data = data[: len(data) // 2]
                zout.writestr(info, data)
        return _importer(kind, path), path.name

    return Case(f"xlsx-broken-sheet-{kind}", build)


def _zip_not_xlsx(d: Path) -> tuple[list[str], str]:
    import zipfile

    path = d / "photos.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("holiday.txt", "not a workbook")
    return _importer("activities", path), path.name


def _header_only(kind: str) -> Case:
    def build(d: Path) -> tuple[list[str], str]:
        path = d / f"{kind}-header-only.csv"
        path.write_text(",".join(IMPORTERS[kind][1][0]) + "\n", encoding="utf-8")
        return _importer(kind, path), path.name

    return Case(f"header-only-{kind}", build)


def _truncated_workspace(d: Path, template: Path) -> Path:
    data = template.read_bytes()
    db = d / "truncated.duckdb"
    db.write_bytes(data[: len(data) * 3 // 4])
    return db


def _garbage_workspace(d: Path, template: Path) -> Path:
    db = d / "notes.duckdb"
    db.write_text("these are my notes, not a workspace\n", encoding="utf-8")
    return db


def _directory_roadmap(d: Path) -> tuple[list[str], str]:
    folder = d / "roadmap.toml"
    folder.mkdir()
    return ["targets", "add", str(folder)], "roadmap.toml"


def _report_missing_key(d: Path) -> tuple[list[str], str]:
    return ["report", "--year", "2023", "--out", str(d / "rep"), "--key", "missing.txt"], (
        "missing.txt"
    )


def _fixed(args: list[str], names: str) -> Callable[[Path], tuple[list[str], str]]:
    return lambda d: (args, names)


def _verify_consistency_zero(d: Path) -> tuple[list[str], str]:
    cp = d / "cp.txt"
    cp.write_text("not a checkpoint\n", encoding="utf-8")
    return ["verify", "consistency", str(cp), str(cp), "--proof", "/dev/zero"], "/dev/zero"


CASES: list[Case] = [
    *[_non_utf8(k) for k in IMPORTERS],
    Case("non-utf8-roadmap", _non_utf8_roadmap),
    *[_long_field(k) for k in IMPORTERS],
    _empty_amount("activities", "csv"),
    _empty_amount("activities", "parquet"),
    _empty_amount("credits", "csv"),
    _empty_amount("meters", "parquet"),
    *[_xlsx_formula(k) for k in TABULAR],
    _header_only("suppliers"),
    *[_corrupt(k, ".xlsx") for k in TABULAR],
    *[_corrupt(k, ".parquet") for k in TABULAR],
    _broken_sheet("activities"),
    _broken_sheet("credits"),
    Case("zip-that-is-not-a-workbook", _zip_not_xlsx),
    Case(
        "truncated-workspace",
        _fixed(["inventory", "--year", "2023"], "truncated.duckdb"),
        db=_truncated_workspace,
    ),
    Case(
        "not-a-workspace",
        _fixed(["inventory", "--year", "2023"], "notes.duckdb"),
        db=_garbage_workspace,
    ),
    Case(
        "bad-memory-limit",
        _fixed(["inventory", "--year", "2023"], "ZEROTRAIL_MEMORY_LIMIT"),
        env={"ZEROTRAIL_MEMORY_LIMIT": "lots"},
    ),
    Case(
        "tiny-memory-limit",
        _fixed(["inventory", "--year", "2023"], "ZEROTRAIL_MEMORY_LIMIT"),
        env={"ZEROTRAIL_MEMORY_LIMIT": "10KB"},
    ),
    Case("calculate-year-99999", _fixed(["calculate", "--year", "99999"], "99999")),
    Case("inventory-year-0", _fixed(["inventory", "--year", "0"], "--year 0")),
    Case("directory-for-targets-add", _directory_roadmap),
    Case("dev-zero-for-targets-add", _fixed(["targets", "add", "/dev/zero"], "/dev/zero")),
    Case("directory-for-import", lambda d: (["import", "activities", str(d)], d.name)),
    Case("key-name-with-space", _fixed(["keys", "generate", "--name", "a b"], "a b")),
    Case("report-missing-key", _report_missing_key),
    Case(
        "verify-proof-dev-zero",
        _fixed(["verify", "proof", "/dev/zero", "--log-key", "k"], "/dev/zero"),
    ),
    Case(
        "verify-note-dev-zero", _fixed(["verify", "note", "/dev/zero", "--key", "k"], "/dev/zero")
    ),
    Case("verify-consistency-dev-zero", _verify_consistency_zero),
]

# --- running the command in this process ---------------------------------------------------------


def invoke(args: Sequence[str], env: dict[str, str] | None = None) -> Result:
    """`zerotrail ARGS` through main() in this process (tests/cli/invoke.py)."""
    return zerotrail(*args, env=env)


def digest(db: Path) -> dict[str, str]:
    """A digest of every table's contents (row order aside), or of the bytes of a file that is
    not a readable workspace."""
    if not db.is_file():
        return {}
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error:
        return {"<file>": hashlib.sha256(db.read_bytes()).hexdigest()}
    try:
        return table_digests(lambda sql: con.execute(sql).fetchall())
    except duckdb.Error:
        return {"<file>": hashlib.sha256(db.read_bytes()).hexdigest()}
    finally:
        con.close()


def build_template(folder: Path, shipped: Path) -> Path:
    """A small workspace: the shipped factors, one entity, two sites, a record, a 2023 run.
    `shipped` is a closed workspace file with the shipped factors (tests/conftest.py
    `workspace_template()`): copied, not loaded again."""
    from zerotrail.engine.settings import InventorySettings
    from zerotrail.ingest.activities import import_activities
    from zerotrail.ingest.organization import import_entities, import_sites
    from zerotrail.pipeline.calculation import calculate
    from zerotrail.store.workspace import open_workspace

    db = folder / "template.duckdb"
    shutil.copyfile(shipped, db)
    with open_workspace(str(db)) as ws:
        import_entities(ws, write_csv_rows(folder / "entities.csv", IMPORTERS["entities"][1][:1]))
        import_sites(ws, write_csv_rows(folder / "sites.csv", SITES))
        import_activities(ws, write_csv_rows(folder / "activities.csv", ACTIVITIES))
        calculate(ws, InventorySettings(2023))
    return db


def fresh_copy(template: Path, folder: Path) -> Path:
    db = folder / "w.duckdb"
    shutil.copyfile(template, db)
    return db


def cases_by_id() -> Iterator[tuple[str, Case]]:
    for c in CASES:
        yield c.id, c


# --- the test ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def template(workspace_template: Templates, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory.mktemp("template"), workspace_template())


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_refusal_is_one_line_and_changes_nothing(
    case: Case, template: Path, tmp_path: Path
) -> None:
    db = case.db(tmp_path, template) if case.db else fresh_copy(template, tmp_path)
    args, names = case.build(tmp_path)
    before = digest(db)
    res = invoke(["--db", str(db), *args], case.env)
    assert "Traceback" not in res.stderr, res.stderr
    assert "internal error" not in res.stderr, res.stderr
    assert res.code == 1, (res.code, res.stderr)
    lines = res.stderr.rstrip("\n").splitlines()
    assert lines, "no message"
    assert names in lines[0], lines[0]
    if lines[0].startswith("rejected:"):
        # A rejected file: the header line, then one line per problem, each naming the file.
        assert len(lines) >= 2 and all(line.startswith("  ") for line in lines[1:]), lines
    else:
        assert len(lines) == 1, lines
    assert digest(db) == before
    assert not (tmp_path / "rep").exists()
    assert not any(tmp_path.glob("*.key")) and not (Path.cwd() / "signer.key").exists()


def test_there_are_at_least_the_53_cases_of_the_probe() -> None:
    assert len(CASES) >= 53
    assert len({c.id for c in CASES}) == len(CASES)


# --- pipes and devices (issue 11 review, finding 5) ----------------------------------------------

# Every command that reads a small file the user names, with a FIFO where the file goes (each
# once hung forever waiting for a writer), and what the one line says it expected.
FIFO_COMMANDS: dict[str, tuple[list[str], str]] = {
    "verify-proof": (["verify", "proof", "{p}", "--log-key", "k"], "proof {p}"),
    "verify-note": (["verify", "note", "{p}", "--key", "k"], "note {p}"),
    "verify-consistency": (
        ["verify", "consistency", "{c}", "{c}", "--proof", "{p}"],
        "proof {p}",
    ),
    "audit-checkpoint": (["ledger", "audit", "--checkpoint", "{p}"], "checkpoint {p}"),
    "audit-state": (["ledger", "audit", "--state", "{p}"], "ledger state {p}"),
    "report-key": (["report", "--year", "2023", "--out", "{d}/rep", "--key", "{p}"], "{p}"),
    "targets-add": (["targets", "add", "{p}"], "{p} is not a regular file; expected a UTF-8 TOML"),
    "import": (["import", "activities", "{p}.csv"], "{p}.csv"),
}


@pytest.mark.parametrize("command", list(FIFO_COMMANDS))
def test_a_pipe_is_refused_without_waiting_for_a_writer(
    command: str, template: Path, tmp_path: Path
) -> None:

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    os.mkfifo(tmp_path / "fifo.csv")
    cp = tmp_path / "cp.txt"
    cp.write_text("not a checkpoint\n", encoding="utf-8")
    db = fresh_copy(template, tmp_path)
    args, names = FIFO_COMMANDS[command]
    fill = {"p": str(fifo), "c": str(cp), "d": str(tmp_path)}
    before = digest(db)
    # In a child process with a deadline: a command that opens the FIFO would block forever
    # (nothing ever writes to it), and the deadline fails the test instead of hanging it.
    done = process("--db", db, *(a.format(**fill) for a in args), timeout=60)
    lines = done.stderr.rstrip("\n").splitlines()
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "not a regular file" in lines[0], lines
    assert names.format(**fill) in lines[0], lines
    assert len(lines) == 1 or lines[0].startswith("rejected:"), lines
    assert digest(db) == before


@pytest.mark.parametrize("command", ["verify-proof", "verify-note", "audit-checkpoint"])
def test_a_device_is_refused_before_it_is_read(
    command: str, template: Path, tmp_path: Path
) -> None:
    # /dev/zero was read to 1 MiB + 1 before being refused as too large: now it is not opened.
    args, _ = FIFO_COMMANDS[command]
    db = fresh_copy(template, tmp_path)
    res = invoke(["--db", str(db), *(a.replace("{p}", "/dev/zero") for a in args)])
    assert res.code == 1, res.stderr
    assert res.stderr.strip().endswith("/dev/zero is not a regular file (it is a pipe or a device)")
