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
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.chromium import launched
from tests.conftest import Templates
from tests.server.browser import NEEDS_CHROMIUM, Watch, log_in, no_overflow, serving
from tests.server.roadmap_world import planned_world
from zerotrail.server.report_folder import LOG_KEY_ENV, REPORTS_ENV

pytestmark = NEEDS_CHROMIUM


@pytest.fixture(scope="module")
def server(
    workspace_template: Templates, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """(base URL, the analyst's password) of `zerotrail serve` on a copy of the world."""
    folder = tmp_path_factory.mktemp("browser-roadmap")
    world = planned_world(workspace_template, folder)
    env = {k: v for k, v in os.environ.items() if k != LOG_KEY_ENV}
    env[REPORTS_ENV] = str(folder / "reports")
    with serving(world.path, folder, env=env) as (base, _):
        yield base, world.passwords["ana"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launched()


@pytest.mark.parametrize("width", [390, 1280])
def test_an_analyst_uses_the_roadmap_credits_and_reports_pages(
    server: tuple[str, str], browser: Any, width: int, tmp_path: Path
) -> None:
    base, password = server
    page = browser.new_page(viewport={"width": width, "height": 900})
    watch = Watch(page)
    try:
        log_in(page, base, "ana", password)

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
        no_overflow(page, width, "/roadmap")
        page.screenshot(path=str(tmp_path / f"roadmap-{width}.png"), full_page=True)

        page.goto(f"{base}/credits?year=2023")
        no_overflow(page, width, "/credits")
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
        no_overflow(page, width, "/credits after finalizing")

        page.goto(f"{base}/reports")
        assert page.locator("#publish-year").count() == 1
        no_overflow(page, width, "/reports")
    finally:
        page.close()
    assert watch.requests
    watch.assert_clean(base)
