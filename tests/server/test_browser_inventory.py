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
import signal
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from tests.chromium import CHROMIUM, launched
from tests.conftest import Templates
from tests.pipeline.test_explorer import fill_explorer_world
from tests.server.conftest import first_line
from zerotrail.pipeline.users import add_user, new_token
from zerotrail.store.workspace import open_workspace

LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+) \(workspace .+\)")

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"{CHROMIUM} is not installed (Debian: apt-get install chromium)"
)


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
    command = [sys.executable, "-m", "zerotrail", "serve", "--db", str(db), "--port", "0"]
    with (folder / "stderr.txt").open("w", encoding="utf-8") as err:
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=err, text=True)
    try:
        found = LISTENING.fullmatch(first_line(proc, 60).rstrip("\n"))
        assert found, (folder / "stderr.txt").read_text(encoding="utf-8")
        yield found.group(1), password
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launched()


def _no_overflow(page: Any, width: int) -> None:
    scroll, view = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= view, f"horizontal overflow at {width} px: {scroll} px"


@pytest.mark.parametrize("width", [390, 1280])
def test_an_analyst_drills_from_the_total_to_a_record_and_its_factor(
    server: tuple[str, str], browser: Any, width: int
) -> None:
    base, password = server
    page = browser.new_page(viewport={"width": width, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    try:
        page.goto(f"{base}/login")
        page.fill("#name", "b-ana")
        page.fill("#password", password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        page.click("nav[aria-label=Pages] >> text=Inventory")
        page.wait_for_url(re.compile(r".*/inventory$"))
        # 15 + 100 + 120 = 235 t location-based.
        assert "235 t CO₂e location-based" in page.locator("#split-title").inner_text()
        _no_overflow(page, width)
        for step in ("Scope 3", "1. Purchased goods and services", "SA"):
            page.click(f"#breakdown >> a:text-is('{step}')")
            page.wait_for_load_state()
            _no_overflow(page, width)
        record = page.locator("article.record")
        assert record.count() == 1
        text = record.inner_text()
        assert "s-a2" in text and "purchased_goods.steel: 10 t" in text
        assert "20 t CO₂e location-based" in text  # 10 t x 2.0 t CO2e/t
        assert "t-steel" in text and "explorer-test" in text and "CC0-1.0" in text
        assert "activities.csv" in text
        proof = record.locator("a.proof").get_attribute("href")
        assert proof == "/ledger/proof?kind=activity&ref=s-a2&opening=1"
        _no_overflow(page, width)
    finally:
        page.close()
    assert problems == []
