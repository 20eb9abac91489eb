"""`ledger audit` proves what it says: each way of tampering with a workspace an insider has
(write access to the file, no signing key) is named, and an untouched workspace passes.

One workspace is built per module (factors, an entity, a site, activities, a meter reading, a
metric, a supplier, a cooling retrofit, the organization's name, a target with a recalculation
policy, a calculation run, three signed checkpoints, the last one cosigned by a witness, a copy
of the file from before the last checkpoint, and the ledger state); each test audits a copy,
with the `results` view this version of zerotrail creates to compare the stored one with.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_cli import ACTS, SITES
from tests.conftest import Templates, open_copy
from tests.engines.conftest import ROOT, write_csv
from tests.targets.conftest import ABSOLUTE, roadmap_file
from zerotrail.engine.settings import InventorySettings
from zerotrail.errors import VerificationError
from zerotrail.ingest.activities import import_activities
from zerotrail.ingest.energy import import_cooling, import_meters
from zerotrail.ingest.metrics import import_metrics, import_suppliers
from zerotrail.ingest.organization import import_entities, import_sites
from zerotrail.ledger.canonical import canonical_sql, leaf_sql
from zerotrail.ledger.merkle import append_leaves, root_hash
from zerotrail.ledger.note import (
    COSIGNATURE_V1,
    Verifier,
    format_verifier_key,
    generate_signer,
    parse_signer_key,
    parse_verifier_key,
)
from zerotrail.ledger.witness import WitnessState, add_checkpoint, add_log
from zerotrail.pipeline.calculation import calculate
from zerotrail.pipeline.ledger import results_view_sql
from zerotrail.pipeline.roadmap import add_targets
from zerotrail.pipeline.setup import set_up
from zerotrail.store.activities import LEDGER_TYPES
from zerotrail.store.audit import AuditReport, Trust, audit
from zerotrail.store.checkpoints import (
    add_cosignatures,
    advance_state,
    read_state,
    sign_checkpoint,
    verified_checkpoints,
    witness_request,
    write_state,
)
from zerotrail.store.publications import record_publication
from zerotrail.store.tlog import STORED_LEVEL
from zerotrail.store.workspace import Workspace, open_workspace
from zerotrail.targets.roadmap import read_roadmap

ORIGIN = "carbon.example.com/audit"
WITNESS = "witness.example.org"
# The grid factor a1 (1,000 MWh in CN-EAST, 2023) is calculated with.
GRID = "cn-mee-grid:2023.regional-average.cn-east"


@dataclass(frozen=True)
class Base:
    folder: Path
    signer: str  # the log's signer key
    log_key: Verifier
    witness_key: Verifier
    sizes: tuple[int, ...]  # the three checkpoints' sizes
    run_id: str
    view: str  # the SQL of the `results` view this version creates


def more(record_id: str) -> list[dict[str, Any]]:
    return [dict(ACTS[1], record_id=record_id, quantity=2)]


@pytest.fixture(scope="module")
def base(workspace_template: Templates, tmp_path_factory: pytest.TempPathFactory) -> Base:
    folder = tmp_path_factory.mktemp("audit")
    signer_text, verifier_text = generate_signer(ORIGIN)
    signer, log_key = parse_signer_key(signer_text), parse_verifier_key(verifier_text)
    w_signer_text, w_verifier_text = generate_signer(WITNESS, COSIGNATURE_V1)
    w_signer, w_key = parse_signer_key(w_signer_text), parse_verifier_key(w_verifier_text)
    state_path = folder / "state.json"

    def checkpoint(ws: Workspace) -> int:
        signed = sign_checkpoint(ws, signer, read_state(state_path))
        seen = verified_checkpoints(ws, verifier_text)
        write_state(state_path, advance_state(read_state(state_path), ORIGIN, verifier_text, seen))
        return signed.checkpoint.size

    db = folder / "w.duckdb"
    ws = open_copy(workspace_template(), folder, db.name)  # the shipped factors, loaded once
    import_entities(ws, write_csv(folder / "e.csv", ROOT))
    import_sites(ws, write_csv(folder / "s.csv", SITES))
    import_activities(ws, write_csv(folder / "a.csv", ACTS))
    meter = {"site": "HZ", "period_start": "2023-01-01", "period_end": "2023-01-31"}
    import_meters(ws, write_csv(folder / "m.csv", [dict(meter, facility_mwh=120)]))
    metric = {"metric": "revenue", "year": 2023, "value": 800, "unit": "CNY million"}
    import_metrics(ws, write_csv(folder / "x.csv", [metric]))
    supplier = {"supplier": "SUP-1", "name": "Acme", "sbt_year": 2021}
    import_suppliers(ws, write_csv(folder / "sup.csv", [supplier]))
    cooling = {"site": "HZ", "since": "2020-01-01", "technology": "air"}
    import_cooling(ws, write_csv(folder / "cool.csv", [cooling]))
    set_up(ws, "Emmet Group")
    policy = ABSOLUTE + "\n[recalculation]\nthreshold_pct = 4\n"
    add_targets(ws, read_roadmap(roadmap_file(folder, policy)), "roadmap.toml")
    sizes = [checkpoint(ws)]
    import_activities(ws, write_csv(folder / "b.csv", more("a3")))
    sizes.append(checkpoint(ws))
    ws.close()
    shutil.copy(db, folder / "before.duckdb")  # the file as it was before the third checkpoint
    shutil.copy(state_path, folder / "state-before.json")
    ws = open_workspace(str(db))
    run_id = calculate(ws, InventorySettings(2023)).run_id
    sizes.append(checkpoint(ws))
    witness = add_log(WitnessState(), ORIGIN, [log_key])
    _, resp = add_checkpoint(witness, witness_request(ws, 0), w_signer, 1_700_000_000)
    assert resp.status == 200, resp.body
    (folder / "cosigned.txt").write_text(add_cosignatures(ws, resp.body).note)
    # A record imported after the last checkpoint: not yet signed, and no problem.
    import_activities(ws, write_csv(folder / "c.csv", more("a4")))
    view = results_view_sql(ws)
    ws.close()
    return Base(folder, signer_text, log_key, w_key, tuple(sizes), run_id, view)


@pytest.fixture
def ws(base: Base, tmp_path: Path) -> Iterator[Workspace]:
    shutil.copy(base.folder / "w.duckdb", tmp_path / "w.duckdb")
    w = open_workspace(str(tmp_path / "w.duckdb"))
    yield w
    w.close()


def check(
    ws: Workspace,
    base: Base,
    *,
    log_key: Verifier | None = None,
    witness: bool = False,
    state: str | None = None,
    external: tuple[str, ...] = (),
) -> AuditReport:
    """Audit with what an auditor brings from outside the workspace (and the results view
    this version of zerotrail creates, as `ledger audit` compiles it)."""
    trust = Trust(
        log_key,
        (base.witness_key,) if witness else (),
        read_state(base.folder / state) if state else None,
        "the ledger state",
        tuple((name, (base.folder / name).read_text()) for name in external),
    )
    return audit(ws, LEDGER_TYPES, trust=trust, results_view=base.view)


def only(rep: AuditReport, *parts: str) -> str:
    """The one finding that contains every part."""
    found = [f for f in rep.findings if all(p in f for p in parts)]
    assert found, rep.findings
    return found[0]


def test_the_untouched_workspace_passes_and_says_what_was_checked(
    ws: Workspace, base: Base
) -> None:
    rep = check(ws, base, log_key=base.log_key, witness=True, state="state.json")
    assert rep.findings == []
    assert rep.checkpoints == 3 and rep.signatures == 3
    assert rep.key == f"{ORIGIN}+{base.log_key.key_id:08x}"
    assert rep.key_source == "given with --log-key"
    assert rep.cosignatures == {f"{WITNESS}+{base.witness_key.key_id:08x}": 1}
    assert rep.signed_size == base.sizes[-1] and rep.leaves == base.sizes[-1] + 1
    assert [s for s, _ in rep.seen] == list(base.sizes)
    # Every kind the log holds was recomputed, the new ones included.
    for kind in ("activity", "factor", "factor_set", "meter_reading", "metric", "run"):
        assert rep.kinds[kind] > 0, kind
    assert rep.kinds["run_results"] == 1
    assert (rep.kinds["supplier"], rep.kinds["cooling"], rep.kinds["setting"]) == (1, 1, 2)
    # The run was read through the results view, whose definition is this version's.
    assert (rep.runs_read, rep.view) == (1, "compared")
    # Without a key given, the one stored in the workspace is used, and said to be so.
    plain = check(ws, base)
    assert plain.ok and plain.key_source.startswith("stored in the workspace")


def forge(ws: Workspace) -> None:
    """What an insider can do without the key: recompute every activity leaf from the stored
    rows, then every stored node and the checkpoints' `root` column from those leaves."""
    canonical = canonical_sql("activity", LEDGER_TYPES, alias="a")
    ws.execute(
        f"""UPDATE ledger_leaves SET leaf_hash = {leaf_sql("ledger_leaves.salt", canonical)}
            FROM activities a WHERE ledger_leaves.kind = 'activity'
              AND a.record_id = ledger_leaves.ref AND a.version = ledger_leaves.version"""
    )
    leaves = [bytes(h) for (h,) in ws.fetchall("SELECT leaf_hash FROM ledger_leaves ORDER BY idx")]
    done = append_leaves((), 0, leaves, keep_from_level=STORED_LEVEL)
    ws.execute("DELETE FROM ledger_nodes")
    for run in done.nodes:
        for level, idx, h in run:
            ws.execute("INSERT INTO ledger_nodes VALUES (?, ?, ?)", [level, idx, h])
    for (size,) in ws.fetchall("SELECT size FROM ledger_checkpoints"):
        root = root_hash(leaves[:size])
        ws.execute("UPDATE ledger_checkpoints SET root = ? WHERE size = ?", [root, size])


