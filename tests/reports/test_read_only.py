"""Reading never writes: every read stage runs on a workspace opened read-only.

The small roadmap world (tests/targets/world.py) with its targets, a retired credit, a final
2023 inventory and a signed checkpoint, as tests/reports/test_publish.py sets it up, is closed
and opened again with DuckDB's `read_only=True`, where any write fails. On it: the inventory
summary and its breakdowns, target progress and the neutrality claim's preview, the energy and
initiative figures, the report built and drafted into a temporary folder (figures, charts and
disclosures.xlsx) and the ledger audit. The workspace file is byte for byte what it was.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from tests.reports import test_publish as tp
from tests.targets.conftest import world
from zerotrail.ledger.note import parse_signer_key
from zerotrail.pipeline.claims import neutrality_preview
from zerotrail.pipeline.energy import data_centres, renewable_share
from zerotrail.pipeline.initiatives import initiatives
from zerotrail.pipeline.inventory import inventory_breakdown, inventory_summary
from zerotrail.pipeline.ledger import audit_ledger, sign_checkpoint
from zerotrail.pipeline.publish import build, draft
from zerotrail.pipeline.roadmap import target_progress
from zerotrail.store.workspace import Workspace, open_workspace

__all__ = ["world"]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_read_stages_run_on_a_read_only_workspace(world: Workspace, tmp_path: Path) -> None:
    tp.setup(world, tmp_path)
    state = tmp_path / "ledger-state.json"
    sign_checkpoint(world, parse_signer_key(tp.KEY), state)
    path = Path(world.url)
    world.close()
    before = digest(path)

    ws = open_workspace(str(path), read_only=True)
    try:
        with pytest.raises(duckdb.Error):  # it is read-only indeed
            ws.execute("DELETE FROM claims")

        inv = inventory_summary(ws, 2023)
        assert inv["scope1"] == pytest.approx(tp.SCOPE1)
        scopes = {r["scope"]: r for r in inventory_breakdown(ws, 2023, "scope")}
        assert scopes["2"]["scope2_market"] == pytest.approx(tp.SCOPE2_MARKET)
        gases = {r["gas"]: r for r in inventory_breakdown(ws, 2023, "gas")}
        assert gases["CO2e_only"]["co2e_t"] == pytest.approx(tp.SCOPE3)

        progress = {p.id: p for p in target_progress(ws, 2023)}
        assert progress["S12"].actual == pytest.approx(840)
        claim = neutrality_preview(ws, 2023)
        assert claim["holds"] is True and "version" not in claim  # previewed, not stored
        assert claim["gross_t"] == pytest.approx(tp.SCOPE1 + tp.SCOPE2_MARKET)

        kinds = {r["site_kind"] for r in renewable_share(ws, 2023)}
        assert "campus" in kinds
        assert [d["site"] for d in data_centres(ws, 2023)] == ["DC1"]
        assert initiatives(ws, 2023) == []

        data = build(ws, 2023)
        assert data["report_id"] == "report-2023-1" and "ledger" not in data
        assert data["claim"] == claim
        drafted = draft(ws, 2023, tmp_path)
        assert [p.name for p in drafted.files] == ["disclosures.xlsx"]
        assert (tmp_path / "disclosures.xlsx").stat().st_size > 0
        assert {"scopes", "bridge"} <= set(drafted.charts)

        audited = audit_ledger(ws, state=state)
        assert audited.report.ok, audited.report.findings
        assert audited.report.checkpoints == 1
    finally:
        ws.close()
    assert digest(path) == before
