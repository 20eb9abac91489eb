"""The web app in a real browser: Debian's Chromium, driven by Playwright, against a real
`zerotrail serve` process.

An analyst logs in, sees the dashboard, and vega-embed draws its charts as SVG under the pages'
Content-Security-Policy (no 'unsafe-eval': vega's expression interpreter), with no request to
anywhere but the server, and no horizontal overflow at 390 and 1280 px wide. The figures are
conftest.py's world: 1,000 MWh + 2,000 MWh x 0.55 t CO2/MWh = 550 t + 1,100 t = 1,650 t CO2e
Scope 2 location-based in 2023.

Skipped, with one line, where /usr/bin/chromium is not installed (Playwright's own browser is
never downloaded: `playwright install` needs a CDN).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.chromium import launched
from tests.server.browser import NEEDS_CHROMIUM, Watch, log_in, no_overflow, serving
from tests.server.conftest import Served
from zerotrail.pipeline.users import add_user
from zerotrail.store.workspace import open_workspace

pytestmark = NEEDS_CHROMIUM


@pytest.fixture(scope="module")
def server(served: Served, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """(base URL, the analyst's password, (its stderr file, its stdout lines after the first))
    of a `zerotrail serve` subprocess on a copy of the world, with its access log on."""
    folder = tmp_path_factory.mktemp("browser")
    db = served.copy(folder)
    ws = open_workspace(str(db))
    try:
        password = add_user(ws, "web-ana", "analyst")
    finally:
        ws.close()
    # --access-log: to check what its lines hold.
    with serving(db, folder, extra=("--access-log",)) as (base, proc):
        # uvicorn's access log goes to stdout, after the "listening on" line: kept as it comes.
        log: list[str] = []
        out = proc.stdout
        assert out is not None
        threading.Thread(target=lambda: log.extend(iter(out.readline, "")), daemon=True).start()
        yield base, password, (folder / "stderr.txt", log)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, driven by Playwright: launched once for the module."""
    yield from launched()


@pytest.mark.parametrize("width", [390, 1280])
def test_an_analyst_logs_in_and_sees_the_charts(
    server: Any, browser: Any, width: int, tmp_path: Path
) -> None:
    base, password, _ = server
    page = browser.new_page(viewport={"width": width, "height": 900})
    watch = Watch(page)
    try:
        page.goto(f"{base}/")
        assert page.url == f"{base}/login"  # not logged in yet
        log_in(page, base, "web-ana", password)
        assert page.locator(".who").inner_text().startswith("web-ana")
        page.wait_for_selector("[data-drawn]", timeout=30_000)
        drawn = page.eval_on_selector_all(
            "[data-chart]",
            "els => els.map(e => [e.getAttribute('data-drawn'),"
            " e.querySelectorAll('svg .mark-rect path, svg .mark-rect rect').length])",
        )
        # Two charts in this world, each drawn as SVG with bars: the scopes, and the renewable
        # share of its 3,000 MWh of grid electricity (no certificates: 0%); no Scope 3, so no
        # category chart, and no target, so no pathway. The phone variant where the page is too
        # narrow for the report's 640 px one.
        variant = "narrow" if width < 700 else "wide"
        assert [d[0] for d in drawn] == [variant, variant], drawn
        assert all(bars >= 1 for _, bars in drawn), drawn
        assert "1,650" in page.locator("#scopes-table").inner_text()
        assert "0.0%" in page.locator("#renewables-table").inner_text()
        no_overflow(page, width, "dashboard")
        page.screenshot(path=str(tmp_path / f"dashboard-{width}.png"), full_page=True)
        assert (tmp_path / f"dashboard-{width}.png").stat().st_size > 0
    finally:
        page.close()
    # Nothing fetched from anywhere but the server, and no CSP violation or script error.
    assert watch.requests
    watch.assert_clean(base)


def test_the_servers_log_holds_no_password_or_session_id(server: Any, browser: Any) -> None:
    base, password, logs = server
    page = browser.new_page()
    try:
        log_in(page, base, "web-ana", password)
        session_id = {c["name"]: c["value"] for c in page.context.cookies()}["zt_session"]
        page.click("text=Log out")
        page.wait_for_url(f"{base}/login")
    finally:
        page.close()
    stderr, lines = logs
    deadline = time.monotonic() + 10
    while '"POST /logout HTTP/1.1" 303' not in "".join(lines) and time.monotonic() < deadline:
        time.sleep(0.05)  # the access line is written after the answer is sent
    log = "".join(lines) + stderr.read_text(encoding="utf-8")
    assert '"POST /login HTTP/1.1" 303' in log and '"POST /logout HTTP/1.1" 303' in log
    assert password not in log and session_id not in log
