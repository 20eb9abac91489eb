"""Every command on a PostgreSQL workspace does what it does on DuckDB (issue 15, point 1).

One PostgreSQL database holds the demo (tests/conftest.py `postgres_demo`, one run per worker)
and a copy of the DuckDB demo (`demo_job`) is its twin. Each reading command runs on both and
must exit 0 with the same figures and the same messages; each writing command runs on a clone
of each (`CREATE DATABASE ... TEMPLATE`, a file copy; a copy of the DuckDB file) and must do the
same to both. Commands run in this process (tests/cli/invoke.py), with ZEROTRAIL_DEBUG=1 so that
an error escaping the error tree would print its traceback; no output may hold a traceback, an
"internal error", a psycopg error class, or the password of the workspace's URL (the tests'
server trusts its Unix socket, so a password in the URL is accepted and must be hidden).

What the twins may differ in, and is left out of every comparison: ids and times taken from the
clock (`run-2025-20261203T...`, `imp-...`, timestamps), the names, key hashes and signatures of
each demo's own keys, and the last digits of sums, compared to a relative 1e-9 (PostgreSQL adds
in another order).

First of all, the demo itself: `zerotrail --db postgresql://... demo` runs every stage a user
runs (imports, calculations of 2020-2025, roadmap, credits, claims, ledger, report) inside
PostgreSQL; its report.json must hold the DuckDB demo's figures to a relative 1e-9, and its
ledger must audit clean. (Here, beside the commands that read it, so that one test process
builds the PostgreSQL demo: each process has its own server.)
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from tests import postgres
from tests.cli.invoke import Result, zerotrail
from tests.conftest import DemoJob, PostgresDemo
from tests.postgres import differences

PASSWORD = PostgresDemo.PASSWORD
DEBUG = {"ZEROTRAIL_DEBUG": "1"}

# Text the clock or a demo's own keys decide.
_VOLATILE = (
    # A PostgreSQL workspace's ledger state lives in the user's state folder, not beside it.
    (
        re.compile(r"\S*/zerotrail/postgres-[0-9a-f]{24}\.ledger-state\.json"),
        "DB.ledger-state.json",
    ),
    (re.compile(r"\brun-(\d{4})-\d{8}T\d+"), r"run-\1-ID"),
    (re.compile(r"\bimp-\d{8}T\d+"), "imp-ID"),
    (re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?(\+00:00)?"), "TIME"),
    (re.compile(r"\+[0-9a-f]{8}\+[A-Za-z0-9+/=]{40,}"), "+KEY"),  # a verifier key
    (re.compile(r"\+[0-9a-f]{8}\b"), "+KEYHASH"),
    (re.compile(r"^— (\S+) [A-Za-z0-9+/=]{60,}$", re.M), r"— \1 SIGNATURE"),  # a note's signature
    # A checkpoint's root hash: each demo commits its records with salts of its own.
    (re.compile(r"^[A-Za-z0-9+/]{43}=$", re.M), "ROOT"),
)
_NUMBER = re.compile(r"-?\d+\.\d+(?:e[-+]?\d+)?")


# What differs between any two runs of the demo: ids and times it takes from the clock, and the
# ledger (fresh keys and salts; its figures are the report's own, compared above it).
# The verification statement's SHA-256 too: its body names the checkpoint's root hash.
REPORT_VOLATILE = {"run_id", "created_at", "published_at", "ledger", "ref", "statement_sha256"}


def test_the_demo_on_postgresql_reports_the_duckdb_figures(
    demo_job: DemoJob, postgres_demo: PostgresDemo, tmp_path: Path
) -> None:
    url = postgres_demo.url
    assert postgres_demo.returncode == 0, postgres_demo.stderr
    code, _, _ = demo_job.result()
    assert code == 0
    duck = json.loads((demo_job.out / "report" / "report.json").read_text())
    pg = json.loads((postgres_demo.out / "report" / "report.json").read_text())
    found: list[str] = []
    differences(
        duck,
        pg,
        "report",
        found,
        skip=REPORT_VOLATILE,
        same=lambda a, b: isinstance(a, str) and a.startswith("run-"),
    )
    assert found == []
    audit = subprocess.run(
        [sys.executable, "-m", "zerotrail", "--db", url, "ledger", "audit"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert "ledger intact" in audit.stdout


@dataclass(frozen=True)
class Twins:
    """The same workspace on PostgreSQL and on DuckDB, with each demo's folder."""

    pg: str  # URL, with PASSWORD in it
    duck: str  # path of a DuckDB copy
    pg_demo: Path
    duck_demo: Path
    pg_out: Path  # a folder for what commands write
    duck_out: Path


