"""The flags a calculation puts on its results, in words: a label, what happened, what it does.

Where it sits: model, so that everything that shows a flag (the report's methodology section,
the inventory commands) names it the same way. The engine (`engine/emissions.py` and its oracle
`engine/reference.py`) raises the flags and the GWP tables (`reference/gwp.py`) add the gas
flags; they keep their own names, and a test (tests/reports/test_flags.py) fails when either
raises a flag this module does not describe.

Two vocabularies, as in `reference/gwp.py`: `RESULT_FLAGS`, every flag a stored result can
carry (the engine's and the gas flags in the words the results use), and `GWP_FLAGS`, the flags
of a GWP value or blend as `reference/gwp.py` returns them (`BlendGwp.flags`,
`GasCoefficients.flags`), some of which reach the results under another name.

`meaning` says what happened to the record; `effect` what that does to its figures, in plain
language and only as far as it is known (a direction only where the flag implies one).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class Flag:
    """One flag in words."""

    name: str
    label: str
    meaning: str
    effect: str


@dataclass(frozen=True, slots=True)
class FlagTally:
    """One flag over a run's results: how many records carry it and their t CO2e (each record
    counts under every flag it carries). `factor_years` are the distinct years of the factors
    those records used (the year of a factor's `valid_from`); `currency_years` the distinct
    currency years of the spend factors among them."""

    name: str
    records: int
    co2e_t: float
    co2e_market_t: float
    factor_years: tuple[int, ...]
    currency_years: tuple[int, ...]


def _table(*flags: Flag) -> Mapping[str, Flag]:
    return MappingProxyType({f.name: f for f in flags})


_GWP_UNVERIFIED = Flag(
    "gwp_unverified",
    "Unverified GWP value",
    "A gas's global warming potential in this set is one the GWP table marks unverified (it "
    "rests on a single reading of its source).",
    "The gas's CO2e is only as right as that one value; an error in it would pass into the figure.",
)
_BLEND_PUBLISHER_VALUE = Flag(
    "blend_publisher_value",
    "Refrigerant blend at EPA's published GWP",
    "The blend's GWP is the value EPA publishes (computed with AR5), not the mass-weighted "
    "GWPs of its components.",
    "The figure differs from the composition-based one by EPA's rounding to whole numbers, and "
    "by more for the one blend whose published value does not match its composition (R-424A).",
)

RESULT_FLAGS: Mapping[str, Flag] = _table(
    Flag(
        "edition_year_mismatch",
        "Factor edition of another year",
        "No edition of the factor is valid for the record's period, so the nearest earlier "
        "edition was used (or, where there is none, the nearest later one); a factor the record "
        "names itself is used even when its validity ended before the period.",
        "The figure uses the factor of the edition's year: it is off by however much the factor "
        "changed between that year and the record's, in either direction (for a grid whose "
        "factor is falling, an earlier edition overstates).",
    ),
    Flag(
        "pinned_outside_validity",
        "Chosen factor used before its validity",
        "The record names its own factor, whose validity starts after the record's period; it "
        "was used as chosen.",
        "The figure uses a later year's factor: it is off by however much the factor changed "
        "between the record's year and the factor's, in either direction.",
    ),
    Flag(
        "parent_region_factor",
        "Factor of a wider region",
        "No usable factor exists for the record's own region, so the factor of a region "
        "containing it was used (a regional grid for a province, or the country).",
        "The figure rests on the wider region's average, which differs from a local factor by "
        "the gap between the two, in either direction.",
    ),
    Flag(
        "global_factor",
        "Global default factor",
        "No usable factor exists for the record's region or any region containing it short of "
        "the world, so a global factor was used.",
        "The figure rests on a world-wide value, which can differ from local conditions in "
        "either direction.",
    ),
    Flag(
        "pinned_other_region",
        "Chosen factor of another region",
        "The record names its own factor, made for a region outside its own and the regions "
        "containing it (a UK factor on a Chinese record, say).",
        "The figure reflects conditions of the other place; how far they differ from local "
        "ones, and in which direction, is not known from the data.",
    ),
    Flag(
        "site_region_used",
        "Site's region used",
        "The record gave a wider region than its site's (its country, say), so its factors "
        "were looked up for the site's own region.",
        "None that distorts: the figure uses the factor for where the site is, which is more "
        "specific than the region the record gave.",
    ),
    Flag(
        "unverified_factor",
        "Unverified factor",
        "The factor's value rests on a single transcription or is a proxy: it was not read "
        "from the publisher's own file nor confirmed by a second independent source.",
        "The figure is only as right as that one value: an error in it would pass into the "
        "figure undetected.",
    ),
    Flag(
        "heat_basis_converted",
        "Heating value converted",
        "The record's energy and the factor were stated on different heating-value bases "
        "(gross and net), so the energy was converted with the 2006 IPCC ratios (net = 0.95 x "
        "gross for coal and oil products, 0.90 for natural gas).",
        "Corrects the figure, which would otherwise be 5% to 11% off; what remains is the "
        "difference between the fuel's own ratio and the fixed one.",
    ),
    Flag(
        "heat_content_conversion",
        "Converted through a heat content",
        "The record's quantity (a mass or volume) reached a per-energy factor through the "
        "heat content the factor states.",
        "The figure depends on that heat content: fuel with more (or less) energy per unit than "
        "stated is understated (or overstated) in proportion.",
    ),
    Flag(
        "spend_not_deflated",
        "Spend not deflated",
        "The spend-based factor is per unit of money of another year than the spend, and no "
        "price index was available to convert the spend to that year's money, so the spend "
        "was used as given.",
        "Emissions are overstated by the price rise between the factor's currency year and "
        "the spend year (understated if prices fell).",
    ),
    Flag(
        "gwp_basis_mismatch",
        "CO2e on another GWP set",
        "The factor is published only as CO2e, weighted with other global warming potentials "
        "than this inventory's; without its split by gas it cannot be re-weighted.",
        "The figure mixes GWP sets: it differs from one on this inventory's set by the change "
        "in the gases' GWPs between the two sets, in either direction.",
    ),
    Flag(
        "residual_mix_missing",
        "No residual mix",
        "In the market-based figure, electricity not covered by contractual instruments takes "
        "the residual mix; none exists for the record's market and year, so the location-based "
        "grid average was used, as the GHG Protocol Scope 2 Guidance allows with disclosure.",
        "Only the market-based figure is affected: the grid average still counts the "
        "renewable power sold to others through instruments, so it can understate the "
        "uncovered electricity's emissions.",
    ),
    Flag(
        "excluded_by_consolidation",
        "Outside the consolidation boundary",
        "The record's entity has a 0% share under the consolidation approach; the record is "
        "kept, with zero emissions, so the exclusion can be traced.",
        "Counted as zero: the record adds nothing to the inventory.",
    ),
    Flag(
        "leased_asset_scope3",
        "Leased asset in Scope 3",
        "Fuel or electricity used at a site the company does not operate (a leased data centre "
        "run by its provider, say) is reported in Scope 3, category 8 (upstream leased "
        "assets), not in Scope 1 or 2.",
        "Moves emissions between scopes, not in or out of the total: Scopes 1 and 2 are lower, "
        "and Scope 3 higher, by these tonnes.",
    ),
    Flag(
        "spans_years",
        "Period runs into the next year",
        "The record's period starts in this year and ends in the next; it is counted whole in "
        "the year it starts.",
        "This year's figure includes the part of the record that falls in the next year, so "
        "it is overstated by that part, and the next year's understated.",
    ),
    Flag(
        "gwp_fallback",
        "AR6 value in the GHG Protocol's GWP list",
        "The GHG Protocol's AR6 list has no value of its own for the gas, so the IPCC AR6 value "
        "was used.",
        "The gas's CO2e uses the IPCC AR6 value; it would differ only where the GHG Protocol "
        "published a value of its own.",
    ),
    _GWP_UNVERIFIED,
    Flag(
        "ch4_origin_not_in_set",
        "Generic methane GWP",
        "The record says whether its methane is fossil or not, but the GWP set has one value "
        "for all methane, which was used.",
        "Fossil methane is slightly understated and non-fossil methane slightly overstated, by "
        "the gap between the origin's GWP and the generic one.",
    ),
    _BLEND_PUBLISHER_VALUE,
)

GWP_FLAGS: Mapping[str, Flag] = _table(
    Flag(
        "gwp_fallback_ar6",
        RESULT_FLAGS["gwp_fallback"].label,
        RESULT_FLAGS["gwp_fallback"].meaning,
        RESULT_FLAGS["gwp_fallback"].effect,
    ),
    _GWP_UNVERIFIED,
    Flag(
        "ch4_origin_generic",
        RESULT_FLAGS["ch4_origin_not_in_set"].label,
        RESULT_FLAGS["ch4_origin_not_in_set"].meaning,
        RESULT_FLAGS["ch4_origin_not_in_set"].effect,
    ),
    _BLEND_PUBLISHER_VALUE,
    Flag(
        "blend_publisher_differs",
        "EPA's blend GWP differs from its composition",
        "EPA's published AR5 GWP for the blend is not its composition-based value rounded to a "
        "whole number.",
        "With EPA's published value, the blend's CO2e differs from the composition-based one by "
        "that gap.",
    ),
    Flag(
        "blend_publisher_flagged",
        "EPA's blend GWP is flagged in its own data",
        "EPA's data file marks its published GWP for the blend as questionable (inconsistent "
        "with the blend's composition).",
        "The blend's CO2e rests on a value its publisher itself doubts.",
    ),
)


def describe(name: str) -> Flag:
    """The flag `name` in words. A name neither vocabulary knows (from a run of another
    version, say) reads as its words, with no meaning claimed."""
    known = RESULT_FLAGS.get(name) or GWP_FLAGS.get(name)
    if known is not None:
        return known
    return Flag(
        name,
        name.replace("_", " ").capitalize(),
        "A flag this version of zerotrail does not describe.",
        "Not known to this version.",
    )
