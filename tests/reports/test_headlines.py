"""Honest headlines: each states its boundary and basis beside the total footprint; a target
asking for neutrality every year is checked for each of them; assurance is kept apart from the
ledger's witness; the filing reminders go to the preparer checklist.

Hand-made figures (Emmet Group's 2025 inventory, shaped like the demo), t CO2e:
  Scope 1 3,492.5; Scope 2 market-based 21,773.5; Scope 3 market-based 747,502
  total market-based 3,492.5 + 21,773.5 + 747,502 = 772,768
  Scope 1 + 2 = 25,266 -> 25,266 / 772,768 = 3.26955 % of the total; Scope 3 96.73045 %.
The demo-level tests read the published demo report (`demo_report`) as its readers do.
"""

from __future__ import annotations

import dataclasses
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from tests.offsets.test_claims import ENOUGH, claim
from zerotrail.errors import ReportError, TargetError
from zerotrail.reports.assurance import NOT_VERIFIED, assurance
from zerotrail.reports.checklist import checklist, reminders
from zerotrail.reports.headlines import (
    claim_headline,
    footprint,
    headlines,
    other_warnings,
    plan_rows,
    target_headlines,
)
from zerotrail.targets.progress import (
    RecordedClaim,
    checked_years_text,
    covered_years,
    neutrality_progress,
)
from zerotrail.targets.roadmap import Boundary, Target

INVENTORY = {
    "scope1": 3_492.5,
    "scope2_location": 33_040.0,
    "scope2_market": 21_773.5,
    "scope3": 778_092.0,
    "scope3_market": 747_502.0,
    "total_location": 814_624.5,
    "total_market": 772_768.0,
}


# -- the footprint and the claim's share of it ------------------------------------------------


def test_the_footprint_is_market_based_with_each_parts_share() -> None:
    fp = footprint(INVENTORY)
    assert fp["basis"] == "market-based"
    assert fp["total_t"] == 772_768.0
    assert fp["scope12_t"] == 25_266.0  # 3,492.5 + 21,773.5
    assert fp["scope3_t"] == 747_502.0
    assert fp["scope12_share_pct"] == pytest.approx(3.269545)  # 25,266 / 772,768
    assert fp["scope3_share_pct"] == pytest.approx(96.730455)  # 747,502 / 772,768
    assert fp["scope12_t"] + fp["scope3_t"] == fp["total_t"]


def test_the_claim_headline_names_its_boundary_and_share() -> None:
    c = {
        "boundary": "Scope 1 + Scope 2 (market-based)",
        "holds": True,
        "standard": "ISO 14068-1:2023",
        "gross_t": 25_266.0,
    }
    h = claim_headline(c, 772_768.0)
    assert h is not None
    assert (h["boundary"], h["holds"], h["standard"]) == (
        "Scope 1 + Scope 2 (market-based)",
        True,
        "ISO 14068-1:2023",
    )
    assert h["share_pct"] == pytest.approx(3.269545)  # 25,266 / 772,768
    assert claim_headline(None, 772_768.0) is None
    assert claim_headline(c, 0.0)["share_pct"] is None  # type: ignore[index]


# -- a target asking for neutrality every year ------------------------------------------------

NEUTRAL = Target(
    id="S12-NEUTRAL",
    kind="neutrality",
    name="Carbon neutral in Scope 1 and 2 every year from 2021",
    boundary=Boundary(scopes=(1, 2), scope2_method="market"),
    from_year=2021,
)


@dataclasses.dataclass(frozen=True)
class Outcome:
    holds: bool
    net_t: float
    failures: tuple[str, ...] = ()


def recorded(**years: bool) -> dict[int, RecordedClaim]:
    """Recorded claims by year ("y2021": True), net -100 t each, on the current run."""
    return {int(k[1:]): RecordedClaim(int(k[1:]), v, -100.0, True) for k, v in years.items()}


