"""The offline check of a verifier's bundle (assurance/bundle.py), with no workspace.

It trusts nothing in the folder but what the two public keys vouch for:

1. the checkpoint is signed by the log key and cosigned by every witness key given;
2. every proof in leaves/ is against that very checkpoint, its leaf recomputed from its
   opening (salt and canonical record) and its inclusion verified;
3. population.csv sums, per scope, to the figures the run's committed leaf states;
4. the risk assessment, the sample sizes and the draw are computed again from the population,
   the engagement's materiality and the seed: the same records must come out;
5. each drawn record's emissions are recomputed from its opened leaves with the reference
   calculation (assurance/recompute.py), and compared with the company's stated result; the
   GWP values its run committed for its gases are held to the package's own, which the
   reference calculation weighs them with;
6. each evidence file is held to the SHA-256 its record committed;
7. the findings' projection and aggregation against materiality, and the opinion they lead to,
   are computed again.

Failures of 1-4 (the bundle cannot be trusted) raise VerificationError; differences in 5-6 are
results of the check, listed in the report. Every file read is bounded.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from zerotrail.assurance import bundle as fmt
from zerotrail.assurance.conclusion import (
    Conclusion,
    conclude,
    engagement_thresholds,
    facts_from_text,
    parse_rules,
    performance,
)
from zerotrail.assurance.evidence import committed_sha256
from zerotrail.assurance.materiality import Thresholds
from zerotrail.assurance.opinion import Blocked
from zerotrail.assurance.recompute import compare, gwp_held, recompute
from zerotrail.assurance.risk import Item, StratumPlan, plan, stratum_of
from zerotrail.assurance.sampling import Selected, draw
from zerotrail.assurance.statement import no_duplicate_keys
from zerotrail.errors import VerificationError, ZerotrailError
from zerotrail.ledger.canonical import commitment
from zerotrail.ledger.checkpoint import Checkpoint, parse_checkpoint
from zerotrail.ledger.cosignature import verify_cosignatures
from zerotrail.ledger.merkle import verify_consistency
from zerotrail.ledger.note import Verifier, open_note
from zerotrail.ledger.proof import ProofBundle, parse_proof, verify_proof_bundle
from zerotrail.model.files import read_limited, read_limited_bytes

# The engagement's fields engagement.json repeats from the engagement version that committed
# the draw (store/committed.py, kind `engagement`).
COMMITTED_FIELDS = (
    "engagement_id", "year", "verifier", "level", "criteria", "materiality",
    "scope_materiality", "scopes", "rules", "seed", "sample_sha256", "population_sha256",
)  # fmt: skip

# Run figures per scope, by the run leaf's field names (Scope 2 location-based: the basis the
# sample is drawn on).
RUN_FIELDS = {1: "scope1", 2: "scope2_location", 3: "scope3"}


@dataclass
class CheckReport:
    checked: list[str] = field(default_factory=list)  # what was verified, one fact a line
    differences: list[str] = field(default_factory=list)  # what the verifier must look into
    notes: list[str] = field(default_factory=list)  # what could not be checked, and why
    without_evidence: list[str] = field(default_factory=list)  # commit a hash, no file given
    evidence_ok: int = 0  # evidence files that are the ones their records committed
    gwp_held: set[str] = field(default_factory=set)  # committed GWP values held to the package's
    without_gwp: list[str] = field(default_factory=list)  # their run committed no GWP values
    conclusion: Conclusion | None = None

    @property
    def ok(self) -> bool:
        return not self.differences


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _fail(msg: str) -> VerificationError:
    return VerificationError(msg)


def _own(folder: Path, name: str) -> Path:
    """The bundle's file `name`, refused when it or a folder on its way is a link (a bundle is
    checked as it is, not what its links point at)."""
    path = folder / name
    try:
        linked = any(
            p.is_symlink()
            for p in (path, *path.parents)
            if p.is_relative_to(folder) and p != folder
        )
    except (OSError, ValueError):  # a name too long for the file system, or with a NUL
        linked = False
    if linked:
        raise _fail(f"{name} is a link: a bundle's files are its own")
    return path


def _read(folder: Path, name: str, limit: int) -> str:
    path = _own(folder, name)
    try:
        present = path.is_file()
    except (OSError, ValueError):  # a name too long for the file system, or with a NUL
        present = False
    if not present:
        raise _fail(f"the bundle has no {name}")
    try:
        return read_limited(path, name, limit)
    except ZerotrailError as exc:
        raise _fail(str(exc)) from None


def _json(folder: Path, name: str) -> Any:
    try:
        return json.loads(
            _read(folder, name, fmt.MAX_JSON_BYTES), object_pairs_hook=no_duplicate_keys(name)
        )
    except (ValueError, RecursionError) as exc:
        raise _fail(f"{name} is not JSON: {exc}") from None


def _csv(folder: Path, name: str, columns: Sequence[str]) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(_read(folder, name, fmt.MAX_JSON_BYTES), newline=""))
    try:
        if tuple(reader.fieldnames or ()) != tuple(columns):
            raise _fail(f"{name}: expected the columns {', '.join(columns)}")
        rows = list(reader)
    except csv.Error as exc:  # a field beyond the csv module's limit, say
        raise _fail(f"{name}: {exc}") from None
    for i, row in enumerate(rows, start=2):
        if None in row or any(v is None for v in row.values()):
            raise _fail(f"{name} row {i}: expected {len(columns)} fields")
    return rows


def _float(text: str, where: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise _fail(f"{where}: {text!r} is not a number") from None
    if not math.isfinite(x):
        raise _fail(f"{where}: {text!r} is not a finite number")
    return x


def _int(text: str, where: str) -> int:
    if not (text.isascii() and text.isdigit()):  # "²".isdigit(), but int("²") fails
        raise _fail(f"{where}: {text!r} is not a whole number")
    return int(text)


def _checkpoint(folder: Path, log: Verifier, witnesses: Sequence[Verifier]) -> Checkpoint:
    note = _read(folder, fmt.CHECKPOINT_FILE, fmt.MAX_PROOF_BYTES)
    try:
        opened = open_note(note, [log])
        if witnesses:
            verify_cosignatures(note, witnesses)
        return parse_checkpoint(opened.text)
    except (ValueError, VerificationError) as exc:  # the note and cosignature checks raise it
        raise _fail(f"{fmt.CHECKPOINT_FILE}: {exc}") from None


@dataclass(frozen=True, slots=True)
class _Leaf:
    record: dict[str, str | None]
    text: str


def _opened(
    proof: str, log: Verifier, witnesses: Sequence[Verifier]
) -> tuple[ProofBundle, str, Checkpoint]:
    """A proof with its opening, verified: the leaf recomputed from the salt and the record's
    canonical text, its inclusion under a checkpoint the log (and each witness) signed. The
    proof, the record's text and that checkpoint; ValueError or VerificationError otherwise."""
    bundle = parse_proof(proof)
    if bundle.extra is None:
        raise ValueError("the proof has no opening")
    opening = json.loads(bundle.extra)
    salt = base64.b64decode(opening["salt"], validate=True)
    text = str(opening["record"])
    return (
        bundle,
        text,
        verify_proof_bundle(bundle, commitment(salt, text.encode()), log, witnesses),
    )


