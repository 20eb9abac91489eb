"""US EPA GHG Emission Factors Hub, editions 2021, 2023, 2024 and 2025: Tables 1-10.

Each edition is one workbook with one sheet, `Emission Factors Hub`, holding all tables one
below the other. `read_hub` finds each table by its "Table N" heading and title, and its columns
by their header text (the layouts move between editions: rows shift, 2021 writes the eGRID
subregion as "AKGD (ASCC Alaska Grid)" in one column, 2025 adds a grid-loss column, footnote
letters stick to names as in "Passenger Car A" or "RecycledA"). It turns every factor cell
into one record (`Rec`, the columns of the reference folder's `data/epa_hub_2024.csv`, plus the
cell), and the builders below map those records to factor rows, the same way for every edition.
Table 6 is cross-checked against the eGRID files of its data year where the reference folder
has them (`egrid.py`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar

from factor_sources import egrid
from factor_sources.common import (
    BuildError,
    Factor,
    Rec,
    SetSpec,
    SheetCells,
    grouped,
    join,
    normal_text,
    per_unit,
    read_sheet,
    slug,
    unit_name,
)
from factor_sources.egrid import Check
from zerotrail.reference.factors import FactorRow

HUB_DIR = "sources/epa-ghg-hub"
LICENCE = "US federal government work; public domain in the US (17 U.S.C. 105)"
LANDING_PAGE = "https://www.epa.gov/climateleadership/ghg-emission-factors-hub"


@dataclass(frozen=True)
class Edition:
    """What one Hub workbook is, as far as the build states it; `read_hub` checks each claim
    against the workbook's own text (banner date, GWP statement, Table 6/9/10 sources)."""

    year: int
    published: str  # ISO date of the banner "Last Modified: ..."
    source_url: str
    gwp: str  # the GWP set of the banner statement (the Hub's CO2e rows: Table 9, always AR4)
    egrid: str  # the eGRID edition of Table 6, as "eGRID2022"
    egrid_release: str  # extra words for data_year, e.g. "original release"
    warm: str  # the WARM release Table 9 cites, as the note names it
    warm_evidence: str  # text of Table 9's source that names that release
    air: str  # where Table 10's air-travel factors come from
    air_evidence: str  # text of Table 10's source that says so
    verified_because: str  # why the set is verified (see SOURCES-FOUND.md)
    # eGRID files of the same data year that Table 6 must agree with (paths in the reference).
    egrid_checks: tuple[Check, ...] = ()

    @property
    def set_id(self) -> str:
        return f"epa-hub-{self.year}"

    @property
    def input(self) -> str:
        return f"{HUB_DIR}/ghg-emission-factors-hub-{self.year}.xlsx"

    @property
    def edition(self) -> str:
        return f"{self.year} (workbook last modified {self.published})"

    @property
    def span(self) -> tuple[date, date]:
        return date(self.year, 1, 1), date(self.year, 12, 31)

    @property
    def data_year(self) -> str:
        release = f", {self.egrid_release}" if self.egrid_release else ""
        return f"Table 6: {self.egrid}{release} (data year {self.egrid[5:]})"


WARM_15 = "WARM v15 (Nov 2020 update)"
DEFRA_2022_HELD = (
    "EPA took air factors from the 2022 UK DEFRA/DECC factors (2018 activity data) and held"
    " them constant."
)
EDITIONS: tuple[Edition, ...] = (
    Edition(
        2021,
        "2021-09-15",
        # EPA's download address for this edition is not recorded in the reference folder.
        LANDING_PAGE,
        "AR4",
        "eGRID2019",
        "",
        WARM_15,
        "WARM Version 15, November 2020 Update",
        "EPA took air factors from the 2020 UK Defra/DECC factors (version 1.0, July 2020).",
        "Air Travel factors from 2020 Guidelines to Defra / DECC's GHG Conversion Factors",
        "Read from the EPA workbook (probably pristine: EPA template metadata, saved the day of"
        " its banner date); Table 6 is checked against eGRID2019 (summary tables and EPA's"
        " eGRID explorer data) by the build.",
        (
            Check("sources/egrid/egrid2019_summary_tables.xlsx", egrid.summary_table1),
            Check("sources/egrid/usepa-egrid-explorer/subregion.csv", egrid.explorer_2019),
        ),
    ),
    Edition(
        2023,
        "2023-09-12",
        "https://www.epa.gov/system/files/documents/2023-03/ghg-emission-factors-hub.xlsx",
        "AR4",
        "eGRID2021",
        "",
        WARM_15,
        "WARM Version 15, November 2020 Update",
        "EPA took air factors from the 2022 UK DEFRA/DECC factors (version 2.0, June 2022).",
        "Air Travel factors from 2022 Guidelines to Defra / DECC's GHG Conversion Factors",
        "Read from EPA's workbook (publisher content, re-packaged); Table 6 is checked against"
        " the eGRID2021 summary tables by the build.",
        (Check("sources/egrid/eGRID2021_summary_tables.xlsx", egrid.summary_table1),),
    ),
    Edition(
        2024,
        "2024-02-13",
        "https://www.epa.gov/system/files/documents/2024-02/ghg-emission-factors-hub-2024.xlsx",
        "AR5",
        "eGRID2022",
        "",
        "WARM v16 (Dec 2023)",
        "WARM Version 16, December 2023 release",
        DEFRA_2022_HELD,
        "held constant from 2022 release (2018 activity data)",
        "Read from EPA's workbook (publisher content, re-packaged; 750 values also agree with"
        " an independent extraction).",
    ),
    Edition(
        2025,
        "2025-01-15",
        "https://www.epa.gov/system/files/other-files/2025-01/ghg-emission-factors-hub-2025.xlsx",
        "AR5",
        "eGRID2023",
        "original release of January 2025",
        "WARM documentation (Dec 2023)",
        "(December 2023) Documentation for Greenhouse Gas Emission and Energy Factors",
        DEFRA_2022_HELD,
        "held constant from 2022 release (2018 activity data)",
        "Read from a re-saved copy of EPA's workbook (Excel Online, not byte-identical to EPA's"
        " download); verified because all 591 rows of its one sheet equal those of a second,"
        " independently re-saved copy (recorded in the reference folder's SOURCES-FOUND.md; that"
        " copy is not in the folder, so the build cannot repeat the check). Table 6 cannot be"
        " checked against the eGRID2023 revision 2 summary tables, whose rates differ from the"
        " January 2025 release by design.",
    ),
)
BY_SET = {edition.set_id: edition for edition in EDITIONS}


