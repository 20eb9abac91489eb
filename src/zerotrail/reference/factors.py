"""The emission-factor library shipped with the package: factor sets and their factor rows.

Part of `reference/`, the data shipped with the package. `scripts/build_factors.py` generates
`data/factor_sets.csv` and `data/factors.csv` from the sourced files in ../shared/reference; this
module reads them back as values. One `FactorRow` is one gas of one factor: the rows of a factor
share its `factor_id`, activity key, region, unit and validity. `value` is always kg of `gas` per
one `unit`. The engine loads `factors_arrow()` into the workspace database; `factors/custom.py`
produces the same rows from a user's CSV. See docs/factors.md.

Files are read on first use and cached; importing this module does no work.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date
from functools import cache
from importlib.resources import files
from typing import Any

from zerotrail.errors import FactorError

FACTORS_FILE = "factors.csv"
FACTOR_SETS_FILE = "factor_sets.csv"

# Columns of data/factors.csv, in file order. `supplier` is not a column of the shipped file
# (shipped factors have no supplier) but is a field of every row.
FACTOR_COLUMNS: tuple[str, ...] = (
    "factor_set",
    "factor_id",
    "activity",
    "region",
    "valid_from",
    "valid_to",
    "unit",
    "currency_year",
    "gas",
    "value",
    "gwp_basis",
    "biogenic",
    "heat_content",
    "heat_content_unit",
    "heat_basis",
    "scope_use",
    "source",
    "edition",
    "source_url",
    "licence",
    "verified",
    "note",
    "source_ref",
)

FACTOR_SET_COLUMNS: tuple[str, ...] = (
    "factor_set",
    "name",
    "publisher",
    "edition",
    "source_url",
    "licence",
    "description",
    "reporting_year",
    "published",
    "data_year",
    "input_file",
    "input_sha256",
)


@dataclass(frozen=True, slots=True)
class FactorSetInfo:
    """One published factor set: who publishes it, which edition, and the input it came from.

    `reporting_year`, `published` and `data_year` are text as the CSV holds them (blank when a
    set has none). `input_file`/`input_sha256` name the reference file(s) the set was generated
    from (several are joined with ';'), so a set can be traced to the exact bytes it was built
    from.
    """

    factor_set: str
    name: str
    publisher: str
    edition: str
    source_url: str
    licence: str
    description: str
    # The year of activity the publisher issued the edition for ("DESNZ 2023" is for 2023
    # reporting, whatever data year its values come from); blank for unversioned sets.
    reporting_year: str
    published: str  # ISO date the publisher released the edition, or blank when unknown
    data_year: str  # the year(s) the values describe, as the publisher states them
    input_file: str
    input_sha256: str


@dataclass(frozen=True, slots=True)
class FactorRow:
    """One gas of one emission factor: `value` kg of `gas` per one `unit` of the activity.

    `valid_to` None means open-ended. `gwp_basis` is set only on CO2e rows (the GWP set the
    publisher used to aggregate). `heat_content` (with `heat_content_unit`, a ratio such as
    'mmBtu/gallon', and `heat_basis`, HHV or NCV) lets the engine turn a mass or volume into the
    energy a per-energy factor needs. `verified` False means the value rests on a single
    transcription and must be flagged wherever it is used. `supplier` is empty except for
    supplier-specific custom factors. `currency_year` is the price year of a factor per unit of
    money (USEEIO v1.2: kg per 2021 USD): the engine deflates spend of other years to it.
    """

    factor_set: str
    factor_id: str
    activity: str
    region: str
    valid_from: date
    valid_to: date | None
    unit: str
    gas: str
    value: float
    gwp_basis: str | None
    biogenic: bool
    heat_content: float | None
    heat_content_unit: str | None
    heat_basis: str | None
    scope_use: str
    source: str
    edition: str
    source_url: str
    licence: str
    verified: bool
    note: str
    source_ref: str
    supplier: str = ""
    currency_year: int | None = None

    @classmethod
    def from_record(cls, record: Mapping[str, str]) -> FactorRow:
        """A row from one line of data/factors.csv (strings as the CSV holds them)."""
        return cls(
            factor_set=record["factor_set"],
            factor_id=record["factor_id"],
            activity=record["activity"],
            region=record["region"],
            valid_from=date.fromisoformat(record["valid_from"]),
            valid_to=date.fromisoformat(record["valid_to"]) if record["valid_to"] else None,
            unit=record["unit"],
            gas=record["gas"],
            value=float(record["value"]),
            gwp_basis=record["gwp_basis"] or None,
            biogenic=_flag(record["biogenic"]),
            heat_content=float(record["heat_content"]) if record["heat_content"] else None,
            heat_content_unit=record["heat_content_unit"] or None,
            heat_basis=record["heat_basis"] or None,
            scope_use=record["scope_use"],
            source=record["source"],
            edition=record["edition"],
            source_url=record["source_url"],
            licence=record["licence"],
            verified=_flag(record["verified"]),
            note=record["note"],
            source_ref=record["source_ref"],
            supplier=record.get("supplier") or "",
            currency_year=int(record["currency_year"]) if record["currency_year"] else None,
        )

    def to_record(self) -> dict[str, str]:
        """The row as data/factors.csv writes it: ISO dates, repr floats, true/false, blanks."""
        return {
            "factor_set": self.factor_set,
            "factor_id": self.factor_id,
            "activity": self.activity,
            "region": self.region,
            "valid_from": self.valid_from.isoformat(),
            "valid_to": self.valid_to.isoformat() if self.valid_to else "",
            "unit": self.unit,
            "currency_year": "" if self.currency_year is None else str(self.currency_year),
            "gas": self.gas,
            # repr is the shortest text that reads back as the same float: no precision is lost.
            "value": repr(self.value),
            "gwp_basis": self.gwp_basis or "",
            "biogenic": _text(self.biogenic),
            "heat_content": "" if self.heat_content is None else repr(self.heat_content),
            "heat_content_unit": self.heat_content_unit or "",
            "heat_basis": self.heat_basis or "",
            "scope_use": self.scope_use,
            "source": self.source,
            "edition": self.edition,
            "source_url": self.source_url,
            "licence": self.licence,
            "verified": _text(self.verified),
            "note": self.note,
            "source_ref": self.source_ref,
        }


def _flag(text: str) -> bool:
    if text == "true":
        return True
    if text == "false":
        return False
    raise FactorError(f"{FACTORS_FILE}: expected 'true' or 'false', found {text!r}")


def _text(flag: bool) -> str:
    return "true" if flag else "false"


def factor_sets() -> tuple[FactorSetInfo, ...]:
    """Every shipped factor set, in file order."""
    return _factor_sets()


def factor_rows() -> tuple[FactorRow, ...]:
    """Every shipped factor row (one per factor per gas), in file order."""
    return _factor_rows()


def get(factor_id: str) -> tuple[FactorRow, ...]:
    """The rows (one per gas) of the shipped factor `factor_id`; FactorError if there is none."""
    rows = _by_id().get(factor_id)
    if rows is None:
        raise FactorError(
            f"unknown factor {factor_id!r} (shipped factor ids look like"
            " 'epa-hub-2024:t1.natural-gas.scf'; search them with find())"
        )
    return rows


def find(query: str) -> list[FactorRow]:
    """Shipped rows whose activity, factor_id, region, source or note contain every word of
    `query`, ignoring case ('diesel us' finds US diesel factors). An empty query finds nothing."""
    terms = query.lower().split()
    if not terms:
        return []
    return [row for row, text in _search_index() if all(term in text for term in terms)]


def factors_arrow(rows: Iterable[FactorRow] | None = None) -> Any:
    """The rows as a `pyarrow.Table` (shipped rows when `rows` is None), typed for the engine:
    dates as date32, value and heat_content as float64, flags as bool, blanks as nulls."""
    if rows is None:
        return _shipped_arrow()
    import pyarrow as pa

    data = tuple(rows)
    columns = {f.name: [getattr(row, f.name) for row in data] for f in fields(FactorRow)}
    return pa.Table.from_pydict(columns, schema=arrow_schema())


@cache
def _shipped_arrow() -> Any:
    """The shipped file read straight into Arrow: every new workspace loads it, and going
    through one FactorRow per row costs about a second at the library's size. Arrow parses the
    same text `FactorRow.from_record` does (tests/reference/test_factors.py holds the two equal).
    """
    import pyarrow as pa
    from pyarrow import csv as pa_csv

    schema = arrow_schema()
    in_file = list(FACTOR_COLUMNS)
    data = pa.py_buffer(files("zerotrail").joinpath("reference/data", FACTORS_FILE).read_bytes())
    blank_is_none = [f.name for f in schema if f.nullable and pa.types.is_string(f.type)]

    def read(strings_can_be_null: bool, include: list[str]) -> Any:
        return pa_csv.read_csv(
            data,
            read_options=pa_csv.ReadOptions(column_names=in_file, skip_rows=1),
            convert_options=pa_csv.ConvertOptions(
                column_types={name: schema.field(name).type for name in in_file},
                include_columns=include,
                null_values=[""],
                strings_can_be_null=strings_can_be_null,
                true_values=["true"],
                false_values=["false"],
            ),
        )

    # Blank text is text in most columns (a note may be empty) but "none" in a few (gwp_basis,
    # heat units and basis). Arrow's CSV reader applies one rule to every text column, so those
    # few are read a second time; turning blanks into nulls afterwards would need
    # pyarrow.compute, whose first use imports pandas and costs more than the second read.
    table = read(False, [name for name in in_file if name not in blank_is_none])
    nullable = read(True, blank_is_none)
    columns = []
    for field in schema:
        if field.name not in in_file:  # `supplier`: shipped factors have none
            # n empty strings: n + 1 zero offsets into an empty buffer (pa.array and pa.scalar
            # would import pandas, as above).
            n = table.num_rows
            empty = pa.StringArray.from_buffers(
                n, pa.py_buffer(bytes(4 * (n + 1))), pa.py_buffer(b"")
            )
            columns.append(empty)
            continue
        column = (nullable if field.name in blank_is_none else table).column(field.name)
        if not field.nullable and column.null_count:
            raise FactorError(f"{FACTORS_FILE}: column {field.name} has blank cells")
        columns.append(column)
    return pa.Table.from_arrays(columns, schema=schema).combine_chunks()


def arrow_schema() -> Any:
    """The `pyarrow.Schema` of `factors_arrow()`: FactorRow's fields in order."""
    import pyarrow as pa

    types = {
        "valid_from": pa.date32(),
        "valid_to": pa.date32(),
        "value": pa.float64(),
        "heat_content": pa.float64(),
        "biogenic": pa.bool_(),
        "verified": pa.bool_(),
        "currency_year": pa.int32(),
    }
    nullable = {
        "valid_to",
        "gwp_basis",
        "heat_content",
        "heat_content_unit",
        "heat_basis",
        "currency_year",
    }
    return pa.schema(
        [
            pa.field(f.name, types.get(f.name, pa.string()), nullable=f.name in nullable)
            for f in fields(FactorRow)
        ]
    )


def _read(name: str) -> list[dict[str, str]]:
    text = files("zerotrail").joinpath("reference/data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@cache
def _factor_sets() -> tuple[FactorSetInfo, ...]:
    return tuple(FactorSetInfo(**record) for record in _read(FACTOR_SETS_FILE))


@cache
def _factor_rows() -> tuple[FactorRow, ...]:
    return tuple(FactorRow.from_record(record) for record in _read(FACTORS_FILE))


@cache
def _by_id() -> dict[str, tuple[FactorRow, ...]]:
    groups: dict[str, list[FactorRow]] = {}
    for row in _factor_rows():
        groups.setdefault(row.factor_id, []).append(row)
    return {factor_id: tuple(rows) for factor_id, rows in groups.items()}


@cache
def _search_index() -> tuple[tuple[FactorRow, str], ...]:
    return tuple(
        (row, " ".join((row.activity, row.factor_id, row.region, row.source, row.note)).lower())
        for row in _factor_rows()
    )
