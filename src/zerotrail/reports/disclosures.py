"""Disclosure tables built from the report's figures: GHG Protocol, ESRS E1-6, IFRS S2 §29(a),
CDP-style and ISO 14064-1:2018.

Where it sits: reports, after the report's JSON (`data`) is built from the stored results;
rendering (`reports/xlsx.py`, HTML, JSON) reads the Sections returned here. Pure: a plain dict
in, frozen values out; no store, no I/O, no clock.

Every figure in a row is the input figure it comes from, unrounded (rounding is presentation).
The few derived figures (intensities, % changes, the ESRS market-based total, ISO category
totals) are stated in the notes with their formula.

Paragraph references: ESRS E1 §44, §46, §52, §53, AR 47 and AR 53 were read in published
texts of Delegated Regulation (EU) 2023/2772 (secondary sites) and CDP's C6.5 columns in
CDP's guidance pages; the other ESRS and IFRS S2 paragraph numbers, GHG Protocol chapters,
CDP question numbers and the ISO 14064-1 Annex B subcategories come from secondary summaries
or memory, not the standards' own text (../shared/reference/standards.md covers only the GHG
Protocol and ISO parts, tagged [S]/[U]). Every sheet says so in its notes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from zerotrail.model.keys import SCOPE3_CATEGORIES

Cell = str | float | int | None

SECTION_KEYS = ("ghg_protocol", "esrs_e1_6", "ifrs_s2_29a", "cdp", "iso_14064_1")

GASES = ("CO2", "CH4", "N2O", "HFC", "PFC", "SF6", "NF3", "CO2e_only")
CO2E_ONLY_LABEL = "CO2e only (factors without a gas split)"

APPROACHES = {
    "operational_control": "operational control",
    "financial_control": "financial control",
    "equity_share": "equity share",
}

GWP_LABELS = {
    "AR4": "IPCC Fourth Assessment Report (AR4), GWP 100-year",
    "AR5": "IPCC Fifth Assessment Report (AR5), GWP 100-year",
    "AR5_CCFB": "IPCC AR5, GWP 100-year with climate-carbon feedback",
    "AR6": "IPCC Sixth Assessment Report (AR6), GWP 100-year",
    "GHGP_AR6": "IPCC AR6 GWP 100-year as tabulated by the GHG Protocol (Aug 2024)",
}
LATEST_IPCC = frozenset({"AR6", "GHGP_AR6"})

ISO_CATEGORIES: dict[int, str] = {
    1: "Direct GHG emissions and removals",
    2: "Indirect GHG emissions from imported energy",
    3: "Indirect GHG emissions from transportation",
    4: "Indirect GHG emissions from products used by the organization",
    5: "Indirect GHG emissions associated with the use of products from the organization",
    6: "Indirect GHG emissions from other sources",
}

# Scope 3 category -> ISO 14064-1:2018 category, after the Annex B subcategories [S: several
# independent secondary transcriptions agree; the standard's text was not read]:
#   3 transportation: 3.1 upstream freight (4), 3.2 downstream freight (9), 3.3 commuting (7),
#     3.5 business travel (6);
#   4 products used: 4.1 purchased goods (1), 4.2 capital goods (2), 4.3 waste (5), 4.4 use of
#     assets, i.e. upstream leased (8), 4.5 other services; fuel- and energy-related (3) goes
#     here as purchased energy products (judgement: its T&D-loss part is sometimes put in 2);
#   5 use of products from the organization: 5.1 use stage (11), 5.2 downstream leased
#     assets (13), 5.3 end of life (12), 5.4 investments (15). Investments are in 5, not 6:
#     Annex B lists them under category 5. Processing of sold products (10) is a downstream
#     stage of the organization's products, so 5 (judgement: some tables put it in 6);
#   6 other: franchises (14).
# fmt: off
ISO_OF_SCOPE3: dict[int, int] = {
    1: 4, 2: 4, 3: 4, 4: 3, 5: 4, 6: 3, 7: 3, 8: 4,
    9: 3, 10: 5, 11: 5, 12: 5, 13: 5, 14: 6, 15: 5,
}
# fmt: on

# zerotrail method names -> CDP's "emissions calculation methodology" options (C6.5 / 7.8).
CDP_METHODS = {
    "supplier-specific": "Supplier-specific method",
    "average-data": "Average data method",
    "spend-based": "Spend-based method",
    "fuel-based": "Fuel-based method",
    "distance-based": "Distance-based method",
    "waste-type-specific": "Waste-type-specific method",
    "site-specific": "Site-specific method",
    "location-based": "Other: location-based (grid-average electricity factors)",
    "mass-balance": "Other: mass-balance",
}

# Public text only: what a filer still has to do is in the preparer checklist (checklist.py).
# How a row names the basis of its Scope 2 or Scope 3 figure.
LOCATION = "location-based"
MARKET = "market-based"

SOURCES_NOTE = (
    "Paragraph and question references are given for orientation: they were checked in part "
    "against secondary sources, not against the standards' own text."
)


@dataclass(frozen=True, slots=True)
class Section:
    """One disclosure table: a title, the standard it answers, a header, rows and notes, and
    `basis`: which Scope 2 and Scope 3 basis (location- or market-based) the standard asks for
    and the table gives."""

    title: str
    reference: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    notes: tuple[str, ...] = ()
    basis: str = ""

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(
                    f"{self.title}: row {row!r} has {len(row)} cells, "
                    f"not {len(self.columns)} as the columns"
                )

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "reference": self.reference,
            "basis": self.basis,
            "columns": list(self.columns),
            "rows": [list(r) for r in self.rows],
            "notes": list(self.notes),
        }


@dataclass(frozen=True, slots=True)
class About:
    """What the cover sheet of an export says about the report."""

    organization: str
    year: int
    gwp_set: str
    consolidation: str


def about(data: Mapping[str, Any]) -> About:
    return About(
        organization=str(data["organization"]),
        year=int(data["year"]),
        gwp_set=str(data["gwp_set"]),
        consolidation=str(data["consolidation"]),
    )


class Disclosures(dict[str, Section]):
    """The sections of one report, keyed as in SECTION_KEYS, and what its cover sheet says
    (so `write_xlsx(disclosures(data), ...)` needs nothing else)."""

    __slots__ = ("about",)

    def __init__(self, sections: Mapping[str, Section], about: About) -> None:
        super().__init__(sections)
        self.about = about


def disclosures(data: Mapping[str, Any]) -> Disclosures:
    """Every disclosure table of the report `data`, keyed as in SECTION_KEYS."""
    return Disclosures(
        {
            "ghg_protocol": ghg_protocol(data),
            "esrs_e1_6": esrs_e1_6(data),
            "ifrs_s2_29a": ifrs_s2_29a(data),
            "cdp": cdp(data),
            "iso_14064_1": iso_14064_1(data),
        },
        about(data),
    )


# -- small readers of the report dict ---------------------------------------------------------


def _opt(v: Any) -> float | None:
    return None if v is None else float(v)


def _num(v: Any) -> float:
    return 0.0 if v is None else float(v)


def _by_category(m: Mapping[Any, Any], c: int) -> float:
    # JSON keys are strings; a dict built in Python may have ints.
    return _num(m.get(str(c), m.get(c)))


def _categories(data: Mapping[str, Any]) -> dict[int, Mapping[str, Any]]:
    return {int(r["category"]): r for r in data.get("scope3_categories") or ()}


def _year_row(data: Mapping[str, Any], year: int) -> Mapping[str, Any] | None:
    years: Iterable[Mapping[str, Any]] = data.get("years") or ()
    for r in years:
        if int(r["year"]) == year:
            return r
    return None


# A base-year version's Scope 3 (`scope3`) is market-based: the targets it serves measure
# Scope 3 market-based (store/figures.py); it keeps no location-based Scope 3.
BASE_SCOPE3 = "scope3"


def _base(data: Mapping[str, Any]) -> tuple[int, Mapping[str, Any]] | None:
    b = data.get("base_year")
    if not b:
        return None
    return int(b["year"]), b.get("current") or {}


def _revenue(data: Mapping[str, Any]) -> tuple[str, Mapping[Any, Any]] | None:
    m = (data.get("metrics") or {}).get("revenue")
    if not m:
        return None
    return str(m.get("unit") or ""), m.get("values") or {}


def _pct(new: float | None, old: float | None) -> float | None:
    if new is None or old is None or old == 0:
        return None
    return (new - old) / old * 100.0


def _ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return a / b


def _sum(*xs: float | None) -> float | None:
    return None if any(x is None for x in xs) else math.fsum(x for x in xs if x is not None)


def _t(x: float) -> str:
    """Tonnes in a note: whole, as everywhere in the report's text (the rows keep the exact
    figures)."""
    return f"{x:,.0f}"


def _t2(x: float) -> str:
    """Tonnes to the hundredth, where a note adds figures up and whole tonnes would not."""
    return f"{x:,.2f}"


def _gwp(data: Mapping[str, Any]) -> str:
    g = str(data["gwp_set"])
    return f"{GWP_LABELS.get(g, g)} [{g}]"


def _approach(data: Mapping[str, Any]) -> str:
    a = str(data["consolidation"])
    return APPROACHES.get(a, a)


def _cat_label(c: int) -> str:
    return f"Category {c}: {SCOPE3_CATEGORIES[c]}"


def _claim_note(data: Mapping[str, Any]) -> tuple[str, ...]:
    claim = data.get("claim")
    if not claim:
        return ()
    return (
        f"ESRS E1-7 (§56-61): {_t(_num(claim.get('credits_t')))} t CO2e of carbon credits "
        f"(of which removals {_t(_num(claim.get('removals_t')))} t) were retired against "
        f"{_t(_num(claim.get('gross_t')))} t of gross emissions for the year's claim; they are "
        "disclosed under E1-7 and never deducted from the gross figures of E1-6.",
    )


# -- GHG Protocol -----------------------------------------------------------------------------


def ghg_protocol(data: Mapping[str, Any]) -> Section:
    """The corporate inventory tables: scopes, Scope 3 by category, gases, memo, base year."""
    year, inv = int(data["year"]), data["inventory"]
    cats = _categories(data)
    s1 = float(inv["scope1"])
    rows: list[tuple[Cell, ...]] = [
        ("Scopes", "Scope 1", s1, s1, None),
        ("Scopes", "Scope 2", float(inv["scope2_location"]), float(inv["scope2_market"]), None),
        ("Scopes", "Scope 3", float(inv["scope3"]), float(inv["scope3_market"]), None),
        (
            "Scopes",
            "Total Scopes 1-3",
            float(inv["total_location"]),
            float(inv["total_market"]),
            None,
        ),
    ]
    by_cat = inv["scope3_by_category"]
    for c in SCOPE3_CATEGORIES:
        rec = cats.get(c)
        market = None if rec is None else _opt(rec.get("co2e_market_t"))
        rows.append(("Scope 3 by category", _cat_label(c), _by_category(by_cat, c), market, None))
    rows += _gas_rows("Gases, all scopes", inv.get("by_gas") or {})
    for scope in ("1", "2", "3"):
        rows += _gas_rows(f"Scope {scope} by gas", (data.get("by_scope_gas") or {}).get(scope, {}))
    bio = float(inv["biogenic_co2"])
    rows.append(("Memo (outside the scopes)", "Biogenic CO2", None, None, bio))
    notes = [
        f"{data['organization']}, reporting year {year}; consolidation approach: "
        f"{_approach(data)} (Corporate Standard ch. 3), applied to every entity and year.",
        f"Units: t CO2e, converted with one GWP set for the whole inventory: {_gwp(data)}; "
        "'t of gas' is the mass of the gas itself.",
        "Scope 2 is reported location-based and market-based (Scope 2 Guidance ch. 7, dual "
        "reporting). Scope 1 is the same under both methods and is repeated in the "
        "market-based column so that each column adds up to its total.",
        "Scope 3 market-based applies market-based factors to purchased electricity counted in "
        "Scope 3 (e.g. leased data centres in category 8); the report's cover shows the "
        "market-based Scope 3 and total. Categories are reported separately (Scope 3 Standard "
        "ch. 11).",
        "Gas rows split the location-based figures: each gas in tonnes and in t CO2e "
        "(Corporate Standard ch. 9); HFC and PFC masses are sums over the species of the "
        f"family. '{CO2E_ONLY_LABEL}' is calculated with factors published only in CO2e "
        "(e.g. spend-based EEIO factors): it has no mass and no gas split.",
        f"Biogenic CO2 from biomass and biofuels, {_t(bio)} t, is a memo item outside the "
        "scopes (Corporate Standard ch. 9); CH4 and N2O from the same combustion are in "
        "Scope 1.",
        "Offsets and other GHG trades are not deducted from any figure here.",
    ]
    zero = [c for c in SCOPE3_CATEGORIES if _by_category(by_cat, c) == 0]
    if zero:
        notes.append(
            "Scope 3 categories without calculated emissions: "
            + ", ".join(str(c) for c in zero)
            + " (the Scope 3 Standard, ch. 11, asks for each exclusion to be justified)."
        )
    base = _base(data)
    if base is None:
        notes.append(
            "No base year is set: the Corporate Standard (ch. 5) requires one for Scopes 1 and 2."
        )
    else:
        by, cur = base
        label = f"Base year {by} (version {cur.get('version')})"
        rows += _scope_rows(label, cur, with_total=False)
        notes.append(
            f"Base year {by}, base-year inventory version {cur.get('version')}: recalculated "
            "under the recalculation policy for structural changes, method changes and errors "
            "(Corporate Standard ch. 5); the base year keeps Scope 3 market-based only, as "
            "the targets measure it."
        )
    for r in sorted(data.get("years") or (), key=lambda r: int(r["year"])):
        rows += _scope_rows(f"Emissions over time: {int(r['year'])}", r, with_total=True)
    notes.append(SOURCES_NOTE)
    return Section(
        title=f"GHG Protocol corporate inventory {year}",
        reference="GHG Protocol Corporate Standard (rev. 2004) ch. 9; Scope 2 Guidance (2015) "
        "ch. 7; Scope 3 Standard (2011) ch. 11",
        columns=("Table", "Line", "t CO2e (location-based)", "t CO2e (market-based)", "t of gas"),
        rows=tuple(rows),
        notes=tuple(notes),
        basis="Scope 2 location-based and market-based (dual reporting, Scope 2 Guidance ch. 7). "
        "Scope 3 in both columns: the market-based column applies market-based factors to the "
        "electricity counted in Scope 3; the two differ only there.",
    )


def _scope_rows(label: str, r: Mapping[str, Any], *, with_total: bool) -> list[tuple[Cell, ...]]:
    """Scope lines of a year (`with_total`) or of a base-year version, whose `scope3` is
    market-based (BASE_SCOPE3) and which keeps no location-based Scope 3."""
    s3: tuple[str | None, str | None] = (
        ("scope3", "scope3_market") if with_total else (None, BASE_SCOPE3)
    )
    lines = [
        ("Scope 1", "scope1", "scope1"),
        ("Scope 2", "scope2_location", "scope2_market"),
        ("Scope 3", *s3),
    ]
    if with_total:
        lines.append(("Total Scopes 1-3", "total_location", "total_market"))
    return [
        (label, line, None if loc is None else _opt(r.get(loc)), _opt(r.get(str(mkt))), None)
        for line, loc, mkt in lines
    ]


def _ordered(gases: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """The gases of a by-gas dict in the Kyoto order, CO2e-only last, unknown names after."""
    order = [g for g in GASES if g in gases] + sorted(g for g in gases if g not in GASES)
    return [(g, gases[g]) for g in order]


def _gas_rows(table: str, gases: Mapping[str, Any]) -> list[tuple[Cell, ...]]:
    rows: list[tuple[Cell, ...]] = []
    for g, v in _ordered(gases):
        if g == "CO2e_only":
            rows.append((table, CO2E_ONLY_LABEL, float(v["co2e_t"]), None, None))
        else:
            rows.append((table, g, float(v["co2e_t"]), None, float(v["mass_t"])))
    return rows


# -- ESRS E1-6 --------------------------------------------------------------------------------


def esrs_e1_6(data: Mapping[str, Any]) -> Section:
    """Gross Scopes 1, 2, 3 and total GHG emissions, and GHG intensity per net revenue.

    ESRS has one gross Scope 3 (§51) and builds both totals with it (AR 47); the inventory's
    Scope 3 is location-based for the electricity it holds, so that is the Scope 3 of the
    table. Two memo lines give the market-based Scope 3 and the total with it, the figures
    the cover shows, so a reader can go from one to the other.
    """
    year, inv = int(data["year"]), data["inventory"]
    base = _base(data)
    by, bcur = base if base is not None else (None, {})
    prior = _year_row(data, year - 1) or {}

    def series(
        label: str, unit: str, b: float | None, p: float | None, n: float | None
    ) -> tuple[Cell, ...]:
        return (label, unit, b, p, n, _pct(n, p), _pct(n, b))

    s1 = (_opt(bcur.get("scope1")), _opt(prior.get("scope1")), float(inv["scope1"]))
    s2l = (
        _opt(bcur.get("scope2_location")),
        _opt(prior.get("scope2_location")),
        float(inv["scope2_location"]),
    )
    s2m = (
        _opt(bcur.get("scope2_market")),
        _opt(prior.get("scope2_market")),
        float(inv["scope2_market"]),
    )
    # The base year keeps Scope 3 market-based only (BASE_SCOPE3): on the memo line.
    s3 = (None, _opt(prior.get("scope3")), float(inv["scope3"]))
    s3m = (
        _opt(bcur.get(BASE_SCOPE3)),
        _opt(prior.get("scope3_market")),
        float(inv["scope3_market"]),
    )
    # §52 / AR 47: total (location) = S1 + S2 location + S3; total (market) = S1 + S2 market
    # + S3, with the same gross Scope 3 in both. Location: the input totals where they exist.
    tot_l = (
        _sum(s1[0], s2l[0], s3[0]),
        _opt(prior.get("total_location")),
        float(inv["total_location"]),
    )
    tot_m = (_sum(s1[0], s2m[0], s3[0]), _sum(s1[1], s2m[1], s3[1]), _sum(s1[2], s2m[2], s3[2]))
    own_m = (
        _sum(s1[0], s2m[0], s3m[0]),
        _opt(prior.get("total_market")),
        float(inv["total_market"]),
    )
    t = "t CO2e"
    rows: list[tuple[Cell, ...]] = [
        series("Gross Scope 1 GHG emissions (§48(a))", t, *s1),
        series("Gross location-based Scope 2 GHG emissions (§49(a))", t, *s2l),
        series("Gross market-based Scope 2 GHG emissions (§49(b))", t, *s2m),
        series(f"Gross Scope 3 GHG emissions (§51), {LOCATION}", t, *s3),
    ]
    by_cat = inv["scope3_by_category"]
    shown = [c for c in SCOPE3_CATEGORIES if _by_category(by_cat, c) != 0]
    for c in shown:
        rows.append(
            series(f"  Scope 3 {_cat_label(c)}, {LOCATION}", t, None, None, _by_category(by_cat, c))
        )
    rows += [
        series("Total GHG emissions, location-based (§52(a))", t, *tot_l),
        series(
            f"Total GHG emissions, market-based (§52(b)): Scope 3 {LOCATION} (AR 47)", t, *tot_m
        ),
        series(f"Memo: gross Scope 3 GHG emissions, {MARKET}", t, *s3m),
        series(f"Memo: total GHG emissions with Scope 3 {MARKET}", t, *own_m),
    ]
    notes = [
        "Gross figures (§44): no carbon credits or removals are deducted.",
        "Scope 3 is location-based: the electricity counted in Scope 3 (e.g. leased data "
        "centres) is at grid-average factors. ESRS has one gross Scope 3 and AR 47 builds both "
        "totals with it: total market-based = Scope 1 + market-based Scope 2 + that Scope 3 = "
        f"{_t2(float(inv['scope1']))} + {_t2(float(inv['scope2_market']))} + "
        f"{_t2(float(inv['scope3']))} = {_t2(_num(tot_m[2]))} t CO2e.",
        "Memo lines: Scope 3 with market-based factors for that electricity, "
        f"{_t(float(inv['scope3_market']))} t CO2e, and the inventory's own market-based total "
        f"with it, {_t(float(inv['total_market']))} t CO2e (Scope 1 + market-based Scope 2 + "
        "market-based Scope 3): the total footprint the report's cover shows.",
        "Scope 3 categories shown are those with calculated emissions; not shown: "
        + (", ".join(str(c) for c in SCOPE3_CATEGORIES if c not in shown) or "none")
        + ".",
        "§48(b), the share of Scope 1 from regulated emission trading schemes, is not reported: "
        "the inventory does not record which emissions such schemes cover.",
        f"Biogenic CO2, {_t(float(inv['biogenic_co2']))} t, is disclosed separately and is "
        "not in these figures.",
    ]
    if base is None:
        notes.append("No base year is set: the base-year column is empty.")
    else:
        notes.append(
            f"Base year {by}: base-year inventory version {bcur.get('version')} (recalculated "
            "figures). It keeps Scope 3 market-based only, as the targets measure it: its "
            "Scope 3 and total are on the memo lines, and the lines with location-based Scope "
            "3 have no base-year figure."
        )
    if not prior:
        notes.append(f"No inventory for {year - 1}: the N-1 column is empty.")
    notes.append("% N / N-1 = (N - (N-1)) / (N-1) x 100; % N / base year likewise.")

    rev = _revenue(data)
    if rev is None:
        notes.append(
            "GHG intensity per net revenue (§53-55) is not shown: no net revenue is recorded."
        )
    else:
        unit, values = rev
        r = (
            _opt(values.get(str(by), values.get(by))) if by is not None else None,
            _opt(values.get(str(year - 1), values.get(year - 1))),
            _opt(values.get(str(year), values.get(year))),
        )
        per = f"t CO2e per {unit}"
        rows += [
            series("Net revenue used for the intensity (§54-55)", unit, *r),
            series(
                "GHG intensity per net revenue, location-based (§53)",
                per,
                *(_ratio(e, x) for e, x in zip(tot_l, r, strict=True)),
            ),
            series(
                "GHG intensity per net revenue, market-based (§53)",
                per,
                *(_ratio(e, x) for e, x in zip(tot_m, r, strict=True)),
            ),
        ]
        notes.append(
            f"GHG intensity = total GHG emissions (t CO2e) / net revenue ({unit}), for both "
            "methods (ESRS E1 §53, AR 53), with the totals above. Net revenue as recorded for "
            "each year."
        )
        if r[2] is None:
            notes.append(f"No net revenue is recorded for {year}: no intensity for N.")
    notes += [*_claim_note(data), SOURCES_NOTE]
    return Section(
        title=f"ESRS E1-6 Gross Scopes 1, 2, 3 and total GHG emissions {year}",
        reference="ESRS E1-6 §44-55, AR 39-55 (Delegated Regulation (EU) 2023/2772)",
        columns=(
            "Line",
            "Unit",
            "Base year" if by is None else f"Base year ({by})",
            f"N-1 ({year - 1})",
            f"N ({year})",
            "% N / N-1",
            "% N / base year",
        ),
        rows=tuple(rows),
        notes=tuple(notes),
        basis="Scope 2 both location-based (§49(a)) and market-based (§49(b)), and a total "
        "each way (§52). One gross Scope 3 (§51), here location-based, in both totals "
        "(AR 47); the market-based Scope 3 and total are memo lines.",
    )


# -- IFRS S2 ----------------------------------------------------------------------------------


def ifrs_s2_29a(data: Mapping[str, Any]) -> Section:
    """IFRS S2 §29(a): gross emissions by scope, Scope 3 categories, measurement approach."""
    year, inv = int(data["year"]), data["inventory"]
    by_cat = inv["scope3_by_category"]
    # Paragraph numbers [U]: IFRS S2 (June 2023) §29(a)(i)-(vi), B19-B63, from memory.
    rows: list[tuple[Cell, ...]] = [
        ("Scope 1", float(inv["scope1"]), "absolute gross emissions", "29(a)(i)(1)"),
        (
            "Scope 2, location-based",
            float(inv["scope2_location"]),
            "absolute gross emissions, location-based",
            "29(a)(i)(2), 29(a)(v)",
        ),
        (
            "Scope 2, market-based: information on contractual instruments",
            float(inv["scope2_market"]),
            "Scope 2 with contractual instruments (energy attribute certificates, PPAs, "
            "supplier-specific rates, residual mix), GHG Protocol Scope 2 Guidance (2015)",
            "29(a)(v), B30-B31",
        ),
        (
            f"Scope 3, {LOCATION}",
            float(inv["scope3"]),
            "absolute gross emissions; electricity in Scope 3 at grid-average factors",
            "29(a)(i)(3)",
        ),
    ]
    for c in SCOPE3_CATEGORIES:
        v = _by_category(by_cat, c)
        status = "included" if v != 0 else "not included: no emissions calculated"
        rows.append((f"Scope 3 {_cat_label(c)}, {LOCATION}", v, status, "29(a)(vi)(1)"))
    rows += [
        (
            "Measurement standard",
            None,
            "GHG Protocol Corporate Standard (2004), with the Scope 2 Guidance (2015) and "
            "Scope 3 categories of the Scope 3 Standard (2011)",
            "29(a)(ii), 29(a)(vi)(1)",
        ),
        (
            "Measurement approach, inputs and assumptions",
            None,
            "activity data x emission factors per gas, converted to CO2e; Scope 3 methods "
            "and supplier-data shares per category are in the CDP sheet",
            "29(a)(iii), B26-B29",
        ),
        ("Consolidation approach", None, _approach(data), "29(a)(iii)"),
        ("Global warming potentials", None, _gwp(data), "B21-B22"),
    ]
    notes = [
        "t CO2e, gross: no carbon credits are deducted.",
        "Scope 1 and 2 are not split between the consolidated accounting group and other "
        "investees (29(a)(iv)): the inventory consolidates by "
        f"{_approach(data)} only.",
        "Scope 2 location-based is the figure required by 29(a)(v); the market-based figure "
        "is the information on contractual instruments; the difference, "
        f"{_t(float(inv['scope2_location']) - float(inv['scope2_market']))} t CO2e, is their "
        "effect.",
        "Category 15 additional information (financed emissions, 29(a)(vi)(2), B58-B63) "
        "applies to entities in asset management, commercial banking or insurance.",
        f"Biogenic CO2, {_t(float(inv['biogenic_co2']))} t, is outside these figures.",
    ]
    if str(data["gwp_set"]) not in LATEST_IPCC:
        notes.append(
            f"IFRS S2 asks for GWP values from the latest IPCC assessment (AR6) unless a "
            f"jurisdiction requires otherwise; this inventory uses {data['gwp_set']}."
        )
    notes.append(SOURCES_NOTE)
    return Section(
        title=f"IFRS S2 greenhouse gas emissions {year}",
        reference="IFRS S2 Climate-related Disclosures (2023) §29(a), B19-B63",
        columns=("Item", "t CO2e", "Detail", "IFRS S2 paragraph"),
        rows=tuple(rows),
        notes=tuple(notes),
        basis="Scope 2 location-based (29(a)(v)), with the market-based figure as information "
        "on contractual instruments. Scope 3 location-based.",
    )


# -- CDP --------------------------------------------------------------------------------------


def cdp(data: Mapping[str, Any]) -> Section:
    """A CDP-style breakdown: Scope 1 by gas, Scope 2 both methods, Scope 3 by category."""
    year, inv = int(data["year"]), data["inventory"]
    gwp = _gwp(data)
    cats = _categories(data)
    by_cat = inv["scope3_by_category"]
    # Question numbers: 2024 full corporate questionnaire (module 7) / 2018-2023 climate
    # change questionnaire; the C6.5 columns were read in CDP's guidance [S], the rest [U].
    rows = [_cdp_row("7.6 / C6.1", "Gross global Scope 1", float(inv["scope1"]), gwp=gwp)]
    for g, gas in _ordered((data.get("by_scope_gas") or {}).get("1") or {}):
        only = g == "CO2e_only"
        rows.append(
            _cdp_row(
                "7.15.1 / C7.1a",
                f"Scope 1: {CO2E_ONLY_LABEL if only else g}",
                float(gas["co2e_t"]),
                mass=None if only else float(gas["mass_t"]),
                gwp=gwp,
            )
        )
    for basis, key in (("location-based", "scope2_location"), ("market-based", "scope2_market")):
        rows.append(
            _cdp_row("7.7 / C6.3", f"Gross global Scope 2, {basis}", float(inv[key]), gwp=gwp)
        )
    # The preparer's screening (reports/screening.py) gives each category CDP's status; a
    # category it does not cover is "Not evaluated" unless calculated.
    screened = {
        int(r["category"]): str(r["cdp_status"])
        for r in (data.get("scope3_screening") or {}).get("categories") or ()
        if r.get("justification")
    }
    for c in SCOPE3_CATEGORIES:
        v = _by_category(by_cat, c)
        rec = cats.get(c)
        method, supplier, dq = (None, None, None) if rec is None else _cdp_detail(rec)
        rows.append(
            _cdp_row(
                "7.8 / C6.5",
                f"{_cat_label(c)}, {LOCATION}",
                v,
                status=screened.get(c) or ("Relevant, calculated" if v != 0 else "Not evaluated"),
                method=method,
                supplier=supplier,
                dq=dq,
                gwp=gwp,
            )
        )
    rows.append(
        _cdp_row(
            "C6.7a",
            "Biogenic CO2 (outside the scopes)",
            None,
            mass=float(inv["biogenic_co2"]),
        )
    )
    base = _base(data)
    if base is not None:
        by, cur = base
        for label, key in (
            ("Scope 1", "scope1"),
            ("Scope 2, location-based", "scope2_location"),
            ("Scope 2, market-based", "scope2_market"),
            (f"Scope 3, {MARKET}", BASE_SCOPE3),
        ):
            rows.append(
                _cdp_row("7.5 / C5.2", f"Base year {by}: {label}", _opt(cur.get(key)), gwp=gwp)
            )
    notes = [
        "CDP-style: laid out after CDP's climate questions, not a submission. Question numbers: "
        "2024 full corporate questionnaire (module 7) / 2018-2023 climate change questionnaire.",
        "Evaluation status: 'Relevant, calculated' where emissions were calculated, 'Not "
        "evaluated' where none were.",
        "Calculation method: each method's share of the category's t CO2e; zerotrail's "
        "'location-based' (grid-average electricity factors) and 'mass-balance' have no CDP "
        "option and are shown as 'Other'.",
        "% supplier-specific: the share of the category's t CO2e calculated with "
        "supplier-specific factors, answering CDP's 'percentage of emissions calculated using "
        "data obtained from suppliers or value chain partners'; other partner data "
        "(site-specific) is not counted.",
        "Data quality: emissions-weighted score of the category, 1 (very good) to 5 (very "
        "poor), after the Scope 3 Standard ch. 7 indicators.",
        "Scope 3 figures are location-based (CDP asks for one figure per category).",
        SOURCES_NOTE,
    ]
    basis = (
        "Scope 2 both location-based and market-based (7.7 / C6.3). Scope 3 one figure per "
        "category, here location-based."
    )
    return Section(
        title=f"CDP-style emissions breakdown {year}",
        reference="CDP climate questionnaire: 7.5-7.8, 7.15.1 (2024) / C5.2, C6.1, C6.3, C6.5, "
        "C6.7a, C7.1a (2018-2023)",
        columns=(
            "CDP question",
            "Line",
            "t CO2e",
            "t of gas",
            "Evaluation status",
            "Calculation method",
            "% calculated with supplier-specific data",
            "Data quality (1 best - 5 worst)",
            "GWP reference",
        ),
        rows=tuple(rows),
        notes=tuple(notes),
        basis=basis,
    )


def _cdp_row(
    question: str,
    line: str,
    t: float | None,
    *,
    mass: float | None = None,
    status: str | None = None,
    method: str | None = None,
    supplier: float | None = None,
    dq: float | None = None,
    gwp: str | None = None,
) -> tuple[Cell, ...]:
    return (question, line, t, mass, status, method, supplier, dq, gwp)


def _cdp_detail(rec: Mapping[str, Any]) -> tuple[str | None, float | None, float | None]:
    """Method mix, % supplier-specific and data quality of one Scope 3 category record."""
    methods = {str(k): float(v) for k, v in (rec.get("methods") or {}).items()}
    total = _num(rec.get("co2e_t"))
    whole = math.fsum(methods.values())
    parts = sorted(methods.items(), key=lambda kv: (-kv[1], kv[0]))
    text = (
        "; ".join(f"{CDP_METHODS.get(m, f'Other: {m}')} ({v / whole * 100:.1f}%)" for m, v in parts)
        if whole
        else None
    )
    supplier = _ratio(methods.get("supplier-specific", 0.0) * 100.0, total) if total else None
    return text, supplier, _opt(rec.get("data_quality"))


# -- ISO 14064-1 ------------------------------------------------------------------------------


def iso_14064_1(data: Mapping[str, Any]) -> Section:
    """GHG Protocol scopes and Scope 3 categories mapped to ISO 14064-1:2018 categories 1-6."""
    year, inv = int(data["year"]), data["inventory"]
    cats = _categories(data)
    by_cat = inv["scope3_by_category"]
    mapped: list[tuple[str, int, float, float | None]] = [
        ("Scope 1", 1, float(inv["scope1"]), float(inv["scope1"])),
        ("Scope 2", 2, float(inv["scope2_location"]), float(inv["scope2_market"])),
    ]
    for c in SCOPE3_CATEGORIES:
        rec = cats.get(c)
        market = None if rec is None else _opt(rec.get("co2e_market_t"))
        loc = _by_category(by_cat, c)
        mapped.append((f"Scope 3 {_cat_label(c)}", ISO_OF_SCOPE3[c], loc, market))
    rows: list[tuple[Cell, ...]] = [
        (s, k, ISO_CATEGORIES[k], loc, mkt) for s, k, loc, mkt in mapped
    ]
    sums_l: dict[int, float] = {}
    sums_m: dict[int, float] = {}
    for k in ISO_CATEGORIES:
        sums_l[k] = math.fsum(loc for _, kk, loc, _ in mapped if kk == k)
        sums_m[k] = math.fsum(m or 0.0 for _, kk, _, m in mapped if kk == k)
        rows.append(("Total of the ISO category", k, ISO_CATEGORIES[k], sums_l[k], sums_m[k]))
    tl, tm = float(inv["total_location"]), float(inv["total_market"])
    rows.append(("Total, all categories", None, "Total GHG emissions", tl, tm))
    notes = [
        "Mapping (ISO 14064-1:2018 §5.2.4, Annex B): Scope 1 -> 1; Scope 2 -> 2; Scope 3 "
        "categories 4, 6, 7, 9 -> 3 (transportation); 1, 2, 3, 5, 8 -> 4 (products used by the "
        "organization); 10, 11, 12, 13, 15 -> 5 (use of products from the organization); "
        "14 -> 6 (other).",
        "Judgement: investments (Scope 3 category 15) are in ISO category 5 because Annex B "
        "lists emissions from investments under category 5 (5.4), not under 6; processing of "
        "sold products (10) is in 5 as a downstream stage of the organization's products "
        "(some tables put it in 6); fuel- and energy-related activities (3) are in 4 as "
        "purchased energy products, including T&D losses (some put those in 2).",
        "Category 2 is shown location-based and market-based; Scope 3 categories "
        "market-based where market-based factors were applied to electricity.",
        "Indirect categories are included according to documented significance criteria; "
        "categories at 0 t CO2e were not calculated.",
        f"Biogenic CO2, {_t(float(inv['biogenic_co2']))} t, is reported separately; no GHG "
        "removals are recorded in the inventory.",
    ]
    if str(data["gwp_set"]) not in LATEST_IPCC:
        notes.append(
            f"ISO 14064-1 expects GWP 100-year values from the latest IPCC assessment unless a "
            f"programme says otherwise; this inventory uses {data['gwp_set']}."
        )
    for label, got, want in (("location", sums_l, tl), ("market", sums_m, tm)):
        total = math.fsum(got.values())
        if not math.isclose(total, want, rel_tol=1e-9, abs_tol=1e-6):
            notes.append(
                f"Difference: the {label}-based ISO categories add up to {_t2(total)} t CO2e,"
                f" the inventory total is {_t2(want)} t CO2e."
            )
    notes.append(SOURCES_NOTE)
    return Section(
        title=f"ISO 14064-1:2018 categories {year}",
        reference="ISO 14064-1:2018 §5.2.4 and Annex B (GHG emission categories 1-6)",
        columns=(
            "GHG Protocol source",
            "ISO 14064-1 category",
            "ISO category name",
            "t CO2e (location-based)",
            "t CO2e (market-based)",
        ),
        rows=tuple(rows),
        notes=tuple(notes),
        basis="Every category location-based and market-based: category 2 holds Scope 2, "
        "whose two bases differ; Scope 3 differs only where it counts electricity.",
    )
