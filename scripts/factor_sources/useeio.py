"""US EPA Supply Chain GHG Emission Factors (USEEIO), spend-based, all 1,016 NAICS-6 commodities.

EPA publishes each edition twice: kg CO2e per USD (its own GWP aggregation) and kg of each gas
per USD. We ship the by-gas values, so an inventory weighs every gas with its own GWP set, and
keep EPA's CO2e value in each factor's note. The build checks that the two files agree: for every
commodity and both margin variants, the by-gas values weighted with the edition's GWP set
(gwp.csv) must reproduce EPA's printed CO2e value within what rounding allows.

Each commodity gives two factors: with margins (`spend.naics.<code>`, purchaser price, cradle to
shelf) and without (`spend.naics.<code>.excl_margins`, cradle to factory gate, for when transport
and trade are accounted separately). EPA's "HFCs and PFCs, unspecified" is in kg CO2e (the v1.3
file says so; EPA's code release v1.2.2 corrected v1.2's "kg" label to it), so it ships as a CO2e
row in the edition's GWP basis; every other gas maps to its gwp.csv id.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

from factor_sources.common import BuildError, Factor, Rec, SetSpec, read_csv
from zerotrail.reference.factors import FactorRow

FOLDER = "sources/epa-supply-chain-ghg-factors"
GWP_FILE = "data/gwp.csv"
QUOTES_FILE = "data/useeio_spend_sample.csv"
LICENCE = "US federal government work (EPA ORD); public domain in the US (17 U.S.C. 105)"
# Every row repeats its provenance (FactorRow requires it) across 69,088 rows, so the rows carry
# short forms; the set (factor_sets.csv) holds the full edition, URL and licence.
ROW_LICENCE = "public domain (US government work)"
SCOPE_USE = "Scope 3 (spend-based)"

# EPA's gas names (both editions) → gas ids of data/gwp.csv. An unknown name stops the build:
# a gas left out would silently lower every factor.
GAS_IDS = {
    "Carbon dioxide": "CO2",
    "Methane": "CH4",
    "Nitrous oxide": "N2O",
    "HFC-23": "HFC-23",
    "HFC-32": "HFC-32",
    "HFC-125": "HFC-125",
    "HFC-134a": "HFC-134a",
    "HFC-143a": "HFC-143a",
    "HFC-236fa": "HFC-236fa",
    "Carbon tetrafluoride": "PFC-14",
    "Hexafluoroethane": "PFC-116",
    "Perfluoropropane": "PFC-218",
    "Perfluorobutane": "PFC-31-10",
    "Perfluorocyclobutane": "PFC-318",
    "Perfluorohexane": "PFC-51-14",
    "Sulfur hexafluoride": "SF6",
    "Nitrogen trifluoride": "NF3",
}
# Published in kg CO2e, not kg of a gas: no single GWP applies to an unspecified mixture.
UNSPECIFIED = "HFCs and PFCs, unspecified"
CO2E = "CO2e"

WITH, WITHOUT = "with", "without"
# Our names for EPA's columns; the two editions spell the NAICS columns differently.
_HEADERS = {
    (
        "NAICS Code 2017",
        "NAICS Title 2017",
        "GHG",
        "Unit",
        "Supply Chain Emission Factors without Margins",
        "Margins of Supply Chain Emission Factors",
        "Supply Chain Emission Factors with Margins",
        "Reference USEEIO Code",
    ),
    (
        "2017 NAICS Code",
        "2017 NAICS Title",
        "GHG",
        "Unit",
        "Supply Chain Emission Factors without Margins",
        "Margins of Supply Chain Emission Factors",
        "Supply Chain Emission Factors with Margins",
        "Reference USEEIO Code",
    ),
}
_FIELDS = ("code", "title", "ghg", "unit", WITHOUT, "margins", WITH, "useeio")

# EPA prints CO2e factors to 3 decimal places; the by-gas values to 3 significant digits.
CO2E_PLACES = Decimal("0.001")


@dataclass(frozen=True)
class Edition:
    factor_set: str
    version: str
    co2e_file: str
    bygas_file: str
    dollar_year: int
    gwp: str  # the GWP set EPA aggregated with: the CO2e row's basis, and the check's weights
    valid_from: date
    # Units the unspecified HFC/PFC mix may carry (v1.2 mislabels it as kg; see SETS).
    unspecified_units: frozenset[str]
    src: Rec
    # Cross-check against third parties' quotes (data/useeio_spend_sample.csv): the second
    # source that a copy without a publisher hash needs before it counts as verified.
    check_quotes: bool = False

    @property
    def gas_unit(self) -> str:
        return f"kg/{self.dollar_year} USD, purchaser price"

    @property
    def co2e_unit(self) -> str:
        return f"kg CO2e/{self.dollar_year} USD, purchaser price"


V12 = Edition(
    "useeio-v1.2",
    "v1.2",
    f"{FOLDER}/SupplyChainGHGEmissionFactors_v1.2_NAICS_CO2e_USD2021.csv",
    f"{FOLDER}/SupplyChainGHGEmissionFactors_v1.2_NAICS_byGHG_USD2021.csv",
    2021,
    "AR4",
    date(2019, 1, 1),
    frozenset({"kg/2021 USD, purchaser price", "kg CO2e/2021 USD, purchaser price"}),
    {
        "source": "US EPA Supply Chain GHG Emission Factors",
        "edition": "v1.2",
        "source_url": "https://doi.org/10.23719/1528686",
        "licence": ROW_LICENCE,
        "verified": "yes",
    },
)
V13 = Edition(
    "useeio-v1.3",
    "v1.3",
    f"{FOLDER}/SupplyChainGHGEmissionFactors_v1.3.0_NAICS_CO2e_USD2022.csv",
    f"{FOLDER}/SupplyChainGHGEmissionFactors_v1.3.0_NAICS_byGHG_USD2022.csv",
    2022,
    "AR5",
    date(2022, 1, 1),
    frozenset({"kg CO2e/2022 USD, purchaser price"}),
    {
        "source": "US EPA Supply Chain GHG Emission Factors",
        "edition": "v1.3.0",
        "source_url": "https://github.com/USEPA/supply-chain-factors/releases",
        "licence": ROW_LICENCE,
        "verified": "yes",
    },
    check_quotes=True,
)
EDITIONS = (V12, V13)

_COMMON = (
    " Keys: spend.naics.<NAICS-6 code> = with margins (purchaser price, cradle to shelf);"
    " spend.naics.<code>.excl_margins = without margins (cradle to factory gate, for spend whose"
    " transport and trade are accounted separately). CO2, CH4 and N2O are given by gas (kg per"
    " USD), so the inventory weighs them with its own GWP set; the fluorinated gases (HFCs, PFCs,"
    " SF6, NF3 and EPA's 'HFCs and PFCs, unspecified', published in kg CO2e only) ship as one"
    " CO2e row per factor in EPA's GWP basis. Each factor's note gives"
    " EPA's CO2e value; the build checks that the by-gas values weighted with EPA's GWP set"
    " (gwp.csv) reproduce it, for every commodity and both margin variants, within the rounding"
    " of the printed values. Unversioned: valid from 1 January of its GHG data year,"
    " open-ended (a newer version takes over from its own data year); deflate spend to the"
    " factor's currency year."
)
SETS: tuple[SetSpec, ...] = (
    SetSpec(
        V12.factor_set,
        "US EPA Supply Chain GHG Emission Factors v1.2 (USEEIO), by NAICS-6",
        "US Environmental Protection Agency",
        (V12.co2e_file, V12.bygas_file, GWP_FILE),
        "All 1,016 NAICS-6 commodities, kg of each gas per 2021 USD (purchaser price), GHG data"
        " year 2019, EPA's CO2e in AR4." + _COMMON + " Verified: byte copies of EPA's CSVs as"
        " distributed, with EPA's data.gov record, in a public repository"
        " (sources/epa-supply-chain-ghg-factors/SOURCES.md). EPA's by-gas file labels 'HFCs and"
        " PFCs, unspecified' kg per USD; EPA's code release v1.2.2 corrected that unit to kg CO2e"
        " per USD, and EPA's CO2e values are reproduced with it counted as CO2e.",
        edition="v1.2 (data.gov record 2023-04-12); DOI 10.23719/1528686",
        source_url="https://pasteur.epa.gov/uploads/10.23719/1528686/"
        "SupplyChainGHGEmissionFactors_v1.2_NAICS_byGHG_USD2021.csv ;"
        " https://doi.org/10.23719/1528686",
        licence=LICENCE,
        published="2023-04-12",
        data_year="GHG data year 2019; 2021 USD",
    ),
    SetSpec(
        V13.factor_set,
        "US EPA Supply Chain GHG Emission Factors v1.3 (USEEIO), by NAICS-6",
        "US Environmental Protection Agency",
        (V13.co2e_file, V13.bygas_file, GWP_FILE, QUOTES_FILE),
        "All 1,016 NAICS-6 commodities, kg of each gas per 2022 USD (purchaser price), GHG data"
        " year 2022 (USEEIOv2.2.22-GHG), EPA's CO2e in AR5." + _COMMON + " Verified although"
        " no byte-identical copy of EPA's file could be compared: the files are a third party's"
        " copy (SOURCES-FOUND.md), and two checks stand in, both made by the build: the five"
        " with-margins values quoted independently by third parties (data/useeio_spend_sample.csv)"
        " equal the CO2e file's, and all 2,032 CO2e values are reproduced from the by-gas file"
        " with AR5 weights, so a change to either file alone, beyond rounding, would be caught.",
        edition="v1.3.0 (EPA's v1.3 code release of 10 Jul 2024 links the dataset)",
        source_url="https://github.com/USEPA/supply-chain-factors/releases (EPA's v1.3 release,"
        " which links the dataset; EPA's download URL of the CSV was not available here)",
        licence=LICENCE,
        published="2024-07-10",
        data_year="GHG data year 2022; 2022 USD",
    ),
)


# ----------------------------------------------------------------------------------------------
# Reading EPA's files


def read_epa(path: Path) -> list[tuple[int, Rec]]:
    """(line number, row) of one of EPA's CSVs, columns renamed to `_FIELDS`."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = tuple(next(reader, ()))
        if header not in _HEADERS:
            raise BuildError(f"{path.name}: unexpected header {header}")
        rows = [(reader.line_num, dict(zip(_FIELDS, fields, strict=True))) for fields in reader]
    return rows


