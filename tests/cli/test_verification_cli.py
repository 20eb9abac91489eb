"""`zerotrail verification ...` as a user runs it, on the world of
tests/pipeline/verification_world.py (2024 final, a checkpoint the witness cosigned): what each
command prints, one-line refusals and exit codes.

Keys are files beside the workspace, as a user keeps them: log.vkey and witness.vkey (public),
verifier.key (the verification body's secret key) and verifier.vkey.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.cli.invoke import Result, zerotrail
from tests.conftest import Templates
from tests.pipeline import verification_world as world
from tests.pipeline.verification_world import ENGAGEMENT, SEED, YEAR

OPEN = (
    "verification", "open", "--year", str(YEAR), "--verifier", world.VERIFIER_BODY,
    "--level", "limited", "--materiality", world.MATERIALITY,
    "--scope-materiality", world.SCOPE_MATERIALITY[0],
)  # fmt: skip


@pytest.fixture(scope="module")
def template(workspace_template: Templates) -> Path:
    return workspace_template(world.fill)


@pytest.fixture
def tmp(template: Path, tmp_path: Path) -> Path:
    """A folder holding a copy of the world (w.duckdb) and the keys' files."""
    shutil.copyfile(template, tmp_path / "w.duckdb")
    for name, text in (
        ("log.vkey", world.LOG.verifier),
        ("witness.vkey", world.WITNESS.verifier),
        ("other.vkey", world.OTHER_WITNESS.verifier),
        ("verifier.key", world.VERIFIER.signer),
        ("verifier.vkey", world.VERIFIER.verifier),
    ):
        (tmp_path / name).write_text(text + "\n", encoding="utf-8")
    return tmp_path


def zt(tmp: Path, *args: str | Path) -> Result:
    return zerotrail("--db", tmp / "w.duckdb", *args, cwd=tmp, env={"COLUMNS": "200"})


def ok(tmp: Path, *args: str | Path) -> list[str]:
    """The lines a command that succeeds prints (nothing on stderr)."""
    res = zt(tmp, *args)
    assert res.code == 0, (args, res.stdout, res.stderr)
    assert res.stderr == "", res.stderr
    return res.stdout.splitlines()


def one_line_error(res: Result, code: int = 1) -> str:
    assert res.code == code, (res.stdout, res.stderr)
    assert "Traceback" not in res.stderr
    lines = res.stderr.splitlines()
    assert len(lines) == 1, res.stderr
    return lines[0]


def check(tmp: Path, folder: str = "bundle", *keys: str) -> Result:
    """`verification check` needs no workspace: run without --db."""
    given = keys or ("--log-key", "log.vkey", "--witness-key", "witness.vkey")
    return zerotrail("verification", "check", folder, *given, cwd=tmp, env={"COLUMNS": "200"})


def opened_and_drawn(tmp: Path) -> list[str]:
    ok(tmp, *OPEN)
    return ok(tmp, "verification", "sample", ENGAGEMENT, "--seed", SEED)


# --- the round -----------------------------------------------------------------------------------