def _leaf(
    folder: Path, name: str, cp: Checkpoint, log: Verifier, witnesses: Sequence[Verifier]
) -> _Leaf:
    if not name.startswith(fmt.LEAVES_DIR + "/") or "/" in name[len(fmt.LEAVES_DIR) + 1 :]:
        raise _fail(f"{fmt.RECORDS_FILE}: {name!r} is not a file of {fmt.LEAVES_DIR}/")
    proof = _read(folder, name, fmt.MAX_PROOF_BYTES)  # its own refusals name the file
    try:
        _, text, got = _opened(proof, log, witnesses)
        record = json.loads(text)
    except (ValueError, KeyError, TypeError, RecursionError, VerificationError) as exc:
        raise _fail(f"{name}: {exc}") from None
    if (got.origin, got.size, got.root) != (cp.origin, cp.size, cp.root):
        raise _fail(f"{name}: the proof is against another checkpoint than {fmt.CHECKPOINT_FILE}")
    if not isinstance(record, dict) or not all(isinstance(v, str | None) for v in record.values()):
        raise _fail(f"{name}: the opened record is not a canonical record")
    return _Leaf(record, text)


def check_folder(folder: Path, log: Verifier, witnesses: Sequence[Verifier]) -> CheckReport:
    rep = CheckReport()
    eng = _json(folder, fmt.ENGAGEMENT_FILE)
    if not isinstance(eng, dict) or eng.get("format") != fmt.FORMAT:
        raise _fail(f"{fmt.ENGAGEMENT_FILE}: not a {fmt.FORMAT} engagement")
    cp = _checkpoint(folder, log, witnesses)
    if str(cp.size) != str(eng.get("checkpoint_size")):
        raise _fail(f"{fmt.CHECKPOINT_FILE} is of size {cp.size}, not the engagement's")
    who = ", ".join(w.name for w in witnesses) or "no witness key given"
    rep.checked.append(
        f"checkpoint: {cp.origin} at size {cp.size}, signed by {log.name}, cosigned by {who}"
    )
    records = _json(folder, fmt.RECORDS_FILE)
    if not isinstance(records, dict):
        raise _fail(f"{fmt.RECORDS_FILE}: expected an object of records")
    leaves: dict[str, _Leaf] = {}
    for rid, rec in records.items():
        if not isinstance(rec, dict) or not isinstance(rec.get("leaves"), list):
            raise _fail(f"{fmt.RECORDS_FILE}: record {rid!r} lists no leaves")
        for name in rec["leaves"]:
            if str(name) not in leaves:  # a stranger's JSON: any value, hashable or not
                leaves[str(name)] = _leaf(folder, str(name), cp, log, witnesses)
    rep.checked.append(f"{len(leaves)} proofs of inclusion, each leaf recomputed from its opening")

    run_id = str(eng.get("run_id"))
    runs = [lf.record for lf in leaves.values() if lf.record.get("kind") == "run"]
    run = next((r for r in runs if r.get("run_id") == run_id), None)
    if run is None:
        raise _fail(f"no proof of the run {run_id} the engagement covers")
    # The population is the one the sample was drawn from: the covered run's, or, after a
    # restatement moved the engagement on, the run's it covered when the seed was given.
    drawn_on = _leaf(folder, str(eng.get("sample_run_leaf")), cp, log, witnesses).record
    if drawn_on.get("kind") != "run" or drawn_on.get("run_id") != eng.get("sample_run_id"):
        raise _fail(
            f"{fmt.ENGAGEMENT_FILE}: sample_run_leaf is not the run the sample was drawn on"
        )
    totals = _totals(drawn_on)
    scopes = [_int(s, "engagement scopes") for s in str(eng.get("scopes", "")).split(",")]
    population = _csv(folder, fmt.POPULATION_FILE, fmt.POPULATION_COLUMNS)
    _population_sums(population, totals, scopes, rep)

    strata, selected = _redraw(eng, population, totals)
    _same_draw(folder, eng, strata, selected, rep)
    _population_digest(folder, eng)
    _draw_committed(folder, eng, cp, log, rep)

    extra = sorted(set(records) - {s.record_id for s in selected})
    if extra:
        raise _fail(f"{fmt.RECORDS_FILE}: {extra[0]} is not a drawn record")
    settings = {k: v for k, v in run.items() if v is not None}
    # Stated figures are the covered run's; the population's are the draw's run's.
    same_run = eng.get("sample_run_id") == run_id
    stated_t = {r["record_id"]: r["t_co2e"] for r in population} if same_run else {}
    for s in selected:
        rec = records.get(s.record_id)
        if not isinstance(rec, dict):
            rep.differences.append(f"{s.record_id}: drawn, but {fmt.RECORDS_FILE} has no entry")
            continue
        opened = [leaves[str(n)] for n in rec["leaves"]]
        _record(folder, s, rec, opened, settings, stated_t, rep)
    rep.checked.append(
        f"{len(selected)} drawn records recomputed with the reference calculation from their"
        " opened leaves"
    )
    if rep.evidence_ok:
        rep.checked.append(
            f"{rep.evidence_ok} evidence files are the files their records committed (SHA-256)"
        )
    if rep.gwp_held:
        rep.checked.append(
            f"{len(rep.gwp_held)} committed GWP values the drawn records' gases were weighed with"
            " held to the package's own, which the recomputation weighs them with"
        )
    if rep.without_gwp and rep.gwp_held:
        # The records are of one run, which committed GWP values (others' leaves hold them).
        rep.differences += [
            f"{rid}: no committed GWP values among its leaves, though its run's are among other"
            " drawn records'"
            for rid in rep.without_gwp
        ]
    elif rep.without_gwp:
        shown = ", ".join(rep.without_gwp[:5])
        more = len(rep.without_gwp) - 5
        rep.notes.append(
            f"{len(rep.without_gwp)} drawn records: the GWP values were not committed by their"
            " run (calculated before runs committed them), so their recomputation rests on the"
            f" package's published IPCC values: {shown}" + (f" and {more} more" if more > 0 else "")
        )
    if rep.without_evidence:
        shown = ", ".join(rep.without_evidence[:5])
        more = len(rep.without_evidence) - 5
        rep.notes.append(
            f"{_count(len(rep.without_evidence), 'drawn record commits', 'drawn records commit')}"
            " an evidence hash but no file is in"
            f" the bundle, not checked: {shown}" + (f" and {more} more" if more > 0 else "")
        )
    # Misstatements are weighed against materiality on the inventory the engagement covers now
    # (restated, when a correction moved it on); the sample was sized on the one it drew from.
    rep.conclusion = _conclusion(folder, eng, selected, strata, _totals(run))
    rep.notes.append(
        f"the opinion's arithmetic is recomputed from the findings as {fmt.FINDINGS_FILE} states"
        " them (the log commits every finding, but the bundle carries no proof of them): hold"
        " them to the verifier's own list"
    )
    return rep


