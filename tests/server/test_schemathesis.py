"""schemathesis against /openapi.json: generated requests to every route, each answer checked
against the document.

The document is read once, when this module is collected, from an app that serves nothing
(schemathesis makes its tests from the document then, before any fixture exists; its fixture
loader, `schemathesis.pytest.from_fixture`, fails on pytest 9.2's node ids). Each test then
sends its requests, in this process, to an app serving its own copy of the served world
(conftest.py), never the shared file. Every operation gets a bounded number of generated
requests, derandomized and with no example database, so a run is the same every time and
writes nothing outside pytest's temporary folders.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import settings
from schemathesis import Case, CheckContext, Response
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.conftest import Templates
from tests.server.conftest import Client, Served, add_users, as_json, detail, serving
from tests.server.test_verification_api import engaged_world
from zerotrail.pipeline.ledger import record_kinds
from zerotrail.server.access import WorkspaceAccess
from zerotrail.server.app import build_app, create_app

# Only its /openapi.json is ever asked for: a request to a route would fail to open this URL.
_DOCUMENT_ONLY = build_app(WorkspaceAccess("/nonexistent/document-only.duckdb", "-", "duckdb"))
schema = schemathesis.openapi.from_asgi("/openapi.json", _DOCUMENT_ONLY)

# Generated examples per operation and test. schemathesis adds its coverage phase's boundary
# cases (a year of 1989, 2101, "null", 0.5 ...) and its checks' own requests (no token, other
# methods) to these, some 40 to 150 requests per operation in all, each opening the workspace
# (about 0.05 s): 10 keeps the file well under a minute on two busy cores.
EXAMPLES = 10


@pytest.fixture(scope="module")
def app(served: Served, tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    """One copy of the served world for this module (Hypothesis runs every example of a test
    within one call of it, so the examples share it anyway); calculations write only to it."""
    return create_app(str(served.copy(tmp_path_factory.mktemp("schemathesis"))))


@dataclass(frozen=True)
class Engaged:
    app: FastAPI
    tokens: dict[str, str]


def _bearer(served: Served, user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {served.tokens[user]}"}


def _accepted_or_refused_by_a_stage(ctx: CheckContext, response: Response, case: Case) -> None:
    """positive_data_acceptance, with a 400 allowed: a POST's body is judged by a stage beyond
    what the document can say (a GWP set or file type it does not know, settings it cannot
    combine, a control character in a reason), and the stage's refusal is a 400."""
    if response.status_code != 400:
        positive_data_acceptance(ctx, response, case)


@schema.parametrize()
@settings(max_examples=EXAMPLES, derandomize=True, database=None)
def test_every_route_as_admin(case: Case, app: FastAPI, served: Served) -> None:
    if case.method == "POST":
        case.call_and_validate(
            headers=_bearer(served, "root"),
            app=app,
            excluded_checks=[positive_data_acceptance],
            additional_checks=[_accepted_or_refused_by_a_stage],
        )
    else:
        case.call_and_validate(headers=_bearer(served, "root"), app=app)


@schema.include(method="GET").parametrize()
@settings(max_examples=EXAMPLES, derandomize=True, database=None)
def test_the_read_routes_as_viewer(case: Case, app: FastAPI, served: Served) -> None:
    case.call_and_validate(headers=_bearer(served, "vic"), app=app)


@pytest.fixture(scope="module")
def engaged(workspace_template: Templates, tmp_path_factory: pytest.TempPathFactory) -> Engaged:
    """A copy of test_verification_api.py's world: a finalized year with an open engagement
    (E2023-1) and a concluded one, so that the verifier's requests reach the stage."""
    path = tmp_path_factory.mktemp("schemathesis-verification") / "world.duckdb"
    shutil.copyfile(workspace_template(engaged_world), path)
    tokens, _passwords = add_users(path)
    return Engaged(create_app(str(path)), tokens)


@schema.include(path_regex="^/api/verification/").parametrize()
@settings(max_examples=EXAMPLES, derandomize=True, database=None)
def test_the_verification_routes_as_verifier(case: Case, engaged: Engaged) -> None:
    # The document's example ids (E2023-1, E2023-1-F1) are this world's: schemathesis sends
    # them in its examples phase, so that generated bodies reach the stage's own checks.
    headers = {"Authorization": f"Bearer {engaged.tokens['vera']}"}
    if case.method == "POST":
        case.call_and_validate(
            headers=headers,
            app=engaged.app,
            excluded_checks=[positive_data_acceptance],
            additional_checks=[_accepted_or_refused_by_a_stage],
        )
    else:
        case.call_and_validate(headers=headers, app=engaged.app)


def test_the_document_tested_is_the_one_served(reader: Client) -> None:
    assert as_json(reader.get("/openapi.json")) == _DOCUMENT_ONLY.openapi()


# What schemathesis found, each as a plain test.


def test_a_year_given_as_a_whole_json_number_is_that_year(served: Served, tmp_path: Path) -> None:
    # JSON has one number type, and JSON Schema's "integer" takes 2023.0; strictness still
    # refuses a boolean, a string and a fraction.
    with serving(served.copy(tmp_path)) as client:
        token = served.tokens["root"]
        done = client.post("/api/calculate", token, json={"year": 2023.0})
        assert done.status_code == 200, done.text
        assert as_json(done)["year"] == 2023
        for year in (True, "2023", 2023.5):
            refused = client.post("/api/calculate", token, json={"year": year})
            assert refused.status_code == 422, (year, refused.text)
            assert detail(refused).startswith("year: "), year


def test_a_405_allows_every_method_of_the_path(reader: Client, served: Served) -> None:
    # GET and POST /api/imports are two routes; Starlette's Allow named only the first.
    answer = reader.request("DELETE", "/api/imports", served.tokens["root"])
    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET, POST"
    assert detail(answer) == "Method Not Allowed"


def test_the_document_lists_the_record_kinds_a_proof_takes(reader: Client) -> None:
    doc = as_json(reader.get("/openapi.json"))
    kind = next(
        p for p in doc["paths"]["/api/ledger/proof"]["get"]["parameters"] if p["name"] == "kind"
    )
    assert kind["schema"]["enum"] == record_kinds()
    assert {"activity", "run"} <= set(kind["schema"]["enum"])