def gwp_weights(reference: Path, gwp: str) -> dict[str, Decimal]:
    """gwp.csv's GWP100 values of one IPCC set, by gas id, as exact decimals."""
    column = f"gwp100_{gwp.lower()}"
    return {r["gas_id"]: Decimal(r[column]) for r in read_csv(reference / GWP_FILE) if r[column]}


@dataclass(frozen=True)
class GasValue:
    gas: str  # gwp.csv id, or CO2e
    line: int
    value: str  # as EPA printed it


@dataclass(frozen=True)
class Commodity:
    code: str
    title: str
    useeio: str
    co2e: dict[str, str]  # EPA's CO2e value by variant, as printed
    gases: dict[str, list[GasValue]]  # by variant


def commodities(reference: Path, ed: Edition) -> list[Commodity]:
    """Every commodity of an edition, its by-gas values and EPA's CO2e values, checked for shape."""
    co2e_rows = read_epa(reference / ed.co2e_file)
    totals: dict[str, Rec] = {}
    for line, r in co2e_rows:
        if r["ghg"] != "All GHGs" or r["unit"] != ed.co2e_unit:
            raise BuildError(f"{ed.co2e_file} line {line}: {r['ghg']!r} in {r['unit']!r}")
        if totals.setdefault(r["code"], r) is not r:
            raise BuildError(f"{ed.co2e_file} line {line}: NAICS {r['code']} repeated")
    by_code: dict[str, list[tuple[int, Rec]]] = {}
    for line, r in read_epa(reference / ed.bygas_file):
        by_code.setdefault(r["code"], []).append((line, r))
    if set(by_code) != set(totals):
        odd = sorted(set(by_code) ^ set(totals))
        raise BuildError(
            f"{ed.version}: the CO2e and by-gas files list different NAICS codes {odd}"
        )
    out = []
    for code, rows in by_code.items():
        total = totals[code]
        gases: dict[str, list[GasValue]] = {WITH: [], WITHOUT: []}
        seen: set[str] = set()
        for line, r in rows:
            gas = gas_id(r["ghg"], f"{ed.bygas_file} line {line}")
            units = ed.unspecified_units if gas == CO2E else {ed.gas_unit}
            if r["unit"] not in units:
                raise BuildError(f"{ed.bygas_file} line {line}: unit {r['unit']!r} for {gas}")
            if gas in seen:
                raise BuildError(f"{ed.bygas_file} line {line}: {r['ghg']} repeated for {code}")
            seen.add(gas)
            # The USEEIO code list may come in another order ("233411,2334A0,233412").
            if r["title"] != total["title"] or useeio_codes(r) != useeio_codes(total):
                raise BuildError(f"{ed.bygas_file} line {line}: title or USEEIO code differs")
            for variant in (WITH, WITHOUT):
                gases[variant].append(GasValue(gas, line, r[variant]))
        out.append(
            Commodity(
                code,
                total["title"],
                total["useeio"],
                {WITH: total[WITH], WITHOUT: total[WITHOUT]},
                gases,
            )
        )
    if len(out) != 1016:
        raise BuildError(f"{ed.version}: {len(out)} commodities, EPA publishes 1,016")
    return out