def test_an_engagement_from_opening_to_the_checked_statement(tmp: Path) -> None:
    lines = ok(tmp, *OPEN)
    assert lines[0].startswith(
        f"opened engagement {ENGAGEMENT}: limited assurance by {world.VERIFIER_BODY} on the final"
        f" inventory run-{YEAR}-"
    )
    assert lines[0].endswith("materiality 2000t")
    assert lines[1] == (
        "next: the verifier draws the sample with a seed of their own choosing"
        f" (verification sample {ENGAGEMENT} --seed ...)"
    )
    (listed,) = json.loads("\n".join(ok(tmp, "verification", "list", "--format", "json")))
    assert (listed["id"], listed["status"], listed["level"]) == (ENGAGEMENT, "open", "limited")

    drew = ok(tmp, "verification", "sample", ENGAGEMENT, "--seed", SEED)
    assert drew[0].startswith("drew ") and f"in 5 strata for {ENGAGEMENT}" in drew[0]
    plan = json.loads("\n".join(ok(tmp, "verification", "plan", ENGAGEMENT, "--format", "json")))
    scope2 = next(p for p in plan if p["stratum"] == "scope2:electricity")
    # 14,025 t at J = 1,500 / -ln(0.2) = 932.0 t: n = ceil(15.05) = 16, capped at 11 records.
    assert (scope2["records"], scope2["risk"], scope2["size"]) == (11, "high", 11)
    assert scope2["interval_t"] == 932.002  # rounded to 3 places
    drawn = sum(p["drawn"] for p in plan)
    assert drew[0].startswith(f"drew {drawn} records")

    # The documents of grid-big (a key item: drawn whatever the seed), as committed.
    (tmp / "grid-big.pdf").write_bytes(world.evidence_bytes("grid-big"))
    (line,) = ok(tmp, "verification", "evidence", "grid-big", "grid-big.pdf")
    assert line.startswith("attached grid-big.pdf to grid-big: SHA-256 ") and "as committed" in line

    assert ok(tmp, "verification", "export", ENGAGEMENT, "-o", "bundle") == [
        f"wrote the bundle of {ENGAGEMENT} to bundle"
    ]
    checked = check(tmp)
    assert checked.code == 0, checked.stderr
    assert checked.stderr == ""
    out = checked.stdout.splitlines()
    assert out[-1] == "ok: no differences"
    assert "ok: 1 evidence files are the files their records committed (SHA-256)" in out
    assert out[-2].startswith("opinion: unmodified (")
    assert not [x for x in out if x.startswith("differs:")]

    # A misstatement on the key item: 2,750 t >= 2,000 t materiality.
    (raised,) = ok(
        tmp, "verification", "finding", "add", ENGAGEMENT, "--kind", "misstatement",
        "--type", "CAR", "--text", "meter read in kWh keyed as MWh", "--amount", "2750",
        "--record", "grid-big",
    )  # fmt: skip
    assert raised == f"raised {ENGAGEMENT}-F1 (CAR misstatement, +2,750.000 t CO2e)"
    fid = f"{ENGAGEMENT}-F1"
    assert ok(tmp, "verification", "finding", "respond", fid, "--note", "agreed") == [
        f"{fid} is responded"
    ]
    assert ok(
        tmp, "verification", "finding", "close", fid, "--outcome", "accepted-uncorrected",
        "--note", "not restated",
    ) == [f"{fid} is closed (accepted-uncorrected)"]  # fmt: skip
    (f,) = json.loads(
        "\n".join(ok(tmp, "verification", "finding", "list", ENGAGEMENT, "--format", "json"))
    )
    assert (f["id"], f["status"], f["outcome"], f["amount_t"], f["scope"]) == (
        fid,
        "closed",
        "accepted-uncorrected",
        2750.0,
        2,
    )
    evaluated = ok(tmp, "verification", "evaluate", ENGAGEMENT)
    assert evaluated[1].startswith("Scope 2: uncorrected misstatements 2,750.000 t gross")
    assert evaluated[1].endswith("against materiality 2,000.000 t: material")
    assert evaluated[-1].startswith("opinion: qualified (")

    (line,) = ok(
        tmp, "verification", "conclude", ENGAGEMENT, "--key", "verifier.key", "-o", "st.json"
    )
    assert line.startswith(f"{ENGAGEMENT}: qualified opinion; statement written to st.json")
    verified = zerotrail(
        "verify", "statement", "st.json", "--verifier-key", "verifier.vkey", "--log-key",
        "log.vkey", cwd=tmp, env={"COLUMNS": "200"},
    )  # fmt: skip
    assert verified.code == 0, verified.stderr
    assert "opinion: qualified" in verified.stdout.splitlines()
    assert "(checked against the log key)" in verified.stdout
    # Concluded: the engagement takes no more changes, and the file is not overwritten.
    refused = zt(tmp, "verification", "finding", "reopen", fid, "--note", "again")
    assert one_line_error(refused) == f"error: engagement {ENGAGEMENT} is concluded"
    again = zt(tmp, "verification", "conclude", ENGAGEMENT, "--key", "verifier.key", "-o", "x")
    assert one_line_error(again) == f"error: engagement {ENGAGEMENT} is concluded"


