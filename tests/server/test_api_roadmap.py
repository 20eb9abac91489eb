"""The roadmap, credits, claims and reports routes: who may call which, what each answers, and
that a refused change changes nothing. The world and its arithmetic: roadmap_world.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Templates
from tests.server.conftest import USERS, Client, as_json, detail, serving
from tests.server.roadmap_world import LOCATION_T, TARGET_T, Planned, planned_world
from zerotrail.server.report_folder import LOG_KEY_ENV, REPORTS_ENV

READS = [
    "/api/targets",
    "/api/targets/S12",
    "/api/initiatives?year=2023",
    "/api/credits",
    "/api/claims/2023",
    "/api/reports",
]
READERS = {"root", "ana", "vera", "vic", "apu"}  # every role but the owner
# Credits, claims and reports are more than a dashboard: not a viewer either.
TEAM_READS = {"/api/credits", "/api/claims/2023", "/api/reports"}
WRITERS = {"root", "ana"}


@pytest.fixture(scope="module")
def world(workspace_template: Templates, tmp_path_factory: pytest.TempPathFactory) -> Planned:
    return planned_world(workspace_template, tmp_path_factory.mktemp("api-roadmap"))


@pytest.fixture(scope="module")
def reader(world: Planned) -> Iterator[Client]:
    """For the tests that only read the module's world."""
    with serving(world.path) as client:
        yield client


@pytest.fixture
def own(world: Planned, tmp_path: Path) -> Iterator[Client]:
    """A client of a copy of the world of its own, for a test that changes it."""
    with serving(world.copy(tmp_path)) as client:
        yield client


@pytest.mark.parametrize("path", READS)
@pytest.mark.parametrize("user", list(USERS))
def test_every_role_but_the_owner_reads_and_the_viewer_its_dashboards(
    reader: Client, world: Planned, path: str, user: str
) -> None:
    answer = reader.get(path, world.tokens[user])
    if user in READERS - ({"vic"} if path in TEAM_READS else set()):
        assert answer.status_code == 200, answer.text
    elif path in TEAM_READS:
        assert answer.status_code == 403
        assert detail(answer) == (
            f"role {USERS[user][0]} may not do this (credits, claims and reports cover every"
            " entity (an owner sees only its own), and a viewer sees the dashboards only);"
            " allowed: admin, approver, analyst, verifier"
        )
    else:
        assert answer.status_code == 403
        assert detail(answer) == (
            "role owner may not do this (these figures cover every entity, and an owner sees"
            " only its own); allowed: admin, approver, analyst, verifier, viewer"
        )


@pytest.mark.parametrize("path", READS)
def test_no_token_is_401(reader: Client, path: str) -> None:
    answer = reader.get(path)
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"


def test_targets_and_a_targets_history(reader: Client, world: Planned) -> None:
    found = as_json(reader.get("/api/targets", world.tokens["vic"]))["targets"]
    assert [(t["id"], t["kind"], t["version"], t["status"]) for t in found] == [
        ("NEUTRAL", "neutrality", 1, "active"),
        ("S12", "absolute", 1, "active"),
    ]
    s12 = next(t for t in found if t["id"] == "S12")
    assert s12["definition"]["reduction_pct"] == 30 and s12["set_year"] == 2023
    history = as_json(reader.get("/api/targets/S12", world.tokens["vic"]))
    assert history["id"] == "S12" and [v["version"] for v in history["versions"]] == [1]
    missing = reader.get("/api/targets/NOPE", world.tokens["vic"])
    assert missing.status_code == 404
    assert "NOPE" in detail(missing)


def test_the_progress_of_the_absolute_target_is_its_base_in_the_base_year(
    reader: Client, world: Planned
) -> None:
    # In its base year the pathway is the base itself: 1,650 t (target 1,155 t in 2030).
    rows = as_json(reader.get("/api/progress/2023", world.tokens["vic"]))["targets"]
    s12 = next(r for r in rows if r["id"] == "S12")
    assert s12["actual"] == pytest.approx(LOCATION_T)
    assert s12["pathway"] == pytest.approx(LOCATION_T)
    assert s12["target_value"] == pytest.approx(TARGET_T)