def test_a_record_changed_with_its_leaf_nodes_and_roots_recomputed(
    ws: Workspace, base: Base
) -> None:
    ws.execute("UPDATE activities SET quantity = 500 WHERE record_id = 'a1'")
    forge(ws)
    rep = check(ws, base)
    # No commitment or stored node gives it away any more; the signed roots do.
    assert not any("activity a1" in f or "subtree" in f for f in rep.findings)
    for size in base.sizes:
        only(rep, f"checkpoint of size {size}", "do not give its root")
    with pytest.raises(VerificationError, match="no longer match"):
        sign_checkpoint(ws, parse_signer_key(base.signer))


def test_a_corrupted_checkpoint_signature(ws: Workspace, base: Base) -> None:
    note = str(ws.scalar("SELECT note FROM ledger_checkpoints WHERE size = ?", [base.sizes[1]]))
    text, sig = note.rsplit(" ", 1)
    # One character of the signature itself (after the key ID's first six) changed.
    bad = text + " " + sig[:20] + ("A" if sig[20] != "A" else "B") + sig[21:]
    ws.execute("UPDATE ledger_checkpoints SET note = ? WHERE size = ?", [bad, base.sizes[1]])
    rep = check(ws, base, log_key=base.log_key)
    assert only(rep, f"checkpoint of size {base.sizes[1]}").endswith(
        f"signature by {ORIGIN} does not verify"
    )
    assert rep.signatures == 2