def test_the_check_prints_the_opinion_evaluate_prints(tmp: Path) -> None:
    """The verifier reproduces the opinion's arithmetic from the bundle alone."""
    opened_and_drawn(tmp)
    for args in (
        ("--kind", "misstatement", "--amount", "2750", "--record", "grid-big"),
        ("--kind", "misstatement", "--amount", "-40.5", "--record", "diesel-1"),  # understated
        ("--kind", "nonconformity", "--clause", "ISO 14064-1 9.2"),
    ):
        ok(tmp, "verification", "finding", "add", ENGAGEMENT, "--type", "CAR", "--text", "t", *args)
    ok(tmp, "verification", "export", ENGAGEMENT, "-o", "bundle")
    evaluated = ok(tmp, "verification", "evaluate", ENGAGEMENT)
    checked = check(tmp)
    assert checked.code == 0, checked.stderr
    lines = checked.stdout.splitlines()
    # The check's opinion lines are evaluate's, word for word: scopes, overall, the opinion.
    start = next(i for i, x in enumerate(lines) if x.startswith("Scope 1: "))
    assert lines[start : start + len(evaluated)] == evaluated
    assert evaluated[-1].startswith("opinion: qualified (")
    assert "open corrective action request" in evaluated[-1]


# --- refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("--level", "full"), 2, "usage error: Invalid value for --level: expected one of"),
        (("--materiality", "5"), 1, "error: --materiality '5': materiality '5': expected"),
        (("--scope", "1,x"), 2, "usage error: Invalid value for --scope: expected scopes"),
        (("--scope", "4"), 1, "error: --scope: expected scopes among 1, 2 and 3"),
        (("--year", "2023"), 1, "error: 2023 has no final inventory: calculate and finalize"),
        (("--year", "20240"), 1, "error: --year 20240: expected a year from"),
    ],
)
def test_open_refuses_in_one_line(
    tmp: Path, args: tuple[str, ...], code: int, message: str
) -> None:
    base = {"--year": str(YEAR), "--verifier": "V", "--level": "limited"}
    given = dict(zip(args[::2], args[1::2], strict=True))
    argv = [x for k, val in (base | given).items() for x in (k, val)]
    line = one_line_error(zt(tmp, "verification", "open", *argv), code)
    assert line.startswith(message), line
    assert (
        json.loads(
            "\n".join(zt(tmp, "verification", "list", "--format", "json").stdout.splitlines())
        )
        == []
    )


def test_a_second_draw_an_existing_folder_and_unknown_ids_are_refused(tmp: Path) -> None:
    opened_and_drawn(tmp)
    again = zt(tmp, "verification", "sample", ENGAGEMENT, "--seed", "mine")
    assert one_line_error(again) == (
        f"error: engagement {ENGAGEMENT} drew its sample already (seed committed)"
    )
    (tmp / "bundle").mkdir()
    exists = zt(tmp, "verification", "export", ENGAGEMENT, "-o", "bundle")
    assert one_line_error(exists) == "error: bundle exists: give a new folder"
    assert one_line_error(zt(tmp, "verification", "plan", "E2024-9")) == (
        "error: no engagement E2024-9"
    )
    assert one_line_error(
        zt(tmp, "verification", "finding", "respond", "E2024-1-F7", "--note", "n")
    ) == ("error: no finding E2024-1-F7")
    (tmp / "st.json").write_text("{}")
    exists = zt(
        tmp, "verification", "conclude", ENGAGEMENT, "--key", "verifier.key", "-o", "st.json"
    )
    assert one_line_error(exists) == "error: st.json exists: give a new file"
    assert (tmp / "st.json").read_text() == "{}"


def test_finding_options_are_checked_in_one_line(tmp: Path) -> None:
    opened_and_drawn(tmp)
    add = ("verification", "finding", "add", ENGAGEMENT, "--text", "t")
    bad_type = zt(tmp, *add, "--kind", "misstatement", "--type", "NCR")
    assert one_line_error(bad_type, 2).startswith("usage error: Invalid value for --type")
    no_amount = zt(tmp, *add, "--kind", "misstatement", "--type", "CAR", "--record", "grid-big")
    assert (
        one_line_error(no_amount)
        == "error: a misstatement needs --amount: a finite t CO2e, not zero"
    )
    ok(tmp, *add, "--kind", "nonconformity", "--type", "CL", "--clause", "9.2")
    fid = f"{ENGAGEMENT}-F1"
    reopen = zt(tmp, "verification", "finding", "reopen", fid, "--note", "n")
    assert one_line_error(reopen) == f"error: finding {fid} is raised: it cannot reopen"
    outcome = zt(tmp, "verification", "finding", "close", fid, "--outcome", "fine", "--note", "n")
    assert one_line_error(outcome, 2).startswith("usage error: Invalid value for --outcome")
    # An open clarification request: no statement yet.
    blocked = zt(tmp, "verification", "conclude", ENGAGEMENT, "--key", "verifier.key", "-o", "s")
    assert one_line_error(blocked) == (
        f"error: no opinion can be issued yet: clarification request {fid} is still open"
    )
    assert not (tmp / "s").exists()
    assert ok(tmp, "verification", "evaluate", ENGAGEMENT)[-1] == (
        f"opinion: none yet: clarification request {fid} is still open"
    )
    bad_key = tmp / "bad.key"
    bad_key.write_text("not a key\n")
    ok(tmp, "verification", "finding", "close", fid, "--outcome", "accepted-uncorrected",
       "--note", "clarified")  # fmt: skip
    wrong = zt(tmp, "verification", "conclude", ENGAGEMENT, "--key", bad_key, "-o", "s")
    assert one_line_error(wrong).startswith("error: bad verifier key: ")
    assert not (tmp / "s").exists()