def progress(earlier: dict[int, RecordedClaim], holds: bool = True) -> Any:
    return neutrality_progress(
        NEUTRAL, 2025, has_inventory=True, claim=Outcome(holds, -253.0), earlier=earlier
    )


def test_held_every_year_is_achieved_and_says_which_years() -> None:
    p = progress(recorded(y2021=True, y2022=True, y2023=True, y2024=True))
    assert str(p.status) == "achieved"
    assert p.claim_years == {2021: True, 2022: True, 2023: True, 2024: True, 2025: True}
    assert p.notes == ("checked for 2021, 2022, 2023, 2024, 2025: held every year",)
    assert (p.actual, p.gap) == (-253.0, -253.0)  # the year's net
    assert p.history == {2021: -100.0, 2022: -100.0, 2023: -100.0, 2024: -100.0, 2025: -253.0}


def test_a_year_that_failed_misses_the_target() -> None:
    p = progress(recorded(y2021=True, y2022=False, y2023=True, y2024=True))
    assert str(p.status) == "missed"
    assert p.notes[0] == (
        "checked for 2021, 2022, 2023, 2024, 2025: held in 2021, 2023, 2024, 2025;"
        " did not hold in 2022"
    )


def test_a_year_without_a_recorded_claim_is_not_achieved() -> None:
    p = progress(recorded(y2021=True, y2023=True, y2024=True))
    assert str(p.status) == "no-data"
    assert p.claim_years[2022] is None
    assert p.notes[0].endswith("; no claim recorded for 2022")
    # A failed year outweighs a missing one; this year's failure counts like any other.
    assert str(progress(recorded(y2021=True, y2023=True, y2024=True), holds=False).status) == (
        "missed"
    )


def test_a_claim_recorded_on_an_earlier_run_is_named() -> None:
    earlier = recorded(y2021=True, y2022=True, y2023=True, y2024=True)
    earlier[2022] = RecordedClaim(2022, True, -100.0, False)
    p = progress(earlier)
    assert str(p.status) == "achieved"
    assert p.notes[1] == (
        "the claim of 2022 was recorded on an earlier calculation of that year's inventory,"
        " recalculated since"
    )


def test_covered_years_and_their_words() -> None:
    assert covered_years(NEUTRAL, 2023) == [2021, 2022, 2023]
    assert covered_years(NEUTRAL, 2020) == []  # before its first year
    assert covered_years(dataclasses.replace(NEUTRAL, from_year=None), 2023) == [2023]
    assert checked_years_text({2025: True}) == "checked for 2025: held"
    assert checked_years_text({2024: None, 2025: False}) == (
        "checked for 2024, 2025: did not hold in 2025; no claim recorded for 2024"
    )


def test_before_its_first_year_or_without_an_inventory_nothing_is_checked() -> None:
    p = neutrality_progress(NEUTRAL, 2020, has_inventory=True, claim=None, earlier={})
    assert (str(p.status), p.claim_years) == ("not-started", {})
    p = neutrality_progress(NEUTRAL, 2025, has_inventory=False, claim=None, earlier={})
    assert (str(p.status), p.notes) == ("no-data", ("no inventory for 2025",))
    with pytest.raises(TargetError, match="not evaluated"):
        neutrality_progress(NEUTRAL, 2025, has_inventory=True, claim=None, earlier={})


def test_target_headlines_carry_the_boundary_and_the_checked_years() -> None:
    p = progress(recorded(y2021=True, y2022=True, y2023=True, y2024=True)).to_dict()
    assert p["claim_years"]["2021"] is True  # JSON keys are text
    other = {"id": "S12-ABS", "subject": "Scope 1 + Scope 2 (market-based)", "claim_years": {}}
    (neutral, absolute) = target_headlines([p, other])
    assert neutral == {
        "id": "S12-NEUTRAL",
        "boundary": "Scope 1 + Scope 2 (market-based)",
        "checked": "checked for 2021, 2022, 2023, 2024, 2025: held every year",
        "years_checked": [2021, 2022, 2023, 2024, 2025],
    }
    assert (absolute["boundary"], absolute["checked"]) == ("Scope 1 + Scope 2 (market-based)", None)


