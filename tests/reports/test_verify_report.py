"""The report's "How to verify" section works verbatim (reports/verification.py,
templates/sections/verify.html, pipeline/publish.py).

Every command the section prints is taken from report.html (never retyped here) and run by a
POSIX shell from a copy of the report's folder, as a reader would paste it: `zerotrail` is a
shim on PATH running this environment's `python -m zerotrail` (a reader who did `pip install
zerotrail` has it on PATH), `python3` a shim running the interpreter isolated (-I) with
zerotrail made unimportable, so that verify.py is seen to need only Python and cryptography.
The demo's report (one witness, no previous report), a second report of the small roadmap
world (no witness, a consistency proof from the first) and such a second report carrying a
verification statement (statement.json and verifier.vkey beside it) are all run. The figures'
fingerprint (reports/publish.py figures_text) is checked on small hand-made values.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import math
import os
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import rfc8785

from tests.reports import statements
from tests.reports import test_publish as tp
from tests.reports.conftest import copy_first_report
from tests.reports.handmade_proofs import (
    LOG_VKEY,
    WITNESS_VKEY,
    log_of,
    note_for,
)
from zerotrail.errors import ZerotrailError
from zerotrail.ledger.note import open_note, parse_verifier_key
from zerotrail.reports.publish import figures_text
from zerotrail.reports.verification import cosigners, key_files, section

# verify.py run as `python3 verify.py ...` prints, with zerotrail unimportable.
BLOCK_ZEROTRAIL = (
    "import runpy, sys; sys.modules['zerotrail'] = None; sys.argv = sys.argv[1:];"
    " runpy.run_path(sys.argv[0], run_name='__main__')"
)


def shims(folder: Path) -> Path:
    """A folder with `zerotrail` and `python3` as a reader's shell would find them."""
    folder.mkdir()
    for name, line in (
        ("zerotrail", f'exec "{sys.executable}" -m zerotrail "$@"'),
        ("python3", f'exec "{sys.executable}" -I -c "{BLOCK_ZEROTRAIL}" "$@"'),
    ):
        path = folder / name
        path.write_text(f"#!/bin/sh\n{line}\n", encoding="utf-8")
        path.chmod(0o755)
    return folder


