"""docs/ledger.md's worked example is what the code computes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from zerotrail.ledger.canonical import canonical_bytes, commitment

DOC = Path(__file__).resolve().parents[2] / "docs" / "ledger.md"


def _block(marker: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    return (
        text.split(f"<!-- example: {marker} -->", 1)[1]
        .split("```text\n", 1)[1]
        .split("\n```", 1)[0]
    )


def test_worked_example() -> None:
    record = {
        "record_id": "A-0001",
        "version": 1,
        "entity": "EMMET-PAY",
        "site": "HZ-CAMPUS",
        "period_start": date(2024, 1, 1),
        "period_end": date(2024, 1, 31),
        "activity": "electricity.grid",
        "quantity": 1830500.0,
        "unit": "kWh",
        "region": "CN-EAST",
        "scope3_category": None,
        "supplier": None,
        "factor_id": None,
        "ch4_origin": None,
        "evidence": "https://erp.example/inv/88",
        "note": None,
        "dq_technology": None,
        "dq_time": None,
        "dq_geography": None,
        "dq_completeness": None,
        "dq_reliability": None,
    }
    canonical = canonical_bytes("activity", record)
    assert canonical.decode() == _block("canonical")
    assert commitment(bytes(range(32)), canonical).hex() == _block("leaf")
