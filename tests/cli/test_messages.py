"""Every message and help text true (issue 11, problem 9), and the last-resort handler.

`calculate` exits 3 naming the records it could not calculate; `finalize`'s hint names the
year; `baseyear import` says its decision once; `verify consistency` says what it checked;
`demo` honours ZEROTRAIL_DB; `ledger prove --help` lists every kind; imports count unchanged
rows as unchanged; the lock error says another zerotrail process has the workspace open; an
unexpected failure is one line (the traceback only with ZEROTRAIL_DEBUG=1), exit 2.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.test_refusals import build_template, fresh_copy, invoke, write_csv_rows
from tests.conftest import Templates

BRAZIL = [  # no shipped grid factor for Brazil: these cannot be calculated
    {
        "record_id": f"br{i}",
        "entity": "E",
        "site": "",
        "period_start": f"2023-{i:02d}-01",
        "period_end": f"2023-{i:02d}-28",
        "activity": "electricity.grid",
        "quantity": "10",
        "unit": "MWh",
        "region": "BR",
        "note": "",
    }
    for i in range(1, 13)
]


@pytest.fixture(scope="module")
def template(workspace_template: Templates, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory.mktemp("template"), workspace_template())


@pytest.fixture
def db(template: Path, tmp_path: Path) -> Path:
    return fresh_copy(template, tmp_path)


def zt(db: Path, *args: str) -> tuple[int, str, str]:
    r = invoke(["--db", str(db), *args])
    return r.code, r.stdout, r.stderr


# --- calculate ------------------------------------------------------------------------------------


def test_calculate_exits_3_naming_the_records_it_could_not_calculate(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("zerotrail.cli.inventory.SHOWN_PROBLEMS", 5)
    code, _, err = zt(db, "import", "activities", str(write_csv_rows(tmp_path / "br.csv", BRAZIL)))
    assert code == 0, err
    code, out, err = zt(db, "calculate", "--year", "2023")
    assert code == 3, err
    assert "1 records calculated" in out and "12 problem(s)" in out
    lines = err.splitlines()
    assert lines[0] == "2023: 12 record(s) could not be calculated (the first 5 shown):"
    assert lines[1:6] == [
        f"  br{i}: no factor for electricity.grid in BR or its parent regions (GLOBAL)"
        for i in (1, 10, 11, 12, 2)  # by record id
    ]
    assert lines[6].startswith("  ... and 7 more: `zerotrail inventory --year 2023 --format json`")
    assert len(lines) == 7
    code, out, err = zt(db, "calculate", "--year", "2023", "--allow-problems")
    assert code == 0 and "12 record(s) could not be calculated" in err


def test_calculate_without_problems_exits_0(db: Path) -> None:
    code, out, err = zt(db, "calculate", "--year", "2023")
    assert (code, err) == (0, "")
    assert "0 problem(s)" in out


def test_finalize_hint_names_the_year(db: Path, tmp_path: Path) -> None:
    zt(db, "import", "activities", str(write_csv_rows(tmp_path / "br.csv", BRAZIL[:1])))
    zt(db, "calculate", "--year", "2023", "--allow-problems")
    code, _, err = zt(db, "finalize", "--year", "2023")
    assert code == 1
    assert "{year}" not in err
    assert "`zerotrail inventory --year 2023 --format json` lists them" in err


# --- base year, verify, prove -------------------------------------------------------------------


def test_baseyear_import_says_its_decision_once(db: Path, tmp_path: Path) -> None:
    events = [
        {
            "event_id": "EV-ORGANIC",
            "base_year": "2023",
            "year": "2024",
            "kind": "organic",
            "description": "organic growth",
            "scope1_t": "1",
            "scope2_location_t": "1",
            "scope2_market_t": "1",
        }
    ]
    code, _, err = zt(db, "baseyear", "record", "--year", "2023")
    assert code == 0, err
    code, out, err = zt(
        db, "baseyear", "import", str(write_csv_rows(tmp_path / "events.csv", events))
    )
    assert code == 0, err
    assert out.startswith("no recalculation: none of the 1 pending event(s) counts")
    assert "recalculation: No recalculation" not in out.replace("\n", " ")


def test_verify_consistency_says_whether_it_checked_signatures(tmp_path: Path) -> None:
    from zerotrail.ledger.checkpoint import Checkpoint, format_checkpoint
    from zerotrail.ledger.note import generate_signer, parse_signer_key, sign_note

    key, vkey = generate_signer("log.example.org")
    text = format_checkpoint(Checkpoint("log.example.org", 1, b"\1" * 32))
    note = sign_note(text, [parse_signer_key(key)])
    (tmp_path / "cp.txt").write_text(note, encoding="utf-8")
    (tmp_path / "proof.txt").write_text("", encoding="utf-8")
    args = ["verify", "consistency", str(tmp_path / "cp.txt"), str(tmp_path / "cp.txt")]
    res = invoke([*args, "--proof", str(tmp_path / "proof.txt")])
    assert res.code == 0, res.stderr
    assert res.stdout.startswith("consistent: ")
    assert "signatures not checked: no --key" in res.stdout
    assert not res.stdout.startswith("ok")
    res = invoke([*args, "--proof", str(tmp_path / "proof.txt"), "--key", vkey])
    assert res.code == 0, res.stderr
    assert res.stdout.startswith("ok: ") and "signatures checked" in res.stdout


def test_ledger_prove_help_lists_every_kind() -> None:
    from zerotrail.cli.ledger import record_kinds
    from zerotrail.store import committed

    assert "price_index" in committed.KINDS
    res = invoke(["ledger", "prove", "--help"], {"COLUMNS": "300"})  # help is laid out by Rich
    assert res.code == 0
    flat = " ".join(res.stdout.replace("│", " ").split())
    for kind in record_kinds():
        assert re.search(rf"\b{kind}\b", flat), kind
    docs = (Path(__file__).resolve().parents[2] / "docs" / "cli.md").read_text()
    section = docs.split("## `zerotrail ledger prove", 1)[1].split("\n## ", 1)[0]
    for kind in record_kinds():
        assert f"`{kind}`" in section, kind


# --- imports ------------------------------------------------------------------------------------


def test_reimporting_unchanged_lists_says_unchanged(db: Path, tmp_path: Path) -> None:
    from tests.cli.test_refusals import IMPORTERS, SITES

    entities = write_csv_rows(tmp_path / "entities.csv", IMPORTERS["entities"][1][:1])
    sites = write_csv_rows(tmp_path / "sites.csv", SITES)
    suppliers = write_csv_rows(tmp_path / "suppliers.csv", IMPORTERS["suppliers"][1])
    assert zt(db, "import", "suppliers", str(suppliers))[0] == 0
    for kind, path, n in (
        ("entities", entities, 1),
        ("sites", sites, 2),
        ("suppliers", suppliers, 1),
    ):
        code, out, err = zt(db, "import", kind, str(path))
        assert code == 0, err
        assert out == f"{path}: {n} rows, nothing new (all {n} unchanged)\n", out


# --- the workspace ------------------------------------------------------------------------------


def test_lock_error_names_another_zerotrail_process(db: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True);"
            " time.sleep(60)",
            str(db),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        res = invoke(["--db", str(db), "inventory", "--year", "2023"])
        assert res.code == 1
        assert res.stderr == (
            f"error: workspace {db} is in use by another zerotrail process; try again when it"
            " has finished\n"
        )
        assert "PID" not in res.stderr and "python" not in res.stderr
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()


def test_memory_limit_accepts_sizes(db: Path) -> None:
    for ok in ("512MB", "1GB", "2GiB", " 1.5 GB "):
        res = invoke(
            ["--db", str(db), "inventory", "--year", "2023", "--format", "json"],
            {"ZEROTRAIL_MEMORY_LIMIT": ok},
        )
        assert res.code == 0, (ok, res.stderr)


# --- the demo -----------------------------------------------------------------------------------


def test_demo_refuses_to_replace_a_workspace_it_did_not_make(db: Path, tmp_path: Path) -> None:
    before = db.read_bytes()
    res = invoke(["demo", "--out", str(tmp_path / "demo")], {"ZEROTRAIL_DB": str(db)})
    assert res.code == 1
    assert res.stderr.startswith(f"error: {db} exists and is not a demo workspace")
    assert db.read_bytes() == before
    assert not (tmp_path / "demo" / "zerotrail.duckdb").exists()


def test_demo_replaces_the_workspace_it_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zerotrail.cli import common
    from zerotrail.cli.demo import demo_workspace
    from zerotrail.pipeline.demo import DEMO_ORGANIZATION
    from zerotrail.store.workspace import open_workspace

    db = tmp_path / "emmet.duckdb"
    with open_workspace(str(db), create=True) as ws:
        ws.set_setting("organization", DEMO_ORGANIZATION)
    monkeypatch.setenv("ZEROTRAIL_DB", str(db))
    monkeypatch.setattr(common.STATE, "db", None)
    assert demo_workspace(tmp_path / "demo") == str(db)
    assert not db.exists()  # removed: the demo makes it afresh
    monkeypatch.delenv("ZEROTRAIL_DB")
    assert demo_workspace(tmp_path / "demo") == str(tmp_path / "demo" / "zerotrail.duckdb")
    # `make demo`: --db names the demo folder's own workspace, left by an earlier run.
    own = tmp_path / "demo" / "zerotrail.duckdb"
    own.parent.mkdir()
    own.write_text("an earlier demo's workspace", encoding="utf-8")
    monkeypatch.setattr(common.STATE, "db", "demo/zerotrail.duckdb")
    monkeypatch.chdir(tmp_path)
    assert demo_workspace(Path("demo")) == "demo/zerotrail.duckdb"
    assert not own.exists()


# --- the last resort ----------------------------------------------------------------------------


def test_an_unexpected_failure_is_one_line_exit_2(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kw: object) -> None:
        raise RuntimeError("something nobody expected\non two lines")

    monkeypatch.setattr("zerotrail.pipeline.inventory.inventory_summary", broken)
    res = invoke(["--db", str(db), "inventory", "--year", "2023"])
    assert res.code == 2
    assert res.stderr == (
        "internal error: RuntimeError: something nobody expected on two lines (please report;"
        " set ZEROTRAIL_DEBUG=1 for the traceback)\n"
    )
    res = invoke(["--db", str(db), "inventory", "--year", "2023"], {"ZEROTRAIL_DEBUG": "1"})
    assert res.code == 2
    assert res.stderr.startswith("Traceback (most recent call last):")
    assert res.stderr.splitlines()[-1].startswith("internal error: RuntimeError")


def test_messages_are_printed_literally(db: Path) -> None:
    # Rich markup in a message (a file named like a tag) is printed as written.
    res = invoke(["--db", str(db), "import", "sites", "[red]x[/bold].csv"])
    assert res.code == 1
    assert "[red]x[/bold].csv" in res.stderr and "Traceback" not in res.stderr