def set_spec(ed: Edition) -> SetSpec:
    return SetSpec(
        ed.set_id,
        f"EPA GHG Emission Factors Hub {ed.year}",
        "US Environmental Protection Agency",
        (ed.input, *(check.input for check in ed.egrid_checks)),
        f"US factors, Tables 1-10: stationary combustion (per mmBtu HHV and per physical unit),"
        f" mobile CO2 and CH4/N2O, {ed.egrid} electricity, steam, freight, waste (WARM, CO2e"
        f" AR4), business travel and commuting. CH4/N2O GWPs of this edition: {ed.gwp}."
        f" {ed.verified_because}",
        edition=ed.edition,
        source_url=ed.source_url,
        licence=LICENCE,
        reporting_year=ed.year,
        published=ed.published,
        data_year=ed.data_year,
    )


SETS: tuple[SetSpec, ...] = tuple(set_spec(ed) for ed in EDITIONS)


# ----------------------------------------------------------------------------------------------
# Reading a workbook: tables found by their headings, columns by their header text.

TITLES = {
    1: "Stationary Combustion",
    2: "Mobile Combustion CO2",
    3: "Mobile Combustion CH4 and N2O for On-Road Gasoline Vehicles",
    4: "Mobile Combustion CH4 and N2O for On-Road Diesel and Alternative Fuel Vehicles",
    5: "Mobile Combustion CH4 and N2O for Non-Road Vehicles",
    6: "Electricity",
    7: "Steam and Heat",
    8: "Scope 3 Category 4: Upstream Transportation and Distribution and Category 9:"
    " Downstream Transportation and Distribution",
    9: "Scope 3 Category 5: Waste Generated in Operations and Category 12: End-of-Life"
    " Treatment of Sold Products",
    10: "Scope 3 Category 6: Business Travel and Category 7: Employee Commuting",
}
SCOPE_USE = {
    "1": "Scope 1",
    "2": "Scope 1",
    "3": "Scope 1",
    "4": "Scope 1",
    "5": "Scope 1",
    "7": "Scope 2",
    "8": "Scope 3 categories 4 and 9",
    "9": "Scope 3 categories 5 and 12",
    "10": "Scope 3 categories 6 and 7",
}
# 2021 and 2023 name the coals "Anthracite Coal" etc. under "Coal and Coke"; 2024 drops the
# word. One name (and so one key and factor id) for the same fuel in every edition.
FUEL_NAMES = {
    "Anthracite Coal": "Anthracite",
    "Bituminous Coal": "Bituminous",
    "Sub-bituminous Coal": "Sub-bituminous",
    "Lignite Coal": "Lignite",
}
# 2021 lists off-road trucks as vehicles of their own; 2023 on list them as fuels of the
# equipment they serve. The later vocabulary, so the keys stay the same across editions.
NONROAD_NAMES = {
    ("Agricultural Offroad Trucks", "Gasoline"): (
        "Agricultural Equipment",
        "Gasoline Off-Road Trucks",
    ),
    ("Agricultural Offroad Trucks", "Diesel"): ("Agricultural Equipment", "Diesel Off-Road Trucks"),
    ("Construction/Mining Offroad Trucks", "Gasoline"): (
        "Construction/Mining Equipment",
        "Gasoline Off-Road Trucks",
    ),
    ("Construction/Mining Offroad Trucks", "Diesel"): (
        "Construction/Mining Equipment",
        "Diesel Off-Road Trucks",
    ),
}
# Notes that the reference extraction of the 2024 workbook wrote for these rows: EPA's own
# footnotes and table notes, shortened; they hold for every edition read here.
TANK_TO_WHEEL = "Tank-to-wheel combustion only."
T1_NOTES = {
    "Municipal Solid Waste": "MSW contains biogenic and fossil carbon; EPA gives one CO2 factor"
    " for the mixture.",
    "Peat": "EPA lists peat under its biomass heading; IPCC 2006 treats peat as a fossil fuel."
    " Decide explicitly whether its CO2 is reported in scope or as biogenic.",
}
T3_NOTES = {"Gasoline Light-Duty Trucks": "Light-duty trucks include vans, pickup trucks and SUVs."}
T5_NOTES = {
    "Agricultural Equipment": "Includes tractors, combines and trucks used off-road in"
    " agriculture.",
    "Construction/Mining Equipment": "Includes cranes, dumpers, excavators and trucks used"
    " off-road in construction.",
}
T6_NOTES = {
    "total_output": "{egrid} total output emission rate; EPA's default for inventories."
    " 1 lb = 0.45359237 kg.",
    "non_baseload": "{egrid} non-baseload rate; EPA says not to use it for inventories or"
    " footprints, only for estimating grid reductions from changes in use. 1 lb = 0.45359237 kg.",
}
T6_SCOPE_USE = {"total_output": "Scope 2 (location-based)", "non_baseload": "not for inventories"}
T7_NOTE = (
    "Per mmBtu of steam or heat purchased; assumes natural gas boiler at 80% thermal efficiency."
)
T8_NOTE = (
    "Distance-based method. Vehicle-mile factors: whole vehicle dedicated to the reporter's"
    " goods; ton-mile factors: shared vehicle. Tank-to-wheel only."
)
T9_NOTE = (
    "From EPA {warm}; AR4 GWPs; includes transport to the facility; excludes avoided emissions."
    " Short ton = 2000 lb."
)
T10_NOTE = "Distance-based method; tank-to-wheel only."
# Activity units as EPA writes them → the unit of the mapping ("ton-mile" is the short
# ton-mile in zerotrail.units, which 2025 spells out).
DISTANCE_UNITS = {
    "vehicle-mile": "vehicle-mile",
    "passenger-mile": "passenger-mile",
    "ton-mile": "ton-mile",
    "short ton-mile": "ton-mile",
}
_FOOTNOTE = re.compile(r"(?<=[a-z)])\s?[A-E]$")
_GAS_HEADER = re.compile(r"^(CO2|CH4|N2O) Factor\b")
_MASS = re.compile(r"\((kg|g|lb)\b")
_BANNER = re.compile(r"^Last Modified:\s*(.+)$")