def _totals(run: Mapping[str, str | None]) -> dict[int, float]:
    out = {}
    for scope, name in RUN_FIELDS.items():
        value = run.get(name)
        try:
            out[scope] = float(Decimal(str(value)))
        except InvalidOperation:
            raise _fail(f"the run's opening has no {name} figure") from None
    return out


def _population_sums(
    rows: Sequence[Mapping[str, str]],
    totals: Mapping[int, float],
    scopes: Sequence[int],
    rep: CheckReport,
) -> None:
    sums: dict[int, list[float]] = {s: [] for s in scopes}
    for i, r in enumerate(rows, start=2):
        scope = _int(r["scope"], f"{fmt.POPULATION_FILE} row {i} scope")
        if scope not in sums:
            raise _fail(f"{fmt.POPULATION_FILE} row {i}: scope {scope} is outside the engagement")
        sums[scope].append(_float(r["t_co2e"], f"{fmt.POPULATION_FILE} row {i} t_co2e"))
    for scope in scopes:
        got, want = math.fsum(sums[scope]), totals[scope]
        # The run commits its figures with 9 decimals; the sums are of the stored doubles.
        if abs(got - want) > 1e-6 * max(1.0, abs(want)):
            raise _fail(
                f"{fmt.POPULATION_FILE}: Scope {scope} sums to {got!r} t, but the run committed"
                f" {want!r} t"
            )
    rep.checked.append(
        f"population: {len(rows)} records, their sums per scope equal to the run's committed"
        " figures"
    )


