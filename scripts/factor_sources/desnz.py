"""UK government greenhouse-gas conversion factors 2019-2025, from the publisher's flat files.

Where it sits: a source module of `scripts/build_factors.py`. It reads the 'Factors by Category'
sheet of each edition's flat file in the reference folder (`sources/desnz/`; BEIS published the
2019-2022 editions, DESNZ 2023-2025) and maps DESNZ's own hierarchy (Level 1-4, Column Text,
UOM) to zerotrail activity keys. docs/factors.md explains the choices.

- One factor set per edition, `desnz-<year>`, valid for its reporting year.
- DESNZ gives a CO2e total and its parts ("kg CO2e of CO2 / CH4 / N2O per unit"). A factor
  ships as kg CO2 plus one CO2e row for the rest (the total minus its CO2 part: CH4 and N2O on
  the edition's GWP basis), so summing a factor's gases never counts the CO2 twice. A factor
  with a total only (well-to-tank, waste, hotels, water) ships the total.
- Per-energy fuel factors come on gross and on net calorific value: two factors on the same key
  and unit, heat_basis HHV (gross) and NCV (net).
- The 2024 flat file is a third party's modified copy: every value shipped from it must also
  occur in DESNZ's pristine 2024 full set, or the build stops.
- Refrigerant GWPs are not shipped: `fugitive.<gas>` factors take their CO2e from the
  inventory's GWP set, and a GB factor on that key would override it. The build compares
  DESNZ's single-gas GWPs with data/gwp.csv instead (`refrigerant_differences`).
"""

from __future__ import annotations

import io
import re
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from factor_sources.common import BuildError, Factor, Rec, SetSpec, join, read_csv, slug
from zerotrail.reference.factors import FactorRow

FOLDER = "sources/desnz"
SHEET = "Factors by Category"
FULL_SET_2024 = "ghg-conversion-factors-2024-full_set__for_advanced_users__v1_1.xlsx"
LICENCE = "Open Government Licence v3.0"
DEPARTMENTS = {
    "BEIS": "UK Department for Business, Energy and Industrial Strategy (BEIS)",
    "DESNZ": "UK Department for Energy Security and Net Zero (DESNZ)",
}


@dataclass(frozen=True)
class Edition:
    """One year's flat file, with what its front page says (the build checks it does)."""

    year: int
    file: str
    version: str
    updated: date
    # The GWP set of the edition's CO2e values: its refrigerant table lists the GWPs it used
    # (methane 25 and HFC-134a 1,430 = AR4 up to 2022; 28 and 1,300 = AR5 from 2023).
    gwp: str
    department: str

    @property
    def factor_set(self) -> str:
        return f"desnz-{self.year}"

    @property
    def path(self) -> str:
        return f"{FOLDER}/{self.file}"


EDITIONS: tuple[Edition, ...] = (
    Edition(
        2019,
        "conversion-factors-2019-flat-file-v01-02.xls",
        "1.03",
        date(2020, 7, 1),
        "AR4",
        "BEIS",
    ),
    Edition(
        2020,
        "Conversion_Factors_2020_-_Flat_file__for_automatic_processing_only_.xlsx",
        "1",
        date(2020, 5, 28),
        "AR4",
        "BEIS",
    ),
    Edition(
        2021,
        "conversion-factors-2021-flat-file-automatic-processing.xls",
        "3",
        date(2021, 10, 22),
        "AR4",
        "BEIS",
    ),
    Edition(
        2022, "ghg-conversion-factors-2022-flat-format.xls", "3", date(2022, 9, 8), "AR4", "BEIS"
    ),
    Edition(
        2023,
        "ghg-conversion-factors-2023-flat-file-update.xlsx",
        "1.1",
        date(2023, 6, 20),
        "AR5",
        "DESNZ",
    ),
    Edition(
        2024,
        "ghg-conversion-factors-2024-FlatFormat_v1_1.xlsx",
        "1.1",
        date(2024, 10, 18),
        "AR5",
        "DESNZ",
    ),
    Edition(
        2025, "ghg-conversion-factors-2025-flat-format.xlsx", "1", date(2025, 6, 10), "AR5", "DESNZ"
    ),
)
# The edition read from a third party's modified copy, checked against the pristine full set.
CHECKED_EDITION = 2024
COVERS = (
    "fuels (gaseous, liquid, solid; per kWh on gross and on net CV, per litre, tonne, m3), UK"
    " electricity generated, T&D losses, well-to-tank (fuels, UK electricity generation and"
    " T&D), business travel (air by haul and class with and without radiative forcing, cars by"
    " size and fuel, motorbikes, taxis, bus, rail, ferry; land modes also as commuting), freight"
    " (vans, HGVs by type and load, rail, sea, air), hotel stays by country, waste disposal,"
    " water supply and treatment"
)


