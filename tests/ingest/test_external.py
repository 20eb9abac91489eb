"""Lake tables (`import activities PATH --external`): the records of Parquet files checked as an
import checks them, committed with the bytes an import commits, read in place by the
calculation and by every reading stage with the figures an import gives, and refused by the
next calculation, read and audit once a file changed, was added or was removed.

Most tests read one calculated lake workspace and one with the same rows imported, each built
once per session (`workspace_template`) and copied per test; the lake files they read live in
the template's folder, so a test that changes one restores it (`changed`)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.cli.invoke import zerotrail
from tests.conftest import Templates, open_copy
from tests.engines.conftest import write_csv
from tests.ingest.test_activities import campus
from zerotrail.engine.settings import InventorySettings
from zerotrail.errors import DataError, ZerotrailError
from zerotrail.ingest.activities import canonical_activity
from zerotrail.ingest.external import register_lake_table
from zerotrail.ledger.canonical import commitment
from zerotrail.pipeline.calculation import calculate
from zerotrail.pipeline.imports import import_activities, import_sites
from zerotrail.pipeline.inventory import inventory_breakdown, inventory_summary
from zerotrail.pipeline.publish import build
from zerotrail.pipeline.roadmap import add_targets, read_roadmap_file, target_progress
from zerotrail.pipeline.setup import open_workspace
from zerotrail.store.activities import LEDGER_TYPES
from zerotrail.store.audit import audit
from zerotrail.store.external import LAKE_KIND, LakeChangedError, lake_datasets
from zerotrail.store.workspace import Workspace

# Two files of one lake table. Electricity in CN-EAST in 2023: the shipped factor
# cn-mee-grid:2023.regional-average.cn-east is 0.55 kg CO2 per kWh.
FILE_A = [("L1", 1000.0, "note a"), ("L2", 2000.0, None)]
FILE_B = [("L3", 500.0, None)]
# Scope 2 (location) = (1000 + 2000 + 500) kWh x 0.55 kg/kWh = 1925 kg = 1.925 t CO2e.
SCOPE2 = 1.925


def write(path: Path, rows: list[tuple[str, float, str | None]], entity: str = "E") -> Path:
    """A Parquet file of electricity records at campus HZ in January 2023."""
    n = len(rows)
    table = pa.table(
        {
            "record_id": [r[0] for r in rows],
            "entity": [entity] * n,
            "site": ["HZ"] * n,
            "period_start": ["2023-01-01"] * n,
            "period_end": ["2023-01-31"] * n,
            "activity": ["electricity.grid"] * n,
            "quantity": pa.array([r[1] for r in rows], pa.float64()),
            "unit": ["kWh"] * n,
            "region": ["CN-EAST"] * n,
            "note": pa.array([r[2] for r in rows], pa.string()),
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)
    return path


def write_lake(folder: Path) -> Path:
    write(folder / "a.parquet", FILE_A)
    write(folder / "part" / "b.parquet", FILE_B)
    return folder


def lake_world(w: Workspace, folder: Path) -> None:
    """Campus HZ of entity E, the two files registered as a lake table, 2023 calculated."""
    campus(w, folder)
    register_lake_table(w, str(write_lake(folder / "lake")))
    calculate(w, InventorySettings(2023))


def plain_world(w: Workspace, folder: Path) -> None:
    """The same, the same two files imported instead."""
    campus(w, folder)
    lake = write_lake(folder / "lake")
    for f in ("a.parquet", "part/b.parquet"):
        import_activities(w, lake / f)
    calculate(w, InventorySettings(2023))


@pytest.fixture
def lake_db(workspace_template: Templates, tmp_path: Path) -> Path:
    """A closed copy of the calculated lake workspace (its files are the template's)."""
    return Path(shutil.copyfile(workspace_template(lake_world), tmp_path / "lake.duckdb"))


@pytest.fixture
def plain_db(workspace_template: Templates, tmp_path: Path) -> Path:
    return Path(shutil.copyfile(workspace_template(plain_world), tmp_path / "plain.duckdb"))


@pytest.fixture
def lake_files(workspace_template: Templates) -> Path:
    """The folder of the lake table the copies of the lake workspace read."""
    return workspace_template(lake_world).parent / "lake"


@contextmanager
def changed(path: Path) -> Iterator[Path]:
    """One byte in the middle of the file changed (its size kept), restored afterwards."""
    data = path.read_bytes()
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(flipped))
    try:
        yield path
    finally:
        path.write_bytes(data)


@pytest.fixture
def ws(workspace_template: Templates, tmp_path: Path) -> Any:
    w = open_copy(workspace_template(campus), tmp_path, "lake.duckdb")
    yield w
    w.close()