def _items(population: Sequence[Mapping[str, str]]) -> list[Item]:
    out = []
    for i, r in enumerate(population, start=2):
        where = f"{fmt.POPULATION_FILE} row {i}"
        scope = _int(r["scope"], where)
        cat = _int(r["category"], f"{where} category") if r["category"] else None
        try:
            out.append(
                Item(
                    record_id=r["record_id"],
                    version=_int(r["version"], where),
                    stratum=stratum_of(scope, cat, r["activity"]),
                    scope=scope,
                    # Negative records (credit notes) are not drawn by monetary units.
                    t_co2e=max(_float(r["t_co2e"], where), 0.0),
                    method=r["method"],
                    dq_score=_float(r["dq_score"], where),
                    flags=r["flags"],
                    approved=r["approved"] == "true",
                )
            )
        except ValueError as exc:
            raise _fail(f"{where}: {exc}") from None
    return out


def _thresholds(eng: Mapping[str, Any], totals: Mapping[int, float]) -> Thresholds:
    return engagement_thresholds(
        str(eng["materiality"]),
        str(eng.get("scope_materiality") or ""),
        totals,
        parse_rules(str(eng["rules"])),
    )


def _redraw(
    eng: Mapping[str, Any], population: Sequence[Mapping[str, str]], totals: Mapping[int, float]
) -> tuple[tuple[StratumPlan, ...], tuple[Selected, ...]]:
    try:
        th = _thresholds(eng, totals)
        items = _items(population)
        strata = plan(items, str(eng["level"]), performance(th))
        selected = draw(items, strata, str(eng["seed"]), str(eng["engagement_id"]))
    except (ValueError, KeyError) as exc:
        raise _fail(f"cannot draw the sample again: {exc}") from None
    return strata, selected


