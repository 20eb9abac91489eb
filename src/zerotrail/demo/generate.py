"""Writing the demo company Emmet Group as import files, the same bytes for the same seed.

Part of `demo/`: the entry point `make demo` uses before importing, calculating and reporting.
`write_demo` writes the files a user would bring in the documented formats (docs/formats.md,
docs/roadmap.md): the inventory's five (organisation, sites, a custom factor set,
certificates, activity data) and the roadmap's eight (intensity metrics, suppliers, energy
meters, cooling history, reduction initiatives, the targets as TOML, the base-year event of
the 2023 acquisition, carbon credits). `write_scaled` (in scaled.py) writes the same
company's procurement and telemetry at benchmark scale.

Determinism: the organisation and instruments are fixed tables; activity noise comes from
`random.Random` seeded with a string (stable across runs and platforms); numbers are written
with a fixed number of decimals; nothing depends on the clock or on set order. The records'
pinned factors (pins.py) and the proxy factor set (proxies.py) depend on the factor library they
are chosen from, and on nothing else.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from zerotrail.demo.acquisition import event_record
from zerotrail.demo.activities import activities
from zerotrail.demo.company import ENTITIES, SITES
from zerotrail.demo.credits import credit_records
from zerotrail.demo.datacentres import cooling_records, meter_records
from zerotrail.demo.evidence import MISKEYED, corrected
from zerotrail.demo.instruments import instruments
from zerotrail.demo.library import CUSTOM_COLUMNS, keyed, read_library
from zerotrail.demo.metrics import metric_records, supplier_records
from zerotrail.demo.pins import pin
from zerotrail.demo.proxies import derive
from zerotrail.demo.roadmap import ROADMAP_TOML, initiatives
from zerotrail.demo.scaled import write_scaled
from zerotrail.ingest.formats import (
    ACTIVITIES,
    BASELINE_EVENTS,
    COOLING,
    CREDITS,
    INITIATIVES,
    INSTRUMENTS,
    METERS,
    METRICS,
    SUPPLIERS,
)
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
    metrics: Path
    suppliers: Path
    meters: Path
    cooling: Path
    initiatives: Path
    roadmap: Path
    baseline_events: Path
    credits: Path
    # The December 2025 report of a data centre's office annex, keyed in after the rest, with
    # its unit wrong; and the correction the company imports when the verifier finds it
    # (demo/evidence.py).
    late_activities: Path
    correction: Path

    def all(self) -> tuple[Path, ...]:
        return (
            self.entities,
            self.sites,
            self.factors,
            self.instruments,
            self.activities,
            self.metrics,
            self.suppliers,
            self.meters,
            self.cooling,
            self.initiatives,
            self.roadmap,
            self.baseline_events,
            self.credits,
            self.late_activities,
            self.correction,
        )


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

    `library` is the factor library the records' factors are chosen from and the proxy set is
    derived from (the shipped one by default, a file in the shipped format otherwise).
    FactorError when it is missing, or lacks a factor a record or a proxy needs.
    """
    # Choose first: a missing library or factor fails before any file is written.
    published = keyed(read_library(library))
    proxies = derive(published)
    acts = pin(activities(seed), published, proxies)
    out_dir.mkdir(parents=True, exist_ok=True)
    roadmap = out_dir / "roadmap.toml"
    roadmap.write_bytes(ROADMAP_TOML.encode("utf-8"))
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
            out_dir / "activities.csv", ACTIVITIES.names, (a.to_record() for a in acts)
        ),
        metrics=write_csv(out_dir / "metrics.csv", METRICS.names, metric_records()),
        suppliers=write_csv(out_dir / "suppliers.csv", SUPPLIERS.names, supplier_records(acts)),
        meters=write_csv(out_dir / "meters.csv", METERS.names, meter_records(acts)),
        cooling=write_csv(out_dir / "cooling.csv", COOLING.names, cooling_records()),
        initiatives=write_csv(
            out_dir / "initiatives.csv", INITIATIVES.names, (i.to_record() for i in initiatives())
        ),
        roadmap=roadmap,
        baseline_events=write_csv(
            out_dir / "baseline_events.csv", BASELINE_EVENTS.names, [event_record()]
        ),
        credits=write_csv(out_dir / "credits.csv", CREDITS.names, credit_records()),
        late_activities=write_csv(
            out_dir / "activities-2025-late.csv", ACTIVITIES.names, [MISKEYED.to_record()]
        ),
        correction=write_csv(
            out_dir / "activities-2025-correction.csv", ACTIVITIES.names, [corrected().to_record()]
        ),
    )