def _normal(text: str, twins: Twins, engine: str) -> str:
    """`text` with the engine's own paths and URL, ids, times and keys replaced by names."""
    demo, out, db = (
        (twins.pg_demo, twins.pg_out, twins.pg)
        if engine == "pg"
        else (twins.duck_demo, twins.duck_out, twins.duck)
    )
    from zerotrail.store.workspace import display_url

    # The workspace first: the DuckDB copy's file lies in the output folder.
    text = text.replace(f"'{display_url(db)}'", "DB").replace(display_url(db), "DB")
    for path, name in ((out, "OUT"), (demo, "DEMO")):
        text = text.replace(str(path), name)
    for pattern, name in _VOLATILE:
        text = pattern.sub(name, text)
    return text


def _parsed(text: str) -> Any:
    """JSON as data; CSV or text as lines of cells, numbers as numbers (tables print figures
    rounded, so their text is compared as it is)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass

    def cell(c: str) -> Any:
        return float(c) if _NUMBER.fullmatch(c) else c

    return [[cell(c) for c in row] for row in csv.reader(io.StringIO(text))]


def _assert_clean(result: Result) -> None:
    for stream in (result.stdout, result.stderr):
        assert "Traceback" not in stream, stream
        assert "internal error" not in stream, stream
        assert PASSWORD not in stream
        assert "psycopg" not in stream.lower(), stream


def both(twins: Twins, *args: str) -> tuple[Result, Result]:
    """`zerotrail --db DB ARGS` on each twin (PostgreSQL first); in ARGS, `{demo}` is that
    twin's demo folder and `{out}` its output folder. Asserts both exit alike, print the same
    (within 1e-9 for numbers) and print nothing a user must never see."""
    results = []
    for db, demo, out in (
        (twins.pg, twins.pg_demo, twins.pg_out),
        (twins.duck, twins.duck_demo, twins.duck_out),
    ):
        argv = [a.format(demo=demo, out=out) for a in args]
        result = zerotrail("--db", db, *argv, cwd=out, env=DEBUG)
        _assert_clean(result)
        results.append(result)
    pg, duck = results
    where = " ".join(args)
    assert pg.code == duck.code, f"{where}: {pg.code} against {duck.code}\n{pg.stderr}{duck.stderr}"
    for stream in ("stdout", "stderr"):
        a = _normal(getattr(duck, stream), twins, "duck")
        b = _normal(getattr(pg, stream), twins, "pg")
        found: list[str] = []
        differences(_parsed(a), _parsed(b), stream, found)
        assert found == [], f"{where}: DuckDB against PostgreSQL\n" + "\n".join(found[:20])
    return pg, duck


# --- the twins -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_twins(
    postgres_demo: PostgresDemo, demo_job: DemoJob, tmp_path_factory: pytest.TempPathFactory
) -> Twins:
    assert postgres_demo.returncode == 0, postgres_demo.stderr
    assert demo_job.result()[0] == 0
    folder = tmp_path_factory.mktemp("duck-twin")
    duck = folder / "demo.duckdb"
    shutil.copyfile(demo_job.db, duck)  # the shared file is never opened here
    return Twins(
        postgres_demo.url,
        str(duck),
        postgres_demo.out,
        demo_job.out,
        folder,
        folder,
    )


@pytest.fixture
def twins(demo_twins: Twins, tmp_path: Path) -> Twins:
    """The demo twins, reading: each writes its output into a folder of its own."""
    (tmp_path / "pg").mkdir()
    (tmp_path / "duck").mkdir()
    return replace(demo_twins, pg_out=tmp_path / "pg", duck_out=tmp_path / "duck")


@pytest.fixture
def clones(twins: Twins, postgres_demo: PostgresDemo) -> Twins:
    """Writable twins: a clone of the PostgreSQL demo database, a copy of the DuckDB file."""
    url = postgres.create_database(template=postgres_demo.name)
    duck = twins.duck_out / "w.duckdb"
    shutil.copyfile(twins.duck, duck)
    return replace(twins, pg=PostgresDemo.with_password(url), duck=str(duck))


def test_the_demo_never_prints_the_password_of_its_workspace(
    postgres_demo: PostgresDemo,
) -> None:
    # `demo --format json` once printed the URL as given, password and all.
    from zerotrail.store.workspace import display_url

    assert PASSWORD not in postgres_demo.stdout + postgres_demo.stderr
    printed = json.loads(postgres_demo.stdout)
    assert printed["workspace"] == display_url(postgres_demo.url)
    assert ":***@" in printed["workspace"]


# --- commands that read -------------------------------------------------------------------------

READS = [
    ("factors", "list", "--format", "json"),
    ("factors", "search", "e_bike", "--format", "json"),
    ("factors", "search", "--publisher", "desnz", "--year", "2024", "--limit", "8"),
    ("factors", "show", "emmet-proxies:commuting.e_bike:CN:2020"),
    ("factors", "explain", "A2025-000694", "--format", "json"),
    ("factors", "explain", "A2025-000001", "--year", "2021"),
    ("factors", "diff", "epa-hub-2023", "epa-hub-2024", "--format", "csv"),
    ("gwp", "show", "--set", "AR6", "--format", "json"),
    *[
        ("inventory", "--year", "2025", "--by", by, "--format", "json")
        for by in ("scope", "entity", "site", "category", "gas", "month", "activity")
    ],
    ("inventory", "--year", "2021", "--by", "site", "--format", "csv"),
    ("inventory", "--year", "2023"),
    ("progress", "--year", "2025", "--format", "json"),
    ("targets", "list", "--format", "json"),
    ("targets", "show", "S12-ABS-2025"),
    ("targets", "check", "--format", "json"),
    ("baseyear", "show", "--year", "2020", "--format", "json"),
    ("credits", "list", "--format", "json"),
    ("credits", "list", "--year", "2024", "--format", "csv"),
    ("energy", "renewables", "--year", "2025", "--format", "json"),
    ("energy", "datacentres", "--year", "2022", "--format", "json"),
    ("initiatives", "list", "--year", "2025", "--format", "json"),
    ("initiatives", "show", "INI-ZB-FREE-COOLING", "--format", "json"),
    ("settings", "show", "--format", "json"),
    # Refusals: one line each, the same on both.
    ("factors", "explain", "NOPE"),
    ("factors", "search", "--set", "nope"),
    ("targets", "show", "NOPE"),
    ("inventory", "--year", "2019"),
]


@pytest.mark.parametrize("args", READS, ids=lambda a: " ".join(a))
def test_a_reading_command_prints_what_it_prints_on_duckdb(
    twins: Twins, args: tuple[str, ...]
) -> None:
    pg, _ = both(twins, *args)
    if pg.code:
        assert len(pg.stderr.splitlines()) == 1, pg.stderr


def test_factor_commands_read_the_workspace_library_not_the_shipped_one(twins: Twins) -> None:
    # A PostgreSQL URL names no file: the factor commands once took the workspace for absent
    # and listed the shipped sets only, without the demo's own set (factors.csv).
    pg, _ = both(twins, "factors", "list", "--format", "csv")
    assert "\nemmet-proxies,emmet-proxies," in pg.stdout


def test_the_ledger_holds_the_same_records_in_the_same_order(twins: Twins) -> None:
    # The same files imported the same way give the same leaves in the same order on both
    # (docs/ledger.md: commit order, file order within an import): the demo's derived records
    # (`~wtt`, `~td`, `~wtt-td`, written in that order) were once committed by record id on
    # PostgreSQL.
    from zerotrail.store.workspace import open_workspace

    sequences = []
    for db in (twins.pg, twins.duck):
        with open_workspace(db, read_only=True) as ws:
            rows = ws.fetchall("SELECT kind, ref, version FROM ledger_leaves ORDER BY idx")
        sequences.append([(k, _normal(str(r), twins, "pg"), int(v)) for k, r, v in rows])
    pg, duck = sequences
    assert len(pg) == len(duck) > 40_000
    first = next((i for i, (a, b) in enumerate(zip(pg, duck, strict=True)) if a != b), None)
    assert first is None, f"leaf {first}: {pg[first]} against {duck[first]}"


def test_ledger_audit_proofs_and_samples_as_on_duckdb(twins: Twins) -> None:
    pg, _ = both(
        twins,
        "ledger",
        "audit",
        "--log-key",
        "{demo}/log.vkey",
        "--witness-key",
        "{demo}/witness.vkey",
        "--checkpoint",
        "{demo}/report/checkpoint.txt",
    )
    assert pg.code == 0 and "ledger intact" in pg.stdout
    both(twins, "ledger", "prove", "A2025-000001", "-o", "{out}/a.tlog-proof", "--with-opening")
    # The same entry of a log of the same size, the same committed fields.
    pg, _ = both(twins, "verify", "proof", "{out}/a.tlog-proof", "--log-key", "{demo}/log.vkey")
    assert pg.stdout.startswith("ok: entry ") and "quantity: 382614.756000000" in pg.stdout
    both(twins, "ledger", "prove", "S12-NEUTRAL:2025", "--kind", "claim", "-o", "{out}/c.proof")
    both(twins, "verify", "proof", "{out}/c.proof", "--log-key", "{demo}/log.vkey")
    both(twins, "ledger", "sample", "-o", "{out}/sample", "--size", "30", "--seed", "3")
    assert (twins.pg_out / "sample" / "index.csv").read_text() == (
        twins.duck_out / "sample" / "index.csv"
    ).read_text()


# --- commands that write, each on a clone --------------------------------------------------------


def _changed_activities(demo: Path, target: Path) -> Path:
    """A file of three records: A2025-000001 with another quantity, and two new records whose
    ids are out of order (Z-2 before Z-1) to see the ledger keep the file's order."""
    with (demo / "activities.csv").open(newline="") as f:
        rows = list(csv.reader(f))
    header, first = rows[0], next(r for r in rows if r[0] == "A2025-000001")
    quantity = header.index("quantity")
    changed = [*first]
    changed[quantity] = "382700.5"
    with target.open("w", newline="") as f:
        csv.writer(f).writerows([header, changed, ["Z-2", *first[1:]], ["Z-1", *first[1:]]])
    return target