def _same_draw(
    folder: Path,
    eng: Mapping[str, Any],
    strata: Sequence[StratumPlan],
    selected: Sequence[Selected],
    rep: CheckReport,
) -> None:
    listed = eng.get("strata")
    if not isinstance(listed, list) or not all(isinstance(p, dict) for p in listed):
        raise _fail(f"{fmt.ENGAGEMENT_FILE}: strata is not a list of objects")
    stated = {str(p.get("stratum")): p for p in listed}
    if set(stated) != {p.stratum for p in strata}:
        raise _fail(f"{fmt.ENGAGEMENT_FILE}: its strata are not the population's")
    for p in strata:
        # Every planned figure the engagement states is the plan's own.
        planned = {
            "size": str(p.size),
            "risk": p.risk.level,
            "interval_t": repr(p.interval_t),
            "formula": p.formula,
            "records": str(p.risk.records),
        }
        wrong = sorted(k for k, v in planned.items() if stated[p.stratum].get(k) != v)
        if wrong:
            raise _fail(
                f"stratum {p.stratum}: the engagement's {', '.join(wrong)} differ from the"
                f" plan's (size {p.size}, {p.risk.level} risk, interval {p.interval_t!r} t)"
            )
    rows = _csv(folder, fmt.SAMPLE_FILE, fmt.SAMPLE_COLUMNS)
    got = [
        (r["order"], r["stratum"], r["record_id"], r["version"], r["key_item"], r["t_co2e"])
        for r in rows
    ]
    want = [(str(s.order), s.stratum, s.record_id, str(s.version),
             "true" if s.key_item else "false", repr(s.t_co2e)) for s in selected]  # fmt: skip
    if got != want:
        raise _fail(f"{fmt.SAMPLE_FILE} is not the draw the seed gives from the population")
    digest = fmt.sample_sha256(selected)
    if digest != eng.get("sample_sha256"):
        raise _fail("the drawn records' SHA-256 is not the one the engagement committed")
    keys = sum(s.key_item for s in selected)
    rep.checked.append(
        f"sample: {len(selected)} records ({keys} key items) drawn again from the seed"
        f" {eng.get('seed')!r}: the same records; sizes by the plan's formula in"
        f" {_count(len(strata), 'stratum', 'strata')}"
    )