def plain(text: str) -> str:
    """A name without the footnote letter EPA attaches: 'Passenger Car A' → 'Passenger Car'."""
    return _FOOTNOTE.sub("", text).strip()


def number(value: object, where: str) -> str | None:
    """A factor cell as the text of its stored number, trimmed to 15 significant digits (the
    binary noise of Excel's arithmetic, e.g. 0.022000000000000002, goes; 15 digits is what
    Excel itself shows). None for EPA's 'NA' (no factor)."""
    if isinstance(value, bool) or value is None:
        raise BuildError(f"{where}: expected a number, found {value!r}")
    if isinstance(value, int | float):
        return f"{value:.15g}"
    text = str(value).strip()
    if text == "NA":
        return None
    try:
        return f"{float(text):.15g}"  # EPA types some zeros as text: '0 '
    except ValueError:
        raise BuildError(f"{where}: expected a number, found {value!r}") from None


def decimals_shown(number_format: str) -> int | None:
    """Decimal places a number format displays ('#,##0.000' → 3); None for 'General'."""
    section = number_format.split(";")[0]
    if "0" not in section:
        return None
    _, dot, fraction = section.partition(".")
    return len(fraction) - len(fraction.lstrip("0")) if dot else 0


@dataclass(frozen=True)
class Table:
    """One Hub table: the sheet, its number, and the rows from its heading to the next."""

    sheet: SheetCells
    number: int
    rows: list[int]

    def find(self, label: str, *, startswith: bool = False) -> tuple[int, int]:
        """The first cell whose text is `label` (or starts with it): (row, column)."""
        for row in self.rows:
            for column in self.sheet.columns(row):
                text = self.sheet.text(row, column)
                if text == label or (startswith and text.startswith(label)):
                    return row, column
        raise BuildError(f"{self.sheet.file} Table {self.number}: no cell {label!r}")

    def body(self, header: int, label_column: int) -> list[int]:
        """Rows below the header row up to the table's 'Source'/'Note' lines."""
        rows = []
        for row in self.rows:
            if row <= header:
                continue
            if self.sheet.text(row, label_column).startswith(("Source", "Note")):
                break
            rows.append(row)
        return rows

    def text_of(self) -> str:
        return " ".join(self.sheet.text(r, c) for r in self.rows for c in self.sheet.columns(r))


def tables(sheet: SheetCells) -> dict[int, Table]:
    heads: list[tuple[int, int]] = []
    for row in sheet.row_numbers():
        for column in sheet.columns(row):
            match = re.fullmatch(r"Table (\d+)", sheet.text(row, column))
            if match:
                number = int(match[1])
                title = sheet.text(row, column + 1)
                if number in TITLES and title != TITLES[number]:
                    raise BuildError(
                        f"{sheet.file}: Table {number} is titled {title!r},"
                        f" expected {TITLES[number]!r}"
                    )
                heads.append((number, row))
    found = {number for number, _ in heads}
    if len(found) != len(heads) or not set(TITLES) <= found:
        raise BuildError(f"{sheet.file}: expected Tables 1-10 once each, found {heads}")
    all_rows = sheet.row_numbers()
    out = {}
    for i, (number, start) in enumerate(heads):
        stop = heads[i + 1][1] if i + 1 < len(heads) else all_rows[-1] + 1
        out[number] = Table(sheet, number, [r for r in all_rows if start <= r < stop])
    return out


def record(ed: Edition, table: int, sheet: SheetCells, row: int, column: int, **fields: str) -> Rec:
    rec = {
        "hub_table": str(table),
        "activity_group": "",
        "activity_detail": "",
        "model_year_from": "",
        "model_year_to": "",
        "heat_content_hhv": "",
        "heat_content_unit": "",
        "biogenic_co2": "no",
        "gwp_basis": "",
        "scope_use": SCOPE_USE.get(str(table), ""),
        "notes": "",
        "source": "US EPA GHG Emission Factors Hub",
        "edition": ed.edition,
        "source_url": ed.source_url,
        "licence": LICENCE,
        "verified": "yes",
        "cell": sheet.ref(row, column),
    }
    rec.update(fields)
    return rec


def read_table1(ed: Edition, t: Table) -> Iterator[Rec]:
    sheet = t.sheet
    header, label = t.find("Fuel Type")
    heat = next(
        c for c in sheet.columns(header) if sheet.text(header, c).startswith("Heat Content")
    )
    units: dict[int, str] = {}
    group = ""
    for row in t.body(header, label):
        if sheet.text(row, heat).startswith("mmBtu per"):  # a unit row (repeated per fuel form)
            units = {c: sheet.text(row, c) for c in sheet.columns(row)}
            continue
        name = sheet.text(row, label)
        factors = [c for c in sheet.columns(row) if c > heat]
        if not factors:
            group = name
            continue
        name = FUEL_NAMES.get(name, name)
        heat_value = (
            number(sheet.values[(row, heat)], sheet.ref(row, heat))
            if (row, heat) in sheet.values
            else None
        )
        for column in factors:
            match = re.fullmatch(r"(kg|g) (CO2|CH4|N2O) per (.+)", units.get(column, ""))
            if match is None:
                raise BuildError(f"{sheet.ref(row, column)}: no unit for this column")
            value = number(sheet.values[(row, column)], sheet.ref(row, column))
            if value is None:
                continue
            per = match[3]
            yield record(
                ed,
                1,
                sheet,
                row,
                column,
                activity_group=group,
                activity=name,
                unit="mmBtu (HHV)" if per == "mmBtu" else per,
                gas=match[2],
                value=value,
                value_unit=f"{match[1]} {match[2]} per {per}",
                factor_basis="per_energy_hhv" if per == "mmBtu" else "per_physical_unit",
                heat_content_hhv=heat_value or "",
                heat_content_unit=units[heat] if heat_value else "",
                biogenic_co2="yes" if group.startswith("Biomass Fuels") else "no",
                notes=T1_NOTES.get(name, ""),
            )


