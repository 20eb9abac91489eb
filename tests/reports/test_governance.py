"""The report's governance section: approval and contact as the workspace settings record them
(pipeline/settings.py), "not recorded" where they record nothing; and the settings' checks.

The small roadmap world (tests/targets/world.py) records no governance setting; the section is
rendered alone, with the filters and escaping of the whole page.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.targets.conftest import world
from zerotrail.demo.governance import GOVERNANCE as DEMO
from zerotrail.errors import ZerotrailError
from zerotrail.pipeline.publish import build
from zerotrail.pipeline.settings import (
    GOVERNANCE,
    change_setting,
    governance,
    remove_setting,
    settings,
)
from zerotrail.reports import html
from zerotrail.store.workspace import Workspace

__all__ = ["world"]


def render_section(name: str, data: dict[str, Any]) -> str:
    """One section as report.html renders it (reports/html.py `render_html`'s environment)."""
    env = html.environment()
    return env.get_template(f"sections/{name}.html").render(d=data, charts={"targets": {}})


def cells(page: str) -> dict[str, str]:
    return dict(re.findall(r'<th scope="row">([^<]*)</th><td>([^<]*)</td>', page))


def test_unset_fields_read_not_recorded(world: Workspace) -> None:
    data = build(world, 2023)
    assert data["governance"] == dict.fromkeys(GOVERNANCE)
    assert cells(render_section("governance", data)) == {
        "Approved by": "not recorded",
        "Approval date": "not recorded",
        "Prepared by": "not recorded",
        "Contact": "not recorded",
    }


def test_recorded_fields_are_printed_as_stored(world: Workspace) -> None:
    change_setting(world, "approved_by", "  Board <Audit> & Risk Committee ")
    change_setting(world, "approval_date", "2024-03-31")
    data = build(world, 2023)
    assert data["governance"]["approved_by"] == "Board <Audit> & Risk Committee"
    page = render_section("governance", data)
    # Escaped like every value of the page; the fields not set still say so.
    assert cells(page) == {
        "Approved by": "Board &lt;Audit&gt; &amp; Risk Committee",
        "Approval date": "2024-03-31",
        "Prepared by": "not recorded",
        "Contact": "not recorded",
    }
    assert remove_setting(world, "approved_by") is True
    assert remove_setting(world, "approved_by") is False  # nothing left to remove
    assert governance(world)["approved_by"] is None


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("ledger_vkey", "x", "unknown setting 'ledger_vkey'"),  # the workspace's own
        ("approval_date", "31/03/2024", "not an ISO date"),
        ("approval_date", "2024-02-30", "not an ISO date"),
        ("contact", "   ", "the value is empty"),
        ("preparer", "a\x1bb", "control character"),
        ("preparer", "x" * 1001, "at most 1000"),
    ],
)
def test_refused_settings_change_nothing(
    world: Workspace, key: str, value: str, message: str
) -> None:
    before = settings(world)
    with pytest.raises(ZerotrailError, match=message):
        change_setting(world, key, value)
    assert settings(world) == before


def test_the_organization_is_committed_with_its_change(world: Workspace) -> None:
    versions = "SELECT count(*) FROM setting_versions WHERE key = 'organization'"
    before = world.scalar(versions)
    change_setting(world, "organization", "Emmet Holdings")
    assert world.get_setting("organization") == "Emmet Holdings"
    assert world.scalar(versions) == before + 1
    assert remove_setting(world, "organization")
    assert world.scalar(versions) == before + 2  # the removal is a version too


def test_demo_report_names_its_fictional_approvers(demo_report: Path) -> None:
    d = json.loads((demo_report / "report.json").read_text())
    assert d["governance"] == DEMO
    assert all("demo company" in v for v in DEMO.values() if not v[0].isdigit())
    page = (demo_report / "report.html").read_text()
    part = page[page.index('<h2 id="governance">') :]
    shown = cells(part[: part.index("<h2", 5)])
    assert shown["Approved by"] == DEMO["approved_by"]
    assert shown["Approval date"] == DEMO["approval_date"]
    assert "not recorded" not in shown.values()
