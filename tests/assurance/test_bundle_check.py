"""The offline check of a verifier's bundle (assurance/bundle_check.py, through
pipeline/verification_bundle.py's check_bundle), on a bundle exported once from the world of
tests/pipeline/verification_world.py.

The bundle's engagement E2024-1 drew its sample with SEED; one drawn record has its evidence
file attached, and three misstatements are recorded (each closed as accepted uncorrected, so
the opinion's arithmetic has every kind of input): 2,750 t on the key item `grid-big`, half of
a monetary-unit pick's stated tonnes (projected by its stratum's interval), and 10 t on a
record that was not drawn (taken at its amount).

What the check must refuse (VerificationError, one line): any changed byte of a proof or of the
checkpoint, a population that does not sum to the run's figures, a sample that is not the
draw, another seed, another log key or a witness that did not cosign, a proof rebuilt from a
factor changed after it was committed, names that leave the folder, and files over the bounds.
What it must report as differences (the verifier's to look into): a stated result the
committed inputs do not give, and an evidence file that is not the committed one.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Templates, open_copy
from tests.pipeline import verification_world as world
from tests.pipeline.verification_world import ACTOR, ENGAGEMENT, SEED
from zerotrail.assurance import bundle as fmt
from zerotrail.errors import VerificationError, ZerotrailError
from zerotrail.pipeline import verification as v
from zerotrail.pipeline.verification_bundle import check_bundle, export_bundle
from zerotrail.store import engagements as store
from zerotrail.store.workspace import Workspace

KEYS = (world.LOG.verifier, [world.WITNESS.verifier])


@dataclass(frozen=True)
class Exported:
    workspace: Path  # the closed workspace file the bundle was exported from
    bundle: Path
    evidence_record: str  # the drawn record whose (right) evidence file is in the bundle
    picked: str  # a drawn record that is not a key item


def _add(ws: Workspace, amount: float, record: str) -> None:
    """A misstatement on `record`, closed as accepted uncorrected."""
    f = v.add_finding(
        ws,
        ENGAGEMENT,
        kind="misstatement",
        finding_type="CAR",
        text=f"{record} overstated",
        actor=ACTOR,
        amount_t=amount,
        records=[record],
    )
    v.move_finding(ws, f.finding_id, "close", ACTOR, "accepted", "accepted-uncorrected")


@pytest.fixture(scope="module")
def exported(workspace_template: Templates, tmp_path_factory: pytest.TempPathFactory) -> Exported:
    folder = tmp_path_factory.mktemp("bundle-check")
    with open_copy(workspace_template(world.sampled_fill), folder) as ws:
        drawn = store.samples(ws, ENGAGEMENT)
        picked = next(s for s in drawn if not s.key_item and s.stratum == "scope2:electricity")
        with_evidence = next(s.record_id for s in drawn if s.record_id != picked.record_id)
        (folder / "invoice.pdf").write_bytes(world.evidence_bytes(with_evidence))
        assert v.attach_evidence(ws, with_evidence, folder / "invoice.pdf", ACTOR).row.matches
        not_drawn = next(
            r["record_id"]
            for r in world.activities()
            if r["record_id"] not in {s.record_id for s in drawn}
        )
        _add(ws, 2750.0, "grid-big")
        _add(ws, picked.t_co2e / 2, picked.record_id)
        _add(ws, 10.0, not_drawn)
        export_bundle(ws, ENGAGEMENT, folder / "bundle")
    return Exported(folder / "w.duckdb", folder / "bundle", with_evidence, picked.record_id)


@pytest.fixture
def bundle(exported: Exported, tmp_path: Path) -> Path:
    """A copy of the exported bundle, for a test to change."""
    return Path(shutil.copytree(exported.bundle, tmp_path / "bundle"))


def refused(folder: Path, match: str | None = None) -> str:
    """The one line the check fails with."""
    with pytest.raises(VerificationError, match=match) as info:
        check_bundle(folder, *KEYS)
    text = str(info.value)
    assert "\n" not in text, text
    return text


def proofs(folder: Path) -> list[Path]:
    return sorted((folder / fmt.LEAVES_DIR).glob("*.tlog-proof"))


def evidence_files(folder: Path) -> list[Path]:
    return [p for p in (folder / fmt.EVIDENCE_DIR).rglob("*") if p.is_file()]


def opening(proof: Path) -> dict[str, str | None]:
    """The record a proof opens to (read without verifying it)."""
    extra = next(line for line in proof.read_text().splitlines() if line.startswith("extra "))
    record = json.loads(base64.b64decode(extra.removeprefix("extra ")))["record"]
    return dict(json.loads(record))


# --- as exported ---------------------------------------------------------------------------------


def test_the_bundle_passes_as_exported(exported: Exported) -> None:
    rep = check_bundle(exported.bundle, *KEYS)
    assert rep.ok, rep.differences
    assert rep.differences == []
    text = "\n".join(rep.checked)
    assert "cosigned by witness.example.org" in text
    assert f"drawn again from the seed {SEED!r}: the same records" in text
    assert "their sums per scope equal to the run's committed figures" in text
    assert "1 evidence files are the files their records committed (SHA-256)" in text
    assert rep.evidence_ok == 1  # exported.evidence_record's
    # The other drawn records commit a hash but have no file here: said, not hidden.
    assert [n for n in rep.notes if "commit an evidence hash but no file is in the bundle" in n]
    assert rep.conclusion is not None
    # Every proof in the folder is one the check verified.
    assert f"{len(proofs(exported.bundle))} proofs of inclusion" in text


def test_no_folder_or_a_bad_key_is_one_clear_refusal(exported: Exported, tmp_path: Path) -> None:
    with pytest.raises(ZerotrailError, match="is not a folder"):
        check_bundle(tmp_path / "nothing", *KEYS)
    with pytest.raises(ZerotrailError, match=r"^bad key: verifier key is not"):
        check_bundle(exported.bundle, "not a key", [world.WITNESS.verifier])
    with pytest.raises(ZerotrailError, match=r"^bad key: "):
        check_bundle(exported.bundle, world.LOG.verifier, ["witness.example.org+00+AA"])


# --- every byte that is proved -------------------------------------------------------------------


def _changed(line: str, at: int) -> str:
    """`line` with the character at `at` replaced by another of its kind (a base64 or decimal
    character stays one, so the change reaches the value, not only the parser)."""
    c = line[at]
    if c.isdigit():
        new = str((int(c) + 1) % 10)
    elif c.isalpha() and c.isascii():
        new = "B" if c == "A" else "a" if c == "b" else "A" if c.isupper() else "b"
    else:
        new = "A"
    return line[:at] + new + line[at + 1 :]


def _variants(text: str, lines: set[int] | None = None) -> Iterator[str]:
    """`text` with one character changed: the middle and the last one of each line (of the
    lines numbered in `lines`, when given)."""
    split = text.split("\n")
    for i, line in enumerate(split):
        if lines is not None and i not in lines:
            continue
        for at in sorted({len(line) // 2, len(line) - 1}) if line else ():
            yield "\n".join([*split[:i], _changed(line, at), *split[i + 1 :]])


def _own_lines(proof: str) -> set[int]:
    """A proof's lines that are its own (the opening, the index, the first and last hash of
    the path); the rest is the checkpoint every proof carries."""
    lines = proof.split("\n")
    blank = lines.index("")
    return {1, 2, 3, blank - 1}


def test_a_changed_character_in_any_proof_fails(bundle: Path) -> None:
    """Every line of one proof (its checkpoint's too: the same in every proof), and each
    proof's own lines: about 200 changes, each refused."""
    tried = 0
    for i, proof in enumerate(proofs(bundle)):
        good = proof.read_text()
        assert good.split("\n")[1].startswith("extra ") and good.split("\n")[2].startswith("index ")
        for bad in _variants(good, None if i == 0 else _own_lines(good)):
            proof.write_text(bad)
            refused(bundle)
            tried += 1
        proof.write_text(good)
    assert tried > 7 * len(proofs(bundle))
    assert check_bundle(bundle, *KEYS).ok  # put back, it passes again


def test_a_changed_character_in_the_checkpoint_fails(bundle: Path) -> None:
    path = bundle / fmt.CHECKPOINT_FILE
    good = path.read_text()
    for bad in _variants(good):
        path.write_text(bad)
        refused(bundle)


def test_a_proof_against_another_file_is_refused(bundle: Path) -> None:
    # One proof's file swapped for another's: each verifies, but not as the leaf named.
    a, b = proofs(bundle)[:2]
    text = a.read_text()
    a.write_text(b.read_text())
    b.write_text(text)
    refused(bundle)


# --- the population, the draw, the engagement ----------------------------------------------------


def _rows(path: Path) -> list[list[str]]:
    return [list(r) for r in csv.reader(io.StringIO(path.read_text()))]


def _write_rows(path: Path, rows: list[list[str]]) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue())