def test_checkpoints_resigned_with_another_key(ws: Workspace, base: Base) -> None:
    # The insider makes a key of the same name, re-signs every checkpoint and stores its key.
    other_text, other_v = generate_signer(ORIGIN)
    other = parse_signer_key(other_text)
    ws.execute("DELETE FROM ledger_checkpoints")
    ws.execute("DELETE FROM zt_meta WHERE key IN ('ledger_vkey', 'ledger_origin')")
    sign_checkpoint(ws, other)
    rep = check(ws, base, log_key=base.log_key)
    only(rep, "the log key recorded in the workspace", other_v)
    only(rep, "no signature from a trusted key")
    # Trusting the workspace's key, the audit passes, and says whose key that was.
    trusting = check(ws, base)
    assert trusting.ok and trusting.key_source.startswith("stored in the workspace")
    # The ledger state pinned the real key: caught without --log-key.
    only(check(ws, base, state="state.json"), "the log key recorded in the workspace")


def test_all_checkpoints_deleted(ws: Workspace, base: Base) -> None:
    ws.execute("DELETE FROM ledger_checkpoints")
    only(check(ws, base), f"origin {ORIGIN} was fixed by a first checkpoint", "deleted")
    # With the origin and key settings deleted too, only something outside the file knows.
    ws.execute("DELETE FROM zt_meta WHERE key IN ('ledger_vkey', 'ledger_origin')")
    assert check(ws, base).ok
    rep = check(ws, base, state="state.json")
    only(rep, f"checkpoint of size {base.sizes[-1]} recorded in the ledger state", "newer")


def test_one_checkpoint_deleted_in_the_middle(ws: Workspace, base: Base) -> None:
    ws.execute("DELETE FROM ledger_checkpoints WHERE size = ?", [base.sizes[1]])
    # The two left are still consistent: first and third both open, and their roots are the
    # stored leaves' roots at their sizes (the third extends the first).
    rep = check(ws, base, state="state.json")
    assert rep.signatures == 2
    (finding,) = rep.findings
    assert finding == (
        f"the checkpoint of size {base.sizes[1]} recorded in the ledger state is missing from"
        " the log's checkpoints (deleted)"
    )


def test_a_run_edited_or_deleted(ws: Workspace, base: Base) -> None:
    ws.execute(
        'UPDATE runs SET committed = replace(committed, \'"year":"2023"\', \'"year":"2022"\')'
    )
    only(check(ws, base), f"run {base.run_id}", "committed figures (runs.committed) changed")
    ws.execute("UPDATE runs SET committed = NULL")
    only(check(ws, base), f"run {base.run_id}", "changed since it was committed")


def test_a_run_setting_edited(ws: Workspace, base: Base) -> None:
    ws.execute("UPDATE runs SET gwp_set = 'AR6'")
    assert only(check(ws, base), f"run {base.run_id}").endswith(
        "its stored gwp_set 'AR6' is not the committed 'AR5'"
    )


def test_a_run_deleted(ws: Workspace, base: Base) -> None:
    ws.execute("DELETE FROM runs")
    rep = check(ws, base)
    only(rep, f"run {base.run_id} (leaf", "deleted from the workspace")
    only(rep, f"run {base.run_id} (results leaf", "gone")


def test_an_older_run_marked_current(ws: Workspace, base: Base) -> None:
    second = calculate(ws, InventorySettings(2023)).run_id
    assert check(ws, base).ok
    ws.execute("UPDATE runs SET current = (run_id = ?)", [base.run_id])
    leaf = ws.scalar("SELECT idx FROM ledger_leaves WHERE kind = 'run' AND ref = ?", [second])
    assert only(check(ws, base), "year 2023") == (
        f"year 2023: the current run should be {second}, the last calculated (leaf {leaf}),"
        f" but the workspace marks {base.run_id} as current"
    )


def test_a_factor_value_halved(ws: Workspace, base: Base) -> None:
    used = ws.scalar(
        "SELECT DISTINCT factor_id FROM run_signatures WHERE activity = 'electricity.grid'"
    )
    assert used == GRID
    ws.execute("UPDATE factors SET value = value / 2 WHERE factor_set = 'cn-mee-grid'")
    rep = check(ws, base)
    finding = only(rep, f"factor {GRID}/CO2 (leaf")
    assert "value changed since its factor set cn-mee-grid version 1 was committed" in finding
    was, now = ws.fetchall(
        "SELECT value * 2, value FROM factors WHERE factor_id = ? AND gas = 'CO2'", [GRID]
    )[0]
    assert f"(value: {was!r} committed, {now!r} now)" in finding
    # Every halved grid factor is named, and nothing else.
    halved = int(ws.scalar("SELECT count(*) FROM factors WHERE factor_set = 'cn-mee-grid'"))
    assert len(rep.findings) == halved


