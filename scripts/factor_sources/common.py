"""What every source module shares: the factor being built, unit spellings, small text helpers.

Each module beside this one maps one publisher's files to `FactorRow`s; `scripts/build_factors.py`
assembles them. Every choice made while mapping a source row (activity key, region, validity,
unit normalisation) is made in the source's own module and documented in docs/factors.md.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from zerotrail.reference.factors import FactorRow

Rec = dict[str, str]


class BuildError(Exception):
    """The inputs cannot be turned into the library; the message says what to check."""


@dataclass(frozen=True)
class SetSpec:
    factor_set: str
    name: str
    publisher: str
    inputs: tuple[str, ...]
    description: str
    # Set-level edition/URL/licence; None = taken from the rows (they must agree).
    edition: str | None = None
    source_url: str | None = None
    licence: str | None = None
    # The reporting year the publisher issued this edition for (None: not year-named, e.g.
    # USEEIO versions), its release date (ISO) and the data year(s) its values describe.
    reporting_year: int | None = None
    published: str = ""
    data_year: str = ""


def read_csv(path: Path) -> list[Rec]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# ----------------------------------------------------------------------------------------------
# Units: source spellings → units zerotrail.units understands; mass → kg, exactly.

MASS_TO_KG = {
    "kg": Decimal(1),
    "g": Decimal("0.001"),
    "lb": Decimal("0.45359237"),
    "t": Decimal(1000),
    "metric ton": Decimal(1000),
}
UNIT_NAMES = {
    "mmBtu": "mmBtu",
    "short ton": "short_ton",
    "MWh": "MWh",
    "kWh": "kWh",
    "TJ": "TJ",
    "Gg": "Gg",
    "gallon": "gallon",
    "scf": "scf",
    "litre": "litre",
    "cubic metre": "m3",
    "USD": "USD",
    "vehicle-mile": "vehicle-mile",
    "passenger-mile": "passenger-mile",
    "ton-mile": "ton-mile",
}
_VALUE_UNIT = re.compile(
    r"^(?P<mass>kg|g|lb|t|metric ton) (?P<gas>\S+) per (?P<per>[^(]+?)\s*(\(.*\))?$"
)


def unit_name(text: str) -> str:
    try:
        return UNIT_NAMES[text.strip()]
    except KeyError:
        raise BuildError(f"no unit mapping for {text!r}; add it to UNIT_NAMES") from None


def kg_per_unit(value: str, value_unit: str, gas: str) -> tuple[Decimal, str]:
    """Exact kg of `gas` per unit, and the unit, from a source value and its unit text."""
    match = _VALUE_UNIT.match(value_unit)
    if match is None or not match["gas"].startswith(gas):
        raise BuildError(f"cannot read value unit {value_unit!r} for gas {gas}")
    return Decimal(value) * MASS_TO_KG[match["mass"]], unit_name(match["per"])


def per_unit(value: str, value_unit: str, gas: str) -> tuple[float, str]:
    """kg of `gas` per unit as a float: Decimal keeps the conversion exact, and float() then
    rounds once, to the nearest double (written back as its repr, so nothing more is lost)."""
    kg, unit = kg_per_unit(value, value_unit, gas)
    return float(kg), unit


def slug(text: str, sep: str = "_") -> str:
    """'Distillate Fuel Oil No. 2' → 'distillate_fuel_oil_no_2' (or with '-')."""
    return re.sub(r"[^a-z0-9]+", sep, text.lower()).strip(sep)


def year_span(text: str) -> tuple[date, date]:
    """'2023' → 2023-01-01..2023-12-31; '2019-2020 (reported)' → 2019-01-01..2020-12-31."""
    match = re.match(r"^(?:data year )?(\d{4})(?:-(\d{4}))?", text)
    if match is None:
        raise BuildError(f"no year in {text!r}")
    first = int(match[1])
    return date(first, 1, 1), date(int(match[2] or first), 12, 31)


def join(*parts: str) -> str:
    return " ".join(p.strip() for p in parts if p and p.strip())


def verified(src: Rec) -> bool:
    if src["verified"] not in ("yes", "no"):
        raise BuildError(f"verified must be yes or no, found {src['verified']!r}")
    return src["verified"] == "yes"


@dataclass(frozen=True)
class Factor:
    """What the gas rows of one factor share."""

    factor_set: str
    factor_id: str
    activity: str
    region: str
    valid_from: date
    valid_to: date | None
    scope_use: str
    note: str
    heat_content: float | None = None
    heat_content_unit: str | None = None
    heat_basis: str | None = None
    # The price year of a factor per unit of money (spend factors); None for physical units.
    currency_year: int | None = None

    def row(
        self,
        src: Rec,
        gas: str,
        value: float,
        unit: str,
        source_ref: str,
        *,
        gwp_basis: str | None = None,
        biogenic: bool = False,
    ) -> FactorRow:
        return FactorRow(
            factor_set=self.factor_set,
            factor_id=self.factor_id,
            activity=self.activity,
            region=self.region,
            valid_from=self.valid_from,
            valid_to=self.valid_to,
            unit=unit,
            gas=gas,
            value=value,
            gwp_basis=gwp_basis,
            biogenic=biogenic,
            heat_content=self.heat_content,
            heat_content_unit=self.heat_content_unit,
            heat_basis=self.heat_basis,
            currency_year=self.currency_year,
            scope_use=self.scope_use,
            note=self.note,
            source_ref=source_ref,
            # Provenance always comes from the source row the number was read from.
            source=src["source"],
            edition=src["edition"],
            source_url=src["source_url"],
            licence=src["licence"],
            verified=verified(src),
        )


def grouped(rows: Iterable[Rec], key: Callable[[Rec], object]) -> Iterator[list[Rec]]:
    """Groups of rows sharing `key`, in order of first appearance."""
    groups: dict[object, list[Rec]] = {}
    for row in rows:
        groups.setdefault(key(row), []).append(row)
    yield from groups.values()


def gwp_basis(text: str) -> str:
    match = re.match(r"^(AR4|AR5|AR6)\b", text)
    if match is None:
        raise BuildError(f"no GWP basis in {text!r}")
    return match[1]


# ----------------------------------------------------------------------------------------------
# Workbooks: one sheet's cells as plain values, for readers that find tables by their text.


def normal_text(value: object) -> str:
    """A cell's text with runs of whitespace (line breaks, no-break spaces) made one space."""
    return " ".join(str(value).replace("\xa0", " ").split()) if value is not None else ""


