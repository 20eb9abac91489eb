"""The report's table of contents: every section it renders, in reading order, with its id.

Where it sits: reports, pure: the report stage calls `contents(data)` once report.json is
built, and stores the list as its `contents`; templates/sections/contents.html links each
entry to the section's heading (`<h2 id="...">`; in the PDF with its page number).

SECTIONS is the one list: the sections of templates/report.html in the order it includes them
(the cover and the contents themselves excepted), each with the heading id its template gives
it and the title the contents show. A section is listed only when it renders: its template is
installed (report.html includes the optional ones with `ignore missing`) and, for a section
that renders only under a condition, that condition (CONDITIONS, the same test its template
makes) holds. tests/reports/test_contents.py renders the demo's report and holds the
list to the headings actually rendered: an id missing either way fails it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib.resources import files
from typing import Any

# (heading id = the template's name in templates/sections/, title in the contents: the
# section's heading, "{year}" standing for the report's year)
SECTIONS: tuple[tuple[str, str], ...] = (
    ("summary", "Executive summary"),
    ("highlights", "Highlights"),
    ("boundary", "Organization and boundary"),
    ("emissions", "Emissions in {year}"),
    ("scope3", "Scope 3 by category: screening and methodology"),
    ("intensity", "Emission intensity"),
    ("years", "Year over year"),
    ("targets", "Targets and progress"),
    ("energy", "Energy consumption and mix"),
    ("initiatives", "Reduction initiatives"),
    ("claim", "Carbon-neutrality claim {year}"),
    ("methodology", "Methodology and exclusions"),
    ("uncertainty", "Uncertainty"),
    ("assurance", "Assurance"),
    ("governance", "Governance"),
    ("restatements", "Restatements since the previous report"),
    ("disclosures", "Disclosures"),
    ("verify", "How to verify these figures"),
)

# Sections shown only when their data exist: the test each template makes.
CONDITIONS: dict[str, Callable[[Mapping[str, Any]], bool]] = {
    "initiatives": lambda d: bool(d.get("initiatives")),
}


def _always(data: Mapping[str, Any]) -> bool:
    return True


def _shipped(sid: str) -> bool:
    """Whether the section's template is installed (report.html skips a missing one)."""
    return (files("zerotrail.reports") / "templates" / "sections" / f"{sid}.html").is_file()


def contents(data: Mapping[str, Any]) -> list[dict[str, str]]:
    """The sections the report renders for `data`, in order: [{"id", "title"}, ...]."""
    return [
        {"id": sid, "title": title.format(year=data["year"])}
        for sid, title in SECTIONS
        if _shipped(sid) and CONDITIONS.get(sid, _always)(data)
    ]