def useeio_codes(r: Rec) -> frozenset[str]:
    return frozenset(r["useeio"].split(","))


def gas_id(name: str, where: str) -> str:
    if name == UNSPECIFIED:
        return CO2E
    try:
        return GAS_IDS[name]
    except KeyError:
        raise BuildError(f"{where}: unknown gas {name!r}; map it in GAS_IDS") from None


# ----------------------------------------------------------------------------------------------
# The check: EPA's CO2e from EPA's by-gas values


@dataclass(frozen=True)
class Co2eCheck:
    compared: int  # CO2e values compared (commodities x 2 variants)
    exact: int  # of those, how many our sum rounded to EPA's 3 decimals equals exactly
    largest_relative: Decimal  # the largest |sum - EPA| / EPA
    largest_at: str  # where it occurs


def check_co2e(ed: Edition, items: list[Commodity], gwp: dict[str, Decimal]) -> Co2eCheck:
    """EPA's printed CO2e value from its by-gas values and the edition's GWP set; BuildError
    where they differ by more than rounding explains.

    EPA rounded its CO2e value to 3 decimal places (at most half a unit, 0.0005) and each gas
    value to 3 significant digits (at most half a unit of its last digit, times its GWP), so
    |sum - printed| must stay within the sum of those bounds. A GWP value of another set, a
    missing gas or a changed digit shows up as a larger difference.
    """
    missing = {g.gas for c in items for g in c.gases[WITH]} - set(gwp) - {CO2E}
    if missing:
        raise BuildError(f"{ed.version}: no {ed.gwp} value in {GWP_FILE} for {sorted(missing)}")
    half_place = CO2E_PLACES / 2
    exact, largest, largest_at = 0, Decimal(0), ""
    for c in items:
        for variant in (WITH, WITHOUT):
            printed = Decimal(c.co2e[variant])
            if exponent(printed) < exponent(CO2E_PLACES):
                raise BuildError(f"{ed.co2e_file} NAICS {c.code}: {printed} has over 3 decimals")
            total, bound = Decimal(0), half_place
            for g in c.gases[variant]:
                value = Decimal(g.value)
                weight = Decimal(1) if g.gas == CO2E else gwp[g.gas]
                total += value * weight
                bound += weight * Decimal(5).scaleb(exponent(value) - 1)
            diff = abs(total - printed)
            if diff > bound:
                raise BuildError(
                    f"{ed.version} NAICS {c.code} {variant} margins: the by-gas values weighted"
                    f" with {ed.gwp} give {total:.6f} kg CO2e/USD, EPA prints {printed}"
                    f" (difference {diff:.6f}, rounding allows {bound:.6f})"
                )
            if total.quantize(CO2E_PLACES, ROUND_HALF_EVEN) == printed:
                exact += 1
            relative = diff / printed if printed else diff
            if relative > largest:
                largest, largest_at = relative, f"NAICS {c.code} {variant} margins"
    return Co2eCheck(2 * len(items), exact, largest, largest_at)


