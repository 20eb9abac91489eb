"""The published report is public text: no raw codes, no instructions to whoever prepares it.

The demo's report.html is read as a reader sees it: its visible text (html.parser), leaving
out <code> and <pre> (file names, keys, commands meant to be copied as they are), the SVG
charts, the stylesheet and the page title. In that text there must be no snake_case token
(`operational_control`, a flag name such as `unverified_factor`), no target status spelled as
its code (`on-track`, `off-track`...) and no preparer instruction ("check them before
filing", "the preparer adds it"). What a filer still has to do is in preparer-checklist.md
beside the report, which publish writes with the report.

A failure names the section (its h2 heading) each offending text is in.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

SKIPPED = frozenset({"code", "pre", "svg", "style", "script", "title"})
SNAKE = re.compile(r"\b[A-Za-z0-9]+(?:_[A-Za-z0-9]+)+\b")
URL = re.compile(r"https?://\S+")
STATUS_CODES = re.compile(r"\b(?:on-track|off-track|at-risk|no-data|not-started)\b")
PREPARER_PHRASES = (
    "before filing",
    "the preparer",
    "preparer's",
    "preparer adds",
    "check them",
    "zerotrail import",
    "change to 'not relevant",
)


class Sections(HTMLParser):
    """The visible text of a page, by the h2 heading it follows ("(cover)" before the first)."""

    def __init__(self) -> None:
        super().__init__()
        self.skip = 0
        self.in_h2 = False
        self.heading = "(cover)"
        self.text: dict[str, list[str]] = {self.heading: []}

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in SKIPPED:
            self.skip += 1
        elif tag == "h2":
            self.in_h2, self.heading = True, ""

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED:
            self.skip -= 1
        elif tag == "h2":
            self.in_h2 = False
            self.heading = self.heading.strip()
            self.text.setdefault(self.heading, [])

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.in_h2:
            self.heading += data
        else:
            self.text[self.heading].append(data)


def offences(text: str) -> list[str]:
    """The raw codes and preparer phrases in one section's visible text."""
    plain = URL.sub(" ", text)
    found = [f"code {m}" for m in SNAKE.findall(plain)]
    found += [f"status code {m}" for m in STATUS_CODES.findall(plain)]
    low = plain.lower()
    found += [f"preparer phrase {p!r}" for p in PREPARER_PHRASES if p in low]
    return sorted(set(found))


def visible_sections(html: str) -> dict[str, str]:
    p = Sections()
    p.feed(html)
    return {h: re.sub(r"\s+", " ", " ".join(parts)) for h, parts in p.text.items()}


def test_the_checker_finds_what_it_looks_for() -> None:
    # The check itself, on a small page: each kind of offence is found, in its section, and
    # what a reader does not see as prose (code, a chart) is left alone.
    page = (
        "<h2>Boundary</h2><p>consolidated under operational_control</p>"
        "<h2>Targets</h2><p><span class='status on-track'>on-track</span></p>"
        "<h2>Disclosures</h2><p>Check them before filing; the preparer adds it.</p>"
        "<h2>Verify</h2><p><code>log_vkey</code></p><pre>zerotrail import metrics</pre>"
        "<svg><text>unverified_factor</text></svg>"
        "<p>See https://example.org/a_b for more.</p>"
    )
    found = {h: offences(t) for h, t in visible_sections(page).items()}
    assert found == {
        "(cover)": [],
        "Boundary": ["code operational_control"],
        "Targets": ["status code on-track"],
        "Disclosures": [
            "preparer phrase 'before filing'",
            "preparer phrase 'check them'",
            "preparer phrase 'preparer adds'",
            "preparer phrase 'the preparer'",
        ],
        "Verify": [],
    }


def test_the_report_shows_no_raw_codes_or_preparer_instructions(demo_report: Path) -> None:
    html = (demo_report / "report.html").read_text(encoding="utf-8")
    sections = visible_sections(html)
    assert "Disclosures" in sections and "Assurance" in sections  # the page was read whole
    found = {h: o for h, t in sections.items() if (o := offences(t))}
    assert found == {}, "\n".join(f"{h}: {', '.join(o)}" for h, o in found.items())


def test_the_filing_reminders_are_in_the_preparer_checklist(demo_report: Path) -> None:
    path = demo_report / "preparer-checklist.md"
    assert path.is_file()
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Preparer checklist: Emmet Group, report report-2025-")
    items = [ln for ln in text.splitlines() if ln.startswith("- [ ] ")]
    # The reminders the public text no longer carries, from the demo's figures: the standards'
    # references, ESRS §48(b) and §55, IFRS S2 29(a)(iv) with the excluded joint venture,
    # AR5 rather than AR6, unverified factors. Not the Scope 3 categories without emissions:
    # the demo's screening justifies every one of them; nor assurance: the demo's 2025 figures
    # are verified, and its verifier's statement comes with the report.
    assert not any("no recorded screening" in i for i in items)
    for phrase in (
        "against the standards' own text before filing",
        "ESRS E1 §48(b)",
        "ESRS E1 §55",
        "leaves out EMMET-JV",
        "this inventory uses AR5",
        "rest on unverified factors",
    ):
        assert sum(phrase in i for i in items) == 1, phrase
    data = json.loads((demo_report / "report.json").read_text(encoding="utf-8"))
    assert data["assurance"]["status"] == "verified"
    assert not any("not externally verified" in i for i in items)


@pytest.mark.parametrize("name", ["report.html", "report.json"])
def test_the_checklist_is_not_in_the_public_files(demo_report: Path, name: str) -> None:
    text = (demo_report / name).read_text(encoding="utf-8")
    assert "Preparer checklist" not in text
    assert "before filing" not in text
