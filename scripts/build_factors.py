#!/usr/bin/env python3
"""Build the shipped emission-factor library from the publishers' files.

Where it sits: the reference folder (../shared/reference: `sources/` holds the publishers' own
files, `data/` the sourced CSVs; every input pinned by SHA-256 below) goes in; out come the
package data files in src/zerotrail/reference/data (factors.csv, factor_sets.csv, inputs.json,
and byte-for-byte copies of gwp.csv and refrigerant_blends.csv) and the generated blocks of
docs/factors.md and docs/activity-keys.md. `zerotrail.reference.factors` reads the result.
Each publisher's mapping lives in its own module under scripts/factor_sources/; this script
assembles their rows, checks them as zerotrail would check a user's file, and writes them.

The build is deterministic: the same inputs give the same bytes. It refuses to run when an input
differs from its pin, unless --update-pins (which rewrites the pins in this file).

    .venv/bin/python scripts/build_factors.py [--reference DIR] [--out DIR] [--docs DIR]
                                              [--update-pins]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import re
import sys
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import ModuleType

# The source modules sit beside this script (scripts/factor_sources/), not in the package.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from factor_sources import desnz, epa_hub, fugitive, ipcc, mee, useeio
from factor_sources.common import BuildError, Rec, SetSpec, read_csv

from zerotrail.factors.custom import parse_custom_factors
from zerotrail.model.keys import FAMILIES, SCOPE3_CATEGORIES
from zerotrail.reference.factors import (
    FACTOR_COLUMNS,
    FACTOR_SET_COLUMNS,
    FactorRow,
    FactorSetInfo,
)

REPO = Path(__file__).resolve().parents[1]

# SHA-256 of every input, by its path in the reference folder (rewritten by --update-pins; review
# the input's change before updating).
PINS_FILE = Path(__file__).resolve().parent / "factor_sources" / "pins.json"
PINS: dict[str, str] = json.loads(PINS_FILE.read_text(encoding="utf-8"))

# Source modules in the order their sets appear in factor_sets.csv and factors.csv.
SOURCES: tuple[ModuleType, ...] = (epa_hub, ipcc, mee, desnz, useeio, fugitive)
SETS: tuple[SetSpec, ...] = tuple(spec for module in SOURCES for spec in module.SETS)
SET_ORDER = {spec.factor_set: i for i, spec in enumerate(SETS)}
# Reference files copied into the package as they are (GWP values and blend compositions).
COPIED = ("data/gwp.csv", "data/refrigerant_blends.csv")


# ----------------------------------------------------------------------------------------------
# Assembly and checks

GAS_ORDER = {"CO2": 0, "CH4": 1, "N2O": 2, "CO2e": 3}


def build_rows(reference: Path) -> list[FactorRow]:
    """Every factor row, from the files in the reference folder, checked and in file order."""
    data = reference / "data"
    gwp, blends = read_csv(data / "gwp.csv"), read_csv(data / "refrigerant_blends.csv")
    rows = [row for module in SOURCES for row in module.build(reference)]
    rows.sort(key=lambda r: (SET_ORDER[r.factor_set], r.factor_id, GAS_ORDER.get(r.gas, 9), r.gas))
    gases = {r["gas_id"] for r in gwp} | {r["blend"] for r in blends}
    check(rows, gases)
    return rows


def check(rows: list[FactorRow], gases: set[str]) -> None:
    """Refuse to write a library that zerotrail itself would reject or could misuse."""
    # The shipped file must pass the same checks as a user's custom file, and read back equal.
    records = [row.to_record() for row in rows]
    parsed, problems = parse_custom_factors(
        records, "factors.csv", columns=FACTOR_COLUMNS, gases=gases
    )
    if problems:
        raise BuildError("generated factors fail validation:\n" + "\n".join(map(str, problems)))
    if list(parsed) != [FactorRow.from_record(r) for r in records] or len(parsed) != len(rows):
        raise BuildError("generated factors do not read back as written")
    seen: dict[tuple[object, ...], str] = {}
    for row in rows:
        for name in ("source", "edition", "source_url", "licence"):
            if not getattr(row, name):
                raise BuildError(f"{row.factor_id}: empty {name}")
        if row.scope_use == "not for inventories" and row.activity == "electricity.grid":
            raise BuildError(f"{row.factor_id}: a non-inventory rate under electricity.grid")
        # One factor per key, region, unit, start date and heat basis in a set (DESNZ gives a
        # fuel per kWh on both gross and net CV): resolution must not guess.
        where = (
            row.factor_set,
            row.activity,
            row.region,
            row.unit,
            row.valid_from,
            row.heat_basis,
        )
        if seen.setdefault(where, row.factor_id) != row.factor_id:
            raise BuildError(f"{row.factor_id} and {seen[where]} both serve {where}")
    missing = set(SET_ORDER) - {row.factor_set for row in rows}
    if missing:
        raise BuildError(f"factor sets without rows: {sorted(missing)}")


def build_sets(rows: list[FactorRow], hashes: dict[str, str]) -> list[FactorSetInfo]:
    def agreed(spec: SetSpec, name: str, given: str | None) -> str:
        if given is not None:
            return given
        values = {getattr(r, name) for r in rows if r.factor_set == spec.factor_set}
        if len(values) != 1:
            raise BuildError(f"{spec.factor_set}: rows disagree on {name}; set it in SETS")
        return str(values.pop())

    return [
        FactorSetInfo(
            factor_set=spec.factor_set,
            name=spec.name,
            publisher=spec.publisher,
            edition=agreed(spec, "edition", spec.edition),
            source_url=agreed(spec, "source_url", spec.source_url),
            licence=agreed(spec, "licence", spec.licence),
            description=spec.description,
            reporting_year="" if spec.reporting_year is None else str(spec.reporting_year),
            published=spec.published,
            data_year=spec.data_year,
            input_file=";".join(spec.inputs),
            input_sha256=";".join(hashes[name] for name in spec.inputs),
        )
        for spec in SETS
    ]


# ----------------------------------------------------------------------------------------------
# Output files


def csv_bytes(columns: Sequence[str], records: Iterable[dict[str, str]]) -> bytes:
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    return text.getvalue().encode("utf-8")


def write_bytes(path: Path, data: bytes) -> None:
    """Replace `path` atomically (also when the old file is read-only), mode 0644."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def inputs() -> list[str]:
    """Every file the build reads, relative to the reference folder."""
    return sorted({name for spec in SETS for name in spec.inputs} | set(COPIED))