def read_table2(ed: Edition, t: Table, biomass: set[str]) -> Iterator[Rec]:
    sheet = t.sheet
    header, label = t.find("Fuel Type")
    value_column = t.find("kg CO2 per unit")[1]
    unit_column = t.find("Unit")[1]
    for row in t.body(header, label):
        name = sheet.text(row, label)
        value = number(sheet.values.get((row, value_column)), sheet.ref(row, value_column))
        if value is None:
            continue
        unit = sheet.text(row, unit_column)
        yield record(
            ed,
            2,
            sheet,
            row,
            value_column,
            activity=name,
            unit=unit,
            gas="CO2",
            value=value,
            value_unit=f"kg CO2 per {unit}",
            factor_basis="per_physical_unit",
            biogenic_co2="yes" if name in biomass else "no",
            notes=TANK_TO_WHEEL,
        )


def gas_columns(
    sheet: SheetCells, header: int, unit: str, unit_row: int | None = None
) -> dict[int, tuple[str, str]]:
    """Columns headed 'CH4 Factor (g / mile)' and the like: column → (gas, mass unit). The unit
    text (in the header, or in `unit_row` below it) must name a mass and `unit` ('unit' where
    a Units column gives it per row)."""
    out = {}
    for column in sheet.columns(header):
        match = _GAS_HEADER.match(sheet.text(header, column))
        if match is None:
            continue
        text = sheet.text(header if unit_row is None else unit_row, column)
        mass = _MASS.search(text)
        if mass is None or unit not in text:
            raise BuildError(f"{sheet.ref(header, column)}: unexpected unit {text!r}")
        out[column] = (match[1], mass[1])
    return out


def model_years(value: object) -> tuple[str, str]:
    """'1973-74' → ('1973', '1974'); 1975 → ('1975', '1975'); '≤1980' or '<1981' → ('', '1980')."""
    text = normal_text(value)
    if match := re.fullmatch(r"(\d{4})-(\d{2}|\d{4})", text):
        first, last = match[1], match[2]
        return first, first[:2] + last if len(last) == 2 else last
    if re.fullmatch(r"\d{4}", text):
        return text, text
    if match := re.fullmatch(r"(≤|<)\s*(\d{4})", text):
        return "", str(int(match[2]) - (1 if match[1] == "<" else 0))
    raise BuildError(f"cannot read model years {value!r}")


def read_onroad(ed: Edition, t: Table) -> Iterator[Rec]:
    sheet = t.sheet
    header, label = t.find("Vehicle Type")
    named = {sheet.text(header, c): c for c in sheet.columns(header)}
    fuel_column = named.get("Fuel Type")
    year_column = next(
        (named[n] for n in ("Model Year", "Vehicle Year", "Year") if n in named), None
    )
    gases = gas_columns(sheet, header, "mile")
    vehicle = fuel = ""
    for row in t.body(header, label):
        name = sheet.text(row, label)
        if name and not name.startswith("("):  # "(Vans, Pickup Trucks, SUVs)" continues a name
            vehicle = name
        if fuel_column is not None and sheet.text(row, fuel_column):
            fuel = sheet.text(row, fuel_column)
        elif fuel_column is None:
            fuel = "Gasoline"
        years = ("", "")
        if year_column is not None and (row, year_column) in sheet.values:
            years = model_years(sheet.values[(row, year_column)])
        for column, (gas, mass) in gases.items():
            if (row, column) not in sheet.values:
                continue
            value = number(sheet.values[(row, column)], sheet.ref(row, column))
            if value is None:
                continue
            notes = (
                TANK_TO_WHEEL if t.number == 4 else join(T3_NOTES.get(vehicle, ""), TANK_TO_WHEEL)
            )
            yield record(
                ed,
                t.number,
                sheet,
                row,
                column,
                activity=vehicle,
                activity_detail=fuel,
                model_year_from=years[0],
                model_year_to=years[1],
                unit="vehicle-mile",
                gas=gas,
                value=value,
                value_unit=f"{mass} {gas} per vehicle-mile",
                factor_basis="per_distance",
                notes=notes,
            )


def read_table5(ed: Edition, t: Table) -> Iterator[Rec]:
    sheet = t.sheet
    header, label = t.find("Vehicle Type")
    fuel_column = t.find("Fuel Type")[1]
    gases = gas_columns(sheet, header, "gallon")
    vehicle = ""
    for row in t.body(header, label):
        if sheet.text(row, label):
            vehicle = plain(sheet.text(row, label))
        name, fuel = NONROAD_NAMES.get(
            (vehicle, sheet.text(row, fuel_column)), (vehicle, sheet.text(row, fuel_column))
        )
        for column, (gas, mass) in gases.items():
            value = number(sheet.values.get((row, column)), sheet.ref(row, column))
            if value is None:
                continue
            yield record(
                ed,
                5,
                sheet,
                row,
                column,
                activity=name,
                activity_detail=fuel,
                unit="gallon",
                gas=gas,
                value=value,
                value_unit=f"{mass} {gas} per gallon",
                factor_basis="per_physical_unit",
                notes=join(TANK_TO_WHEEL, T5_NOTES.get(name, "")),
            )


