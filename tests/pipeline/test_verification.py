"""The verification stage (pipeline/verification.py, pipeline/verification_bundle.py's export):
an engagement on the small world of tests/pipeline/verification_world.py, from opening to the
signed statement.

The figures the tests reason with (AR5, 2024; the run states them, the world's docstring has
the records):
- grid electricity at HZ is 0.55 t CO2 per MWh: `grid-big` (20,000 MWh) states 11,000 t, the
  ten others 55 t to 550 t; Scope 2 is 11,000 + 55 x (1 + ... + 10) = 14,025 t;
- materiality 2,000 t for Scopes 1 and 2 and overall; performance materiality 75 % of it,
  1,500 t; Scope 2's stratum is high risk, so limited assurance takes 80 % confidence:
  RF = -ln(0.2) = 1.609 and the sampling interval J = 1,500 / 1.609 = 932 t, which makes
  `grid-big` a key item (11,000 t >= J).
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Templates, open_copy
from tests.pipeline import verification_world as world
from tests.pipeline.verification_world import ACTOR, ENGAGEMENT, SEED, YEAR, leaf_count
from zerotrail.assurance import bundle as fmt
from zerotrail.assurance.opinion import Blocked, Opinion
from zerotrail.assurance.statement import verify_statement
from zerotrail.errors import ZerotrailError
from zerotrail.ledger.canonical import commitment
from zerotrail.ledger.note import parse_signer_key
from zerotrail.pipeline import verification as v
from zerotrail.pipeline.calculation import calculate
from zerotrail.pipeline.claims import finalize_inventory
from zerotrail.pipeline.verification import VerificationStateError
from zerotrail.pipeline.verification_bundle import export_bundle
from zerotrail.store import checkpoints, committed
from zerotrail.store import engagements as store
from zerotrail.store.figures import current_run_id
from zerotrail.store.workspace import Workspace

GRID_T = 0.55  # t CO2 per MWh of grid electricity at HZ in 2024 (the run's factor)
BIG = "grid-big"
BIG_T = 20_000 * GRID_T  # 11,000 t


@pytest.fixture(scope="module")
def final_world(workspace_template: Templates) -> Path:
    """2024 final, a cosigned checkpoint, no engagement (built once per test process)."""
    return workspace_template(world.fill)


@pytest.fixture(scope="module")
def sampled_world(workspace_template: Templates) -> Path:
    """The same with E2024-1 opened and its sample drawn with SEED."""
    return workspace_template(world.sampled_fill)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> world.Clock:
    c = world.Clock()
    monkeypatch.setattr(v, "_now", c)
    return c


@pytest.fixture
def ws(final_world: Path, tmp_path: Path) -> Iterator[Workspace]:
    w = open_copy(final_world, tmp_path)
    try:
        yield w
    finally:
        w.close()


@pytest.fixture
def sampled(sampled_world: Path, tmp_path: Path, clock: world.Clock) -> Iterator[Workspace]:
    w = open_copy(sampled_world, tmp_path)
    try:
        yield w
    finally:
        w.close()


def engagement_rows(ws: Workspace) -> int:
    return int(ws.scalar("SELECT count(*) FROM engagement_versions"))


# --- opening -------------------------------------------------------------------------------------


def test_open_records_the_final_run_and_the_cosigned_checkpoint(ws: Workspace) -> None:
    before = leaf_count(ws, "engagement")
    eid = world.open_world(ws)
    assert eid == ENGAGEMENT
    row = v.engagement(ws, eid).row
    cp = checkpoints.latest(ws)
    assert cp is not None
    assert (row.run_id, row.status, row.seed, row.version) == (
        current_run_id(ws, YEAR),
        "open",
        None,
        1,
    )
    assert row.checkpoint_size == cp.checkpoint.size
    assert row.checkpoint_sha256 == hashlib.sha256(cp.note.encode()).hexdigest()
    assert (row.materiality, row.scope_materiality, row.scopes) == ("2000t", "3=10%", "1,2,3")
    assert leaf_count(ws, "engagement") == before + 1
    # A second engagement on the year is the year's next.
    assert world.open_world(ws) == f"E{YEAR}-2"


def test_open_refuses_a_year_without_a_final_inventory(ws: Workspace) -> None:
    with pytest.raises(ZerotrailError, match=r"^2023 has no final inventory"):
        v.open_engagement(ws, 2023, "V", "limited", ACTOR)
    # A new calculation of 2024 is not final: the year's current run is what is verified.
    calculate(ws, world.SETTINGS)
    with pytest.raises(ZerotrailError, match=r"^2024 has no final inventory"):
        world.open_world(ws)
    assert engagement_rows(ws) == 0


def test_open_refuses_a_checkpoint_that_does_not_cover_the_final_run(ws: Workspace) -> None:
    calculate(ws, world.SETTINGS)
    finalize_inventory(ws, YEAR)
    with pytest.raises(ZerotrailError, match=r"^no checkpoint covers the final inventory"):
        world.open_world(ws)
    assert engagement_rows(ws) == 0


def test_open_refuses_a_checkpoint_without_a_cosignature(ws: Workspace) -> None:
    calculate(ws, world.SETTINGS)
    finalize_inventory(ws, YEAR)
    # Signed by the log, not cosigned: the engagement would cover a state no one else saw.
    checkpoints.sign_checkpoint(ws, parse_signer_key(world.LOG.signer))
    with pytest.raises(ZerotrailError, match="no witness cosignature"):
        world.open_world(ws)
    assert engagement_rows(ws) == 0


@pytest.mark.parametrize(
    ("level", "materiality", "per_scope", "scopes", "message"),
    [
        ("full", "5%", (), (1, 2, 3), "--level 'full': expected limited or reasonable"),
        ("limited", "5", (), (1, 2, 3), "--materiality '5': "),
        ("limited", "0%", (), (1, 2, 3), "--materiality '0%': .*more than zero"),
        ("limited", "-5%", (), (1, 2, 3), "--materiality '-5%': .*more than zero"),
        ("limited", "101%", (), (1, 2, 3), "--materiality '101%': .*cannot exceed 100%"),
        ("limited", "1,200t", (), (1, 2, 3), "--materiality '1,200t'"),
        ("limited", "5%", ("4=5%",), (1, 2, 3), "--scope-materiality '4=5%': expected SCOPE="),
        ("limited", "5%", ("3",), (1, 2, 3), "--scope-materiality '3': expected SCOPE=RULE"),
        ("limited", "5%", ("3=lots",), (1, 2, 3), "--scope-materiality '3=lots': materiality"),
        ("limited", "5%", (), (4,), "--scope: expected scopes among 1, 2 and 3"),
        ("limited", "5%", (), (), "--scope: expected scopes among 1, 2 and 3"),
    ],
)
def test_open_refuses_bad_terms(
    ws: Workspace,
    level: str,
    materiality: str,
    per_scope: tuple[str, ...],
    scopes: tuple[int, ...],
    message: str,
) -> None:
    with pytest.raises(ZerotrailError, match=message):
        v.open_engagement(ws, YEAR, "V", level, ACTOR, materiality, per_scope, scopes)
    assert engagement_rows(ws) == 0
    assert leaf_count(ws, "engagement") == 0


def test_a_scope_subset_draws_from_its_scopes_only(ws: Workspace) -> None:
    e = v.open_engagement(ws, YEAR, "V", "limited", ACTOR, "2000t", (), (2,))
    sp = v.draw_sample(ws, e.engagement_id, SEED, ACTOR)
    assert {i.scope for i in sp.population} == {2}
    assert len(sp.population) == 11  # grid-01 .. grid-10 and grid-big
    assert {s.stratum for s in sp.selected} == {"scope2:electricity"}


# --- the sample ----------------------------------------------------------------------------------


def _sample_digest(ws: Workspace, eid: str) -> str:
    """The drawn records' SHA-256 as assurance/bundle.py defines it, from the stored rows."""
    text = "".join(
        f"{s.stratum}\t{s.record_id}\t{s.record_version}\t{'key' if s.key_item else 'mus'}\n"
        for s in store.samples(ws, eid)
    )
    return hashlib.sha256(text.encode()).hexdigest()


