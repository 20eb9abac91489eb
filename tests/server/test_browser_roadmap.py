"""The roadmap, credits and reports pages in a real browser: Debian's Chromium, driven by
Playwright, against a real `zerotrail serve` process on roadmap_world.py's world.

At 390 and 1280 px wide an analyst sees the roadmap with the report's pathway chart drawn by
vega-embed (no CSP violation, nothing fetched from elsewhere), the credits page and the reports
page, none overflowing sideways; on the credits page the finalize form, sent by htmx, swaps in
the page with its outcome. Skipped, with one line, where /usr/bin/chromium is not installed.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.chromium import CHROMIUM, launched
from tests.conftest import Templates
from tests.server.conftest import first_line
from tests.server.roadmap_world import planned_world
from zerotrail.server.report_folder import LOG_KEY_ENV, REPORTS_ENV

LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+) \(workspace .+\)")

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"{CHROMIUM} is not installed (Debian: apt-get install chromium)"
)


@pytest.fixture(scope="module")
def server(
    workspace_template: Templates, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """(base URL, the analyst's password) of `zerotrail serve` on a copy of the world."""
    folder = tmp_path_factory.mktemp("browser-roadmap")
    world = planned_world(workspace_template, folder)
    env = {k: v for k, v in os.environ.items() if k != LOG_KEY_ENV}
    env[REPORTS_ENV] = str(folder / "reports")
    command = [sys.executable, "-m", "zerotrail", "serve", "--db", str(world.path), "--port", "0"]
    with (folder / "stderr.txt").open("w", encoding="utf-8") as err:
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=err, text=True, env=env)
    try:
        found = LISTENING.fullmatch(first_line(proc, 60).rstrip("\n"))
        assert found, (folder / "stderr.txt").read_text(encoding="utf-8")
        yield found.group(1), world.passwords["ana"]
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


def _no_overflow(page: Any, width: int, what: str) -> None:
    scroll, view = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= view, f"{what}: horizontal overflow at {width} px: {scroll} px"


@pytest.mark.parametrize("width", [390, 1280])
def test_an_analyst_uses_the_roadmap_credits_and_reports_pages(
    server: tuple[str, str], browser: Any, width: int, tmp_path: Path
) -> None:
    base, password = server
    page = browser.new_page(viewport={"width": width, "height": 900})
    requests: list[str] = []
    problems: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    try:
        page.goto(f"{base}/login")
        page.fill("#name", "ana")
        page.fill("#password", password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")

        page.goto(f"{base}/roadmap?year=2023")
        page.wait_for_selector("[data-drawn]", timeout=30_000)
        drawn = page.eval_on_selector_all(
            "[data-chart]",
            "els => els.map(e => [e.getAttribute('data-drawn'), e.querySelectorAll('svg').length])",
        )
        # One pathway chart (S12; the neutrality target has none), the phone variant where the
        # page is narrower than the report's 640 px one.
        assert drawn == [["narrow" if width < 700 else "wide", 1]], drawn
        assert "1,650 t CO2e" in page.locator("#targets-table").inner_text()
        _no_overflow(page, width, "/roadmap")
        page.screenshot(path=str(tmp_path / f"roadmap-{width}.png"), full_page=True)

        page.goto(f"{base}/credits?year=2023")
        _no_overflow(page, width, "/credits")
        if page.locator("text=The 2023 inventory is not final.").count():
            # The first width finalizes the year (htmx swaps the page's main in place)...
            page.click("text=Finalize the 2023 inventory")
            page.wait_for_selector("#outcome")
            assert page.url == f"{base}/credits?year=2023"  # swapped in, not navigated
            assert re.fullmatch(
                r"The 2023 inventory \(run \S+\) is final\.", page.locator("#outcome").inner_text()
            )
        # ... and the second finds it final.
        assert page.locator("#final-state").inner_text() == "The 2023 inventory is final."
        _no_overflow(page, width, "/credits after finalizing")

        page.goto(f"{base}/reports")
        assert page.locator("#publish-year").count() == 1
        _no_overflow(page, width, "/reports")
    finally:
        page.close()
    assert requests and all(url.startswith(f"{base}/") for url in requests), requests
    assert problems == []