def test_a_factor_deleted_or_inserted(ws: Workspace, base: Base) -> None:
    ws.execute("DELETE FROM factors WHERE factor_id = ? AND gas = 'CO2'", [GRID])
    ws.execute(
        "INSERT INTO factors SELECT * REPLACE ('x:1' AS factor_id) FROM factors"
        " WHERE factor_set = 'cn-mee-grid' LIMIT 1"
    )
    rep = check(ws, base)
    only(rep, f"factor {GRID}/CO2 (leaf", "deleted from the workspace")
    only(rep, "factor x:1/", "stored without a ledger leaf (inserted)")


def test_per_record_results_halved(ws: Workspace, base: Base) -> None:
    cols = [
        c
        for (c,) in ws.fetchall(
            "SELECT column_name FROM information_schema.columns WHERE table_name ="
            " 'run_signatures' AND (column_name LIKE 't\\_%' ESCAPE '\\'"
            " OR column_name LIKE 'te\\_%' ESCAPE '\\')"
        )
    ]
    before = ws.fetchall(
        "SELECT sum(co2e_t) FROM results WHERE run_id = ? AND scope = 2", [base.run_id]
    )[0][0]
    ws.execute(f"UPDATE run_signatures SET {', '.join(f'{c} = {c} / 2' for c in cols)}")
    finding = only(check(ws, base), f"run {base.run_id} (results leaf")
    assert "per-record results (run_signatures, run_supplier_keys or run_problems) changed" in (
        finding
    )
    assert f"Scope 2 (location) {before:,.3f} t committed, {before / 2:,.3f} t from them now" in (
        finding
    )


def test_a_result_row_added_or_removed(ws: Workspace, base: Base) -> None:
    ws.execute("INSERT INTO run_problems VALUES (?, NULL, 'a note')", [base.run_id])
    only(check(ws, base), f"run {base.run_id} (results leaf", "changed")


def test_a_meter_reading_edited(ws: Workspace, base: Base) -> None:
    ws.execute("UPDATE meter_readings SET facility_mwh = 12")
    assert only(check(ws, base), "meter_reading").startswith(
        "meter_reading HZ:2023-01-01..2023-01-31 version 1 (leaf "
    )
    ws.execute("DELETE FROM meter_readings")
    only(check(ws, base), "meter_reading HZ:2023-01-01..2023-01-31", "deleted")


def test_a_metric_edited(ws: Workspace, base: Base) -> None:
    ws.execute("UPDATE metrics SET value = 80")
    assert check(ws, base).findings == [
        "metric revenue:2023: the stored row differs from its latest committed version"
    ]
    ws.execute("UPDATE metric_versions SET value = 80")
    only(check(ws, base), "metric revenue:2023 version 1 (leaf", "changed since it was committed")


def test_a_metric_replaced_by_an_import_is_a_new_version(
    ws: Workspace, base: Base, tmp_path: Path
) -> None:
    metric = {"metric": "revenue", "year": 2023, "value": 900, "unit": "CNY million"}
    import_metrics(ws, write_csv(tmp_path / "x.csv", [metric]))
    assert ws.fetchall(
        "SELECT ref, version FROM ledger_leaves WHERE kind = 'metric' ORDER BY idx"
    ) == [("revenue:2023", 1), ("revenue:2023", 2)]
    assert check(ws, base).ok


def test_no_key_at_all_is_not_a_pass(ws: Workspace, base: Base) -> None:
    ws.execute("DELETE FROM zt_meta WHERE key = 'ledger_vkey'")
    rep = check(ws, base)
    assert rep.key is None and rep.signatures == 0
    only(rep, "signatures NOT checked")


def test_rollback_to_a_copy_from_before_a_checkpoint(base: Base, tmp_path: Path) -> None:
    shutil.copy(base.folder / "before.duckdb", tmp_path / "w.duckdb")
    ws = open_workspace(str(tmp_path / "w.duckdb"))
    try:
        # On its own, the older file is a consistent log.
        assert check(ws, base, log_key=base.log_key).ok
        # The ledger state recorded the third checkpoint.
        rep = check(ws, base, state="state.json")
        assert rep.findings == [
            f"the checkpoint of size {base.sizes[2]} recorded in the ledger state is newer than"
            f" this workspace (its latest checkpoint has size {base.sizes[1]}, {base.sizes[1]}"
            " leaves stored): the workspace was rolled back to an older copy, or checkpoints"
            " were deleted"
        ]
        # So did the witness, which cosigned it.
        rep = check(ws, base, log_key=base.log_key, witness=True, external=("cosigned.txt",))
        only(rep, "the checkpoint in cosigned.txt is newer than this workspace")
        only(rep, "no checkpoint here is cosigned by witness")
        assert rep.external == [
            f"cosigned.txt (size {base.sizes[2]}, cosigned by {WITNESS}+"
            f"{base.witness_key.key_id:08x})"
        ]
        # The state from before it is satisfied; signing again on the old copy is refused.
        assert check(ws, base, state="state-before.json").ok
        with pytest.raises(VerificationError, match="fewer than the checkpoint of size"):
            sign_checkpoint(
                ws, parse_signer_key(base.signer), read_state(base.folder / "state.json")
            )
    finally:
        ws.close()


