"""The Scope 3 screening and methodology per category (reports/screening.py), the screening
file (ingest/screening.py), and the demo report's section as a reader sees it."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Templates, open_copy
from tests.engines.conftest import write_csv
from zerotrail.demo.screening import JV_ESTIMATE_T
from zerotrail.errors import DataError
from zerotrail.ingest.screening import SCREENING, read_screening
from zerotrail.model.screening import CategorySource
from zerotrail.pipeline.screening import import_screening, screening
from zerotrail.reports.screening import cdp_status, screening_section, status

DOCS = Path(__file__).resolve().parents[2] / "docs"


def row(category: int, relevant: bool, **kw: Any) -> dict[str, Any]:
    return {
        "category": category,
        "relevant": relevant,
        "criteria": kw.get("criteria", []),
        "justification": kw.get("justification", f"why {category}"),
        "data_source": kw.get("data_source"),
        "estimate_t": kw.get("estimate_t"),
        "estimate_method": kw.get("estimate_method"),
    }


# --- status: emissions first, then what the screening recorded ---------------------------------


def test_status_follows_the_inventory_then_the_screening() -> None:
    assert cdp_status("calculated", False) == "Not relevant, calculated"
    assert status(True, row(9, False)) == "calculated"  # calculated whatever was recorded
    assert status(True, None) == "calculated"
    assert status(False, row(9, False)) == "not_relevant"
    assert status(False, row(9, False, estimate_t=5.0, estimate_method="m")) == "not_relevant"
    assert status(False, row(15, True, estimate_t=5.0, estimate_method="m")) == "estimated"
    assert status(False, row(15, True)) == "gap"
    assert status(False, None) == "not_screened"


# --- the section on small inputs ---------------------------------------------------------------

# Category 1: 600 t spend-based + 400 t supplier-specific = 1,000 t (market-based the same);
# 900 t of it on a factor set of another region (the spend part and 300 t of the supplier
# part). Category 8: 50 t location-based, 30 t market-based.
METHODS = [
    (1, "spend-based", 600.0, 600.0),
    (1, "supplier-specific", 400.0, 400.0),
    (8, "location-based", 50.0, 30.0),
]
QUALITY = {1: 3.5, 8: 1.0}
SOURCES = [
    CategorySource(1, "useeio", "USEEIO", ("US",), 10, 600.0, 600.0),
    CategorySource(1, "acme-epd", "Acme EPDs", ("CN", "US"), 4, 400.0, 300.0),
    CategorySource(8, "grid", "Grid factors", ("CN-EAST",), 12, 50.0, 0.0),
]
RECORDED = [
    row(1, True, criteria=["size", "sector_guidance"], data_source="procurement ledger"),
    row(9, False, justification="no products shipped"),
    row(15, True, estimate_t=120.0, estimate_method="equity share x emissions"),
    row(14, True),
]


def test_every_category_gets_a_status_and_the_justification_recorded() -> None:
    sc = screening_section(METHODS, QUALITY, SOURCES, RECORDED)
    cats = {c["category"]: c for c in sc["categories"]}
    assert sorted(cats) == list(range(1, 16))
    assert {c: cats[c]["status"] for c in (1, 8, 9, 14, 15, 2)} == {
        1: "calculated",
        8: "calculated",  # calculated without a screening record: its justification is absent
        9: "not_relevant",
        14: "gap",
        15: "estimated",
        2: "not_screened",
    }
    assert [cats[c]["cdp_status"] for c in (1, 8, 9, 14, 15, 2)] == [
        "Relevant, calculated",
        "Relevant, calculated",
        "Not relevant, explanation provided",
        "Relevant, not yet calculated",
        "Relevant, not yet calculated",
        "Not evaluated",
    ]
    assert cats[8]["justification"] is None and cats[2]["justification"] is None
    assert cats[9]["justification"] == "no products shipped"
    assert cats[1]["criteria"] == ["size", "sector guidance"]  # labels, not ids
    assert sc["counts"] == {
        "calculated": 2,
        "not_relevant": 1,
        "estimated": 1,
        "gap": 1,
        "not_screened": 10,
    }
    assert sc["estimated_t"] == 120.0  # the estimated category only, never in the totals
    assert sc["recorded"] is True


def test_methodology_per_category() -> None:
    c1, *_, c8 = (
        c
        for c in screening_section(METHODS, QUALITY, SOURCES, RECORDED)["categories"]
        if c["category"] in (1, 8)
    )
    assert (c1["co2e_t"], c1["co2e_market_t"]) == (1000.0, 1000.0)
    assert [(m["method"], m["share_pct"]) for m in c1["methods"]] == [
        ("spend-based", 60.0),
        ("supplier-specific factors", 40.0),
    ]
    assert c1["supplier_specific_pct"] == 40.0  # 400 / 1,000 t: the primary data
    assert c1["other_region_pct"] == 90.0  # (600 + 300) / 1,000 t
    assert [(f["name"], f["regions"], f["share_pct"]) for f in c1["factor_sets"]] == [
        ("USEEIO", ["US"], 60.0),
        ("Acme EPDs", ["CN", "US"], 40.0),
    ]
    assert (c1["data_quality"], c1["data_source"]) == (3.5, "procurement ledger")
    assert (c8["co2e_t"], c8["co2e_market_t"]) == (50.0, 30.0)
    assert c8["methods"][0]["method"] == "energy use × grid factor"
    assert c8["supplier_specific_pct"] == 0.0


def test_without_a_screening_nothing_is_invented() -> None:
    sc = screening_section(METHODS, QUALITY, SOURCES, [])
    assert sc["recorded"] is False
    assert all(c["justification"] is None for c in sc["categories"])
    assert {c["status"] for c in sc["categories"]} == {"calculated", "not_screened"}


def section_text(sc: dict[str, Any]) -> str:
    """The section's visible text, rendered alone as render_html renders it (same filters)."""
    from zerotrail.reports import html

    env = html.environment()
    page = env.get_template("sections/scope3.html").render(
        d={"organization": "Acme", "year": 2024, "scope3_screening": sc}, charts={}
    )
    parser = _Text("scope3")
    parser.feed(page)
    return parser.text()


