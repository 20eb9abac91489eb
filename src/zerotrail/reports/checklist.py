"""The preparer checklist: what whoever files the report's figures still has to do.

The published report (HTML, PDF) says only what is true of the figures; reminders addressed to
the preparer ("check the references before filing", "add the ETS share") are not for its
readers. They are written here instead, from the same figures, as `preparer-checklist.md`
beside the report (pipeline/publish.py writes it in the staging folder with the other files).

Where it sits: reports, pure: the report's figures (report.json's dict) in, Markdown text out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from zerotrail.reports.disclosures import APPROACHES, LATEST_IPCC


def _t(x: float) -> str:
    return f"{x:,.0f}"


def _list(xs: list[Any]) -> str:
    return ", ".join(str(x) for x in xs)


def reminders(data: Mapping[str, Any]) -> list[str]:
    """Every reminder for the report `data`, in the order a filer meets them."""
    inv = data["inventory"]
    year = int(data["year"])
    out = [
        "Check the paragraph and question references of the disclosure tables "
        "(`disclosures.xlsx`, report.json `disclosures`) against the standards' own text "
        "before filing: they were checked in part against secondary sources only."
    ]
    screened = {
        int(r["category"])
        for r in (data.get("scope3_screening") or {}).get("categories") or ()
        if r.get("justification")
    }
    missing = [
        c
        for c in (data.get("scope3_coverage") or {}).get("categories_not_calculated") or []
        if int(c) not in screened
    ]
    if missing:
        out.append(
            (
                f"Scope 3 categories {_list(missing)} have"
                if len(missing) > 1
                else f"Scope 3 category {missing[0]} has"
            )
            + " no calculated emissions and no recorded screening: justify each "
            "exclusion (GHG Protocol Scope 3 Standard ch. 6 relevance criteria and ch. 11; "
            "ESRS E1 §51 significant categories), and in CDP 7.8 / C6.5 replace 'Not "
            "evaluated' with 'Not relevant, explanation provided' and the reason once screened."
        )
    out.append(
        f"ESRS E1 §48(b): if any of the {_t(float(inv['scope1']))} t CO2e of Scope 1 falls "
        "under a regulated emission trading scheme, add its percentage; the inventory does "
        "not record it."
    )
    revenue = (data.get("metrics") or {}).get("revenue")
    if revenue is None:
        out.append(
            "ESRS E1 §53-55: no net revenue is recorded, so the GHG intensity per net revenue "
            "is missing; import net revenue per year with `zerotrail import metrics`."
        )
    else:
        out.append(
            "ESRS E1 §55: reconcile the net revenue used for the GHG intensity "
            f"({revenue.get('unit') or 'as recorded'}) with the financial statements."
        )
        if str(year) not in (revenue.get("values") or {}):
            out.append(
                f"ESRS E1 §53: no net revenue is recorded for {year}; import it for the "
                "year's intensity."
            )
    excluded = [e for e in data.get("entities") or () if not e.get("share_in_inventory")]
    approach = str(data["consolidation"])
    out.append(
        "IFRS S2 29(a)(iv): split Scope 1 and 2 between the consolidated accounting group and "
        f"other investees where investees are excluded; the inventory consolidates by "
        f"{APPROACHES.get(approach, approach)} only"
        + (
            f" and leaves out {_list([e['entity'] for e in excluded])}."
            if excluded
            else " and leaves out no entity."
        )
    )
    gwp = str(data["gwp_set"])
    if gwp not in LATEST_IPCC:
        out.append(
            f"IFRS S2 (B21-B22) and ISO 14064-1 expect GWPs from the latest IPCC assessment "
            f"(AR6); this inventory uses {gwp}: disclose the reason (a jurisdiction or "
            "programme requiring it) or recalculate with AR6."
        )
    fv = data.get("factor_verification") or {}
    if float(fv.get("unverified_co2e_t") or 0.0) > 0:
        out.append(
            f"{_t(float(fv['unverified_co2e_t']))} t CO2e ({float(fv['unverified_pct']):.1f}% "
            "of the location-based total) rest on unverified factors (a single transcription "
            "or a proxy): check them against their sources or disclose them as estimates."
        )
    problems = int((data.get("methodology") or {}).get("problems") or 0)
    if problems:
        out.append(
            f"{problems} activity record(s) of {year} could not be calculated: fix them "
            f"(`zerotrail inventory --year {year} --format json` lists them) and recalculate."
        )
    claim = data.get("claim")
    if claim is not None and not claim.get("final"):
        out.append(
            f"The {year} inventory is not final: finalize it before the neutrality claim is "
            f"relied on (`zerotrail finalize --year {year}`)."
        )
    assured = data.get("assurance") or {}
    opinion = assured.get("opinion")
    if assured.get("status") == "verified" and opinion not in (None, "unmodified"):
        # A modified opinion is assurance all the same, but not the clean one a filing expects.
        out.append(
            f"The verifier's opinion on these figures is {opinion}: read the statement's reasons"
            " (statement.json) and address them before filing."
        )
    if assured.get("status") != "verified":
        out.append(
            "The figures are not externally verified (assured). Where the filing requires "
            "assurance (the CSRD asks for limited assurance of the sustainability statement), "
            "obtain it before filing; the witness cosignature of the ledger is not assurance."
        )
    return out


def checklist(data: Mapping[str, Any]) -> str:
    """preparer-checklist.md: a heading, what the file is, and the reminders as tasks."""
    head = (
        f"# Preparer checklist: {data['organization']}, report {data.get('report_id') or ''}"
        f" ({data['year']})\n\n"
        "Not part of the published report. What remains to be done before these figures are "
        "filed, from the report's own figures.\n\n"
    )
    return head + "".join(f"- [ ] {r}\n" for r in reminders(data))
