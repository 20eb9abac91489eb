"""What each target covers, and what its roadmap says about science-based validation.

Where it sits: reports, pure: the report stage hands the targets' definitions as the roadmap
stored them (`Target.definition()` with the year each was set), their progress in the year,
and the year's figures; this returns report.json's `target_coverage`, one entry per target in
the order of `targets`.

Coverage of an emissions target (absolute, intensity, net zero, neutrality) is the year's
emissions inside its boundary (Scope 1; Scope 2 by the target's method; the Scope 3 categories
it names, market-based) as a share of the year's total footprint (Scope 1 + 2 + 3,
market-based). A renewable-share target covers the electricity of its site kind, as a share of
all the electricity in the renewable-share table. Other kinds have no coverage figure.

Science-based validation is whatever the roadmap records: the roadmap format has no field for
an SBTi validation, so the report says "not stated", and names the ambition (1.5 °C,
well-below 2 °C) only when the roadmap states one. Nothing is inferred from the figures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

NOT_STATED = "not stated"
AMBITIONS = {"1.5C": "1.5 °C", "well-below-2C": "well-below 2 °C"}


def _emissions_t(
    d: Mapping[str, Any], inventory: Mapping[str, Any], categories: Sequence[Mapping[str, Any]]
) -> float:
    scopes = [int(s) for s in d.get("scopes", [])]
    cats = [int(c) for c in d.get("scope3_categories", [])]
    if 3 in scopes and not cats:
        cats = list(range(1, 16))  # a Scope 3 boundary names all categories unless it lists some
    t = float(inventory["scope1"]) if 1 in scopes else 0.0
    if 2 in scopes:
        method = d.get("scope2_method", "market")
        t += float(inventory["scope2_location" if method == "location" else "scope2_market"])
    market = {int(c["category"]): float(c["co2e_market_t"]) for c in categories}
    return t + sum(market.get(c, 0.0) for c in cats)


def target_coverage(
    definitions: Sequence[Mapping[str, Any]],
    targets: Sequence[Mapping[str, Any]],
    inventory: Mapping[str, Any],
    categories: Sequence[Mapping[str, Any]],
    renewables: Sequence[Mapping[str, Any]],
) -> list[dict[str, Any]]:
    """Per target (in `targets`' order): boundary, covered t CO2e or MWh and its share, the
    year it was set and the science-based validation as the roadmap states it."""
    by_id = {str(d["id"]): d for d in definitions}
    total_t = float(inventory["total_market"])
    electricity = {r.get("site_kind"): float(r["total_mwh"]) for r in renewables}
    all_mwh = sum(electricity.values())
    out = []
    for t in targets:
        d = by_id.get(str(t["id"]), {})
        row: dict[str, Any] = {
            "id": t["id"],
            "boundary": t.get("subject"),
            "set_year": d.get("set_year"),
            "covered": None,
            "covered_unit": None,
            "covered_pct": None,
            "covered_of": None,
            "science_based": NOT_STATED,
            "ambition": AMBITIONS.get(str(d.get("ambition")), d.get("ambition")),
        }
        if d.get("scopes"):
            covered = _emissions_t(d, inventory, categories)
            row.update(
                covered=covered,
                covered_unit="t CO2e",
                covered_pct=100.0 * covered / total_t if total_t else None,
                covered_of="total footprint (Scope 1 + 2 + 3, market-based)",
            )
        elif d.get("site_kind") is not None:
            mwh = electricity.get(d["site_kind"], 0.0)
            row.update(
                covered=mwh,
                covered_unit="MWh",
                covered_pct=100.0 * mwh / all_mwh if all_mwh else None,
                covered_of="electricity of all sites",
            )
        out.append(row)
    return out
