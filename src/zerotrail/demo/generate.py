"""Writing the demo company Emmet Group as import files, the same bytes for the same seed.

Part of `demo/`: the entry point `make demo` uses before importing, calculating and reporting.
`write_demo` writes the five files a user would bring (organisation, sites, a custom factor
set, certificates, activity data) in the documented formats (docs/formats.md); `write_scaled`
(in scaled.py) writes the same company's procurement and telemetry at benchmark scale.

Determinism: the organisation and instruments are fixed tables; activity noise comes from
`random.Random` seeded with a string (stable across runs and platforms); numbers are written
with a fixed number of decimals; nothing depends on the clock or on set order. The proxy factor
set depends on the factor library it is derived from, and on nothing else.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from zerotrail.demo.activities import activities
from zerotrail.demo.company import ENTITIES, SITES
from zerotrail.demo.instruments import instruments
from zerotrail.demo.library import CUSTOM_COLUMNS, read_library
from zerotrail.demo.proxies import derive
from zerotrail.demo.scaled import write_scaled
from zerotrail.demo.streams import lines
from zerotrail.ingest.formats import ACTIVITIES, INSTRUMENTS
from zerotrail.ingest.formats import ENTITIES as ENTITIES_FORMAT
from zerotrail.ingest.formats import SITES as SITES_FORMAT

DEFAULT_SEED = 2020

__all__ = ["DEFAULT_SEED", "DemoFiles", "write_csv", "write_demo", "write_scaled"]


@dataclass(frozen=True, slots=True)
class DemoFiles:
    """Paths of the files `write_demo` wrote, in the order they are imported."""

    entities: Path
    sites: Path
    factors: Path
    instruments: Path
    activities: Path

    def all(self) -> tuple[Path, ...]:
        return (self.entities, self.sites, self.factors, self.instruments, self.activities)


def write_csv(path: Path, columns: Sequence[str], records: Iterable[Mapping[str, str]]) -> Path:
    """Write `records` under a header of `columns`: UTF-8, comma-separated, '\\n' line ends
    (fixed, so the bytes do not depend on the platform)."""
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(
            f, fieldnames=list(columns), lineterminator="\n", extrasaction="raise"
        )
        writer.writeheader()
        for record in records:
            writer.writerow(record)
    return path


def write_demo(
    out_dir: Path, seed: int = DEFAULT_SEED, *, library: Path | None = None
) -> DemoFiles:
    """Write Emmet Group's files into `out_dir` (created if needed) and return their paths.

    `library` is the factor library the proxy set is derived from (the shipped one by default,
    a file in the shipped format otherwise). FactorError when it is missing or lacks a factor
    the proxies need.
    """
    # Derive first: a missing library fails before any file is written.
    proxies = derive(read_library(library), lines())
    out_dir.mkdir(parents=True, exist_ok=True)
    return DemoFiles(
        entities=write_csv(
            out_dir / "entities.csv", ENTITIES_FORMAT.names, (e.to_record() for e in ENTITIES)
        ),
        sites=write_csv(out_dir / "sites.csv", SITES_FORMAT.names, (s.to_record() for s in SITES)),
        factors=write_csv(
            out_dir / "factors.csv", CUSTOM_COLUMNS, (r.to_custom_record() for r in proxies)
        ),
        instruments=write_csv(
            out_dir / "instruments.csv", INSTRUMENTS.names, (i.to_record() for i in instruments())
        ),
        activities=write_csv(
            out_dir / "activities.csv", ACTIVITIES.names, (a.to_record() for a in activities(seed))
        ),
    )
