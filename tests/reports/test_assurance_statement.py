"""The report's assurance section carries the verifier's signed statement (pipeline/publish.py,
reports/assurance.py, templates/sections/assurance.html and verify.html).

On the small roadmap world after its first report (tests/reports/conftest.py), with a statement
signed and recorded as tests/reports/statements.py does: the second report shows it, in
report.json, the HTML and the PDF, and puts statement.json and verifier.vkey beside it
(`assured_report`); a statement whose signatures do not verify stops publishing with one line
before anything is drawn or recorded; a statement on a run the year was recalculated from is
named as covering another inventory, and its opinion is not shown as said of these figures.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.reports import statements
from tests.reports import test_publish as tp
from tests.reports.conftest import copy_first_report
from tests.reports.test_public_text import offences, visible_sections
from zerotrail.assurance.statement import verify_statement
from zerotrail.engine.settings import InventorySettings
from zerotrail.errors import ZerotrailError
from zerotrail.ledger.checkpoint import format_checkpoint
from zerotrail.ledger.note import generate_signer, parse_signer_key, sign_note
from zerotrail.pipeline.calculation import calculate
from zerotrail.pipeline.inventory import current_run
from zerotrail.pipeline.publish import build, publish
from zerotrail.reports import html
from zerotrail.reports.assurance import NOT_VERIFIED
from zerotrail.reports.checklist import checklist
from zerotrail.reports.staging import is_report_folder
from zerotrail.reports.verification import section
from zerotrail.store.checkpoints import latest
from zerotrail.store.engagements import year_statement
from zerotrail.store.workspace import Workspace, open_workspace

WITNESS_IS_NOT_ASSURANCE = "It is not assurance of the figures"


def flat(text: str) -> str:
    return " ".join(text.split())


# --- a statement on the run the report shows ----------------------------------------------------


def test_the_report_shows_the_statement(assured_report: Path, tmp_path: Path) -> None:
    out = assured_report / "r2"
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    a = data["assurance"]
    checked = verify_statement(
        (out / "statement.json").read_text(encoding="utf-8"),
        (out / "verifier.vkey").read_text(encoding="utf-8").strip(),
        (out / "log.vkey").read_text(encoding="utf-8").strip(),
    )
    assert checked.checkpoint_checked
    assert a == {
        "status": "verified",
        "provider": statements.PROVIDER,
        "standard": "ISO 14064-3:2019",
        "level": "limited",
        "scope": statements.SCOPE,
        "date": "2024-03-31",
        "statement": statements.OPINION_TEXT,
        "opinion": "unmodified",
        "engagement": statements.ENGAGEMENT,
        "verifier_key_name": statements.VERIFIER_NAME,
        "checkpoint_size": str(checked.checkpoint.size),
        "statement_sha256": checked.sha256,
        "run_id": data["run_id"],
    }
    # The statement examined the log as it was before this report was published.
    assert checked.checkpoint.size < data["ledger"]["size"]
    assert (out / "verifier.vkey").read_text() == statements.VERIFIER_VKEY + "\n"
    # statement.json is the file the verifier signed, as recorded, byte for byte.
    shutil.copyfile(assured_report / "w.duckdb", tmp_path / "w.duckdb")
    ws = open_workspace(str(tmp_path / "w.duckdb"))
    try:
        found = year_statement(ws, 2023)
    finally:
        ws.close()
    assert found is not None and (out / "statement.json").read_text(encoding="utf-8") == found[0]

    page = visible_sections((out / "report.html").read_text(encoding="utf-8"))
    text = page["Assurance"]
    for shown in (
        f"were verified by {statements.PROVIDER}, with limited assurance under ISO 14064-3:2019,"
        " on 2024-03-31, giving an unmodified opinion.",
        statements.OPINION_TEXT,
        f"Engagement {statements.ENGAGEMENT}",
        f"Log examined the checkpoint of {checked.checkpoint.size:,} records",
        "Statement SHA-256",
        WITNESS_IS_NOT_ASSURANCE,
    ):
        assert shown in text, shown
    assert NOT_VERIFIED not in text
    assert offences(text) == []
    assert (
        f"Externally verified: limited assurance by {statements.PROVIDER} (ISO 14064-3:2019),"
        " unmodified opinion, see Assurance." in page["(cover)"]
    )
    # The filer is no longer told the figures lack assurance.
    assert "not externally verified" not in (out / "preparer-checklist.md").read_text()


def test_the_next_report_may_replace_a_folder_with_a_statement(
    assured_report: Path, tmp_path: Path
) -> None:
    # statement.json and verifier.vkey are files a report writes: the folder is still one
    # zerotrail wrote, which publishing again to it replaces (reports/staging.py).
    folder = tmp_path / "r2"
    shutil.copytree(assured_report / "r2", folder)
    assert is_report_folder(folder)


def test_the_pdf_shows_the_statement(assured_report: Path) -> None:
    from pypdf import PdfReader

    out = assured_report / "r2"
    a = json.loads((out / "report.json").read_text(encoding="utf-8"))["assurance"]
    reader = PdfReader(io.BytesIO((out / "report.pdf").read_bytes()))
    pages = [p.extract_text() for p in reader.pages]
    lines = {line.strip() for p in pages for line in p.splitlines()}
    text = flat(" ".join(pages))
    assert flat(statements.OPINION_TEXT) in text
    assert f"Statement SHA-256 {a['statement_sha256']}" in text
    assert f"Engagement {statements.ENGAGEMENT}" in text
    assert WITNESS_IS_NOT_ASSURANCE in text
    # The verifier's key, printed whole on one line (copied from the PDF as printed).
    assert statements.VERIFIER_VKEY in lines


# --- a statement that does not verify -----------------------------------------------------------


def _changed(ws: Workspace, run_id: str) -> tuple[str, str]:
    doc = json.loads(statements.signed(ws, run_id))
    doc["statement"]["opinion_text"] += " Figures restated by the company."
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n", statements.VERIFIER_VKEY


def _other_verifier(ws: Workspace, run_id: str) -> tuple[str, str]:
    # Recorded with a key of the same name, not the one that signed.
    return statements.signed(ws, run_id), generate_signer(statements.VERIFIER_NAME)[1]


def _not_the_logs_checkpoint(ws: Workspace, run_id: str) -> tuple[str, str]:
    # The tree's checkpoint signed by a key of the log's name that is not the log's.
    cur = latest(ws)
    assert cur is not None
    forger = parse_signer_key(generate_signer(cur.checkpoint.origin)[0])
    note = sign_note(format_checkpoint(cur.checkpoint), [forger])
    return statements.signed(ws, run_id, note=note), statements.VERIFIER_VKEY


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (_changed, "the statement was changed after it was signed"),
        (_other_verifier, "the statement's signature: "),
        (_not_the_logs_checkpoint, "the log's checkpoint: "),
    ],
)
def test_a_statement_that_does_not_verify_stops_publishing(
    first_report: Path, tmp_path: Path, make: Any, reason: str
) -> None:
    ws = copy_first_report(first_report, tmp_path)
    try:
        run_id = current_run(ws, 2023).run_id
        text, key = make(ws, run_id)
        statements.record(ws, run_id, text, verifier_key=key)
        cur = latest(ws)
        with pytest.raises(ZerotrailError) as caught:
            publish(ws, 2023, tmp_path / "r2", signer=parse_signer_key(tp.KEY))
        message = str(caught.value)
        assert "\n" not in message
        assert message.startswith(
            "the report was not published (nothing recorded, no files): checking the"
            " verification statement failed: the 2023 verification statement does not verify: "
        )
        assert reason in message
        assert not (tmp_path / "r2").exists()
        assert latest(ws) == cur  # no checkpoint signed (Signed compares by value)
        # Building the figures alone refuses it too: never shown as assurance.
        with pytest.raises(ZerotrailError, match="the 2023 verification statement does not"):
            build(ws, 2023)
    finally:
        ws.close()


# --- a statement on another run of the year -----------------------------------------------------


def _ledger(data: dict[str, Any]) -> dict[str, Any]:
    """The ledger section the sections read, as publishing adds it (no proofs here)."""
    return {
        "size": 1,
        "origin": "carbon.example.com/test",
        "root_hash": "AAAA",
        "checkpoint": "carbon.example.com/test\n1\nAAAA\n",
        "checkpoint_file": "checkpoint.txt",
        "verifier_key": tp.VKEY,
        "cosigned": False,
        "figures_sha256": "0" * 64,
        "consistency": None,
        "verify": section([], None, "checkpoint.txt", [], statements.VERIFIER_VKEY),
    }


def test_a_statement_on_another_run_does_not_cover_these_figures(
    first_report: Path, tmp_path: Path
) -> None:
    ws = copy_first_report(first_report, tmp_path)
    try:
        verified = current_run(ws, 2023).run_id
        statements.record(ws, verified, statements.signed(ws, verified))
        # The year calculated again after the statement: its figures are not the ones verified.
        calculate(ws, InventorySettings(2023))
        shown = current_run(ws, 2023).run_id
        data = build(ws, 2023)
    finally:
        ws.close()
    assert shown != verified and data["run_id"] == shown
    a = data["assurance"]
    assert a["status"] == "other_inventory"
    assert (a["run_id"], a["provider"], a["engagement"]) == (
        verified,
        statements.PROVIDER,
        statements.ENGAGEMENT,
    )
    assert a["statement"] == NOT_VERIFIED
    assert a["note"] == (
        f"The verification statement {statements.ENGAGEMENT} covers another inventory,"
        f" calculation run {verified}, not the one this report shows (run {shown}): the figures"
        " shown here are not the verified ones."
    )
    # The opinion's words are nowhere in the figures, lest they be read as said of them.
    assert statements.OPINION_TEXT not in json.dumps(data)
    # The filer is still told the figures lack assurance.
    assert "not externally verified" in checklist(data | {"ledger": _ledger(data)})

    env = html.environment()
    data["ledger"] = _ledger(data)
    page = "".join(
        env.get_template(f"sections/{name}.html").render(d=data, charts={"targets": {}})
        for name in ("cover", "assurance", "verify")
    )
    text = visible_sections(page)
    assurance = text["Assurance"].strip()
    assert assurance.startswith(
        f"{NOT_VERIFIED} The verification statement {statements.ENGAGEMENT} covers another"
        f" inventory, calculation run {verified}, not the one this report shows (run {shown}):"
        " the figures shown here are not the verified ones. The statement is therefore not"
        " assurance of the figures in this report"
    )
    assert WITNESS_IS_NOT_ASSURANCE in assurance
    assert "were verified by" not in assurance and statements.OPINION_TEXT not in page
    assert "Externally verified" not in text["(cover)"]
    assert (
        f"{NOT_VERIFIED} The 2023 verification statement is about another calculation of the"
        " inventory, see Assurance." in text["(cover)"]
    )
    assert "the check proves who signed it, not that these figures were verified" in flat(
        text["How to verify these figures"]
    )