def run_line(line: str, cwd: Path, bin_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        line,
        shell=True,
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
        env={"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(cwd), "LANG": "C.UTF-8"},
    )


def verify_section(page: str) -> str:
    start = page.index('<h2 id="verify"')
    end = page.find("<h2", start + 1)
    return page[start : end if end > 0 else len(page)]


def blocks(page: str, cls: str) -> list[str]:
    """The text of every <pre class=CLS> of the verify section, unescaped."""
    found = re.findall(rf'<pre class="{cls}">(.*?)</pre>', verify_section(page), re.S)
    return [html.unescape(b) for b in found]


def copy_report(folder: Path, tmp: Path) -> Path:
    out = tmp / "report"
    shutil.copytree(folder, out)
    return out


def test_every_printed_command_runs_from_the_demo_report(demo_report: Path, tmp_path: Path) -> None:
    out = copy_report(demo_report, tmp_path)
    bin_dir = shims(tmp_path / "bin")
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    commands = blocks((out / "report.html").read_text(encoding="utf-8"), "cmd")
    # One command per proof, then verify.py --all and --figures (no previous report here), and
    # the check of the verifier's statement beside the report.
    assert len(commands) == len(data["ledger"]["proofs"]) + 3
    assert commands[-1] == STATEMENT_COMMAND
    # Every check of the log's signatures asks for the witness's too (a statement's check
    # reads the log's checkpoint the statement carries, which no witness need have seen).
    assert all(" --witness-key witness.vkey" in c for c in commands[:-1])
    outputs = {}
    for line in commands:
        done = run_line(line, out, bin_dir)
        assert done.returncode == 0, (line, done.stderr)
        assert done.stderr == "", line
        outputs[line] = done.stdout
    inventory = outputs[
        "zerotrail verify proof proofs/inventory-2025.tlog-proof --log-key log.vkey"
        " --witness-key witness.vkey"
    ]
    # The committed figures, to 9 decimals, are the report's (which keeps full precision).
    facts = dict(
        line.strip().split(": ", 1) for line in inventory.splitlines() if line.startswith("  ")
    )
    assert facts["calculation run"] == data["run_id"]
    for label, key in (("Scope 1", "scope1"), ("Scope 2, market-based", "scope2_market")):
        value, unit = facts[label].split(" ", 1)
        assert unit == "t CO2e"
        assert float(value) == pytest.approx(data["inventory"][key], abs=5e-10)
    everything = outputs["python3 verify.py --all --log-key log.vkey --witness-key witness.vkey"]
    assert everything.splitlines()[-1] == f"all {len(data['ledger']['proofs']) + 2} check(s) passed"
    assert f"without its ledger section: {data['ledger']['figures_sha256']}" in everything
    # The demo's verifier's statement on these figures, its checkpoint checked with log.vkey.
    said = outputs[STATEMENT_COMMAND]
    assert said.startswith("ok: verification statement of Emmet Group 2025 by ")
    assert f"statement sha256: {data['assurance']['statement_sha256']}" in said
    assert "(checked against the log key)" in said


def test_the_key_files_hold_the_keys_the_report_prints(demo_report: Path) -> None:
    page = (demo_report / "report.html").read_text(encoding="utf-8")
    data = json.loads((demo_report / "report.json").read_text(encoding="utf-8"))
    log_key = (demo_report / "log.vkey").read_text(encoding="utf-8").strip()
    witness_key = (demo_report / "witness.vkey").read_text(encoding="utf-8").strip()
    checkpoint, printed_log, printed_witness, digest, *rest = blocks(page, "key")
    assert (
        checkpoint == data["ledger"]["checkpoint"] == (demo_report / "checkpoint.txt").read_text()
    )
    assert (printed_log, printed_witness) == (log_key, witness_key)
    assert digest == data["ledger"]["figures_sha256"]
    # The verifier's key, after the figures' SHA-256.
    assert rest == [(demo_report / "verifier.vkey").read_text(encoding="utf-8").strip()]
    # The log key signed the checkpoint the report prints; the witness key cosigned it.
    assert open_note(checkpoint, [parse_verifier_key(log_key)]).verifiers
    assert cosigners(checkpoint, [witness_key, log_key]) == [witness_key]
    assert (demo_report / "verify.py").read_text() == (
        Path(__file__).parents[2] / "src/zerotrail/reports/standalone/verify.py"
    ).read_text()


def unbroken_in_pdf(folder: Path) -> list[str]:
    """The one-line keys and the commands of the report in `folder`, each checked to be one
    whole line of its PDF's text (copied from the PDF in one piece, as the HTML has it)."""
    from pypdf import PdfReader

    page = (folder / "report.html").read_text(encoding="utf-8")
    reader = PdfReader(io.BytesIO((folder / "report.pdf").read_bytes()))
    lines = {line.strip() for p in reader.pages for line in p.extract_text().splitlines()}
    printed = [k for k in blocks(page, "key") if "\n" not in k.strip()] + blocks(page, "cmd")
    for text in printed:
        assert text in lines, text
    return printed


def test_keys_and_commands_are_unbroken_lines_of_the_pdf(demo_report: Path) -> None:
    assert len(unbroken_in_pdf(demo_report)) >= 6


def test_the_statement_key_and_command_are_unbroken_lines_of_the_pdf(
    assured_report: Path,
) -> None:
    printed = unbroken_in_pdf(assured_report / "r2")
    assert statements.VERIFIER_VKEY in printed
    assert STATEMENT_COMMAND in printed


def test_a_changed_figure_fails_the_printed_figures_check(
    demo_report: Path, tmp_path: Path
) -> None:
    out = copy_report(demo_report, tmp_path)
    bin_dir = shims(tmp_path / "bin")
    (line,) = [c for c in blocks((out / "report.html").read_text(), "cmd") if "--figures" in c]
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    data["inventory"]["scope1"] -= 1000
    (out / "report.json").write_text(json.dumps(data), encoding="utf-8")
    done = run_line(line, out, bin_dir)
    assert done.returncode == 1
    assert "report.json states" in done.stderr and "not this SHA-256" in done.stderr
    # Restating the SHA-256 in report.json too does not help: the log commits the original.
    body = {k: v for k, v in data.items() if k != "ledger"}
    data["ledger"]["figures_sha256"] = hashlib.sha256(rfc8785.dumps(body)).hexdigest()
    (out / "report.json").write_text(json.dumps(data), encoding="utf-8")
    done = run_line(line, out, bin_dir)
    assert done.returncode == 1
    assert "these figures are NOT the ones published" in done.stderr


@pytest.mark.slow  # a second report of the small world published: some seconds
def test_a_second_report_prints_a_consistency_check_that_runs(
    first_report: Path, tmp_path: Path
) -> None:
    # After the world's first report (tests/reports/conftest.py `first_report`), on a copy.
    world = copy_first_report(first_report, tmp_path)
    try:
        second = tp.report(world, tmp_path / "r2")
    finally:
        world.close()
    assert second["ledger"]["consistency"] is not None
    out = tmp_path / "r2"
    bin_dir = shims(tmp_path / "bin")
    commands = blocks((out / "report.html").read_text(encoding="utf-8"), "cmd")
    # No witness cosigned here: no witness key file, no --witness-key.
    assert not (out / "witness.vkey").exists()
    assert not any("witness" in c for c in commands)
    assert commands[-2:] == [
        "zerotrail verify consistency previous-checkpoint.txt checkpoint.txt --proof"
        " consistency.proof --key log.vkey",
        "python3 verify.py --consistency previous-checkpoint.txt checkpoint.txt"
        " consistency.proof --log-key log.vkey",
    ]
    for line in commands:
        done = run_line(line, out, bin_dir)
        assert done.returncode == 0, (line, done.stderr)
    c = second["ledger"]["consistency"]
    done = run_line("python3 verify.py --all --log-key log.vkey", out, bin_dir)
    assert f"at size {c['to_size']} extends it at size {c['from_size']}" in done.stdout


STATEMENT_COMMAND = (
    "zerotrail verify statement statement.json --verifier-key verifier.vkey --log-key log.vkey"
)


def test_every_printed_command_runs_from_a_report_with_a_statement(
    assured_report: Path, tmp_path: Path
) -> None:
    # The small world's second report, after a statement on its final 2023 inventory was
    # recorded (tests/reports/conftest.py `assured_report`).
    out = copy_report(assured_report / "r2", tmp_path)
    bin_dir = shims(tmp_path / "bin")
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    commands = blocks((out / "report.html").read_text(encoding="utf-8"), "cmd")
    # The proofs, verify.py --all and --figures, the statement, then the consistency checks.
    assert len(commands) == len(data["ledger"]["proofs"]) + 5
    assert commands.count(STATEMENT_COMMAND) == 1
    assert data["ledger"]["verify"]["statement"]["command"] == STATEMENT_COMMAND
    outputs = {}
    for line in commands:
        done = run_line(line, out, bin_dir)
        assert done.returncode == 0, (line, done.stderr)
        assert done.stderr == "", line
        outputs[line] = done.stdout
    a = data["assurance"]
    said = outputs[STATEMENT_COMMAND].splitlines()
    assert said[0] == (
        f"ok: verification statement of Test Group 2023 by {statements.PROVIDER}, signed by"
        f" {statements.VERIFIER_NAME}"
    )
    assert f"engagement: {a['engagement']}" in said
    assert f"opinion: {a['opinion']}" in said
    assert f"statement sha256: {a['statement_sha256']}" in said
    # The checkpoint the verifier examined, checked with the log's key beside the report.
    (checkpoint,) = [s for s in said if s.startswith("checkpoint: ")]
    assert checkpoint.endswith(f" size {a['checkpoint_size']} (checked against the log key)")

    # A statement changed after it was signed fails the same printed command.
    doc = json.loads((out / "statement.json").read_text(encoding="utf-8"))
    doc["statement"]["opinion"] = "qualified"
    (out / "statement.json").write_text(json.dumps(doc, indent=2), encoding="utf-8")
    done = run_line(STATEMENT_COMMAND, out, bin_dir)
    assert done.returncode != 0
    assert "the statement was changed after it was signed" in done.stderr


# --- the figures' fingerprint (reports/publish.py) ------------------------------------------


def test_the_figures_text_is_rfc_8785_without_the_ledger() -> None:
    # Keys sorted, no whitespace, numbers as ECMAScript writes them (1.0 -> 1, 1e21 -> 1e+21,
    # -0.0 -> 0), text as UTF-8 with only JSON's escapes.
    data = {"b": 1.0, "a": [1e21, 0.1, -0.0, "é\n", None, True], "ledger": {"size": 3}}
    assert figures_text(data) == '{"a":[1e+21,0.1,0,"é\\n",null,true],"b":1}'


def test_the_figures_text_of_report_json_is_the_figures_text_published() -> None:
    data = {"year": 2023, "rows": [{"t": 408.432, "share": 1 / 3}], "ledger": {"x": 1}}
    assert figures_text(json.loads(json.dumps(data))) == figures_text(data)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"claim": {"when": date(2024, 1, 1)}}, "report figure claim.when is a date"),
        ({"rows": [1.0, math.nan]}, r"report figure rows\[1\] is nan"),
        ({"n": 2**60}, "report figure n: 1152921504606846976 is too large"),
        ({"by_year": {2023: 1.0}}, "report figure by_year: key 2023 is not text"),
    ],
)
def test_a_figure_json_cannot_hold_exactly_is_named(data: dict[str, object], message: str) -> None:
    with pytest.raises(ZerotrailError, match=message):
        figures_text(data)