@pytest.fixture
def lake(tmp_path: Path) -> Path:
    return write_lake(tmp_path / "lake")


def committed_figures(ws: Workspace, year: int) -> dict[str, Any]:
    text = ws.scalar("SELECT committed FROM runs WHERE year = ? AND current", [year])
    figures = json.loads(str(text))
    for k in ("run_id", "as_of_import", "ledger_size_before"):
        figures.pop(k)
    return cast(dict[str, Any], figures)


def test_a_lake_table_calculates_as_the_same_rows_imported(
    lake_db: Path, plain_db: Path, lake_files: Path
) -> None:
    ws, plain = open_workspace(str(lake_db)), open_workspace(str(plain_db))
    try:
        assert ws.scalar("SELECT count(*) FROM lake_datasets") == 1
        # Nothing copied: the stored table is empty, lake records are read from the files.
        assert ws.scalar(f"SELECT count(*) FROM {lake_db.stem}.main.activities") == 0
        assert ws.scalar("SELECT count(*) FROM activities") == 3
        lake_run, plain_run = committed_figures(ws, 2023), committed_figures(plain, 2023)
        assert lake_run == plain_run
        assert float(lake_run["scope2_location"]) == pytest.approx(SCOPE2)
        assert lake_run["records"] == "3"

        # The same canonical bytes: each lake leaf opens with the plain import's record.
        leaves = ws.fetchall(
            "SELECT ref, salt, leaf_hash FROM ledger_leaves WHERE kind = 'activity' ORDER BY idx"
        )
        assert [r for r, _, _ in leaves] == ["L1", "L2", "L3"]  # file order, then row order
        names = ("record_id", "version", *LEDGER_TYPES, "heat_basis")
        for ref, salt, leaf in leaves:
            row = plain.fetchall(
                f"SELECT {', '.join(dict.fromkeys(names))} FROM activities WHERE record_id = ?",
                [ref],
            )[0]
            record = dict(zip(dict.fromkeys(names), row, strict=True))
            assert commitment(bytes(salt), canonical_activity(record)) == bytes(leaf)

        # The dataset is committed too, and the audit reads the run through the results view.
        assert ws.scalar("SELECT count(*) FROM ledger_leaves WHERE kind = ?", [LAKE_KIND]) == 1
        rep = audit(ws, LEDGER_TYPES)
        assert rep.ok, rep.findings
        assert rep.runs_read == 1

        # Registering the same files again changes nothing.
        again = register_lake_table(ws, str(lake_files))
        assert (again.import_id, again.unchanged) == (None, 3)
    finally:
        ws.close()
        plain.close()


def without_ids(value: Any) -> Any:
    """`value` without the ids that differ between two workspaces (runs, imports), its numbers
    to 12 significant digits: the lake's records reach the sums in another order, which moves
    the last bit of a double (1.925 against 1.9250000000000003)."""
    if isinstance(value, float):
        return float(f"{value:.12g}")
    if isinstance(value, dict):
        return {
            k: without_ids(v) for k, v in value.items() if not k.endswith(("run_id", "import_id"))
        }
    if isinstance(value, list | tuple):
        return [without_ids(v) for v in value]
    return value


def cli(db: Path, *args: str) -> Any:
    return zerotrail("--db", str(db), *args)


def test_inventory_reads_lake_records_as_imported_ones(lake_db: Path, plain_db: Path) -> None:
    for by in ((), ("--by", "site"), ("--by", "gas"), ("--by", "entity")):
        lake, plain = (
            cli(db, "inventory", "--year", "2023", "--format", "json", *by)
            for db in (lake_db, plain_db)
        )
        assert (lake.code, lake.stderr) == (0, ""), lake.stderr
        assert without_ids(json.loads(lake.stdout)) == without_ids(json.loads(plain.stdout)), by
    summary = json.loads(cli(lake_db, "inventory", "--year", "2023", "--format", "json").stdout)
    assert summary["scope2_location"] == pytest.approx(SCOPE2)  # 3,500 kWh x 0.55 kg/kWh


ROADMAP = """
[[target]]
id = "S12"
kind = "absolute"
name = "Scope 1 + 2 down 30% by 2030"
scopes = [1, 2]
scope2_method = "location"
base_year = 2023
target_year = 2030
reduction_pct = 30
set_year = 2023
"""


