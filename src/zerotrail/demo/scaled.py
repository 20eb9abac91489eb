"""Emmet Group at benchmark scale: procurement lines and per-server power readings as Parquet.

Part of `demo/`, used by the benchmarks (bench/) and by anyone trying the engine on 10^7-10^9
rows. Rows are drawn with numpy and assembled with pyarrow compute kernels a batch at a time,
and each batch is appended to one Parquet file, so memory stays bounded by `batch` whatever
`rows` is. They reference only the entities and sites `write_demo` writes, years 2020-2025,
and keys the demo's factors resolve: `electricity.grid` in kWh at the data centres (their grid
regions) and the demo's `spend.naics.*` codes in USD, a purchase outside the US pinning the
USEEIO factor its year takes, as the small demo's records do (pins.py). The acquired US business
appears only from April 2023, as in the small demo.

Same (rows, seed, batch) give the same rows; numpy's Generator stream is stable within a numpy
version, which is all a benchmark needs.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from zerotrail.demo.company import CLOUD, INTL, PAY, ROOT, US, US_ACQUIRED, YEARS, site
from zerotrail.demo.company import entity as entity_of
from zerotrail.demo.library import FactorLine, keyed, read_library
from zerotrail.demo.pins import pin_for
from zerotrail.demo.plan import SERVER_CAPEX, SERVER_CODE, SPEND_CAT1
from zerotrail.errors import FactorError
from zerotrail.ingest.formats import ACTIVITIES

# Column order of the Parquet file (the ACTIVITIES columns the demo uses, data-quality aside).
SCALED_COLUMNS: tuple[str, ...] = tuple(c for c in ACTIVITIES.names if not c.startswith("dq_"))

TELEMETRY_SHARE = 0.4  # the rest are procurement lines
DATA_CENTRES = ("ZB-DC", "HZ-DC", "UQ-DC", "GZ-DC", "CD-DC", "LDN-DC", "NJ-DC")
# Procurement by buying entity; the US business only buys once it has joined.
BUYERS = ((ROOT, 0.20), (PAY, 0.45), (CLOUD, 0.25), (INTL, 0.05), (US, 0.05))
SERVERS = 200_000
SUPPLIERS = 50_000
CORRECTION_SHARE = 0.005
_PO_URL = "https://erp.emmet.example/po/"


def scaled_schema() -> Any:
    """The `pyarrow.Schema` of the Parquet file `write_scaled` writes."""
    import pyarrow as pa

    types = {
        "period_start": pa.date32(),
        "period_end": pa.date32(),
        "quantity": pa.float64(),
        "scope3_category": pa.int32(),
    }
    not_null = {"period_start", "period_end", "quantity"}
    return pa.schema(
        [pa.field(c, types.get(c, pa.string()), nullable=c not in not_null) for c in SCALED_COLUMNS]
    )


class _Vocabulary:
    """The small tables rows index into, built once per file."""

    def __init__(self, library: dict[str, list[FactorLine]]) -> None:
        import pyarrow as pa

        months = [date(y, m, 1) for y in YEARS for m in range(1, 13)]
        ends = [*months[1:], date(YEARS[-1] + 1, 1, 1)]
        self.month_start = pa.array(months, pa.date32())
        self.month_end = pa.array([date.fromordinal(d.toordinal() - 1) for d in ends], pa.date32())
        self.us_first_month = months.index(US_ACQUIRED)
        self.n_months = len(months)
        # Spend lines: (key, category) weighted by the plan's group spend.
        lines = [(f"spend.naics.{code}", 1, usd) for code, usd, *_ in SPEND_CAT1]
        lines.append((f"spend.naics.{SERVER_CODE}", 2, SERVER_CAPEX[0]))
        total = sum(w for *_, w in lines)
        self.spend_weights = [w / total for *_, w in lines]
        self.spend_category = [c for _, c, _ in lines]
        # Index tables for strings: activity, entity, site, region, unit.
        self.activities = ["electricity.grid", *(k for k, _, _ in lines)]
        dcs = [site(s) for s in DATA_CENTRES]
        self.entities = sorted({s.entity for s in dcs} | {e for e, _ in BUYERS})
        self.sites = list(DATA_CENTRES)
        regions = sorted({s.region for s in dcs} | {entity_of(e).country for e, _ in BUYERS})
        self.regions = regions
        self.site_entity = [self.entities.index(s.entity) for s in dcs]
        self.site_region = [regions.index(s.region) for s in dcs]
        self.nj = DATA_CENTRES.index("NJ-DC")
        self.buyer_weights = [w for _, w in BUYERS]
        self.buyer_entity = [self.entities.index(e) for e, _ in BUYERS]
        self.buyer_region = [regions.index(entity_of(e).country) for e, _ in BUYERS]
        self.us_buyer = [e for e, _ in BUYERS].index(US)
        self.pay_buyer = [e for e, _ in BUYERS].index(PAY)
        self.suppliers = pa.array([f"SUP-{i:06d}" for i in range(SUPPLIERS)], pa.string())
        self.units = pa.array(["kWh", "USD"], pa.string())
        # The pin of a purchase by (buyer region, spend line, month): None where the region's
        # own factor applies.
        self.n_lines = len(lines)
        pins: list[str | None] = []
        for region in regions:
            for key, _, _ in lines:
                for start in months:
                    found = pin_for(library, key, region, "USD", start)
                    if found is None:
                        raise FactorError(f"the factor library has no factor for {key} in {region}")
                    pins.append(found or None)
        self.pins = pa.array(pins, pa.string())


def _strings(values: list[str]) -> Any:
    import pyarrow as pa

    return pa.array(values, pa.string())


def _batch(offset: int, n: int, rng: Any, v: _Vocabulary) -> Any:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    month = rng.integers(0, v.n_months, n)
    tel = rng.random(n) < TELEMETRY_SHARE

    # Telemetry: a server's monthly kWh in one data centre.
    dc = rng.integers(0, len(DATA_CENTRES), n)
    late = v.us_first_month + month % (v.n_months - v.us_first_month)
    kwh = np.round(200.0 + 300.0 * rng.random(n), 3)
    server = rng.integers(0, SERVERS, n)

    # Procurement: a purchase-order line.
    line = rng.choice(len(v.spend_weights), n, p=v.spend_weights)
    buyer = rng.choice(len(v.buyer_weights), n, p=v.buyer_weights)
    usd = np.round(np.exp(rng.normal(8.0, 1.3, n)), 2)
    credit = rng.random(n) < CORRECTION_SHARE
    usd = np.where(credit, -np.round(usd * 0.1, 2), usd)
    supplier = rng.integers(0, SUPPLIERS, n)

    # The US business joins in April 2023: its rows move into its months, and purchases
    # booked to it earlier go to Emmet Payments.
    month = np.where(tel & (dc == v.nj), late, month)
    buyer = np.where(~tel & (buyer == v.us_buyer) & (month < v.us_first_month), v.pay_buyer, buyer)

    site_entity = np.asarray(v.site_entity)[dc]
    site_region = np.asarray(v.site_region)[dc]
    entity = np.where(tel, site_entity, np.asarray(v.buyer_entity)[buyer])
    region = np.where(tel, site_region, np.asarray(v.buyer_region)[buyer])
    activity = np.where(tel, 0, line + 1)
    pin = (region * v.n_lines + line) * v.n_months + month
    category = np.asarray(v.spend_category, dtype=np.int32)[line]

    ids = pc.utf8_lpad(pc.cast(pa.array(np.arange(offset, offset + n)), pa.string()), 11, "0")
    record_id = pc.binary_join_element_wise("S", ids, "")
    proc = pa.array(~tel)
    servers = pc.utf8_lpad(pc.cast(pa.array(server), pa.string()), 6, "0")
    arrays = {
        "record_id": record_id,
        "entity": pc.take(_strings(v.entities), pa.array(entity)),
        "site": pc.take(_strings(v.sites), pa.array(dc, mask=~tel)),
        "period_start": pc.take(v.month_start, pa.array(month)),
        "period_end": pc.take(v.month_end, pa.array(month)),
        "activity": pc.take(_strings(v.activities), pa.array(activity)),
        "quantity": pa.array(np.where(tel, kwh, usd), pa.float64()),
        "unit": pc.take(v.units, pa.array(np.where(tel, 0, 1))),
        "region": pc.take(_strings(v.regions), pa.array(region)),
        "scope3_category": pa.array(category, pa.int32(), mask=tel),
        "supplier": pc.take(v.suppliers, pa.array(supplier, mask=tel)),
        "factor_id": pc.take(v.pins, pa.array(pin, mask=tel)),
        "heat_basis": pa.nulls(n, pa.string()),
        "ch4_origin": pa.nulls(n, pa.string()),
        "evidence": pc.if_else(
            proc, pc.binary_join_element_wise(_PO_URL, record_id, ""), pa.scalar(None, pa.string())
        ),
        "note": pc.if_else(
            pa.array(tel),
            pc.binary_join_element_wise("server srv-", servers, ""),
            pa.scalar(None, pa.string()),
        ),
    }
    return pa.Table.from_arrays([arrays[c] for c in SCALED_COLUMNS], schema=scaled_schema())


def write_scaled(
    out_path: Path,
    rows: int,
    seed: int = 2020,
    batch: int = 1_000_000,
    *,
    library: Path | None = None,
) -> Path:
    """Write `rows` procurement and telemetry activity rows to the Parquet file `out_path`.

    Memory is bounded by `batch` rows; each batch becomes one row group. `library` is the
    factor library the pins are chosen from (the shipped one by default).
    """
    import numpy as np
    import pyarrow.parquet as pq

    if rows < 0:
        raise ValueError(f"rows must be >= 0, not {rows}")
    if batch <= 0:
        raise ValueError(f"batch must be > 0, not {batch}")
    vocabulary = _Vocabulary(keyed(read_library(library)))
    rng = np.random.default_rng(seed)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with pq.ParquetWriter(out_path, scaled_schema()) as writer:
        for offset in range(0, rows, batch):
            writer.write_table(_batch(offset, min(batch, rows - offset), rng, vocabulary))
    return out_path
