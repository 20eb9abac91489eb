"""The verification stage: a third-party verifier's engagement on one year's final inventory
(ISO 14064-3), from opening to the signed statement.

    open_engagement(ws, year, verifier, level, ...)   the engagement on the final inventory and
                                                      the latest cosigned checkpoint
    draw_sample(ws, engagement_id, seed, actor)       risk per stratum, sample sizes, the
                                                      monetary-unit draw with the verifier's seed
    attach_evidence(ws, record_id, file, actor)       an evidence file, held to the record's hash
    add_finding / respond / close / reopen            the findings' lifecycle
    cover(ws, engagement_id, actor)                   after a restatement: the new final
                                                      inventory and checkpoint
    conclude(ws, engagement_id, signer, actor)        projection, opinion, the signed statement

Where it sits: pipeline; the CLI calls it. The arithmetic is the assurance package's (pure);
this stage reads the workspace, checks the transitions and writes each change in one
transaction with its ledger leaf. The bundle a verifier checks offline is written by
pipeline/verification_bundle.py.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from zerotrail.assurance import conclusion as assess
from zerotrail.assurance import materiality as mat
from zerotrail.assurance.bundle import POPULATION_COLUMNS, sample_sha256
from zerotrail.assurance.conclusion import (
    Conclusion,
    FindingFacts,
    Rules,
    engagement_thresholds,
    parse_rules,
    performance,
    subject,
)
from zerotrail.assurance.evidence import committed_sha256
from zerotrail.assurance.opinion import Blocked, Opinion, OpinionRules
from zerotrail.assurance.risk import Item, StratumPlan, plan, stratum_of
from zerotrail.assurance.sampling import Selected, draw
from zerotrail.assurance.statement import FORMAT as STATEMENT_FORMAT
from zerotrail.assurance.statement import STANDARD, sign_statement, statement_sha256
from zerotrail.errors import ZerotrailError
from zerotrail.ledger.checkpoint import parse_checkpoint
from zerotrail.ledger.note import format_verifier_key, parse_note, parse_signer_key
from zerotrail.model.files import read_limited_bytes
from zerotrail.model.limits import text_problem
from zerotrail.pipeline.claims import is_final
from zerotrail.store import checkpoints, committed
from zerotrail.store import engagements as store
from zerotrail.store.database import Workspace
from zerotrail.store.figures import current_run_id

LEVELS = ("limited", "reasonable")
CRITERIA = "GHG Protocol Corporate Standard (2004) and ISO 14064-1:2018"
FINDING_KINDS = ("misstatement", "nonconformity")
FINDING_TYPES = ("CAR", "CL", "FAR", "observation")
NATURES = ("factual", "judgmental", "projected")
OUTCOMES = ("corrected", "accepted-uncorrected")
# Evidence files are invoices, meter photos, PDFs: bounded like an upload to the team server.
MAX_EVIDENCE_BYTES = 50 * 1024 * 1024
MAX_SEED_LENGTH = 200
MAX_FINDING_TEXT = 2000
# A misstatement's amount either way: beyond a billion tonnes is no inventory's; below a
# gram rounds to nothing in any figure shown.
MAX_AMOUNT_T = 1e9
MIN_AMOUNT_T = 1e-6


class VerificationStateError(ZerotrailError):
    """A transition the engagement's or finding's state does not allow."""


@dataclass(frozen=True, slots=True)
class Engagement:
    row: store.EngagementRow
    checkpoint_note: str

    @property
    def engagement_id(self) -> str:
        return self.row.engagement_id


@dataclass(frozen=True, slots=True)
class SamplePlan:
    engagement: store.EngagementRow
    run_id: str  # the run the sample is drawn from (sample_run)
    thresholds: mat.Thresholds
    strata: tuple[StratumPlan, ...]
    selected: tuple[Selected, ...]
    population: tuple[Item, ...]


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def _text(value: str, what: str, limit: int) -> str:
    text = " ".join(value.split())
    if not text:
        raise ZerotrailError(f"{what} is empty")
    why = text_problem(text, limit)
    if why is not None:
        raise ZerotrailError(f"{what} {why}")
    return text


def _commit(ws: Workspace, kind: str) -> None:
    committed.commit_new(ws, kind)


# --- the engagement ------------------------------------------------------------------------------


def _cosigned_checkpoint(ws: Workspace, needed_size: int) -> checkpoints.Signed:
    """The latest checkpoint, which must hold `needed_size` leaves and carry a witness's
    cosignature: the engagement covers a log state a third party has seen."""
    cur = checkpoints.latest(ws)
    if cur is None or cur.checkpoint.size < needed_size:
        raise ZerotrailError(
            "no checkpoint covers the final inventory yet: sign one (zerotrail ledger checkpoint)"
            " and have the witness cosign it"
        )
    signatures = [line for line in cur.note.split("\n\n", 1)[1].splitlines() if line]
    if len(signatures) < 2:
        raise ZerotrailError(
            "the latest checkpoint has no witness cosignature: an engagement covers a log state"
            " a witness has seen (zerotrail ledger witness-request, then ledger cosign)"
        )
    return cur


def _final_run(ws: Workspace, year: int) -> str:
    run_id = current_run_id(ws, year)
    if run_id is None or not is_final(ws, year):
        raise ZerotrailError(
            f"{year} has no final inventory: calculate and finalize it first (zerotrail finalize)"
        )
    return run_id


def _leaf_end(ws: Workspace, kind: str, ref: str) -> int:
    """The log size just past the latest leaf of (kind, ref)."""
    idx = ws.scalar("SELECT max(idx) FROM ledger_leaves WHERE kind = ? AND ref = ?", [kind, ref])
    if idx is None:
        raise ZerotrailError(f"no {kind} {ref} in the log")
    return int(idx) + 1


def _covered(ws: Workspace, year: int) -> tuple[str, checkpoints.Signed]:
    run_id = _final_run(ws, year)
    need = max(_leaf_end(ws, "run", run_id), _leaf_end(ws, "final", run_id))
    return run_id, _cosigned_checkpoint(ws, need)


def _parse_scope_materiality(values: Sequence[str]) -> dict[int, mat.Materiality]:
    out: dict[int, mat.Materiality] = {}
    for text in values:
        scope, sep, rule = text.partition("=")
        if not sep or scope.strip() not in ("1", "2", "3"):
            raise ZerotrailError(
                f"--scope-materiality {text!r}: expected SCOPE=RULE, e.g. 3=10% or 1=500t"
            )
        try:
            out[int(scope)] = mat.parse_materiality(rule)
        except ValueError as exc:
            raise ZerotrailError(f"--scope-materiality {text!r}: {exc}") from None
    return out


def open_engagement(
    ws: Workspace,
    year: int,
    verifier: str,
    level: str,
    actor: str,
    materiality: str = "5%",
    scope_materiality: Sequence[str] = (),
    scopes: Sequence[int] = (1, 2, 3),
    rules: Rules | None = None,
) -> Engagement:
    """Record an engagement on the year's final inventory and the latest cosigned checkpoint."""
    if level not in LEVELS:
        raise ZerotrailError(f"--level {level!r}: expected limited or reasonable")
    name = _text(verifier, "the verifier's name", 200)
    try:
        mat.parse_materiality(materiality)
    except ValueError as exc:
        raise ZerotrailError(f"--materiality {materiality!r}: {exc}") from None
    per_scope = _parse_scope_materiality(scope_materiality)
    chosen = sorted(set(scopes))
    if not chosen or any(s not in (1, 2, 3) for s in chosen):
        raise ZerotrailError("--scope: expected scopes among 1, 2 and 3, e.g. 1,2,3")
    run_id, cp = _covered(ws, year)
    number = store.engagement_count(ws, year) + 1
    row = store.EngagementRow(
        engagement_id=f"E{year}-{number}",
        version=1,
        year=year,
        verifier=name,
        level=level,
        criteria=CRITERIA,
        materiality=materiality.replace(" ", ""),
        scope_materiality=";".join(
            f"{s}={scope_materiality_text(per_scope[s])}" for s in sorted(per_scope)
        ),
        scopes=",".join(str(s) for s in chosen),
        run_id=run_id,
        checkpoint_size=cp.checkpoint.size,
        checkpoint_sha256=hashlib.sha256(cp.note.encode()).hexdigest(),
        rules=(rules or Rules()).text(),
        seed=None,
        sample_sha256=None,
        population_sha256=None,
        status="open",
        actor=actor,
        happened_at=_now(),
    )
    with ws.transaction():
        store.insert_engagement(ws, row)
        _commit(ws, "engagement")
    return Engagement(row, cp.note)


