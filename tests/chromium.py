"""Debian's Chromium driven by Playwright, for the tests that look at pages as a browser does
(tests/reports/test_demo_layout.py, tests/server/test_browser.py).

Playwright's own browser download needs a network; the tests use the system's
/usr/bin/chromium (`.ci/run` installs the `chromium` package when it is missing) and are
skipped with one line when it is not there.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")


def launched() -> Iterator[Any]:
    """A launched Chromium (a Playwright Browser), closed after; a module fixture yields
    from it. Skips the caller's tests when Chromium is not installed."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (Debian: apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    from tests.postgres import short_temp

    # Playwright gives Chromium a profile folder in $TMPDIR, and Chromium keeps a Unix socket
    # there: under a long temporary folder its path passes the 107-byte limit and Chromium
    # exits at once. The driver, started here, takes its TMPDIR from this process.
    saved = os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = short_temp()
    try:
        pw_context = sync_playwright()
        pw = pw_context.__enter__()
    finally:
        if saved is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = saved
    try:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM))
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        pw_context.__exit__(None, None, None)
