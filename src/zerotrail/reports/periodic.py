"""The periodic report's figures: one dict (report.json) that the HTML, PDF and workbook render.

Where it sits: reports, under the report stage (pipeline/publish.py). The stage reads every
input from the workspace through the same functions the commands use (inventory summary, target
progress, renewable share, data centres, initiatives, the year's neutrality claim as it would
be recorded) and hands them here as values (`ReportInputs`), so every figure in the report
equals the one a user gets from the corresponding command; tests hold them to that. Building
the figures reads nothing and writes nothing. Rendering lives elsewhere (html.py, charts.py,
xlsx.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from zerotrail import __version__
from zerotrail.engine.inputs import EntityRow, consolidation_shares
from zerotrail.model.factor_usage import FactorSetInfo, FactorUse
from zerotrail.model.flags import FlagTally
from zerotrail.model.inventory import CurrentRun, GasSums
from zerotrail.model.screening import CategorySource
from zerotrail.reports import uncertainty
from zerotrail.reports.assurance import assurance
from zerotrail.reports.credit_quality import credits_retired
from zerotrail.reports.factor_table import factor_rows
from zerotrail.reports.flag_table import flag_rows
from zerotrail.reports.headlines import headlines
from zerotrail.reports.intensity import intensity
from zerotrail.reports.inventory import gas_table
from zerotrail.reports.screening import screening_section
from zerotrail.reports.series import series, unadjusted_entities
from zerotrail.reports.target_coverage import target_coverage

# Activity families of Scopes 1 and 2 as the bridge names them (key prefix -> driver).
DRIVERS = (
    ("electricity.", "Purchased electricity"),
    ("steam.", "Purchased heat and steam"),
    ("stationary_combustion.", "Fuel burnt on site"),
    ("mobile_combustion.", "Vehicle fleet"),
    ("fugitive.", "Refrigerants and other fugitive gases"),
)
OTHER_DRIVER = "Other Scope 1 and 2"

# (entity, name, parent, equity share, financial control, operational control, country)
Entity = tuple[str, Any, Any, float, Any, bool, Any]
# Scope 1 + 2 (market-based) t CO2e per activity key
ByActivity = Sequence[tuple[str, float]]


@dataclass(frozen=True, slots=True)
class YearTotals:
    """A year's current run and its scope totals (scope1, scope2_location, scope2_market,
    scope3, scope3_market), for the comparatives."""

    year: int
    run_id: str
    totals: Mapping[str, float]


@dataclass(frozen=True, slots=True)
class BridgeInputs:
    """What the bridge from the base year needs: Scope 1 + 2 (market-based) per activity of
    the base year's current run (`then`) and this year's (`now`), outside the entities named
    by applied structural events (`moved`), and of those entities (`moved_then`,
    `moved_now`)."""

    moved: tuple[str, ...]
    then: ByActivity
    now: ByActivity
    moved_then: ByActivity
    moved_now: ByActivity


@dataclass(frozen=True, slots=True)
class ReportInputs:
    """Every input of the year's report, read by the report stage."""

    year: int
    organization: str | None
    run: CurrentRun
    inventory: Mapping[str, Any]  # reports.inventory.summary of the run
    years: Sequence[YearTotals]  # every year with an inventory up to this one
    gases_by_scope: Mapping[int, tuple[Sequence[GasSums], float]]
    scope3_methods: Sequence[tuple[int, str, float, float]]  # category, method, t, market t
    scope3_quality: Mapping[int, float | None]
    factor_sets: Sequence[FactorSetInfo]  # the sets of the factors in `factor_uses`
    entities: Sequence[Entity]
    targets: Sequence[Mapping[str, Any]]  # each target's progress in the year
    base_year: Mapping[str, Any] | None  # base_year_section
    bridge: BridgeInputs | None
    claim: Mapping[str, Any] | None  # the year's neutrality claim
    claim_none_reason: str | None  # why there is none
    renewables: Sequence[Mapping[str, Any]]
    data_centres: Sequence[Mapping[str, Any]]
    initiatives: Sequence[Mapping[str, Any]]
    metrics: Sequence[tuple[str, int, float, str]]  # metric, year, value, unit
    event_years: Mapping[str, int]  # base-year event id -> the year it took effect
    initiative_attribution: Mapping[str, Any]  # reports.initiatives.attribute of the year
    assurance: Mapping[str, Any] | None  # an external verification statement (assurance.py)
    uncertainty_groups: Sequence[uncertainty.Group]  # results grouped for reports/uncertainty.py
    factor_uses: Sequence[FactorUse]  # every factor the run used (reports/factor_table.py)
    flag_tallies: Sequence[FlagTally]  # every flag the run raised (reports/flag_table.py)
    energy_mix: Mapping[str, Any]  # reports.energy.energy_mix of the year
    it_load: Sequence[tuple[int, float, float, int]]  # year, IT MWh, t CO2e, data centres
    target_definitions: Sequence[Mapping[str, Any]]  # each target's roadmap definition
    credit_blocks: Sequence[Mapping[str, Any]]  # the credit blocks assigned to the year
    governance: Mapping[str, str | None]  # approval and contact (pipeline/settings.py)
    scope3_sources: Sequence[CategorySource]  # factor sets per Scope 3 category (screening.py)
    scope3_screening: Sequence[Mapping[str, Any]]  # the preparer's screening rows, as imported
    entity_years: Sequence[tuple[str, int, int]]  # entity, first and last year of its records
    evented_entities: Sequence[str]  # the entities base-year events name