def engagement_rules(
    performance_share: float = 0.75,
    trivial_share: float = 0.05,
    qualify_multiple: float = 1.0,
    adverse_multiple: float = 5.0,
) -> Rules:
    """An engagement's thresholds, checked (ZerotrailError in one line)."""
    try:
        return Rules(
            performance_share,
            trivial_share,
            OpinionRules(qualify_multiple, adverse_multiple),
        )
    except ValueError as exc:
        raise ZerotrailError(str(exc)) from None


def scope_materiality_text(m: mat.Materiality) -> str:
    return f"{m.value:g}%" if m.unit == "percent" else f"{m.value:g}t"


def engagement(ws: Workspace, engagement_id: str) -> Engagement:
    row = store.engagement(ws, engagement_id)
    if row is None:
        raise ZerotrailError(f"no engagement {engagement_id}")
    cp = checkpoints.checkpoint_at(ws, row.checkpoint_size)
    if cp is None:
        raise ZerotrailError(
            f"engagement {engagement_id}: its checkpoint (size {row.checkpoint_size}) is gone"
        )
    return Engagement(row, cp.note)


def engagements(ws: Workspace, year: int | None = None) -> list[store.EngagementRow]:
    return store.engagements(ws, year)


def _new_version(ws: Workspace, row: store.EngagementRow, actor: str, **changes: Any) -> None:
    new = replace(row, version=row.version + 1, actor=actor, happened_at=_now(), **changes)
    store.insert_engagement(ws, new)
    _commit(ws, "engagement")