def test_the_state_only_grows(base: Base) -> None:
    state = read_state(base.folder / "state.json")
    assert state is not None and [s for s, _ in state.checkpoints] == list(base.sizes)
    vkey = format_verifier_key(base.log_key)
    with pytest.raises(Exception, match="another root"):
        advance_state(state, ORIGIN, vkey, [(base.sizes[0], b"\x00" * 32)])
    with pytest.raises(Exception, match="not"):
        advance_state(state, ORIGIN, format_verifier_key(base.witness_key), [])


def test_migration_10_commits_what_a_workspace_already_holds(tmp_path: Path) -> None:
    from zerotrail.ledger.canonical import canonical_bytes
    from zerotrail.reference.factors import factor_rows, factors_arrow
    from zerotrail.store.factor_rows import insert_factor_rows
    from zerotrail.store.tlog import Appender
    from zerotrail.store.workspace import _connect, migrate, parse_url

    path = tmp_path / "v9.duckdb"
    ws = Workspace(str(path), _connect(parse_url(str(path))))
    migrate(ws, upto=9)
    # As a version-9 workspace holds them: factors, a meter reading, a metric, a committed run
    # and its signatures, none of them but the run in the log.
    grid = [r for r in factor_rows() if r.factor_set == "cn-mee-grid"]
    insert_factor_rows(ws, factors_arrow(grid))
    ws.execute(
        "INSERT INTO meter_readings VALUES ('HZ', '2023-01-01', '2023-01-31', 5, 4, NULL, 'i')"
    )
    ws.execute("INSERT INTO metrics VALUES ('revenue', 2023, 800, 'CNY million', 'i')")
    settings = ("AR5", "operational_control", "component", "i", 0, 0)
    ws.execute(
        "INSERT INTO runs VALUES ('r1', 2023, ?, ?, ?, ?, ?, TIMESTAMP '2024-01-01', true, ?,"
        " NULL)",
        [*settings[:3], *settings[4:], settings[3]],
    )
    names = ("gwp_set", "consolidation", "blend_rule", "as_of_import", "records", "problems")
    fields = dict(zip(names, settings, strict=True))
    text = canonical_bytes("run", {"run_id": "r1", "year": 2023, **fields})
    ws.execute("UPDATE runs SET committed = ?", [text.decode()])
    with ws.transaction():
        Appender(ws).append("run", [("r1", 1)], [text])
    ws.close()
    with open_workspace(str(path)) as ws:
        kinds = dict(ws.fetchall("SELECT kind, count(*) FROM ledger_leaves GROUP BY kind"))
        assert kinds == {
            "run": 1,
            "factor": len(grid),
            "meter_reading": 1,
            "metric": 1,
            "run_results": 1,
        }
        assert ws.fetchall("SELECT version, removed FROM metric_versions") == [(1, False)]
        assert audit(ws, LEDGER_TYPES).findings == []


# --- what readers see: the runs through the results view ------------------------------------


def scope2(ws: Workspace, run_id: str) -> float:
    """The run's Scope 2 (location-based) as `inventory` reads it, through the results view."""
    return float(
        ws.scalar(
            "SELECT coalesce(sum(co2e_t), 0) FROM results WHERE run_id = ? AND scope = 2", [run_id]
        )
    )


def test_records_hidden_by_marking_them_superseded(ws: Workspace, base: Base) -> None:
    before = scope2(ws, base.run_id)
    assert before > 0
    # a1 (the grid electricity) marked as replaced by an import the run saw, with no new
    # version: the activity leaf is intact, yet every report leaves a1 out.
    ws.execute(
        "UPDATE activities SET superseded_by = (SELECT min(import_id) FROM activities)"
        " WHERE record_id = 'a1'"
    )
    assert scope2(ws, base.run_id) == 0
    rep = check(ws, base)
    only(rep, "activity a1 version 1: marked superseded by import", "no later version is stored")
    finding = only(rep, f"run {base.run_id}: its results read through the results view")
    assert "records: 3 committed, 2 now" in finding
    assert f"Scope 2 (location-based): {before:,.3f} t committed, 0.000 t now" in finding
    assert not any("changed since" in f for f in rep.findings)


def test_records_moved_out_of_a_run_by_their_import_id(ws: Workspace, base: Base) -> None:
    ws.execute("UPDATE activities SET import_id = 'imp-99999999' WHERE record_id = 'a1'")
    rep = check(ws, base)
    only(rep, "activity records with import_id imp-99999999", "import ids were changed")
    finding = only(rep, f"run {base.run_id} (leaf", "committed before it")
    assert "1 activity record version(s) committed before it carry an import_id after" in finding
    assert "so its results now leave them out (e.g. a1 version 1, leaf " in finding
    only(rep, f"run {base.run_id}: its results read through the results view", "records: 3")


def test_a_later_record_moved_into_a_run_by_its_import_id(ws: Workspace, base: Base) -> None:
    # a4 was imported after the run; given the first import's id, the run's results take it in.
    ws.execute(
        "UPDATE activities SET import_id = (SELECT min(import_id) FROM activities)"
        " WHERE record_id = 'a4'"
    )
    rep = check(ws, base)
    finding = only(rep, f"run {base.run_id} (leaf", "committed after it")
    assert "1 activity record version(s) committed after it carry an import_id it saw" in finding
    assert "(e.g. a4 version 1, leaf " in finding
    only(rep, f"run {base.run_id}: its results", "records: 3 committed, 4 now")