def test_a_changed_figure_in_the_population_fails(bundle: Path) -> None:
    path = bundle / fmt.POPULATION_FILE
    rows = _rows(path)
    row = next(r for r in rows[1:] if r[0] == "grid-01")
    assert row[8] == repr(55.00000000000001)  # 100 MWh x 0.55 t/MWh
    row[8] = "56.0"
    _write_rows(path, rows)
    refused(bundle, "^population.csv: Scope 2 sums to .* but the run committed 14025.0 t$")


def test_a_record_removed_from_the_population_fails(bundle: Path) -> None:
    path = bundle / fmt.POPULATION_FILE
    rows = _rows(path)
    _write_rows(path, [r for r in rows if r[0] != "diesel-1"])
    refused(bundle, "Scope 1 sums to")


def test_a_row_removed_from_the_sample_fails(bundle: Path) -> None:
    path = bundle / fmt.SAMPLE_FILE
    rows = _rows(path)
    _write_rows(path, rows[:2] + rows[3:])
    refused(bundle, "^sample.csv is not the draw the seed gives from the population$")


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("seed", SEED + "x", "is not the draw|sample size"),
        ("sample_sha256", "0" * 64, "SHA-256 is not the one the engagement committed"),
        ("checkpoint_size", "1", "checkpoint.txt is of size"),
        ("materiality", "1000t", "differ from the plan|is not the draw"),
        ("level", "reasonable", "differ from the plan|is not the draw"),
        ("engagement_id", "E2024-2", "is not the draw"),
        ("sample_run_leaf", "leaves/000003.tlog-proof", "sample_run_leaf is not the run"),
        ("format", "other/v9", "not a zerotrail-verification-bundle/v1 engagement"),
    ],
)
def test_a_changed_engagement_fails(bundle: Path, field: str, value: str, match: str) -> None:
    path = bundle / fmt.ENGAGEMENT_FILE
    eng = json.loads(path.read_text())
    assert eng[field] != value
    eng[field] = value
    path.write_text(json.dumps(eng))
    refused(bundle, match)


