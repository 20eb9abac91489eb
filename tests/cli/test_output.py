"""Output that does not depend on the terminal (issue 11, problem 8).

Every command that prints a table is run as a user runs it, with its output piped, from a
folder whose path is 200 characters long and with COLUMNS=40: nothing may be wrapped or cut
(every figure of the JSON is printed whole), and the output is the same with COLUMNS=300. On a
terminal 40 columns wide, tables wrap their text columns and never cut a figure.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rich.table import Table

from tests.cli.paths import LONG_PATH, long_dir
from tests.cli.test_refusals import invoke
from tests.conftest import Templates
from tests.engines.conftest import write_csv
from tests.reports import build

# Long enough to be wrapped at 40 or 80 columns if anything still wrapped.
LONG_NAME = "Replace the chillers of the Hangzhou campus with magnetic-bearing units " * 2
ROADMAP = """[[target]]
id = "S12-ABS"
name = "Cut Scope 1 and 2 emissions by 30% by 2030 from 2022, as the board decided in 2023"
kind = "absolute"
scopes = [1, 2]
scope2_method = "market"
base_year = 2022
target_year = 2030
reduction_pct = 30
set_year = 2023

[[target]]
id = "S12-NEUTRAL"
name = "Carbon neutral in Scope 1 and 2 every year from 2023"
kind = "neutrality"
scopes = [1, 2]
from_year = 2023
set_year = 2023
"""
CREDITS = [
    {
        "credit_id": "CR-2023-01",
        "registry": "Verra VCS",
        "project_id": "728",
        "project_name": "Grid-connected wind farm in Inner Mongolia (VCS 728)",
        "methodology": "ACM0002",
        "type": "reduction",
        "durability": "none",
        "vintage": 2022,
        "serial_start": "VCS-728-2022-000001",
        "serial_end": "VCS-728-2022-001938",
        "quantity": 1938,
        "status": "retired",
        "retired_on": "2024-03-01",
        "beneficiary": "Emmet Ltd",
        "reason": "2023 carbon neutrality claim",
        "claim_year": 2023,
    }
]
INITIATIVES = [
    {
        "initiative_id": "I-CHILLERS",
        "name": LONG_NAME.strip(),
        "owner": "Campus facilities",
        "lever": "efficiency",
        "sites": "HZ;DC1",
        "start_year": 2023,
        "expected_t_per_year": 1938.42,
        "cost": 12500000,
        "currency": "CNY",
    }
]


@pytest.fixture(scope="module")
def company(workspace_template: Templates, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report tests' company, with targets, credits, an initiative and a 2023 claim, in a
    folder with a 200-character path."""
    from zerotrail.ingest.credits import import_credits
    from zerotrail.ingest.initiatives import import_initiatives
    from zerotrail.pipeline.claims import finalize_inventory, record_claim
    from zerotrail.pipeline.roadmap import add_targets
    from zerotrail.store.workspace import open_workspace
    from zerotrail.targets.roadmap import read_roadmap

    folder = long_dir(tmp_path_factory.mktemp("output"))
    db = build(folder, workspace_template)
    roadmap = folder / "roadmap.toml"
    roadmap.write_text(ROADMAP, encoding="utf-8")
    with open_workspace(str(db)) as ws:
        add_targets(ws, read_roadmap(roadmap), roadmap.name)
        import_credits(ws, write_csv(folder / "credits.csv", CREDITS))
        import_initiatives(ws, write_csv(folder / "initiatives.csv", INITIATIVES))
        finalize_inventory(ws, 2023)
        record_claim(ws, 2023)
    return db


def piped(db: Path, *args: str, columns: int = 40) -> subprocess.CompletedProcess[str]:
    """`zerotrail --db DB ARGS` in a new process with its output piped, from the workspace's
    (long) folder, with COLUMNS set."""
    drop = ("COLUMNS", "LINES", "FORCE_COLOR", "TTY_COMPATIBLE", "ZEROTRAIL_DB")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["COLUMNS"] = str(columns)
    res = subprocess.run(
        [sys.executable, "-m", "zerotrail", "--db", str(db), *args],
        capture_output=True,
        text=True,
        cwd=db.parent,
        check=False,
        env=env,
    )
    assert "Traceback" not in res.stderr, res.stderr
    return res