def _description(ed: Edition) -> str:
    read = (
        f"Read from {ed.department}'s own flat file ('{SHEET}' sheet; version {ed.version},"
        f" updated {ed.updated.isoformat()})."
    )
    if ed.year == CHECKED_EDITION:
        read = (
            f"Read from a third party's modified copy of the flat file (version {ed.version},"
            f" updated {ed.updated.isoformat()}; sheets added), its '{SHEET}' sheet only:"
            " the build checks that every value shipped from it occurs in DESNZ's pristine"
            f" 2024 full set ({FULL_SET_2024}) and stops otherwise."
        )
    return (
        f"{COVERS}. {read} CO2e on IPCC {ed.gwp} GWP100; refrigerants are not shipped"
        " (fugitive.* takes the inventory's GWP set)."
    )


SETS: tuple[SetSpec, ...] = tuple(
    SetSpec(
        ed.factor_set,
        f"UK government GHG conversion factors for company reporting {ed.year}",
        DEPARTMENTS[ed.department],
        (ed.path, f"{FOLDER}/{FULL_SET_2024}") if ed.year == CHECKED_EDITION else (ed.path,),
        _description(ed),
        reporting_year=ed.year,
        published=ed.updated.isoformat(),
        data_year="not stated in the flat file (see DESNZ's methodology paper)",
    )
    for ed in EDITIONS
)


# ----------------------------------------------------------------------------------------------
# Reading the workbooks


Path5 = tuple[str, str, str, str, str]  # Level 1, Level 2, Level 3, Level 4, Column Text


@dataclass(frozen=True)
class Line:
    """One row of 'Factors by Category': DESNZ's names ('' when blank), unit, gas and value."""

    path: Path5
    uom: str
    gas: str | None  # CO2e, CO2, CH4 or N2O; None for other rows (e.g. SECR kWh)
    value: float | None
    ref: str  # "file 'Factors by Category' ID 1_100_1000_15_1", or the value's cell


@dataclass(frozen=True)
class Workbook:
    """The two sheets a flat file has, as rows of cell values, and how it stores dates."""

    front: list[list[object]]
    table: list[list[object]]
    to_date: Callable[[object], date | None]


@contextmanager
def _lenient_shared_strings() -> Iterator[None]:
    """xlrd 2.0.2 asserts that an .xls shared-string table holds as many strings as it declares;
    the BEIS 2021 and 2022 flat files declare more than they hold (SOURCES-FOUND.md, "Notes for
    the factor generator"). While active, that one assertion is answered by parsing the table
    again with the count of strings it does hold, which the failing frame knows. Nothing else
    in xlrd changes, and the original is restored on exit."""
    import xlrd.book

    original = xlrd.book.unpack_SST_table

    def unpack(datatab: list[bytes], nstrings: int) -> Any:
        try:
            return original(datatab, nstrings)
        except AssertionError as exc:
            held = _strings_held(exc)
            if held is None or held >= nstrings:
                raise
            return original(datatab, held)

    xlrd.book.unpack_SST_table = unpack
    try:
        yield
    finally:
        xlrd.book.unpack_SST_table = original


