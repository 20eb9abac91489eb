"""The executive summary: a few sentences, each built from figures report.json holds.

Where it sits: reports, pure: the report stage calls `summary(data)` once every other section
of report.json is built, and stores the sentences as its `summary`. Every number in them is a
figure of report.json, formatted as the tables format it (`html.tonnes`, `html.pct`), and the
wording follows the data: a claim that does not hold, a target off track, a year without a
previous one are said as they are, and a sentence whose figures are missing is left out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from zerotrail.model.keys import SCOPE3_CATEGORIES
from zerotrail.reports.html import pct, tonnes

# Target statuses as the summary words them (targets/status.py), in the order it lists them.
STATUS_WORDS = {
    "achieved": "achieved",
    "on-track": "on track",
    "at-risk": "at risk",
    "off-track": "off track",
    "missed": "missed",
    "no-data": "without data",
    "not-started": "not started yet",
}
TOP_CATEGORIES = 3


def _share(part: float, whole: float) -> str:
    return pct(100.0 * part / whole) if whole else "–"


def _change(now: float, then: float) -> str:
    """'2.7% lower' / '1.0% higher' / 'unchanged'."""
    if then == 0:
        return "not comparable"
    ch = 100.0 * (now - then) / then
    if round(ch, 1) == 0:
        return "unchanged"
    return f"{pct(abs(ch))} {'lower' if ch < 0 else 'higher'}"


def _footprint(d: Mapping[str, Any]) -> str:
    inv = d["inventory"]
    s12 = float(inv["scope1"]) + float(inv["scope2_market"])
    s3, total = float(inv["scope3_market"]), float(inv["total_market"])
    return (
        f"{d['organization']}'s total greenhouse gas footprint in {d['year']} was"
        f" {tonnes(total)} t CO2e (Scope 1 + 2 + 3, market-based): Scope 1 + 2"
        f" {tonnes(s12)} t ({_share(s12, total)}) and Scope 3 {tonnes(s3)} t"
        f" ({_share(s3, total)})."
    )


def _trend(d: Mapping[str, Any]) -> str | None:
    year = int(d["year"])
    rows = {int(r["year"]): r for r in d["years"]}
    if year not in rows:
        return None
    now = float(rows[year]["total_market"])
    parts = []
    if year - 1 in rows:
        prev = float(rows[year - 1]["total_market"])
        parts.append(f"{_change(now, prev)} than in {year - 1} ({tonnes(prev)} t)")
    base = d.get("base_year")
    by = int(base["year"]) if base else min(rows)
    if by < year - 1 and by in rows:
        then = float(rows[by]["total_market"])
        parts.append(
            f"{_change(now, then)} than in the base year {by} ({tonnes(then)} t, as first reported)"
        )
        # The targets measure against the base year recalculated for structural changes
        # (reports/series.py): that comparison too, when it differs.
        recalc = {int(r["year"]): r for r in (d.get("series") or {}).get("recalculated") or ()}.get(
            by
        )
        if recalc is not None and abs(float(recalc["total_market"]) - then) > 0.5:
            again = float(recalc["total_market"])
            parts.append(
                f"{_change(now, again)} than the base year as recalculated for changes in"
                f" what the company owns ({tonnes(again)} t), which the targets use"
            )
    if not parts:
        return None
    return f"The total footprint (market-based) is {' and '.join(parts)}."


def _targets(targets: Sequence[Mapping[str, Any]]) -> str | None:
    if not targets:
        return None
    groups: dict[str, list[str]] = {}
    for t in targets:
        groups.setdefault(str(t["status"]), []).append(str(t["name"]))
    order = [s for s in STATUS_WORDS if s in groups] + sorted(set(groups) - set(STATUS_WORDS))
    parts = []
    for status in order:
        names = groups[status]
        verb = "is" if len(names) == 1 else "are"
        word = STATUS_WORDS.get(status, status.replace("-", " "))
        parts.append(f"{len(names)} {verb} {word} ({'; '.join(names)})")
    if len(targets) == 1:
        (status,) = groups
        word = STATUS_WORDS.get(status, status.replace("-", " "))
        return f"Its one target ({targets[0]['name']}) is {word}."
    body = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"Of its {len(targets)} targets, {body}."


def _claim(d: Mapping[str, Any]) -> str:
    c = d.get("claim")
    year = d["year"]
    if not c:
        return f"No carbon-neutrality claim is made for {year}: {d.get('claim_none_reason')}"
    total = float(d["inventory"]["total_market"])
    gross, credits = float(c["gross_t"]), float(c["credits_t"])
    removals = c.get("removal_share")
    of_removals = "" if removals is None else f", {pct(100.0 * float(removals))} of them removals"
    verdict = "holds" if c["holds"] else "does not hold"
    return (
        f"The {year} carbon-neutrality claim ({c['standard']}) {verdict} for"
        f" {c['boundary']} only: gross emissions of {tonnes(gross)} t CO2e, which are"
        f" {_share(gross, total)} of the total footprint, against {tonnes(credits)} t of"
        f" retired carbon credits{of_removals}; net {tonnes(c['net_t'])} t CO2e."
    )


def _energy(d: Mapping[str, Any]) -> str | None:
    mix = d.get("energy_mix")
    if not mix or not mix["total_mwh"]:
        return None
    text = (
        f"Renewable sources supplied {pct(mix['renewable_share_pct'])} of the"
        f" {tonnes(mix['total_mwh'])} MWh of energy used in its own operations (Scope 1 and 2)."
    )
    out = mix["outside"]
    if out["grid_mwh"]:
        text += (
            f" The electricity of leased assets reported in Scope 3 ({tonnes(out['grid_mwh'])}"
            f" MWh) was {_share(out['renewable_mwh'], out['grid_mwh'])} covered by renewable"
            " instruments."
        )
    return text


def _scope3(d: Mapping[str, Any]) -> str | None:
    cats = sorted(
        (c for c in d["scope3_categories"] if float(c["co2e_market_t"]) > 0),
        key=lambda c: -float(c["co2e_market_t"]),
    )[:TOP_CATEGORIES]
    s3 = float(d["inventory"]["scope3_market"])
    if not cats or not s3:
        return None
    named = [
        f"{SCOPE3_CATEGORIES[int(c['category'])].lower()} ({tonnes(c['co2e_market_t'])} t,"
        f" {_share(float(c['co2e_market_t']), s3)})"
        for c in cats
    ]
    listed = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
    lead = "The largest Scope 3 categories" if len(named) > 1 else "The largest Scope 3 category"
    verb, whose = ("are", "their") if len(named) > 1 else ("is", "its")
    return f"{lead} (market-based, with {whose} share of Scope 3) {verb} {listed}."


def _intensity(d: Mapping[str, Any]) -> str | None:
    section = d.get("intensity") or {}
    year = str(d["year"])
    found = [
        r
        for r in section.get("rows", [])
        if r["numerator"].startswith("Scope 1 + 2 + 3") and year in r["values"]
    ]
    if not found:
        return None
    listed = " and ".join(
        f"{tonnes(r['values'][year])} {r['unit']} ({r['denominator'].lower()})" for r in found
    )
    return f"Emission intensity (Scope 1 + 2 + 3, market-based): {listed}."


def summary(d: Mapping[str, Any]) -> list[str]:
    """The executive summary's sentences, in reading order (see the module docstring)."""
    found = [
        _footprint(d),
        _trend(d),
        _targets(d["targets"]),
        _claim(d),
        _energy(d),
        _scope3(d),
        _intensity(d),
    ]
    return [s for s in found if s]