def zt(db: Path, *args: str, columns: int = 40) -> subprocess.CompletedProcess[str]:
    """The same in this process (faster): output captured, not a terminal, and the consoles set
    to the width COLUMNS would give them."""
    from zerotrail.cli import common

    saved = common.out._width, common.err._width
    common.out._width = common.err._width = columns
    try:
        res = invoke(["--db", str(db), *args], {"COLUMNS": str(columns)})
    finally:
        common.out._width, common.err._width = saved
    assert "Traceback" not in res.stderr, res.stderr
    return subprocess.CompletedProcess(args, res.code, res.stdout, res.stderr)


def table_and_json(db: Path, *args: str) -> tuple[str, Any]:
    table = zt(db, *args)
    assert table.returncode == 0, table.stderr
    assert zt(db, *args, columns=300).stdout == table.stdout  # whatever COLUMNS says
    data = zt(db, *args, "--format", "json")
    assert data.returncode == 0, data.stderr
    return table.stdout, json.loads(data.stdout)


def whole(text: str, *figures: str) -> None:
    """Every figure appears whole in the text, and nothing was cut short."""
    assert "…" not in text, text
    for f in figures:
        assert f in text, (f, text)


def t2(x: float) -> str:
    return f"{x:,.2f}"


def test_the_company_folder_has_a_long_path(company: Path) -> None:
    assert len(str(company.parent)) >= LONG_PATH


def test_inventory(company: Path) -> None:
    out, data = table_and_json(company, "inventory", "--year", "2023")
    whole(out, *(t2(data[k]) for k in ("scope1", "scope2_location", "scope2_market")))
    whole(out, t2(data["total_market"]), "Biogenic CO2 (outside the scopes)")
    by, data = table_and_json(company, "inventory", "--year", "2023", "--by", "site")
    whole(by, *(t2(r["scope2_market"]) for r in data["breakdown"]["rows"]))


def test_progress(company: Path) -> None:
    out, data = table_and_json(company, "progress", "--year", "2023")
    for t in data["targets"]:
        whole(out, t["id"], *(t2(t[k]) for k in ("actual", "pathway") if t[k] is not None))
    [init] = data["initiatives"]
    whole(out, "1,938.42", init["name"])  # the long name on one line, the figure whole


def test_credits(company: Path) -> None:
    out, data = table_and_json(company, "credits", "list")
    whole(out, "1,938", "VCS-728-2022-000001", CREDITS[0]["project_name"])
    assert data["totals"]["by_status"] == {"retired": 1938.0}


def test_initiatives(company: Path) -> None:
    out, data = table_and_json(company, "initiatives", "list", "--year", "2023")
    assert len(data["rows"]) == 1
    whole(out, LONG_NAME.strip(), "1,938.42", "12,500,000 CNY")
    shown, _ = table_and_json(company, "initiatives", "show", "I-CHILLERS")
    whole(shown, LONG_NAME.strip(), "1938.42")


def test_energy(company: Path) -> None:
    out, data = table_and_json(company, "energy", "renewables", "--year", "2023")
    whole(out, *(f"{r['total_mwh']:,.1f}" for r in data["rows"]))
    dc, data = table_and_json(company, "energy", "datacentres", "--year", "2023")
    whole(dc, *(f"{r['pue']:.2f}" for r in data["rows"] if r["pue"] is not None))


def test_targets_and_claim(company: Path) -> None:
    out, data = table_and_json(company, "targets", "list")
    whole(out, *(t["name"] for t in data))
    claim = zt(company, "claim", "neutrality", "--year", "2023")
    assert claim.returncode == 0, claim.stderr
    d = json.loads(zt(company, "claim", "neutrality", "--year", "2023", "--format", "json").stdout)
    whole(claim.stdout, f"{d['gross_t']:,.2f}", f"{d['credits_t']:,.2f}", f"{d['net_t']:,.2f}")


def test_factors_list_is_readable(company: Path) -> None:
    out, data = table_and_json(company, "factors", "list")
    for s in data:
        block = out.split(f"{s['factor_set']}: ", 1)[1].split("\n\n", 1)[0]
        whole(block, s["name"], f"{s['factors']:,} factors", f"licence:   {s['licence']}")
    search, rows = table_and_json(company, "factors", "search", "diesel", "--limit", "3")
    whole(search, *(f"{r['value']:.6g}" for r in rows), *(r["factor_id"] for r in rows))