def test_progress_and_the_report_read_lake_records_as_imported_ones(
    lake_db: Path, plain_db: Path, tmp_path: Path
) -> None:
    (tmp_path / "roadmap.toml").write_text(ROADMAP, encoding="utf-8")
    seen = []
    for db in (lake_db, plain_db):
        ws = open_workspace(str(db))
        try:
            add_targets(ws, read_roadmap_file(tmp_path / "roadmap.toml"), "roadmap.toml")
            (p,) = target_progress(ws, 2023)
            report = build(ws, 2023)
            seen.append(
                (
                    inventory_summary(ws, 2023),
                    inventory_breakdown(ws, 2023, "scope"),
                    (p.base_value, p.target_value, p.actual, p.status),
                    report["inventory"],
                    report["years"],
                )
            )
        finally:
            ws.close()
    assert without_ids(seen[0]) == without_ids(seen[1])
    # Base 2023 = the lake's 1.925 t (Scope 2 location; no Scope 1); target 1.925 x 0.7.
    assert seen[0][2][:3] == (
        pytest.approx(SCOPE2),
        pytest.approx(SCOPE2 * 0.7),
        pytest.approx(SCOPE2),
    )
    assert seen[0][3]["scope2_location"] == pytest.approx(SCOPE2)


def test_a_read_only_workspace_reads_lake_records(lake_db: Path) -> None:
    before = lake_db.read_bytes()
    ws = open_workspace(str(lake_db), read_only=True)
    try:
        assert inventory_summary(ws, 2023)["scope2_location"] == pytest.approx(SCOPE2)
        # A lake record proves as a stored one would: its version read through the view.
        assert ws.scalar("SELECT quantity FROM activities WHERE record_id = 'L3'") == 500.0
    finally:
        ws.close()
    assert lake_db.read_bytes() == before


def test_a_changed_file_refuses_every_read_naming_it(lake_db: Path, lake_files: Path) -> None:
    named = lake_files / "part" / "b.parquet"
    with changed(named):
        done = cli(lake_db, "inventory", "--year", "2023")
        assert done.code == 1 and done.stdout == ""
        (line,) = done.stderr.splitlines()
        assert line.startswith("error: lake table imp-")
        assert f"file {named} changed since it was registered (same size, its SHA-256" in line
        # What reads no activity record still works.
        assert cli(lake_db, "settings", "show").code == 0
    # Restored: read again.
    assert cli(lake_db, "inventory", "--year", "2023").code == 0


def test_an_import_may_not_reuse_a_lake_record_id(lake_db: Path, tmp_path: Path) -> None:
    ws = open_workspace(str(lake_db))
    try:
        size = ws.scalar("SELECT count(*) FROM ledger_leaves")
        with pytest.raises(DataError) as exc:
            import_activities(
                ws, write(tmp_path / "n.parquet", [("N1", 1.0, None), ("L2", 1.0, None)])
            )
        (p,) = exc.value.problems
        dataset = lake_datasets(ws)[0].dataset_id
        assert (p.row, p.column) == (3, "record_id")
        assert p.message.startswith(f"record L2 is held by lake table {dataset}")
        assert ws.scalar("SELECT count(*) FROM ledger_leaves") == size
        # A new id imports, and reads see both it and the lake's records.
        import_activities(ws, write(tmp_path / "m.parquet", [("N1", 100.0, None)]))
        assert ws.scalar("SELECT count(*) FROM activities") == 4
    finally:
        ws.close()


def test_a_site_list_must_keep_the_sites_lake_records_name(lake_db: Path, tmp_path: Path) -> None:
    """Only the lake's records name campus HZ (the stored table is empty): dropping it is
    refused as for stored records (the entity check reads the same view)."""
    sites = [{"site": "XX", "entity": "E", "kind": "campus", "region": "CN-EAST"}]
    ws = open_workspace(str(lake_db))
    try:
        with pytest.raises(DataError) as exc:
            import_sites(ws, write_csv(tmp_path / "s.csv", sites))
        (p,) = exc.value.problems
        assert (p.column, p.message) == ("site", "site HZ is used by activities but missing here")
    finally:
        ws.close()


def test_a_bad_row_refuses_the_whole_dataset_naming_file_row_and_field(
    ws: Workspace, lake: Path
) -> None:
    bad = write(lake / "part" / "b.parquet", [("L3", 500.0, None), ("L4", -1.0, None)])
    size = ws.scalar("SELECT count(*) FROM ledger_leaves")
    with pytest.raises(DataError) as exc:
        register_lake_table(ws, str(lake))
    # Rows as a spreadsheet shows them: the header is row 1, the first record row 2.
    (p,) = exc.value.problems
    assert (p.source, p.row, p.column) == (str(bad), 3, "quantity")
    assert p.message.startswith("negative quantity not allowed for electricity.grid")
    assert lake_datasets(ws) == []
    assert ws.scalar("SELECT count(*) FROM ledger_leaves") == size
    assert ws.scalar("SELECT count(*) FROM imports WHERE kind LIKE '%lake%'") == 0