def read_table6(ed: Edition, t: Table) -> Iterator[Rec]:
    sheet = t.sheet
    header, label = t.find("eGRID Subregion", startswith=True)
    names = next(
        (c for c in sheet.columns(header) if sheet.text(header, c) == "eGRID Subregion Name"), None
    )
    top = header - 1
    total = t.find("Total Output Emission Factors")[1]
    non_baseload = t.find("Non-Baseload Emission Factors")[1]
    gases = gas_columns(sheet, header, "MWh", header + 1)
    units = {c: sheet.text(header + 1, c) for c in gases}
    if len(gases) != 6 or any(not re.fullmatch(r"\(lb (\w+ )?/ MWh\)", u) for u in units.values()):
        raise BuildError(f"{sheet.ref(header, label)}: unexpected Table 6 columns {units}")
    if sheet.text(top, total) == "" or not total < non_baseload:
        raise BuildError(f"{sheet.ref(top, total)}: cannot tell total output from non-baseload")
    for row in t.body(header + 1, label):
        text = sheet.text(row, label)
        # 2021 writes 'AKGD (ASCC Alaska Grid)' in one column; later editions give the acronym
        # and the name apart (2023's name column repeats the acronym).
        match = re.fullmatch(r"([A-Z]{4}) \((.+)\)", text)
        acronym = match[1] if match else text
        name = match[2] if match else sheet.text(row, names) if names else ""
        inner = re.fullmatch(r"[A-Z]{4} \((.+)\)", name)
        name = inner[1] if inner else name or (text if text == "US Average" else "")
        if not re.fullmatch(r"[A-Z]{4}|US Average", acronym) or not name:
            raise BuildError(f"{sheet.ref(row, label)}: cannot read the subregion {text!r}")
        for column, (gas, mass) in gases.items():
            basis = "total_output" if column < non_baseload else "non_baseload"
            value = number(sheet.values.get((row, column)), sheet.ref(row, column))
            if value is None:
                raise BuildError(f"{sheet.ref(row, column)}: no value")
            yield record(
                ed,
                6,
                sheet,
                row,
                column,
                activity=acronym,
                activity_detail=f"{name} | {basis}",
                unit="MWh",
                gas=gas,
                value=value,
                value_unit=f"{mass} {gas} per MWh",
                factor_basis=basis,
                scope_use=T6_SCOPE_USE[basis],
                notes=T6_NOTES[basis].format(egrid=ed.egrid),
                decimals=str(decimals_shown(sheet.formats[(row, column)])),
            )


def read_table7(ed: Edition, t: Table) -> Iterator[Rec]:
    sheet = t.sheet
    row, label = t.find("Steam and Heat")
    if row == t.rows[0]:  # the heading's title; the data row repeats the words below it
        row, label = next(
            (r, c)
            for r in t.rows[1:]
            for c in sheet.columns(r)
            if sheet.text(r, c) == "Steam and Heat"
        )
    header = next(
        r for r in reversed(t.rows) if r < row and _GAS_HEADER.match(sheet.text(r, label + 1))
    )
    if "80 percent thermal efficiency" not in t.text_of():
        raise BuildError(f"{sheet.file} Table 7: the 80% efficiency the note states is not there")
    for column, (gas, mass) in gas_columns(sheet, header, "mmBtu").items():
        value = number(sheet.values.get((row, column)), sheet.ref(row, column))
        if value is None:
            continue
        yield record(
            ed,
            7,
            sheet,
            row,
            column,
            activity="Steam and Heat",
            activity_detail="purchased",
            unit="mmBtu",
            gas=gas,
            value=value,
            value_unit=f"{mass} {gas} per mmBtu",
            factor_basis="per_energy",
            notes=T7_NOTE,
        )


def read_distance(ed: Edition, t: Table) -> Iterator[Rec]:
    """Tables 8 (freight) and 10 (business travel and commuting): one row per vehicle type."""
    sheet = t.sheet
    header, label = t.find("Vehicle Type")
    unit_column = t.find("Units")[1]
    gases = gas_columns(sheet, header, "unit")
    source = t.text_of()
    if t.number == 10 and ed.air_evidence not in source:
        raise BuildError(f"{sheet.file} Table 10: source does not say {ed.air_evidence!r}")
    for row in t.body(header, label):
        name = plain(sheet.text(row, label))
        unit = DISTANCE_UNITS.get(sheet.text(row, unit_column))
        if unit is None:
            raise BuildError(f"{sheet.ref(row, unit_column)}: unknown unit")
        note = T8_NOTE if t.number == 8 else T10_NOTE
        if t.number == 10 and name.startswith("Air Travel"):
            note = join(note, f"{ed.air}")
        for column, (gas, mass) in gases.items():
            value = number(sheet.values.get((row, column)), sheet.ref(row, column))
            if value is None:
                continue
            yield record(
                ed,
                t.number,
                sheet,
                row,
                column,
                activity=name,
                unit=unit,
                gas=gas,
                value=value,
                value_unit=f"{mass} {gas} per {unit}",
                factor_basis="per_distance",
                notes=note,
            )


def read_table9(ed: Edition, t: Table) -> Iterator[Rec]:
    sheet = t.sheet
    header, label = t.find("Material")
    t.find("Metric Tons CO2e / Short Ton Material")
    text = t.text_of()
    if "AR4 GWP" not in text or ed.warm_evidence not in text:
        raise BuildError(f"{sheet.file} Table 9: AR4 or {ed.warm_evidence!r} not stated")
    treatments = {
        c: plain(sheet.text(header, c)).capitalize() for c in sheet.columns(header) if c > label
    }
    for row in t.body(header, label):
        material = sheet.text(row, label)
        for column, treatment in treatments.items():
            value = number(sheet.values.get((row, column)), sheet.ref(row, column))
            if value is None:
                continue
            yield record(
                ed,
                9,
                sheet,
                row,
                column,
                activity=material,
                activity_detail=treatment,
                unit="short ton of material",
                gas="CO2e",
                value=value,
                value_unit="metric ton CO2e per short ton",
                factor_basis="per_mass",
                gwp_basis="AR4",
                notes=T9_NOTE.format(warm=ed.warm),
            )


def check_banner(ed: Edition, sheet: SheetCells) -> None:
    """The banner's date and GWP statement must be what `ed` says."""
    dates = [
        _BANNER.match(sheet.text(r, c))
        for r, c in sheet.values
        if r < 12 and _BANNER.match(sheet.text(r, c))
    ]
    if len(dates) != 1 or dates[0] is None:
        raise BuildError(f"{sheet.file}: no 'Last Modified' banner")
    text = dates[0][1]
    for pattern in ("%B %d, %Y", "%d %B %Y"):
        try:
            published = datetime.strptime(text, pattern).date().isoformat()
            break
        except ValueError:
            continue
    else:
        raise BuildError(f"{sheet.file}: cannot read the banner date {text!r}")
    if published != ed.published:
        raise BuildError(f"{sheet.file}: banner says {published}, the build says {ed.published}")
    statement = " ".join(sheet.text(r, c) for r, c in sheet.values if r < 12)
    stated = set(re.findall(r"\((AR\d)\)", statement))
    if stated != {ed.gwp}:
        raise BuildError(f"{sheet.file}: GWP statement names {sorted(stated)}, expected {ed.gwp}")


