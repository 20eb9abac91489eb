"""The workspace's log: imports commit their records, checkpoints, proofs, and the audit that
names every record changed, deleted, inserted or reordered behind the ledger's back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Templates, open_copy
from tests.engines.conftest import ROOT, write_csv
from zerotrail.errors import VerificationError
from zerotrail.ingest.activities import canonical_of, import_activities
from zerotrail.ingest.organization import import_entities
from zerotrail.ledger.merkle import root_hash, verify_inclusion
from zerotrail.ledger.note import generate_signer, parse_signer_key, parse_verifier_key
from zerotrail.ledger.proof import parse_proof, verify_proof_bundle
from zerotrail.reference.factors import factor_rows, factor_sets
from zerotrail.store import tlog
from zerotrail.store.activities import LEDGER_TYPES
from zerotrail.store.audit import audit
from zerotrail.store.checkpoints import leaf_from_opening, prove, sign_checkpoint
from zerotrail.store.workspace import Workspace

ORIGIN = "carbon.example.com/test"


def rows(n: int, start: int = 0, qty: float = 1.5) -> list[dict[str, Any]]:
    return [
        {
            "record_id": f"r{i:05d}",
            "entity": "E",
            "period_start": "2024-01-01",
            "period_end": "2024-01-31",
            "activity": "fugitive.SF6",
            "quantity": qty + i,
            "unit": "kg",
            "region": "CN",
        }
        for i in range(start, start + n)
    ]


def sf6_records(w: Workspace, folder: Path) -> None:
    """Entity E and 300 SF6 records (enough to cross a stored level of the log)."""
    import_entities(w, write_csv(folder / "e.csv", ROOT))
    import_activities(w, write_csv(folder / "a.csv", rows(300)))


@pytest.fixture
def ws(workspace_template: Templates, tmp_path: Path) -> Any:
    w = open_copy(workspace_template(sf6_records), tmp_path)
    yield w
    w.close()


@pytest.fixture
def keys() -> tuple[Any, Any]:
    signer, verifier = generate_signer(ORIGIN)
    return parse_signer_key(signer), parse_verifier_key(verifier)


# Leaves before the activities: the shipped factor sets, their factor rows (one leaf per factor
# and gas) and the one entity.
ORG = len(factor_sets()) + len(factor_rows()) + 1


def org(ws: Workspace) -> int:
    """Leaves of the organization and factor sets committed before the activities."""
    return int(ws.scalar("SELECT count(*) FROM ledger_leaves WHERE kind <> 'activity'"))


def findings(ws: Workspace) -> list[str]:
    return audit(ws, LEDGER_TYPES).findings


def test_import_commits_every_record_in_the_same_transaction(ws: Workspace) -> None:
    # The shipped factor sets, their factors and 1 entity, then the 300 records.
    assert org(ws) == ORG and tlog.size(ws) == ORG + 300
    leaves = [bytes(h) for (h,) in ws.fetchall("SELECT leaf_hash FROM ledger_leaves ORDER BY idx")]
    assert tlog.root(ws) == root_hash(leaves)
    assert ws.scalar("SELECT count(*) FROM ledger_nodes WHERE level = 8") == (ORG + 300) // 256
    assert findings(ws) == []


def test_replace_commits_the_new_version_and_keeps_the_old(ws: Workspace, tmp_path: Path) -> None:
    import_activities(ws, write_csv(tmp_path / "b.csv", rows(1, qty=99.0)), replace=True)
    assert tlog.size(ws) == org(ws) + 301
    assert ws.fetchall("SELECT version FROM ledger_leaves WHERE ref = 'r00000' ORDER BY 1") == [
        (1,),
        (2,),
    ]
    assert findings(ws) == []


def test_proof_round_trip_with_opening(ws: Workspace, keys: tuple[Any, Any]) -> None:
    signer, verifier = keys
    sign_checkpoint(ws, signer)
    text = prove(ws, "activity", "r00042", lambda r, v: canonical_of(ws, r, v), True)
    bundle = parse_proof(text)
    assert bundle.extra is not None
    cp = verify_proof_bundle(bundle, leaf_from_opening(bundle.extra), verifier)
    assert (cp.origin, cp.size, bundle.index) == (ORIGIN, ORG + 300, ORG + 42)
    # The opening is the record: its quantity is in it as a fixed-scale decimal.
    assert b"43.500000000" in bundle.extra.replace(b"\\", b"") or b"43.5" in bundle.extra


def test_checkpoint_refused_when_history_was_rewritten(
    ws: Workspace, keys: tuple[Any, Any], tmp_path: Path
) -> None:
    signer, _ = keys
    first = sign_checkpoint(ws, signer)
    import_activities(ws, write_csv(tmp_path / "b.csv", rows(5, start=300)))
    second = sign_checkpoint(ws, signer)
    assert second.checkpoint.size == ORG + 305
    # Leaves past the last stored 256-leaf subtree are read directly when signing.
    past = (ORG + 305) // 256 * 256 + 4
    ws.execute("UPDATE ledger_leaves SET leaf_hash = ? WHERE idx = ?", [b"\x00" * 32, past])
    with pytest.raises(VerificationError, match="no longer match"):
        sign_checkpoint(ws, signer)
    assert first.checkpoint.size == ORG + 300


def test_audit_names_a_changed_digit(ws: Workspace) -> None:
    ws.execute("UPDATE activities SET quantity = 18.5 WHERE record_id = 'r00017'")  # unchanged
    ws.execute("UPDATE activities SET quantity = 19.5 WHERE record_id = 'r00016'")  # was 17.5
    assert findings(ws) == [
        f"activity r00016 version 1 (leaf {ORG + 16}): changed since it was committed"
    ]


def test_audit_names_deleted_and_inserted_records(ws: Workspace) -> None:
    ws.execute("DELETE FROM activities WHERE record_id = 'r00003'")
    ws.execute(
        "INSERT INTO activities SELECT * REPLACE ('r99999' AS record_id) FROM activities"
        " WHERE record_id = 'r00004'"
    )
    assert findings(ws) == [
        f"activity r00003 version 1 (leaf {ORG + 3}): deleted from the workspace",
        "activity r99999 version 1: stored without a ledger leaf (inserted)",
    ]


def test_audit_names_reordered_leaves(ws: Workspace, keys: tuple[Any, Any]) -> None:
    sign_checkpoint(ws, keys[0])
    # Swap two leaves' positions: every commitment still opens, but the tree changes.
    ws.execute(
        "UPDATE ledger_leaves SET idx = CASE idx WHEN 10 THEN 11 ELSE 10 END WHERE idx IN (10, 11)"
    )
    found = findings(ws)
    assert any("subtree (8, 0) over leaves 0..255" in f for f in found)
    assert any("do not give its root" in f for f in found)


def test_inclusion_proofs_from_the_store_verify(ws: Workspace) -> None:
    from zerotrail.ledger.merkle import inclusion_proof

    src = tlog.WorkspaceSource(ws)
    root = tlog.root(ws)
    n = tlog.size(ws)
    for idx in (0, 1, 127, 255, 256, 299, n - 1):
        leaf = bytes(ws.scalar("SELECT leaf_hash FROM ledger_leaves WHERE idx = ?", [idx]))
        verify_inclusion(leaf, idx, n, inclusion_proof(idx, n, src), root)


def test_prefetched_proofs_equal_node_by_node_proofs(ws: Workspace) -> None:
    from zerotrail.ledger.merkle import inclusion_proof

    for idx in (0, 5, 255, 256, 299):
        assert tlog.inclusion(ws, idx, 300) == inclusion_proof(idx, 300, tlog.WorkspaceSource(ws))


def test_a_run_commits_its_figures_and_can_be_proved(ws: Workspace, keys: tuple[Any, Any]) -> None:
    import json

    from zerotrail.engine.settings import InventorySettings
    from zerotrail.pipeline.calculation import calculate
    from zerotrail.store.checkpoints import run_canonical

    summary = calculate(ws, InventorySettings(2024))
    # The factor sets and factors, the entity, 300 activity leaves, the GWP value of SF6 the
    # run weighed with, the run and its results.
    assert tlog.size(ws) == ORG + 303
    signer, verifier = keys
    sign_checkpoint(ws, signer)
    text = prove(ws, "run", summary.run_id, lambda r, _: run_canonical(ws, r), True)
    bundle = parse_proof(text)
    assert bundle.extra is not None and bundle.index == ORG + 301
    verify_proof_bundle(bundle, leaf_from_opening(bundle.extra), verifier)
    record = json.loads(json.loads(bundle.extra)["record"])
    # 300 records of SF6, 1.5 + i kg each: 300 x 1.5 + 44,850 = 45,300 kg = 45.3 t of SF6,
    # x 23,500 (AR5) = 1,064,550 t CO2e.
    assert float(record["scope1"]) == pytest.approx(45.3 * 23_500)
    assert record["gwp_set"] == "AR5" and record["kind"] == "run"


def test_organization_and_factor_sets_are_versioned_and_committed(
    ws: Workspace, tmp_path: Path
) -> None:
    from zerotrail.store.history import drift

    versions = dict(ws.fetchall("SELECT kind, count(*) FROM ledger_leaves GROUP BY kind"))
    assert (versions["entity"], versions["factor_set"]) == (1, len(factor_sets()))
    renamed = [dict(ROOT[0], name="Emmet Holdings")]
    import_entities(ws, write_csv(tmp_path / "e2.csv", renamed))
    assert ws.fetchall("SELECT version, name FROM entity_versions ORDER BY version") == [
        (1, ROOT[0]["name"]),
        (2, "Emmet Holdings"),
    ]
    # The same file again changes nothing: no new version, no new leaf.
    size = tlog.size(ws)
    import_entities(ws, write_csv(tmp_path / "e3.csv", renamed))
    assert tlog.size(ws) == size
    assert findings(ws) == [] and drift(ws) == []
    # A row changed behind the log's back is named by the audit.
    ws.execute("UPDATE entities SET equity_share = 51")
    assert findings(ws) == [
        f"entity {ROOT[0]['entity']}: the stored row differs from its latest committed version"
    ]
    ws.execute("UPDATE entity_versions SET name = 'x' WHERE version = 1")
    assert any("entity E version 1" in f and "changed" in f for f in findings(ws))
