"""The inventory explorer's REST routes (server/api_explorer.py) on the explorer world of
tests/pipeline/test_explorer.py (its docstring states the arithmetic):

    Scope 1  d-a A 10 t, d-b B 5 t                                  15 t
    Scope 2  e-a A 100 t location-based, 121.92 t market-based     100 t / 121.92 t
    Scope 3  category 1: s-a A 60 t (no site), s-a2 A 20 t (SA),
             s-b B 40 t (no site)                                   120 t

An owner of A sees A's part only: Scope 1 10 t, Scope 2 100 t, Scope 3 80 t (190 t).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.conftest import Templates
from tests.pipeline.test_explorer import YEAR, fill_explorer_world
from tests.server.conftest import Client, as_json, detail, serving
from zerotrail.pipeline.users import add_user, new_token
from zerotrail.store.workspace import open_workspace

USERS = {"ana": ("analyst", ()), "vic": ("viewer", ()), "own-a": ("owner", ("A",))}


@dataclass(frozen=True)
class World:
    client: Client
    tokens: dict[str, str]


@pytest.fixture(scope="module")
def world(
    workspace_template: Templates, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    path = tmp_path_factory.mktemp("api-explorer") / "w.duckdb"
    shutil.copyfile(workspace_template(fill_explorer_world), path)
    ws = open_workspace(str(path))
    try:
        tokens = {}
        for name, (role, entities) in USERS.items():
            add_user(ws, name, role, entities)
            tokens[name] = new_token(ws, name)
    finally:
        ws.close()
    with serving(path) as client:
        yield World(client, tokens)


def _get(world: World, path: str, user: str = "ana") -> dict[str, object]:
    answer = world.client.get(path, world.tokens[user])
    assert answer.status_code == 200, answer.text
    body = as_json(answer)
    assert isinstance(body, dict)
    return body


def _lines(body: dict[str, object]) -> list[tuple[object, ...]]:
    lines = body["lines"]
    assert isinstance(lines, list)
    return [(x["key"], x["entity"], x["records"], x["co2e_t"], x["co2e_market_t"]) for x in lines]


def test_an_analyst_drills_from_the_total_to_a_record(world: World) -> None:
    top = _get(world, f"/api/inventory/{YEAR}/breakdown")
    assert (top["level"], top["records"], top["co2e_t"]) == ("scope", 6, pytest.approx(235))
    assert top["co2e_market_t"] == pytest.approx(256.92)  # 15 + 121.92 + 120
    assert [x[0] for x in _lines(top)] == ["1", "2", "3"]
    cats = _get(world, f"/api/inventory/{YEAR}/breakdown?scope=3")
    assert _lines(cats) == [("1", None, 3, pytest.approx(120), pytest.approx(120))]
    sites = _get(world, f"/api/inventory/{YEAR}/breakdown?scope=3&category=1")
    assert _lines(sites) == [
        ("", "A", 1, pytest.approx(60), pytest.approx(60)),
        ("", "B", 1, pytest.approx(40), pytest.approx(40)),
        ("SA", "A", 1, pytest.approx(20), pytest.approx(20)),
    ]
    page = _get(world, f"/api/inventory/{YEAR}/records?scope=3&category=1&site=SA")
    assert (page["records"], page["limit"], page["offset"]) == (1, 50, 0)
    (rec,) = page["lines"]  # type: ignore[misc]
    assert (rec["record_id"], rec["quantity"], rec["unit"]) == ("s-a2", 10, "t")
    assert rec["co2e_t"] == pytest.approx(20)  # 10 t x 2.0 t CO2e/t
    assert rec["factor"]["factor_id"] == "t-steel"
    assert rec["factor"]["licences"] == ["CC0-1.0"]
    assert rec["provenance"]["file_name"] == "activities.csv"


def test_site_empty_is_the_records_of_no_site(world: World) -> None:
    page = _get(world, f"/api/inventory/{YEAR}/records?scope=3&category=1&site=")
    assert [r["record_id"] for r in page["lines"]] == ["s-a", "s-b"]  # type: ignore[attr-defined]
    one = _get(world, f"/api/inventory/{YEAR}/records?scope=3&category=1&limit=1&offset=1")
    assert [r["record_id"] for r in one["lines"]] == ["s-a2"]  # type: ignore[attr-defined]
    assert one["records"] == 3


def test_an_owner_sees_its_own_entities_part_only(world: World) -> None:
    top = _get(world, f"/api/inventory/{YEAR}/breakdown", "own-a")
    # A: d-a 10 t; e-a 100 t (121.92 t market); s-a 60 t + s-a2 20 t.
    assert _lines(top) == [
        ("1", None, 1, pytest.approx(10), pytest.approx(10)),
        ("2", None, 1, pytest.approx(100), pytest.approx(121.92)),
        ("3", None, 2, pytest.approx(80), pytest.approx(80)),
    ]
    page = _get(world, f"/api/inventory/{YEAR}/records?scope=3&category=1", "own-a")
    assert [r["record_id"] for r in page["lines"]] == ["s-a", "s-a2"]  # type: ignore[attr-defined]
    for path in ("breakdown?entity=B", "records?entity=B"):
        refused = world.client.get(f"/api/inventory/{YEAR}/{path}", world.tokens["own-a"])
        assert refused.status_code == 403
        assert detail(refused) == "an owner sees only its own entities, not B"


def test_refusals(world: World) -> None:
    token = world.tokens["ana"]
    base = f"/api/inventory/{YEAR}"
    assert world.client.get(f"{base}/breakdown").status_code == 401
    for route in ("breakdown", "records"):  # a viewer sees the dashboards only
        refused = world.client.get(f"{base}/{route}", world.tokens["vic"])
        assert refused.status_code == 403
        assert detail(refused).endswith(
            "(a viewer sees the dashboards only); allowed: admin,"
            " owner, approver, analyst, verifier"
        )
    missing = world.client.get("/api/inventory/2019/breakdown", token)
    assert missing.status_code == 404 and "2019" in detail(missing)
    none = as_json(world.client.get(f"{base}/breakdown?scope=3&category=16", token))
    assert (none["records"], none["co2e_t"], none["lines"]) == (0, 0, [])
    assert world.client.get(f"{base}/breakdown?scope=4", token).status_code == 422
    assert world.client.get(f"{base}/records?limit=501", token).status_code == 422
    assert world.client.get(f"{base}/records?offset=-1", token).status_code == 422


def test_the_routes_are_in_the_openapi_document(world: World) -> None:
    paths = as_json(world.client.get("/openapi.json"))["paths"]
    for route in ("breakdown", "records"):
        answers = paths[f"/api/inventory/{{year}}/{route}"]["get"]["responses"]
        assert {"200", "400", "401", "403", "404", "422"} <= set(answers)