def year_rows(years: Sequence[YearTotals]) -> list[dict[str, Any]]:
    """Headline figures of every year with an inventory (for comparatives)."""
    rows = []
    for y in years:
        t = dict(y.totals)
        rows.append(
            {
                "year": y.year,
                "run_id": y.run_id,
                **t,
                "total_location": t["scope1"] + t["scope2_location"] + t["scope3"],
                "total_market": t["scope1"] + t["scope2_market"] + t["scope3_market"],
            }
        )
    return rows


def by_scope_gas(
    gases: Mapping[int, tuple[Sequence[GasSums], float]],
) -> dict[str, dict[str, dict[str, float]]]:
    return {str(scope): gas_table(sums, unsplit) for scope, (sums, unsplit) in gases.items()}


def scope3_categories(
    methods: Sequence[tuple[int, str, float, float]], quality: Mapping[int, float | None]
) -> list[dict[str, Any]]:
    cats: dict[int, dict[str, Any]] = {
        c: {"category": c, "co2e_t": 0.0, "co2e_market_t": 0.0, "methods": {}, "data_quality": None}
        for c in range(1, 16)
    }
    for cat, method, t, tm in methods:
        c = cats[cat]
        c["co2e_t"] += t
        c["co2e_market_t"] += tm
        c["methods"][method] = t
    for cat, dq in quality.items():
        cats[cat]["data_quality"] = dq
    return list(cats.values())


def boundary(entities: Sequence[Entity], approach: str) -> list[dict[str, Any]]:
    shares = consolidation_shares(
        [EntityRow(e, p, s, fc, oc) for e, _, p, s, fc, oc, _ in entities], approach
    )
    return [
        {
            "entity": e,
            "name": n,
            "parent": p,
            "equity_share": s,
            "financial_control": fc,
            "operational_control": oc,
            "country": c,
            "share_in_inventory": shares[e][0],
            "note": shares[e][1],
        }
        for e, n, p, s, fc, oc, c in entities
    ]


def by_driver(rows: ByActivity) -> dict[str, float]:
    """Scope 1 + 2 per driver (DRIVERS, then everything else), from t per activity key."""
    out = {label: 0.0 for _, label in DRIVERS}
    out[OTHER_DRIVER] = 0.0
    for activity, t in rows:
        label = next((lb for p, lb in DRIVERS if activity.startswith(p)), None)
        out[label or OTHER_DRIVER] += t
    return out


def applied_events(base: Mapping[str, Any] | None) -> list[str]:
    """The base-year events its versions applied (whose entities the bridge sets apart)."""
    if base is None:
        return []
    return [str(e) for v in base["versions"] for e in v["events"]]


def bridge(
    base: Mapping[str, Any] | None, year: int, inputs: BridgeInputs | None
) -> list[dict[str, Any]]:
    """Scope 1 + 2 (market-based) from the base year as first reported to this year, by driver.

    Steps, which always add up to this year's figure:
    - the base year as first recorded;
    - the base-year recalculation (structural changes and corrections applied to it);
    - like-for-like change of each activity family between the base-year inventory and this
      year's, leaving out the entities named by structural events (acquired or divested);
    - those entities: their emissions this year less what the recalculation added for them;
    - if the base-year inventory was revised after it was recorded, that revision.
    No steps without a base year or without an inventory of it (`inputs` None).
    """
    if base is None or inputs is None:
        return []
    by = int(base["year"])
    first, cur = base["versions"][0], base["versions"][-1]
    s12 = "scope1", "scope2_market"
    start = sum(float(first[k]) for k in s12)
    recalc = sum(float(cur[k]) for k in s12) - start
    then, now = by_driver(inputs.then), by_driver(inputs.now)
    moved_then = sum(by_driver(inputs.moved_then).values())
    moved_now = sum(by_driver(inputs.moved_now).values())
    end = sum(now.values()) + moved_now
    steps = [{"label": f"{by} as first reported", "t": start, "kind": "start"}]
    if abs(recalc) > 0.005:
        steps.append({"label": "Base-year recalculation", "t": recalc, "kind": "change"})
    revised = sum(then.values()) + moved_then - start
    if abs(revised) > 0.005:
        steps.append({"label": f"{by} inventory revised", "t": revised, "kind": "change"})
    steps += [
        {"label": label, "t": now[label] - then[label], "kind": "change"}
        for label in now
        if abs(now[label] - then[label]) > 0.005
    ]
    if inputs.moved:
        steps.append(
            {
                "label": "Acquired and divested businesses since the recalculation",
                "t": moved_now - moved_then - recalc,
                "kind": "change",
            }
        )
    steps.append({"label": str(year), "t": end, "kind": "end"})
    return steps