def _open(row: store.EngagementRow) -> None:
    if row.status == "concluded":
        raise VerificationStateError(f"engagement {row.engagement_id} is concluded")


# --- the sample ----------------------------------------------------------------------------------


def run_totals(ws: Workspace, run_id: str) -> dict[int, float]:
    """t CO2e per scope (Scope 2 location-based) as the run's committed leaf states them: the
    figures materiality is taken on, here and in the offline check alike."""
    figures = json.loads(checkpoints.run_canonical(ws, run_id))
    return {
        scope: float(Decimal(str(figures[name])))
        for scope, name in ((1, "scope1"), (2, "scope2_location"), (3, "scope3"))
    }


def thresholds_of(row: store.EngagementRow, totals: Mapping[int, float]) -> mat.Thresholds:
    return engagement_thresholds(
        row.materiality, row.scope_materiality, totals, parse_rules(row.rules)
    )


def sample_run(ws: Workspace, row: store.EngagementRow) -> str:
    """The run the sample was drawn from: the one covered when the seed was given (a
    restatement moves the engagement onto a new run, but the draw stays on the population it
    was made from); the covered run before the draw."""
    drawn = ws.scalar(
        "SELECT run_id FROM engagement_versions WHERE engagement_id = ? AND seed IS NOT NULL"
        " ORDER BY version LIMIT 1",
        [row.engagement_id],
    )
    return row.run_id if drawn is None else str(drawn)


def population_items(ws: Workspace, row: store.EngagementRow, run_id: str) -> tuple[Item, ...]:
    """The records of `run_id` in the engagement's scopes, as the draw takes them: negative
    ones (credit notes) at 0 t, which monetary-unit sampling never selects."""
    scopes = {int(s) for s in row.scopes.split(",")}
    items = []
    for rid, ver, scope, cat, activity, method, dq, flags, t, approved in store.population(
        ws, run_id
    ):
        if int(scope) not in scopes:
            continue
        items.append(
            Item(
                record_id=str(rid),
                version=int(ver),
                stratum=stratum_of(int(scope), None if cat is None else int(cat), str(activity)),
                scope=int(scope),
                t_co2e=max(float(t or 0.0), 0.0),
                method=str(method),
                dq_score=float(dq),
                flags=str(flags),
                approved=bool(approved),
            )
        )
    return tuple(items)