def test_the_sample_is_drawn_once_and_its_seed_and_digest_are_committed(ws: Workspace) -> None:
    eid = world.open_world(ws)
    sp = v.draw_sample(ws, eid, f"  {SEED} ", ACTOR)  # the seed is taken trimmed
    # Every key item is drawn; `grid-big` is one (11,000 t >= J = 932 t).
    assert any(s.record_id == BIG and s.key_item for s in sp.selected)
    scope2 = next(p for p in sp.strata if p.stratum == "scope2:electricity")
    # 1,500 t / -ln(1 - 0.8) = 932.0 t
    assert scope2.interval_t == pytest.approx(1500 / -math.log(0.2))
    assert scope2.risk.t_co2e == pytest.approx(14_025)
    # Some of the ten small grid records, not all: a seed picks among them.
    small = [s for s in sp.selected if s.stratum == "scope2:electricity" and not s.key_item]
    assert 1 <= len(small) < 10

    with pytest.raises(VerificationStateError, match="drew its sample already"):
        v.draw_sample(ws, eid, "another seed", ACTOR)

    # Version 2 of the engagement, committed: its leaf opens to the seed and the digest of the
    # drawn records, as stored.
    digest = _sample_digest(ws, eid)
    row = v.engagement(ws, eid).row
    assert (row.version, row.status, row.seed, row.sample_sha256) == (2, "sampled", SEED, digest)
    canonical = committed.canonical_of(ws, "engagement", eid, 2)
    salt, leaf = ws.fetchall(
        "SELECT salt, leaf_hash FROM ledger_leaves WHERE kind = 'engagement' AND ref = ?"
        " AND version = 2",
        [eid],
    )[0]
    assert bytes(leaf) == commitment(bytes(salt), canonical)
    opened = json.loads(canonical)
    assert (opened["seed"], opened["sample_sha256"], opened["version"]) == (SEED, digest, "2")
    assert leaf_count(ws, "engagement") == 2