def test_no_initiatives_is_an_empty_list_with_zero_totals(reader: Client, world: Planned) -> None:
    answer = as_json(reader.get("/api/initiatives?year=2023", world.tokens["vic"]))
    assert answer["year"] == 2023 and answer["initiatives"] == []
    assert answer["totals"] == {"expected_t": 0.0, "measured_expected_t": 0.0, "realized_t": 0.0}


def test_credits_are_listed_with_their_totals_and_filtered(reader: Client, world: Planned) -> None:
    every = as_json(reader.get("/api/credits", world.tokens["vera"]))
    assert [(c["credit_id"], c["status"], c["quantity"]) for c in every["credits"]] == [
        ("C1", "retired", 2000.0),
        ("C2", "held", 500.0),
    ]
    assert every["by_status"] == {"retired": 2000.0, "held": 500.0}
    held = as_json(reader.get("/api/credits?status=held", world.tokens["vera"]))
    assert [c["credit_id"] for c in held["credits"]] == ["C2"]
    assert [
        c["credit_id"]
        for c in as_json(reader.get("/api/credits?year=2023", world.tokens["vera"]))["credits"]
    ] == ["C1"]
    bad = reader.get("/api/credits?status=lost", world.tokens["vera"])
    assert bad.status_code == 400
    assert detail(bad).startswith("unknown credit status 'lost'")


def _inventory_gross(client: Client, token: str) -> float:
    inv = as_json(client.get("/api/inventory/2023", token))
    return float(inv["scope1"] + inv["scope2_market"])


def test_a_claim_needs_a_final_year_then_holds_and_is_recorded_once(
    own: Client, world: Planned
) -> None:
    ana = world.tokens["ana"]
    gross = _inventory_gross(own, ana)  # Scope 1 (0 t) + Scope 2 market-based
    preview = as_json(own.get("/api/claims/2023", ana))
    assert preview["holds"] is False and preview["version"] is None
    assert (
        preview["failures"][0]
        == "the 2023 inventory is not final: run `zerotrail finalize --year 2023`"
    )

    first = as_json(own.post("/api/finalize", ana, json={"year": 2023}))
    assert first["newly"] is True
    assert as_json(own.post("/api/finalize", ana, json={"year": 2023}))["newly"] is False

    recorded = as_json(own.post("/api/claims", ana, json={"year": 2023}))
    assert recorded["holds"] is True and recorded["version"] == 1
    assert recorded["gross_t"] == pytest.approx(gross)
    assert recorded["credits_t"] == 2000.0  # C1 only: C2 is held
    assert recorded["net_t"] == pytest.approx(gross - 2000.0)
    assert [(c["credit_id"], c["counted"]) for c in recorded["credits"]] == [("C1", True)]
    again = as_json(own.post("/api/claims", ana, json={"year": 2023}))
    assert again["version"] == 1  # unchanged: not stored again


def test_retiring_part_of_a_block_splits_it_and_assigning_moves_it(
    own: Client, world: Planned
) -> None:
    ana = world.tokens["ana"]
    body = {"on": "2024-03-01", "beneficiary": "Group", "reason": "2023 claim", "quantity": 200}
    written = as_json(own.post("/api/credits/C2/retire", ana, json=body))["credit_ids"]
    assert sorted(written) == ["C2", "C2/1"]  # the first 200 split off as C2/1
    listed = as_json(own.get("/api/credits", ana))
    # 500 held: 200 retired (a new block split from C2), 300 still held.
    assert listed["by_status"] == {"retired": 2200.0, "held": 300.0}
    split = "C2/1"
    assert as_json(own.post(f"/api/credits/{split}/assign", ana, json={"year": 2023})) == {
        "credit_id": split,
        "year": 2023,
    }
    assert {c["credit_id"] for c in as_json(own.get("/api/credits?year=2023", ana))["credits"]} == {
        "C1",
        split,
    }


