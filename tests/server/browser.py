"""What the browser tests (tests/server/test_browser*.py) share: a real `zerotrail serve`
process, logging in through the login form, and the checks every page gets (no sideways
overflow; nothing fetched from elsewhere, no CSP violation or script error).

Skipped, with one line, where /usr/bin/chromium is not installed (Playwright's own browser is
never downloaded: `playwright install` needs a CDN).
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.chromium import CHROMIUM
from tests.server.conftest import first_line

LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+) \(workspace .+\)")

NEEDS_CHROMIUM = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"{CHROMIUM} is not installed (Debian: apt-get install chromium)"
)


@contextmanager
def serving(
    db: Path | str,
    folder: Path,
    *,
    extra: tuple[str, ...] = (),
    env: Mapping[str, str] | None = None,
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """(base URL, the process) of `zerotrail serve` on `db` (a DuckDB file or a PostgreSQL
    URL) at a free port, its stderr in
    folder/stderr.txt; stopped with SIGTERM after (killed if it does not stop in 20 s)."""
    stderr = folder / "stderr.txt"
    command = [sys.executable, "-m", "zerotrail", "serve", "--db", str(db), "--port", "0"]
    command.extend(extra)
    with stderr.open("w", encoding="utf-8") as err:
        proc = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            env=None if env is None else dict(env),
        )
    try:
        found = LISTENING.fullmatch(first_line(proc, 60).rstrip("\n"))
        assert found, stderr.read_text(encoding="utf-8")
        yield found.group(1), proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()


def log_in(page: Any, base: str, name: str, password: str) -> None:
    """Logs `name` in through the login form; the page ends on the dashboard."""
    page.goto(f"{base}/login")
    page.fill("#name", name)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def no_overflow(page: Any, width: int, what: str = "page") -> None:
    """Fails when the page itself scrolls sideways (tables scroll in their own box)."""
    scroll, view = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= view, f"{what}: horizontal overflow at {width} px: {scroll} px"


class Watch:
    """What a page fetched (URLs) and reported (console errors and uncaught exceptions)."""

    def __init__(self, page: Any) -> None:
        self.requests: list[str] = []
        self.problems: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("console", lambda m: self.problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.problems.append(str(e)))

    def assert_clean(self, base: str, *, expected: str | None = None) -> None:
        """Nothing fetched from anywhere but the server, and no CSP violation or script
        error (problems holding `expected` aside)."""
        assert all(url.startswith(f"{base}/") for url in self.requests), self.requests
        unexpected = [p for p in self.problems if expected is None or expected not in p]
        assert unexpected == [], unexpected