def read_hub(path: Path, ed: Edition) -> list[Rec]:
    """Every factor cell of Tables 1-10 of one Hub workbook, as records."""
    sheet = read_sheet(path, "Emission Factors Hub")
    check_banner(ed, sheet)
    found = tables(sheet)
    if ed.egrid not in found[6].text_of():
        raise BuildError(f"{sheet.file} Table 6: source does not name {ed.egrid}")
    rows = list(read_table1(ed, found[1]))
    biomass = {r["activity"] for r in rows if r["biogenic_co2"] == "yes"}
    rows += read_table2(ed, found[2], biomass)
    rows += read_onroad(ed, found[3])
    rows += read_onroad(ed, found[4])
    rows += read_table5(ed, found[5])
    rows += read_table6(ed, found[6])
    rows += read_table7(ed, found[7])
    rows += read_distance(ed, found[8])
    rows += read_table9(ed, found[9])
    rows += read_distance(ed, found[10])
    return rows


# ----------------------------------------------------------------------------------------------
# Mapping records to factor rows (the same for every edition).

# Table 1 fuel names → key slugs where a plain slug would be ambiguous or differ from the
# vocabulary shared with IPCC, DESNZ and mobile combustion; other fuels get slug(name).
FUELS = {
    "Distillate Fuel Oil No. 2": "diesel",
    "Kerosene-Type Jet Fuel": "jet_kerosene",
    "Liquefied Petroleum Gases (LPG)": "lpg",
    "Residual Fuel Oil No. 6": "residual_fuel_oil",
    "Residual Fuel Oil No. 5": "residual_fuel_oil_no_5",
    "Bituminous": "bituminous_coal",
    "Sub-bituminous": "sub_bituminous_coal",
    "Biodiesel (100%)": "biodiesel_b100",
    "Ethanol (100%)": "ethanol_e100",
    "Wood and Wood Residuals": "wood",
    "Mixed (Commercial Sector)": "coal_mixed_commercial",
    "Mixed (Electric Power Sector)": "coal_mixed_electric_power",
    "Mixed (Industrial Coking)": "coal_mixed_industrial_coking",
    "Mixed (Industrial Sector)": "coal_mixed_industrial",
    "Naphtha (<401 deg F)": "naphtha_below_401f",
    "Other Oil (>401 deg F)": "other_oil_above_401f",
    "Petroleum Coke (Solid)": "petroleum_coke",
}
KRAFT_GROUP = "Biomass Fuels - Kraft Pulping Liquor, by Wood Furnish"
MOBILE_FUELS = {
    "Aviation Gasoline": "aviation_gasoline",
    "Biodiesel (100%)": "biodiesel_b100",
    "Compressed Natural Gas (CNG)": "cng",
    "Diesel Fuel": "diesel",
    "Ethanol (100%)": "ethanol_e100",
    "Kerosene-Type Jet Fuel": "jet_kerosene",
    "Liquefied Natural Gas (LNG)": "lng",
    "Liquefied Petroleum Gases (LPG)": "lpg",
    "Motor Gasoline": "motor_gasoline",
    "Residual Fuel Oil": "residual_fuel_oil",
}
# Tables 3-4 fuel of the vehicle. EPA does not state blend levels for its alternative-fuel
# vehicles, so 'ethanol' and 'biodiesel' carry no _e100/_b100 suffix.
ONROAD_FUELS = {
    "Gasoline": "motor_gasoline",
    "Diesel": "diesel",
    "Methanol": "methanol",
    "Ethanol": "ethanol",
    "CNG": "cng",
    "LPG": "lpg",
    "LNG": "lng",
    "Biodiesel": "biodiesel",
}
ONROAD_VEHICLES = {
    "Gasoline Passenger Cars": "passenger_car",
    "Gasoline Light-Duty Trucks": "light_duty_truck",
    "Gasoline Heavy-Duty Vehicles": "heavy_duty_vehicle",
    "Gasoline Motorcycles": "motorcycle",
    "Passenger Cars": "passenger_car",
    "Light-Duty Trucks": "light_duty_truck",
    "Medium- and Heavy-Duty Vehicles": "medium_heavy_duty_vehicle",
    "Light-Duty Cars": "light_duty_car",
    "Medium-Duty Trucks": "medium_duty_truck",
    "Heavy-Duty Trucks": "heavy_duty_truck",
    "Buses": "bus",
}
# Table 5 fuel column → (key fuel, vehicle suffix, Table 2 fuel that supplies the CO2).
NONROAD_FUELS = {
    "Residual Fuel Oil": ("residual_fuel_oil", "", "Residual Fuel Oil"),
    "Gasoline": ("motor_gasoline", "", "Motor Gasoline"),
    "Gasoline (2 stroke)": ("motor_gasoline", "2_stroke", "Motor Gasoline"),
    "Gasoline (4 stroke)": ("motor_gasoline", "4_stroke", "Motor Gasoline"),
    "Gasoline Off-Road Trucks": ("motor_gasoline", "off_road_trucks", "Motor Gasoline"),
    "Diesel": ("diesel", "", "Diesel Fuel"),
    "Diesel Equipment": ("diesel", "", "Diesel Fuel"),
    "Diesel Off-Road Trucks": ("diesel", "off_road_trucks", "Diesel Fuel"),
    "Jet Fuel": ("jet_kerosene", "", "Kerosene-Type Jet Fuel"),
    "Aviation Gasoline": ("aviation_gasoline", "", "Aviation Gasoline"),
    "LPG": ("lpg", "", "Liquefied Petroleum Gases (LPG)"),
}
FREIGHT = {
    ("Medium- and Heavy-Duty Truck", "ton-mile"): "truck",
    ("Rail", "ton-mile"): "rail",
    ("Waterborne Craft", "ton-mile"): "waterborne",
    ("Aircraft", "ton-mile"): "air",
    ("Medium- and Heavy-Duty Truck", "vehicle-mile"): "truck_vehicle",
    ("Passenger Car", "vehicle-mile"): "car_vehicle",
    ("Light-Duty Truck", "vehicle-mile"): "light_duty_truck_vehicle",
}
TRAVEL = {
    "Air Travel - Short Haul (< 300 miles)": "air_short_haul",
    "Air Travel - Medium Haul (>= 300 miles, < 2300 miles)": "air_medium_haul",
    "Air Travel - Long Haul (>= 2300 miles)": "air_long_haul",
    "Passenger Car": "car",
    "Light-Duty Truck": "light_duty_truck",
    "Motorcycle": "motorcycle",
    "Intercity Rail - National Average": "rail",
    "Intercity Rail - Northeast Corridor": "rail_northeast_corridor",
    "Intercity Rail - Other Routes": "rail_intercity_other",
    "Commuter Rail": "rail_commuter",
    "Transit Rail (i.e. Subway, Tram)": "rail_transit",
    "Bus": "bus",
}
TREATMENTS = {
    "Recycled": "recycled",
    "Landfilled": "landfilled",
    "Combusted": "combusted",
    "Composted": "composted",
    "Anaerobically digested (dry digestate with curing)": "anaerobic_digestion_dry",
    "Anaerobically digested (wet digestate with curing)": "anaerobic_digestion_wet",
}
PEAT_NOTE = (
    "zerotrail reports peat CO2 as fossil (biogenic=false), following IPCC 2006, although EPA"
    " lists peat under biomass."
)
BIOGENIC_NOTE = "Biogenic CO2 is reported outside the scopes; CH4 and N2O stay in Scope 1."