@pytest.mark.parametrize("seed", ["", "   ", "x" * 201, "tab\tinside", "new\nline"], ids=repr)
def test_a_bad_seed_is_refused_and_nothing_drawn(ws: Workspace, seed: str) -> None:
    eid = world.open_world(ws)
    with pytest.raises(ZerotrailError, match=r"^--seed: expected 1 to 200 printable characters"):
        v.draw_sample(ws, eid, seed, ACTOR)
    assert store.samples(ws, eid) == []
    assert v.engagement(ws, eid).row.seed is None


def test_the_same_seed_draws_the_same_records_another_seed_others(
    final_world: Path, tmp_path: Path
) -> None:
    drawn = {}
    for name, seed in (("a", SEED), ("b", SEED), ("c", "another-seed")):
        (tmp_path / name).mkdir()
        with open_copy(final_world, tmp_path / name) as w:
            sp = v.draw_sample(w, world.open_world(w), seed, ACTOR)
            drawn[name] = [(s.stratum, s.record_id, s.version, s.key_item) for s in sp.selected]
    assert drawn["a"] == drawn["b"]
    assert drawn["a"] != drawn["c"]
    # The key items do not depend on the seed: only the monetary-unit picks do.
    assert {r for r in drawn["a"] if r[3]} == {r for r in drawn["c"] if r[3]}


def test_the_plan_is_recomputed_the_same_after_the_draw(sampled: Workspace) -> None:
    sp = v.sample_plan(sampled, ENGAGEMENT)
    stored = store.samples(sampled, ENGAGEMENT)
    assert [(s.record_id, s.version, s.key_item) for s in sp.selected] == [
        (s.record_id, s.record_version, s.key_item) for s in stored
    ]


# --- evidence ------------------------------------------------------------------------------------


def _drawn(ws: Workspace, key_item: bool | None = None) -> str:
    """A record of E2024-1's sample (a key item, a monetary-unit pick, or either)."""
    return next(
        s.record_id
        for s in store.samples(ws, ENGAGEMENT)
        if key_item is None or s.key_item == key_item
    )


def test_the_committed_file_is_attached_as_matching(sampled: Workspace, tmp_path: Path) -> None:
    rid = _drawn(sampled)
    path = tmp_path / "invoice.pdf"
    path.write_bytes(world.evidence_bytes(rid))
    before = (leaf_count(sampled, "evidence"), leaf_count(sampled, "finding"))
    got = v.attach_evidence(sampled, rid, path, ACTOR)
    assert got.row.matches is True
    assert got.finding is None
    assert got.row.file_sha256 == got.row.committed_sha256
    assert got.row.file_sha256 == hashlib.sha256(world.evidence_bytes(rid)).hexdigest()
    assert (leaf_count(sampled, "evidence"), leaf_count(sampled, "finding")) == (
        before[0] + 1,
        before[1],
    )
    assert store.evidence_content(sampled, got.row.evidence_id) == world.evidence_bytes(rid)
    with pytest.raises(ZerotrailError, match=f"attached to {rid} already"):
        v.attach_evidence(sampled, rid, path, ACTOR)


def test_another_file_is_attached_as_not_matching_and_raises_a_car(
    sampled: Workspace, tmp_path: Path
) -> None:
    rid = _drawn(sampled)
    path = tmp_path / "invoice.pdf"
    path.write_bytes(world.evidence_bytes(rid) + b"changed")
    got = v.attach_evidence(sampled, rid, path, ACTOR)
    assert got.row.matches is False
    assert got.finding == f"{ENGAGEMENT}-F1"
    (f,) = v.findings(sampled, ENGAGEMENT)
    assert (f.finding_id, f.finding_type, f.finding_kind, f.records, f.status) == (
        got.finding,
        "CAR",
        "nonconformity",
        rid,
        "raised",
    )
    assert got.row.file_sha256 in f.text and str(got.row.committed_sha256) in f.text
    # An open CAR qualifies the opinion until it is closed.
    op = v.evaluate(sampled, ENGAGEMENT).conclusion.opinion
    assert isinstance(op, Opinion) and op.kind == "qualified"