def test_a_stages_refusal_is_400_with_its_line(own: Client, world: Planned) -> None:
    ana = world.tokens["ana"]
    future = own.post(
        "/api/credits/C2/retire",
        ana,
        json={"on": "2999-01-01", "beneficiary": "G", "reason": "r"},
    )
    assert future.status_code == 400
    assert detail(future) == "retirement date 2999-01-01 is in the future"
    unknown = own.post("/api/credits/NOPE/assign", ana, json={"year": 2023})
    assert unknown.status_code == 400
    no_claim = own.get("/api/claims/2019", ana)
    assert no_claim.status_code == 404
    assert detail(no_claim) == "no inventory for 2019: run `zerotrail calculate --year 2019`"
    no_year = own.post("/api/finalize", ana, json={"year": 2019})
    assert detail(no_year) == "no inventory for 2019: run `zerotrail calculate --year 2019`"


WRITES = [
    ("/api/finalize", {"year": 2023}),
    ("/api/claims", {"year": 2023}),
    ("/api/credits/C2/retire", {"on": "2024-03-01", "beneficiary": "G", "reason": "r"}),
    ("/api/credits/C1/assign", {"year": 2023}),
    ("/api/reports", {"year": 2023}),
]


@pytest.mark.parametrize(("path", "body"), WRITES)
def test_only_admin_and_analyst_change_and_a_refusal_changes_nothing(
    reader: Client, world: Planned, path: str, body: dict[str, object]
) -> None:
    before = reader.get("/api/ledger/checkpoint", world.tokens["vera"]).text
    credits = reader.get("/api/credits", world.tokens["vera"]).text
    for user in set(USERS) - WRITERS:
        answer = reader.post(path, world.tokens[user], json=body)
        assert answer.status_code == 403, (user, answer.text)
        assert detail(answer).startswith(f"role {USERS[user][0]} may not do this (")
    assert reader.get("/api/credits", world.tokens["vera"]).text == credits
    assert reader.get("/api/ledger/checkpoint", world.tokens["vera"]).text == before
    preview = as_json(reader.get("/api/claims/2023", world.tokens["vera"]))
    assert preview["final"] is False


def test_without_a_signer_key_nothing_is_published(
    own: Client, world: Planned, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(REPORTS_ENV, str(tmp_path / "reports"))
    monkeypatch.delenv(LOG_KEY_ENV, raising=False)
    answer = own.post("/api/reports", world.tokens["ana"], json={"year": 2023})
    assert answer.status_code == 400
    assert detail(answer).startswith("this server holds no log signer key")
    assert not (tmp_path / "reports").exists()
    assert as_json(own.get("/api/reports", world.tokens["vera"])) == {"reports": []}
    missing = own.get("/api/reports/2023/report.html", world.tokens["vera"])
    assert missing.status_code == 404


@pytest.mark.slow  # publishing draws the charts and the PDF: about 20 s on an idle machine
def test_a_published_report_is_kept_listed_and_downloaded(
    own: Client, world: Planned, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(REPORTS_ENV, str(tmp_path / "reports"))
    monkeypatch.setenv(LOG_KEY_ENV, str(world.log_key))
    own.post("/api/finalize", world.tokens["ana"], json={"year": 2023})
    done = own.post("/api/reports", world.tokens["ana"], json={"year": 2023})
    assert done.status_code == 201, done.text
    published = as_json(done)
    assert published["report_id"] == "report-2023-1"
    files = ["report.html", "report.pdf", "report.json", "disclosures.xlsx"]
    assert published["files"] == files
    kept = as_json(own.get("/api/reports", world.tokens["vera"]))["reports"]
    assert [(r["year"], r["report_id"], r["files"]) for r in kept] == [
        (2023, "report-2023-1", files)
    ]
    page = own.get("/api/reports/2023/report.json", world.tokens["vera"])
    assert page.status_code == 200
    assert page.headers["content-disposition"] == 'attachment; filename="2023-report.json"'
    assert page.content == (tmp_path / "reports" / "2023" / "report.json").read_bytes()
    assert page.json()["report_id"] == "report-2023-1"
    pdf = own.get("/api/reports/2023/report.pdf", world.tokens["vera"])
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    assert own.get("/api/reports/2023/report.json", world.tokens["owner-a"]).status_code == 403
    # Only the four files: no path a caller makes up.
    assert own.get("/api/reports/2023/..%2Flog.key", world.tokens["vera"]).status_code in (404, 422)
    assert own.get("/api/reports/2023/checkpoint.txt", world.tokens["vera"]).status_code in (
        404,
        422,
    )