def report_base_year(targets: Sequence[Mapping[str, Any]]) -> int | None:
    """The base year the report shows: the earliest of its targets' base years."""
    years = sorted({int(t["base_year"]) for t in targets if t.get("base_year") is not None})
    return years[0] if years else None


def base_year_section(
    year: int, versions: Sequence[Mapping[str, Any]], events: Sequence[Mapping[str, Any]]
) -> dict[str, Any] | None:
    """The base year with its versions (oldest first) and events; None when never recorded."""
    if not versions:
        return None
    return {
        "year": year,
        "original": dict(versions[0]),
        "current": dict(versions[-1]),
        "versions": [dict(v) for v in versions],
        "events": [dict(e) for e in events],
    }


def metrics(values: Sequence[tuple[str, int, float, str]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for metric, year, value, unit in values:
        m = out.setdefault(metric, {"unit": unit, "values": {}})
        m["values"][str(year)] = value
    return out


def factor_verification(sets: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """How much of the location-based total rests on unverified factors (values that rest on a
    single transcription or a proxy: docs/factors.md), in t CO2e and as a share."""
    total = sum(float(f["co2e_t"]) for f in sets)
    unverified = sum(float(f["unverified_co2e_t"]) for f in sets)
    return {
        "co2e_t": total,
        "unverified_co2e_t": unverified,
        "unverified_pct": 100.0 * unverified / total if total else None,
    }


def build(inp: ReportInputs) -> dict[str, Any]:
    """Every figure of the year's report (see the module docstring)."""
    year, run, inv = inp.year, inp.run, inp.inventory
    cats = scope3_categories(inp.scope3_methods, inp.scope3_quality)
    factor_sets = factor_rows(inp.factor_sets, inp.factor_uses)
    s3 = sum(c["co2e_t"] for c in cats)
    supplier = sum(c["methods"].get("supplier-specific", 0.0) for c in cats)
    return {
        "organization": inp.organization or "the organization",
        "year": year,
        "period": {"start": date(year, 1, 1).isoformat(), "end": date(year, 12, 31).isoformat()},
        "generator": f"zerotrail {__version__}",
        "run_id": run.run_id,
        "gwp_set": run.gwp_set,
        "consolidation": run.consolidation,
        "entities": boundary(inp.entities, run.consolidation),
        "factor_sets": factor_sets,
        "factor_verification": factor_verification(factor_sets),
        "flags": flag_rows(inp.flag_tallies, year),
        "inventory": dict(inv),
        "by_scope_gas": by_scope_gas(inp.gases_by_scope),
        "scope3_categories": cats,
        "scope3_coverage": {
            "categories_calculated": [c["category"] for c in cats if c["co2e_t"] > 0],
            "categories_not_calculated": [c["category"] for c in cats if c["co2e_t"] == 0],
            "supplier_specific_pct": 100.0 * supplier / s3 if s3 else None,
            "data_quality": inv["scope3_data_quality"],
        },
        "years": year_rows(inp.years),
        "base_year": None if inp.base_year is None else dict(inp.base_year),
        "bridge": bridge(inp.base_year, year, inp.bridge),
        "targets": [dict(t) for t in inp.targets],
        "renewables": [dict(r) for r in inp.renewables],
        "data_centres": [dict(d) for d in inp.data_centres],
        "initiatives": [dict(i) for i in inp.initiatives],
        "metrics": metrics(inp.metrics),
        "series": series(year_rows(inp.years), inp.base_year, inp.event_years),
        "unadjusted_entities": unadjusted_entities(
            inp.entity_years,
            None if inp.base_year is None else int(inp.base_year["year"]),
            year,
            inp.evented_entities,
            {e[0]: e[1] for e in inp.entities},
        ),
        "initiative_attribution": {
            k: inp.initiative_attribution[k] for k in ("basis", "totals", "sites", "company")
        },
        "headlines": headlines(inv, inp.claim, inp.targets),
        "assurance": assurance(inp.assurance),
        "uncertainty": uncertainty.estimate(inp.uncertainty_groups),
        "claim": None if inp.claim is None else dict(inp.claim),
        "claim_none_reason": inp.claim_none_reason,
        "energy_mix": dict(inp.energy_mix),
        "intensity": intensity(year, year_rows(inp.years), metrics(inp.metrics), inp.it_load),
        "target_coverage": target_coverage(
            inp.target_definitions, inp.targets, inv, cats, inp.renewables
        ),
        "credits_retired": credits_retired(inp.claim, inp.credit_blocks),
        "governance": dict(inp.governance),
        "scope3_screening": screening_section(
            inp.scope3_methods, inp.scope3_quality, inp.scope3_sources, inp.scope3_screening
        ),
        "methodology": {
            "notes": inv["notes"],
            "flags": inv["flags"],
            "problems": inv["problem_count"],
        },
    }
