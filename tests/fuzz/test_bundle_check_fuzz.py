"""Bounded fuzzing of the offline bundle check (`zerotrail verification check`).

A bundle is exported once from the world of tests/pipeline/verification_world.py (E2024-1
sampled, one drawn record's evidence attached, two findings), then each of its files is
mutated in turn in a working copy: JSON files by a JSON-aware mutator (a value replaced by a
number, a string, null, a list or an object, a key dropped or renamed, an element repeated)
and by format-blind byte edits; CSV files by tests/fuzz/mutate.py's table edits; the signed
checkpoint and the proofs by line edits; the evidence file by byte edits.

The check must return a report or raise a ZerotrailError (VerificationError included): never
another exception. And what it accepts must still mean what the bundle means: a changed proof
or checkpoint that is accepted gives the very report the bundle gave (only harmless variations,
such as a signature line of a key nobody asked for, may pass), and a changed evidence file is
always a difference. Derandomized: CI runs the same inputs every time.
"""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from tests.conftest import Templates, open_copy
from tests.fuzz.mutate import (
    TOKENS,
    Mutator,
    mix,
    mutate_bytes,
    mutate_lines,
    mutate_table,
    pick,
    show,
)
from tests.pipeline import verification_world as world
from tests.pipeline.verification_world import ACTOR, ENGAGEMENT
from zerotrail.assurance import bundle as fmt
from zerotrail.assurance.bundle_check import CheckReport
from zerotrail.errors import ZerotrailError
from zerotrail.pipeline import verification as v
from zerotrail.pipeline.verification_bundle import check_bundle, export_bundle
from zerotrail.store import engagements as store

# Inputs per target: a check costs some 10-20 ms here (32 proofs verified, 15 records
# recomputed), and those that fail early much less; the JSON files reach the most code.
EXAMPLES = {
    "engagement.json": 60,
    "records.json": 60,
    "findings.json": 40,
    "population.csv": 30,
    "sample.csv": 20,
    "checkpoint.txt": 25,
    "proof": 30,
    "evidence": 10,
}

# --- a JSON-aware mutator ------------------------------------------------------------------------


def _values(rng: random.Random, old: Any) -> Any:
    """A value of another kind (or the same kind, changed) for a JSON leaf or node."""
    op = rng.randrange(9)
    if op == 0:
        return None
    if op == 1:
        return rng.choice((0, -1, 1, 2**63, 1e308, -0.0, 0.5, True, False))
    if op == 2:
        return pick(rng, TOKENS).decode("utf-8", "surrogateescape")
    if op == 3:
        return []
    if op == 4:
        return {}
    if op == 5:
        return [old] if not isinstance(old, list) else old + old[:1]
    if op == 6 and isinstance(old, str) and old:
        i = rng.randrange(len(old))
        return old[:i] + pick(rng, TOKENS).decode("utf-8", "surrogateescape") + old[i + 1 :]
    if op == 7 and isinstance(old, str):
        return old + rng.choice(("/..", "/x", "\x00", " ", "0"))
    return rng.choice(("", "x", "1", "1.5", "-1", "nan", "1e400", "leaves/000000.tlog-proof"))


