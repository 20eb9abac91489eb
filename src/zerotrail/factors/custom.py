"""Custom and supplier-specific emission factors: the user's factor CSV, parsed and checked.

Part of `factors/`, the factor library. A team adds factors the shipped sets lack (a utility's own
rate, a supplier's product footprint) as a CSV with the meaning of the shipped
`reference/data/factors.csv`; a `supplier` column makes a factor supplier-specific. This module
turns the rows of such a file into `FactorRow`s (value normalised to kg of gas per unit) and
returns every `Problem` it finds, each naming the row (header = 1) and column and saying what
was expected. It parses rows and reads no file: `ingest/factors.py` reads the CSV (the file
rules of `ingest/files.py`) and rejects a file with any problem as a whole (`read_custom_csv`
raises `DataError`); nothing is half-imported. The format is described in docs/factors.md.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from importlib.resources import files
from typing import Any

from zerotrail.errors import Problem, UnitError
from zerotrail.model.keys import key_problem
from zerotrail.model.limits import (
    FACTOR_RANGE_TEXT,
    FIRST_DATE,
    FIRST_YEAR,
    LAST_DATE,
    LAST_YEAR,
    MAX_FACTOR_VALUE,
    MAX_HEAT_CONTENT,
    MAX_ID_LENGTH,
    MAX_TEXT_LENGTH,
    MIN_FACTOR_VALUE,
    number_problem,
    text_problem,
)
from zerotrail.model.regions import region_problem
from zerotrail.reference.factors import FactorRow
from zerotrail.units import check_unit, dimension

REQUIRED_COLUMNS: tuple[str, ...] = (
    "factor_id",
    "activity",
    "region",
    "valid_from",
    "valid_to",
    "unit",
    "gas",
    "value",
    "source",
)
# `scope_use` and `source_ref` are accepted too, so the shipped factors.csv is itself a valid
# custom file: the build script checks its output with this very parser.
OPTIONAL_COLUMNS: tuple[str, ...] = (
    "factor_set",
    "supplier",
    "currency_year",
    "value_unit",
    "gwp_basis",
    "biogenic",
    "edition",
    "source_url",
    "licence",
    "verified",
    "heat_content",
    "heat_content_unit",
    "heat_basis",
    "scope_use",
    "note",
    "source_ref",
)
DEFAULT_FACTOR_SET = "custom"
# Columns of free text (up to MAX_TEXT_LENGTH characters); the others are ids and codes.
FREE_TEXT_COLUMNS = frozenset(
    {"source", "edition", "source_url", "licence", "note", "source_ref", "scope_use"}
)
BASE_GASES: tuple[str, ...] = ("CO2", "CH4", "N2O", "CO2e")
GWP_BASES: tuple[str, ...] = ("AR4", "AR5", "AR5_CCFB", "AR6", "GHGP_AR6")
HEAT_BASES: tuple[str, ...] = ("HHV", "NCV")
# Mass units `value` may be written in, as exact multipliers to kg (1 lb = 0.45359237 kg).
VALUE_UNITS: dict[str, Decimal] = {
    "kg": Decimal(1),
    "g": Decimal("0.001"),
    "t": Decimal(1000),
    "lb": Decimal("0.45359237"),
}
_TRUE = frozenset({"true", "yes"})
_FALSE = frozenset({"false", "no"})
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SET_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]*$")
# A currency unit is an ISO 4217 code the unit registry knows as money: the price indices that
# deflate spend to a factor's currency year are keyed by that code (docs/methodology.md).
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_YEAR = re.compile(r"^\d{4}$")
_UNIT_EXAMPLES = "kWh, MWh, gallon, litre, m3, scf, mmBtu, TJ, kg, short_ton, tonne-km or USD"
# Fields every gas row of one factor must share: the factor is one thing, its gases are parts.
_SHARED = (
    "factor_set",
    "supplier",
    "activity",
    "region",
    "unit",
    "currency_year",
    "valid_from",
    "valid_to",
)


def parse_custom_factors(
    records: Iterable[Mapping[Any, Any]],
    source: str,
    *,
    columns: Sequence[str] | None = None,
    gases: Collection[str] | None = None,
) -> tuple[tuple[FactorRow, ...], tuple[Problem, ...]]:
    """Parse the rows of a custom-factor CSV (e.g. from `csv.DictReader`) read from `source`.

    `columns` is the header (taken from the first row when None). `gases` are the gas ids a
    factor may name besides CO2, CH4, N2O and CO2e; by default the species of the packaged
    gwp.csv and the blends of refrigerant_blends.csv. Returns the rows that parsed and every
    problem found; callers must reject the whole file when there is any problem.
    """
    rows = list(records)
    header = list(columns) if columns is not None else _header_of(rows)
    problems = _header_problems(header, source)
    if not rows:
        problems.append(Problem(source, None, None, "no factor rows (expected at least one)"))
    if problems and not set(REQUIRED_COLUMNS) <= set(header):
        # Without the required columns every row would repeat the same complaint.
        return (), tuple(problems)
    known = frozenset(gases) if gases is not None else _package_gases()
    parsed: list[tuple[int, FactorRow]] = []
    for index, record in enumerate(rows):
        reader = _RowReader(source, index + 2, record)
        row = reader.factor_row(known)
        problems.extend(reader.problems)
        if row is not None:
            parsed.append((reader.row, row))
    problems.extend(_group_problems(parsed, source))
    return tuple(row for _, row in parsed), tuple(problems)


def _header_of(rows: Sequence[Mapping[Any, Any]]) -> list[str]:
    return [str(name) for name in rows[0] if name is not None] if rows else []


def _header_problems(header: Sequence[str], source: str) -> list[Problem]:
    problems = [
        Problem(source, 1, name, f"required column '{name}' is missing")
        for name in REQUIRED_COLUMNS
        if name not in header
    ]
    allowed = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
    expected = ", ".join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)
    for name in header:
        if name not in allowed:
            problems.append(
                Problem(source, 1, name, f"unknown column '{name}' (expected one of: {expected})")
            )
    seen: set[str] = set()
    for name in header:
        if name in seen:
            problems.append(
                Problem(source, 1, name, f"column '{name}' appears twice (expected once)")
            )
        seen.add(name)
    return problems


@dataclass
class _RowReader:
    """Reads one record cell by cell, collecting a Problem for each bad cell."""

    source: str
    row: int
    record: Mapping[Any, Any]
    problems: list[Problem] = field(default_factory=list)

    def bad(self, column: str | None, message: str) -> None:
        self.problems.append(Problem(self.source, self.row, column, message))

    def cell(self, column: str) -> str:
        value = self.record.get(column)
        return value.strip() if isinstance(value, str) else ""

    def required(self, column: str) -> str:
        text = self.cell(column)
        if not text:
            self.bad(column, f"'{column}' is empty; a value is required")
        return text

    def texts_ok(self) -> bool:
        """Every cell free of control characters and within its length (model/limits.py);
        a row that fails is reported for that alone, so no message quotes such a cell."""
        before = len(self.problems)
        for column, value in self.record.items():
            if column is None or not isinstance(value, str):
                continue
            limit = MAX_TEXT_LENGTH if column in FREE_TEXT_COLUMNS else MAX_ID_LENGTH
            if why := text_problem(value.strip(), limit):
                self.bad(str(column), why)
        return len(self.problems) == before

    def factor_row(self, gases: frozenset[str]) -> FactorRow | None:
        if not self.texts_ok():
            return None
        extra = self.record.get(None)
        if extra and any(str(cell).strip() for cell in extra):
            self.bad(
                None,
                f"the row has {len(extra)} more cell(s) than the header (expected one per column)",
            )
        factor_id = self.required("factor_id")
        factor_set = self.cell("factor_set") or DEFAULT_FACTOR_SET
        if not _SET_ID.match(factor_set):
            self.bad(
                "factor_set",
                f"'{factor_set}' is not a set id (expected letters, digits, '.', '_', '-')",
            )
        activity = self.required("activity")
        if activity and (why := key_problem(activity)):
            if "expected" not in why:
                why += " (expected a key such as 'stationary_combustion.diesel'; see activity-keys)"
            self.bad("activity", why)
        region = self.required("region")
        if region and (why := region_problem(region)):
            self.bad("region", why)
        valid_from = self.date("valid_from", required=True)
        valid_to = self.date("valid_to", required=False)
        if valid_from and valid_to and valid_to < valid_from:
            self.bad(
                "valid_to",
                f"valid_to {valid_to} is before valid_from {valid_from} (expected from <= to)",
            )
        unit = self.unit()
        currency_year = self.currency_year(unit)
        gas = self.gas(gases)
        value = self.value()
        gwp_basis = self.gwp_basis(gas)
        biogenic = self.flag("biogenic")
        if biogenic and gas and gas != "CO2":
            self.bad(
                "biogenic",
                f"only CO2 can be biogenic (expected false for {gas}: it stays in scope)",
            )
        verified = self.flag("verified")
        heat_content, heat_unit, heat_basis = self.heat()
        source = self.required("source")
        if self.problems or valid_from is None or value is None:
            return None
        return FactorRow(
            factor_set=factor_set,
            factor_id=factor_id,
            activity=activity,
            region=region,
            valid_from=valid_from,
            valid_to=valid_to,
            unit=unit,
            gas=gas,
            value=value,
            gwp_basis=gwp_basis,
            biogenic=biogenic,
            heat_content=heat_content,
            heat_content_unit=heat_unit,
            heat_basis=heat_basis,
            scope_use=self.cell("scope_use"),
            source=source,
            edition=self.cell("edition"),
            source_url=self.cell("source_url"),
            licence=self.cell("licence"),
            verified=verified,
            note=self.cell("note"),
            source_ref=self.cell("source_ref") or f"{self.source}, row {self.row}",
            supplier=self.cell("supplier"),
            currency_year=currency_year,
        )

    def date(self, column: str, *, required: bool) -> date | None:
        text = self.required(column) if required else self.cell(column)
        if not text:
            return None
        try:
            if not _ISO_DATE.match(text):
                raise ValueError(text)
            day = date.fromisoformat(text)
        except ValueError:
            self.bad(column, f"'{text}' is not a date (expected YYYY-MM-DD, e.g. 2024-01-01)")
            return None
        if not FIRST_DATE <= day <= LAST_DATE:
            self.bad(
                column,
                f"{text} is outside the accepted dates {FIRST_DATE}..{LAST_DATE}",
            )
            return None
        return day

    def unit(self) -> str:
        text = self.required("unit")
        if text:
            try:
                check_unit(text)
            except UnitError as exc:
                self.bad("unit", f"{exc} (expected a unit such as {_UNIT_EXAMPLES})")
        return text

    def currency_year(self, unit: str) -> int | None:
        """The price year of a factor per unit of money (e.g. 2021 for kg CO2e per 2021 USD)."""
        text = self.cell("currency_year")
        if not text:
            return None
        if not _YEAR.match(text) or not FIRST_YEAR <= int(text) <= LAST_YEAR:
            self.bad(
                "currency_year",
                f"'{text}' is not a year between {FIRST_YEAR} and {LAST_YEAR} (expected e.g. 2021)",
            )
            return None
        if unit and not _is_currency(unit):
            self.bad(
                "currency_year",
                f"unit '{unit}' is not a currency code: a currency year belongs to a factor per"
                " unit of one currency, named by its ISO 4217 code (expected blank, or the unit"
                " USD)",
            )
            return None
        return int(text)

    def gas(self, gases: frozenset[str]) -> str:
        text = self.required("gas")
        if text and text not in BASE_GASES and text not in gases:
            self.bad(
                "gas",
                f"unknown gas '{text}' (expected CO2, CH4, N2O, CO2e, or a species or blend id"
                " from gwp.csv / refrigerant_blends.csv such as HFC-134a or R-410A)",
            )
        return text

    def value(self) -> float | None:
        text = self.required("value")
        unit = self.cell("value_unit") or "kg"
        multiplier = VALUE_UNITS.get(unit)
        if multiplier is None:
            self.bad("value_unit", f"unknown mass unit '{unit}' (expected one of: kg, g, t, lb)")
        if not text:
            return None
        if not _NUMBER.match(text):
            self.bad("value", f"'{text}' is not a number (expected e.g. 0.233 or 1.5e-3)")
            return None
        # Any number of decimal places (the library's own go to 21), 15 significant digits.
        infinite = Decimal("Infinity")
        if why := number_problem(text, places=None, low=-infinite, high=infinite):
            self.bad("value", why)
            return None
        exact = Decimal(text) * (multiplier or 1)
        if exact < 0 or exact > MAX_FACTOR_VALUE or 0 < exact < MIN_FACTOR_VALUE:
            self.bad(
                "value",
                f"'{text}' {unit} is out of range (expected a finite number >= 0:"
                f" {FACTOR_RANGE_TEXT})",
            )
            return None
        return float(exact)

    def gwp_basis(self, gas: str) -> str | None:
        text = self.cell("gwp_basis")
        choices = "|".join(GWP_BASES)
        if gas == "CO2e" and not text:
            self.bad("gwp_basis", f"a CO2e factor needs its GWP basis (expected {choices})")
        elif text and text not in GWP_BASES:
            self.bad("gwp_basis", f"unknown GWP basis '{text}' (expected {choices})")
        elif text and gas and gas != "CO2e":
            self.bad("gwp_basis", f"only CO2e rows carry a GWP basis (expected blank for {gas})")
        return text or None

    def flag(self, column: str) -> bool:
        text = self.cell(column).lower()
        if text in _TRUE:
            return True
        if text and text not in _FALSE:
            self.bad(column, f"'{self.cell(column)}' is not a flag (expected true/false or yes/no)")
        return False

    def heat(self) -> tuple[float | None, str | None, str | None]:
        text, unit, basis = (
            self.cell(c) for c in ("heat_content", "heat_content_unit", "heat_basis")
        )
        content: float | None = None
        if text:
            if not (_NUMBER.match(text) and 0 < float(text) < math.inf):
                self.bad("heat_content", f"'{text}' is not a number (expected a positive number)")
            elif why := number_problem(text, places=None, low=0, high=MAX_HEAT_CONTENT):
                self.bad("heat_content", why)
            else:
                content = float(text)
            if not unit:
                self.bad(
                    "heat_content_unit", "heat_content needs a unit (expected e.g. 'mmBtu/gallon')"
                )
            if not basis:
                self.bad("heat_basis", "heat_content needs its basis (expected HHV or NCV)")
        elif unit:
            self.bad(
                "heat_content",
                "heat_content_unit is given without a value (expected a heat_content)",
            )
        if unit and not _heat_unit_ok(unit):
            self.bad(
                "heat_content_unit",
                f"'{unit}' is not energy per amount (expected e.g. 'mmBtu/gallon' or 'TJ/Gg')",
            )
        if basis and basis not in HEAT_BASES:
            self.bad("heat_basis", f"unknown heat basis '{basis}' (expected HHV or NCV)")
        return content, unit or None, basis or None


def _is_currency(unit: str) -> bool:
    try:
        return bool(_CURRENCY.match(unit)) and dimension(unit) == "money"
    except UnitError:
        return False


def _heat_unit_ok(unit: str) -> bool:
    numerator, _, denominator = unit.partition("/")
    try:
        check_unit(denominator)
        return dimension(numerator) == "energy"
    except UnitError:
        return False


def _group_problems(parsed: Sequence[tuple[int, FactorRow]], source: str) -> list[Problem]:
    problems: list[Problem] = []
    first_gas: dict[tuple[str, str], int] = {}
    first_row: dict[str, tuple[int, FactorRow]] = {}
    for row_number, row in parsed:
        where = first_gas.setdefault((row.factor_id, row.gas), row_number)
        if where != row_number:
            problems.append(
                Problem(
                    source,
                    row_number,
                    "gas",
                    f"factor_id '{row.factor_id}' already has a {row.gas} value at row {where}"
                    " (expected one row per factor_id and gas)",
                )
            )
        first_number, first = first_row.setdefault(row.factor_id, (row_number, row))
        for column in _SHARED:
            mine, theirs = getattr(row, column), getattr(first, column)
            if mine != theirs:
                problems.append(
                    Problem(
                        source,
                        row_number,
                        column,
                        f"factor_id '{row.factor_id}' has {column} '{theirs or ''}' at row"
                        f" {first_number} but '{mine or ''}' here (expected every gas of one"
                        " factor to share activity, region, unit and validity)",
                    )
                )
    return problems


@cache
def _package_gases() -> frozenset[str]:
    """Species of the packaged gwp.csv and blends of refrigerant_blends.csv."""
    data = files("zerotrail").joinpath("reference/data")
    ids: set[str] = set()
    for name, column in (("gwp.csv", "gas_id"), ("refrigerant_blends.csv", "blend")):
        text = data.joinpath(name).read_text(encoding="utf-8")
        ids.update(record[column] for record in csv.DictReader(io.StringIO(text)))
    return frozenset(ids)