def exponent(value: Decimal) -> int:
    """The power of ten of a printed number's last digit ('4.04e-01' -> -3)."""
    exp = value.as_tuple().exponent
    if not isinstance(exp, int):
        raise BuildError(f"not a finite number: {value}")
    return exp


def check_quotes(reference: Path, ed: Edition, items: list[Commodity]) -> int:
    """Third parties' quotes of this edition (data/useeio_spend_sample.csv) against EPA's CO2e
    file: the second, independent source behind a copy with no publisher hash. Returns how
    many agreed; BuildError on any disagreement or when there are none to compare."""
    printed = {c.code: c.co2e[WITH] for c in items}
    quotes = [r for r in read_csv(reference / QUOTES_FILE) if r["version"] == ed.version]
    if not quotes:
        raise BuildError(f"{QUOTES_FILE}: no {ed.version} quotes to cross-check against")
    for r in quotes:
        ours = printed.get(r["naics_code"])
        if ours is None or Decimal(ours) != Decimal(r["sef_with_margins"]):
            raise BuildError(
                f"{ed.version} NAICS {r['naics_code']}: quoted {r['sef_with_margins']}, EPA's"
                f" CO2e file has {ours}"
            )
    return len(quotes)


# ----------------------------------------------------------------------------------------------
# Rows