def _paths(doc: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(doc, dict):
        for k, val in doc.items():
            yield from _paths(val, (*path, k))
    elif isinstance(doc, list):
        for i, val in enumerate(doc):
            yield from _paths(val, (*path, i))


def mutate_json(seed: bytes, rng: random.Random) -> bytes:
    """One to three structural edits of a JSON document; it stays JSON, so the checks behind
    the parser are reached."""
    doc = json.loads(seed)
    for _ in range(rng.choice((1, 1, 2, 3))):
        paths = list(_paths(doc))
        path = paths[rng.randrange(len(paths))]
        if not path:
            doc = _values(rng, doc) if rng.random() < 0.1 else doc
            continue
        *head, last = path
        parent = doc
        for p in head:
            parent = parent[p]
        op = rng.randrange(5)
        if op == 0 and isinstance(parent, dict):  # drop the key
            del parent[last]
        elif op == 1 and isinstance(parent, dict):  # rename the key
            parent[str(last) + pick(rng, (b"x", b" ", b"_")).decode()] = parent.pop(last)
        elif op == 2 and isinstance(parent, list):  # repeat or drop an element
            if rng.random() < 0.5:
                parent.insert(last, parent[last])
            else:
                del parent[last]
        else:
            parent[last] = _values(rng, parent[last])
    return json.dumps(doc, ensure_ascii=rng.random() < 0.5).encode("utf-8", "surrogateescape")


# --- the targets ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A file of the bundle (`file(bundle, n)` names which) and how it is mutated."""

    file: Callable[[Path, int], Path]
    mutator: Mutator
    same_report: bool = False  # an accepted input must give the bundle's own report
    always_differs: bool = False  # an accepted changed input must be a difference


def _named(name: str) -> Callable[[Path, int], Path]:
    return lambda folder, n: folder / name


def _proof(folder: Path, n: int) -> Path:
    proofs = sorted((folder / fmt.LEAVES_DIR).glob("*.tlog-proof"))
    return proofs[n % len(proofs)]


def _evidence(folder: Path, n: int) -> Path:
    (path,) = [p for p in (folder / fmt.EVIDENCE_DIR).rglob("*") if p.is_file()]
    return path


JSON = mix((3, mutate_json), (1, mutate_bytes))
TARGETS = {
    "engagement.json": Target(_named(fmt.ENGAGEMENT_FILE), JSON),
    "records.json": Target(_named(fmt.RECORDS_FILE), JSON),
    "findings.json": Target(_named(fmt.FINDINGS_FILE), JSON),
    "population.csv": Target(
        _named(fmt.POPULATION_FILE), mix((3, mutate_table), (1, mutate_bytes))
    ),
    "sample.csv": Target(_named(fmt.SAMPLE_FILE), mix((3, mutate_table), (1, mutate_bytes))),
    "checkpoint.txt": Target(
        _named(fmt.CHECKPOINT_FILE), mix((2, mutate_lines), (1, mutate_bytes)), same_report=True
    ),
    "proof": Target(_proof, mix((2, mutate_lines), (1, mutate_bytes)), same_report=True),
    "evidence": Target(_evidence, mutate_bytes, always_differs=True),
}


class Crash(AssertionError):
    """The check broke a property: an exception other than ZerotrailError, or an accepted
    input that means something else."""


@dataclass
class Arena:
    good: Path  # the bundle as exported
    work: Path  # the copy inputs are written into, restored after each
    report: CheckReport  # the exported bundle's

    def check(self, target: Target, n: int, data: bytes) -> CheckReport | None:
        path = target.file(self.work, n)
        original = path.read_bytes()
        path.write_bytes(data)
        try:
            rep = check_bundle(self.work, world.LOG.verifier, [world.WITNESS.verifier])
        except ZerotrailError:
            return None
        except Exception as exc:
            raise Crash(f"{type(exc).__name__}: {exc}") from exc
        finally:
            path.write_bytes(original)
        if target.same_report and (rep.checked, rep.differences, rep.notes) != (
            self.report.checked,
            self.report.differences,
            self.report.notes,
        ):
            raise Crash(f"accepted a changed {path.name} that reports otherwise: {rep.checked}")
        if target.always_differs and data != original and rep.ok:
            raise Crash(f"accepted a changed evidence file {path.name} without a difference")
        return rep


@pytest.fixture(scope="module")
def arena(workspace_template: Templates, tmp_path_factory: pytest.TempPathFactory) -> Arena:
    folder = tmp_path_factory.mktemp("fuzz-bundle")
    with open_copy(workspace_template(world.sampled_fill), folder) as ws:
        drawn = store.samples(ws, ENGAGEMENT)
        rid = drawn[0].record_id
        (folder / "invoice.pdf").write_bytes(world.evidence_bytes(rid))
        v.attach_evidence(ws, rid, folder / "invoice.pdf", ACTOR)
        for amount, record in ((2750.0, "grid-big"), (drawn[0].t_co2e / 2, rid)):
            v.add_finding(
                ws, ENGAGEMENT, kind="misstatement", finding_type="CAR", text="t", actor=ACTOR,
                amount_t=amount, records=[record],
            )  # fmt: skip
        export_bundle(ws, ENGAGEMENT, folder / "bundle")
    work = Path(shutil.copytree(folder / "bundle", folder / "work"))
    rep = check_bundle(work, world.LOG.verifier, [world.WITNESS.verifier])
    return Arena(folder / "bundle", work, rep)


def test_the_bundle_is_accepted_as_exported(arena: Arena) -> None:
    """Mutations start from a bundle that passes: otherwise they would all stop at one check."""
    assert arena.report.ok, arena.report.differences
    assert arena.report.evidence_ok == 1


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_mutated_bundles_are_reported_or_refused_cleanly(arena: Arena, name: str) -> None:
    target = TARGETS[name]

    @settings(
        max_examples=EXAMPLES[name],
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(n=st.integers(min_value=0, max_value=2**32 - 1))
    def run(n: int) -> None:
        seed = target.file(arena.good, n).read_bytes()
        data = target.mutator(seed, random.Random(n))
        note(f"input {n} for {target.file(arena.good, n).name}: {show(data)}")
        arena.check(target, n, data)

    run()


# --- the arena catches what it is meant to catch ----------------------------------------------


def test_a_foreign_exception_is_a_crash(arena: Arena, monkeypatch: pytest.MonkeyPatch) -> None:
    import zerotrail.assurance.bundle_check as bc

    def broken(*args: object) -> object:
        raise RuntimeError("boom")

    monkeypatch.setattr(bc, "draw", broken)
    with pytest.raises(Crash, match="RuntimeError: boom"):
        arena.check(TARGETS["sample.csv"], 0, (arena.good / fmt.SAMPLE_FILE).read_bytes())
    # ... and the working copy is restored for the next input.
    monkeypatch.undo()
    assert arena.check(TARGETS["sample.csv"], 0, (arena.good / fmt.SAMPLE_FILE).read_bytes())


def test_an_accepted_forgery_is_a_crash(arena: Arena, monkeypatch: pytest.MonkeyPatch) -> None:
    """A check that ignored the evidence hashes would accept a changed file: caught."""
    import zerotrail.assurance.bundle_check as bc

    monkeypatch.setattr(bc, "_evidence", lambda *args: None)
    target = TARGETS["evidence"]
    with pytest.raises(Crash, match="without a difference"):
        arena.check(target, 0, b"another file")


def test_the_json_mutator_keeps_json_and_changes_it() -> None:
    seed = b'{"a": [1, "x", {"b": null}], "c": "leaves/000001.tlog-proof"}'
    # Text a token made of invalid UTF-8 stays those bytes (as the other mutators keep them).
    outs = [
        json.loads(mutate_json(seed, random.Random(n)).decode("utf-8", "surrogateescape"))
        for n in range(200)
    ]
    assert sum(o != json.loads(seed) for o in outs) > 150