@pytest.mark.parametrize(
    "args",
    [
        ("inventory", "--year", "2023"),
        ("inventory", "--year", "2023", "--by", "category"),
        ("progress", "--year", "2023"),
        ("credits", "list"),
        ("initiatives", "list", "--year", "2023"),
        ("initiatives", "show", "I-CHILLERS"),
        ("energy", "renewables", "--year", "2023"),
        ("energy", "datacentres", "--year", "2023"),
        ("targets", "list"),
        ("targets", "check"),
        ("baseyear", "show", "--year", "2022"),
        ("claim", "neutrality", "--year", "2023"),
        ("factors", "list"),
        ("factors", "search", "diesel", "--limit", "3"),
        ("gwp", "show", "--set", "AR6"),
    ],
    ids=lambda a: "-".join(x for x in a if not x.startswith("-") and not x.isdigit()),
)
def test_every_table_command_has_csv(company: Path, args: tuple[str, ...]) -> None:
    res = zt(company, *args, "--format", "csv")
    assert res.returncode == 0, res.stderr
    rows = list(csv.reader(io.StringIO(res.stdout)))
    assert len(rows) >= 2 and all(len(r) == len(rows[0]) for r in rows), res.stdout
    assert "…" not in res.stdout


@pytest.mark.parametrize(
    "args", [("inventory", "--year", "2023"), ("progress", "--year", "2023")], ids=str
)
def test_a_real_pipe_prints_the_same(company: Path, args: tuple[str, ...]) -> None:
    res = piped(company, *args)
    assert res.returncode == 0, res.stderr
    assert res.stdout == zt(company, *args, columns=300).stdout
    assert "…" not in res.stdout


def test_unknown_format_is_a_usage_error(company: Path) -> None:
    res = zt(company, "progress", "--year", "2023", "--format", "xml")
    assert res.returncode == 2 and "table, csv or json" in res.stderr


def test_one_line_messages_do_not_wrap(company: Path) -> None:
    res = zt(company, "finalize", "--year", "2023")
    assert res.returncode == 0, res.stderr
    [line] = res.stdout.splitlines()
    assert line.startswith("2023: inventory run-2023-")


# --- on a terminal -------------------------------------------------------------------------------


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Terminal]:
    """`common.out` writing to a terminal 40 columns wide."""
    from zerotrail.cli import common

    screen = _Terminal()
    monkeypatch.setattr(common.out, "_file", screen)
    monkeypatch.setattr(common.out, "_width", 40)
    yield screen


def test_on_a_narrow_terminal_text_wraps_and_figures_stay_whole(terminal: _Terminal) -> None:
    from zerotrail.cli import common

    table = Table(title="t")
    common.text_column(table, "initiative")
    for col in ("expected", "baseline"):
        common.figure_column(table, col)
    table.add_row(LONG_NAME, "1,938.42", "-1,000.00")
    common.print_table(table)
    text = terminal.getvalue()
    whole(text, "1,938.42", "-1,000.00")
    assert max(len(line) for line in text.splitlines()) <= 40  # the name wrapped instead
    assert len(text.splitlines()) > 10


def test_a_table_too_wide_for_the_terminal_becomes_one_block_per_row(
    terminal: _Terminal,
) -> None:
    from zerotrail.cli import common

    table = Table(title="figures")
    common.text_column(table, "site")
    for i in range(6):
        common.figure_column(table, f"figure {i}")
    table.add_row("HZ", *[f"{1_000_000 * (i + 1):,.2f}" for i in range(6)])
    table.add_row("DC1", *["-" for _ in range(6)])
    common.print_table(table)
    assert terminal.getvalue().splitlines() == [
        "figures",
        "HZ",
        *[f"  figure {i}: {1_000_000 * (i + 1):,.2f}" for i in range(6)],
        "DC1",
        *[f"  figure {i}: -" for i in range(6)],
    ]


def test_a_piped_console_never_wraps(monkeypatch: pytest.MonkeyPatch) -> None:
    from zerotrail.cli import common

    piped = io.StringIO()
    monkeypatch.setattr(common.out, "_file", piped)
    monkeypatch.setattr(common.out, "_width", 40)  # as COLUMNS=40 would set it
    common.say("x" * 500 + " " + "y" * 500)
    assert piped.getvalue() == "x" * 500 + " " + "y" * 500 + "\n"