def test_a_record_not_drawn_raises_no_finding(sampled: Workspace, tmp_path: Path) -> None:
    drawn = {s.record_id for s in store.samples(sampled, ENGAGEMENT)}
    rid = next(r["record_id"] for r in world.activities() if r["record_id"] not in drawn)
    path = tmp_path / "wrong.pdf"
    path.write_bytes(b"not the invoice")
    got = v.attach_evidence(sampled, rid, path, ACTOR)
    assert (got.row.matches, got.finding) == (False, None)
    assert v.findings(sampled, ENGAGEMENT) == []


def test_an_evidence_file_over_the_bound_is_refused(
    sampled: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The bound is 50 MiB; a small one here stands for it (the same check reads both).
    monkeypatch.setattr(v, "MAX_EVIDENCE_BYTES", 16)
    rid = _drawn(sampled)
    path = tmp_path / "big.pdf"
    path.write_bytes(b"x" * 17)
    before = leaf_count(sampled, "evidence")
    with pytest.raises(ZerotrailError, match="larger than 16 bytes"):
        v.attach_evidence(sampled, rid, path, ACTOR)
    assert leaf_count(sampled, "evidence") == before
    assert store.evidence_for(sampled, [rid]) == []
    path.write_bytes(b"x" * 16)  # at the bound: read (and not the committed file)
    assert v.attach_evidence(sampled, rid, path, ACTOR).row.file_size == 16


def test_evidence_for_no_record_is_refused(sampled: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "x.pdf"
    path.write_bytes(b"x")
    with pytest.raises(ZerotrailError, match=r"^no activity record nope$"):
        v.attach_evidence(sampled, "nope", path, ACTOR)


# --- findings ------------------------------------------------------------------------------------


def _nonconformity(ws: Workspace, finding_type: str = "CAR") -> str:
    return v.add_finding(
        ws,
        ENGAGEMENT,
        kind="nonconformity",
        finding_type=finding_type,
        text="the meter readings of HZ are not reconciled to the bills",
        actor=ACTOR,
        clause="ISO 14064-1 clause 9.2",
    ).finding_id


def _misstatement(ws: Workspace, amount: float, record: str = BIG, **kw: object) -> str:
    return v.add_finding(
        ws,
        ENGAGEMENT,
        kind="misstatement",
        finding_type=str(kw.pop("finding_type", "CAR")),
        text=f"{record} overstated",
        actor=ACTOR,
        amount_t=amount,
        records=[record],
        **kw,  # type: ignore[arg-type]
    ).finding_id


def test_a_finding_goes_through_its_states_each_a_committed_version(sampled: Workspace) -> None:
    before = leaf_count(sampled, "finding")
    fid = _nonconformity(sampled)
    assert fid == f"{ENGAGEMENT}-F1"
    steps = [
        ("respond", None, "responded"),
        ("close", "accepted-uncorrected", "closed"),
        ("reopen", None, "reopened"),
        ("respond", None, "responded"),
        ("close", "corrected", "closed"),  # a non-conformity needs no restatement
    ]
    for i, (move, outcome, status) in enumerate(steps, start=2):
        f = v.move_finding(sampled, fid, move, ACTOR, f"note {i}", outcome)
        assert (f.version, f.status, f.outcome, f.note) == (i, status, outcome, f"note {i}")
        assert leaf_count(sampled, "finding") == before + i
    versions = sampled.fetchall(
        "SELECT version, status FROM finding_versions WHERE finding_id = ? ORDER BY version",
        [fid],
    )
    assert [s for _, s in versions] == ["raised", *(s for _, _, s in steps)]
    # Each version has its own leaf.
    leaves = sampled.fetchall(
        "SELECT version FROM ledger_leaves WHERE kind = 'finding' AND ref = ? ORDER BY version",
        [fid],
    )
    assert [int(x) for (x,) in leaves] == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize(
    ("path", "move", "outcome", "error", "message"),
    [
        ([], "reopen", None, VerificationStateError, "is raised: it cannot reopen"),
        (["close"], "respond", None, VerificationStateError, "is closed: it cannot respond"),
        (["close"], "close", "corrected", VerificationStateError, "is closed: it cannot close"),
        ([], "close", None, ZerotrailError, "--outcome: expected corrected or accepted"),
        ([], "close", "fixed", ZerotrailError, "--outcome: expected corrected or accepted"),
    ],
)
def test_refused_transitions_write_nothing(
    sampled: Workspace,
    path: list[str],
    move: str,
    outcome: str | None,
    error: type[Exception],
    message: str,
) -> None:
    fid = _nonconformity(sampled)
    for step in path:
        v.move_finding(sampled, fid, step, ACTOR, "n", "accepted-uncorrected")
    before = leaf_count(sampled, "finding")
    with pytest.raises(error, match=message):
        v.move_finding(sampled, fid, move, ACTOR, "n", outcome)
    assert leaf_count(sampled, "finding") == before


def test_an_empty_note_and_an_unknown_finding_are_refused(sampled: Workspace) -> None:
    fid = _nonconformity(sampled)
    with pytest.raises(ZerotrailError, match=r"^the note is empty$"):
        v.move_finding(sampled, fid, "respond", ACTOR, "  \n ")
    with pytest.raises(ZerotrailError, match=r"^no finding E2024-1-F9$"):
        v.move_finding(sampled, "E2024-1-F9", "respond", ACTOR, "n")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "misstatement", "amount_t": None, "records": [BIG]}, "needs --amount"),
        ({"kind": "misstatement", "amount_t": 0.0, "records": [BIG]}, "needs --amount"),
        ({"kind": "misstatement", "amount_t": math.nan, "records": [BIG]}, "needs --amount"),
        ({"kind": "misstatement", "amount_t": 5.0, "records": []}, "names the records"),
        ({"kind": "misstatement", "amount_t": 5.0, "records": ["nope"]}, "record nope is not"),
        (
            {"kind": "misstatement", "amount_t": 5.0, "records": [BIG, "diesel-1"]},
            "several scopes: give --scope",
        ),
        (
            {"kind": "misstatement", "amount_t": 5.0, "records": [BIG], "nature": "guessed"},
            "--nature 'guessed'",
        ),
        ({"kind": "nonconformity", "clause": None}, "names the clause"),
        ({"kind": "nonconformity", "clause": "9.2", "amount_t": 5.0}, "has no amount"),
        ({"kind": "remark", "clause": "9.2"}, "--kind 'remark'"),
        ({"kind": "nonconformity", "clause": "9.2", "finding_type": "NCR"}, "--type 'NCR'"),
        ({"kind": "nonconformity", "clause": "9.2", "text": " "}, "the finding's text is empty"),
    ],
)
def test_a_finding_without_what_it_needs_is_refused(
    sampled: Workspace, fields: dict[str, object], message: str
) -> None:
    args: dict[str, object] = {"finding_type": "CAR", "text": "found"} | fields
    with pytest.raises(ZerotrailError, match=message):
        v.add_finding(sampled, ENGAGEMENT, actor=ACTOR, **args)  # type: ignore[arg-type]
    assert leaf_count(sampled, "finding") == 0