def test_a_record_stored_twice(ws: Workspace, base: Base) -> None:
    ws.execute("INSERT INTO activities SELECT * FROM activities WHERE record_id = 'a2'")
    rep = check(ws, base)
    only(rep, "activity a2 version 1: stored 2 times (copies inserted)")
    only(rep, f"run {base.run_id}: its results", "records: 3 committed, 4 now")


def test_the_supersession_chain_and_the_current_flag(
    ws: Workspace, base: Base, tmp_path: Path
) -> None:
    # A real correction: a1's version 2 comes with a later import; the run still sees version 1.
    changed = [dict(ACTS[0], quantity=2000)]
    import_activities(ws, write_csv(tmp_path / "fix.csv", changed), replace=True)
    rep = check(ws, base)
    assert rep.ok, rep.findings
    second = ws.scalar("SELECT import_id FROM activities WHERE record_id = 'a1' AND version = 2")
    ws.execute("UPDATE activities SET superseded_by = NULL WHERE record_id = 'a1'")
    assert check(ws, base).findings == [
        f"activity a1 version 1: marked superseded by nothing, but version 2 came with import"
        f" {second}"
    ]
    ws.execute(
        "UPDATE activities SET superseded_by = ?, current = true"
        " WHERE record_id = 'a1' AND version = 1",
        [second],
    )
    assert check(ws, base).findings == [
        "activity a1 version 1: marked current, yet version 2 is stored"
    ]
    ws.execute("UPDATE activities SET current = (version = 2) WHERE record_id = 'a1'")
    ws.execute("UPDATE activities SET current = false WHERE record_id = 'a2'")
    assert check(ws, base).findings == [
        "activity a2 version 1: not marked current, yet no later version is stored"
    ]


def test_a_redefined_results_view(ws: Workspace, base: Base) -> None:
    stored = str(ws.scalar("SELECT sql FROM duckdb_views() WHERE view_name = 'results'"))
    query = stored.split(" AS ", 1)[1].rstrip(";")
    before = scope2(ws, base.run_id)
    # Every figure halved, as the stored SQL with two terms changed would.
    ws.execute(
        "CREATE OR REPLACE VIEW results AS SELECT * REPLACE (co2e_t / 2 AS co2e_t,"
        f" co2e_market_t / 2 AS co2e_market_t) FROM ({query})"
    )
    rep = check(ws, base)
    view = only(rep, "the results view", "is not the one this version of zerotrail creates")
    assert view.endswith(
        "it was redefined (or made by another version; the next calculation recreates it)"
    )
    finding = only(rep, f"run {base.run_id}: its results read through the results view")
    assert (
        f"Scope 2 (location-based): {before:,.3f} t committed, {before / 2:,.3f} t now" in finding
    )
    # A redefinition that keeps every total (emissions moved to another entity) is the
    # definition's finding alone: the totals cannot show it.
    ws.execute(f"CREATE OR REPLACE VIEW results AS SELECT * REPLACE ('X' AS entity) FROM ({query})")
    assert check(ws, base).findings == [view]
    # Dropped, or a table in its place: named, and a table is read as the view would be.
    missing = (
        "the results view, through which every report reads the runs' per-record results, is"
        " missing or not a view (a calculation recreates a missing one)"
    )
    ws.execute("DROP VIEW results")
    assert check(ws, base).findings == [missing]
    ws.execute(f"CREATE TABLE results AS SELECT * FROM ({query}) WHERE scope <> 2")
    rep = check(ws, base)
    assert rep.findings[0] == missing
    only(rep, f"run {base.run_id}: its results", "records: 3 committed, 2 now")
    ws.execute("DROP TABLE results")
    # The next calculation recreates the view, whatever the workspace's note of its revision.
    calculate(ws, InventorySettings(2023))
    rep = check(ws, base)
    assert rep.ok, rep.findings
    assert rep.runs_read == 2


# --- suppliers, cooling retrofits, settings -----------------------------------------------------


def test_suppliers_cooling_and_settings_are_committed(ws: Workspace, base: Base) -> None:
    edits = {
        "UPDATE suppliers SET sbt_year = 2030": "supplier SUP-1",
        "UPDATE site_cooling SET technology = 'immersion'": "cooling HZ:2020-01-01",
        "UPDATE zt_meta SET value = 'Evil Corp' WHERE key = 'organization'": "setting organization",
        'UPDATE zt_meta SET value = \'{"threshold_pct": 50.0, "cumulative": false}\''
        " WHERE key = 'recalculation_policy'": "setting recalculation_policy",
    }
    for sql in edits:
        ws.execute(sql)
    assert sorted(check(ws, base).findings) == sorted(
        f"{what}: the stored row differs from its latest committed version"
        for what in edits.values()
    )
    # The committed versions edited too: their leaves no longer open.
    ws.execute("UPDATE supplier_versions SET sbt_year = 2030")
    ws.execute("UPDATE setting_versions SET value = 'Evil Corp' WHERE key = 'organization'")
    rep = check(ws, base)
    only(rep, "supplier SUP-1 version 1 (leaf", "changed since it was committed")
    only(rep, "setting organization version 1 (leaf", "changed since it was committed")
    ws.execute("DELETE FROM suppliers")
    only(check(ws, base), "supplier SUP-1: deleted from the workspace without a version")


