"""The data and ledger pages in a real browser: Debian's Chromium, driven by Playwright, against
a real `zerotrail serve` process (the issue's "done when", on a DuckDB file).

A data owner of A uploads a CSV with a bad row and sees the row error in place (htmx: the page
stays), fixes the file and submits it; an approver approves it in the queue; an analyst
recalculates (POST /api/calculate with its token) and the dashboard's figure changes; a verifier
opens /ledger and downloads a proof that the verify stage accepts. The figures are conftest.py's
world, with the owner's new record m1 of A:

    before   1,000 MWh + 2,000 MWh = 3,000 MWh x 0.55 t CO2/MWh = 1,650 t CO2e Scope 2 (2023)
    after    3,000 MWh +   100 MWh = 3,100 MWh x 0.55 t CO2/MWh = 1,705 t CO2e

No horizontal overflow on the data and ledger pages at 390 and 1280 px; no request anywhere but
the server, no CSP violation or script error. Skipped, with one line, where /usr/bin/chromium is
not installed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.chromium import launched
from tests.server.browser import NEEDS_CHROMIUM, Watch, log_in, no_overflow, serving
from tests.server.conftest import Served
from zerotrail.pipeline.ledger import verify_proof
from zerotrail.pipeline.users import add_user, new_token
from zerotrail.store.workspace import open_workspace

SHOTS = Path(os.environ["ZT_SCREENSHOTS"]) if os.environ.get("ZT_SCREENSHOTS") else None
HEADER = "record_id,entity,period_start,period_end,activity,quantity,unit,region\n"

pytestmark = NEEDS_CHROMIUM


def _row(rid: str, entity: str, mwh: str) -> str:
    return f"{rid},{entity},2023-01-01,2023-12-31,electricity.grid,{mwh},MWh,CN-EAST\n"


@dataclass(frozen=True)
class Server:
    base: str
    passwords: dict[str, str]
    analyst_token: str


@pytest.fixture(scope="module")
def server(served: Served, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A `zerotrail serve` subprocess on a copy of the world, with users who have passwords."""
    folder = tmp_path_factory.mktemp("browser-data")
    db = served.copy(folder)
    ws = open_workspace(str(db))
    try:
        passwords = {
            name: add_user(ws, name, role, entities)
            for name, role, entities in [
                ("b-own", "owner", ("A",)),
                ("b-appr", "approver", ()),
                ("b-ana", "analyst", ()),
                ("b-vera", "verifier", ()),
            ]
        }
        token = new_token(ws, "b-ana")
    finally:
        ws.close()
    with serving(db, folder) as (base, _):
        yield Server(base, passwords, token)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launched()


class Watched:
    """A browser context of one user at one width, with what its pages fetched and reported;
    closed, and what it reported checked, at the end of its `with` block."""

    def __init__(self, browser: Any, server: Server, name: str, width: int) -> None:
        self.server = server
        self.width = width
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.page = self.context.new_page()
        self.watch = Watch(self.page)
        log_in(self.page, server.base, name, server.passwords[name])

    def no_overflow(self, what: str) -> None:
        if SHOTS is not None:  # to look at the pages by eye: ZT_SCREENSHOTS=folder
            name = re.sub(r"[^a-z0-9]+", "-", what.lower())
            self.page.screenshot(path=str(SHOTS / f"{name}-{self.width}.png"), full_page=True)
        no_overflow(self.page, self.width, what)

    def upload(self, name: str, text: str) -> None:
        self.page.set_input_files(
            "#upload-file", files=[{"name": name, "mimeType": "text/csv", "buffer": text.encode()}]
        )
        self.page.click("#upload-form button[type=submit]")

    def __enter__(self) -> Watched:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.context.close()
        # Nothing fetched from anywhere but the server, and no CSP violation or script error
        # (an answer of 4xx that htmx swapped in is logged by Chromium as a failed load: those
        # lines name the server's own URL and are expected).
        self.watch.assert_clean(self.server.base, expected="the server responded with a status")