def _population_digest(folder: Path, eng: Mapping[str, Any]) -> None:
    text = _read(folder, fmt.POPULATION_FILE, fmt.MAX_JSON_BYTES)
    if hashlib.sha256(text.encode()).hexdigest() != eng.get("population_sha256"):
        raise _fail(
            f"{fmt.POPULATION_FILE} is not the population the engagement drew from (its SHA-256"
            " differs from the one committed with the draw)"
        )


def _draw_committed(
    folder: Path, eng: Mapping[str, Any], cp: Checkpoint, log: Verifier, rep: CheckReport
) -> None:
    """The engagement version that committed the draw, proved in the log: its seed, drawn
    records' and population's SHA-256 must be the bundle's. Its checkpoint is the engagement's,
    or a later one the log signed (its cosignatures are not asked for), consistent with it."""
    name = eng.get("draw_leaf")
    if name is None:
        if eng.get("sample_run_id") != eng.get("run_id"):
            # The engagement moved onto a restated inventory after the draw, so the checkpoint
            # it covers now holds the draw: its proof must be in the bundle.
            raise _fail(f"{fmt.ENGAGEMENT_FILE}: no proof of the draw, which the log holds")
        rep.notes.append(
            "the draw is not in a signed checkpoint yet: its seed and SHA-256 are as the bundle"
            " states them; compare them with the ones the draw printed to the verifier"
        )
        return
    name = str(name)
    if name != f"{fmt.LEAVES_DIR}/{fmt.DRAW_PROOF}":
        raise _fail(f"{fmt.ENGAGEMENT_FILE}: draw_leaf is not {fmt.LEAVES_DIR}/{fmt.DRAW_PROOF}")
    proof = _read(folder, name, fmt.MAX_PROOF_BYTES)
    lines = _read(folder, fmt.DRAW_CONSISTENCY, fmt.MAX_PROOF_BYTES).splitlines()
    try:
        bundle, text, later = _opened(proof, log, ())
        hashes = [base64.b64decode(line, validate=True) for line in lines if line]
        if later.origin != cp.origin:
            raise ValueError(f"its checkpoint is of another log ({later.origin})")
        verify_consistency(cp.size, later.size, hashes, cp.root, later.root)
        record = json.loads(text)
    except (ValueError, KeyError, TypeError, RecursionError, VerificationError) as exc:
        raise _fail(f"{name}: {exc}") from None
    # Every field of the engagement the draw committed that the check reads from
    # engagement.json: the plan, the draw and the opinion's arithmetic rest on them.
    wanted = {
        "kind": "engagement",
        "run_id": eng.get("sample_run_id"),
        **{k: eng.get(k) for k in COMMITTED_FIELDS},
    }
    wrong = (
        sorted(k for k, v in wanted.items() if record.get(k) != v)
        if isinstance(record, dict)
        else ["record"]
    )
    if wrong:
        raise _fail(
            f"{name}: the draw committed in the log is not the bundle's ({', '.join(wrong)}"
            f" differ from {fmt.ENGAGEMENT_FILE})"
        )
    rep.checked.append(
        f"the draw (seed, drawn records' and population's SHA-256) is committed at entry"
        f" {bundle.index} of the log, in the checkpoint of size {later.size}"
        + ("" if later.size == cp.size else f", consistent with size {cp.size}")
    )