def test_a_misstatement_takes_its_scope_and_stratum_from_its_records(sampled: Workspace) -> None:
    f = store.finding(sampled, _misstatement(sampled, 12.5, "diesel-3"))
    assert f is not None
    assert (f.scope, f.stratum, f.amount_t, f.nature, f.records) == (
        1,
        "scope1:stationary_combustion",
        12.5,
        "factual",
        "diesel-3",
    )


def test_a_misstatement_is_closed_as_corrected_only_in_a_restated_inventory(
    sampled: Workspace, tmp_path: Path
) -> None:
    # grid-big states 20,000 MWh x 0.55 = 11,000 t; the bills say 15,000 MWh: 8,250 t, so the
    # inventory overstates it by 2,750 t.
    fid = _misstatement(sampled, 2750.0)
    with pytest.raises(VerificationStateError, match="still covers the inventory it was raised"):
        v.move_finding(sampled, fid, "close", ACTOR, "fixed", "corrected")
    # Accepted uncorrected needs nothing.
    other = _misstatement(sampled, 1.0, "diesel-2")
    assert v.move_finding(sampled, other, "close", ACTOR, "ok", "accepted-uncorrected").status == (
        "closed"
    )

    first_run = v.engagement(sampled, ENGAGEMENT).row.run_id
    with pytest.raises(VerificationStateError, match=r"covers .* already"):
        v.cover(sampled, ENGAGEMENT, ACTOR)  # nothing restated yet
    new_run = world.restate(sampled, tmp_path, [world.act(BIG, quantity=15_000)])
    # Restated, but the engagement still covers the first run until `cover`.
    with pytest.raises(VerificationStateError, match="still covers the inventory it was raised"):
        v.move_finding(sampled, fid, "close", ACTOR, "fixed", "corrected")

    before = leaf_count(sampled, "engagement")
    covered = v.cover(sampled, ENGAGEMENT, ACTOR)
    assert leaf_count(sampled, "engagement") == before + 1
    assert covered.row.run_id == new_run != first_run
    assert covered.row.seed == SEED  # the draw stays
    sp = v.sample_plan(sampled, ENGAGEMENT)
    assert sp.run_id == first_run  # ... on the population it was drawn from

    done = v.move_finding(sampled, fid, "close", ACTOR, "restated", "corrected")
    assert (done.status, done.outcome) == ("closed", "corrected")


def test_a_restatement_that_leaves_the_record_as_it_was_does_not_correct_it(
    sampled: Workspace, tmp_path: Path
) -> None:
    fid = _misstatement(sampled, 2750.0)
    world.restate(sampled, tmp_path, [world.act("diesel-1", quantity=11)])
    v.cover(sampled, ENGAGEMENT, ACTOR)
    with pytest.raises(VerificationStateError, match=f"record {BIG} has no corrected version"):
        v.move_finding(sampled, fid, "close", ACTOR, "restated", "corrected")