# --- what the section prints (reports/verification.py) --------------------------------------


def test_the_commands_name_the_files_beside_the_report() -> None:
    proofs = [{"figures": "the 2023 inventory", "file": "proofs/inventory-2023.tlog-proof"}]
    consistency = {"previous_checkpoint": "previous-checkpoint.txt", "proof": "consistency.proof"}
    got = section(proofs, consistency, "checkpoint.txt", [WITNESS_VKEY, "w2+00000000+AAAA"])
    keys = "--log-key log.vkey --witness-key witness.vkey --witness-key witness-2.vkey"
    assert got["witness_key_files"] == [
        {"file": "witness.vkey", "key": WITNESS_VKEY},
        {"file": "witness-2.vkey", "key": "w2+00000000+AAAA"},
    ]
    assert got["proofs"][0]["command"] == (
        f"zerotrail verify proof proofs/inventory-2023.tlog-proof {keys}"
    )
    assert (got["all"], got["figures"]) == (
        f"python3 verify.py --all {keys}",
        f"python3 verify.py --figures report.json {keys}",
    )
    assert got["consistency"]["python"] == (
        "python3 verify.py --consistency previous-checkpoint.txt checkpoint.txt"
        " consistency.proof --log-key log.vkey"
    )
    assert section(proofs, None, "checkpoint.txt", [])["consistency"] is None
    assert got["statement"] is None  # no verifier's statement beside the report
    with_statement = section(proofs, None, "checkpoint.txt", [], LOG_VKEY + "\n")["statement"]
    assert with_statement == {
        "file": "statement.json",
        "verifier_key_file": "verifier.vkey",
        "verifier_key": LOG_VKEY,
        "command": STATEMENT_COMMAND,
    }


