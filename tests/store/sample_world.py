"""A small workspace whose records a verifier samples: two runs of 2024 over records of every
kind the recomputation meets, and changes between the runs so that each run's inputs differ.

Records (2024; entity E is the reporting company, SUB its 60% subsidiary, 80% from the second
run on; calculated under the equity-share approach, AR5):
- `grid`: 1,000 MWh of grid electricity at site HZ, region left to the site's (CN-EAST);
- `pinned`: 300 MWh of grid electricity in CN-EAST, its factor pinned to the 2022 edition;
- `leased`: 200 MWh of US grid electricity at SUB's leased data centre DC (Scope 3 cat. 8);
- `gas`: natural gas at SUB in therms (EPA Hub), 8,000 then replaced by 10,000 before the
  first run (so version 2), with data-quality scores;
- `diesel`: 10 t of diesel in CN, reaching IPCC's per-TJ factor through its heat content;
- `gas_hhv`: 100 GJ of natural gas in CN stated on a gross (HHV) basis, against IPCC's net one;
- `spend`: 1,000 USD of computers at SUB, deflated to the factor's 2022 dollars;
- `r410a`: 5 kg of R-410A released at HZ, replaced by 6 kg after the first run.
The USD price indices are test fixtures, not a real series: 2021 100, 2022 105, 2024 110, and
2024 120 from the second run on.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.engines.conftest import load, write_csv
from zerotrail.engine.settings import InventorySettings
from zerotrail.ingest.activities import import_activities
from zerotrail.ingest.organization import import_entities
from zerotrail.ingest.price_indices import import_price_indices
from zerotrail.pipeline.calculation import calculate
from zerotrail.store.workspace import Workspace

SETTINGS = InventorySettings(2024, "AR5", "equity_share")
PINNED = "cn-mee-grid:2022.regional-average.cn-east"
FIXTURE = "test fixture: USD index, not a real series"


def entities(sub_share: float) -> list[dict[str, Any]]:
    common = {"financial_control": "yes", "operational_control": "yes"}
    return [
        {"entity": "E", "name": "Emmet", "parent": "", "equity_share": 100, "country": "CN"}
        | common,
        {"entity": "SUB", "name": "Sub", "parent": "E", "equity_share": sub_share, "country": "US"}
        | common,
    ]


SITES = [
    {"site": "HZ", "entity": "E", "kind": "campus", "region": "CN-EAST"},
    {
        "site": "DC",
        "entity": "SUB",
        "kind": "data_center_leased",
        "region": "US",
        "operational_control": "no",
    },
]


def act(rid: str, key: str, qty: float, unit: str, region: str, **extra: object) -> dict[str, Any]:
    return {
        "record_id": rid,
        "entity": "E",
        "period_start": "2024-01-01",
        "period_end": "2024-12-31",
        "activity": key,
        "quantity": qty,
        "unit": unit,
        "region": region,
        **extra,
    }


def index(year: int, value: float) -> dict[str, Any]:
    return {"currency": "USD", "year": year, "index": value, "source": FIXTURE}


DQ = {"dq_technology": 2, "dq_time": 1, "dq_geography": 3}
ACTIVITIES = [
    act("grid", "electricity.grid", 1000, "MWh", "", site="HZ"),
    act("pinned", "electricity.grid", 300, "MWh", "CN-EAST", factor_id=PINNED),
    act("leased", "electricity.grid", 200, "MWh", "US", site="DC", entity="SUB"),
    act("gas", "stationary_combustion.natural_gas", 8000, "therm", "US", entity="SUB", **DQ),
    act("diesel", "stationary_combustion.diesel", 10, "t", "CN"),
    act("gas_hhv", "stationary_combustion.natural_gas", 100, "GJ", "CN", heat_basis="HHV"),
    act("spend", "spend.naics.334111", 1000, "USD", "US", entity="SUB"),
    act("r410a", "fugitive.R-410A", 5, "kg", "CN", site="HZ"),
]


def fill(ws: Workspace, folder: Path) -> None:
    """The world above, its two runs calculated; their ids in `runs.json` beside it."""
    load(
        ws,
        folder,
        activities=ACTIVITIES,
        entities=entities(60),
        sites=SITES,
        price_indices=[index(2021, 100.0), index(2022, 105.0), index(2024, 110.0)],
    )
    gas = act("gas", "stationary_combustion.natural_gas", 10_000, "therm", "US", entity="SUB")
    import_activities(ws, write_csv(folder / "gas.csv", [gas | DQ]), replace=True)
    first = calculate(ws, SETTINGS).run_id
    import_entities(ws, write_csv(folder / "entities2.csv", entities(80)))
    import_price_indices(ws, write_csv(folder / "p2.csv", [index(2024, 120.0)]), replace=True)
    r410a = act("r410a", "fugitive.R-410A", 6, "kg", "CN", site="HZ")
    import_activities(ws, write_csv(folder / "r410a.csv", [r410a]), replace=True)
    second = calculate(ws, SETTINGS).run_id
    (folder / "runs.json").write_text(json.dumps([first, second]))


def run_ids(folder: Path) -> tuple[str, str]:
    """The two runs of the world `fill` built in `folder` (a template's: the file's folder)."""
    first, second = json.loads((folder / "runs.json").read_text())
    return str(first), str(second)


def run_records(ws: Workspace, run_id: str) -> list[tuple[str, int]]:
    """Every (record id, version) the run calculated."""
    rows = ws.fetchall(
        "SELECT record_id, version FROM results WHERE run_id = ? ORDER BY record_id", [run_id]
    )
    return [(str(r), int(v)) for r, v in rows]
