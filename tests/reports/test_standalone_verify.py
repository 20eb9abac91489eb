"""verify.py, the checker shipped beside every report (reports/standalone/verify.py): a second
implementation of the formats, from their published definitions, that needs no zerotrail.

Its pieces are held to published data first: RFC 8785's number vectors and example, the RFC
6962 eight-entry tree of the ledger spec (roots in full), the C2SP signed-note example, Go's
note example, a real checkpoint of a public CT log cosigned by a public witness, and the leaf
of docs/ledger.md's worked example. Its JCS is held to the `rfc8785` package zerotrail uses, on
generated JSON. Then it is run as a reader runs it, in a process that cannot import zerotrail
(python -I, zerotrail blocked), in a copy of the demo's report folder: every proof verifies,
and a byte changed in an opening, a proof hash, the checkpoint, its signature or its
cosignature, or in report.json's figures, fails with a line naming the file.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import json
import shutil
import struct
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.ledger import naive
from tests.ledger.test_merkle_vectors import ENTRIES, ROOTS
from tests.ledger.vectors import (
    CT_CHECKPOINT,
    CT_LOG_VKEY,
    CT_WITNESS_TIMESTAMP,
    CT_WITNESS_VKEY,
    GO_SIGNATURE_LINE,
    GO_TEXT,
    GO_VKEY,
    SPEC_NOTE,
    SPEC_VKEY,
)
from tests.reports.handmade_proofs import (
    LOG_VKEY,
    SCRIPT,
    WITNESS_VKEY,
    log_of,
    note_for,
    standalone,
    write_keys,
)
from zerotrail.pipeline.proved import verify_proof_file

V = standalone()
BLOCK_ZEROTRAIL = (
    "import runpy, sys; sys.modules['zerotrail'] = None; sys.argv = sys.argv[1:];"
    " runpy.run_path(sys.argv[0], run_name='__main__')"
)


def reader(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`python3 verify.py ARGS` from `cwd`, isolated, with zerotrail unimportable."""
    return subprocess.run(
        [sys.executable, "-I", "-c", BLOCK_ZEROTRAIL, "verify.py", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
        env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
    )


# --- RFC 8785 -------------------------------------------------------------------------------

# RFC 8785 Appendix B: IEEE 754 bit patterns and the text ECMAScript (and so JCS) gives them.
NUMBERS = [
    ("0000000000000000", "0"),
    ("8000000000000000", "0"),
    ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("ffefffffffffffff", "-1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"),
    ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"),
    ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),
]


@pytest.mark.parametrize(("bits", "text"), NUMBERS)
def test_numbers_are_written_as_rfc_8785_appendix_b_says(bits: str, text: str) -> None:
    (x,) = struct.unpack(">d", bytes.fromhex(bits))
    assert V.number(x) == text
    assert rfc8785.dumps(x).decode() == text