def _record(
    folder: Path,
    s: Selected,
    rec: Mapping[str, Any],
    opened: Sequence[_Leaf],
    settings: Mapping[str, str],
    stated_t: Mapping[str, str],
    rep: CheckReport,
) -> None:
    acts = [lf.record for lf in opened if lf.record.get("kind") == "activity"]
    act = next((a for a in acts if a.get("record_id") == s.record_id), None)
    if act is None:
        rep.differences.append(f"{s.record_id}: no opened activity leaf")
        return
    stated = rec.get("stated")
    if not isinstance(stated, dict):
        rep.differences.append(f"{s.record_id}: no stated result")
        return
    listed = stated_t.get(s.record_id)
    co2e = stated.get("co2e_t")
    where = f"{fmt.RECORDS_FILE} {s.record_id} stated co2e_t"
    if co2e is not None and listed is not None and _float(str(co2e), where) != float(listed):
        rep.differences.append(
            f"{s.record_id}: stated {stated['co2e_t']} t here, {stated_t[s.record_id]} t in"
            f" {fmt.POPULATION_FILE}"
        )
    try:
        texts = [lf.text for lf in opened]
        got = recompute(texts, settings, s.record_id)
        diffs = compare(got, stated)
        held = gwp_held(texts, settings, s.record_id)
        diffs += held.differences
        rep.gwp_held.update(held.held)
        if not held.committed:
            rep.without_gwp.append(s.record_id)
    except (ValueError, KeyError, TypeError) as exc:
        diffs = [f"not recomputed: {exc}"]
    rep.differences.extend(f"{s.record_id}: {d}" for d in diffs)
    _evidence(folder, s.record_id, act, rec.get("evidence") or [], rep)


def _evidence(
    folder: Path, rid: str, act: Mapping[str, str | None], files: Sequence[Any], rep: CheckReport
) -> None:
    expected = committed_sha256(act.get("evidence") or "")
    if not files:
        if expected is not None:
            rep.without_evidence.append(rid)
        return
    listed = files if isinstance(files, list) else [files]  # a stranger's JSON
    for name in dict.fromkeys(str(n) for n in listed):  # each file once
        parts = name.split("/")
        if len(parts) != 3 or parts[0] != fmt.EVIDENCE_DIR or ".." in parts:
            raise _fail(f"{fmt.RECORDS_FILE}: {name!r} is not a file of {fmt.EVIDENCE_DIR}/")
        try:
            content = read_limited_bytes(_own(folder, name), name, fmt.MAX_EVIDENCE_BYTES)
        except (ZerotrailError, ValueError) as exc:  # ValueError: a NUL in the name
            raise _fail(str(exc)) from None
        digest = hashlib.sha256(content).hexdigest()
        if expected is None:
            rep.differences.append(f"{rid}: evidence {parts[2]}: the record commits no hash")
        elif digest != expected:
            rep.differences.append(
                f"{rid}: evidence {parts[2]} has SHA-256 {digest}, the record committed {expected}"
            )
        else:
            rep.evidence_ok += 1


def _conclusion(
    folder: Path,
    eng: Mapping[str, Any],
    selected: Sequence[Selected],
    strata: Sequence[StratumPlan],
    totals: Mapping[int, float],
) -> Conclusion:
    doc = _json(folder, fmt.FINDINGS_FILE)
    if not isinstance(doc, dict) or not isinstance(doc.get("findings"), list):
        raise _fail(f"{fmt.FINDINGS_FILE}: expected an object with a list of findings")
    try:
        facts = [facts_from_text(f) for f in doc["findings"]]
        return conclude(
            facts,
            selected,
            strata,
            _thresholds(eng, totals),
            level=str(eng["level"]),
            subject=str(eng["subject"]),
            criteria=str(eng["criteria"]),
            rules=parse_rules(str(eng["rules"])).opinion,
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise _fail(f"{fmt.FINDINGS_FILE}: {exc}") from None


def opinion_line(c: Conclusion) -> str:
    if isinstance(c.opinion, Blocked):
        return "opinion: none yet: " + "; ".join(c.opinion.reasons)
    return f"opinion: {c.opinion.kind}"