K = TypeVar("K")
V = TypeVar("V")


def known(mapping: dict[K, V], key: K, src: Rec) -> V:
    """`mapping[key]`, or a BuildError naming the cell whose name has no mapping."""
    try:
        return mapping[key]
    except KeyError:
        raise BuildError(f"{src['cell']}: no mapping for {key!r}; add it") from None


def epa_factor(
    ed: Edition, factor_id: str, activity: str, region: str, scope_use: str, note: str
) -> Factor:
    return Factor(
        ed.set_id, f"{ed.set_id}:{factor_id}", activity, region, *ed.span, scope_use, note
    )


def epa_row(factor: Factor, src: Rec, *, biogenic_allowed: bool = True) -> FactorRow:
    value, unit = per_unit(src["value"], src["value_unit"], src["gas"])
    biogenic = biogenic_allowed and src["gas"] == "CO2" and src["biogenic_co2"] == "yes"
    return factor.row(
        src,
        src["gas"],
        value,
        unit,
        src["cell"],
        gwp_basis=src["gwp_basis"] or None,
        biogenic=biogenic,
    )


def epa_table1(ed: Edition, rows: list[Rec]) -> Iterator[FactorRow]:
    def key(r: Rec) -> tuple[str, str, str]:
        return r["activity_group"], r["activity"], r["unit"]

    for group in grouped((r for r in rows if r["hub_table"] == "1"), key):
        head = group[0]
        name = head["activity"]
        if head["activity_group"] == KRAFT_GROUP:
            name = f"Kraft Pulping Liquor {name}"
        fuel = FUELS.get(head["activity"]) or slug(name)
        peat = head["activity"] == "Peat"
        _, unit = per_unit(head["value"], head["value_unit"], head["gas"])
        heat = head["heat_content_hhv"]
        notes = [head["notes"]]
        if peat:
            notes = [PEAT_NOTE]  # replaces EPA's "decide explicitly" note with the decision
        elif any(r["biogenic_co2"] == "yes" for r in group):
            notes.append(BIOGENIC_NOTE)
        factor = Factor(
            ed.set_id,
            f"{ed.set_id}:t1.{slug(name, '-')}.{slug(unit, '-')}",
            f"stationary_combustion.{fuel}",
            "US",
            *ed.span,
            head["scope_use"],
            join(f"{head['activity_group']}: {head['activity']}; HHV basis.", *notes),
            float(heat) if heat else None,
            heat_unit(head["heat_content_unit"]) if heat else None,
            "HHV",
        )
        yield from (epa_row(factor, r, biogenic_allowed=not peat) for r in group)


def heat_unit(text: str) -> str:
    """'mmBtu per gallon' → 'mmBtu/gallon'."""
    energy, _, amount = text.partition(" per ")
    return f"{unit_name(energy)}/{unit_name(amount)}"


def epa_table2(ed: Edition, rows: list[Rec]) -> Iterator[FactorRow]:
    for r in (r for r in rows if r["hub_table"] == "2"):
        _, unit = per_unit(r["value"], r["value_unit"], r["gas"])
        factor = epa_factor(
            ed,
            f"t2.{slug(r['activity'], '-')}.{slug(unit, '-')}",
            f"mobile_combustion.{known(MOBILE_FUELS, r['activity'], r)}",
            "US",
            r["scope_use"],
            join(
                r["notes"],
                "CO2 only: add CH4 and N2O from the vehicle-type factors"
                " (mobile_combustion.<fuel>.<vehicle>).",
                BIOGENIC_NOTE if r["biogenic_co2"] == "yes" else "",
            ),
        )
        yield epa_row(factor, r)


def latest_model_year(group: list[Rec]) -> list[Rec]:
    """The rows of the most recent model-year range (rows without model years are one range)."""

    def year(r: Rec) -> int:
        return int(r["model_year_to"] or r["model_year_from"] or 0)

    newest = max(year(r) for r in group)
    return [r for r in group if year(r) == newest]