def test_a_record_id_already_stored_is_refused(ws: Workspace, lake: Path, tmp_path: Path) -> None:
    import_activities(ws, write(tmp_path / "stored.parquet", [("L2", 1.0, None)]))
    with pytest.raises(DataError) as exc:
        register_lake_table(ws, str(lake))
    (p,) = exc.value.problems
    assert (p.source, p.row, p.column) == (str(lake / "a.parquet"), 3, "record_id")
    assert "record L2 already exists" in p.message


def test_a_second_lake_table_with_a_known_id_is_refused(ws: Workspace, lake: Path) -> None:
    register_lake_table(ws, str(lake))
    other = write(lake.parent / "other" / "c.parquet", [("L9", 1.0, None), ("L1", 2.0, None)])
    with pytest.raises(DataError) as exc:
        register_lake_table(ws, str(other))
    assert [(p.row, p.message[:17]) for p in exc.value.problems] == [(3, "record L1 already")]


def test_a_glob_registers_the_files_it_matches(ws: Workspace, lake: Path) -> None:
    done = register_lake_table(ws, str(lake / "**" / "b.parquet"))
    assert done.rows == 1
    (d,) = lake_datasets(ws)
    assert (d.source_kind, [f.path for f in d.files]) == ("glob", [str(lake / "part/b.parquet")])


@contextmanager
def change_made(lake: Path, change: str) -> Iterator[tuple[Path, str]]:
    """(the file named, what is said of it) while the lake is changed; undone afterwards."""
    if change == "byte":
        with changed(lake / "part" / "b.parquet") as named:
            yield named, "changed since it was registered (same size, its SHA-256 differs)"
    elif change == "added":
        named = write(lake / "late.parquet", [("L5", 1.0, None)])
        try:
            yield named, f"was added to {lake} since it was registered"
        finally:
            named.unlink()
    else:
        named = lake / "a.parquet"
        named.rename(lake / "a.away")
        try:
            yield named, "was removed since it was registered"
        finally:
            (lake / "a.away").rename(named)


@pytest.mark.parametrize("change", ["byte", "added", "removed"])
def test_a_changed_file_stops_the_calculation_and_every_read(
    lake_db: Path, lake_files: Path, change: str
) -> None:
    ws = open_workspace(str(lake_db))
    try:
        with change_made(lake_files, change) as (named, said):
            with pytest.raises(LakeChangedError) as exc:
                calculate(ws, InventorySettings(2023))
            assert f"file {named} {said}" in str(exc.value)
            assert "\n" not in str(exc.value)
            # The workspace's later reads are refused too, naming the file.
            with pytest.raises(Exception, match="file .* " + said.split(" ")[0]):
                inventory_summary(ws, 2023)
            if change == "byte":  # one audit (28k factor leaves): the others find alike
                rep = audit(ws, LEDGER_TYPES)
                assert not rep.ok
                assert rep.findings[0].startswith("lake table ")
                assert f"file {named} {said}" in rep.findings[0]
                # The dataset's records are left out, not each named as deleted: the only
                # other finding is the run that read them, which cannot be read as committed.
                assert len(rep.findings) == 2, rep.findings
                assert (
                    "its results read through the results view are not what it committed"
                    in (rep.findings[1])
                )
    finally:
        ws.close()


def test_outside_a_read_the_stored_table_takes_writes(lake_db: Path) -> None:
    """A workspace not opened for reading lake tables shows them only inside a calculation."""
    from zerotrail.store.workspace import open_workspace as open_stored

    ws = open_stored(str(lake_db))
    try:
        calculate(ws, InventorySettings(2023))
        assert ws.scalar("SELECT count(*) FROM duckdb_views() WHERE view_name = 'activities'") == 0
        assert ws.scalar("SELECT count(*) FROM activities") == 0
    finally:
        ws.close()


def test_postgresql_workspaces_refuse_lake_tables(lake: Path) -> None:
    pg = cast(Workspace, SimpleNamespace(url="postgresql://u@localhost/zt"))
    with pytest.raises(ZerotrailError) as exc:
        register_lake_table(pg, str(lake))
    assert str(exc.value).startswith(
        "lake tables (--external) need a DuckDB workspace, or Spark for the calculation;"
    )


def test_nothing_to_register(ws: Workspace, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError) as exc:
        register_lake_table(ws, str(tmp_path / "empty"))
    assert str(exc.value.problems[0]) == f"{tmp_path / 'empty'}: no Parquet file in it"
    with pytest.raises(DataError) as exc:
        register_lake_table(ws, str(tmp_path / "nowhere.parquet"))
    assert "not found (expected a Parquet file, a folder of them, or a glob)" in str(
        exc.value.problems[0]
    )