# --- the keys ------------------------------------------------------------------------------------


def test_another_log_key_fails(exported: Exported) -> None:
    other = world.key_pair(world.ORIGIN).verifier  # the same name, another key
    for log in (other, world.VERIFIER.verifier):
        with pytest.raises(
            VerificationError, match=r"^checkpoint.txt: note has no signature from a trusted key$"
        ):
            check_bundle(exported.bundle, log, [world.WITNESS.verifier])


def test_a_witness_that_did_not_cosign_fails(exported: Exported) -> None:
    no_cosignature = "^checkpoint.txt: no cosignature from other-witness.example.org$"
    with pytest.raises(VerificationError, match=no_cosignature):
        check_bundle(exported.bundle, world.LOG.verifier, [world.OTHER_WITNESS.verifier])
    with pytest.raises(VerificationError, match=no_cosignature):
        check_bundle(
            exported.bundle,
            world.LOG.verifier,
            [world.WITNESS.verifier, world.OTHER_WITNESS.verifier],
        )
    # Without a witness key the log's signature alone is checked, and said so.
    rep = check_bundle(exported.bundle, world.LOG.verifier, [])
    assert "no witness key given" in rep.checked[0]


# --- the workspace changed behind the log --------------------------------------------------------


def test_a_factor_changed_after_it_was_committed_fails_its_proof(
    exported: Exported, tmp_path: Path
) -> None:
    with open_copy(exported.workspace, tmp_path) as ws:
        # The factor of the key item grid-big.
        factor = str(
            ws.scalar(
                "SELECT factor_id FROM results WHERE record_id = 'grid-big' AND run_id = ?",
                [v.engagement(ws, ENGAGEMENT).row.run_id],
            )
        )
        ws.execute("UPDATE factors SET value = value * 0.9 WHERE factor_id = ?", [factor])
        export_bundle(ws, ENGAGEMENT, tmp_path / "bundle")
    bundle = tmp_path / "bundle"
    refused(bundle, "^inclusion proof does not lead to the root$|^leaves/")
    # The proofs that fail are the factor's, whose opening was rebuilt from the changed row:
    # put back as first exported, the bundle passes again.
    changed = [p for p in proofs(bundle) if opening(p).get("factor_id") == factor]
    assert changed and all(opening(p)["kind"] == "factor" for p in changed)
    for p in changed:
        assert p.read_text() != (exported.bundle / fmt.LEAVES_DIR / p.name).read_text()
        shutil.copyfile(exported.bundle / fmt.LEAVES_DIR / p.name, p)
    assert check_bundle(bundle, *KEYS).ok


