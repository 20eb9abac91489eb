"""The roadmap, credits and reports pages in process: what each role sees, the forms (CSRF,
roles, the stages' answers shown in one line) and that the roadmap's chart is the report's.
The world and its arithmetic: roadmap_world.py."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Templates
from tests.server.roadmap_world import LOCATION_T, Planned, planned_world
from tests.server.test_web import app_for, csrf_of
from zerotrail.pipeline.roadmap import target_progress
from zerotrail.reports.charts import NARROW, WIDTH, target_pathway
from zerotrail.server.report_folder import LOG_KEY_ENV, REPORTS_ENV
from zerotrail.store.workspace import open_workspace

PAGES = ["/roadmap", "/credits", "/reports"]


@pytest.fixture(scope="module")
def world(workspace_template: Templates, tmp_path_factory: pytest.TempPathFactory) -> Planned:
    return planned_world(workspace_template, tmp_path_factory.mktemp("pages-roadmap"))


@pytest.fixture(scope="module")
def site(world: Planned) -> Iterator[Any]:
    """The app for the tests that only read the module's world."""
    with app_for(world.path) as new_browser:
        yield new_browser


@pytest.fixture
def own(world: Planned, tmp_path: Path) -> Iterator[Any]:
    """The app over a copy of the world of the test's own, for a test that changes it."""
    with app_for(world.copy(tmp_path)) as new_browser:
        yield new_browser


def _as(new_browser: Any, world: Planned, name: str) -> Any:
    browser = new_browser()
    assert browser.login(name, world.passwords[name]).status_code == 303
    return browser


def _post(browser: Any, path: str, page: str, **fields: str) -> Any:
    return browser.post(path, data={"csrf_token": csrf_of(page), **fields})


def _s12_in_2023(world: Planned) -> dict[str, Any]:
    """Target S12's progress in 2023, as the roadmap stage gives it."""
    ws = open_workspace(str(world.path), read_only=True)
    try:
        return next(p.to_dict() for p in target_progress(ws, 2023) if p.id == "S12")
    finally:
        ws.close()


def _outcome(page: str) -> str:
    found = re.search(r'id="outcome">([^<]*)</p>', page)
    assert found, page
    return found.group(1)


@pytest.mark.parametrize("path", PAGES)
def test_the_pages_need_a_session(site: Any, path: str) -> None:
    answer = site().get(path)
    assert answer.status_code == 303 and answer.headers["location"] == "/login"


@pytest.mark.parametrize("path", PAGES)
def test_an_owner_is_told_why_the_figures_are_not_shown(
    site: Any, world: Planned, path: str
) -> None:
    page = _as(site, world, "owner-a").get(path)
    assert page.status_code == 200
    assert 'id="not-shown"' in page.text and "(A)" in page.text
    assert "<table" not in page.text and '<form class="stack"' not in page.text


def test_the_roadmap_draws_the_reports_pathway_chart(site: Any, world: Planned) -> None:
    page = _as(site, world, "vic").get("/roadmap?year=2023")
    assert page.status_code == 200
    assert 'aria-current="page">Roadmap' in page.text
    # S12 in 2023, its base year: actual and pathway 1,650 t; NEUTRAL has no pathway chart.
    assert "Scope 1 + 2 down 30% by 2030" in page.text
    assert f"{LOCATION_T:,.0f} t CO2e" in page.text
    s12 = _s12_in_2023(world)
    specs = dict(
        re.findall(r'<script type="application/json" id="spec-([^"]+)">(.*?)</script>', page.text)
    )
    assert set(specs) == {"target-2-wide", "target-2-narrow"}  # S12 is the second target
    assert json.loads(specs["target-2-wide"]) == target_pathway(s12, width=WIDTH)
    assert json.loads(specs["target-2-narrow"]) == target_pathway(s12, width=NARROW)
    assert "No initiatives yet" in page.text


def test_the_dashboard_shows_scope_1_2_against_the_pathway_and_renewables(
    site: Any, world: Planned
) -> None:
    """The dashboard's organisation sections, in this world's latest year (2023): S12's
    pathway (the report's chart; actual = pathway = base = 1,650 t CO2e in its base year), the
    renewable share of the 3,000 MWh of grid electricity (no certificate: 0.0%) and no data
    centre; an owner, whose figures are its entities' part only, sees none of the three."""
    page = _as(site, world, "vic").get("/").text
    s12 = _s12_in_2023(world)
    specs = dict(
        re.findall(r'<script type="application/json" id="spec-([^"]+)">(.*?)</script>', page)
    )
    assert json.loads(specs["pathway-1-wide"]) == target_pathway(s12, width=WIDTH)
    assert "Scope 1 + 2 down 30% by 2030" in page and "NEUTRAL" not in page
    table = page[page.index('class="pathway-table"') :]
    assert re.search(r"<td>1,650</td>\s*<td>1,650</td>\s*<td>1,155</td>", table), table[:600]
    renewables = page[page.index('id="renewables-table"') :]
    assert "<td>3,000</td>" in renewables and "<td>0.0%</td>" in renewables
    assert "No data-centre sites." in page
    owner = _as(site, world, "owner-a").get("/").text
    assert 'id="entities-part"' in owner
    assert "pathway-title" not in owner and "renewables-table" not in owner


def test_a_year_that_is_not_one_is_refused_in_one_line(site: Any, world: Planned) -> None:
    page = _as(site, world, "vera").get("/credits?year=20x3")
    assert page.status_code == 400
    assert "year: &#39;20x3&#39; is not a year from 1990 to 2100" in page.text