def check_pins(reference: Path, update: bool) -> dict[str, str]:
    """SHA-256 of every input; BuildError if one is missing, unpinned or changed (unless
    `update`)."""
    names = inputs()
    missing = [name for name in names if not (reference / name).is_file()]
    if missing:
        raise BuildError(f"missing input(s) in {reference}: {', '.join(missing)}")
    hashes = {name: sha256(reference / name) for name in names}
    changed = [name for name in names if hashes[name] != PINS.get(name)]
    if changed and not update:
        lines = [f"  {n}: pinned {PINS.get(n, '(not pinned)')}, found {hashes[n]}" for n in changed]
        raise BuildError(
            "input files differ from the pins in scripts/factor_sources/pins.json:\n"
            + "\n".join(lines)
            + "\nReview what changed in the reference data (a new edition is a new factor set"
            " version), then rerun with --update-pins."
        )
    if changed or set(PINS) != set(names):
        rewrite_pins(hashes)
        print(f"build_factors: updated pins for {', '.join(changed)}", file=sys.stderr)
    return hashes


def rewrite_pins(hashes: dict[str, str]) -> None:
    write_bytes(PINS_FILE, (json.dumps(hashes, indent=2, sort_keys=True) + "\n").encode())


# ----------------------------------------------------------------------------------------------
# Generated documentation blocks


def block_markers(name: str) -> tuple[str, str]:
    return (
        f"<!-- BEGIN GENERATED: {name} (scripts/build_factors.py; do not edit) -->",
        f"<!-- END GENERATED: {name} -->",
    )


def replace_block(text: str, name: str, body: str) -> str:
    begin, end = block_markers(name)
    start, stop = text.find(begin), text.find(end)
    if start < 0 or stop < start:
        raise BuildError(f"generated block '{name}' not found (expected {begin} ... {end})")
    return text[: start + len(begin)] + "\n" + body + text[stop:]


def sets_markdown(sets: Sequence[FactorSetInfo], records: Sequence[Rec]) -> str:
    lines = [
        "| factor set | name | publisher | edition | licence | factors | rows | unverified rows |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for s in sets:
        mine = [r for r in records if r["factor_set"] == s.factor_set]
        factors = len({r["factor_id"] for r in mine})
        unverified = sum(r["verified"] == "false" for r in mine)
        lines.append(
            f"| `{s.factor_set}` | {s.name} | {s.publisher} | {s.edition} | {s.licence} |"
            f" {factors} | {len(mine)} | {unverified} |"
        )
    return "\n".join(lines) + "\n"


def families_markdown() -> str:
    def category(number: int | None) -> str:
        return "-" if number is None else f"{number} {SCOPE3_CATEGORIES[number]}"

    lines = [
        "| family | scope | default category | allowed categories | method | negative allowed |",
        "|---|---|---|---|---|---|",
    ]
    for f in FAMILIES.values():
        allowed = ", ".join(str(n) for n in sorted(f.allowed_categories)) or "-"
        lines.append(
            f"| `{f.name}` | {f.scope} | {category(f.default_category)} | {allowed} |"
            f" {f.method} | {'yes' if f.allow_negative else 'no'} |"
        )
    return "\n".join(lines) + "\n"


# Keys listed as one pattern in docs/activity-keys.md: (regular expression, pattern shown).
KEY_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"spend\.naics\.\d{6}\.excl_margins"), "spend.naics.<NAICS-6>.excl_margins"),
    (re.compile(r"spend\.naics\.\d{6}"), "spend.naics.<NAICS-6>"),
)