def test_a_correction_covered_within_the_second_the_finding_was_raised_closes(
    sampled: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What happened first is the order of the log, not of the clock: stored times have a
    second's resolution, and a script raises a finding, restates and covers within one."""
    second = world.Clock()()
    monkeypatch.setattr(v, "_now", lambda: second)
    fid = _misstatement(sampled, 2750.0)
    world.restate(sampled, tmp_path, [world.act(BIG, quantity=15_000)])
    v.cover(sampled, ENGAGEMENT, ACTOR)
    done = v.move_finding(sampled, fid, "close", ACTOR, "restated", "corrected")
    assert (done.status, done.outcome) == ("closed", "corrected")


# --- evaluation and the statement ----------------------------------------------------------------


def _opinion(ws: Workspace) -> Opinion:
    op = v.evaluate(ws, ENGAGEMENT).conclusion.opinion
    assert isinstance(op, Opinion), op
    return op


def test_an_uncorrected_key_item_misstatement_at_materiality_qualifies(
    sampled: Workspace, tmp_path: Path
) -> None:
    assert _opinion(sampled).kind == "unmodified"
    fid = _misstatement(sampled, 2750.0)
    # Closed as accepted uncorrected, so no open CAR plays a part: only the amount does.
    v.move_finding(
        sampled, fid, "close", ACTOR, "the company will not restate", "accepted-uncorrected"
    )
    ev = v.evaluate(sampled, ENGAGEMENT)
    agg = ev.conclusion.aggregation
    # A key item is taken in full, not projected: 2,750 t known, 0 projected, in Scope 2 and
    # overall; 2,750 >= 2,000 t materiality, below 5 x 2,000 = 10,000 t (adverse).
    assert (agg.scope(2).known_t, agg.scope(2).projected_t, agg.scope(2).gross_t) == (
        2750.0,
        0.0,
        2750.0,
    )
    assert agg.scope(2).flag == agg.overall.flag == "material"
    assert agg.scope(1).gross_t == agg.scope(3).gross_t == 0.0
    assert _opinion(sampled).kind == "qualified"

    # The company restates grid-big (15,000 MWh: 8,250 t); the verifier closes it as corrected.
    v.move_finding(sampled, fid, "reopen", ACTOR, "restated after all")
    world.restate(sampled, tmp_path, [world.act(BIG, quantity=15_000)])
    v.cover(sampled, ENGAGEMENT, ACTOR)
    v.move_finding(sampled, fid, "close", ACTOR, "restated", "corrected")
    agg = v.evaluate(sampled, ENGAGEMENT).conclusion.aggregation
    assert agg.overall.gross_t == 0.0
    assert _opinion(sampled).kind == "unmodified"


def test_a_misstatement_below_materiality_leaves_the_opinion_unmodified(
    sampled: Workspace,
) -> None:
    # 1,999 t < 2,000 t, but >= 1,500 t performance materiality: noted, not qualifying.
    fid = _misstatement(sampled, 1999.0)
    v.move_finding(sampled, fid, "close", ACTOR, "accepted", "accepted-uncorrected")
    agg = v.evaluate(sampled, ENGAGEMENT).conclusion.aggregation
    assert agg.overall.flag == "approaching"
    op = _opinion(sampled)
    assert op.kind == "unmodified"
    assert any("performance materiality" in r for r in op.reasons)


def test_a_sampled_records_misstatement_is_projected_by_its_interval(sampled: Workspace) -> None:
    s = next(
        s
        for s in store.samples(sampled, ENGAGEMENT)
        if s.stratum == "scope2:electricity" and not s.key_item
    )
    fid = _misstatement(sampled, s.t_co2e / 2, s.record_id)  # tainting 50 %
    v.move_finding(sampled, fid, "close", ACTOR, "accepted", "accepted-uncorrected")
    agg = v.evaluate(sampled, ENGAGEMENT).conclusion.aggregation
    interval = 1500 / -math.log(0.2)
    # Misstatement = tainting x J = 0.5 x 932.0 = 466.0 t (above the clearly-trivial 5 % of
    # 2,000 t = 100 t, so it is accumulated); known = stated / 2, projected the rest.
    assert agg.scope(2).net_t == pytest.approx(0.5 * interval)
    assert agg.scope(2).known_t == pytest.approx(s.t_co2e / 2)
    assert agg.scope(2).projected_t == pytest.approx(0.5 * interval - s.t_co2e / 2)
    assert agg.scope(2).flag == "below"  # 466 t < 1,500 t performance materiality
    assert _opinion(sampled).kind == "unmodified"


def test_an_open_clarification_request_blocks_the_conclusion(sampled: Workspace) -> None:
    fid = _nonconformity(sampled, "CL")
    c = v.evaluate(sampled, ENGAGEMENT).conclusion
    assert c.opinion == Blocked((f"clarification request {fid} is still open",))
    with pytest.raises(VerificationStateError, match=f"no opinion can be issued yet: .*{fid}"):
        v.conclude(sampled, ENGAGEMENT, world.VERIFIER.signer, ACTOR)
    assert store.statement_text(sampled, ENGAGEMENT) is None
    assert v.engagement(sampled, ENGAGEMENT).row.status == "sampled"
    # Answered and closed, the conclusion can be drawn.
    v.move_finding(sampled, fid, "respond", ACTOR, "the bills reconcile")
    v.move_finding(sampled, fid, "close", ACTOR, "clarified", "accepted-uncorrected")
    assert v.conclude(sampled, ENGAGEMENT, world.VERIFIER.signer, ACTOR).opinion == "unmodified"


def test_conclude_before_the_draw_is_refused(ws: Workspace) -> None:
    eid = world.open_world(ws)
    with pytest.raises(VerificationStateError, match="has drawn no sample yet"):
        v.conclude(ws, eid, world.VERIFIER.signer, ACTOR)


def test_conclude_signs_a_statement_the_verifier_key_and_the_log_key_accept(
    sampled: Workspace,
) -> None:
    fid = _misstatement(sampled, 2750.0)
    v.move_finding(sampled, fid, "close", ACTOR, "not restated", "accepted-uncorrected")
    before = (leaf_count(sampled, "statement"), leaf_count(sampled, "engagement"))
    with pytest.raises(ZerotrailError, match=r"^bad verifier key"):
        v.conclude(sampled, ENGAGEMENT, "not a key", ACTOR)
    issued = v.conclude(sampled, ENGAGEMENT, world.VERIFIER.signer, ACTOR)
    assert issued.opinion == "qualified"
    st = verify_statement(issued.file_text, world.VERIFIER.verifier, world.LOG.verifier)
    assert st.checkpoint_checked
    assert (st.engagement, st.opinion, st.level, st.year) == (
        ENGAGEMENT,
        "qualified",
        "limited",
        str(YEAR),
    )
    assert st.sha256 == issued.sha256
    assert st.checkpoint.size == v.engagement(sampled, ENGAGEMENT).row.checkpoint_size
    body = st.body
    assert body["findings"]["uncorrected"]["scope2"]["known_t"] == "2750.000"
    assert body["materiality"]["scope2_t"] == "2000.000"
    assert body["findings"]["sample"]["seed"] == SEED
    # Recorded with the verifier's public key, committed, and the engagement closed.
    assert v.year_statement(sampled, YEAR) == (issued.file_text, world.VERIFIER.verifier)
    assert (leaf_count(sampled, "statement"), leaf_count(sampled, "engagement")) == (
        before[0] + 1,
        before[1] + 1,
    )
    assert v.engagement(sampled, ENGAGEMENT).row.status == "concluded"
    # Another key's verifier does not accept it.
    with pytest.raises(ZerotrailError):
        verify_statement(issued.file_text, world.LOG.verifier)
    # A concluded engagement takes no more changes.
    with pytest.raises(VerificationStateError, match="is concluded"):
        _nonconformity(sampled)
    with pytest.raises(VerificationStateError, match="is concluded"):
        v.move_finding(sampled, fid, "reopen", ACTOR, "again")
    with pytest.raises(VerificationStateError, match="is concluded"):
        v.conclude(sampled, ENGAGEMENT, world.VERIFIER.signer, ACTOR)


def test_every_state_change_is_a_new_committed_leaf(sampled: Workspace, tmp_path: Path) -> None:
    kinds = ("engagement", "finding", "evidence", "statement")

    def counts() -> dict[str, int]:
        return {k: leaf_count(sampled, k) for k in kinds}

    def after(change: object, **grew: int) -> None:
        nonlocal last
        now = counts()
        assert now == {k: last[k] + grew.get(k, 0) for k in kinds}, change
        last = now

    last = counts()
    fid = _nonconformity(sampled)
    after("raise", finding=1)
    v.move_finding(sampled, fid, "respond", ACTOR, "n")
    after("respond", finding=1)
    v.move_finding(sampled, fid, "close", ACTOR, "n", "accepted-uncorrected")
    after("close", finding=1)
    path = tmp_path / "wrong.pdf"
    path.write_bytes(b"wrong")
    v.attach_evidence(sampled, _drawn(sampled), path, ACTOR)
    after("wrong evidence: the file and its CAR", evidence=1, finding=1)
    v.evaluate(sampled, ENGAGEMENT)
    v.sample_plan(sampled, ENGAGEMENT)
    export_bundle(sampled, ENGAGEMENT, tmp_path / "bundle")
    after("reading")
    for f in v.findings(sampled, ENGAGEMENT):
        if f.status != "closed":
            v.move_finding(sampled, f.finding_id, "close", ACTOR, "n", "accepted-uncorrected")
    after("close the CAR", finding=1)
    v.conclude(sampled, ENGAGEMENT, world.VERIFIER.signer, ACTOR)
    after("conclude", statement=1, engagement=1)


# --- the bundle's export -------------------------------------------------------------------------


def test_export_writes_the_bundle_and_refuses_an_existing_folder(
    sampled: Workspace, tmp_path: Path
) -> None:
    out = tmp_path / "bundle"
    assert export_bundle(sampled, ENGAGEMENT, out) == out
    names = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    for name in (fmt.README_FILE, fmt.ENGAGEMENT_FILE, fmt.CHECKPOINT_FILE, fmt.POPULATION_FILE,
                 fmt.SAMPLE_FILE, fmt.RECORDS_FILE, fmt.FINDINGS_FILE):  # fmt: skip
        assert name in names
    records = json.loads((out / fmt.RECORDS_FILE).read_text())
    assert sorted(records) == sorted(s.record_id for s in store.samples(sampled, ENGAGEMENT))
    assert (out / fmt.POPULATION_FILE).read_text().count("\n") == 1 + 36

    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(ZerotrailError, match="exists: give a new folder"):
        export_bundle(sampled, ENGAGEMENT, out)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ZerotrailError, match="exists: give a new folder"):
        export_bundle(sampled, ENGAGEMENT, tmp_path / "empty")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*before, "empty"])
    assert list((tmp_path / "empty").iterdir()) == []