def _last_leaves(db: str, n: int) -> list[str]:
    from zerotrail.store.workspace import open_workspace

    with open_workspace(db, read_only=True) as ws:
        rows = ws.fetchall("SELECT ref FROM ledger_leaves ORDER BY idx DESC LIMIT ?", [n])
    return [str(r) for (r,) in reversed(rows)]


def test_imports_land_as_on_duckdb(clones: Twins) -> None:
    pg, _ = both(clones, "import", "activities", "{demo}/activities.csv")
    assert "nothing new (all 6907 unchanged)" in pg.stdout
    for out in (clones.pg_out, clones.duck_out):
        _changed_activities(clones.pg_demo, out / "changed.csv")
    pg, _ = both(clones, "import", "activities", "{out}/changed.csv")
    assert pg.code == 1 and "use --replace" in pg.stderr
    pg, _ = both(clones, "import", "activities", "{out}/changed.csv", "--replace")
    assert "3 rows; 2 added, 1 changed, 0 unchanged" in pg.stdout
    assert (
        _last_leaves(clones.pg, 3) == _last_leaves(clones.duck, 3) == ["A2025-000001", "Z-2", "Z-1"]
    )
    for out in (clones.pg_out, clones.duck_out):
        (out / "bad.csv").write_text(
            (out / "changed.csv").read_text().replace(",kWh,", ",furlongs,").replace("Z-", "Y-")
        )
        (out / "prices.csv").write_text(
            "currency,year,index,source\nUSD,2021,104.5,BEA GDP deflator\n"
            "USD,2025,122.0,BEA GDP deflator\n"
        )
    pg, _ = both(clones, "import", "activities", "{out}/bad.csv")
    assert pg.code == 1 and "unknown unit 'furlongs'" in pg.stderr
    pg, _ = both(clones, "import", "price-indices", "{out}/prices.csv")
    assert "2 rows; 2 added" in pg.stdout
    both(clones, "import", "sites", "{demo}/sites.csv")
    # Lake tables are DuckDB's (docs/lake-tables.md): refused in one line, nothing written.
    refused = zerotrail(
        "--db", clones.pg, "import", "activities", clones.pg_out, "--external", env=DEBUG
    )
    _assert_clean(refused)
    assert refused.code == 1 and len(refused.stderr.splitlines()) == 1
    assert "need a DuckDB workspace" in refused.stderr


