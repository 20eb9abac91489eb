"""`ledger audit` proves what it says: each way of tampering with a workspace an insider has
(write access to the file, no signing key) is named, and an untouched workspace passes.

One workspace is built per module (factors, an entity, a site, activities, a meter reading, a
metric, a calculation run, three signed checkpoints, the last one cosigned by a witness, a copy
of the file from before the last checkpoint, and the ledger state); each test audits a copy.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_cli import ACTS, SITES
from tests.engines.conftest import ROOT, write_csv
from zerotrail.engine.settings import InventorySettings
from zerotrail.errors import VerificationError
from zerotrail.ingest.activities import LEDGER_TYPES, import_activities
from zerotrail.ingest.energy import import_meters
from zerotrail.ingest.metrics import import_metrics
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
from zerotrail.pipeline import calculate, load_shipped_factors
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
from zerotrail.store.tlog import STORED_LEVEL
from zerotrail.store.workspace import Workspace, open_workspace

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


def more(record_id: str) -> list[dict[str, Any]]:
    return [dict(ACTS[1], record_id=record_id, quantity=2)]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Base:
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
    ws = open_workspace(str(db), create=True)
    load_shipped_factors(ws)
    import_entities(ws, write_csv(folder / "e.csv", ROOT))
    import_sites(ws, write_csv(folder / "s.csv", SITES))
    import_activities(ws, write_csv(folder / "a.csv", ACTS))
    meter = {"site": "HZ", "period_start": "2023-01-01", "period_end": "2023-01-31"}
    import_meters(ws, write_csv(folder / "m.csv", [dict(meter, facility_mwh=120)]))
    metric = {"metric": "revenue", "year": 2023, "value": 800, "unit": "CNY million"}
    import_metrics(ws, write_csv(folder / "x.csv", [metric]))
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
    ws.close()
    return Base(folder, signer_text, log_key, w_key, tuple(sizes), run_id)


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
    """Audit with what an auditor brings from outside the workspace."""
    trust = Trust(
        log_key,
        (base.witness_key,) if witness else (),
        read_state(base.folder / state) if state else None,
        "the ledger state",
        tuple((name, (base.folder / name).read_text()) for name in external),
    )
    return audit(ws, LEDGER_TYPES, trust=trust)


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
