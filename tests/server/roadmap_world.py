"""The served world (conftest.py) with a roadmap, credits and the log's signer key kept: the
world of test_api_roadmap.py, test_pages_roadmap.py and test_browser_roadmap.py.

    a1  A  1,000 MWh, b1  B  2,000 MWh of East China grid electricity, 2023 (conftest.py):
        Scope 2 location-based 550 + 1,100 = 1,650 t CO2e; no Scope 1, no Scope 3
    S12      absolute, Scope 1 + 2 location-based, 30% down from 2023 to 2030:
             base 1,650 t, target 1,650 x 0.7 = 1,155 t; in 2023 on the pathway (its base)
    NEUTRAL  neutrality, Scope 1 + 2 (market-based), every year from 2023
    C1  retired, 2,000 credits (VCS-728-000001 to 002000), assigned to the 2023 claim
    C2  held, 500 credits (GS1-000001 to 000500)

The log's signer key is kept beside the template (log.key), so a report can be published.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import Templates
from tests.engines.conftest import write_csv
from tests.server.conftest import YEAR, add_users, calculate_records, sign_log
from zerotrail.ingest.credits import import_credits
from zerotrail.pipeline.roadmap import add_targets
from zerotrail.targets.roadmap import read_roadmap

LOCATION_T = 1000 * 0.55 + 2000 * 0.55  # Scope 2 location-based, 2023
TARGET_T = LOCATION_T * (1 - 0.30)

ROADMAP = """
[[target]]
id = "S12"
kind = "absolute"
name = "Scope 1 + 2 down 30% by 2030"
scopes = [1, 2]
scope2_method = "location"
base_year = 2023
target_year = 2030
reduction_pct = 30
set_year = 2023

[[target]]
id = "NEUTRAL"
kind = "neutrality"
name = "Neutral in Scope 1 and 2"
scopes = [1, 2]
from_year = 2023
"""


def _credit(cid: str, start: str, end: str, quantity: int, **kw: Any) -> dict[str, Any]:
    row = {
        "credit_id": cid,
        "registry": "Verra VCS",
        "project_id": "728",
        "methodology": "ACM0002",
        "type": "avoidance",
        "durability": "none",
        "vintage": 2022,
        "serial_start": start,
        "serial_end": end,
        "quantity": quantity,
        "status": "retired",
        "retired_on": "2024-02-01",
        "beneficiary": "Group",
        "reason": "Scope 1+2 neutrality 2023",
        "claim_year": YEAR,
        "ccp_label": "yes",
        "corsia_eligible": "no",
        "corresponding_adjustment": "no",
    }
    row.update(kw)
    return row


CREDITS = [
    _credit("C1", "VCS-728-000001", "VCS-728-002000", 2000),
    _credit(
        "C2",
        "GS1-000001",
        "GS1-000500",
        500,
        registry="Gold Standard",
        project_id="GS-1",
        status="held",
        retired_on="",
        beneficiary="",
        reason="",
        claim_year="",
    ),
]


def fill_planned(ws: Any, folder: Path) -> None:
    calculate_records(ws, folder)
    (folder / "roadmap.toml").write_text(ROADMAP, encoding="utf-8")
    add_targets(ws, read_roadmap(folder / "roadmap.toml"), "roadmap.toml")
    import_credits(ws, write_csv(folder / "credits.csv", CREDITS))
    (folder / "log.key").write_text(sign_log(ws, folder), encoding="utf-8")


@dataclass(frozen=True)
class Planned:
    """A closed workspace file of the world, each user's API token and password, and the
    log's signer key file."""

    path: Path
    tokens: dict[str, str]
    passwords: dict[str, str]
    log_key: Path

    def copy(self, folder: Path) -> Path:
        """A copy of the workspace file in `folder`, for a test that changes it."""
        target = folder / "own.duckdb"
        target.write_bytes(self.path.read_bytes())
        return target


def planned_world(template: Templates, folder: Path) -> Planned:
    built = template(fill_planned)
    path = folder / "planned.duckdb"
    path.write_bytes(built.read_bytes())
    tokens, passwords = add_users(path)
    key = folder / "log.key"
    key.write_text((built.parent / "log.key").read_text(encoding="utf-8"), encoding="utf-8")
    return Planned(path, tokens, passwords, key)