def test_the_rfc_8785_example() -> None:
    # RFC 8785 §3.2.2 (input) and §3.2.3 (its canonical form).
    source = (
        '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],'
        ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",'
        ' "literals": [null, true, false]}'
    )
    assert V.jcs(json.loads(source)) == (
        '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    )


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(JSON)
def test_jcs_agrees_with_the_rfc8785_package(value: Any) -> None:
    assert V.jcs(value) == rfc8785.dumps(value).decode("utf-8")


def test_what_json_numbers_cannot_hold_is_refused() -> None:
    for bad in (float("nan"), float("inf"), 2**53):
        with pytest.raises(V.Failure):
            V.jcs([bad])


# --- Merkle proofs, notes, keys, leaves -------------------------------------------------------

# The ledger spec's classic eight-entry tree and the roots of its first n entries (the vectors
# of tests/ledger/test_merkle_vectors.py); the leaves hashed here, not by zerotrail.
LEAVES = [hashlib.sha256(b"\x00" + e).digest() for e in ENTRIES]


def flipped(b: bytes, bit: int) -> bytes:
    return bytes([*b[: bit // 8], b[bit // 8] ^ (1 << bit % 8), *b[bit // 8 + 1 :]])


def test_inclusion_in_the_eight_entry_tree() -> None:
    for n, root_hex in ROOTS.items():
        root = bytes.fromhex(root_hex)
        for m in range(n):
            path = naive.path(m, LEAVES[:n])  # PATH(m, D[0:n]) from the RFC's definition
            V.check_inclusion(LEAVES[m], m, n, path, root)
            # A size alone may still verify (a proof does not bind it; the signed checkpoint
            # does): the changes below are those that must fail.
            for args in (
                (flipped(LEAVES[m], 7), m, n, path, root),
                (LEAVES[m], m, n, path, flipped(root, 0)),
                (LEAVES[m], n, n, path, root),
                (LEAVES[m], m, n, [*path, root], root),
            ):
                with pytest.raises(V.Failure):
                    V.check_inclusion(*args)
            for i in range(len(path)):
                changed = [*path[:i], flipped(path[i], 255), *path[i + 1 :]]
                with pytest.raises(V.Failure):
                    V.check_inclusion(LEAVES[m], m, n, changed, root)


def test_consistency_in_the_eight_entry_tree() -> None:
    roots = {0: hashlib.sha256(b"").digest()} | {n: bytes.fromhex(r) for n, r in ROOTS.items()}
    for n in range(9):
        for m in range(n + 1):
            proof = naive.proof_of_consistency(m, LEAVES[:n]) if 0 < m < n else []
            V.check_consistency(m, n, proof, roots[m], roots[n])
            # The empty tree (size 0) is the start of every tree: any newer root is consistent
            # with it (docs/ledger-formats.md), but its own root must be the empty one.
            if m > 0:
                with pytest.raises(V.Failure):
                    V.check_consistency(m, n, proof, roots[m], flipped(roots[n], 3))
            with pytest.raises(V.Failure):
                V.check_consistency(m, n, proof, flipped(roots[m], 9), roots[n])
            if 0 < m < n:
                for i in range(len(proof)):
                    changed = [*proof[:i], flipped(proof[i], 100), *proof[i + 1 :]]
                    with pytest.raises(V.Failure):
                        V.check_consistency(m, n, changed, roots[m], roots[n])
    with pytest.raises(V.Failure):
        V.check_consistency(8, 6, [], roots[8], roots[6])


def test_the_c2sp_and_go_example_notes_open() -> None:
    spec = V.parse_key(SPEC_VKEY, V.ED25519, "key")
    note = V.parse_note(SPEC_NOTE, "note")
    V.check_signature(note, spec, "note")
    assert note.text == "This is an example message.\n"
    go = V.parse_key(GO_VKEY, V.ED25519, "key")
    V.check_signature(V.parse_note(GO_TEXT + "\n" + GO_SIGNATURE_LINE, "note"), go, "note")
    with pytest.raises(V.Failure, match="does NOT verify"):
        V.check_signature(V.parse_note(SPEC_NOTE.replace("example", "exemple", 1), "n"), spec, "n")
    with pytest.raises(V.Failure, match="not signed by the log key"):
        V.check_signature(note, go, "note")


def test_a_public_logs_checkpoint_and_its_witness_cosignature() -> None:
    # A real checkpoint of a static-CT log, with lines of other types and other witnesses.
    note = V.parse_note(CT_CHECKPOINT, "checkpoint")
    V.check_signature(note, V.parse_key(CT_LOG_VKEY, V.ED25519, "key"), "checkpoint")
    witness = V.parse_key(CT_WITNESS_VKEY, V.COSIGNATURE, "key")
    assert V.check_cosignature(note, witness, "checkpoint") == CT_WITNESS_TIMESTAMP
    cp = V.parse_checkpoint(note.text, "checkpoint")
    assert (cp.origin, cp.size) == ("arche2025h1.staging.ct.transparency.dev", 1432088532)


def test_keys_are_checked_whole() -> None:
    # The base64 of this key holds '+': only the first two separate name, key ID and key.
    assert str(V.parse_key(LOG_VKEY, V.ED25519, "k")) == "+".join(LOG_VKEY.split("+", 2)[:2])
    for bad, why in (
        (LOG_VKEY.replace("+", "+0", 1), "not <name>"),  # key ID of 9 digits
        (LOG_VKEY[:-2] + "AA", "key ID does not match"),  # another public key
        (WITNESS_VKEY, "type 0x01"),  # a witness key given as the log key
        ("log.vkey", "no file log.vkey"),
    ):
        with pytest.raises(V.Failure, match=why):
            V.read_key(bad, V.ED25519, "--log-key")


def test_the_leaf_of_the_worked_example_in_docs_ledger_md() -> None:
    record = Path(__file__).parents[2].joinpath("docs/ledger.md").read_text(encoding="utf-8")
    canonical = record.split("<!-- example: canonical -->\n```text\n")[1].split("\n```")[0]
    leaf = record.split("<!-- example: leaf -->\n```text\n")[1].split("\n```")[0]
    opening = json.dumps({"salt": base64.b64encode(bytes(range(32))).decode(), "record": canonical})
    got, parsed = V.open_record(opening.encode(), "proof")
    assert got.hex() == leaf
    assert parsed["record_id"] == "A-0001"


# --- as a reader runs it ------------------------------------------------------------------------


def test_it_imports_only_the_standard_library_and_cryptography() -> None:
    tree = ast.parse(SCRIPT.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    assert names - sys.stdlib_module_names == {"cryptography"}


@pytest.fixture
def report(demo_report: Path, tmp_path: Path) -> Path:
    out = tmp_path / "report"
    shutil.copytree(demo_report, out)
    return out


KEYS = ("--log-key", "log.vkey", "--witness-key", "witness.vkey")


def test_every_proof_of_the_demo_report_verifies(report: Path) -> None:
    done = reader(report, "--all", *KEYS)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    lines = done.stdout.splitlines()
    # Each proof's facts are those zerotrail's own verifier decodes from the same file.
    data = json.loads((report / "report.json").read_text(encoding="utf-8"))
    for p in data["ledger"]["proofs"]:
        proved = verify_proof_file(
            (report / p["file"]).read_text(encoding="utf-8"),
            (report / "log.vkey").read_text(encoding="utf-8").strip(),
            [(report / "witness.vkey").read_text(encoding="utf-8").strip()],
        )
        head = lines.index(f"ok: {p['file']}: {proved.headline()}")
        assert proved.facts is not None
        assert lines[head + 1 : head + 1 + len(proved.facts)] == [f"  {f}" for f in proved.facts]
    assert lines[-1] == f"all {len(data['ledger']['proofs']) + 2} check(s) passed"


def edit_proof(path: Path, change: Callable[[list[str]], None]) -> None:
    lines = path.read_text(encoding="utf-8").split("\n")
    change(lines)
    path.write_text("\n".join(lines), encoding="utf-8")


def reencoded(line: str, prefix: str, change: Callable[[bytes], bytes]) -> str:
    return prefix + base64.b64encode(change(base64.b64decode(line[len(prefix) :]))).decode()


def in_opening(lines: list[str]) -> None:
    # One digit of the record's Scope 1 changed inside the (base64) opening.
    opening = json.loads(base64.b64decode(lines[1][len("extra ") :]))
    record = json.loads(opening["record"])
    record["scope1"] = record["scope1"].replace(record["scope1"][0], "9", 1)
    opening["record"] = json.dumps(record, separators=(",", ":"), sort_keys=True)
    lines[1] = "extra " + base64.b64encode(json.dumps(opening).encode()).decode()


def in_proof_hash(lines: list[str]) -> None:
    lines[3] = reencoded(lines[3], "", lambda b: flipped(b, 0))


def in_checkpoint(lines: list[str]) -> None:
    blank = lines.index("")
    lines[blank + 2] = str(int(lines[blank + 2]) + 1)  # the tree size the note states


def in_log_signature(lines: list[str]) -> None:
    at = next(i for i, line in enumerate(lines) if line.startswith("— carbon."))
    name = lines[at].rsplit(" ", 1)[0] + " "
    lines[at] = reencoded(lines[at], name, lambda b: flipped(b, 8 * 10))


def in_cosignature(lines: list[str]) -> None:
    at = next(i for i, line in enumerate(lines) if line.startswith("— verifier."))
    name = lines[at].rsplit(" ", 1)[0] + " "
    lines[at] = reencoded(lines[at], name, lambda b: flipped(b, 8 * 30))


def in_index(lines: list[str]) -> None:
    lines[2] = f"index {int(lines[2].split()[1]) + 1}"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (in_opening, "leaf is NOT in the tree"),
        (in_proof_hash, "leaf is NOT in the tree"),
        (in_checkpoint, "signature by carbon.example.com/emmet-group does NOT verify"),
        (in_log_signature, "signature by carbon.example.com/emmet-group does NOT verify"),
        (in_cosignature, "cosignature by verifier.example.org does NOT verify"),
        (in_index, "leaf is NOT in the tree"),
    ],
)
def test_a_changed_byte_fails(
    report: Path, change: Callable[[list[str]], None], reason: str
) -> None:
    edit_proof(report / "proofs/inventory-2025.tlog-proof", change)
    for args in (["proofs/inventory-2025.tlog-proof", *KEYS], ["--all", *KEYS]):
        done = reader(report, *args)
        assert done.returncode == 1
        first = done.stderr.splitlines()[0]
        assert first.startswith("FAILED: proofs/inventory-2025.tlog-proof: "), done.stderr
        assert reason in first
        assert "Traceback" not in done.stderr
    # Without the witness key the cosignature is not checked: only it was changed, so the
    # proof still verifies on the log's signature alone, and the output says no witness.
    if change is in_cosignature:
        done = reader(report, "proofs/inventory-2025.tlog-proof", "--log-key", "log.vkey")
        assert done.returncode == 0 and "cosigned" not in done.stdout


def test_changed_figures_fail(report: Path) -> None:
    data = json.loads((report / "report.json").read_text(encoding="utf-8"))
    data["claim"]["net_t"] = -1000.0
    (report / "report.json").write_text(json.dumps(data, indent=1), encoding="utf-8")
    done = reader(report, "--figures", "report.json", *KEYS)
    assert done.returncode == 1
    assert "FAILED: report.json figures: report.json states" in done.stderr


def test_the_wrong_key_fails(report: Path) -> None:
    done = reader(report, "--all", "--log-key", "witness.vkey")
    assert done.returncode == 1
    assert done.stderr.splitlines()[0] == (
        "FAILED: verify.py: --log-key in witness.vkey is not an Ed25519 key of type 0x01"
    )
    other = LOG_VKEY  # a well-formed key of another log
    done = reader(report, "proofs/claim-2025.tlog-proof", "--log-key", other)
    assert done.returncode == 1
    assert "is not signed by the log key log.example.org/test+" in done.stderr


def test_bad_arguments_exit_1_in_one_line(report: Path) -> None:
    done = reader(report, "--all")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "verify.py: --log-key is needed to check a proof or a checkpoint (python3 verify.py --help)"
    ]


def test_consistency_of_two_hand_made_checkpoints(tmp_path: Path) -> None:
    leaves = log_of([], filler=7)
    _, old = note_for(leaves, size=3, witness=False)
    _, new = note_for(leaves)
    (tmp_path / "old.txt").write_text(old, encoding="utf-8")
    (tmp_path / "new.txt").write_text(new, encoding="utf-8")
    proof = naive.proof_of_consistency(3, leaves)
    text = "".join(base64.b64encode(h).decode() + "\n" for h in proof)
    (tmp_path / "c.proof").write_text(text, encoding="utf-8")
    write_keys(tmp_path)
    shutil.copy(SCRIPT, tmp_path / "verify.py")
    args = ("--consistency", "old.txt", "new.txt", "c.proof", "--log-key", "log.vkey")
    done = reader(tmp_path, *args)
    assert done.returncode == 0, done.stderr
    assert "at size 7 extends it at size 3" in done.stdout
    (tmp_path / "c.proof").write_text(text.replace(text[0], "A" if text[0] != "A" else "B", 1))
    done = reader(tmp_path, *args)
    assert done.returncode == 1
    assert "does NOT extend" in done.stderr
