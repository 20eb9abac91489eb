"""The REST API: who may call what, what each route answers, and that refusals change nothing.

The world and its arithmetic are in conftest.py: a1 (entity A) 550 t CO2e and b1 (entity B)
1,100 t CO2e, both Scope 2 location-based, 2023.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import pytest

from tests.engines.conftest import write_csv
from tests.server.conftest import (
    A_T,
    B_T,
    USERS,
    YEAR,
    Client,
    Served,
    _electricity,
    as_json,
    detail,
    serving,
)
from zerotrail.ingest.activities import import_activities
from zerotrail.pipeline.claims import finalize_inventory, is_final
from zerotrail.pipeline.proved import verify_proof_file
from zerotrail.store.workspace import open_workspace

ROUTES = [
    ("GET", "/api/me"),
    ("GET", f"/api/inventory/{YEAR}"),
    ("GET", f"/api/progress/{YEAR}"),
    ("GET", "/api/ledger/checkpoint"),
    ("GET", "/api/ledger/proof?kind=activity&ref=a1"),
    ("POST", "/api/calculate"),
]

# Who may use which route (auth.py's rules); every other role gets 403.
ALLOWED = {
    "/api/me": set(USERS),
    f"/api/inventory/{YEAR}": set(USERS),  # an owner: its entities' part (test below)
    f"/api/progress/{YEAR}": {"root", "ana", "vera", "vic", "apu"},
    "/api/ledger/checkpoint": set(USERS),
    "/api/ledger/proof?kind=activity&ref=a1": {"root", "ana", "vera", "owner-a"},  # a1 is A's
}


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_no_token_is_401_with_the_bearer_challenge(reader: Client, method: str, path: str) -> None:
    r = reader.request(method, path, json={"year": YEAR} if method == "POST" else None)
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"
    assert detail(r).startswith("not authenticated")


@pytest.mark.parametrize(
    "header",
    [
        "Bearer zt_000000000000_" + "A" * 43,  # well-formed, issued to no one
        "Bearer not-a-token",
        "Basic dXNlcjpwYXNz",  # another scheme
    ],
)
def test_a_bad_token_is_401_and_not_echoed(reader: Client, served: Served, header: str) -> None:
    r = reader.get("/api/me", headers={"Authorization": header})
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"
    assert header.split()[-1] not in r.text


def test_a_token_of_another_user_changed_by_one_character_is_401(
    reader: Client, served: Served
) -> None:
    token = served.tokens["root"]
    forged = token[:-1] + ("B" if token[-1] != "B" else "C")
    assert reader.get("/api/me", forged).status_code == 401


@pytest.mark.parametrize("path", list(ALLOWED))
@pytest.mark.parametrize("user", list(USERS))
def test_each_role_is_admitted_or_refused_as_its_rule_says(
    reader: Client, served: Served, path: str, user: str
) -> None:
    r = reader.get(path, served.tokens[user])
    if user in ALLOWED[path]:
        assert r.status_code == 200, r.text
    else:
        assert r.status_code == 403
        assert detail(r).startswith(f"role {USERS[user][0]} may not do this")


def test_me_names_the_caller_and_an_owners_entities(reader: Client, served: Served) -> None:
    assert as_json(reader.get("/api/me", served.tokens["owner-a"])) == {
        "name": "owner-a",
        "role": "owner",
        "entities": ["A"],
        "can_write": True,
    }
    assert as_json(reader.get("/api/me", served.tokens["vera"])) == {
        "name": "vera",
        "role": "verifier",
        "entities": [],
        "can_write": False,
    }


def test_inventory_is_the_years_figures_with_the_scope_breakdown(
    reader: Client, served: Served
) -> None:
    body = as_json(reader.get(f"/api/inventory/{YEAR}", served.tokens["vic"]))
    assert body["year"] == YEAR
    assert body["gwp_set"] == "AR5"
    assert body["unit"] == "t CO2e"
    assert body["scope1"] == 0.0
    # a1 550 t + b1 1,100 t, both grid electricity: Scope 2 location-based.
    assert body["scope2_location"] == pytest.approx(A_T + B_T)
    assert body["total_location"] == pytest.approx(A_T + B_T)
    assert body["scope3"] == 0.0
    assert set(body["scope3_by_category"]) == {str(c) for c in range(1, 16)}
    assert body["problem_count"] == 0


def test_an_owner_gets_its_entities_part_of_the_inventory_named_as_such(
    reader: Client, served: Served
) -> None:
    # owner-a owns entity A only: its part is a1 alone, 1,000 MWh x 0.55 t CO2/MWh = 550 t
    # CO2e (Scope 2 location-based), never the group's 550 + 1,100 = 1,650 t.
    r = reader.get(f"/api/inventory/{YEAR}", served.tokens["owner-a"])
    body = as_json(r)
    assert body["entities"] == ["A"]
    assert body["scope2_location"] == pytest.approx(A_T)
    assert body["total_location"] == pytest.approx(A_T)
    assert body["scope1"] == 0.0 and body["scope3"] == 0.0
    assert body["problem_count"] == 0 and body["notes"] == []
    assert "1100" not in r.text and "1650" not in r.text


def test_the_whole_organizations_inventory_says_it_is_not_a_part(
    reader: Client, served: Served
) -> None:
    body = as_json(reader.get(f"/api/inventory/{YEAR}", served.tokens["ana"]))
    assert body["entities"] is None
    assert body["total_location"] == pytest.approx(A_T + B_T)  # 550 + 1,100 t


def test_an_owner_gets_no_proof_of_another_entitys_record(reader: Client, served: Served) -> None:
    # b1 is entity B's; zz is no one's: the owner of A is told the same of both (404), so the
    # answer does not say that b1 exists.
    r = reader.get("/api/ledger/proof?kind=activity&ref=b1", served.tokens["owner-a"])
    assert r.status_code == 404
    assert detail(r) == "no activity b1 of your entities"
    assert "tlog" not in r.text.lower()
    r = reader.get("/api/ledger/proof?kind=activity&ref=zz", served.tokens["owner-a"])
    assert (r.status_code, detail(r)) == (404, "no activity zz of your entities")
    # Kinds that are the organization's, not an entity's: refused whatever the id.
    r = reader.get("/api/ledger/proof?kind=run&ref=1", served.tokens["owner-a"])
    assert r.status_code == 403
    assert detail(r) == "a data owner may prove only its own entities' activity records"


def test_an_owner_gets_the_proof_of_its_own_record(reader: Client, served: Served) -> None:
    r = reader.get("/api/ledger/proof?kind=activity&ref=a1&opening=true", served.tokens["owner-a"])
    assert r.status_code == 200
    proved = verify_proof_file(r.text, served.log_key, [], None)
    assert "activity record: a1" in proved.facts and "entity: A" in proved.facts


def test_a_viewer_gets_the_totals_without_record_ids_or_messages(
    served: Served, tmp_path: Path
) -> None:
    # A record no factor covers (region FJ): the run lists it under `problems` by its id.
    db = served.copy(tmp_path)
    unresolved = _electricity("fj1", "A", 5) | {"region": "FJ"}
    with open_workspace(str(db)) as ws:
        import_activities(ws, write_csv(tmp_path / "fj.csv", [unresolved]))
    with serving(db) as client:
        r = client.post("/api/calculate", served.tokens["ana"], json={"year": YEAR})
        assert r.status_code == 200, r.text
        whole = as_json(client.get(f"/api/inventory/{YEAR}", served.tokens["ana"]))
        seen = as_json(client.get(f"/api/inventory/{YEAR}", served.tokens["vic"]))
        again = as_json(client.get(f"/api/inventory/{YEAR}", served.tokens["ana"]))
    assert [p["record_id"] for p in whole["problems"]] == ["fj1"]
    assert seen["problems"] == [] and seen["notes"] == []
    assert seen["problem_count"] == whole["problem_count"] == 1
    rest = {k: v for k, v in whole.items() if k not in ("problems", "notes")}
    assert {k: v for k, v in seen.items() if k not in ("problems", "notes")} == rest
    assert again == whole  # the kept figures, shared by every request, are not changed


def test_a_year_never_calculated_is_404(reader: Client, served: Served) -> None:
    r = reader.get("/api/inventory/2019", served.tokens["ana"])
    assert r.status_code == 404
    assert detail(r).startswith("no inventory for 2019")


@pytest.mark.parametrize(
    "path", ["/api/inventory/1989", "/api/inventory/twenty", "/api/progress/2101"]
)
def test_a_year_out_of_range_is_one_line_422(reader: Client, served: Served, path: str) -> None:
    r = reader.get(path, served.tokens["ana"])
    assert r.status_code == 422
    assert detail(r).startswith("year: ")


def test_progress_without_targets_is_an_empty_list(reader: Client, served: Served) -> None:
    assert as_json(reader.get(f"/api/progress/{YEAR}", served.tokens["vic"])) == {
        "year": YEAR,
        "targets": [],
    }


def test_checkpoint_is_the_signed_note(reader: Client, served: Served) -> None:
    body = as_json(reader.get("/api/ledger/checkpoint", served.tokens["owner-a"]))
    assert body["origin"] == body["note"].splitlines()[0]
    assert body["size"] == int(body["note"].splitlines()[1])
    assert body["size"] > 0
    assert "\n\u2014 test.example/served " in body["note"]  # the log's signature line


def test_a_proof_verifies_with_the_logs_key(reader: Client, served: Served) -> None:
    r = reader.get("/api/ledger/proof?kind=activity&ref=a1&opening=true", served.tokens["vera"])
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    # As `zerotrail verify proof FILE --log-key KEY` checks it: signature, inclusion, opening.
    proved = verify_proof_file(r.text, served.log_key, [], None)
    assert "activity record: a1" in proved.facts, proved.facts
    assert "entity: A" in proved.facts and "quantity: 1000.000000000" in proved.facts


def test_a_record_not_in_the_log_is_404_and_an_unknown_kind_422(
    reader: Client, served: Served
) -> None:
    r = reader.get("/api/ledger/proof?kind=activity&ref=zz", served.tokens["vera"])
    assert r.status_code == 404
    assert detail(r) == "no activity zz in the log up to the latest checkpoint"
    r = reader.get("/api/ledger/proof?kind=nonsense&ref=a1", served.tokens["vera"])
    assert r.status_code == 422
    assert detail(r).startswith("kind: unknown record kind 'nonsense'")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_reading_never_writes(served: Served, tmp_path: Path) -> None:
    db = served.copy(tmp_path)
    with serving(db) as client:
        before = _digest(db)  # after the start-up check, which may migrate (here: nothing)
        for _method, path in ROUTES[:-1]:
            for user in USERS:
                client.get(path, served.tokens[user])
    assert _digest(db) == before


@pytest.mark.parametrize("user", ["vera", "vic", "apu", "owner-a"])
def test_who_may_not_calculate_is_403_and_nothing_changes(
    served: Served, tmp_path: Path, user: str
) -> None:
    db = served.copy(tmp_path)
    with serving(db) as client:
        before = as_json(client.get(f"/api/inventory/{YEAR}", served.tokens["ana"]))
        size = as_json(client.get("/api/ledger/checkpoint", served.tokens["ana"]))["size"]
        digest = _digest(db)
        wanted = {"year": YEAR, "approach": "financial_control"}
        r = client.post("/api/calculate", served.tokens[user], json=wanted)
        assert r.status_code == 403
        assert "a calculation changes the workspace" in detail(r)
        after = as_json(client.get(f"/api/inventory/{YEAR}", served.tokens["ana"]))
        assert after == before  # same run id, same AR5 figures
        assert as_json(client.get("/api/ledger/checkpoint", served.tokens["ana"]))["size"] == size
    assert _digest(db) == digest


def test_an_analyst_calculates_a_new_run(served: Served, tmp_path: Path) -> None:
    with serving(served.copy(tmp_path)) as client:
        old = as_json(client.get(f"/api/inventory/{YEAR}", served.tokens["ana"]))["run_id"]
        wanted = {"year": YEAR, "approach": "financial_control"}
        r = client.post("/api/calculate", served.tokens["ana"], json=wanted)
        assert r.status_code == 200, r.text
        run = as_json(r)
        assert run["year"] == YEAR and run["consolidation"] == "financial_control"
        assert run["records"] == 2 and run["problems"] == 0 and run["unresolved"] == []
        now = as_json(client.get(f"/api/inventory/{YEAR}", served.tokens["vic"]))
        assert now["run_id"] == run["run_id"] != old
        # A and B are both under the group's financial control: 550 + 1,100 t again.
        assert now["consolidation"] == "financial_control"
        assert now["scope2_location"] == pytest.approx(A_T + B_T)


def test_a_final_year_is_not_recalculated_over_http(served: Served, tmp_path: Path) -> None:
    # A new run would not be final, and so would lift the year's lock on approvals unseen.
    db = served.copy(tmp_path)
    with open_workspace(str(db)) as ws:
        finalize_inventory(ws, YEAR)
    with serving(db) as client:
        before = as_json(client.get(f"/api/inventory/{YEAR}", served.tokens["ana"]))["run_id"]
        r = client.post("/api/calculate", served.tokens["ana"], json={"year": YEAR})
        assert r.status_code == 409
        assert detail(r).startswith(f"the {YEAR} inventory is final: a calculation would")
        after = as_json(client.get(f"/api/inventory/{YEAR}", served.tokens["ana"]))["run_id"]
    assert after == before
    with open_workspace(str(db), read_only=True) as ws:
        assert is_final(ws, YEAR)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "year"),
        ({"year": "2023"}, "year"),  # strict: text is not a year
        ({"year": True}, "year"),
        ({"year": 2023, "extra": 1}, "extra"),
    ],
)
def test_a_malformed_calculation_request_is_one_line_422(
    reader: Client, served: Served, body: dict[str, object], field: str
) -> None:
    r = reader.post("/api/calculate", served.tokens["ana"], json=body)
    assert r.status_code == 422
    assert detail(r).startswith(f"{field}: ")


def test_a_setting_that_does_not_exist_is_400_naming_it(served: Served, tmp_path: Path) -> None:
    with serving(served.copy(tmp_path)) as client:
        r = client.post("/api/calculate", served.tokens["ana"], json={"year": YEAR, "gwp": "AR9"})
    assert r.status_code == 400
    assert "AR9" in detail(r)


def test_an_unknown_route_is_404_json(reader: Client) -> None:
    r = reader.get("/api/nothing")
    assert r.status_code == 404
    assert detail(r) == "Not Found"


def test_a_request_that_waits_too_long_for_a_duckdb_file_is_503_with_retry_after(
    served: Served, tmp_path: Path
) -> None:
    # Requests take turns on a DuckDB file; under more than it can serve, a request gives up
    # after the access's `wait` instead of queueing without end (bench/server.py found the
    # pile-up). Here another request holds the turn for longer than a 0.2 s wait.
    with serving(served.copy(tmp_path)) as client:
        access = replace(client.app.state.workspace, wait=0.2)
        client.app.state.workspace = access
        token = served.tokens["ana"]
        assert client.get("/api/me", token).status_code == 200
        with access._lock:  # a request under way
            busy = client.get("/api/me", token)
        assert busy.status_code == 503
        assert busy.headers["retry-after"] == "2"
        assert detail(busy).startswith("the workspace is busy")
        assert client.get("/api/me", token).status_code == 200  # its turn comes again


def test_a_large_body_is_refused_before_it_is_read_or_a_token_is_asked_for(
    reader: Client,
) -> None:
    # FastAPI reads and parses a JSON body before the route's token check: without a limit
    # anyone could make the server hold any amount of memory. Every route but the upload takes
    # at most 64 KiB.
    big = b'{"year": 2023, "gwp": "' + b"x" * (64 * 1024) + b'"}'
    sent = reader.post("/api/calculate", content=big, headers={"content-type": "application/json"})
    assert sent.status_code == 413
    assert detail(sent) == "the request body is larger than 65,536 bytes"
    # A declared length over the limit is refused from the header alone.
    declared = reader.post(
        "/api/imports/1/reject",
        content=b"{}",
        headers={"content-type": "application/json", "content-length": str(400 * 2**20)},
    )
    assert declared.status_code == 413
    # A small body still reaches the token check.
    assert reader.post("/api/calculate", json={"year": 2023}).status_code == 401


def test_no_redirect_is_built_from_the_host_header(reader: Client) -> None:
    got = reader.get("/api/me/", headers={"host": "evil.example"})
    assert got.status_code == 404
    assert "location" not in got.headers