def test_a_new_supplier_list_and_a_new_organization_name_are_new_versions(
    ws: Workspace, base: Base, tmp_path: Path
) -> None:
    import_suppliers(ws, write_csv(tmp_path / "s.csv", [{"supplier": "SUP-2", "name": "Beta"}]))
    set_up(ws, "Emmet Holdings")
    assert ws.fetchall(
        "SELECT kind, ref, version FROM ledger_leaves WHERE kind IN ('supplier', 'setting')"
        " ORDER BY idx"
    )[-4:] == [
        ("setting", "recalculation_policy", 1),
        ("supplier", "SUP-1", 2),  # removed from the list: a `removed` version
        ("supplier", "SUP-2", 1),
        ("setting", "organization", 2),
    ]
    assert check(ws, base).ok


def test_migration_12_commits_what_a_workspace_already_holds(tmp_path: Path) -> None:
    from zerotrail.store.workspace import _connect, migrate, parse_url

    path = tmp_path / "v11.duckdb"
    ws = Workspace(str(path), _connect(parse_url(str(path))))
    migrate(ws, upto=11)
    ws.execute("INSERT INTO suppliers VALUES ('SUP-1', 'Acme', 2021, 'i')")
    ws.execute("INSERT INTO site_cooling VALUES ('HZ', DATE '2020-01-01', 'air', NULL, 'i')")
    ws.set_setting("organization", "Emmet Group")
    ws.set_setting("recalculation_policy", '{"threshold_pct": 5.0, "cumulative": true}')
    ws.close()
    with open_workspace(str(path)) as ws:
        assert ws.fetchall("SELECT kind, ref, version FROM ledger_leaves ORDER BY idx") == [
            ("supplier", "SUP-1", 1),
            ("cooling", "HZ:2020-01-01", 1),
            ("setting", "organization", 1),
            ("setting", "recalculation_policy", 1),
        ]
        assert audit(ws, LEDGER_TYPES).findings == []


# --- deleted checkpoints: named, and never signed over -------------------------------------------


def test_deleted_checkpoints_are_not_laundered_by_a_new_one(ws: Workspace, base: Base) -> None:
    signer = parse_signer_key(base.signer)
    # The review's case: a record changed, its leaf, the nodes and the roots recomputed, every
    # checkpoint deleted (no key needed for any of it).
    ws.execute("UPDATE activities SET quantity = quantity / 100 WHERE record_id = 'a1'")
    forge(ws)
    ws.execute("DELETE FROM ledger_checkpoints")
    only(check(ws, base), f"origin {ORIGIN} was fixed by a first checkpoint", "deleted")
    with pytest.raises(VerificationError, match="no checkpoint is stored: they were deleted"):
        sign_checkpoint(ws, signer)
    assert ws.scalar("SELECT count(*) FROM ledger_checkpoints") == 0


def test_a_checkpoint_a_report_was_built_on_cannot_be_signed_over(
    ws: Workspace, base: Base
) -> None:
    note = ws.scalar("SELECT note FROM ledger_checkpoints WHERE size = ?", [base.sizes[1]])
    ws.execute(
        "INSERT INTO report_checkpoints VALUES ('report-2023-1', ?, ?)", [base.sizes[1], note]
    )
    assert check(ws, base).ok
    ws.execute("DELETE FROM ledger_checkpoints WHERE size >= ?", [base.sizes[1]])
    only(
        check(ws, base),
        f"the checkpoint of size {base.sizes[1]} that report report-2023-1 was built on",
        "(deleted)",
    )
    with pytest.raises(VerificationError, match="report report-2023-1 was built on"):
        sign_checkpoint(ws, parse_signer_key(base.signer))


def test_a_checkpoint_the_ledger_state_records_cannot_be_signed_over(
    ws: Workspace, base: Base
) -> None:
    ws.execute("DELETE FROM ledger_checkpoints WHERE size = ?", [base.sizes[1]])
    state = read_state(base.folder / "state.json")
    with pytest.raises(VerificationError, match=f"size {base.sizes[1]} recorded in the ledger"):
        sign_checkpoint(ws, parse_signer_key(base.signer), state)


def test_a_publication_needs_the_checkpoint_it_was_signed_on(ws: Workspace, base: Base) -> None:
    signer = parse_signer_key(base.signer)
    with ws.transaction():  # as `report` publishes: the leaf, then a checkpoint over it
        figures = '{"scope1":"1.000000000"}'
        sha = hashlib.sha256(figures.encode()).hexdigest()
        record_publication(ws, "report-2023-1", 2023, figures, sha, None, datetime(2024, 1, 1))
        # Only the report being published may go uncovered while its checkpoint is signed.
        with pytest.raises(VerificationError, match="report report-2023-1 \\(leaf"):
            sign_checkpoint(ws, signer)
        sign_checkpoint(ws, signer, publishing="report-2023-1")
    assert check(ws, base).ok
    # The figures the next report compares with are held to the committed SHA-256.
    ws.execute("UPDATE reports SET figures = replace(figures, '1.', '2.')")
    assert check(ws, base).findings == [
        "report report-2023-1: its stored figures (reports.figures) are not the ones whose"
        " SHA-256 it committed"
    ]
    ws.execute("UPDATE reports SET figures = ?", [figures])
    # All checkpoints deleted, and the settings naming the log too: the report's leaf still
    # says a checkpoint covered it.
    ws.execute("DELETE FROM ledger_checkpoints")
    ws.execute("DELETE FROM zt_meta WHERE key IN ('ledger_vkey', 'ledger_origin')")
    leaf = ws.scalar("SELECT idx FROM ledger_leaves WHERE kind = 'report'")
    assert check(ws, base).findings == [
        f"report report-2023-1 (leaf {leaf}) was published on a checkpoint covering it, but no"
        " stored checkpoint does: checkpoints were deleted"
    ]
    with pytest.raises(VerificationError, match="no stored checkpoint does"):
        sign_checkpoint(ws, signer)


