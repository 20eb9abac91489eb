"""The verification routes (server/api_verification.py): who may call which, the verifier's draw
and findings, the company's responses, the stage's refusals as 400/404/409, and a verifier who
cannot write anything else.

The world is conftest.py's (a1 of A 550 t CO2e, b1 of B 1,100 t, both Scope 2 grid
electricity in 2023), with 2023 finalized, a checkpoint signed over it and cosigned by a
witness, and two engagements opened on it by the verification stage (as `zerotrail
verification open` does; opening stays on the command line):

- E2023-1, limited assurance, materiality 5 %: left open for the routes to work on;
- E2023-2, drawn, with one observation closed, and concluded with a verifier key (as `zerotrail
  verification conclude` does): nothing may change it any more.

The plan of E2023-1, by hand: one stratum, scope2:electricity, 1,650 t. Materiality 5 % of
1,650 t = 82.5 t, performance materiality 75 % of it = 61.875 t; limited assurance at medium
risk takes 70 % confidence, reliability factor -ln(0.3) = 1.20397, so the sampling interval is
61.875 / 1.20397 = 51.392 t and the size ceil(1,650 / 51.392) = 33, capped at the stratum's 2
records. Both records are above the interval: key items, drawn whatever the seed.
"""

from __future__ import annotations

import math
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

import pytest

from tests.conftest import Templates
from tests.server import test_isolation as isolation
from tests.server.conftest import (
    USERS,
    YEAR,
    Client,
    add_users,
    as_json,
    calculate_records,
    detail,
    serving,
    sign_log,
)
from tests.server.test_isolation import digest, routes
from zerotrail.pipeline import verification as stage
from zerotrail.pipeline.claims import finalize_inventory
from zerotrail.pipeline.ledger import (
    add_cosignatures,
    latest_checkpoint,
    new_key_pair,
    witness_add_checkpoint,
    witness_init,
    witness_request,
)
from zerotrail.server import models_verification as m
from zerotrail.store.workspace import Workspace, open_workspace

OPEN = "E2023-1"
CONCLUDED = "E2023-2"
A_T, B_T = 550.0, 1100.0
MATERIALITY_T = 0.05 * (A_T + B_T)
INTERVAL_T = 0.75 * MATERIALITY_T / -math.log(1 - 0.7)
ALPHA_2024 = (
    "record_id,entity,period_start,period_end,activity,quantity,unit,region\n"
    "a24,A,2024-01-01,2024-12-31,electricity.grid,10,MWh,CN-EAST\n"
)

ROLES = {user: role for user, (role, _entities) in USERS.items()}
READERS = {"root", "ana", "vera"}
VERIFIERS = {"vera"}
RESPONDERS = {"root", "ana"}


def engaged_world(ws: Workspace, folder: Path) -> None:
    """conftest.py's records, 2023 finalized, a cosigned checkpoint and the two engagements."""
    calculate_records(ws, folder)
    finalize_inventory(ws, YEAR)
    sign_log(ws, folder)
    witness_key, _witness_vkey = new_key_pair("witness.test.example/w1", witness=True)
    signed = latest_checkpoint(ws)
    assert signed is not None
    log_vkey = (folder / "log.vkey").read_text(encoding="utf-8")
    state = witness_init(None, signed.checkpoint.origin, log_vkey)
    _state, cosigned = witness_add_checkpoint(
        state, witness_request(ws, 0), witness_key, int(time.time())
    )
    assert cosigned.status == 200, cosigned
    add_cosignatures(ws, cosigned.body)
    stage.open_engagement(ws, YEAR, "Verity Assurance LLP", "limited", "cli:test")
    done = stage.open_engagement(ws, YEAR, "Verity Assurance LLP", "limited", "cli:test").row
    stage.draw_sample(ws, done.engagement_id, "5eed", "cli:test")
    seen = stage.add_finding(
        ws,
        done.engagement_id,
        kind="nonconformity",
        finding_type="observation",
        text="meter photos are unlabelled",
        actor="cli:test",
        clause="ISO 14064-1 9.2",
    )
    stage.move_finding(ws, seen.finding_id, "close", "cli:test", "noted", "accepted-uncorrected")
    signer, _verifier = new_key_pair("verity.example/statements")
    stage.conclude(ws, done.engagement_id, signer, "cli:test")


