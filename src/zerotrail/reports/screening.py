"""The Scope 3 screening and methodology of the report: each of the 15 categories with its
status, the preparer's justification, and how it was calculated.

Where it sits: reports, under the periodic report (periodic.py `build`, report.json key
`scope3_screening`). Pure: it takes values the report stage read (the run's Scope 3 tonnes by
method, data quality and factor set; the screening as the preparer recorded it:
ingest/screening.py) and returns the section's dict.

A category's status (model/screening.py STATUSES) follows what the inventory holds first, then
what the screening recorded:
- calculated: the run has Scope 3 emissions in the category, whatever the screening says;
- not relevant: the screening judged it not relevant (an estimate, if given, is shown as the
  size behind that judgement);
- estimated: judged relevant and not calculated, with an estimate (never added to totals);
- gap: judged relevant, not calculated, no estimate;
- no screening recorded: none of the above; the report then invents no justification.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from zerotrail.model.keys import SCOPE3_CATEGORIES
from zerotrail.model.screening import CRITERIA, STATUSES, CategorySource

# How the engine's method names read in the report, where the name alone would mislead: the
# engine calls leased assets' grid electricity "location-based" (its Scope 2 method).
METHOD_LABELS = {
    "location-based": "energy use × grid factor",
    "supplier-specific": "supplier-specific factors",
}


def method_label(method: str) -> str:
    return METHOD_LABELS.get(method, method.replace("_", " "))


def status(calculated: bool, row: Mapping[str, Any] | None) -> str:
    """The category's status id (see the module docstring for the order)."""
    if calculated:
        return "calculated"
    if row is None:
        return "not_screened"
    if not row["relevant"]:
        return "not_relevant"
    if row.get("estimate_t") is not None:
        return "estimated"
    return "gap"


def cdp_status(st: str, relevant: bool | None) -> str:
    """The category's evaluation status in CDP's words (climate questionnaire 7.8 / C6.5),
    for the disclosure tables: a calculated category the preparer judged not relevant is
    CDP's "Not relevant, calculated"; an estimated one is relevant and not yet calculated."""
    if st == "calculated":
        return "Not relevant, calculated" if relevant is False else "Relevant, calculated"
    return {
        "not_relevant": "Not relevant, explanation provided",
        "estimated": "Relevant, not yet calculated",
        "gap": "Relevant, not yet calculated",
    }.get(st, "Not evaluated")


def _pct(part: float, whole: float) -> float | None:
    return 100.0 * part / whole if whole else None


def category_row(
    category: int,
    methods: Mapping[str, tuple[float, float]],
    data_quality: float | None,
    sources: Sequence[CategorySource],
    row: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """One category's screening and methodology. `methods`: method -> (t, market-based t)."""
    t = sum(v[0] for v in methods.values())
    tm = sum(v[1] for v in methods.values())
    calculated = any(abs(v[0]) > 0 or abs(v[1]) > 0 for v in methods.values())
    st = status(calculated, row)
    supplier = methods.get("supplier-specific", (0.0, 0.0))[0]
    other_region = sum(s.other_region_t for s in sources)
    return {
        "category": category,
        "name": SCOPE3_CATEGORIES[category],
        "status": st,
        "status_label": STATUSES[st],
        "cdp_status": cdp_status(st, None if row is None else bool(row["relevant"])),
        "relevant": None if row is None else bool(row["relevant"]),
        "criteria": [] if row is None else [CRITERIA[c] for c in row["criteria"]],
        "justification": None if row is None else str(row["justification"]),
        "data_source": None if row is None else row.get("data_source"),
        "co2e_t": t,
        "co2e_market_t": tm,
        "methods": [
            {"method": method_label(m), "co2e_t": v[0], "share_pct": _pct(v[0], t)}
            for m, v in sorted(methods.items(), key=lambda kv: -abs(kv[1][0]))
            if abs(v[0]) > 0 or abs(v[1]) > 0
        ],
        "factor_sets": [
            {
                "factor_set": s.factor_set,
                "name": s.name,
                "regions": list(s.regions),
                "records": s.records,
                "co2e_t": s.co2e_t,
                "share_pct": _pct(s.co2e_t, t),
            }
            for s in sorted(sources, key=lambda s: -abs(s.co2e_t))
        ],
        "other_region_pct": _pct(other_region, t) if calculated else None,
        "data_quality": data_quality if calculated else None,
        "supplier_specific_pct": _pct(supplier, t) if calculated else None,
        "estimate_t": None if row is None else row.get("estimate_t"),
        "estimate_method": None if row is None else row.get("estimate_method"),
    }


def screening_section(
    methods: Sequence[tuple[int, str, float, float]],
    quality: Mapping[int, float | None],
    sources: Sequence[CategorySource],
    recorded: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    """Every Scope 3 category's status, justification and methodology, 1 to 15.

    `methods`: (category, method, t, market-based t) of the run; `quality`: the emissions-
    weighted data-quality score per category; `sources`: the factor sets per category;
    `recorded`: the screening rows as imported (ingest.ScreeningRow.to_json).
    """
    by_method: dict[int, dict[str, tuple[float, float]]] = {c: {} for c in SCOPE3_CATEGORIES}
    for cat, method, t, tm in methods:
        prev = by_method[cat].get(method, (0.0, 0.0))
        by_method[cat][method] = (prev[0] + t, prev[1] + tm)
    by_cat: dict[int, list[CategorySource]] = {c: [] for c in SCOPE3_CATEGORIES}
    for s in sources:
        by_cat[s.category].append(s)
    rows = {int(r["category"]): r for r in recorded}
    cats = [
        category_row(c, by_method[c], quality.get(c), by_cat[c], rows.get(c))
        for c in SCOPE3_CATEGORIES
    ]
    counts = {s: sum(1 for c in cats if c["status"] == s) for s in STATUSES}
    return {
        "recorded": bool(recorded),
        "categories": cats,
        "counts": counts,
        "status_labels": dict(STATUSES),
        # Estimates of relevant categories not calculated: reported beside the totals, never in.
        "estimated_t": sum(float(c["estimate_t"]) for c in cats if c["status"] == "estimated"),
    }
