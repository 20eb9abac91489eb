"""`zerotrail verify proof` says what it proved: the entry, what was checked, and the record's
facts one a line, values exactly as committed (pipeline/proved.py).

Proofs are hand-made (tests/reports/handmade_proofs.py): a few records committed as zerotrail
commits them, a checkpoint signed by a fixed log key and cosigned by a fixed witness key. The
record's canonical text holds decimals with 9 places (170.0 t is "170.000000000"): the command
prints them as they are, nothing rounded. The standalone verify.py beside each report prints
the same fact lines from its own code; the last tests hold the two to each other.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.invoke import Result, zerotrail
from tests.reports.handmade_proofs import (
    ORIGIN,
    RUN,
    proof_of,
    record_text,
    standalone,
    write_keys,
)
from zerotrail.pipeline.proved import statement, verify_proof_file

HEAD = (
    f"ok: entry 4 of the log {ORIGIN} at size 7, signed by {ORIGIN}, cosigned by"
    " witness.example.org; the record's leaf recomputed and its inclusion checked"
)
RUN_FACTS = [
    "calculation run: run-2023-1",
    "year: 2023",
    "Scope 1: 170.000000000 t CO2e",
    "Scope 2, location-based: 408.432000000 t CO2e",
    "Scope 2, market-based: 300.500000000 t CO2e",
    "Scope 3, location-based: 1000.000000000 t CO2e",
    "Scope 3, market-based: 950.250000000 t CO2e",
    "total, location-based: 1578.432000000 t CO2e",
    "total, market-based: 1420.750000000 t CO2e",
    "biogenic CO2, outside the scopes: 0.000000000 t CO2e",
    "GWP values: AR5",
    "consolidation: operational_control",
    "activity records: 3",
    "problems: 0",
    # Then the other fields, in the record's (sorted) order.
    "as_of_import: imp-1",
    "blend_rule: composition",
    "ledger_size_before: 2",
]
CLAIM = {
    "claim_id": "S12-NEUTRAL:2023",
    "version": 2,
    "target_id": "S12-NEUTRAL",
    "year": 2023,
    "holds": True,
    "run_id": "run-2023-1",
    "gross": 578.432,
    "credits_t": 600.0,
    "removals_t": 150.0,
    "net": -21.568,
    "detail": '{"warnings":[]}',
    "created_at": "2024-03-01T10:00:00",
}
CLAIM_FACTS = [
    "neutrality claim: S12-NEUTRAL:2023",
    "version: 2",
    "target: S12-NEUTRAL",
    "year: 2023",
    "calculation run: run-2023-1",
    "gross emissions: 578.432000000 t CO2e",
    "credits retired: 600.000000000 t CO2e",
    "of which removals: 150.000000000 t CO2e",
    "net: -21.568000000 t CO2e",
    "claim holds: true",
    # The claim's record names its target; the boundary is in the target's own record.
    "boundary: target S12-NEUTRAL's (stated in that target's record, not in this one)",
    "created_at: 2024-03-01T10:00:00",
    'detail: {"warnings":[]}',
]
SHA = "ab" * 32
REPORT = {
    "report_id": "report-2023-2",
    "year": 2023,
    "figures_sha256": SHA,
    "previous_report": "report-2023-1",
    "created_at": "2024-04-01T09:30:00",
}
REPORT_FACTS = [
    "report: report-2023-2",
    "year: 2023",
    f"figures SHA-256: {SHA}",
    "previous report: report-2023-1",
    "published at: 2024-04-01T09:30:00",
]
ACTIVITY = {
    "record_id": "E-diesel-2022",
    "version": 1,
    "entity": "EMMET",
    "site": "HQ",
    "period_start": "2022-01-01",
    "period_end": "2022-12-31",
    "activity": "fuel.diesel",
    "quantity": 180.0,
    "unit": "GJ",
    "supplier": None,
}
ACTIVITY_FACTS = [
    "activity record: E-diesel-2022",
    "version: 1",
    "activity: fuel.diesel",
    "entity: EMMET",
    "period_end: 2022-12-31",
    "period_start: 2022-01-01",
    "quantity: 180.000000000",
    "site: HQ",
    "supplier: (none)",
    "unit: GJ",
]


def verify(tmp: Path, text: str, *args: str) -> Result:
    write_keys(tmp)
    (tmp / "r.tlog-proof").write_text(text, encoding="utf-8")
    return zerotrail("verify", "proof", "r.tlog-proof", "--log-key", "log.vkey", *args, cwd=tmp)


@pytest.mark.parametrize(
    ("kind", "fields", "facts"),
    [
        ("run", RUN, RUN_FACTS),
        ("claim", CLAIM, CLAIM_FACTS),
        ("report", REPORT, REPORT_FACTS),
        ("activity", ACTIVITY, ACTIVITY_FACTS),
    ],
)
def test_the_statement_of_each_kind(
    tmp_path: Path, kind: str, fields: dict[str, object], facts: list[str]
) -> None:
    done = verify(tmp_path, proof_of(record_text(kind, fields)), "--witness-key", "witness.vkey")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [HEAD, *(f"  {f}" for f in facts)]


def test_a_kind_without_its_own_facts_lists_every_field(tmp_path: Path) -> None:
    text = record_text("metric", {"metric": "revenue", "year": 2023, "value": 12.5})
    done = verify(tmp_path, proof_of(text, witness=False))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"ok: entry 4 of the log {ORIGIN} at size 7, signed by {ORIGIN}; the record's leaf"
        " recomputed and its inclusion checked",
        "  metric record",
        "  metric: revenue",
        "  value: 12.500000000",
        "  year: 2023",
    ]


def test_control_characters_in_a_record_stay_on_their_line(tmp_path: Path) -> None:
    # A committed site name with a line break and an escape: shown as \xNN, one fact a line.
    fields = {**ACTIVITY, "site": "HQ\nok: forged\x1b[2J"}
    done = verify(tmp_path, proof_of(record_text("activity", fields)))
    assert done.returncode == 0, done.stderr
    assert "  site: HQ\\x0aok: forged\\x1b[2J" in done.stdout.splitlines()
    assert not any(line.startswith("ok: forged") for line in done.stdout.splitlines())


def test_a_proof_without_its_record_says_there_is_nothing_to_show(tmp_path: Path) -> None:
    from tests.reports.handmade_proofs import salt
    from zerotrail.ledger.canonical import commitment

    record = record_text("run", RUN)
    leaf = commitment(salt(5), record.encode()).hex()  # the record is the 5th leaf (salt 5)
    done = verify(tmp_path, proof_of(record, opening=False), "--leaf", leaf)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"ok: entry 4 of the log {ORIGIN} at size 7, signed by {ORIGIN}; the given leaf's"
        " inclusion checked (the proof carries no record to show)"
    ]


def test_a_changed_figure_fails_in_one_line(tmp_path: Path) -> None:
    good = proof_of(record_text("run", RUN))
    forged = proof_of(record_text("run", {**RUN, "scope1": 17.0}))
    # The forged record's opening in the genuine proof: its leaf is not in the signed tree.
    head, _, rest = good.partition("\nextra ")
    extra_forged = forged.split("\n")[1]
    text = head + "\n" + extra_forged + "\n" + rest.split("\n", 1)[1]
    done = verify(tmp_path, text)
    assert done.returncode == 1
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1
    assert done.stderr.startswith("verification failed:")


def test_a_missing_key_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "r.tlog-proof").write_text(proof_of(record_text("run", RUN)), encoding="utf-8")
    done = zerotrail("verify", "proof", "r.tlog-proof", "--log-key", "nowhere.vkey", cwd=tmp_path)
    assert done.returncode == 1
    assert "no key file nowhere.vkey" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("kind", "fields"),
    [
        ("run", RUN),
        ("claim", CLAIM),
        ("claim", {**CLAIM, "detail": '{"boundary":"Scope 1 + Scope 2 (market-based)"}'}),
        ("report", REPORT),
        ("report", {**REPORT, "previous_report": None}),
        ("activity", ACTIVITY),
        ("activity", {**ACTIVITY, "note": "tab\there, bell\x07"}),
        ("metric", {"metric": "revenue", "year": 2023, "value": 12.5}),
    ],
)
def test_verify_py_states_the_same_facts(kind: str, fields: dict[str, object]) -> None:
    import json

    record = json.loads(record_text(kind, fields))
    assert standalone().statement(record) == statement(record)


def test_the_facts_come_from_the_record_that_verified() -> None:
    from tests.reports.handmade_proofs import LOG_VKEY, WITNESS_VKEY

    proved = verify_proof_file(proof_of(record_text("run", RUN)), LOG_VKEY, [WITNESS_VKEY])
    assert (proved.index, proved.checkpoint.size, proved.facts) == (4, 7, tuple(RUN_FACTS))