# Gases shipped as their own rows; every other gas of EPA's by-gas file (the fluorinated ones,
# and the unspecified HFC/PFC mix EPA gives in CO2e) goes into one CO2e row per factor in EPA's
# GWP basis. Why: 16 or 18 rows per factor made the two editions 69,088 rows, 95% of the whole
# library, which every workspace loads and commits; the three gases that make up nearly all of
# a spend factor keep their own mass, and for the GWP set EPA used the CO2e row is exact.
OWN_ROWS = ("CO2", "CH4", "N2O")


def edition_rows(
    ed: Edition, items: list[Commodity], gwp: dict[str, Decimal]
) -> Iterator[FactorRow]:
    bygas = Path(ed.bygas_file).name
    for c in items:
        for variant in (WITH, WITHOUT):
            if variant == WITH:
                activity = f"spend.naics.{c.code}"
                factor_id = f"{ed.factor_set}:naics.{c.code}.usd{ed.dollar_year}"
                scope = "with margins"
            else:
                activity = f"spend.naics.{c.code}.excl_margins"
                factor_id = f"{ed.factor_set}:naics.{c.code}.excl-margins.usd{ed.dollar_year}"
                scope = "without margins"
            factor = Factor(
                ed.factor_set,
                factor_id,
                activity,
                "US",
                ed.valid_from,
                None,
                SCOPE_USE,
                f"NAICS {c.code} {c.title}, {scope}. EPA CO2e ({ed.gwp}): {c.co2e[variant]} kg"
                f" per {ed.dollar_year} USD. CO2, CH4 and N2O by gas; the fluorinated gases as"
                f" one CO2e row weighted with {ed.gwp} (EPA's basis).",
                currency_year=ed.dollar_year,
            )
            fluorinated, lines = Decimal(0), []
            for g in c.gases[variant]:
                value = Decimal(g.value)
                if g.gas in OWN_ROWS:
                    if value != 0:  # a zero row adds nothing; EPA's files hold none today
                        ref = f"{bygas} line {g.line}, {variant} margins"
                        yield factor.row(ed.src, g.gas, float(value), "USD", ref)
                    continue
                fluorinated += value * (Decimal(1) if g.gas == CO2E else gwp[g.gas])
                lines.append(g.line)
            if fluorinated != 0:
                ref = (
                    f"{bygas} lines {min(lines)}-{max(lines)}, {variant} margins: fluorinated"
                    f" gases x {ed.gwp} GWP100 (gwp.csv) + {UNSPECIFIED}"
                )
                yield factor.row(ed.src, CO2E, float(fluorinated), "USD", ref, gwp_basis=ed.gwp)


def build(reference: Path) -> Iterator[FactorRow]:
    for ed in EDITIONS:
        items = commodities(reference, ed)
        weights = gwp_weights(reference, ed.gwp)
        check_co2e(ed, items, weights)
        if ed.check_quotes:
            check_quotes(reference, ed, items)
        yield from edition_rows(ed, items, weights)