def _strings_held(exc: AssertionError) -> int | None:
    """How many strings the table held when xlrd's count assertion failed (its loop index + 1,
    read from the frame that raised), or None if the assertion came from anywhere else."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None or tb.tb_frame.f_code.co_name != "unpack_SST_table":
        return None
    index = tb.tb_frame.f_locals.get("_unused_i")
    return index + 1 if isinstance(index, int) else None


def _read_xls(path: Path) -> Workbook:
    import xlrd

    # xlrd reports formula-name oddities of these files on its log; they do not touch values.
    with _lenient_shared_strings():
        book = xlrd.open_workbook(str(path), on_demand=True, logfile=io.StringIO())
    try:
        sheets = [book.sheet_by_name(name) for name in ("Front page", SHEET)]
        front, table = ([s.row_values(r) for r in range(s.nrows)] for s in sheets)
        mode = book.datemode
    finally:
        book.release_resources()

    def to_date(value: object) -> date | None:
        if isinstance(value, float):
            moment: datetime = xlrd.xldate_as_datetime(value, mode)
            return moment.date()
        return None

    return Workbook(front, table, to_date)


def _read_xlsx(path: Path) -> Workbook:
    from openpyxl import load_workbook

    with warnings.catch_warnings():
        # openpyxl warns about workbook parts it does not keep; cell values are unaffected.
        warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")
        book = load_workbook(path, read_only=True, data_only=True)
        try:
            front, table = (
                [list(r) for r in book[name].iter_rows(values_only=True)]
                for name in ("Front page", SHEET)
            )
        finally:
            book.close()

    def to_date(value: object) -> date | None:
        return value.date() if isinstance(value, datetime) else None

    return Workbook(front, table, to_date)


def read_workbook(path: Path) -> Workbook:
    if not path.is_file():
        raise BuildError(f"missing DESNZ flat file {path}")
    return _read_xls(path) if path.suffix == ".xls" else _read_xlsx(path)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def check_front_page(ed: Edition, book: Workbook) -> None:
    """The front page must name the edition this module maps (year, version, update date)."""
    found: dict[str, object] = {}
    for row in book.front:
        cells = [c for c in row if _text(c)]
        if len(cells) >= 2:
            found.setdefault(_text(cells[0]).rstrip(":"), cells[1])
    year, version, updated = found.get("Year"), found.get("Version"), found.get("Updated")
    seen = (
        _text(year),
        f"{_number(version):g}" if _number(version) is not None else _text(version),
        book.to_date(updated),
    )
    if seen != (str(ed.year), ed.version, ed.updated):
        raise BuildError(
            f"{ed.file}: front page says year {seen[0]}, version {seen[1]}, updated {seen[2]};"
            f" this module maps {ed.year} version {ed.version} of {ed.updated}"
        )


_GAS = re.compile(r"^kg (CO2e|CO2|CH4|N2O)(?: of (CO2|CH4|N2O))?(?: per unit)?$")


def _gas(text: str) -> str | None:
    match = _GAS.match(text)
    return None if match is None else match[2] or match[1]


def _column(index: int) -> str:
    """0-based column index → spreadsheet letters (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def read_lines(ed: Edition, book: Workbook) -> list[Line]:
    """Every row of the factor table, with the value's reference (the row's ID column where the
    edition has one, 2023 on; else the cell)."""
    at = next((i for i, r in enumerate(book.table) if "Level 1" in map(_text, r)), None)
    if at is None:
        raise BuildError(f"{ed.file}: no header row with 'Level 1' in '{SHEET}'")
    names = [_text(c) for c in book.table[at]]
    col = {name: i for i, name in enumerate(names) if name}
    value_col = next((i for n, i in col.items() if n.startswith("GHG Conversion Factor")), None)
    gas_col = col.get("GHG", col.get("GHG/Unit"))
    if (
        value_col is None
        or gas_col is None
        or names[value_col] != f"GHG Conversion Factor {ed.year}"
    ):
        raise BuildError(f"{ed.file}: unexpected header {names}")
    levels = [col[n] for n in ("Level 1", "Level 2", "Level 3", "Level 4", "Column Text")]
    id_col = col.get("ID")
    lines = []
    for number, row in enumerate(book.table[at + 1 :], start=at + 2):
        cells = list(row) + [None] * (len(names) - len(row))
        first, second, third, fourth, text = (_text(cells[i]) for i in levels)
        if not first:
            continue
        where = (
            f"ID {_text(cells[id_col])}" if id_col is not None else f"!{_column(value_col)}{number}"
        )
        lines.append(
            Line(
                (first, second, third, fourth, text),
                _text(cells[col["UOM"]]),
                _gas(_text(cells[gas_col])),
                _number(cells[value_col]),
                f"{ed.file} '{SHEET}'{'' if where.startswith('!') else ' '}{where}",
            )
        )
    return lines


# ----------------------------------------------------------------------------------------------
# Mapping DESNZ's names to activity keys

GB, GLOBAL = "GB", "GLOBAL"
# DESNZ units → (zerotrail unit, heating-value basis). Miles, GJ, kg and million litres rows
# repeat km, kWh and m3 rows in another unit: the engine converts, so they are not shipped.
UNITS: dict[str, tuple[str, str | None]] = {
    "kwh (gross cv)": ("kWh", "HHV"),
    "kwh (net cv)": ("kWh", "NCV"),
    "kwh": ("kWh", None),
    "litres": ("litre", None),
    "tonnes": ("t", None),
    "cubic metres": ("m3", None),
    "km": ("vehicle-km", None),  # every km factor shipped is per vehicle (car, van, HGV, taxi)
    "passenger.km": ("passenger-km", None),
    "tonne.km": ("tonne-km", None),
    "room per night": ("room-night", None),
}

# The shared fuel vocabulary (docs/activity-keys.md) where DESNZ's fuel is the same fuel: the
# UK forecourt blends are `diesel` and `motor_gasoline` (what a UK user buys), the 100% mineral
# fuels and the grid-average natural gas's fossil-only variant get their own keys.
FUELS: dict[str, str] = {
    "butane": "butane",
    "cng": "cng",
    "lng": "lng",
    "lpg": "lpg",
    "natural_gas": "natural_gas",
    "natural_gas_100_mineral_blend": "natural_gas_100_mineral",
    "other_petroleum_gas": "other_petroleum_gas",
    "propane": "propane",
    "aviation_spirit": "aviation_gasoline",
    "aviation_turbine_fuel": "jet_kerosene",
    "burning_oil": "kerosene",
    "diesel_average_biofuel_blend": "diesel",
    "diesel_100_mineral_diesel": "diesel_100_mineral",
    "fuel_oil": "residual_fuel_oil",
    "gas_oil": "gas_oil",
    "lubricants": "lubricants",
    "naphtha": "naphtha",
    "petrol_average_biofuel_blend": "motor_gasoline",
    "petrol_100_mineral_petrol": "motor_gasoline_100_mineral",
    "processed_fuel_oils_residual_oil": "processed_fuel_oil_residual",
    "processed_fuel_oils_distillate_oil": "processed_fuel_oil_distillate",
    "refinery_miscellaneous": "refinery_miscellaneous",
    "waste_oils": "used_oil",
    "marine_gas_oil": "marine_gas_oil",
    "marine_fuel_oil": "marine_fuel_oil",
    "coal_industrial": "coal_mixed_industrial",
    "coal_electricity_generation": "coal_mixed_electric_power",
    "coal_domestic": "coal_domestic",
    "coking_coal": "coal_mixed_industrial_coking",
    "petroleum_coke": "petroleum_coke",
    "coal_electricity_generation_home_produced_coal_only": "coal_electric_power_home_produced",
}
# Air: haul → (key segment, region). Flights to or from the UK are UK factors; DESNZ's
# "international, to/from non-UK" factor describes flights anywhere, so it is GLOBAL.
HAULS: dict[str, tuple[str, str]] = {
    "domestic_to_from_uk": ("domestic", GB),
    "short_haul_to_from_uk": ("short_haul", GB),
    "long_haul_to_from_uk": ("long_haul", GB),
    "international_to_from_non_uk": ("international", GLOBAL),
}
CLASSES = {
    "average_passenger": "",
    "economy_class": "economy",
    "premium_economy_class": "premium_economy",
    "business_class": "business",
    "first_class": "first",
}
RF = {"with_rf": "with_rf", "without_rf": ""}
SIZES = {"small_car": "small", "medium_car": "medium", "large_car": "large", "average_car": ""}
VEHICLE_FUELS = {
    "diesel": "diesel",
    "petrol": "motor_gasoline",
    "hybrid": "hybrid",
    "cng": "cng",
    "lpg": "lpg",
    "unknown": "",
    "plug_in_hybrid_electric_vehicle": "plug_in_hybrid",
    "battery_electric_vehicle": "battery_electric",
}
MOTORBIKES = {"small": "small", "medium": "medium", "large": "large", "average": ""}
TAXIS = {"regular_taxi": "taxi", "black_cab": "taxi.black_cab"}
BUSES = {
    "average_local_bus": "bus",
    "local_bus_not_london": "bus.local_not_london",
    "local_london_bus": "bus.london",
    "coach": "coach",
}
RAIL = {
    "national_rail": "rail",
    "international_rail": "rail_international",
    "light_rail_and_tram": "rail_transit",
    "london_underground": "rail_transit.london_underground",
}
FERRY = {
    "average_all_passenger": "ferry",
    "foot_passenger": "ferry.foot_passenger",
    "car_passenger": "ferry.car_passenger",
}
VANS = {
    "average_up_to_3_5_tonnes": "",
    "class_i_up_to_1_305_tonnes": "class_i",
    "class_ii_1_305_to_1_74_tonnes": "class_ii",
    "class_iii_1_74_to_3_5_tonnes": "class_iii",
}
HGV_KINDS = {
    "hgv_all_diesel": "truck",
    "hgv_refrigerated_all_diesel": "truck_refrigerated",
}
HGV_TYPES = {
    "all_hgvs": "",
    "all_rigids": "rigid",
    "rigid_3_5_7_5_tonnes": "rigid_3_5_7_5t",
    "rigid_7_5_tonnes_17_tonnes": "rigid_7_5_17t",
    "rigid_17_tonnes": "rigid_over_17t",
    "all_artics": "articulated",
    "articulated_3_5_33t": "articulated_3_5_33t",
    "articulated_33t": "articulated_over_33t",
}
LADEN = {
    "average_laden": "",
    "0_laden": "laden_0",
    "50_laden": "laden_50",
    "100_laden": "laden_100",
}
TREATMENTS = {
    "landfill": "landfilled",
    "combustion": "combusted",
    "incineration_with_energy_recovery": "combusted",  # DESNZ's 2025 name for combustion
    "composting": "composted",
    "anaerobic_digestion": "anaerobic_digestion",
    "open_loop": "recycled_open_loop",
    "closed_loop": "recycled_closed_loop",
    "re_use": "reused",
}
# Hotel stays: DESNZ's country names → ISO 3166-1 alpha-2 (London: ISO 3166-2 GB-LND, under GB).
COUNTRIES: dict[str, str | None] = {
    "UK": "GB",
    "UK (London)": "GB-LND",
    "Argentina": "AR",
    "Australia": "AU",
    "Austria": "AT",
    "Belgium": "BE",
    "Brazil": "BR",
    "Canada": "CA",
    "Caribbean Region": None,  # a region of many countries (2019, 2020): no single code
    "Chile": "CL",
    "China": "CN",
    "China (Hong Kong)": "HK",
    "Hong Kong, China": "HK",
    "Macau, China": "MO",
    "Colombia": "CO",
    "Costa Rica": "CR",
    "Czech Republic": "CZ",
    "Egypt": "EG",
    "Fiji": "FJ",
    "Finland": "FI",
    "France": "FR",
    "French Polynesia": "PF",
    "Germany": "DE",
    "Greece": "GR",
    "India": "IN",
    "Indonesia": "ID",
    "Ireland": "IE",
    "Israel": "IL",
    "Italy": "IT",
    "Japan": "JP",
    "Jordan": "JO",
    "Kazakhstan": "KZ",
    "Korea": "KR",
    "South Korea": "KR",
    "Malaysia": "MY",
    "Maldives": "MV",
    "Mexico": "MX",
    "Netherlands": "NL",
    "New Zealand": "NZ",
    "Oman": "OM",
    "Panama": "PA",
    "Peru": "PE",
    "Philippines": "PH",
    "Poland": "PL",
    "Portugal": "PT",
    "Qatar": "QA",
    "Romania": "RO",
    "Russian Federation": "RU",
    "Saudi Arabia": "SA",
    "Singapore": "SG",
    "Slovak Republic": "SK",
    "South Africa": "ZA",
    "Spain": "ES",
    "Switzerland": "CH",
    "Taiwan": "TW",
    "Taiwan, China": "TW",
    "Thailand": "TH",
    "Turkey": "TR",
    "United Arab Emirates": "AE",
    "United States": "US",
    "Vietnam": "VN",
}

SCOPE_1 = "Scope 1"
SCOPE_2 = "Scope 2 (location-based)"
CAT = {n: f"Scope 3 category {n}" for n in (1, 3, 5, 6, 7)}
FREIGHT_SCOPE = "Scope 3 categories 4 and 9"


@dataclass(frozen=True)
class Target:
    """Where one DESNZ factor goes: activity key, region, scope text; `tag` tells apart the
    factor ids of copies (the commuting copy of a travel factor)."""

    activity: str
    region: str
    scope_use: str
    tag: str = ""


T = TypeVar("T")


class Unmapped(Exception):
    """A DESNZ name inside a section this module maps has no mapping (a new or renamed row)."""


def _pick(table: dict[str, T], name: str) -> T:
    try:
        return table[name]
    except KeyError:
        raise Unmapped(name) from None


def _key(*parts: str) -> str:
    return ".".join(p for p in parts if p)


def _size_slug(text: str) -> str:
    """Ship sizes: '120,000–199,999 dwt' → '120000_199999_dwt'; 'Average', 'All dwt' → ''."""
    name = slug(text.replace(",", "").replace("+", " plus "))
    return "" if name in ("average", "all_dwt") else name


def _waste_material(text: str) -> str:
    return slug(re.sub(r"\((?:incl|excl)\. forming\)", "", text))


def targets(path: Path5) -> list[Target]:
    """The activity keys a DESNZ row maps to; [] for sections not shipped. Raises Unmapped for
    an unknown name inside a shipped section."""
    top, second, third, fourth, text = (slug(p) for p in path)
    if top == "fuels":
        return [Target(f"stationary_combustion.{_pick(FUELS, third)}", GB, SCOPE_1)]
    if top == "wtt_fuels":
        return [Target(f"fuel_energy.wtt.{_pick(FUELS, third)}", GB, CAT[3])]
    if top == "uk_electricity" and second == "electricity_generated":
        return [Target("electricity.grid", GB, SCOPE_2)]
    if top == "transmission_and_distribution" and second == "t_d_uk_electricity":
        return [Target("fuel_energy.td_losses", GB, CAT[3])]
    if top.startswith("wtt_uk") and second == "wtt_uk_electricity_generation":
        return [Target("fuel_energy.wtt.electricity", GB, CAT[3])]
    if top.startswith("wtt_uk") and second == "wtt_uk_electricity_t_d":
        return [Target("fuel_energy.wtt.td_losses", GB, CAT[3])]
    if top == "water_supply":
        return [Target("purchased_goods.water_supply", GB, CAT[1])]
    if top == "water_treatment":
        return [Target("waste.water.treatment", GB, CAT[5])]
    if top == "business_travel_air":
        haul, region = _pick(HAULS, third)
        mode = f"air_{haul}"
        return [
            Target(
                _key("business_travel", mode, _pick(CLASSES, fourth), _pick(RF, text)),
                region,
                CAT[6],
            )
        ]
    if top == "business_travel_sea":
        return [Target(f"business_travel.{_pick(FERRY, third)}", GB, CAT[6])]
    if top == "business_travel_land":
        land = _land_mode(second, third, text)
        if land is None:
            return []
        return [
            Target(f"business_travel.{land}", GB, CAT[6]),
            Target(f"commuting.{land}", GB, CAT[7], "commuting"),
        ]
    if top == "freighting_goods":
        return _freight(second, third, path[3], text)  # ship sizes: DESNZ's own text
    if top == "hotel_stay":
        if path[2] not in COUNTRIES:
            raise Unmapped(path[2])
        country = COUNTRIES[path[2]]
        return [] if country is None else [Target("business_travel.hotel", country, CAT[6])]
    if top == "waste_disposal":
        return [Target(f"waste.{_waste_material(path[2])}.{_pick(TREATMENTS, text)}", GB, CAT[5])]
    return []


def _land_mode(second: str, third: str, text: str) -> str | None:
    if second == "cars_by_size":
        size, fuel = _pick(SIZES, third), _pick(VEHICLE_FUELS, text)
        return _key("car", size or ("average" if fuel else ""), fuel)
    if second == "motorbike":
        return _key("motorcycle", _pick(MOTORBIKES, third))
    if second == "taxis":
        return _pick(TAXIS, third)
    if second == "bus":
        return _pick(BUSES, third)
    if second == "rail":
        return _pick(RAIL, third)
    return None  # cars by market segment: not shipped (sizes cover the same cars)


def _freight(second: str, third: str, fourth: str, text: str) -> list[Target]:
    if second == "vans":
        parts = (_pick(VANS, third), _pick(VEHICLE_FUELS, text))
        return [Target(_key("freight.van", *parts), GB, FREIGHT_SCOPE)]
    if second in HGV_KINDS:
        parts = (_pick(HGV_TYPES, third), _pick(LADEN, text))
        return [Target(_key(f"freight.{HGV_KINDS[second]}", *parts), GB, FREIGHT_SCOPE)]
    if second == "freight_flights":
        haul, region = _pick(HAULS, third)
        # DESNZ's international (non-UK) air freight is the generic `freight.air`.
        return [
            Target(
                _key("freight.air", "" if region == GLOBAL else haul, _pick(RF, text)),
                region,
                FREIGHT_SCOPE,
            )
        ]
    if second == "rail" and third == "freight_train":
        return [Target("freight.rail", GB, FREIGHT_SCOPE)]
    if second in ("sea_tanker", "cargo_ship"):
        return [
            Target(_key("freight.waterborne", third, _size_slug(fourth)), GLOBAL, FREIGHT_SCOPE)
        ]
    raise Unmapped(f"{second} / {third}")


def _vehicle_key(activity: str, unit: str) -> str:
    """Per vehicle-km freight factors take the `_vehicle` mode (docs/activity-keys.md:
    `freight.<mode>` per tonne-km, `freight.<mode>_vehicle` per vehicle distance)."""
    if unit != "vehicle-km" or not activity.startswith("freight."):
        return activity
    family, mode, *rest = activity.split(".")
    return ".".join([family, f"{mode}_vehicle", *rest])


# ----------------------------------------------------------------------------------------------
# Rows


def _source(ed: Edition) -> Rec:
    return {
        "source": f"UK {ed.department} Greenhouse gas reporting: conversion factors {ed.year}",
        "edition": f"{ed.year} flat file, version {ed.version} (updated {ed.updated.isoformat()})",
        "source_url": (
            "https://www.gov.uk/government/publications/"
            f"greenhouse-gas-reporting-conversion-factors-{ed.year}"
        ),
        "licence": LICENCE,
        "verified": "yes",
    }


def _dec(value: float) -> Decimal:
    """A workbook number as the decimal Excel shows at full precision: 15 significant digits
    (the .xls files store e.g. 0.21233 as the double 0.21233000000000002; zerotrail's factor
    files keep at most 15 significant digits, exactly)."""
    exact = Decimal(repr(value))
    return round(exact, 14 - exact.adjusted()).normalize() if exact else exact


# DESNZ rounds the total and each part separately (five decimals, or significant figures for
# small values), so CO2 + CH4 + N2O may differ from the total in the last digit it shows.
_PARTS_TOLERANCE = Decimal("0.0001")


def _parts_differ(rest: Decimal, parts: list[float | None], total: float) -> bool:
    given = [_dec(p) for p in parts if p is not None]
    return len(given) == len(parts) and abs(rest - sum(given, Decimal(0))) > (
        _PARTS_TOLERANCE * max(_dec(total), Decimal(1))
    )


def _cell(ref: str) -> str:
    """The short form of a reference for 'A minus B': 'ID 1_100_1000_15_2' or '!K8'."""
    return ref[ref.index(" ID ") + 1 :] if " ID " in ref else ref[ref.index("!") :]


def factor_rows(
    factor: Factor, unit: str, src: Rec, gases: dict[str, Line], gwp: str
) -> list[FactorRow]:
    """A DESNZ factor's rows: its CO2 part as kg CO2 and the rest of the total (CH4 and N2O)
    as one CO2e row, or the CO2e total alone where DESNZ gives no CO2 part."""
    total, co2 = gases["CO2e"], gases.get("CO2")
    if total.value is None:
        raise BuildError(f"{factor.factor_id}: no total ({total.ref})")
    if co2 is None or co2.value is None:
        value = float(_dec(total.value))
        return [factor.row(src, "CO2e", value, unit, total.ref, gwp_basis=gwp)]
    rest = _dec(total.value) - _dec(co2.value)
    parts = [gases[g].value for g in ("CH4", "N2O") if g in gases]
    if rest < 0 or (len(parts) == 2 and _parts_differ(rest, parts, total.value)):
        raise BuildError(
            f"{factor.factor_id}: DESNZ total {total.value!r} ({total.ref}) is not CO2"
            f" {co2.value!r} plus CH4 and N2O {parts}"
        )
    rows = [factor.row(src, "CO2", float(_dec(co2.value)), unit, co2.ref)]
    if rest:
        note = join(factor.note, f"CO2e = DESNZ total minus its CO2 part (CH4 and N2O, {gwp}).")
        ref = f"{total.ref} minus {_cell(co2.ref)}"
        rows.append(
            replace(factor, note=note).row(src, "CO2e", float(rest), unit, ref, gwp_basis=gwp)
        )
    return rows


def _note(path: Path5, uom: str) -> str:
    return f"{' > '.join(p for p in path if p)}; unit {uom}."


def edition_rows(ed: Edition, lines: Iterable[Line]) -> tuple[list[FactorRow], list[Line]]:
    """The set's rows from one edition's table, and the lines whose values they carry."""
    groups: dict[tuple[Path5, str], dict[str, Line]] = {}
    for line in lines:
        if line.gas is None or line.uom.lower() not in UNITS:
            continue
        gases = groups.setdefault((line.path, line.uom), {})
        if line.gas in gases:
            raise BuildError(f"{ed.file}: two {line.gas} rows for {line.path} {line.uom}")
        gases[line.gas] = line
    src = _source(ed)
    start, end = date(ed.year, 1, 1), date(ed.year, 12, 31)
    rows: list[FactorRow] = []
    used: list[Line] = []
    unmapped: set[str] = set()
    for (path, uom), gases in groups.items():
        try:
            goes = targets(path)
        except Unmapped as exc:
            unmapped.add(f"{' > '.join(p for p in path if p)}: {exc}")
            continue
        if not goes or "CO2e" not in gases or gases["CO2e"].value is None:
            continue  # not shipped, or a blank DESNZ cell (no factor for that combination)
        unit, basis = UNITS[uom.lower()]
        slug_id = ".".join(slug(p, "-") for p in (*path, uom) if p)
        for target in goes:
            factor = Factor(
                ed.factor_set,
                f"{ed.factor_set}:{_key(target.tag, slug_id)}",
                _vehicle_key(target.activity, unit),
                target.region,
                start,
                end,
                target.scope_use,
                _note(path, uom),
                heat_basis=basis,
            )
            rows += factor_rows(factor, unit, src, gases, ed.gwp)
        used += [
            g for g in (gases["CO2e"], gases.get("CO2")) if g is not None and g.value is not None
        ]
    if unmapped:
        raise BuildError(f"{ed.file}: DESNZ rows without a mapping: {sorted(unmapped)}")
    return rows, used


# ----------------------------------------------------------------------------------------------
# Checks against a second source


def full_set_values(path: Path) -> set[float]:
    """Every number in DESNZ's 2024 full set (all sheets), for the check of the modified copy."""
    from openpyxl import load_workbook

    if not path.is_file():
        raise BuildError(f"missing DESNZ 2024 full set {path}")
    values: set[float] = set()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")
        book = load_workbook(path, read_only=True, data_only=True)
        try:
            for sheet in book.worksheets:
                for row in sheet.iter_rows(values_only=True):
                    values.update(v for v in map(_number, row) if v is not None)
        finally:
            book.close()
    return values


def check_against(used: Iterable[Line], values: set[float], second: str) -> None:
    """Every shipped value must occur in the second source, exactly (same double)."""
    missing = [f"{line.ref} = {line.value!r}" for line in used if line.value not in values]
    if missing:
        raise BuildError(
            f"{len(missing)} value(s) of the modified 2024 flat file are not in {second}:"
            f" {'; '.join(missing[:5])}"
        )


# DESNZ's refrigerant names → gas ids of data/gwp.csv where they differ beyond case and dashes
# (DESNZ writes HFC-43-10mee with a capital I for the 1).
_GWP_ALIASES = {"HFC43I0MEE": "HFC4310MEE"}
_KYOTO_ONLY = ("", "Emissions including only Kyoto products")


def _gas_key(text: str) -> str:
    key = re.sub(r"[^A-Z0-9]", "", text.upper())
    return _GWP_ALIASES.get(key, key)


def gwp_table(reference: Path) -> dict[str, Rec]:
    """data/gwp.csv by gas id and by name (before any parenthesis), case and dashes ignored."""
    ids: dict[str, Rec] = {}
    for rec in read_csv(reference / "data/gwp.csv"):
        ids.setdefault(_gas_key(rec["gas_id"]), rec)
        ids.setdefault(_gas_key(rec["gas_name"].split(" (")[0]), rec)
    return ids


def refrigerant_differences(ed: Edition, lines: Iterable[Line], gwp: dict[str, Rec]) -> list[str]:
    """DESNZ's single-gas GWPs (its refrigerant table's kg CO2e per kg) that differ from
    data/gwp.csv's column for the edition's GWP set. Blends are not compared (their values
    depend on compositions). BuildError when no gas matched at all: a mapping error."""
    column = f"gwp100_{ed.gwp.lower()}"
    compared, out = 0, []
    for line in lines:
        top, kind, name, _, text = line.path
        if slug(top) != "refrigerant_other" or "blend" in kind.lower():
            continue
        if line.gas != "CO2e" or line.value is None or text not in _KYOTO_ONLY:
            continue
        inner = re.search(r"\(([^)]*)\)", name)
        rec = gwp.get(_gas_key(name)) or (gwp.get(_gas_key(inner[1])) if inner else None)
        if rec is None or not rec[column]:
            continue  # not a gas of gwp.csv (e.g. a CFC or HFE), or no value in that set
        compared += 1
        if float(rec[column]) != line.value:
            out.append(
                f"{ed.factor_set} {name}: DESNZ {line.value:g} kg CO2e/kg ({line.ref}),"
                f" data/gwp.csv {rec['gas_id']} {column} {rec[column]}"
            )
    if not compared:
        raise BuildError(f"{ed.file}: no refrigerant matched a gas of data/gwp.csv")
    return out


# ----------------------------------------------------------------------------------------------
# Build


def build_edition(
    reference: Path, ed: Edition, gwp: dict[str, Rec] | None = None
) -> tuple[list[FactorRow], list[str]]:
    """One edition's rows, checked, and its refrigerant GWPs that differ from data/gwp.csv."""
    book = read_workbook(reference / ed.path)
    check_front_page(ed, book)
    lines = read_lines(ed, book)
    rows, used = edition_rows(ed, lines)
    if ed.year == CHECKED_EDITION:
        full = reference / FOLDER / FULL_SET_2024
        check_against(used, full_set_values(full), FULL_SET_2024)
    table = gwp if gwp is not None else gwp_table(reference)
    return rows, refrigerant_differences(ed, lines, table)


def build(reference: Path) -> Iterator[FactorRow]:
    gwp = gwp_table(reference)
    for ed in EDITIONS:
        rows, differences = build_edition(reference, ed, gwp)
        # Reported, not fatal: a GWP DESNZ rounded or took from another table is DESNZ's data.
        for text in differences:
            print(f"desnz: refrigerant GWP differs: {text}", file=sys.stderr)
        yield from rows