def test_export_before_the_draw_is_refused(ws: Workspace, tmp_path: Path) -> None:
    eid = world.open_world(ws)
    with pytest.raises(ZerotrailError, match="has no sample yet: draw it first"):
        export_bundle(ws, eid, tmp_path / "bundle")
    assert list(tmp_path.glob("bundle*")) == []


def test_a_failed_export_leaves_nothing_behind(
    sampled: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import zerotrail.pipeline.verification_bundle as vb

    def broken(engagement_id: str) -> str:
        raise OSError(28, "No space left on device")

    # The README is written last of all: everything else is in the temporary folder by then.
    monkeypatch.setattr(vb.fmt, "readme", broken)
    parent = tmp_path / "out"
    parent.mkdir()
    with pytest.raises(OSError, match="No space left"):
        export_bundle(sampled, ENGAGEMENT, parent / "bundle")
    assert list(parent.iterdir()) == []


def test_export_after_a_restatement_holds_the_population_to_the_drawn_run(
    sampled: Workspace, tmp_path: Path
) -> None:
    first = v.engagement(sampled, ENGAGEMENT).row.run_id
    new_run = world.restate(sampled, tmp_path, [world.act(BIG, quantity=15_000)])
    v.cover(sampled, ENGAGEMENT, ACTOR)
    out = export_bundle(sampled, ENGAGEMENT, tmp_path / "bundle")
    eng = json.loads((out / fmt.ENGAGEMENT_FILE).read_text())
    assert (eng["run_id"], eng["sample_run_id"]) == (new_run, first)
    records = json.loads((out / fmt.RECORDS_FILE).read_text())
    # The drawn key item at its corrected version, as the covered run states it: 8,250 t.
    assert records[BIG]["version"] == "2"
    assert records[BIG]["stated"]["co2e_t"] == pytest.approx(15_000 * GRID_T)
    shutil.rmtree(out)


@pytest.mark.parametrize(
    ("amount", "scope", "message"),
    [
        (math.inf, None, "a finite t CO2e"),
        (-math.inf, None, "a finite t CO2e"),
        (math.nan, None, "a finite t CO2e"),
        (2e9, None, "expected 1e-06 to 1e\\+09 t CO2e"),
        (1e-9, None, "expected 1e-06 to 1e\\+09 t CO2e"),
        # grid-big states 11,000 t (20,000 MWh x 0.55 t/MWh): an overstatement is at most that.
        (BIG_T + 1.0, None, "an overstatement is at most what they state"),
        (10.0, 7, "--scope 7: expected 1, 2 or 3"),
        (10.0, 3, "--scope 3: the records are in Scope 2"),
    ],
)
def test_a_misstatement_s_amount_and_scope_are_held_to_its_records(
    sampled: Workspace, amount: float, scope: int | None, message: str
) -> None:
    with pytest.raises(ZerotrailError, match=message):
        _misstatement(sampled, amount, scope=scope)
    assert store.findings(sampled, ENGAGEMENT) == []


def test_the_log_s_own_key_cannot_sign_the_statement(sampled: Workspace) -> None:
    sampled.set_setting("ledger_vkey", world.LOG.verifier)
    with pytest.raises(ZerotrailError, match="the log's own key"):
        v.conclude(sampled, ENGAGEMENT, world.LOG.signer, ACTOR)
    assert v.engagement(sampled, ENGAGEMENT).row.status != "concluded"
