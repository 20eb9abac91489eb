"""A factor library file read as text: the demo's view of reference/data/factors.csv.

Part of `demo/`. The demo chooses published factors for its records and derives its few proxies
from the shipped library, and it must be able to run against any file in that format (a test
fixture, a newer build), so rows are read here from a path with their `value` kept as the file's
exact text. `choose` mirrors the engine's factor resolution (engine/resolve.py) for the demo's
records (no supplier-specific factors, energy on its region's heating-value basis): the demo
uses it to pin, on a record whose own region has no published factor, the edition the engine
would choose in the publisher's region, and the tests use it to check coverage.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from zerotrail.errors import FactorError, UnitError
from zerotrail.model.regions import lineage
from zerotrail.units import bridge_factor, compatible

# Columns of a user's custom factor file, in order.
CUSTOM_COLUMNS: tuple[str, ...] = (
    "factor_id",
    "factor_set",
    "activity",
    "region",
    "valid_from",
    "valid_to",
    "unit",
    "currency_year",
    "gas",
    "value",
    "value_unit",
    "gwp_basis",
    "source",
    "edition",
    "source_url",
    "licence",
    "verified",
    "note",
)

# Columns read from the shipped library (it has more; see reference/factors.py).
_LIBRARY_COLUMNS = (
    "factor_set",
    "factor_id",
    "activity",
    "region",
    "valid_from",
    "valid_to",
    "unit",
    "gas",
    "value",
    "gwp_basis",
    "heat_content",
    "heat_content_unit",
    "source",
    "edition",
    "source_url",
    "licence",
    "verified",
    "note",
)


@dataclass(frozen=True, slots=True)
class FactorLine:
    """One gas of one factor, as the library file (or the proxy file) holds it.

    `value` stays the exact text of the file, so a proxy copies the number without a float
    round trip.
    """

    factor_set: str
    factor_id: str
    activity: str
    region: str
    valid_from: date
    valid_to: date | None
    unit: str
    # The price year of a spend factor ('' for other factors, and in library files written
    # before the column existed).
    currency_year: str
    gas: str
    value: str
    gwp_basis: str
    heat_content: str
    heat_content_unit: str
    source: str
    edition: str
    source_url: str
    licence: str
    verified: bool
    note: str

    @classmethod
    def from_record(cls, r: Mapping[str, str]) -> FactorLine:
        return cls(
            factor_set=r["factor_set"],
            factor_id=r["factor_id"],
            activity=r["activity"],
            region=r["region"],
            valid_from=date.fromisoformat(r["valid_from"]),
            valid_to=date.fromisoformat(r["valid_to"]) if r["valid_to"] else None,
            unit=r["unit"],
            currency_year=r.get("currency_year") or "",
            gas=r["gas"],
            value=r["value"],
            gwp_basis=r["gwp_basis"],
            heat_content=r["heat_content"],
            heat_content_unit=r["heat_content_unit"],
            source=r["source"],
            edition=r["edition"],
            source_url=r["source_url"],
            licence=r["licence"],
            verified=r["verified"].strip().lower() in {"true", "yes"},
            note=r["note"],
        )

    @classmethod
    def from_custom_record(cls, r: Mapping[str, str]) -> FactorLine:
        """A row of a custom factor file (CUSTOM_COLUMNS), which carries no heat content."""
        return cls.from_record({**r, "heat_content": "", "heat_content_unit": ""})

    def to_custom_record(self) -> dict[str, str]:
        """The row in the custom factor format (CUSTOM_COLUMNS)."""
        return {
            "factor_id": self.factor_id,
            "factor_set": self.factor_set,
            "activity": self.activity,
            "region": self.region,
            "valid_from": self.valid_from.isoformat(),
            "valid_to": self.valid_to.isoformat() if self.valid_to else "",
            "unit": self.unit,
            "currency_year": self.currency_year,
            "gas": self.gas,
            "value": self.value,
            # The mass unit of `value`: library values are kg of gas per one `unit`.
            "value_unit": "kg",
            "gwp_basis": self.gwp_basis,
            "source": self.source,
            "edition": self.edition,
            "source_url": self.source_url,
            "licence": self.licence,
            "verified": "true" if self.verified else "false",
            "note": self.note,
        }


def shipped_library() -> Traversable:
    """The shipped library file (reference/data/factors.csv inside the package)."""
    return files("zerotrail").joinpath("reference/data/factors.csv")


def read_library(path: Path | None = None) -> list[FactorLine]:
    """The rows of a factor library file in the shipped format (the shipped one by default)."""
    source: Path | Traversable = shipped_library() if path is None else path
    if not source.is_file():
        raise FactorError(
            f"factor library {source} not found: build the shipped library first"
            " (scripts/build_factors.py) or pass the path of a library file"
        )
    text = source.read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in _LIBRARY_COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise FactorError(f"factor library {source} lacks columns: {', '.join(missing)}")
    return [FactorLine.from_record(r) for r in reader]


def converts(unit: str, row: FactorLine) -> bool:
    """True when a quantity in `unit` can use `row`: directly or through its heat content."""
    try:
        if compatible(unit, row.unit):
            return True
        if row.heat_content and row.heat_content_unit:
            bridge_factor(unit, row.unit, float(row.heat_content), row.heat_content_unit)
            return True
    except UnitError:
        return False
    return False


def by_factor(rows: Iterable[FactorLine]) -> dict[str, list[FactorLine]]:
    """The rows grouped by factor id (one row per gas), in file order."""
    groups: dict[str, list[FactorLine]] = {}
    for r in rows:
        groups.setdefault(r.factor_id, []).append(r)
    return groups


def keyed(rows: Iterable[FactorLine]) -> dict[str, list[FactorLine]]:
    """The rows by activity key, in file order: `choose` on one key's rows is fast."""
    out: dict[str, list[FactorLine]] = {}
    for r in rows:
        out.setdefault(r.activity, []).append(r)
    return out


def choose(
    rows: Sequence[FactorLine], key: str, region: str, unit: str, start: date
) -> list[FactorLine] | None:
    """The factor the engine would pick for a record starting on `start`, or None.

    Mirrors engine/resolve.py under the default `nearest` policy: over the region's lineage, a
    verified factor first, then the most specific region; there, one valid at `start`, else the
    nearest earlier edition (latest end), else the nearest later one (earliest start); then the
    newest, one in the record's own dimension before one through a heat content, the smallest
    id. `rows` may be all rows or only those of `key` (see `keyed`).
    """
    best: tuple[tuple[bool, int, int, int, int, bool, str], list[FactorLine]] | None = None
    for level, ancestor in enumerate(lineage(region)):
        groups = by_factor(
            r for r in rows if r.activity == key and r.region == ancestor and converts(unit, r)
        )
        for fid, lines in groups.items():
            head = lines[0]
            if head.valid_from <= start and (head.valid_to is None or head.valid_to >= start):
                vrank, distance = 0, 0
            elif head.valid_to is not None and head.valid_to < start:
                vrank, distance = 1, -head.valid_to.toordinal()
            else:
                vrank, distance = 2, head.valid_from.toordinal()
            rank = (
                not all(r.verified for r in lines),
                level,
                vrank,
                distance,
                -head.valid_from.toordinal(),
                not compatible(unit, head.unit),
                fid,
            )
            if best is None or rank < best[0]:
                best = (rank, lines)
    return None if best is None else best[1]