# --- signatures and cosignatures: each named once, for what it is -------------------------------


def corrupt_last_signature(note: str) -> str:
    """One character of the last signature line's signature changed (after the key ID)."""
    text, sig = note.rsplit(" ", 1)
    return text + " " + sig[:20] + ("A" if sig[20] != "A" else "B") + sig[21:]


def test_a_corrupted_log_signature_is_not_also_a_deleted_checkpoint(
    ws: Workspace, base: Base
) -> None:
    size = base.sizes[1]
    note = str(ws.scalar("SELECT note FROM ledger_checkpoints WHERE size = ?", [size]))
    ws.execute("INSERT INTO report_checkpoints VALUES ('report-2023-1', ?, ?)", [size, note])
    ws.execute(
        "UPDATE ledger_checkpoints SET note = ? WHERE size = ?",
        [corrupt_last_signature(note), size],
    )
    rep = check(ws, base, log_key=base.log_key, state="state.json")
    (finding,) = rep.findings
    assert finding.startswith(f"checkpoint of size {size} (signed ")
    assert finding.endswith(f"signature by {ORIGIN} does not verify")
    assert rep.signatures == 2 and rep.stored_size == rep.signed_size == base.sizes[2]


def test_a_corrupted_latest_signature_leaves_its_leaves_unverified(
    ws: Workspace, base: Base
) -> None:
    # The second checkpoint's note is the latest without a cosignature: re-sign the file as if
    # it were the last, by deleting the third.
    ws.execute("DELETE FROM ledger_checkpoints WHERE size = ?", [base.sizes[2]])
    size = base.sizes[1]
    note = str(ws.scalar("SELECT note FROM ledger_checkpoints WHERE size = ?", [size]))
    ws.execute(
        "UPDATE ledger_checkpoints SET note = ? WHERE size = ?",
        [corrupt_last_signature(note), size],
    )
    rep = check(ws, base, log_key=base.log_key)
    assert (rep.stored_size, rep.signed_size) == (size, base.sizes[0])


def test_a_bad_witness_cosignature_is_named_and_the_log_signatures_still_count(
    ws: Workspace, base: Base
) -> None:
    size = base.sizes[2]
    note = str(ws.scalar("SELECT note FROM ledger_checkpoints WHERE size = ?", [size]))
    ws.execute(
        "UPDATE ledger_checkpoints SET note = ? WHERE size = ?",
        [corrupt_last_signature(note), size],
    )
    rep = check(ws, base, log_key=base.log_key, witness=True)
    (finding,) = rep.findings
    assert finding.endswith(f"cosignature by {WITNESS} does not verify")
    assert rep.signatures == 3 and rep.signed_size == size and rep.cosignatures == {}
    (bad,) = rep.bad_cosignatures
    assert bad.startswith(
        f"{WITNESS}+{base.witness_key.key_id:08x} on the checkpoint of size {size}"
    )


def test_the_ledger_state_recorded_afresh_for_a_new_log(
    ws: Workspace, base: Base, tmp_path: Path
) -> None:
    """`remember_checkpoints`, as the demo records the state of the log it makes anew."""
    from zerotrail.errors import ZerotrailError
    from zerotrail.pipeline.ledger import remember_checkpoints

    path = tmp_path / "state.json"
    other = format_verifier_key(base.witness_key)  # a state of another log's key
    write_state(path, advance_state(None, "another.example/log", other, []))
    vkey = format_verifier_key(base.log_key)
    with pytest.raises(ZerotrailError, match=r"records log another\.example/log"):
        remember_checkpoints(ws, vkey, path)
    state = remember_checkpoints(ws, vkey, path, fresh=True)
    assert state is not None and [s for s, _ in state.checkpoints] == list(base.sizes)
    assert read_state(path) == state
    trust = Trust(None, (), state, "the ledger state", ())
    assert audit(ws, LEDGER_TYPES, trust=trust, results_view=base.view).ok


def test_a_committed_row_stored_twice(ws: Workspace, base: Base) -> None:
    # A copy opens the same leaf as the row it copies, yet a reader counts it twice.
    ws.execute("INSERT INTO metric_versions SELECT * FROM metric_versions")
    ws.execute("INSERT INTO meter_readings SELECT * FROM meter_readings")
    rep = check(ws, base)
    assert sorted(rep.findings) == [
        "meter_reading HZ:2023-01-01..2023-01-31 version 1: stored 2 times (copies inserted)",
        "metric revenue:2023 version 1: stored 2 times (copies inserted)",
    ]