@dataclass(frozen=True)
class SheetCells:
    """The non-empty cells of one worksheet by (row, column), both 1-based, with each cell's
    number format (what the publisher displays) beside its stored value."""

    file: str
    sheet: str
    values: dict[tuple[int, int], object]
    formats: dict[tuple[int, int], str]

    def text(self, row: int, column: int) -> str:
        return normal_text(self.values.get((row, column)))

    def ref(self, row: int, column: int) -> str:
        """The cell as a source reference: "file.xlsx 'Sheet'!E23"."""
        from openpyxl.utils import get_column_letter

        return f"{self.file} '{self.sheet}'!{get_column_letter(column)}{row}"

    def row_numbers(self) -> list[int]:
        return sorted({row for row, _ in self.values})

    def columns(self, row: int) -> list[int]:
        return sorted(column for r, column in self.values if r == row)


def read_sheet(path: Path, sheet: str | None = None) -> SheetCells:
    """One sheet of an .xlsx workbook (the only sheet when `sheet` is None), values as stored."""
    import warnings

    from openpyxl import load_workbook

    with warnings.catch_warnings():
        # openpyxl warns about workbook parts it does not keep (print headers, extensions);
        # cell values are unaffected.
        warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")
        book = load_workbook(path, read_only=True, data_only=True)
        try:
            if sheet is None:
                if len(book.sheetnames) != 1:
                    raise BuildError(f"{path.name}: expected one sheet, found {book.sheetnames}")
                sheet = book.sheetnames[0]
            if sheet not in book.sheetnames:
                raise BuildError(f"{path.name}: no sheet {sheet!r} (has {book.sheetnames})")
            values: dict[tuple[int, int], object] = {}
            formats: dict[tuple[int, int], str] = {}
            for cells in book[sheet].iter_rows():
                for cell in cells:
                    if cell.value is None or (
                        isinstance(cell.value, str) and not cell.value.strip()
                    ):
                        continue
                    key = (cell.row, cell.column)
                    values[key] = cell.value
                    formats[key] = str(cell.number_format)
        finally:
            book.close()
    return SheetCells(path.name, sheet, values, formats)