def epa_onroad(ed: Edition, rows: list[Rec]) -> Iterator[FactorRow]:
    def key(r: Rec) -> tuple[str, str, str]:
        return r["hub_table"], r["activity"], r["activity_detail"]

    for group in grouped((r for r in rows if r["hub_table"] in ("3", "4")), key):
        latest = latest_model_year(group)
        head = latest[0]
        years = ""
        span = ""
        if head["model_year_to"]:
            first, last = head["model_year_from"], head["model_year_to"]
            years = f".my{last}" if first == last else f".my{first}-{last}"
            span = f"EPA model years {first}-{last} (the most recent row in the table);"
        fuel = known(ONROAD_FUELS, head["activity_detail"], head)
        vehicle = known(ONROAD_VEHICLES, head["activity"], head)
        factor = epa_factor(
            ed,
            f"t{head['hub_table']}.{slug(head['activity'], '-')}"
            f".{slug(head['activity_detail'], '-')}{years}.vehicle-mile",
            f"mobile_combustion.{fuel}.{vehicle}",
            "US",
            head["scope_use"],
            join(
                f"{head['activity']} ({head['activity_detail']}).",
                span,
                "CH4 and N2O only: the fleet's CO2 comes from its fuel record"
                f" (mobile_combustion.{fuel}).",
                head["notes"],
            ),
        )
        yield from (epa_row(factor, r) for r in latest)


def epa_nonroad(ed: Edition, rows: list[Rec]) -> Iterator[FactorRow]:
    co2 = {r["activity"]: r for r in rows if r["hub_table"] == "2"}
    for group in grouped(
        (r for r in rows if r["hub_table"] == "5"), lambda r: (r["activity"], r["activity_detail"])
    ):
        head = group[0]
        fuel, suffix, table2 = known(NONROAD_FUELS, head["activity_detail"], head)
        vehicle = "_".join(p for p in (slug(head["activity"]), suffix) if p)
        factor = epa_factor(
            ed,
            f"t5.{slug(head['activity'], '-')}.{slug(head['activity_detail'], '-')}.gallon",
            f"mobile_combustion.{fuel}.{vehicle}",
            "US",
            head["scope_use"],
            join(
                f"{head['activity']}, {head['activity_detail']}: CO2 from EPA Table 2"
                f" ({table2}), CH4 and N2O from Table 5.",
                head["notes"],
            ),
        )
        yield epa_row(factor, known(co2, table2, head))
        yield from (epa_row(factor, r) for r in group)


def epa_electricity(ed: Edition, rows: list[Rec]) -> Iterator[FactorRow]:
    kinds = {
        "total_output": ("electricity.grid", ""),
        "non_baseload": ("electricity.non_baseload", "Kept out of electricity.grid."),
    }
    for group in grouped(
        (r for r in rows if r["hub_table"] == "6"), lambda r: (r["activity"], r["factor_basis"])
    ):
        head = group[0]
        acronym = head["activity"]
        region = "US" if acronym == "US Average" else f"US-{acronym}"
        activity, text = kinds[head["factor_basis"]]
        factor = epa_factor(
            ed,
            f"t6.{ed.egrid.lower()}.{slug(acronym, '-')}.{slug(head['factor_basis'], '-')}",
            activity,
            region,
            head["scope_use"],
            join(
                f"{ed.egrid} {acronym} ({head['activity_detail'].split(' | ')[0]}).",
                head["notes"],
                text,
            ),
        )
        yield from (epa_row(factor, r) for r in group)


def epa_steam(ed: Edition, rows: list[Rec]) -> Iterator[FactorRow]:
    group = [r for r in rows if r["hub_table"] == "7"]
    head = group[0]
    factor = epa_factor(
        ed, "t7.steam-and-heat.mmbtu", "steam.purchased", "US", head["scope_use"], head["notes"]
    )
    yield from (epa_row(factor, r) for r in group)


def epa_freight(ed: Edition, rows: list[Rec]) -> Iterator[FactorRow]:
    for group in grouped(
        (r for r in rows if r["hub_table"] == "8"), lambda r: (r["activity"], r["unit"])
    ):
        head = group[0]
        mode = known(FREIGHT, (head["activity"], head["unit"]), head)
        factor = epa_factor(
            ed,
            f"t8.{slug(mode, '-')}.{slug(head['unit'], '-')}",
            f"freight.{mode}",
            "US",
            head["scope_use"],
            join(f"{head['activity']}.", head["notes"]),
        )
        yield from (epa_row(factor, r) for r in group)


def epa_travel(ed: Edition, rows: list[Rec]) -> Iterator[FactorRow]:
    for group in grouped((r for r in rows if r["hub_table"] == "10"), lambda r: r["activity"]):
        head = group[0]
        mode = known(TRAVEL, head["activity"], head)
        for family in ("business_travel", "commuting"):
            factor = epa_factor(
                ed,
                f"t10.{slug(family, '-')}.{slug(mode, '-')}.{slug(head['unit'], '-')}",
                f"{family}.{mode}",
                "US",
                head["scope_use"],
                join(f"{head['activity']}.", head["notes"]),
            )
            yield from (epa_row(factor, r) for r in group)


def epa_waste(ed: Edition, rows: list[Rec]) -> Iterator[FactorRow]:
    for r in (r for r in rows if r["hub_table"] == "9"):
        material, treatment = slug(r["activity"]), known(TREATMENTS, r["activity_detail"], r)
        factor = epa_factor(
            ed,
            f"t9.{slug(material, '-')}.{slug(treatment, '-')}.short-ton",
            f"waste.{material}.{treatment}",
            "US",
            r["scope_use"],
            join(f"{r['activity']}, {r['activity_detail']}.", r["notes"]),
        )
        yield epa_row(factor, r)


BUILDERS: tuple[Callable[[Edition, list[Rec]], Iterator[FactorRow]], ...] = (
    epa_table1,
    epa_table2,
    epa_onroad,
    epa_nonroad,
    epa_electricity,
    epa_steam,
    epa_freight,
    epa_waste,
    epa_travel,
)


def build_edition(ed: Edition, rows: list[Rec]) -> Iterator[FactorRow]:
    for builder in BUILDERS:
        yield from builder(ed, rows)


def build(reference: Path) -> Iterator[FactorRow]:
    for ed in EDITIONS:
        rows = read_hub(reference / ed.input, ed)
        for check in ed.egrid_checks:
            egrid.cross_check(reference, check, rows, ed.egrid)
        yield from build_edition(ed, rows)