def test_a_scope3_boundary_names_its_basis() -> None:
    # Targets and claims measure Scope 3 market-based (store/figures.py).
    every = tuple(range(1, 16))  # what a roadmap without `scope3_categories` reads as
    assert Boundary(
        scopes=(1, 2, 3), scope2_method="market", scope3_categories=every
    ).describe() == ("Scope 1 + Scope 2 (market-based) + Scope 3 (market-based)")
    assert Boundary(scopes=(3,), scope3_categories=(1, 2)).describe() == (
        "Scope 3 categories 1, 2 (market-based)"
    )


# -- the claim's plan and warnings -------------------------------------------------------------


def test_the_claim_section_restates_the_plan_and_surplus_and_keeps_other_warnings() -> None:
    # 22,000 t retired for 21,087.93 t: over-retired by 912.07 t; the plan's target is behind;
    # one credit names no beneficiary (a warning the section prints as the rules wrote it).
    credits = [ENOUGH[0], dataclasses.replace(ENOUGH[1], beneficiary=None)]
    result = claim(credits, plan=(("abs-2030", "off-track"),))
    c = {**dataclasses.asdict(result), "plan": [{"target_id": "abs-2030", "status": "off-track"}]}
    assert any(w.startswith("over-retired:") for w in c["warnings"])
    assert any(w.startswith("reduction target abs-2030 is off-track") for w in c["warnings"])
    assert other_warnings(c) == [
        "credit(s) r name no beneficiary: ISO 14068-1 wants the retirement made for the claimant"
    ]
    targets = [{"id": "abs-2030", "name": "Net zero by 2030"}]
    assert plan_rows(c, targets) == [
        {"id": "abs-2030", "name": "Net zero by 2030", "status": "off-track"}
    ]
    assert plan_rows(None, targets) == [] and other_warnings(None) == []


def test_headlines_without_a_claim() -> None:
    h = headlines(INVENTORY, None, [])
    assert (h["claim"], h["targets"], h["claim_plan"], h["claim_warnings"]) == (None, [], [], [])
    assert h["footprint"]["total_t"] == 772_768.0


# -- assurance ---------------------------------------------------------------------------------

STATEMENT = {
    "provider": "Example Assurance LLP",
    "standard": "ISO 14064-3:2019",
    "level": "Limited",
    "scope": "Scope 1 and Scope 2 (both bases), 2025",
    "date": "2026-03-31",
    "statement": "Nothing has come to our attention that causes us to believe ...",
}


def test_without_a_statement_the_figures_are_not_verified() -> None:
    a = assurance(None)
    assert a["status"] == "not_verified"
    assert (
        a["statement"]
        == NOT_VERIFIED
        == ("These figures have not been externally verified (assured).")
    )
    assert (a["provider"], a["standard"], a["level"]) == (None, None, None)


def test_a_statement_is_shown_as_given() -> None:
    a = assurance(STATEMENT)
    assert a["status"] == "verified"
    assert a["level"] == "limited"  # as the sentence reads it: "with limited assurance"
    assert (a["provider"], a["scope"]) == (STATEMENT["provider"], STATEMENT["scope"])


def test_a_statement_on_the_run_shown_is_assurance_of_it() -> None:
    a = assurance(STATEMENT | {"run_id": "run-2025-b", "report_run_id": "run-2025-b"})
    assert a["status"] == "verified"
    assert (a["run_id"], a["statement"]) == ("run-2025-b", STATEMENT["statement"])
    assert "report_run_id" not in a and "note" not in a