# --- evidence ------------------------------------------------------------------------------------


def test_a_wrong_evidence_file_exits_1_and_raises_a_car(tmp: Path) -> None:
    opened_and_drawn(tmp)
    (tmp / "wrong.pdf").write_bytes(b"another invoice")
    res = zt(tmp, "verification", "evidence", "grid-big", "wrong.pdf")
    assert res.code == 1, res.stderr
    assert res.stderr == ""
    (line,) = res.stdout.splitlines()
    assert line.startswith("attached wrong.pdf to grid-big, but its SHA-256 ")
    assert line.endswith(f": finding {ENGAGEMENT}-F1 raised")
    (f,) = json.loads(
        "\n".join(ok(tmp, "verification", "finding", "list", ENGAGEMENT, "--format", "json"))
    )
    assert (f["type"], f["kind"], f["records"], f["status"]) == (
        "CAR",
        "nonconformity",
        "grid-big",
        "raised",
    )
    missing = zt(tmp, "verification", "evidence", "grid-big", "nothing.pdf")
    assert one_line_error(missing).startswith("error: cannot read the evidence file nothing.pdf")


# --- the check -----------------------------------------------------------------------------------


def test_a_tampered_bundle_fails_in_one_line(tmp: Path) -> None:
    opened_and_drawn(tmp)
    ok(tmp, "verification", "export", ENGAGEMENT, "-o", "bundle")
    sample = tmp / "bundle" / "sample.csv"
    rows = sample.read_text().splitlines()
    sample.write_text("\n".join(rows[:1] + rows[2:]) + "\n")
    res = check(tmp)
    assert res.stdout == ""
    assert one_line_error(res) == (
        "verification failed: sample.csv is not the draw the seed gives from the population"
    )
    # Keys: another witness, a bad value, a missing folder.
    sample.write_text("\n".join(rows) + "\n")
    other = check(tmp, "bundle", "--log-key", "log.vkey", "--witness-key", "other.vkey")
    assert one_line_error(other) == (
        "verification failed: checkpoint.txt: no cosignature from other-witness.example.org"
    )
    bad = check(tmp, "bundle", "--log-key", "nonsense")
    assert one_line_error(bad).startswith("error: bad key: ")
    none = check(tmp, "nothing")
    assert one_line_error(none) == "error: nothing is not a folder"
    assert check(tmp).code == 0


def test_a_result_that_does_not_follow_exits_1_with_its_differences(tmp: Path) -> None:
    opened_and_drawn(tmp)
    ok(tmp, "verification", "export", ENGAGEMENT, "-o", "bundle")
    path = tmp / "bundle" / "records.json"
    records = json.loads(path.read_text())
    records["grid-big"]["stated"]["co2e_t"] = 12_000.0  # the run states 20,000 MWh x 0.55
    path.write_text(json.dumps(records))
    res = check(tmp)
    assert res.code == 1
    assert res.stderr == ""
    lines = res.stdout.splitlines()
    assert [x for x in lines if x.startswith("differs:")] == [
        "differs: grid-big: stated 12000.0 t here, 11000.0 t in population.csv",
        "differs: grid-big: co2e_t: stated 12000.0, recomputed 11000.0",
    ]
    assert lines[-1] == "2 difference(s): the records above need a look"