def test_a_calculation_credits_and_a_claim_as_on_duckdb(clones: Twins) -> None:
    strict = ("calculate", "--year", "2025", "--factor-policy", "strict")
    pg, _ = both(clones, *strict)
    # The demo's 2025 records that no factor of their own year fits strictly; one of them is
    # derived from the late meter report the verification corrects (demo/evidence.py).
    assert pg.code == 3 and "169 record(s) could not be calculated" in pg.stderr
    both(clones, "inventory", "--year", "2025", "--by", "category", "--format", "json")
    pg, _ = both(clones, "finalize", "--year", "2025")
    assert pg.code == 1  # the current run has unresolved records
    # 2024 stays final (the demo finalized it): retire and assign credits for its claim.
    retire = ("credits", "retire", "CR-2026-01", "--on", "2026-02-01", "--beneficiary", "Emmet")
    pg, _ = both(clones, *retire, "--reason", "top-up", "--for-year", "2024", "--quantity", "1000")
    assert "1,000 credit(s) of CR-2026-01 retired on 2026-02-01 as CR-2026-01/1" in pg.stdout
    pg, _ = both(clones, "credits", "retire", "CR-2021-01", "--on", "2026-02-01",
                 "--beneficiary", "Emmet", "--reason", "twice")  # fmt: skip
    assert pg.code == 1 and "a retired credit cannot be retired again" in pg.stderr
    pg, _ = both(clones, "credits", "assign", "CR-2021-01", "--year", "2024")
    assert pg.code == 1 and "a credit counts for one claim only" in pg.stderr
    pg, _ = both(clones, "claim", "neutrality", "--year", "2024", "--format", "json")
    assert pg.code == 0
    both(clones, "credits", "list", "--year", "2024", "--format", "json")