def keys_markdown(records: Sequence[Rec]) -> str:
    """Every activity key in factors.csv, grouped by family, with its regions, units and sets."""
    keys: dict[str, list[Rec]] = {}
    members: dict[str, set[str]] = {}
    for r in records:
        # One line per pattern where a publisher's codes make thousands of keys (USEEIO: a pair
        # per NAICS-6 commodity); `zerotrail factors search --activity` lists them.
        name = next((shown for k, shown in KEY_PATTERNS if k.fullmatch(r["activity"])), None)
        keys.setdefault(name or r["activity"], []).append(r)
        members.setdefault(name or r["activity"], set()).add(r["activity"])
    out: list[str] = []
    for family in FAMILIES.values():
        names = sorted(k for k in keys if k.split(".")[0] == family.name)
        if not names:
            continue
        count = sum(len(members[name]) for name in names)
        out += [
            f"### {family.name} (Scope {family.scope}, {family.method})",
            "",
            f"{count:,} key{'' if count == 1 else 's'}.",
            "",
            "| key | regions | units | factor sets |",
            "|---|---|---|---|",
        ]
        for name in names:
            rows = keys[name]
            regions = ", ".join(sorted({r["region"] for r in rows}))
            units = ", ".join(sorted({r["unit"] for r in rows}))
            sets = ", ".join(sorted({r["factor_set"] for r in rows}, key=SET_ORDER.__getitem__))
            many = len(members[name]) > 1
            shown = f"`{name}` ({len(members[name]):,} keys)" if many else f"`{name}`"
            out.append(f"| {shown} | {regions} | {units} | {sets} |")
        out.append("")
    return "\n".join(out)


def key_list_from_csv(factors_csv: Path) -> str:
    """The generated key list of docs/activity-keys.md, from a factors.csv file."""
    return keys_markdown(read_csv(factors_csv))


def update_docs(docs: Path, out: Path) -> None:
    records = read_csv(out / "factors.csv")
    sets = [FactorSetInfo(**r) for r in read_csv(out / "factor_sets.csv")]
    blocks = {
        "factors.md": [("factor sets", sets_markdown(sets, records))],
        "activity-keys.md": [
            ("families", families_markdown()),
            ("keys", key_list_from_csv(out / "factors.csv")),
        ],
    }
    for name, replacements in blocks.items():
        path = docs / name
        if not path.is_file():
            raise BuildError(f"{path} is missing (it holds the generated blocks)")
        old = path.read_text(encoding="utf-8")
        new = old
        for block, body in replacements:
            new = replace_block(new, block, body)
        if new != old:
            write_bytes(path, new.encode("utf-8"))


# ----------------------------------------------------------------------------------------------
# Command line


def build(reference: Path, out: Path, docs: Path | None, update_pins: bool) -> None:
    if not (reference / "data").is_dir() or not (reference / "sources").is_dir():
        raise BuildError(
            f"{reference} lacks data/ or sources/ (give the reference folder with --reference)"
        )
    hashes = check_pins(reference, update_pins)
    rows = build_rows(reference)
    sets = build_sets(rows, hashes)
    write_bytes(out / "factors.csv", csv_bytes(FACTOR_COLUMNS, (r.to_record() for r in rows)))
    write_bytes(
        out / "factor_sets.csv",
        csv_bytes(
            FACTOR_SET_COLUMNS, ({c: getattr(s, c) for c in FACTOR_SET_COLUMNS} for s in sets)
        ),
    )
    write_bytes(out / "inputs.json", (json.dumps(hashes, indent=2, sort_keys=True) + "\n").encode())
    for name in COPIED:
        write_bytes(out / Path(name).name, (reference / name).read_bytes())
    if docs is not None:
        update_docs(docs, out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--reference",
        type=Path,
        default=REPO.parent / "shared" / "reference",
        help="the reference folder (with data/ and sources/); default ../shared/reference",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=REPO / "src" / "zerotrail" / "reference" / "data",
        help="where to write the package data files",
    )
    parser.add_argument(
        "--docs",
        type=Path,
        default=REPO / "docs",
        help="folder of factors.md and activity-keys.md to update",
    )
    parser.add_argument("--no-docs", action="store_true", help="do not touch the docs")
    parser.add_argument(
        "--update-pins",
        action="store_true",
        help="accept changed inputs and rewrite the pins in this script",
    )
    args = parser.parse_args(argv)
    try:
        build(args.reference, args.out, None if args.no_docs else args.docs, args.update_pins)
    except BuildError as exc:
        print(f"build_factors: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