@dataclass(frozen=True)
class World:
    path: Path
    tokens: dict[str, str]  # conftest.py's USERS: one user per role


@pytest.fixture(scope="module")
def world(workspace_template: Templates, tmp_path_factory: pytest.TempPathFactory) -> World:
    path = tmp_path_factory.mktemp("verification-api") / "world.duckdb"
    shutil.copyfile(workspace_template(engaged_world), path)
    tokens, _passwords = add_users(path)
    return World(path, tokens)


@pytest.fixture
def copy(world: World, tmp_path: Path) -> Path:
    """A copy of the world of the test's own (each test changes what it likes)."""
    path = tmp_path / "world.duckdb"
    shutil.copyfile(world.path, path)
    return path


@pytest.fixture
def served(copy: Path) -> Iterator[Client]:
    with serving(copy) as client:
        yield client


# --- who may call which --------------------------------------------------------------------------

FINDING = {"kind": "nonconformity", "type": "CL", "text": "why", "clause": "5.2"}
# (method, path, body, roles admitted); the finding E2023-1-F1 is raised before the matrix.
MATRIX = [
    ("GET", f"/api/verification/engagements?year={YEAR}", None, READERS),
    ("GET", f"/api/verification/engagements/{OPEN}", None, READERS),
    ("GET", f"/api/verification/engagements/{OPEN}/evaluation", None, READERS),
    ("POST", f"/api/verification/engagements/{OPEN}/sample", {"seed": "ab12"}, VERIFIERS),
    ("POST", f"/api/verification/engagements/{OPEN}/findings", FINDING, VERIFIERS),
    ("POST", f"/api/verification/findings/{OPEN}-F1/respond", {"note": "fixed"}, RESPONDERS),
    (
        "POST",
        f"/api/verification/findings/{OPEN}-F1/close",
        {"outcome": "accepted-uncorrected", "note": "fine"},
        VERIFIERS,
    ),
]