# --- differences: results the committed inputs do not give --------------------------------------


def test_a_stated_result_that_does_not_follow_is_a_difference(
    exported: Exported, bundle: Path
) -> None:
    path = bundle / fmt.RECORDS_FILE
    records = json.loads(path.read_text())
    rid = exported.picked
    stated = records[rid]["stated"]["co2e_t"]
    records[rid]["stated"]["co2e_t"] = stated + 1.0
    path.write_text(json.dumps(records))
    rep = check_bundle(bundle, *KEYS)
    assert not rep.ok
    # The record's own line in the population says otherwise, and so does the recomputation
    # from its committed activity and factor (a grid record: MWh x 0.55 t/MWh).
    assert rep.differences == [
        f"{rid}: stated {stated + 1.0} t here, {stated!r} t in {fmt.POPULATION_FILE}",
        f"{rid}: co2e_t: stated {stated + 1.0}, recomputed {stated!r}",
    ]


def test_a_drawn_record_missing_from_the_records_is_a_difference(
    exported: Exported, bundle: Path
) -> None:
    path = bundle / fmt.RECORDS_FILE
    records = json.loads(path.read_text())
    del records[exported.picked]
    path.write_text(json.dumps(records))
    rep = check_bundle(bundle, *KEYS)
    assert rep.differences == [f"{exported.picked}: drawn, but records.json has no entry"]


def test_a_changed_evidence_file_is_a_difference(exported: Exported, bundle: Path) -> None:
    (path,) = evidence_files(bundle)
    data = bytearray(path.read_bytes())
    data[3] ^= 0x01
    path.write_bytes(bytes(data))
    rep = check_bundle(bundle, *KEYS)
    (line,) = rep.differences
    assert line.startswith(f"{exported.evidence_record}: evidence {path.name} has SHA-256 ")
    assert "the record committed" in line


# --- names and sizes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "../engagement.json",
        "leaves/../engagement.json",
        "leaves/sub/000000.tlog-proof",
        "/etc/passwd",
        "engagement.json",
        "leaves/",
        "leaves/..",
    ],
)
def test_a_leaf_named_outside_the_leaves_folder_is_refused(
    exported: Exported, bundle: Path, name: str
) -> None:
    path = bundle / fmt.RECORDS_FILE
    records = json.loads(path.read_text())
    records[exported.picked]["leaves"].append(name)
    path.write_text(json.dumps(records))
    refused(bundle)