def test_a_viewer_is_shown_no_credits(site: Any, world: Planned) -> None:
    viewer = _as(site, world, "vic")
    for path in ("/credits?year=2023", "/reports"):
        page = viewer.get(path).text
        assert 'id="not-shown"' in page and "a viewer sees the dashboards only" in page
        assert "C1" not in page and "<table" not in page
    nav = viewer.get("/roadmap").text
    assert 'href="/credits"' not in nav and 'href="/reports"' not in nav  # not in its nav
    assert 'href="/roadmap"' in nav and 'href="/"' in nav


def test_a_verifier_sees_credits_and_the_claim_but_no_form(site: Any, world: Planned) -> None:
    page = _as(site, world, "vera").get("/credits?year=2023").text
    assert "The 2023 inventory is not final." in page
    assert "the claim\n    does not hold" in page
    assert "C1" in page and "C2" in page and "retired: 2,000 t" in page
    assert '<form method="post" action="/finalize"' not in page
    assert 'id="retire-form"' not in page and 'action="/claims"' not in page


def test_an_analyst_finalizes_records_the_claim_and_retires(own: Any, world: Planned) -> None:
    ana = _as(own, world, "ana")
    page = ana.get("/credits?year=2023").text
    assert 'id="retire-form"' in page and 'id="assign-form"' in page
    done = _post(ana, "/finalize", page, year="2023")
    assert done.status_code == 200
    assert re.fullmatch(r"The 2023 inventory \(run run-2023-\S+\) is final\.", _outcome(done.text))
    assert "The 2023 inventory is final." in done.text
    claimed = _post(ana, "/claims", done.text, year="2023")
    assert _outcome(claimed.text) == "The 2023 claim was recorded (version 1): it holds."
    retired = _post(
        ana,
        "/credits/retire",
        claimed.text,
        credit_id="C2",
        on="2024-03-01",
        beneficiary="Group",
        reason="2023 claim",
        quantity="200",
    )
    assert retired.status_code == 200
    assert _outcome(retired.text) == "Retired: C2/1, C2."
    assigned = _post(ana, "/credits/assign", retired.text, credit_id="C2/1", year="2023")
    assert _outcome(assigned.text) == "Credit C2/1 counts for the 2023 claim."
    # A credit counts for one claim only: the stage's refusal, in one line.
    again = _post(ana, "/credits/assign", assigned.text, credit_id="C2/1", year="2024")
    assert again.status_code == 400
    assert _outcome(again.text) == (
        "credit C2/1 is already assigned to the claim for 2023; a credit counts for one claim only"
    )


def test_a_stages_refusal_is_shown_in_one_line_with_400(own: Any, world: Planned) -> None:
    ana = _as(own, world, "ana")
    page = ana.get("/credits").text
    answer = _post(
        ana, "/credits/retire", page, credit_id="C2", on="2999-01-01", beneficiary="G", reason="r"
    )
    assert answer.status_code == 400
    assert _outcome(answer.text) == "retirement date 2999-01-01 is in the future"
    bad = _post(
        ana, "/credits/retire", page, credit_id="C2", on="soon", beneficiary="G", reason="r"
    )
    assert (
        bad.status_code == 400
        and _outcome(bad.text) == "on: &#39;soon&#39; is not a date (YYYY-MM-DD)"
    )


@pytest.mark.parametrize(
    "path", ["/finalize", "/claims", "/credits/retire", "/credits/assign", "/reports"]
)
def test_forms_need_the_csrf_token_and_a_role_that_may(
    site: Any, world: Planned, path: str
) -> None:
    ana = _as(site, world, "ana")
    without = ana.post(path, data={"year": "2023"})
    assert without.status_code == 403 and "did not come from this site" in without.text
    vic = _as(site, world, "vic")
    refused = _post(vic, path, vic.get("/credits").text, year="2023", credit_id="C1")
    assert refused.status_code == 403 and "A viewer may not do this" in refused.text
    # Nothing changed: the year is still not final.
    assert "The 2023 inventory is not final." in ana.get("/credits?year=2023").text


def test_publishing_without_a_key_says_why(
    own: Any, world: Planned, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(REPORTS_ENV, str(tmp_path / "reports"))
    monkeypatch.delenv(LOG_KEY_ENV, raising=False)
    ana = _as(own, world, "ana")
    page = ana.get("/reports").text
    assert "No report has been published through this server yet." in page
    answer = _post(ana, "/reports", page, year="2023")
    assert answer.status_code == 400
    assert _outcome(answer.text).startswith("this server holds no log signer key")
    vera = _as(own, world, "vera")
    assert 'action="/reports"' not in vera.get("/reports").text  # no publish form: a verifier


@pytest.mark.slow  # publishing draws the charts and the PDF
def test_an_analyst_publishes_and_a_verifier_downloads(
    own: Any, world: Planned, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(REPORTS_ENV, str(tmp_path / "reports"))
    monkeypatch.setenv(LOG_KEY_ENV, str(world.log_key))
    ana = _as(own, world, "ana")
    page = ana.get("/credits?year=2023").text
    _post(ana, "/finalize", page, year="2023")
    done = _post(ana, "/reports", ana.get("/reports").text, year="2023")
    assert done.status_code == 200, done.text
    assert re.fullmatch(
        r"Published report-2023-1, built on the checkpoint of [\d,]+ records\.", _outcome(done.text)
    )
    vera = _as(own, world, "vera")
    listed = vera.get("/reports").text
    assert 'href="/reports/2023/report.pdf"' in listed
    pdf = vera.get("/reports/2023/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert pdf.headers["content-disposition"] == 'attachment; filename="2023-report.pdf"'
    assert vera.get("/reports/2023/checkpoint.txt").status_code == 404
    for refused in ("owner-a", "vic"):  # neither an owner nor a viewer downloads reports
        assert _as(own, world, refused).get("/reports/2023/report.pdf").status_code == 403
