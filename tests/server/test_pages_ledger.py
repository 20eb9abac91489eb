"""The ledger page in process (server/pages_ledger.py): the latest checkpoint and its witness
cosignatures, and proofs downloaded as files that `zerotrail verify proof` accepts.

The world is conftest.py's: records a1 and b1, calculated, and one checkpoint signed with the
log key `served.log_key`. A witness cosigns that checkpoint here (a copy of the world), at a
time the test reads from the clock around it.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.server.conftest import Served
from tests.server.test_web import app_for, sessions
from zerotrail.pipeline.ledger import (
    add_cosignatures,
    latest_checkpoint,
    new_key_pair,
    verify_proof,
    witness_add_checkpoint,
    witness_init,
    witness_request,
)
from zerotrail.pipeline.signatures import signature_lines
from zerotrail.pipeline.users import add_user
from zerotrail.server.pages_ledger import file_name
from zerotrail.store.workspace import open_workspace

WITNESS = "witness.test.example/w1"


@dataclass(frozen=True)
class World:
    path: Path
    passwords: dict[str, str]
    witness_key: str  # its verifier key
    cosigned: tuple[int, int]  # the clock (POSIX seconds) before and after the cosignature


@pytest.fixture(scope="module")
def world(served: Served, tmp_path_factory: pytest.TempPathFactory) -> World:
    path = served.copy(tmp_path_factory.mktemp("pages-ledger"))
    w_key, w_vkey = new_key_pair(WITNESS, witness=True)
    ws = open_workspace(str(path))
    try:
        passwords = {
            name: add_user(ws, name, role, entities)
            for name, role, entities in [
                ("check", "verifier", ()),
                ("calc", "analyst", ()),
                ("look", "viewer", ()),
                ("own-a", "owner", ("A",)),
            ]
        }
        signed = latest_checkpoint(ws)
        assert signed is not None
        state = witness_init(None, signed.checkpoint.origin, served.log_key)
        before = int(time.time())
        _state, resp = witness_add_checkpoint(state, witness_request(ws, 0), w_key, before)
        after = int(time.time())
        assert resp.status == 200
        add_cosignatures(ws, resp.body)
    finally:
        ws.close()
    return World(path, passwords, w_vkey, (before, after))


@pytest.fixture(scope="module")
def site(world: World) -> Iterator[Any]:
    with app_for(world.path) as new_browser:
        yield new_browser


@pytest.fixture(scope="module")
def signed_in(site: Any, world: World) -> Any:
    """`as_(name)`: a browser logged in as `name`, one per user for the module."""
    return sessions(site, world)


def test_the_page_shows_the_checkpoint_and_who_cosigned_it(world: World, signed_in: Any) -> None:
    with open_workspace(str(world.path), read_only=True) as ws:
        signed = latest_checkpoint(ws)
    assert signed is not None
    for name in ("check", "look", "own-a"):  # every role reads the checkpoint, as the API's
        page = signed_in(name).get("/ledger")
        assert page.status_code == 200
        size = re.search(r'id="checkpoint-size">([\d,]+) entries<', page.text)
        assert size and int(size.group(1).replace(",", "")) == signed.checkpoint.size
        assert f'id="checkpoint-root">{signed.checkpoint.root.hex()}<' in page.text
        # The note as signed: its text and each signature line (HTML-escaped only).
        for line in signed.note.splitlines():
            assert line in page.text
    # The log's signature, then the witness's cosignature at the time it put in it (within
    # the clock readings around the cosigning).
    row = re.search(
        r"<tr><th scope=\"row\"><code>([^<]+)</code></th><td>([0-9a-f]{8})</td>\s*"
        r"<td>([\d-]+ [\d:]+)</td></tr>",
        page.text,
    )
    assert row and row.group(1) == WITNESS
    shown = datetime.strptime(row.group(3), "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    before, after = world.cosigned
    assert before <= shown.timestamp() <= after
    assert "served" in page.text  # the log key's name, test.example/served, signed it first


def test_signature_lines_tell_the_log_from_its_witnesses(world: World) -> None:
    with open_workspace(str(world.path), read_only=True) as ws:
        signed = latest_checkpoint(ws)
    assert signed is not None
    lines = signature_lines(signed.note)
    assert [(s.name, s.kind) for s in lines] == [
        ("test.example/served", "signature"),
        (WITNESS, "cosignature"),
    ]
    assert all(re.fullmatch(r"[0-9a-f]{8}", s.key_id) for s in lines)


def test_a_verifier_downloads_a_proof_the_verify_command_accepts(
    world: World, served: Served, tmp_path: Path, signed_in: Any
) -> None:
    verifier = signed_in("check")
    page = verifier.get("/ledger").text
    assert 'id="proof-form"' in page
    r = verifier.get("/ledger/proof", params={"kind": "activity", "ref": "a1", "opening": "1"})
    assert r.status_code == 200, r.text
    assert r.headers["content-disposition"] == 'attachment; filename="activity-a1.tlog-proof"'
    assert r.headers["content-type"] == "text/plain; charset=utf-8"
    saved = tmp_path / "activity-a1.tlog-proof"
    saved.write_bytes(r.content)
    index, checkpoint = verify_proof(
        saved.read_text(encoding="utf-8"), served.log_key, [world.witness_key]
    )
    assert checkpoint.size >= 2 and 0 <= index < checkpoint.size
    key = tmp_path / "log.vkey"
    key.write_text(served.log_key, encoding="utf-8")
    # The command a verifier runs on the download, checking the witness's cosignature too.
    command = [sys.executable, "-m", "zerotrail", "verify", "proof", str(saved)]
    command += ["--log-key", str(key), "--witness-key", world.witness_key]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "a1" in done.stdout and WITNESS in done.stdout, done.stdout
    # A witness that did not cosign is refused: the check above is not a formality.
    _other, other_key = new_key_pair("witness.test.example/other", witness=True)
    command[-1] = other_key
    refused = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert refused.returncode != 0


def test_a_figure_is_proved_too(world: World, served: Served, signed_in: Any) -> None:
    with open_workspace(str(world.path), read_only=True) as ws:
        run_id = str(ws.scalar("SELECT run_id FROM runs ORDER BY run_id LIMIT 1"))
    analyst = signed_in("calc")
    r = analyst.get("/ledger/proof", params={"kind": "run", "ref": run_id, "opening": "1"})
    assert r.status_code == 200, r.text
    assert r.headers["content-disposition"].startswith('attachment; filename="run-')
    verify_proof(r.text, served.log_key)


def test_refusals_show_the_page_with_one_line(signed_in: Any) -> None:
    verifier = signed_in("check")
    r = verifier.get("/ledger/proof", params={"kind": "nonsense", "ref": "a1"})
    assert r.status_code == 422 and 'id="proof-error"' in r.text
    assert "Unknown record kind &#39;nonsense&#39;" in r.text
    r = verifier.get("/ledger/proof", params={"kind": "activity", "ref": "zz-none"})
    assert r.status_code == 404 and 'id="proof-error"' in r.text
    assert 'value="zz-none"' in r.text  # the form keeps what was asked
    r = verifier.get("/ledger/proof", params={"kind": "activity", "ref": ""})
    assert r.status_code == 422 and "Give the record&#39;s id" in r.text
    viewer = signed_in("look")  # READ_PROOFS: admin, analyst, verifier; owners their own
    assert 'id="no-proofs"' in viewer.get("/ledger").text
    r = viewer.get("/ledger/proof", params={"kind": "activity", "ref": "a1"})
    assert r.status_code == 403 and "may not download proofs" in r.text
    assert "content-disposition" not in r.headers


def test_an_owner_downloads_proofs_of_its_own_records_only(signed_in: Any, served: Served) -> None:
    owner = signed_in("own-a")  # owner of entity A; b1 is B's
    page = owner.get("/ledger").text
    assert 'id="no-proofs"' not in page and "activity record of your own entities" in page
    assert '<option value="run"' not in page  # the organization's kinds are not offered
    r = owner.get("/ledger/proof", params={"kind": "activity", "ref": "a1", "opening": "1"})
    assert r.status_code == 200, r.text
    verify_proof(r.text, served.log_key)
    for ref in ("b1", "zz-none"):  # another entity's and no one's: told alike
        r = owner.get("/ledger/proof", params={"kind": "activity", "ref": ref})
        assert r.status_code == 404 and "content-disposition" not in r.headers
        assert f"no activity {ref} of your entities" in r.text
    r = owner.get("/ledger/proof", params={"kind": "run", "ref": "1"})
    assert r.status_code == 403 and "only its own entities" in r.text


def test_the_pages_need_a_session(site: Any) -> None:
    anonymous = site()
    for path in ("/ledger", "/ledger/proof?kind=activity&ref=a1"):
        r = anonymous.get(path)
        assert r.status_code == 303 and r.headers["location"] == "/login"


def test_the_file_name_carries_no_text_of_the_users_but_safe_characters() -> None:
    assert file_name("activity", "a1") == "activity-a1.tlog-proof"
    assert file_name("activity", 'x"; y/..\r\nz') == "activity-x___y_..__z.tlog-proof"