def test_roadmap_base_year_settings_and_derived_records_as_on_duckdb(clones: Twins) -> None:
    for out, demo in ((clones.pg_out, clones.pg_demo), (clones.duck_out, clones.duck_demo)):
        roadmap = (demo / "roadmap.toml").read_text()
        (out / "roadmap.toml").write_text(
            roadmap.replace("reduction_pct = 30", "reduction_pct = 35")
        )
    pg, _ = both(clones, "targets", "add", "{out}/roadmap.toml")
    assert pg.code == 1
    both(clones, "targets", "add", "{out}/roadmap.toml", "--replace", "--reason", "ambition")
    both(clones, "targets", "withdraw", "DC-RE-2025", "--reason", "met")
    pg, _ = both(clones, "baseyear", "event", "EV-2025-DIV", "--kind", "divestment",
                 "--base-year", "2020", "--year", "2025", "--description", "Sold a campus",
                 "--entity", "EMMET", "--scope1", "200", "--scope2-market", "120")  # fmt: skip
    assert "no recalculation" in pg.stdout
    both(clones, "baseyear", "show", "--year", "2020", "--format", "json")
    both(clones, "settings", "set", "approved_by", "Board of Directors")
    both(clones, "settings", "unset", "contact")
    both(clones, "settings", "set", "approval_date", "2026-13-01")
    pg, _ = both(clones, "derive", "fuel-energy", "--year", "2025", "--factor-region", "GB")
    # The demo derived them already (pipeline/demo.py): the same again is nothing new. 720
    # from activities.csv's 2025 records and 3 from the late meter report (demo/evidence.py).
    assert "723 category 3 records derived" in pg.stdout
    assert "nothing new to import" in pg.stdout
    both(clones, "progress", "--year", "2025", "--format", "json")