def _raise(client: Client, tokens: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    answer = client.post(
        f"/api/verification/engagements/{OPEN}/findings", tokens["vera"], json=body
    )
    assert answer.status_code == 201, answer.text
    found: dict[str, Any] = as_json(answer)
    return found


def test_each_role_against_each_route(served: Client, copy: Path, world: World) -> None:
    _raise(served, world.tokens, FINDING)
    before = digest(copy)
    for method, path, body, admitted in MATRIX:
        for user, role in ROLES.items():
            if user not in admitted:
                answer = served.request(method, path, world.tokens[user], json=body)
                assert answer.status_code == 403, (method, path, user, answer.text)
                assert detail(answer).startswith(f"role {role} may not do this ("), answer.text
    assert digest(copy) == before  # no refused request changed anything
    for method, path, body, admitted in MATRIX:
        for user in sorted(admitted):
            answer = served.request(method, path, world.tokens[user], json=body)
            # Admitted; the second responder finds the finding answered already (409).
            assert answer.status_code in (200, 201, 409), (method, path, user, answer.text)
            assert answer.status_code != 409 or path.endswith("/respond"), answer.text
    # No token at all: 401 with the bearer challenge, on every route.
    for method, path, body, _admitted in MATRIX:
        answer = served.request(method, path, json=body)
        assert answer.status_code == 401 and answer.headers["www-authenticate"] == "Bearer"


def test_owners_viewers_and_approvers_see_nothing_even_of_an_unknown_id(
    served: Client, world: World
) -> None:
    # The role is refused before the id is looked up: no answer tells them what exists.
    for user in ("owner-a", "vic", "apu"):
        for path in (f"/api/verification/engagements/{OPEN}", "/api/verification/engagements/E1-9"):
            assert served.get(path, world.tokens[user]).status_code == 403


# --- the verifier's draw, findings, the company's responses --------------------------------------


def test_the_plan_before_the_draw_is_the_stages(served: Client, world: World) -> None:
    got = as_json(served.get(f"/api/verification/engagements/{OPEN}", world.tokens["ana"]))
    e = got["engagement"]
    assert (e["id"], e["year"], e["level"], e["status"], e["seed"]) == (
        OPEN, YEAR, "limited", "open", None
    )  # fmt: skip
    assert e["scopes"] == [1, 2, 3] and e["materiality"] == "5%" and e["actor"] == "cli:test"
    assert got["population"] == {"records": 2, "t_co2e": pytest.approx(A_T + B_T)}
    assert got["materiality"]["overall_t"] == pytest.approx(MATERIALITY_T)  # 82.5 t
    [stratum] = got["strata"]
    assert stratum["stratum"] == "scope2:electricity" and stratum["risk"] == "medium"
    assert stratum["interval_t"] == pytest.approx(INTERVAL_T)  # 51.392 t
    assert (stratum["size"], stratum["drawn"]) == (2, None)
    assert got["drawn"] == [] and got["findings"] == []


def test_the_verifier_draws_once_with_its_seed(served: Client, copy: Path, world: World) -> None:
    path = f"/api/verification/engagements/{OPEN}/sample"
    drawn = served.post(path, world.tokens["vera"], json={"seed": "  c0ffee "})
    assert drawn.status_code == 200, drawn.text
    got = as_json(drawn)
    e = got["engagement"]
    assert (e["status"], e["seed"], e["actor"], e["version"]) == ("sampled", "c0ffee", "vera", 2)
    # Both records are key items (above the 51.392 t interval): drawn whatever the seed, each
    # at its stated t CO2e.
    assert sorted((d["record_id"], d["key_item"], d["t_co2e"]) for d in got["drawn"]) == [
        ("a1", True, A_T),
        ("b1", True, B_T),
    ]
    assert got["strata"][0]["drawn"] == 2
    again = served.post(path, world.tokens["vera"], json={"seed": "another"})
    assert again.status_code == 409
    assert detail(again) == f"engagement {OPEN} drew its sample already (seed committed)"
    # What the API answers is what the stage reads back (the seed committed, the same draw).
    with open_workspace(str(copy), read_only=True) as ws:
        plan = stage.sample_plan(ws, OPEN)
    assert plan.engagement.seed == "c0ffee"
    assert [(s.record_id, s.order) for s in plan.selected] == [
        (d["record_id"], d["order"]) for d in got["drawn"]
    ]


def test_findings_raised_answered_closed_and_reopened(served: Client, world: World) -> None:
    t = world.tokens
    miss = _raise(
        served,
        t,
        {"kind": "misstatement", "type": "CAR", "text": "meter misread", "amount_t": 20,
         "records": ["a1"]},
    )  # fmt: skip
    assert miss["id"] == f"{OPEN}-F1" and miss["status"] == "raised" and miss["actor"] == "vera"
    # The stage fills in the scope, stratum and nature from the record.
    assert (miss["scope"], miss["stratum"], miss["nature"], miss["amount_t"]) == (
        2, "scope2:electricity", "factual", 20.0
    )  # fmt: skip
    nc = _raise(served, t, FINDING)
    assert (nc["id"], nc["kind"], nc["type"], nc["clause"]) == (
        f"{OPEN}-F2", "nonconformity", "CL", "5.2"
    )  # fmt: skip

    base = "/api/verification/findings"
    answered = as_json(
        served.post(f"{base}/{OPEN}-F1/respond", t["ana"], json={"note": "misread, agreed"})
    )
    assert (answered["status"], answered["note"], answered["actor"]) == (
        "responded", "misread, agreed", "ana"
    )  # fmt: skip
    close = {"outcome": "accepted-uncorrected", "note": "below materiality"}
    closed = as_json(served.post(f"{base}/{OPEN}-F1/close", t["vera"], json=close))
    assert (closed["status"], closed["outcome"], closed["version"]) == (
        "closed", "accepted-uncorrected", 3
    )  # fmt: skip
    twice = served.post(f"{base}/{OPEN}-F1/close", t["vera"], json=close)
    assert twice.status_code == 409
    assert detail(twice) == f"finding {OPEN}-F1 is closed: it cannot close"
    assert (
        served.post(f"{base}/{OPEN}-F1/respond", t["root"], json={"note": "x"}).status_code == 409
    )
    reopened = as_json(served.post(f"{base}/{OPEN}-F1/reopen", t["vera"], json={"note": "again"}))
    assert (reopened["status"], reopened["outcome"]) == ("reopened", None)
    assert served.post(f"{base}/{OPEN}-F2/reopen", t["vera"], json={"note": "x"}).status_code == 409
    # A non-conformity is corrected without a restatement.
    fixed = {"outcome": "corrected", "note": "clause met"}
    assert as_json(served.post(f"{base}/{OPEN}-F2/close", t["vera"], json=fixed))["status"] == (
        "closed"
    )
    listed = as_json(served.get(f"/api/verification/engagements/{OPEN}", t["root"]))["findings"]
    assert [(f["id"], f["status"]) for f in listed] == [
        (f"{OPEN}-F1", "reopened"),
        (f"{OPEN}-F2", "closed"),
    ]


def test_a_misstatement_is_corrected_only_in_a_restatement(served: Client, world: World) -> None:
    body = {"kind": "misstatement", "type": "CAR", "text": "x", "amount_t": -3, "records": ["b1"]}
    f = _raise(served, world.tokens, body)
    answer = served.post(
        f"/api/verification/findings/{f['id']}/close",
        world.tokens["vera"],
        json={"outcome": "corrected", "note": "fixed"},
    )
    assert answer.status_code == 409
    assert "the engagement still covers the inventory it was raised on" in detail(answer)


def test_the_evaluation_is_the_stages(served: Client, copy: Path, world: World) -> None:
    t = world.tokens
    path = f"/api/verification/engagements/{OPEN}/sample"
    assert served.post(path, t["vera"], json={"seed": "5"}).status_code == 200
    body = {"kind": "misstatement", "type": "CAR", "text": "x", "amount_t": 20, "records": ["a1"]}
    _raise(served, t, body)
    got = as_json(served.get(f"/api/verification/engagements/{OPEN}/evaluation", t["ana"]))
    scope2 = got["rollups"][1]
    # a1 is a key item: its 20 t is known, nothing projected; 20 t is below the 61.875 t
    # performance materiality of Scope 2.
    assert scope2["scope"] == 2 and scope2["known_t"] == pytest.approx(20.0)
    assert scope2["projected_t"] == pytest.approx(0.0) and scope2["flag"] == "below"
    assert scope2["materiality_t"] == pytest.approx(MATERIALITY_T)
    assert [r["scope"] for r in got["rollups"]] == [1, 2, 3, None]
    with open_workspace(str(copy), read_only=True) as ws:
        ev = stage.evaluate(ws, OPEN)
    op = ev.conclusion.opinion
    assert got["opinion"]["reasons"] == list(op.reasons)
    assert got["opinion"]["kind"] == getattr(op, "kind", None)
    # The CAR is open: the opinion is qualified for it, though 20 t is below materiality.
    assert got["opinion"]["kind"] == "qualified"
    assert got["opinion"]["reasons"] == [
        f"the open corrective action request {OPEN}-F1 on a misstatement"
    ]
    assert "except for" in got["opinion"]["wording"]
    # An open clarification request: no opinion may be issued yet, and the answer says why.
    _raise(served, t, FINDING)
    got = as_json(served.get(f"/api/verification/engagements/{OPEN}/evaluation", t["vera"]))
    assert got["opinion"] == {
        "kind": None,
        "reasons": [f"clarification request {OPEN}-F2 is still open"],
        "wording": None,
    }


# --- refusals ------------------------------------------------------------------------------------


def test_unknown_ids_are_404(served: Client, world: World) -> None:
    t = world.tokens
    for path in (f"/api/verification/engagements/{YEAR}-1", "/api/verification/engagements/E1"):
        assert served.get(path, t["vera"]).status_code == 404
        assert served.get(f"{path}/evaluation", t["ana"]).status_code == 404
        assert served.post(f"{path}/sample", t["vera"], json={"seed": "a"}).status_code == 404
        assert served.post(f"{path}/findings", t["vera"], json=FINDING).status_code == 404
    for finding in (f"{OPEN}-F9", "E2099-1-F1", "F1", "-F", "nothing"):
        base = f"/api/verification/findings/{finding}"
        for answer in (
            served.post(f"{base}/respond", t["ana"], json={"note": "n"}),
            served.post(f"{base}/close", t["vera"], json={"outcome": "corrected", "note": "n"}),
            served.post(f"{base}/reopen", t["vera"], json={"note": "n"}),
        ):
            assert answer.status_code == 404, (finding, answer.text)
            assert detail(answer) == f"no finding {finding}"


def test_bad_input_is_422_or_the_stages_400(served: Client, world: World) -> None:
    t = world.tokens
    findings = f"/api/verification/engagements/{OPEN}/findings"
    for body, field in [
        (FINDING | {"kind": "opinion"}, "kind"),
        (FINDING | {"type": "major"}, "type"),
        (FINDING | {"text": ""}, "text"),
        (FINDING | {"scope": 4}, "scope"),
        (FINDING | {"amount_t": "12"}, "amount_t"),
        (FINDING | {"extra": 1}, "extra"),
    ]:
        answer = served.post(findings, t["vera"], json=body)
        assert answer.status_code == 422, (body, answer.text)
        assert detail(answer).startswith(f"{field}: "), answer.text
    for body, line in [
        (
            {"kind": "misstatement", "type": "CAR", "text": "x", "amount_t": 5},
            "a misstatement names the records behind it (--record)",
        ),
        (
            {"kind": "misstatement", "type": "CAR", "text": "x", "amount_t": 5, "records": ["zz"]},
            "record zz is not in the inventory the engagement covers",
        ),
        ({"kind": "nonconformity", "type": "CL", "text": "x"}, "a non-conformity names the clause"),
    ]:
        answer = served.post(findings, t["vera"], json=body)
        assert answer.status_code == 400, (body, answer.text)
        assert detail(answer).startswith(line), answer.text
    sample = f"/api/verification/engagements/{OPEN}/sample"
    assert detail(served.post(sample, t["vera"], json={"seed": ""})).startswith("seed: ")
    refused = served.post(sample, t["vera"], json={"seed": "a\x07b"})
    assert refused.status_code == 400 and "printable" in detail(refused)
    close = f"/api/verification/findings/{OPEN}-F1/close"
    assert served.post(close, t["vera"], json={"outcome": "fine", "note": "n"}).status_code == 422
    # Nothing was raised or drawn by any of these.
    got = as_json(served.get(f"/api/verification/engagements/{OPEN}", t["vera"]))
    assert got["findings"] == [] and got["engagement"]["status"] == "open"


def test_a_concluded_engagement_takes_no_more(served: Client, world: World) -> None:
    t = world.tokens
    got = as_json(served.get(f"/api/verification/engagements/{CONCLUDED}", t["vera"]))
    assert got["engagement"]["status"] == "concluded"
    for path, token, body in [
        (f"engagements/{CONCLUDED}/sample", "vera", {"seed": "x"}),
        (f"engagements/{CONCLUDED}/findings", "vera", FINDING),
        (f"findings/{CONCLUDED}-F1/reopen", "vera", {"note": "again"}),
        (f"findings/{CONCLUDED}-F1/respond", "ana", {"note": "again"}),
    ]:
        answer = served.post(f"/api/verification/{path}", t[token], json=body)
        assert answer.status_code == 409, (path, answer.text)
        assert detail(answer) in (
            f"engagement {CONCLUDED} is concluded",
            f"engagement {CONCLUDED} drew its sample already (seed committed)",
        )


def test_opening_and_concluding_are_not_routes(served: Client, world: World) -> None:
    # Both stay on the command line (docs/server.md, Verification).
    opened = served.post("/api/verification/engagements", world.tokens["root"], json={})
    assert opened.status_code == 405 and opened.headers["allow"] == "GET"
    concluded = served.post(f"/api/verification/engagements/{OPEN}/conclude", world.tokens["vera"])
    assert concluded.status_code == 404


def test_the_closed_lists_are_the_stages() -> None:
    assert get_args(m.Level) == stage.LEVELS
    assert get_args(m.FindingKind) == stage.FINDING_KINDS
    assert get_args(m.FindingType) == stage.FINDING_TYPES
    assert get_args(m.Nature) == stage.NATURES
    assert get_args(m.Outcome) == stage.OUTCOMES
    schema = m.FindingRequest.model_json_schema()["properties"]["text"]
    assert schema["maxLength"] == stage.MAX_FINDING_TEXT
    schema = m.SampleRequest.model_json_schema()["properties"]["seed"]
    assert schema["maxLength"] == stage.MAX_SEED_LENGTH


# --- a verifier who cannot write -----------------------------------------------------------------


def test_a_verifier_who_cannot_write(served: Client, copy: Path, world: World) -> None:
    """Every write route of the API but the verifier's own is refused to it, 403, and leaves
    every table as it was: with a submission waiting and a year open (2024) for approval, the
    credits and claims routes, the calculation, finalizing, publishing, and the company's
    response to a finding."""
    t = world.tokens
    upload = served.post(
        "/api/imports",
        t["owner-a"],
        files={"file": ("alpha.csv", ALPHA_2024.encode(), "text/csv")},
        data={"kind": "activities"},
    )
    assert upload.status_code == 201, upload.text
    finding = _raise(served, t, FINDING)["id"]
    iso = isolation.World(copy, t, {}, upload.json()["id"])
    own = {  # the verifier's own records: admitted (test_the_verifier_draws ... above)
        "/api/verification/engagements/{engagement_id}/sample",
        "/api/verification/engagements/{engagement_id}/findings",
        "/api/verification/findings/{finding_id}/close",
        "/api/verification/findings/{finding_id}/reopen",
    }
    writes = sorted(
        path
        for method, path in routes(served.app)
        if method != "GET" and path.startswith("/api/") and path not in own
    )
    assert {"/api/imports", "/api/calculate", "/api/finalize", "/api/claims"} <= set(writes)
    for path in writes:
        if path.startswith("/api/verification/"):
            url, kw = path.format(finding_id=finding), {"json": {"note": "ours"}}
        else:
            case = isolation.CASES[("POST", path)]
            url = case.path.format(b_submission=iso.b_submission)
            kw = case.body(iso, "") if case.body else {}
        before = digest(copy)
        answer = served.post(url, t["vera"], **kw)
        assert answer.status_code == 403, (path, answer.text)
        assert detail(answer).startswith("role verifier may not do this ("), answer.text
        assert digest(copy) == before, path
    # The same requests are not refused to everyone: the approver takes the submission.
    approved = served.post(f"/api/imports/{iso.b_submission}/approve", t["apu"])
    assert approved.status_code == 200, approved.text