def test_the_statement_and_its_key_are_written_beside_the_report() -> None:
    assert set(key_files(LOG_VKEY, [WITNESS_VKEY])) == {"log.vkey", "witness.vkey"}
    files = key_files(LOG_VKEY, [], ('{"statement": {}}\n', "v+00000000+AAAA"))
    assert files == {
        "log.vkey": LOG_VKEY + "\n",
        "statement.json": '{"statement": {}}\n',  # as signed: not a byte changed
        "verifier.vkey": "v+00000000+AAAA\n",
    }


def test_only_witnesses_that_cosigned_get_a_key_file() -> None:
    leaves = log_of([])
    _, cosigned = note_for(leaves)
    _, signed_only = note_for(leaves, witness=False)
    assert cosigners(cosigned, [WITNESS_VKEY]) == [WITNESS_VKEY]
    assert cosigners(signed_only, [WITNESS_VKEY]) == []
    assert cosigners(cosigned, [LOG_VKEY]) == []  # not a witness key: it cosigned nothing


def test_the_shims_run_what_they_say(tmp_path: Path) -> None:
    # The python3 shim really cannot import zerotrail, and really is this interpreter.
    bin_dir = shims(tmp_path / "bin")
    (tmp_path / "probe.py").write_text(
        "import sys\ntry:\n    import zerotrail\nexcept ImportError:\n"
        "    print('blocked', sys.flags.isolated)\n",
        encoding="utf-8",
    )
    done = run_line("python3 probe.py", tmp_path, bin_dir)
    assert done.stdout.strip() == "blocked 1", done.stderr
    assert os.access(bin_dir / "zerotrail", os.X_OK)
    assert run_line("zerotrail --version", tmp_path, bin_dir).returncode == 0
