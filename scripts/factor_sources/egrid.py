"""eGRID subregion output emission rates, read to cross-check EPA Hub Table 6.

The Hub's Table 6 copies eGRID's subregion rates (lb per MWh) for one eGRID edition. This
module reads the same rates from eGRID's own files in the reference folder (the summary-tables
workbook, Table 1; EPA's eGRID explorer data) and `cross_check` compares them with the Hub's
records at the precision the Hub displays, raising BuildError on any disagreement. It ships no
factor rows of its own.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from factor_sources.common import BuildError, Rec, read_sheet

# (subregion acronym or "US Average", "total_output" | "non_baseload", gas) → (lb/MWh, where)
Rates = dict[tuple[str, str, str], tuple[float, str]]
GASES = ("CO2", "CH4", "N2O")


@dataclass(frozen=True)
class Check:
    """An eGRID file (path in the reference folder) and the function that reads its rates."""

    input: str
    read: Callable[[Path], Rates]


def summary_table1(path: Path) -> Rates:
    """Sheet 'Table 1' of an eGRID summary-tables workbook (eGRID2019, eGRID2021 layout): a
    'Total output emission rates' and a 'Non-baseload output emission rates' block, each with
    CO2, CH4 and N2O columns in lb/MWh, one row per subregion and a 'U.S.' row."""
    sheet = read_sheet(path, "Table 1")
    cells = sheet.values
    head = next((r, c) for (r, c) in cells if sheet.text(r, c) == "eGRID subregion acronym")
    blocks = {
        basis: next(c for (r, c) in cells if r == head[0] and sheet.text(r, c) == title)
        for basis, title in (
            ("total_output", "Total output emission rates"),
            ("non_baseload", "Non-baseload output emission rates"),
        )
    }
    gas_row = head[0] + 2  # title row, unit row ('lb/MWh'), then the gas names
    if {sheet.text(head[0] + 1, c) for c in blocks.values()} != {"lb/MWh"}:
        raise BuildError(f"{sheet.ref(head[0] + 1, head[1])}: expected lb/MWh")
    columns: dict[tuple[str, str], int] = {}
    for basis, first in blocks.items():
        for gas in GASES:
            # The gas columns of a block follow its title, in the publisher's order.
            column = next(c for c in range(first, first + 8) if sheet.text(gas_row, c) == gas)
            columns[(basis, gas)] = column
    rates: Rates = {}
    for row in sorted({r for (r, _) in cells if r > gas_row}):
        name = sheet.text(row, head[1])
        if not name or (row, columns[("total_output", "CO2")]) not in cells:
            continue
        region = "US Average" if name == "U.S." else name
        for (basis, gas), column in columns.items():
            value = cells[(row, column)]
            if not isinstance(value, int | float):
                raise BuildError(f"{sheet.ref(row, column)}: not a number: {value!r}")
            rates[(region, basis, gas)] = (float(value), sheet.ref(row, column))
    return rates


EXPLORER_COLUMNS = {
    ("total_output", "CO2"): "SRCO2RTA",
    ("total_output", "CH4"): "SRCH4RTA",
    ("total_output", "N2O"): "SRN2ORTA",
    ("non_baseload", "CO2"): "SRNBCO2",
    ("non_baseload", "CH4"): "SRNBCH4",
    ("non_baseload", "N2O"): "SRNBN2O",
}


def explorer(path: Path, year: str) -> Rates:
    """EPA eGRID explorer's subregion.csv, rows of one data `year` (no US row in this file)."""
    rates: Rates = {}
    with path.open(encoding="utf-8", newline="") as handle:
        # Line numbers count the header as line 1, as an editor shows them.
        for line, row in enumerate(csv.DictReader(handle), start=2):
            if row["Year"] != year:
                continue
            for (basis, gas), column in EXPLORER_COLUMNS.items():
                where = f"{path.name} line {line} {column}"
                try:
                    rates[(row["SUBRGN"], basis, gas)] = (float(row[column]), where)
                except ValueError:
                    raise BuildError(f"{where}: not a number: {row[column]!r}") from None
    if not rates:
        raise BuildError(f"{path.name}: no rows for year {year}")
    return rates


def explorer_2019(path: Path) -> Rates:
    return explorer(path, "2019")


def shown(value: float, decimals: int) -> Decimal:
    """`value` as a cell formatted with `decimals` places shows it (Excel rounds half up)."""
    return Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def shown_exponent(rec: Rec) -> int:
    exponent = Decimal(rec["value"]).as_tuple().exponent
    return exponent if isinstance(exponent, int) else 0


def cross_check(reference: Path, check: Check, hub: list[Rec], edition: str) -> int:
    """Every Table 6 rate of the Hub must equal the eGRID file's rate at the Hub's displayed
    precision (the number format of the Hub's cell: Hub 2024 stores 1000.053 and shows 1,000.1).
    Each Hub subregion must be in the file; eGRID subregions the Hub leaves out are not asked
    for, and the US row is compared where the file has one (the explorer file has none).
    Returns the number of rates compared."""
    rates = check.read(reference / check.input)
    compared = 0
    problems = []
    for rec in (r for r in hub if r["hub_table"] == "6"):
        key = (rec["activity"], rec["factor_basis"], rec["gas"])
        if key not in rates:
            if rec["activity"] == "US Average" and not any(k[0] == "US Average" for k in rates):
                continue
            problems.append(f"{rec['cell']}: {key} is not in {check.input}")
            continue
        # A 'General' cell shows the number as stored.
        decimals = int(rec["decimals"]) if rec["decimals"] != "None" else -shown_exponent(rec)
        egrid_value, where = rates[key]
        hub_shown, egrid_shown = shown(float(rec["value"]), decimals), shown(egrid_value, decimals)
        compared += 1
        if hub_shown != egrid_shown:
            problems.append(
                f"{rec['cell']} shows {hub_shown} lb {rec['gas']}/MWh for {rec['activity']}"
                f" ({rec['factor_basis']}); {where} gives {egrid_value} ({egrid_shown})"
            )
    if problems or not compared:
        raise BuildError(
            f"{edition}: EPA Hub Table 6 disagrees with {check.input}:\n  "
            + "\n  ".join(problems or ["no rate compared"])
        )
    return compared
