"""Reading the documents behind Emmet Group's records, and the one record whose unit was keyed
in wrong.

Part of `demo/`. Each record with evidence commits the SHA-256 of its document (a bill, meter
report or invoice rendered as text from the record's own facts: `activities.document`), so the
demo can write any record's document again when the verifier asks for it. The demo's verifier
reads the quantity and unit back from a document (`stated_quantity`) to compare them with the
record, as a person compares a bill with the entry.

`MISKEYED` is the demo's seeded misstatement: a meter report of the Hangzhou data centre's
office annex, read in kWh like every office bill, keyed in as MWh like the data centre's own
meters. The record overstates Scope 2 by a thousandfold of a small reading: material to the
2025 inventory, and large enough to be a key item every sample draws. The verification in the
demo finds it from the document, and the company corrects it (`corrected`).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from zerotrail.demo.activities import Activity, with_evidence

_QUANTITY = re.compile(r"^quantity: ([0-9]+\.[0-9]{3}) (\S+)$", re.M)


def stated_quantity(doc: bytes) -> tuple[float, str] | None:
    """The quantity and unit a document states, None when it states none."""
    m = _QUANTITY.search(doc.decode("utf-8", errors="replace"))
    return (float(m.group(1)), m.group(2)) if m else None


# The annex's December 2025 sub-meter report: 4,200 kWh, keyed in as 4,200 MWh.
MISKEYED_ID = "A2025-900001"
MISKEYED_DOCUMENT_UNIT = "kWh"
MISKEYED = with_evidence(
    Activity(
        record_id=MISKEYED_ID,
        entity="EMMET-CLOUD",
        site="HZ-DC",
        period_start=date(2025, 12, 1),
        period_end=date(2025, 12, 31),
        activity="electricity.grid",
        quantity=4200.0,
        unit="MWh",
        region="CN-EAST",
        note="meter reading: office annex sub-meter",
    ),
    "meters",
    MISKEYED_DOCUMENT_UNIT,
)


def corrected() -> Activity:
    """The miskeyed record as its document reads: the correction the company imports."""
    return replace(MISKEYED, unit=MISKEYED_DOCUMENT_UNIT)