def test_the_section_prints_what_was_recorded_and_no_more() -> None:
    text = section_text(screening_section(METHODS, QUALITY, SOURCES, RECORDED))
    assert "1. Purchased goods and services calculated 1,000 1,000" in text
    assert "Relevant (size, sector guidance): why 1" in text
    assert "9. Downstream transportation and distribution not relevant" in text
    assert "Estimated size: 120 t CO2e (equity share x emissions); not included" in text
    assert "8. Upstream leased assets calculated 50 30 No screening recorded." in text
    assert "spend-based (60.0%); supplier-specific factors (40.0%)" in text
    assert "90.0% of the category uses factors published for another region" in text
    bare = section_text(screening_section(METHODS, QUALITY, SOURCES, []))
    assert "Acme recorded no screening" in bare
    assert bare.count("No screening recorded.") == 15
    assert "Of the 15 categories: 2 calculated; 13 no screening recorded." in bare


# --- the screening file --------------------------------------------------------------------------


def test_the_file_is_checked_whole(tmp_path: Path) -> None:
    bad = write_csv(
        tmp_path / "s.csv",
        [
            {"category": "3", "relevant": "maybe", "criteria": "size;weather", "justification": ""},
            {"category": "9", "relevant": "no", "criteria": "size", "justification": "x"},
            {"category": "16", "relevant": "yes", "criteria": "", "justification": "x"},
            {"category": "4", "relevant": "yes", "justification": "x", "estimate_t": "10"},
            {"category": "4", "relevant": "yes", "justification": "again"},
        ],
    )
    with pytest.raises(DataError) as err:
        read_screening(bad)
    found = {(p.row, p.column) for p in err.value.problems}
    assert found == {
        (2, "relevant"),
        (2, "criteria"),
        (2, "justification"),
        (3, "criteria"),  # criteria belong to a relevant category
        (4, "category"),
        (5, "estimate_method"),  # an estimate says how it was made
        (6, "category"),  # screened twice
    }


def test_import_replaces_the_screening_whole(workspace_template: Templates, tmp_path: Path) -> None:
    ws = open_copy(workspace_template(), tmp_path)
    try:
        first = [
            {
                "category": "1",
                "relevant": "yes",
                "criteria": "Size; influence",
                "justification": "a",
            },
            {"category": "9", "relevant": "no", "justification": "b"},
        ]
        done = import_screening(ws, write_csv(tmp_path / "s1.csv", first))
        assert (done.added, done.replaced, done.import_id is not None) == (2, 0, True)
        assert screening(ws)[0]["criteria"] == ["size", "influence"]
        again = import_screening(ws, write_csv(tmp_path / "s2.csv", first))
        assert again.import_id is None  # the same screening changes nothing
        second = [{"category": "1", "relevant": "yes", "justification": "a, restated"}]
        done = import_screening(ws, write_csv(tmp_path / "s3.csv", second))
        assert (done.added, done.replaced, done.removed) == (0, 1, 1)
        assert [(r["category"], r["justification"]) for r in screening(ws)] == [(1, "a, restated")]
    finally:
        ws.close()


def test_the_cli_doc_lists_every_column() -> None:
    text = (DOCS / "cli.md").read_text()
    block = text.split("<!-- columns: scope3_screening -->", 1)[1].strip().split("\n\n", 1)[0]
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in block.splitlines()[2:]]
    assert [r[0].strip("`") for r in rows] == list(SCREENING.names)
    assert [r[1] == "yes" for r in rows] == [c.required for c in SCREENING.columns]


# --- the demo's report, as a reader reads it ------------------------------------------------------


class _Text(HTMLParser):
    """The visible text of one section (from its <h2 id> to the next <h2>)."""

    def __init__(self, section: str) -> None:
        super().__init__()
        self.section, self.inside, self.parts = section, False, []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "h2":
            self.inside = dict(attrs).get("id") == self.section

    def handle_data(self, data: str) -> None:
        if self.inside:
            self.parts.append(data)

    def text(self) -> str:
        return " ".join(" ".join(self.parts).split())