@pytest.mark.parametrize(
    "name",
    [
        "../README.txt",
        "evidence/../README.txt",
        "evidence/x/../../README.txt",
        "/etc/passwd",
        "/evidence/x/y",
        "evidence/..",
        "evidence/../../outside",
        "README.txt",
        "evidence/x",
    ],
)
def test_an_evidence_file_named_outside_the_evidence_folder_is_refused(
    exported: Exported, bundle: Path, name: str
) -> None:
    path = bundle / fmt.RECORDS_FILE
    records = json.loads(path.read_text())
    records[exported.evidence_record]["evidence"].append(name)
    path.write_text(json.dumps(records))
    refused(bundle)


def test_a_proof_file_over_the_bound_is_refused(bundle: Path) -> None:
    proof = proofs(bundle)[0]
    text = proof.read_text()
    proof.write_text(text + "\n" * (fmt.MAX_PROOF_BYTES + 1 - len(text.encode())))
    refused(bundle, "larger than 1 MiB")


def test_a_checkpoint_over_the_bound_is_refused(bundle: Path) -> None:
    path = bundle / fmt.CHECKPOINT_FILE
    path.write_bytes(b"x" * (fmt.MAX_PROOF_BYTES + 1))
    refused(bundle, "^checkpoint.txt .* larger than 1 MiB")


TABLES = (
    fmt.ENGAGEMENT_FILE,
    fmt.RECORDS_FILE,
    fmt.POPULATION_FILE,
    fmt.SAMPLE_FILE,
    fmt.FINDINGS_FILE,
)