def test_a_statement_on_another_run_is_not_assurance_of_the_figures_shown() -> None:
    # The year recalculated after the statement: run-2025-b was verified, run-2025-c is shown.
    given = STATEMENT | {"engagement": "E2025-1", "opinion": "unmodified"}
    a = assurance(given | {"run_id": "run-2025-b", "report_run_id": "run-2025-c"})
    assert a["status"] == "other_inventory"
    assert a["statement"] == NOT_VERIFIED  # the opinion's words are not repeated
    assert STATEMENT["statement"] not in a.values()
    assert a["note"] == (
        "The verification statement E2025-1 covers another inventory, calculation run"
        " run-2025-b, not the one this report shows (run run-2025-c): the figures shown here"
        " are not the verified ones."
    )
    assert (a["provider"], a["run_id"], a["opinion"]) == (
        STATEMENT["provider"],
        "run-2025-b",
        "unmodified",
    )
    # The filer is told, as without a statement.
    assert "not externally verified" in checklist(report_data(assurance=a))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"provider": " "}, "the verification statement has no provider"),
        ({"level": "high"}, "level is 'high', not limited or reasonable"),
    ],
)
def test_an_incomplete_statement_is_refused(change: dict[str, str], message: str) -> None:
    with pytest.raises(ReportError, match=re.escape(message)):
        assurance(STATEMENT | change)


# -- the preparer checklist ----------------------------------------------------------------------


def report_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "organization": "Emmet Group",
        "year": 2025,
        "report_id": "report-2025-1",
        "consolidation": "operational_control",
        "gwp_set": "AR5",
        "inventory": INVENTORY,
        "scope3_coverage": {"categories_not_calculated": [3, 9]},
        "metrics": {"revenue": {"unit": "CNY million", "values": {"2025": 179_850.0}}},
        "entities": [
            {"entity": "EMMET", "share_in_inventory": 1.0},
            {"entity": "EMMET-JV", "share_in_inventory": 0.0},
        ],
        "factor_verification": {"unverified_co2e_t": 6_538.4, "unverified_pct": 0.7986},
        "methodology": {"problems": 0},
        "claim": {"final": True},
        "assurance": assurance(None),
    }
    data.update(changes)
    return data


def test_the_checklist_holds_the_filing_reminders_from_the_figures() -> None:
    text = checklist(report_data())
    assert text.startswith("# Preparer checklist: Emmet Group, report report-2025-1 (2025)\n")
    assert "Not part of the published report." in text
    items = [ln for ln in text.splitlines() if ln.startswith("- [ ] ")]
    assert len(items) == len(reminders(report_data())) == 8
    assert "against the standards' own text before filing" in items[0]
    assert "Scope 3 categories 3, 9 have no calculated emissions" in items[1]
    assert "§48(b): if any of the 3,492 t CO2e of Scope 1" in text  # 3,492.5 to even: 3,492
    assert "§55: reconcile the net revenue" in text
    assert "leaves out EMMET-JV" in text
    assert "this inventory uses AR5" in text
    assert "6,538 t CO2e (0.8% of the location-based total)" in text
    assert "not externally verified" in text


def test_the_checklist_follows_what_the_figures_lack() -> None:
    r = reminders(
        report_data(
            gwp_set="AR6",
            metrics={},
            scope3_coverage={"categories_not_calculated": []},
            factor_verification={"unverified_co2e_t": 0.0, "unverified_pct": 0.0},
            methodology={"problems": 3},
            claim={"final": False},
            assurance=assurance(STATEMENT),
        )
    )
    text = "\n".join(r)
    assert "AR6)" not in text and "uses AR" not in text  # AR6 is the latest: no reminder
    assert "import net revenue per year with `zerotrail import metrics`" in text
    assert "have no calculated emissions" not in text
    assert "unverified factors" not in text
    assert "3 activity record(s) of 2025 could not be calculated" in text
    assert "`zerotrail finalize --year 2025`" in text
    assert "not externally verified" not in text


# -- the published demo report, as its readers see it --------------------------------------------


class _Text(HTMLParser):
    """The page's visible text, without the charts."""

    def __init__(self) -> None:
        super().__init__()
        self.skip = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("svg", "style", "title"):
            self.skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("svg", "style", "title"):
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def page_text(folder: Path) -> str:
    p = _Text()
    p.feed((folder / "report.html").read_text(encoding="utf-8"))
    return re.sub(r"\s+", " ", " ".join(p.parts))


