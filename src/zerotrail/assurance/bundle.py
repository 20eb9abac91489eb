"""The verifier's bundle: the folder's files and their columns (docs/verification.md).

    README.txt          what the folder is and the command that checks it
    engagement.json     the engagement: level, materiality, the inventory (run) and checkpoint
                        it covers, the verifier's seed, each stratum's risk and sample size
    checkpoint.txt      the cosigned checkpoint every proof is against (a C2SP signed note)
    population.csv      every record of the inventory in scope, with its stated t CO2e: the
                        draw's input, and summed per scope to the run's committed figures
    sample.csv          the records drawn, in draw order
    records.json        per drawn record: its version, the proofs of the leaves it needs
                        (itself, its factor rows, entity chain, site, price indices, the run),
                        the company's stated result, the evidence files
    leaves/NNNNNN.tlog-proof   one C2SP tlog-proof with opening per leaf
    leaves/draw.tlog-proof     the engagement version that committed the draw (seed, drawn
                        records' and population's SHA-256), when a signed checkpoint holds it
    draw-consistency.txt       from the engagement's checkpoint to that proof's
    evidence/<record>/<file>   evidence files attached to drawn records
    findings.json       the findings as they stood at export

Where it sits: assurance, pure; pipeline/verification_bundle.py writes the folder and
assurance/bundle_check.py reads it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

FORMAT = "zerotrail-verification-bundle/v1"
README_FILE = "README.txt"
ENGAGEMENT_FILE = "engagement.json"
CHECKPOINT_FILE = "checkpoint.txt"
POPULATION_FILE = "population.csv"
SAMPLE_FILE = "sample.csv"
RECORDS_FILE = "records.json"
FINDINGS_FILE = "findings.json"
LEAVES_DIR = "leaves"
# The engagement version that committed the draw, proved against the latest checkpoint that
# holds it, and the consistency proof from the engagement's checkpoint to that one.
DRAW_PROOF = "draw.tlog-proof"
DRAW_CONSISTENCY = "draw-consistency.txt"
EVIDENCE_DIR = "evidence"

POPULATION_COLUMNS = (
    "record_id", "version", "scope", "category", "activity", "method", "dq_score", "flags",
    "t_co2e", "approved",
)  # fmt: skip
SAMPLE_COLUMNS = ("order", "stratum", "record_id", "version", "key_item", "t_co2e")
FINDING_FIELDS = (
    "finding_id", "version", "engagement_id", "finding_kind", "finding_type", "nature", "scope",
    "stratum", "amount_t", "records", "clause", "text", "status", "outcome", "note", "actor",
    "happened_at",
)  # fmt: skip

# Bounds of what the check reads: a bundle is a stranger's folder.
MAX_JSON_BYTES = 64 * 1024 * 1024
MAX_PROOF_BYTES = 1024 * 1024
MAX_EVIDENCE_BYTES = 50 * 1024 * 1024


def sample_sha256(selected: Sequence[Any]) -> str:
    """SHA-256 of the drawn records (`sampling.Selected`), one line each:
    stratum, record id, version and `key` or `mus`, separated by tabs."""
    text = "".join(
        f"{s.stratum}\t{s.record_id}\t{s.version}\t{'key' if s.key_item else 'mus'}\n"
        for s in selected
    )
    return hashlib.sha256(text.encode()).hexdigest()


def leaf_file(i: int) -> str:
    return f"{i:06d}.tlog-proof"


def finding_dict(f: Any) -> dict[str, str | None]:
    """A finding's fields as text (numbers as Python's shortest round-trip form)."""
    out: dict[str, str | None] = {}
    for name in FINDING_FIELDS:
        v = getattr(f, name)
        if v is None:
            out[name] = None
        elif isinstance(v, float):
            out[name] = repr(v)
        elif hasattr(v, "isoformat"):
            out[name] = v.isoformat(timespec="seconds")
        else:
            out[name] = str(v)
    return out


def findings_doc(findings: Sequence[Any]) -> dict[str, Any]:
    return {"format": FORMAT, "findings": [finding_dict(f) for f in findings]}


def readme(engagement_id: str) -> str:
    return (
        f"Verification bundle of engagement {engagement_id} (zerotrail).\n"
        "\n"
        "Check it, with no workspace, from this folder's parent:\n"
        "\n"
        "    zerotrail verification check FOLDER --log-key LOG.vkey --witness-key WITNESS.vkey\n"
        "\n"
        "The check verifies the checkpoint's signature and cosignatures and every proof in\n"
        "leaves/, sums population.csv to the run's committed figures, draws the sample again\n"
        "from the seed, recomputes each drawn record's emissions from the opened leaves with the\n"
        "reference calculation, holds each evidence file to the hash its record committed, and\n"
        "recomputes the findings' projection against materiality. The formats are documented\n"
        "in zerotrail's docs/verification.md and docs/ledger.md, for a check without zerotrail.\n"
    )