def test_signing_witnessing_and_a_second_report(clones: Twins) -> None:
    both(clones, "ledger", "checkpoint", "--key", "{demo}/log.key", "-o", "{out}/cp.txt")
    both(clones, "ledger", "witness-request", "--old", "0", "-o", "{out}/request")
    both(clones, "witness", "init", "--state", "{out}/witness.json", "--origin",
         "carbon.example.com/emmet-group", "--log-key", "{demo}/log.vkey")  # fmt: skip
    both(clones, "witness", "add-checkpoint", "{out}/request", "--state", "{out}/witness.json",
         "--key", "{demo}/witness.key", "-o", "{out}/cosignature")  # fmt: skip
    pg, _ = both(clones, "ledger", "cosign", "{out}/cosignature")
    assert pg.code == 0
    # A second report lists the imports since the first (the reasons of its restatements):
    # once a comparison of a timestamp column with text, which PostgreSQL refuses, so every
    # report after the first failed. The figures of a report are held to DuckDB's by
    # the first test of this file; this one runs on PostgreSQL alone (a report takes
    # seconds).
    for out in (clones.pg_out, clones.duck_out):
        (out / "prices.csv").write_text("currency,year,index,source\nUSD,2021,104.5,BEA\n")
    pg, _ = both(clones, "import", "price-indices", "{out}/prices.csv")
    assert "1 added" in pg.stdout
    report = clones.pg_out / "report"
    key = clones.pg_demo / "log.key"
    result = zerotrail(
        "--db", clones.pg, "report", "--year", "2025", "--out", report, "--key", key, env=DEBUG
    )
    _assert_clean(result)
    assert result.code == 0, result.stderr
    assert result.stdout.startswith("report-2025-2: ")
    figures = json.loads((report / "report.json").read_text())
    assert figures["previous_report"] == "report-2025-1"


def test_the_demo_never_runs_into_a_database_that_holds_a_workspace(
    twins: Twins, postgres_demo: PostgresDemo
) -> None:
    # A PostgreSQL database is not removed as the demo's own DuckDB file is: refused, untouched
    # (no files written either).
    result = zerotrail("--db", twins.pg, "demo", "--out", twins.pg_out / "again", env=DEBUG)
    _assert_clean(result)
    assert result.code == 1
    assert result.stderr.startswith("error: ") and len(result.stderr.splitlines()) == 1
    assert "already holds a zerotrail workspace" in result.stderr
    assert not (twins.pg_out / "again").exists()