def test_the_demo_headlines_reconcile_on_the_page(demo_report: Path) -> None:
    d = json.loads((demo_report / "report.json").read_text(encoding="utf-8"))
    inv, fp = d["inventory"], d["headlines"]["footprint"]
    text = page_text(demo_report)
    # The cover's total footprint is the inventory's market-based total, and its parts add up.
    assert fp["total_t"] == inv["total_market"]
    assert fp["scope12_t"] + fp["scope3_t"] == pytest.approx(inv["total_market"])
    assert f"{fp['total_t']:,.0f} t CO2e (Scope 1 + 2 + 3, market-based)" in text
    # The Scope 3 category table: both bases, each adding up to the inventory's Scope 3 (the
    # market-based one is the cover's).
    cats = d["scope3_categories"]
    assert sum(c["co2e_t"] for c in cats) == pytest.approx(inv["scope3"])
    assert sum(c["co2e_market_t"] for c in cats) == pytest.approx(fp["scope3_t"])
    assert "Location-based t CO2e Market-based t CO2e Share of Scope 3 (market-based)" in text
    assert f"Scope 3 {inv['scope3']:,.0f} {inv['scope3_market']:,.0f} 100.0%" in text
    # The neutrality headline: its boundary, its share, and every year of the target checked.
    hc = d["headlines"]["claim"]
    share = f"{hc['share_pct']:.1f}%"
    assert (
        f"Scope 1 + Scope 2 (market-based): carbon neutral (ISO 14068-1:2023), {share} of the"
        " total footprint" in text
    )
    assert "checked for 2021, 2022, 2023, 2024, 2025: held every year" in text
    (neutral,) = [t for t in d["targets"] if t["kind"] == "neutrality"]
    assert neutral["claim_years"] == {str(y): True for y in range(2021, 2026)}
    # Assurance, apart from the witness: the demo's verifier's statement on the 2025 inventory
    # as published (restated after its finding: docs/verification.md).
    a = d["assurance"]
    assert (a["status"], a["run_id"], a["opinion"]) == ("verified", d["run_id"], "unmodified")
    assert (
        f"Externally verified: {a['level']} assurance by {a['provider']} ({a['standard']}),"
        " unmodified opinion, see Assurance." in text
    )
    assert " ".join(a["statement"].split()) in text
    assert NOT_VERIFIED not in text
    assert "The cosignature is evidence that the log was not rewritten." in text
    assert "It is not assurance of the figures" in text


def test_a_screened_category_needs_no_reminder_and_takes_its_cdp_status() -> None:
    # Category 9 screened as not relevant (with a reason), category 3 not screened: only
    # category 3 is left to justify, and CDP 7.8 shows category 9 as screened.
    screening = {
        "categories": [
            {
                "category": 9,
                "justification": "Digital services: nothing is shipped.",
                "cdp_status": "Not relevant, explanation provided",
            },
            {"category": 3, "justification": None, "cdp_status": "Not evaluated"},
        ]
    }
    items = reminders(report_data(scope3_screening=screening))
    assert any("Scope 3 category 3 has no calculated emissions" in i for i in items), items
    assert not any("categories 3, 9" in i for i in items)


def test_the_checklist_names_a_modified_opinion() -> None:
    # A qualified opinion is assurance, so the "not verified" reminder goes, but the filer is
    # told the opinion is not a clean one; an unmodified opinion adds no reminder.
    qualified = assurance(STATEMENT | {"opinion": "qualified"})
    text = checklist(report_data(assurance=qualified))
    assert "not externally verified" not in text
    assert "The verifier's opinion on these figures is qualified" in text
    clean = checklist(report_data(assurance=assurance(STATEMENT | {"opinion": "unmodified"})))
    assert "The verifier's opinion" not in clean and "not externally verified" not in clean
