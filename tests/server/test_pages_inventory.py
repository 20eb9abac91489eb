"""The inventory explorer page (/inventory, server/pages_inventory.py) in process, on the
explorer world of tests/pipeline/test_explorer.py (its docstring states the arithmetic):

    Scope 1  d-a A 10 t, d-b B 5 t                                  15 t
    Scope 2  e-a A 100 t location-based, 121.92 t market-based     100 t / 122 t
    Scope 3  category 1: s-a A 60 t (no site), s-a2 A 20 t (SA),
             s-b B 40 t (no site)                                   120 t
    Total                                                          235 t / 257 t

The page writes whole tonnes from 10 t up (web.py `_tonnes`). An owner of A sees A's part:
10 + 100 + 80 = 190 t location-based.
"""

from __future__ import annotations

import html
import re
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Templates
from tests.pipeline.test_explorer import YEAR, fill_explorer_world
from tests.server.test_web import World, app_for, logged_in, with_users
from zerotrail.pipeline.users import new_token
from zerotrail.server import pages_inventory
from zerotrail.store.workspace import open_workspace

USERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "p-ana": ("analyst", ()),
    "p-vic": ("viewer", ()),
    "p-apu": ("approver", ()),
    "p-own": ("owner", ("A",)),
}


@pytest.fixture(scope="module")
def world(workspace_template: Templates, tmp_path_factory: pytest.TempPathFactory) -> World:
    path = tmp_path_factory.mktemp("pages-inventory") / "w.duckdb"
    shutil.copyfile(workspace_template(fill_explorer_world), path)
    passwords = with_users(path, USERS)
    ws = open_workspace(str(path))
    try:
        new_token(ws, "p-ana")  # a server starts only when someone could call its API
    finally:
        ws.close()
    return World(path, passwords)


@pytest.fixture(scope="module")
def site(world: World) -> Iterator[Any]:
    with app_for(world.path) as new_browser:
        yield new_browser


def link(page: str, text: str) -> str:
    """The href of the link whose text is `text` (unescaped, as a browser would follow it)."""
    found = re.search(r'<a href="([^"]+)"[^>]*>' + re.escape(html.escape(text)) + "</a>", page)
    assert found, f"no link {text!r} in the page"
    return html.unescape(found.group(1))


def text_of(page: str) -> str:
    """The page's text, its runs of white space one space."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_an_analyst_drills_from_the_total_to_a_record(site: Any, world: World) -> None:
    browser = logged_in(site, world, "p-ana")
    top = browser.get("/inventory")
    assert top.status_code == 200
    assert f'<option value="{YEAR}" selected>' in top.text
    assert "235 t CO₂e location-based, 257 market-based" in text_of(top.text)
    scope3 = browser.get(link(top.text, "Scope 3"))
    assert "1. Purchased goods and services" in scope3.text
    cat1 = browser.get(link(scope3.text, "1. Purchased goods and services"))
    assert cat1.status_code == 200
    # By site with its entity: no site (A 60 t, B 40 t), then SA (A, 20 t).
    body = cat1.text.split("<tbody>")[1].split("</tbody>")[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    assert [text_of(r) for r in rows] == [
        "(no site) A 1 60 60",
        "(no site) B 1 40 40",
        "SA A 1 20 20",
    ]
    records = browser.get(link(cat1.text, "SA"))
    assert records.status_code == 200
    shown = text_of(records.text)
    assert "s-a2 (version 1)" in shown
    assert "purchased_goods.steel: 10 t" in shown  # the quantity and unit
    assert "20 t CO₂e location-based" in shown  # 10 t x 2.0 t CO2e/t
    assert "t-steel of explorer-test" in shown and "Licence: CC0-1.0" in shown
    assert "Cells: explorer.xlsx sheet 1 cell B7" in shown  # len("t-steel") = 7
    assert '<a href="https://factors.example/explorer" rel="noreferrer">' in records.text
    assert "activities.csv (import" in shown
    assert link(records.text, "Download the ledger proof of s-a2") == (
        "/ledger/proof?kind=activity&ref=s-a2&opening=1"
    )


def test_the_records_of_no_site_and_the_pages_of_records(
    site: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    browser = logged_in(site, world, "p-ana")
    monkeypatch.setattr(pages_inventory, "PAGE_RECORDS", 1)
    first = browser.get(f"/inventory?year={YEAR}&scope=3&category=1&site=")
    assert "s-a (version 1)" in text_of(first.text) and "s-b" not in first.text
    assert "Records 1 to 1 of 2" in first.text  # s-a and s-b: the category's records of no site
    second = browser.get(link(first.text, "Next"))
    assert "s-b (version 1)" in text_of(second.text) and "Records 2 to 2 of 2" in second.text
    assert ">Next</a>" not in second.text
    assert link(second.text, "Previous").endswith("offset=0")


def test_an_approver_sees_the_records_without_proof_links(site: Any, world: World) -> None:
    browser = logged_in(site, world, "p-apu")
    page = browser.get(
        f"/inventory?year={YEAR}&scope=1&category=stationary_combustion.diesel&site=SA"
    )
    assert page.status_code == 200
    assert "d-a (version 1)" in text_of(page.text) and "/ledger/proof" not in page.text
    assert "Proofs are not offered to an approver" in page.text


def test_a_viewer_sees_the_dashboards_only(site: Any, world: World) -> None:
    browser = logged_in(site, world, "p-vic")
    for path in ("/inventory", f"/inventory?year={YEAR}&scope=1"):
        page = browser.get(path)
        assert page.status_code == 403
        assert "A viewer may not explore the inventory: a viewer sees the dashboards only." in (
            page.text
        )
        assert "d-a" not in page.text and 'href="/inventory"' not in page.text  # nor in the nav
        assert 'href="/">Back to the dashboard' in page.text


def test_an_owner_sees_its_own_part_only(site: Any, world: World) -> None:
    browser = logged_in(site, world, "p-own")
    top = browser.get("/inventory")
    shown = text_of(top.text)
    assert "the part of your entities (A) only" in shown
    assert "190 t CO₂e location-based" in shown  # 10 + 100 + 80
    refused = browser.get(f"/inventory?year={YEAR}&scope=3&category=1&site=&entity=B")
    assert refused.status_code == 400
    assert "an owner sees only its own entities, not B" in refused.text
    assert "s-b" not in refused.text


def test_bad_queries_are_one_line_and_a_missing_year_a_note(site: Any, world: World) -> None:
    browser = logged_in(site, world, "p-ana")
    bad = browser.get("/inventory?scope=x")
    assert bad.status_code == 400
    assert "scope: expected a whole number, got &#39;x&#39;" in bad.text
    assert browser.get("/inventory?scope=4").status_code == 400
    empty = browser.get("/inventory?scope=3&category=16")
    assert empty.status_code == 200 and "No calculated records here." in empty.text
    missing = browser.get("/inventory?year=2019")
    assert (
        missing.status_code == 200 and "No inventory of 2019 has been calculated." in missing.text
    )


def test_the_page_needs_a_login(site: Any) -> None:
    answer = site().get("/inventory")
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