@pytest.mark.parametrize("name", TABLES)
def test_a_table_over_the_bound_is_refused(
    bundle: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The bound is 64 MiB: here the largest of the tables' sizes stands for it, and one table
    # grows a byte past it (trailing blanks, so only its size is wrong).
    bound = max((bundle / t).stat().st_size for t in TABLES)
    monkeypatch.setattr(fmt, "MAX_JSON_BYTES", bound)
    assert check_bundle(bundle, *KEYS).ok
    path = bundle / name
    path.write_bytes(path.read_bytes() + b" " * (bound + 1 - path.stat().st_size))
    refused(bundle, f"^{name} .* is larger than {bound:,} bytes")


def test_an_evidence_file_over_the_bound_is_refused(
    bundle: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (path,) = evidence_files(bundle)
    monkeypatch.setattr(fmt, "MAX_EVIDENCE_BYTES", path.stat().st_size - 1)
    refused(bundle, "larger than")


# --- the opinion's arithmetic --------------------------------------------------------------------


def test_the_check_reproduces_the_evaluation(exported: Exported, tmp_path: Path) -> None:
    rep = check_bundle(exported.bundle, *KEYS)
    with open_copy(exported.workspace, tmp_path) as ws:
        ev = v.evaluate(ws, ENGAGEMENT)
    assert rep.conclusion is not None
    # The same figures, to the bit: the bundle carries the stated doubles and the findings'
    # amounts in their shortest round-trip form.
    assert rep.conclusion == ev.conclusion
    agg = rep.conclusion.aggregation
    # Scope 2: the key item's 2,750 t known, plus the pick's half-tainting projected over
    # the interval 1,500 / -ln(0.2) = 932.0 t: 0.5 x 932.0 = 466.0 t.
    assert agg.scope(2).net_t == pytest.approx(2750.0 + 0.5 * 1500 / 1.6094379124341003)
    assert agg.scope(2).flag == "material"
    assert rep.conclusion.opinion.kind == "qualified"  # type: ignore[union-attr]


def test_a_bundle_after_a_restatement_passes(exported: Exported, tmp_path: Path) -> None:
    """The engagement moved onto the restated run: the population is still the drawn run's,
    held to that run's committed figures, and the key item is recomputed at its new version."""
    with open_copy(exported.workspace, tmp_path) as ws:
        world.restate(ws, tmp_path, [world.act("grid-big", quantity=15_000)])
        v.cover(ws, ENGAGEMENT, ACTOR)
        export_bundle(ws, ENGAGEMENT, tmp_path / "bundle")
    rep = check_bundle(tmp_path / "bundle", *KEYS)
    assert rep.ok, rep.differences
    records = json.loads((tmp_path / "bundle" / fmt.RECORDS_FILE).read_text())
    assert records["grid-big"]["version"] == "2"


# --- a stranger's folder: malformed values are refused, never a crash ----------------------------


def _edit_json(name: str, change: Callable[[Any], None]) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        doc = json.loads((folder / name).read_text())
        change(doc)
        (folder / name).write_text(json.dumps(doc))

    return edit


def _edit_text(name: str, old: str, new: str) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        text = (folder / name).read_text()
        assert old in text
        (folder / name).write_text(text.replace(old, new, 1))

    return edit


def _stated(value: object) -> Callable[[Any], None]:
    return lambda d: d["grid-big"]["stated"].__setitem__("co2e_t", value)


# Each once escaped the check as another exception than VerificationError (found by
# tests/fuzz/test_bundle_check_fuzz.py and by hand).
MALFORMED = {
    "a stated figure that is no number": _edit_json(fmt.RECORDS_FILE, _stated("abc")),
    "evidence that is no list": _edit_json(
        fmt.RECORDS_FILE, lambda d: d["grid-big"].__setitem__("evidence", 5)
    ),
    "a NUL in an evidence name": _edit_json(
        fmt.RECORDS_FILE, lambda d: d["grid-big"]["evidence"].append("evidence/x/a\x00b")
    ),
    "a leaf named by an object": _edit_json(
        fmt.RECORDS_FILE, lambda d: d["grid-big"]["leaves"].append({"a": 1})
    ),
    "a leaf name too long for the file system": _edit_json(
        fmt.RECORDS_FILE, lambda d: d["grid-big"]["leaves"].append("leaves/" + "A" * 300)
    ),
    "a superscript digit in the scopes": _edit_json(
        fmt.ENGAGEMENT_FILE, lambda d: d.__setitem__("scopes", "1,2,\u00b3")
    ),
    "a superscript digit in a population scope": _edit_text(
        fmt.POPULATION_FILE, ",1,,stationary", ",\u00b9,,stationary"
    ),
    "a carriage return inside a population field": _edit_text(
        fmt.POPULATION_FILE, "fuel-based", "fuel\rbased"
    ),
    "a population field over the CSV reader's limit": _edit_text(
        fmt.POPULATION_FILE, "fuel-based", "x" * 200_000
    ),
    "strata that are no list": _edit_json(
        fmt.ENGAGEMENT_FILE, lambda d: d.__setitem__("strata", 5)
    ),
    "a stratum that is no object": _edit_json(
        fmt.ENGAGEMENT_FILE, lambda d: d["strata"].__setitem__(0, None)
    ),
}


@pytest.mark.parametrize("edit", list(MALFORMED.values()), ids=list(MALFORMED))
def test_a_malformed_value_is_refused_not_a_crash(
    bundle: Path, edit: Callable[[Path], None]
) -> None:
    edit(bundle)
    try:
        check_bundle(bundle, *KEYS)
    except VerificationError as exc:
        assert "\n" not in str(exc)
    # Anything else (ValueError, TypeError, AttributeError, OSError, csv.Error) fails the test.


@pytest.fixture(scope="module")
def committed_draw(workspace_template: Templates, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bundle exported after a checkpoint signed past the draw: it carries the draw's leaf."""
    folder = tmp_path_factory.mktemp("bundle-draw")
    with open_copy(workspace_template(world.sampled_fill), folder) as ws:
        world.cosign(ws)  # signs a checkpoint holding the engagement's draw, and cosigns it
        export_bundle(ws, ENGAGEMENT, folder / "bundle")
    return folder / "bundle"


def test_the_draw_committed_in_a_later_checkpoint_is_checked(committed_draw: Path) -> None:
    rep = check_bundle(committed_draw, *KEYS)
    # The draw's engagement version is after the engagement's checkpoint: proved in the later
    # one, with the consistency proof from the engagement's.
    line = next(c for c in rep.checked if c.startswith("the draw (seed"))
    assert "consistent with size" in line
    assert not any("not in a signed checkpoint" in n for n in rep.notes)


def test_a_draw_proof_that_is_not_the_log_s_is_refused(
    committed_draw: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "b"
    shutil.copytree(committed_draw, copy)
    proof = copy / fmt.LEAVES_DIR / fmt.DRAW_PROOF
    text = proof.read_text()
    # One character of the opening (the committed record) changed: its leaf no longer hashes
    # into the log.
    extra = text.index("extra ") + len("extra ") + 10
    proof.write_text(text[:extra] + ("A" if text[extra] != "A" else "B") + text[extra + 1 :])
    with pytest.raises(VerificationError, match=r"draw\.tlog-proof"):
        check_bundle(copy, *KEYS)
    # And a consistency proof that does not lead from the engagement's checkpoint.
    shutil.rmtree(copy)
    shutil.copytree(committed_draw, copy)
    (copy / fmt.DRAW_CONSISTENCY).write_text(base64.b64encode(b"\0" * 32).decode() + "\n")
    with pytest.raises(VerificationError, match=r"draw\.tlog-proof"):
        check_bundle(copy, *KEYS)


def test_a_population_other_than_the_drawn_one_is_refused(
    committed_draw: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "b"
    shutil.copytree(committed_draw, copy)
    population = copy / fmt.POPULATION_FILE
    # Two rows swapped: the sums and the draw (which is independent of the file's order) are
    # the same, but the file is not the one whose SHA-256 the draw committed. (Any change that
    # moves figures is caught there too, whatever the draw then makes of it.)
    rows = population.read_text().splitlines(keepends=True)
    rows[1], rows[2] = rows[2], rows[1]
    population.write_text("".join(rows))
    with pytest.raises(VerificationError, match="not the population the engagement drew from"):
        check_bundle(copy, *KEYS)


def _engagement_changed(bundle: Path, **changes: Any) -> None:
    path = bundle / fmt.ENGAGEMENT_FILE
    doc = json.loads(path.read_text())
    doc.update(changes)
    path.write_text(json.dumps(doc))


def test_rules_other_than_the_committed_are_refused(committed_draw: Path, tmp_path: Path) -> None:
    copy = tmp_path / "b"
    shutil.copytree(committed_draw, copy)
    # Multiples that would turn any opinion unmodified (the sample's plan is unchanged by
    # them): the draw's leaf commits the rules.
    _engagement_changed(
        copy, rules="performance=0.75;trivial=0.05;qualify=100.0;adverse=400.0;limitation=1.0"
    )
    with pytest.raises(VerificationError, match=r"\(rules differ from engagement\.json\)"):
        check_bundle(copy, *KEYS)


def test_a_link_in_the_bundle_is_refused(committed_draw: Path, tmp_path: Path) -> None:
    copy = tmp_path / "b"
    shutil.copytree(committed_draw, copy)
    (copy / fmt.CHECKPOINT_FILE).rename(tmp_path / "moved.txt")
    (copy / fmt.CHECKPOINT_FILE).symlink_to(tmp_path / "moved.txt")
    with pytest.raises(VerificationError, match=r"checkpoint\.txt is a link"):
        check_bundle(copy, *KEYS)


def test_a_record_that_was_not_drawn_is_refused(committed_draw: Path, tmp_path: Path) -> None:
    copy = tmp_path / "b"
    shutil.copytree(committed_draw, copy)
    path = copy / fmt.RECORDS_FILE
    records = json.loads(path.read_text())
    records["not-drawn"] = next(iter(records.values()))
    path.write_text(json.dumps(records))
    with pytest.raises(VerificationError, match="not-drawn is not a drawn record"):
        check_bundle(copy, *KEYS)
