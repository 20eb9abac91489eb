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

import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.chromium import CHROMIUM, launched
from tests.server.conftest import Served, first_line
from zerotrail.pipeline.users import add_user
from zerotrail.store.workspace import open_workspace

LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+) \(workspace .+\)")

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"{CHROMIUM} is not installed (Debian: apt-get install chromium)"
)


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
    stderr = folder / "stderr.txt"
    command = [sys.executable, "-m", "zerotrail", "serve", "--db", str(db), "--port", "0"]
    command.append("--access-log")  # to check what its lines hold
    with stderr.open("w", encoding="utf-8") as err:
        proc = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )
    try:
        found = LISTENING.fullmatch(first_line(proc, 60).rstrip("\n"))
        assert found, stderr.read_text(encoding="utf-8")
        # uvicorn's access log goes to stdout, after the "listening on" line: kept as it comes.
        log: list[str] = []
        out = proc.stdout
        assert out is not None
        threading.Thread(target=lambda: log.extend(iter(out.readline, "")), daemon=True).start()
        yield found.group(1), password, (stderr, log)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()


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
    requests: list[str] = []
    problems: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    try:
        page.goto(f"{base}/")
        assert page.url == f"{base}/login"  # not logged in yet
        page.fill("#name", "web-ana")
        page.fill("#password", password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        assert page.locator(".who").inner_text().startswith("web-ana")
        page.wait_for_selector("[data-drawn]", timeout=30_000)
        drawn = page.eval_on_selector_all(
            "[data-chart]",
            "els => els.map(e => [e.getAttribute('data-drawn'),"
            " e.querySelectorAll('svg .mark-rect path, svg .mark-rect rect').length])",
        )
        # One chart in this world (no Scope 3: no category chart), drawn as SVG with bars; the
        # phone variant where the page is too narrow for the report's 640 px one.
        assert drawn == [["narrow" if width < 700 else "wide", drawn[0][1]]], drawn
        assert drawn[0][1] >= 1
        assert "1,650" in page.locator("#scopes-table").inner_text()
        scroll, view = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll <= view, f"horizontal overflow at {width} px: {scroll} px"
        page.screenshot(path=str(tmp_path / f"dashboard-{width}.png"), full_page=True)
        assert (tmp_path / f"dashboard-{width}.png").stat().st_size > 0
    finally:
        page.close()
    # Nothing fetched from anywhere but the server, and no CSP violation or script error.
    assert requests and all(url.startswith(f"{base}/") for url in requests), requests
    assert problems == []


def test_the_servers_log_holds_no_password_or_session_id(server: Any, browser: Any) -> None:
    base, password, logs = server
    page = browser.new_page()
    try:
        page.goto(f"{base}/login")
        page.fill("#name", "web-ana")
        page.fill("#password", password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
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
