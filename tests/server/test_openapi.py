"""The OpenAPI document at /openapi.json: version 3.1, and every answer a route can give listed."""

from __future__ import annotations

from typing import Any

from tests.server.conftest import Client, as_json


def _operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m.upper(), p, op) for p, ops in doc["paths"].items() for m, op in ops.items()]


def test_the_document_is_openapi_3_1_and_lists_every_route(reader: Client) -> None:
    doc = as_json(reader.get("/openapi.json"))
    assert doc["openapi"] == "3.1.0"
    assert {(m, p) for m, p, _ in _operations(doc)} == {
        ("GET", "/api/me"),
        ("GET", "/api/inventory/{year}"),
        ("GET", "/api/progress/{year}"),
        ("GET", "/api/ledger/checkpoint"),
        ("GET", "/api/ledger/proof"),
        ("POST", "/api/calculate"),
        ("POST", "/api/imports"),
        ("GET", "/api/imports"),
        ("GET", "/api/imports/{submission_id}"),
        ("POST", "/api/imports/{submission_id}/approve"),
        ("POST", "/api/imports/{submission_id}/reject"),
        ("GET", "/api/inventory/{year}/breakdown"),
        ("GET", "/api/inventory/{year}/records"),
        ("GET", "/api/targets"),
        ("GET", "/api/targets/{target_id}"),
        ("GET", "/api/initiatives"),
        ("POST", "/api/finalize"),
        ("GET", "/api/credits"),
        ("POST", "/api/credits/{credit_id}/retire"),
        ("POST", "/api/credits/{credit_id}/assign"),
        ("GET", "/api/claims/{year}"),
        ("POST", "/api/claims"),
        ("POST", "/api/reports"),
        ("GET", "/api/reports"),
        ("GET", "/api/reports/{year}/{file}"),
        ("GET", "/api/verification/engagements"),
        ("GET", "/api/verification/engagements/{engagement_id}"),
        ("GET", "/api/verification/engagements/{engagement_id}/evaluation"),
        ("POST", "/api/verification/engagements/{engagement_id}/sample"),
        ("POST", "/api/verification/engagements/{engagement_id}/findings"),
        ("POST", "/api/verification/findings/{finding_id}/respond"),
        ("POST", "/api/verification/findings/{finding_id}/close"),
        ("POST", "/api/verification/findings/{finding_id}/reopen"),
    }


# Routes whose 422 may also list a file's row errors (server/submissions.py).
ROW_ERRORS = {("POST", "/api/imports"), ("POST", "/api/imports/{submission_id}/approve")}


def test_every_route_declares_its_error_answers_and_the_bearer_scheme(reader: Client) -> None:
    doc = as_json(reader.get("/openapi.json"))
    assert doc["components"]["securitySchemes"]["HTTPBearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "An API token from `zerotrail users token NAME`.",
    }
    error = {"$ref": "#/components/schemas/ErrorBody"}
    for method, path, op in _operations(doc):
        assert op["security"] == [{"HTTPBearer": []}], (method, path)
        for code in ("400", "401", "403", "404", "422", "500", "503"):
            answer = op["responses"].get(code)
            assert answer is not None, f"{method} {path} does not declare {code}"
            schema = answer["content"]["application/json"]["schema"]
            if code == "422" and (method, path) in ROW_ERRORS:  # {"detail"} fits RowErrors too
                assert schema == {"$ref": "#/components/schemas/RowErrors"}, (method, path)
                continue
            assert schema == error, (method, path, code)
    assert doc["components"]["schemas"]["ErrorBody"]["required"] == ["detail"]


def test_figures_are_numbers_and_the_year_is_bounded(reader: Client) -> None:
    schemas = as_json(reader.get("/openapi.json"))["components"]["schemas"]
    inventory = schemas["Inventory"]["properties"]
    for field in ("scope1", "scope2_location", "scope2_market", "scope3", "total_market"):
        assert inventory[field]["type"] == "number", field
    year = schemas["CalculationRequest"]["properties"]["year"]
    assert (year["type"], year["minimum"], year["maximum"]) == ("integer", 1990, 2100)
    assert schemas["CalculationRequest"]["additionalProperties"] is False


def test_an_upload_names_its_kind_from_the_stages_list(reader: Client) -> None:
    # schemathesis sends only the kinds listed (the stage refuses any other, 400); the route
    # and the answer take the stage's own list.
    from zerotrail.pipeline.submissions import KINDS

    doc = as_json(reader.get("/openapi.json"))
    body = doc["paths"]["/api/imports"]["post"]["requestBody"]["content"]["multipart/form-data"]
    form = doc["components"]["schemas"][body["schema"]["$ref"].rsplit("/", 1)[-1]]
    assert form["properties"]["kind"]["enum"] == list(KINDS) == ["activities", "meters"]
    assert form["properties"]["kind"]["default"] == "activities"
    assert form["required"] == ["file"]
    listed = doc["components"]["schemas"]["Submission"]["properties"]["kind"]
    assert listed["enum"] == list(KINDS)