def csv_text(rows: Sequence[Sequence[Any]], header: Sequence[str]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def population_csv(ws: Workspace, row: store.EngagementRow, run_id: str) -> str:
    """The population file of the verifier's bundle (assurance/bundle.py): every record of
    `run_id` in the engagement's scopes with what the draw takes from it (negative figures too:
    the sums must equal the run's). The draw commits its SHA-256, so the file a bundle carries
    is the one the sample was drawn from."""
    scopes = {int(s) for s in row.scopes.split(",")}
    rows = []
    for rid, ver, scope, cat, activity, method, dq, flags, t, approved in store.population(
        ws, run_id
    ):
        if int(scope) in scopes:
            rows.append(
                [rid, ver, scope, "" if cat is None else cat, activity, method, repr(float(dq)),
                 flags, repr(float(t or 0.0)), "true" if approved else "false"]
            )  # fmt: skip
    return csv_text(rows, POPULATION_COLUMNS)


def sample_plan(ws: Workspace, engagement_id: str) -> SamplePlan:
    """The engagement's risk assessment and sample sizes (recomputed: they are a pure function
    of the population and the engagement), and the records drawn when the seed is given."""
    row = engagement(ws, engagement_id).row
    run_id = sample_run(ws, row)
    items = population_items(ws, row, run_id)
    th = thresholds_of(row, run_totals(ws, run_id))
    strata = plan(items, row.level, performance(th))
    selected: tuple[Selected, ...] = ()
    if row.seed is not None:
        selected = draw(items, strata, row.seed, row.engagement_id)
    return SamplePlan(row, run_id, th, strata, selected, items)


def draw_sample(ws: Workspace, engagement_id: str, seed: str, actor: str) -> SamplePlan:
    """Draw the engagement's sample with the verifier's seed, once: the seed and the drawn
    records' digest are committed, so the draw cannot be repeated until it suits someone."""
    row = engagement(ws, engagement_id).row
    _open(row)
    if row.seed is not None:
        raise VerificationStateError(
            f"engagement {engagement_id} drew its sample already (seed committed)"
        )
    seed = seed.strip()
    if not seed or len(seed) > MAX_SEED_LENGTH or not seed.isprintable():
        raise ZerotrailError(f"--seed: expected 1 to {MAX_SEED_LENGTH} printable characters")
    items = population_items(ws, row, row.run_id)
    th = thresholds_of(row, run_totals(ws, row.run_id))
    strata = plan(items, row.level, performance(th))
    selected = draw(items, strata, seed, engagement_id)
    with ws.transaction():
        store.insert_samples(
            ws,
            engagement_id,
            [
                store.SampleRow(s.record_id, s.version, s.stratum, s.key_item, s.t_co2e, s.order)
                for s in selected
            ],
        )
        _new_version(
            ws,
            row,
            actor,
            seed=seed,
            sample_sha256=sample_sha256(selected),
            population_sha256=hashlib.sha256(
                population_csv(ws, row, row.run_id).encode()
            ).hexdigest(),
            status="sampled",
        )
    return sample_plan(ws, engagement_id)


# --- evidence ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Attached:
    row: store.EvidenceRow
    finding: str | None  # the finding raised when the file's hash is not the committed one


def attach_evidence(ws: Workspace, record_id: str, path: Path, actor: str) -> Attached:
    """Attach an evidence file to the record's current version. Its SHA-256 is held to the
    hash committed with the record (`sha256:<hex>` in its evidence); a mismatch is stored,
    and raises a non-conformity on the first open engagement whose sample holds the record."""
    rows = ws.fetchall(
        "SELECT version, evidence FROM activities WHERE record_id = ? ORDER BY version DESC"
        " LIMIT 1",
        [record_id],
    )
    if not rows:
        raise ZerotrailError(f"no activity record {record_id}")
    version, evidence_text = int(rows[0][0]), rows[0][1]
    content = read_limited_bytes(path, "the evidence file", MAX_EVIDENCE_BYTES)
    digest = hashlib.sha256(content).hexdigest()
    expected = committed_sha256(evidence_text or "")
    matches = expected is not None and expected == digest
    name = _text(path.name, "the file name", 255)
    row = store.EvidenceRow(
        evidence_id=f"{record_id}:{digest[:16]}",
        record_id=record_id,
        record_version=version,
        file_name=name,
        file_sha256=digest,
        file_size=len(content),
        committed_sha256=expected,
        matches=matches,
        attached_by=actor,
        attached_at=_now(),
    )
    if any(e.evidence_id == row.evidence_id for e in store.evidence_for(ws, [record_id])):
        raise ZerotrailError(f"this file is attached to {record_id} already")
    raised = None
    with ws.transaction():
        store.insert_evidence(ws, row, content)
        _commit(ws, "evidence")
        if not matches:
            raised = _evidence_finding(ws, row, actor)
    return Attached(row, raised)


def _evidence_finding(ws: Workspace, ev: store.EvidenceRow, actor: str) -> str | None:
    """A non-conformity on the first open engagement that sampled the record."""
    found = ws.fetchall(
        "SELECT DISTINCT engagement_id FROM engagement_samples WHERE record_id = ?"
        " ORDER BY engagement_id",
        [ev.record_id],
    )
    for (eid,) in found:
        row = store.engagement(ws, str(eid))
        if row is None or row.status == "concluded":
            continue
        why = (
            "the record commits no evidence hash"
            if ev.committed_sha256 is None
            else f"its SHA-256 {ev.file_sha256} is not the committed {ev.committed_sha256}"
        )
        return _insert_finding(
            ws,
            row,
            finding_kind="nonconformity",
            finding_type="CAR",
            nature=None,
            scope=None,
            stratum=None,
            amount_t=None,
            records=ev.record_id,
            clause="evidence: the file must be the one committed with the record",
            text=f"evidence file {ev.file_name} for {ev.record_id}: {why}",
            actor=actor,
        )
    return None


# --- findings ------------------------------------------------------------------------------------


def _insert_finding(ws: Workspace, row: store.EngagementRow, **fields: Any) -> str:
    finding_id = f"{row.engagement_id}-F{store.finding_count(ws, row.engagement_id) + 1}"
    store.insert_finding(
        ws,
        store.FindingRow(
            finding_id=finding_id,
            version=1,
            engagement_id=row.engagement_id,
            status="raised",
            outcome=None,
            note=None,
            happened_at=_now(),
            **fields,
        ),
    )
    _commit(ws, "finding")
    return finding_id


def add_finding(
    ws: Workspace,
    engagement_id: str,
    *,
    kind: str,
    finding_type: str,
    text: str,
    actor: str,
    amount_t: float | None = None,
    records: Sequence[str] = (),
    scope: int | None = None,
    nature: str | None = None,
    clause: str | None = None,
) -> store.FindingRow:
    """Raise a finding: a misstatement (its amount in t CO2e, positive when the inventory
    overstates, and the records behind it) or a non-conformity (the clause it breaches)."""
    row = engagement(ws, engagement_id).row
    _open(row)
    if kind not in FINDING_KINDS:
        raise ZerotrailError(f"--kind {kind!r}: expected misstatement or nonconformity")
    if finding_type not in FINDING_TYPES:
        raise ZerotrailError(f"--type {finding_type!r}: expected CAR, CL, FAR or observation")
    body = _text(text, "the finding's text", MAX_FINDING_TEXT)
    if scope is not None and scope not in (1, 2, 3):
        raise ZerotrailError(f"--scope {scope}: expected 1, 2 or 3")
    stratum = None
    ids = sorted({r.strip() for r in records if r.strip()})
    if kind == "misstatement":
        if amount_t is None or not math.isfinite(amount_t) or amount_t == 0.0:
            raise ZerotrailError("a misstatement needs --amount: a finite t CO2e, not zero")
        if abs(amount_t) > MAX_AMOUNT_T or abs(amount_t) < MIN_AMOUNT_T:
            raise ZerotrailError(
                f"--amount {amount_t!r}: expected {MIN_AMOUNT_T:g} to {MAX_AMOUNT_T:g} t CO2e"
                " either way"
            )
        if not ids:
            raise ZerotrailError("a misstatement names the records behind it (--record)")
        nature = nature or "factual"
        if nature not in NATURES:
            raise ZerotrailError(f"--nature {nature!r}: expected factual, judgmental or projected")
        strata = _record_strata(ws, row, ids)
        scopes = {s for s, _ in strata.values()}
        if scope is None:
            if len(scopes) != 1:
                raise ZerotrailError("the records are in several scopes: give --scope")
            scope = scopes.pop()
        elif scope not in scopes:
            raise ZerotrailError(
                f"--scope {scope}: the records are in Scope {', '.join(map(str, sorted(scopes)))}"
            )
        if amount_t > 0:
            stated = _stated_total(ws, row, ids)
            if amount_t > stated:
                raise ZerotrailError(
                    f"--amount {amount_t:,.3f} t: the records state {stated:,.3f} t CO2e in all; an"
                    " overstatement is at most what they state"
                )
        kinds = {st for _, st in strata.values()}
        stratum = kinds.pop() if len(kinds) == 1 else None
        if len(ids) == 1:
            _within_stated(ws, row, ids[0], amount_t)
    else:
        if clause is None or not clause.strip():
            raise ZerotrailError("a non-conformity names the clause or rule it breaches (--clause)")
        if amount_t is not None:
            raise ZerotrailError("a non-conformity has no amount: raise a misstatement instead")
        nature = None
    with ws.transaction():
        finding_id = _insert_finding(
            ws,
            row,
            finding_kind=kind,
            finding_type=finding_type,
            nature=nature,
            scope=scope,
            stratum=stratum,
            amount_t=amount_t,
            records=",".join(ids),
            clause=None if clause is None else _text(clause, "the clause", 500),
            text=body,
            actor=actor,
        )
    found = store.finding(ws, finding_id)
    assert found is not None  # written just now
    return found


def _within_stated(ws: Workspace, row: store.EngagementRow, rid: str, amount: float) -> None:
    """A drawn record's misstatements (those not corrected, this one with them) cannot exceed
    the tonnes it states: its audited figure would be below zero, which the projection (and
    monetary-unit sampling) cannot take. Such a finding is one of several records or none."""
    drawn = {s.record_id: s for s in store.samples(ws, row.engagement_id)}
    if rid not in drawn:
        return
    uncorrected = [
        f.amount_t or 0.0
        for f in store.findings(ws, row.engagement_id)
        if f.finding_kind == "misstatement"
        and f.records == rid
        and not (f.status == "closed" and f.outcome == "corrected")
    ]
    total = sum(uncorrected) + amount
    stated = drawn[rid].t_co2e
    if total > stated:
        raise ZerotrailError(
            f"record {rid} states {stated:,.3f} t CO2e: misstatements of {total:,.3f} t on it would"
            " leave it below zero (a misstatement is at most what the record states)"
        )


def _stated_total(ws: Workspace, row: store.EngagementRow, ids: Sequence[str]) -> float:
    wanted = set(ids)
    return sum(i.t_co2e for i in population_items(ws, row, row.run_id) if i.record_id in wanted)


def _record_strata(
    ws: Workspace, row: store.EngagementRow, ids: Sequence[str]
) -> dict[str, tuple[int, str]]:
    by_id = {i.record_id: (i.scope, i.stratum) for i in population_items(ws, row, row.run_id)}
    missing = [r for r in ids if r not in by_id]
    if missing:
        raise ZerotrailError(
            f"record {missing[0]} is not in the inventory the engagement covers ({row.run_id})"
        )
    return {r: by_id[r] for r in ids}


_MOVES = {
    "respond": ({"raised", "reopened"}, "responded"),
    "close": ({"raised", "responded", "reopened"}, "closed"),
    "reopen": ({"closed"}, "reopened"),
}


def move_finding(
    ws: Workspace,
    finding_id: str,
    move: str,
    actor: str,
    note: str,
    outcome: str | None = None,
) -> store.FindingRow:
    """A finding's next state: the company responds, the verifier closes it (corrected, or
    accepted uncorrected) or reopens it. Each change is a new committed version."""
    cur = store.finding(ws, finding_id)
    if cur is None:
        raise ZerotrailError(f"no finding {finding_id}")
    row = engagement(ws, cur.engagement_id).row
    _open(row)
    allowed, status = _MOVES[move]
    if cur.status not in allowed:
        raise VerificationStateError(f"finding {finding_id} is {cur.status}: it cannot {move}")
    text = _text(note, "the note", MAX_FINDING_TEXT)
    if move == "close":
        if outcome not in OUTCOMES:
            raise ZerotrailError("--outcome: expected corrected or accepted-uncorrected")
        if outcome == "corrected" and cur.finding_kind == "misstatement":
            _require_restated(ws, row, cur)
    else:
        outcome = None
    new = replace(
        cur,
        version=cur.version + 1,
        status=status,
        outcome=outcome,
        note=text,
        actor=actor,
        happened_at=_now(),
    )
    with ws.transaction():
        store.insert_finding(ws, new)
        _commit(ws, "finding")
    return new


def _require_restated(ws: Workspace, row: store.EngagementRow, f: store.FindingRow) -> None:
    """A misstatement is corrected only in a restated inventory: every record behind it has a
    newer version in the run the engagement now covers than in the run it was raised on."""
    # The engagement version in force when the finding was raised, by the ledger's order (the
    # clock's seconds cannot order a finding and a restatement made within one second).
    raised_on = ws.scalar(
        "SELECT e.run_id FROM engagement_versions e JOIN ledger_leaves l ON l.kind = 'engagement'"
        " AND l.ref = e.engagement_id AND l.version = e.version WHERE e.engagement_id = ?"
        " AND l.idx < (SELECT min(idx) FROM ledger_leaves WHERE kind = 'finding' AND ref = ?)"
        " ORDER BY l.idx DESC LIMIT 1",
        [row.engagement_id, f.finding_id],
    )
    if raised_on is None or raised_on == row.run_id:
        raise VerificationStateError(
            f"finding {f.finding_id}: the engagement still covers the inventory it was raised on;"
            " restate the year (import the correction, calculate, finalize), sign and cosign a"
            f" checkpoint, then run `zerotrail verification cover {row.engagement_id}`"
        )
    for rid in f.records.split(","):
        versions = ws.fetchall(
            "SELECT run_id, max(version) FROM results WHERE record_id = ? AND run_id IN (?, ?)"
            " GROUP BY run_id",
            [rid, raised_on, row.run_id],
        )
        got = {str(r): int(v) for r, v in versions}
        if got.get(row.run_id, 0) <= got.get(str(raised_on), 0):
            raise VerificationStateError(
                f"finding {f.finding_id}: record {rid} has no corrected version in the restated"
                f" inventory {row.run_id}"
            )


def finding(ws: Workspace, finding_id: str) -> store.FindingRow | None:
    """A finding at its latest version, None when there is none of that id."""
    return store.finding(ws, finding_id)


def findings(ws: Workspace, engagement_id: str) -> list[store.FindingRow]:
    engagement(ws, engagement_id)
    return store.findings(ws, engagement_id)


# --- restatement ---------------------------------------------------------------------------------


def cover(ws: Workspace, engagement_id: str, actor: str) -> Engagement:
    """Move the engagement onto the year's restated final inventory and the latest cosigned
    checkpoint (after a correction); the sample stays the one drawn."""
    row = engagement(ws, engagement_id).row
    _open(row)
    run_id, cp = _covered(ws, row.year)
    if run_id == row.run_id:
        raise VerificationStateError(
            f"engagement {engagement_id} covers {run_id}, the year's final inventory, already"
        )
    with ws.transaction():
        _new_version(
            ws,
            row,
            actor,
            run_id=run_id,
            checkpoint_size=cp.checkpoint.size,
            checkpoint_sha256=hashlib.sha256(cp.note.encode()).hexdigest(),
        )
    return engagement(ws, engagement_id)


# --- opinion -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Evaluated:
    plan: SamplePlan
    conclusion: Conclusion
    findings: tuple[store.FindingRow, ...]
    subject: str


def facts(f: store.FindingRow) -> FindingFacts:
    return FindingFacts(
        f.finding_id,
        f.finding_kind,
        f.finding_type,
        f.status,
        f.outcome,
        f.scope,
        f.amount_t,
        tuple(r for r in f.records.split(",") if r),
    )


def organization(ws: Workspace) -> str:
    return ws.get_setting("organization") or "the organization"


def evaluate(ws: Workspace, engagement_id: str) -> Evaluated:
    """The findings' projection and aggregation against materiality and the opinion they lead
    to, as things stand (reads only)."""
    sp = sample_plan(ws, engagement_id)
    found = tuple(store.findings(ws, engagement_id))
    e = sp.engagement
    what = subject(organization(ws), e.year, e.scopes)
    try:
        c = assess.conclude(
            [facts(f) for f in found],
            sp.selected,
            sp.strata,
            # Against materiality on the inventory covered now (restated, after a correction);
            # the sample was sized on the one it was drawn from.
            thresholds_of(e, run_totals(ws, e.run_id)),
            level=e.level,
            subject=what,
            criteria=e.criteria,
            rules=parse_rules(e.rules).opinion,
        )
    except ValueError as exc:  # findings the arithmetic cannot take: say which, in one line
        raise ZerotrailError(f"engagement {engagement_id}: {exc}") from None
    return Evaluated(sp, c, found, what)


# --- the statement -------------------------------------------------------------------------------


def procedures(ws: Workspace, ev: Evaluated) -> list[str]:
    """What the engagement recorded doing, one line each: only what the workspace holds a trace
    of (the offline check of a bundle is the verifier's, and leaves none here)."""
    sp = ev.plan
    keys = sum(s.key_item for s in sp.selected)
    out = [
        f"risk assessed per source category (size, data quality, complexity, approval) in"
        f" {len(sp.strata)} {'stratum' if len(sp.strata) == 1 else 'strata'}",
        f"a monetary-unit sample of {len(sp.selected)} records ({keys} key items) drawn with the"
        " verifier's seed",
    ]
    attached = store.evidence_for(ws, [s.record_id for s in sp.selected])
    if attached:
        matched = sum(e.matches for e in attached)
        out.append(
            f"{len(attached)} evidence files of sampled records held to the SHA-256 committed"
            f" with their records ({matched} matched)"
        )
    out.append(
        f"{len(ev.findings)} findings raised; misstatements projected per stratum and aggregated"
        " against materiality"
    )
    return out


# The run's committed figures the statement repeats.
FIGURES = (
    "scope1", "scope2_location", "scope2_market", "scope3", "total_location", "total_market",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Issued:
    engagement_id: str
    opinion: str
    sha256: str
    file_text: str


def _figure(x: float) -> str:
    text = f"{x:.3f}"
    return "0.000" if text == "-0.000" else text


def statement_body(
    ws: Workspace, ev: Evaluated, opinion: Opinion, key_name: str, on: date
) -> dict[str, Any]:
    """The statement's body (assurance/statement.py's v1 fields), every number as text."""
    e = ev.plan.engagement
    cp = engagement(ws, e.engagement_id)
    checkpoint = parse_checkpoint(parse_note(cp.checkpoint_note).text)
    figures = json.loads(checkpoints.run_canonical(ws, e.run_id))
    th = ev.conclusion.aggregation.thresholds
    agg = ev.conclusion.aggregation
    counts: dict[str, str] = {}
    for f in ev.findings:
        name = f"{f.finding_type} {f.status}" + (f" {f.outcome}" if f.outcome else "")
        counts[name] = str(int(counts.get(name, "0")) + 1)
    return {
        "format": STATEMENT_FORMAT,
        "engagement": e.engagement_id,
        "organization": organization(ws),
        "year": str(e.year),
        "verifier": e.verifier,
        "verifier_key_name": key_name,
        "standard": STANDARD,
        "criteria": e.criteria,
        "level": e.level,
        "scope": ev.subject,
        "materiality": {
            "rule": e.materiality,
            "scope_rules": e.scope_materiality or "as the overall rule",
            "overall_t": _figure(th.overall_t),
            **{f"scope{s}_t": _figure(th.materiality_t(s)) for s in (1, 2, 3)},
            "performance_share": f"{th.performance_share:g}",
            "thresholds": e.rules,
        },
        "inventory": {
            "run_id": e.run_id,
            "unit": "t CO2e",
            **{name: _figure(float(Decimal(str(figures[name])))) for name in FIGURES},
        },
        "checkpoint": {
            "origin": checkpoint.origin,
            "size": str(checkpoint.size),
            "root_hash": base64.b64encode(checkpoint.root).decode(),
        },
        "findings": {
            "counts": counts,
            "uncorrected": {
                ("overall" if r.scope is None else f"scope{r.scope}"): {
                    "known_t": _figure(r.known_t),
                    "projected_t": _figure(r.projected_t),
                    "net_t": _figure(r.net_t),
                    "gross_t": _figure(r.gross_t),
                    "materiality_t": _figure(r.materiality_t),
                }
                for r in agg.rollups
            },
            "sample": {
                "records": str(len(ev.plan.selected)),
                "key_items": str(sum(s.key_item for s in ev.plan.selected)),
                "strata": str(len(ev.plan.strata)),
                "seed": e.seed or "",
            },
        },
        "opinion": opinion.kind,
        "opinion_text": opinion.wording,
        "date": on.isoformat(),
        "procedures": procedures(ws, ev),
    }


def conclude(
    ws: Workspace, engagement_id: str, signer_text: str, actor: str, on: date | None = None
) -> Issued:
    """Form the opinion, sign the statement with the verifier's key, record and commit it, and
    close the engagement. Refused while a clarification request is open or before the draw."""
    cur = engagement(ws, engagement_id)
    row = cur.row
    _open(row)
    if row.seed is None:
        raise VerificationStateError(f"engagement {engagement_id} has drawn no sample yet")
    ev = evaluate(ws, engagement_id)
    opinion = ev.conclusion.opinion
    if isinstance(opinion, Blocked):
        raise VerificationStateError("no opinion can be issued yet: " + "; ".join(opinion.reasons))
    try:
        signer = parse_signer_key(signer_text.strip())
    except (ValueError, ZerotrailError) as exc:  # VerificationError for a malformed key
        raise ZerotrailError(f"bad verifier key: {exc}") from None
    log_key = ws.get_setting("ledger_vkey")
    if log_key and format_verifier_key(signer.verifier()) == log_key.strip():
        raise ZerotrailError(
            "this is the log's own key: the statement is signed with the verifier's key"
        )
    body = statement_body(ws, ev, opinion, signer.name, on or _now().date())
    try:
        text = sign_statement(body, signer, checkpoint_note=cur.checkpoint_note)
    except ValueError as exc:
        raise ZerotrailError(f"cannot sign the statement: {exc}") from None
    digest = statement_sha256(body)
    with ws.transaction():
        public = format_verifier_key(signer.verifier())
        store.insert_statement(ws, engagement_id, digest, opinion.kind, public, text, _now())
        _commit(ws, "statement")
        _new_version(ws, row, actor, status="concluded")
    return Issued(engagement_id, opinion.kind, digest, text)


def year_statement(ws: Workspace, year: int) -> tuple[str, str] | None:
    """The statement file of the year's latest concluded engagement and the verifier's public
    key it was recorded with (to check it against), None when the year has none."""
    return store.year_statement(ws, year)