def test_upload_fix_approve_recalculate_and_prove(
    server: Server, browser: Any, tmp_path: Path, served: Served
) -> None:
    base = server.base
    width = 390  # the phone width; 1280 px below
    with Watched(browser, server, "b-own", width) as owner:
        page = owner.page
        page.goto(f"{base}/data")
        owner.upload("meters.csv", HEADER + _row("m1", "A", "100") + _row("m2", "A", "lots"))
        errors = page.wait_for_selector("#row-errors")
        assert errors is not None
        # The header is row 1, m1 row 2, m2 row 3: its quantity "lots" is not a number.
        cells = page.eval_on_selector_all(
            "#row-errors tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.innerText))"
        )
        assert len(cells) == 1 and cells[0][:2] == ["3", "quantity"], cells
        assert "not a number" in cells[0][2]
        assert page.url == f"{base}/data"  # shown in place: htmx, no new page
        owner.no_overflow("data page with row errors")

        owner.upload("meters.csv", HEADER + _row("m1", "A", "100"))
        page.wait_for_selector("#upload-done")
        assert "meters.csv was submitted for approval." in page.inner_text("#upload-result")
        # The list is swapped in with the answer (out of band), without a reload.
        assert "meters.csv" in page.inner_text("#submissions-table")
        assert page.locator("#submissions").count() == 1

    with Watched(browser, server, "b-appr", width) as approver:
        page = approver.page
        page.goto(f"{base}/data")
        card = page.locator(".pending", has_text="meters.csv")
        assert card.count() == 1
        approver.no_overflow("data page with the approval queue")
        card.locator("button", has_text="Approve and import").click()
        page.wait_for_selector(".pending .done")
        assert "meters.csv was approved and imported: 1 record(s), 1 added" in card.inner_text()

    with Watched(browser, server, "b-ana", width) as analyst:
        page = analyst.page
        assert "1,650" in page.inner_text("#scopes-table")
        answer = httpx.post(
            f"{base}/api/calculate",
            json={"year": 2023, "gwp": "AR5"},
            headers={"Authorization": f"Bearer {server.analyst_token}"},
            timeout=60,
        )
        assert answer.status_code == 200, answer.text
        page.reload()
        table = page.inner_text("#scopes-table")
        assert "1,705" in table and "1,650" not in table

    with Watched(browser, server, "b-vera", width) as verifier:
        page = verifier.page
        page.goto(f"{base}/ledger")
        assert page.inner_text("#checkpoint-size").endswith("entries")
        verifier.no_overflow("ledger page")
        page.select_option("#proof-kind", "activity")
        page.fill("#proof-ref", "a1")
        with page.expect_download() as info:
            page.click("#proof-form button[type=submit]")
        download = info.value
        assert download.suggested_filename == "activity-a1.tlog-proof"
        saved = tmp_path / download.suggested_filename
        download.save_as(saved)
        index, checkpoint = verify_proof(saved.read_text(encoding="utf-8"), served.log_key)
        assert 0 <= index < checkpoint.size


def test_the_pages_fit_1280_px(server: Server, browser: Any) -> None:
    base = server.base
    with Watched(browser, server, "b-own", 1280) as owner:
        owner.page.goto(f"{base}/data")
        owner.upload("wide.csv", HEADER + _row("w1", "B", "1"))  # B is not the owner's
        owner.page.wait_for_selector("#row-errors")
        owner.no_overflow("data page with row errors")
        owner.upload("wide.csv", HEADER + _row("w1", "A", "1"))
        owner.page.wait_for_selector("#upload-done")
    for name in ("b-appr", "b-vera"):
        with Watched(browser, server, name, 1280) as watched:
            for path in ("/data", "/ledger"):
                watched.page.goto(f"{base}{path}")
                watched.no_overflow(f"{path} as {name}")
