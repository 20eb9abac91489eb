"""A small workspace a third-party verifier works on: 2024 calculated, final, and a checkpoint
signed by the log key and cosigned by a witness (tests/pipeline/test_verification.py,
tests/assurance/test_bundle_check.py, tests/cli/test_verification_cli.py and
tests/fuzz/test_bundle_check_fuzz.py share it).

Records (2024, entity E, AR5, operational control; 36 in all, each with an evidence hash):
- Scope 1: 8 diesel records (10 to 80 t of fuel), 4 natural-gas records (500 to 2,000 GJ) and
  2 refrigerant (R-410A) top-ups at site HZ: 1,448.9 t;
- Scope 2: 10 grid-electricity records at site HZ (100 to 1,000 MWh) and `grid-big`
  (20,000 MWh), at 0.55 t/MWh: 11,000 + 3,025 = 14,025 t;
- Scope 3: 9 spend-based records of computers (category 1, 100,000 to 900,000 USD, deflated
  by the fixture price indices) and 2 leased data-centre records (category 8): 419.6 t.

Every record's `evidence` field commits `sha256:` of `evidence_bytes(record_id)`, so a test
attaches the right file (or a wrong one) without keeping files around.

`fill` builds it for `workspace_template` (once per test process); `sampled_fill` adds the
engagement E2024-1 (materiality 2,000 t, Scope 3 10 %) with its sample drawn by SEED;
`restate` imports a correction and makes the year final and cosigned again. The keys are made
once per process: LOG (the log's, origin ORIGIN), WITNESS (a cosignature key, the one that
cosigns), OTHER_WITNESS (one that never does) and VERIFIER (the verification body's, which
signs statements).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.engines.conftest import load, write_csv
from zerotrail.engine.settings import InventorySettings
from zerotrail.ingest.activities import import_activities
from zerotrail.ledger import witness as witnessing
from zerotrail.ledger.note import parse_signer_key, parse_verifier_key
from zerotrail.pipeline import verification
from zerotrail.pipeline.calculation import calculate
from zerotrail.pipeline.claims import finalize_inventory
from zerotrail.pipeline.ledger import add_cosignatures, new_key_pair, witness_request
from zerotrail.store import checkpoints
from zerotrail.store.workspace import Workspace

YEAR = 2024
SETTINGS = InventorySettings(YEAR, "AR5", "operational_control")
ORIGIN = "carbon.example.com/verification-world"
WITNESS_NAME = "witness.example.org"
VERIFIER_NAME = "assurance.example/world"
FIXTURE = "test fixture: USD index, not a real series"


@dataclass(frozen=True)
class KeyPair:
    signer: str  # secret key text
    verifier: str  # public key text


def key_pair(name: str, *, witness: bool = False) -> KeyPair:
    signer, verifier = new_key_pair(name, witness=witness)
    return KeyPair(signer, verifier)


LOG = key_pair(ORIGIN)
WITNESS = key_pair(WITNESS_NAME, witness=True)
OTHER_WITNESS = key_pair("other-witness.example.org", witness=True)  # never cosigns anything
VERIFIER = key_pair(VERIFIER_NAME)


def evidence_bytes(record_id: str) -> bytes:
    """The document a record was entered from (its SHA-256 is in the record's evidence)."""
    return f"invoice for {record_id}\n".encode()


def _act(rid: str, key: str, qty: float, unit: str, region: str, **extra: Any) -> dict[str, Any]:
    digest = hashlib.sha256(evidence_bytes(rid)).hexdigest()
    return {
        "record_id": rid,
        "entity": "E",
        "period_start": f"{YEAR}-01-01",
        "period_end": f"{YEAR}-12-31",
        "activity": key,
        "quantity": qty,
        "unit": unit,
        "region": region,
        "evidence": f"https://erp.example/{rid} sha256:{digest}",
        **extra,
    }


DIESEL = "stationary_combustion.diesel"
GAS = "stationary_combustion.natural_gas"
GRID = "electricity.grid"
SPEND = "spend.naics.334111"


def activities() -> list[dict[str, Any]]:
    rows = [_act(f"diesel-{i}", DIESEL, 10 * i, "t", "CN") for i in range(1, 9)]
    rows += [_act(f"gas-{i}", GAS, 500 * i, "GJ", "CN") for i in range(1, 5)]
    rows += [_act(f"r410a-{i}", "fugitive.R-410A", 3 * i, "kg", "CN", site="HZ") for i in (1, 2)]
    rows += [_act(f"grid-{i:02d}", GRID, 100 * i, "MWh", "", site="HZ") for i in range(1, 11)]
    rows += [_act("grid-big", GRID, 20_000, "MWh", "", site="HZ")]
    rows += [_act(f"spend-{i}", SPEND, 100_000 * i, "USD", "US") for i in range(1, 10)]
    rows += [_act(f"leased-{i}", GRID, 150 * i, "MWh", "US", site="DC") for i in (1, 2)]
    return rows


ENTITIES = [
    {
        "entity": "E",
        "name": "Emmet",
        "parent": "",
        "equity_share": 100,
        "financial_control": "yes",
        "operational_control": "yes",
        "country": "CN",
    }
]
SITES = [
    {"site": "HZ", "entity": "E", "kind": "campus", "region": "CN-EAST"},
    {
        "site": "DC",
        "entity": "E",
        "kind": "data_center_leased",
        "region": "US",
        "operational_control": "no",
    },
]
INDICES = [
    {"currency": "USD", "year": y, "index": v, "source": FIXTURE}
    for y, v in ((2021, 100.0), (2022, 105.0), (2024, 110.0))
]


def cosign(ws: Workspace) -> None:
    """Sign a checkpoint of the log as it is and have the witness cosign it. The witness
    starts from nothing each time (size 0): its memory of the log is not what is tested."""
    checkpoints.sign_checkpoint(ws, parse_signer_key(LOG.signer))
    state = witnessing.add_log(
        witnessing.WitnessState(), ORIGIN, [parse_verifier_key(LOG.verifier)]
    )
    _, resp = witnessing.add_checkpoint(
        state, witness_request(ws, 0), parse_signer_key(WITNESS.signer), int(time.time())
    )
    assert resp.status == 200, resp.body
    add_cosignatures(ws, resp.body)


def fill(ws: Workspace, folder: Path) -> None:
    """The world above: imported, 2024 calculated and final, a cosigned checkpoint."""
    load(ws, folder, activities=activities(), entities=ENTITIES, sites=SITES, price_indices=INDICES)
    calculate(ws, SETTINGS)
    finalize_inventory(ws, YEAR)
    cosign(ws)


def restate(ws: Workspace, folder: Path, rows: list[dict[str, Any]]) -> str:
    """Import corrected versions of `rows`, calculate, finalize, sign and cosign: the year's
    restated final inventory (its run id)."""
    import_activities(ws, write_csv(folder / "correction.csv", rows), replace=True)
    run_id = calculate(ws, SETTINGS).run_id
    finalize_inventory(ws, YEAR)
    cosign(ws)
    return run_id


def act(rid: str, **changes: Any) -> dict[str, Any]:
    """The world's record `rid` with `changes` (a corrected version to import)."""
    row = next(r for r in activities() if r["record_id"] == rid)
    return {**row, **changes}


# --- the engagement ------------------------------------------------------------------------------

ACTOR = "test:verifier"
VERIFIER_BODY = "Example Assurance LLP"
# 2,000 t overall and for Scopes 1 and 2 (a tonnes rule is the same tonnes for every scope),
# 10 % of Scope 3's own total for Scope 3: the draw then takes a few records of the larger
# strata and every key item, so that two seeds draw differently (module docstring of
# assurance/sampling.py).
MATERIALITY = "2000t"
SCOPE_MATERIALITY = ("3=10%",)
SEED = "c0ffee-2024-verifier"


def open_world(ws: Workspace, level: str = "limited") -> str:
    """Open the world's engagement on 2024 (its id)."""
    e = verification.open_engagement(
        ws, YEAR, VERIFIER_BODY, level, ACTOR, MATERIALITY, SCOPE_MATERIALITY
    )
    return e.engagement_id


def sampled_fill(ws: Workspace, folder: Path) -> None:
    """`fill`, then the engagement E2024-1 opened and its sample drawn with SEED."""
    fill(ws, folder)
    verification.draw_sample(ws, open_world(ws), SEED, ACTOR)


ENGAGEMENT = f"E{YEAR}-1"  # the engagement `sampled_fill` opens


def leaf_count(ws: Workspace, kind: str) -> int:
    return int(ws.scalar("SELECT count(*) FROM ledger_leaves WHERE kind = ?", [kind]))


class Clock:
    """A stand-in for the stage's clock that moves one second a call: stored states are
    ordered by time with a second's resolution, and a test does in a second what a user
    does over days."""

    def __init__(self) -> None:
        # After anything the world's template stored (at the real time, when it was built).
        self.now = datetime.now(UTC).replace(tzinfo=None, microsecond=0) + timedelta(hours=1)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now
