"""The inventory explorer in a real browser: Debian's Chromium, driven by Playwright, against a
real `zerotrail serve` process on the explorer world of tests/pipeline/test_explorer.py.

An analyst logs in, opens /inventory and clicks from the total to Scope 3, its category 1, the
site SA and the record behind it: s-a2, 10 t of steel x 2.0 t CO2e/t (factor t-steel of the set
explorer-test) = 20 t CO2e, with its factor and provenance shown and a link to its proof. At 390
and 1280 px the page itself never scrolls sideways (tables scroll in their own box).

Skipped, with one line, where /usr/bin/chromium is not installed.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from tests.chromium import launched
from tests.conftest import Templates
from tests.pipeline.test_explorer import fill_explorer_world
from tests.server.browser import NEEDS_CHROMIUM, Watch, log_in, no_overflow, serving
from zerotrail.pipeline.users import add_user, new_token
from zerotrail.store.workspace import open_workspace

pytestmark = NEEDS_CHROMIUM


@pytest.fixture(scope="module")
def server(
    workspace_template: Templates, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """(base URL, the analyst's password) of a `zerotrail serve` subprocess on the world."""
    folder = tmp_path_factory.mktemp("browser-inventory")
    db = folder / "w.duckdb"
    shutil.copyfile(workspace_template(fill_explorer_world), db)
    ws = open_workspace(str(db))
    try:
        password = add_user(ws, "b-ana", "analyst")
        new_token(ws, "b-ana")  # a server starts only when someone could call its API
    finally:
        ws.close()
    with serving(db, folder) as (base, _):
        yield base, password


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launched()


@pytest.mark.parametrize("width", [390, 1280])
def test_an_analyst_drills_from_the_total_to_a_record_and_its_factor(
    server: tuple[str, str], browser: Any, width: int
) -> None:
    base, password = server
    page = browser.new_page(viewport={"width": width, "height": 900})
    watch = Watch(page)
    try:
        log_in(page, base, "b-ana", password)
        page.click("nav[aria-label=Pages] >> text=Inventory")
        page.wait_for_url(re.compile(r".*/inventory$"))
        # 15 + 100 + 120 = 235 t location-based.
        assert "235 t CO₂e location-based" in page.locator("#split-title").inner_text()
        no_overflow(page, width, page.url)
        for step in ("Scope 3", "1. Purchased goods and services", "SA"):
            page.click(f"#breakdown >> a:text-is('{step}')")
            page.wait_for_load_state()
            no_overflow(page, width, page.url)
        record = page.locator("article.record")
        assert record.count() == 1
        text = record.inner_text()
        assert "s-a2" in text and "purchased_goods.steel: 10 t" in text
        assert "20 t CO₂e location-based" in text  # 10 t x 2.0 t CO2e/t
        assert "t-steel" in text and "explorer-test" in text and "CC0-1.0" in text
        assert "activities.csv" in text
        proof = record.locator("a.proof").get_attribute("href")
        assert proof == "/ledger/proof?kind=activity&ref=s-a2&opening=1"
        no_overflow(page, width, page.url)
    finally:
        page.close()
    watch.assert_clean(base)
