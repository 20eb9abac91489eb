"""The one target status vocabulary: spelled once, as docs/roadmap.md documents it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from zerotrail.targets.pathway import STATUSES
from zerotrail.targets.status import BEHIND, TargetStatus

ROADMAP_DOC = Path(__file__).parents[2] / "docs" / "roadmap.md"


def test_every_status_is_documented_as_printed() -> None:
    doc = ROADMAP_DOC.read_text(encoding="utf-8")
    for status in TargetStatus:
        assert f"`{status.value}`" in doc, status


def test_a_status_prints_and_serializes_as_its_documented_word() -> None:
    assert f"{TargetStatus.AT_RISK}" == "at-risk"
    assert json.dumps({"status": TargetStatus.OFF_TRACK}) == '{"status": "off-track"}'
    assert TargetStatus.ON_TRACK == "on-track"


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("at-risk", TargetStatus.AT_RISK),
        ("at_risk", TargetStatus.AT_RISK),  # the old underscore spelling
        (" At Risk ", TargetStatus.AT_RISK),
        ("off_track", TargetStatus.OFF_TRACK),
        ("achieved", TargetStatus.ACHIEVED),
        ("behind", None),
        ("", None),
    ],
)
def test_from_text_reads_the_spellings_people_write(text: str, status: TargetStatus | None) -> None:
    assert TargetStatus.from_text(text) is status


def test_classify_says_five_of_the_seven_and_three_are_behind() -> None:
    assert set(STATUSES) == set(TargetStatus) - {TargetStatus.NO_DATA, TargetStatus.NOT_STARTED}
    assert {s.value for s in BEHIND} == {"at-risk", "off-track", "missed"}