def test_the_demo_joint_venture_estimate_is_its_records(demo_db: Path, tmp_path: Path) -> None:
    """demo/screening.py estimates category 15 by hand: 50% x 600 MWh x 0.5271 t/MWh. The
    workspace bears each number out: the joint venture's 2025 Scope 1 and 2 records are its
    office's grid electricity only, 600,000 kWh, on the factor of 0.5271 kg CO2 per kWh."""
    import duckdb

    copy = tmp_path / "demo.duckdb"  # another worker may hold the demo's own file open
    shutil.copyfile(demo_db, copy)
    con = duckdb.connect(str(copy), read_only=True)
    try:
        rows = con.execute(
            """SELECT r.activity, r.factor_id, sum(a.quantity), min(a.unit), max(f.value)
               FROM results r JOIN runs USING (run_id)
               JOIN activities a USING (record_id, version)
               JOIN factors f ON f.factor_id = r.factor_id AND f.gas = 'CO2'
               WHERE runs.current AND runs.year = 2025 AND r.entity = 'EMMET-JV'
                 AND split_part(r.activity, '.', 1) IN ('electricity', 'stationary_combustion',
                     'mobile_combustion', 'fugitive', 'process', 'steam', 'heat', 'cooling')
               GROUP BY ALL"""
        ).fetchall()
        share = con.execute("SELECT equity_share FROM entities WHERE entity = 'EMMET-JV'")
        equity = share.fetchall()[0][0]
    finally:
        con.close()
    assert rows == [
        (
            "electricity.grid",
            "cn-mee-grid:2023.regional-average.cn-central",
            600_000.0,
            "kWh",
            0.5271,
        )
    ]
    assert equity / 100 * 600 * 0.5271 == pytest.approx(JV_ESTIMATE_T) == 158.13


def test_the_demo_report_screens_every_category(demo_report: Path) -> None:
    d = json.loads((demo_report / "report.json").read_text())
    sc = d["scope3_screening"]
    cats = {c["category"]: c for c in sc["categories"]}
    assert sorted(cats) == list(range(1, 16))
    assert all(c["status"] != "not_screened" and c["justification"] for c in cats.values())
    # Category 3 is calculated, from the derived fuel and electricity records, and its figure
    # is the one of the category table.
    c3 = cats[3]
    table = {c["category"]: c for c in d["scope3_categories"]}
    assert c3["status"] == "calculated" and c3["co2e_t"] > 1000
    assert c3["co2e_t"] == pytest.approx(table[3]["co2e_t"])
    assert c3["co2e_market_t"] == pytest.approx(c3["co2e_t"])
    assert [f["factor_set"] for f in c3["factor_sets"]] == ["desnz-2025"]
    # Investments: not relevant, with the joint venture's estimate, kept out of the totals.
    assert (cats[15]["status"], cats[15]["estimate_t"]) == ("not_relevant", 158.13)
    assert sum(c["co2e_t"] for c in cats.values()) == pytest.approx(d["inventory"]["scope3"])
    # The reader sees each category with its status and justification, in words.
    parser = _Text("scope3")
    parser.feed((demo_report / "report.html").read_text())
    text = parser.text()
    for c in cats.values():
        assert f"{c['category']}. {c['name']}" in text
        assert " ".join(c["justification"].split())[:60] in text
    assert "Estimated size: 158 t CO2e" in text
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", text), "a raw code in the section's text"


def test_the_demo_cdp_table_takes_the_screening_status(demo_report: Path) -> None:
    # The demo screens categories 9-15 as not relevant, with a reason: CDP 7.8 says so
    # instead of "Not evaluated"; calculated categories stay "Relevant, calculated".
    d = json.loads((demo_report / "report.json").read_text(encoding="utf-8"))
    cdp = d["disclosures"]["cdp"]
    status = cdp["columns"].index("Evaluation status")
    by_line = {r[1]: r[status] for r in cdp["rows"] if r[0] == "7.8 / C6.5"}
    assert by_line["Category 14: Franchises, location-based"] == (
        "Not relevant, explanation provided"
    )
    assert by_line["Category 1: Purchased goods and services, location-based"] == (
        "Relevant, calculated"
    )
    assert "Not evaluated" not in by_line.values()


def test_a_file_longer_than_the_categories_is_refused_at_its_first_extra_row(
    tmp_path: Path,
) -> None:
    # 20 copies of one row: refused once, at row 17 (header on row 1, 15 rows, then the 16th
    # data row), not with a problem for each duplicate.
    rows = [{"category": "1", "relevant": "yes", "justification": "x"}] * 20
    with pytest.raises(DataError) as err:
        read_screening(write_csv(tmp_path / "s.csv", rows))
    assert [(p.row, p.column) for p in err.value.problems] == [(17, "category")]
    assert "at most 15" in err.value.problems[0].message
