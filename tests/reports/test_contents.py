"""The table of contents (reports/contents.py): one entry per section the report renders, in
reading order, linked to its heading; in the PDF with the page the section starts on."""

from __future__ import annotations

import json
import re
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from zerotrail.reports import contents as mod
from zerotrail.reports.contents import SECTIONS, contents

TEMPLATES = files("zerotrail.reports") / "templates"


def included_sections() -> list[str]:
    """The section templates report.html includes, in order."""
    page = (TEMPLATES / "report.html").read_text(encoding="utf-8")
    return re.findall(r'{%\s*include\s+"sections/(\w+)\.html"', page)


def test_sections_follow_the_pages_order() -> None:
    # Every section report.html includes is listed, in its order, but the cover and the
    # contents themselves (which have no entry).
    assert [sid for sid, _ in SECTIONS] == [
        s for s in included_sections() if s not in ("cover", "contents")
    ]


def test_a_section_without_its_data_or_template_is_not_listed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data: dict[str, Any] = {"year": 2025, "initiatives": []}
    ids = [c["id"] for c in contents(data)]
    assert "initiatives" not in ids  # its template renders nothing without initiatives
    assert "initiatives" in [c["id"] for c in contents({**data, "initiatives": [{"x": 1}]})]
    # A section whose template is not installed (report.html skips it) is not listed either.
    monkeypatch.setattr(mod, "SECTIONS", (*SECTIONS, ("not_a_section", "Nothing")))
    assert "not_a_section" not in [c["id"] for c in contents(data)]
    assert {"id": "claim", "title": "Carbon-neutrality claim 2025"} in contents(data)


def test_demo_contents_list_every_rendered_section(demo_report: Path) -> None:
    d = json.loads((demo_report / "report.json").read_text())
    html = (demo_report / "report.html").read_text()
    headings = re.findall(r'<h2 id="([^"]+)"', html)
    assert headings[0] == "contents"
    listed = [c["id"] for c in d["contents"]]
    assert listed == headings[1:]  # every heading but the contents' own, in order
    nav = html[html.index('<nav class="contents"') : html.index("</nav>")]
    assert re.findall(r'<a href="#([^"]+)">', nav) == listed
    assert len(set(headings)) == len(headings)  # each link has one target


def _outline(reader: PdfReader) -> list[tuple[str, int]]:
    """The PDF's second-level bookmarks (the h2 headings under the document's title), with
    their page numbers."""
    out: list[tuple[str, int]] = []
    for entry in reader.outline:
        if isinstance(entry, list):
            out += [
                (e.title, reader.get_destination_page_number(e) + 1)
                for e in entry
                if not isinstance(e, list)
            ]
    return out


def test_demo_pdf_contents_carry_the_sections_pages(demo_report: Path) -> None:
    d = json.loads((demo_report / "report.json").read_text())
    reader = PdfReader(demo_report / "report.pdf")
    sections = _outline(reader)
    assert sections[0][0] == "Contents"
    contents_page = sections[0][1]
    text = reader.pages[contents_page - 1].extract_text()
    # Each entry ends in a dotted leader and the page number of its section, as the PDF's own
    # bookmarks (made from the same headings) place it.
    numbers = [int(n) for n in re.findall(r"\.{3,}\s*(\d+)\s*$", text, re.M)]
    assert len(numbers) == len(d["contents"])
    assert numbers == [page for _, page in sections[1:]]
    # And each entry is titled as its section's heading (reports/contents.py SECTIONS).
    assert [c["title"] for c in d["contents"]] == [title for title, _ in sections[1:]]
