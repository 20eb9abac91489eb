"""Fuzz targets for the importers: every import kind, fed mutations of a small valid file.

Where it sits: used by tests/fuzz/test_importers.py (bounded, Hypothesis) and bench/fuzz.py (long
runs). `build_template` makes one small workspace with a record or two of every kind (and a recorded
2020 base year, so base-year events and targets go as deep as they can); `Arena` runs a
target's call on an in-memory copy of it and judges the outcome:

- success: fine (the workspace is restored from the template if the import changed it, so the
  next input starts from the same state);
- `ZerotrailError` (`DataError` and the others): fine only if the workspace is exactly as before
  (the digest of every table is unchanged) and no transaction was left open;
- anything else: a crash.

Each target's seed file imports successfully into the template, so mutations start from a
file that reaches the deepest checks, and every kind's file is small (a few rows) so an input
costs milliseconds of parsing, not of data volume.
"""

# ruff: noqa: E501  (the seed files below are CSV data, one record a line)

from __future__ import annotations

import contextlib
import hashlib
import io
import random
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.fuzz.mutate import (
    Mutator,
    mix,
    mutate_bytes,
    mutate_lines,
    mutate_rows,
    mutate_table,
    parse_csv,
    show,
)
from zerotrail.errors import ZerotrailError
from zerotrail.store.workspace import Workspace, open_workspace

# --- the template workspace -----------------------------------------------------------------

FACTORS = """\
factor_id,factor_set,activity,region,valid_from,valid_to,unit,gas,value,value_unit,gwp_basis,source
t-elec,test,electricity.grid,GLOBAL,2020-01-01,2025-12-31,MWh,CO2,1.0,t,,test factor
t-diesel,test,stationary_combustion.diesel,GLOBAL,2020-01-01,2025-12-31,GJ,CO2,1.0,t,,test factor
t-steel,test,purchased_goods.steel,GLOBAL,2020-01-01,2025-12-31,t,CO2e,1.0,t,AR5,test factor
"""

ENTITIES = """\
entity,name,parent,equity_share,financial_control,operational_control,country
E,Emmet,,100,yes,yes,CN
A,Acquired Ltd,E,60,yes,yes,CN
"""

SITES = """\
site,entity,kind,region,name,operational_control
HQ,E,campus,CN-EAST,Head office,
DC1,E,data_center_leased,CN-EAST,Leased data centre,
A1,A,office,CN-EAST,Acquired office,
"""

PRICE_INDICES = """\
currency,year,index,source,url,note
USD,2020,100.0,US BEA PCE price index 2024,https://example.org/pce,
USD,2021,104.2,US BEA PCE price index 2024,https://example.org/pce,
"""

INSTRUMENTS = """\
instrument_id,type,mwh,period_start,period_end,region,entity,site,status,retired_on,registry_id,emission_rate_t_per_mwh
GEC-2020-HQ,GEC,100.000,2020-01-01,2020-06-30,CN,E,HQ,retired,2020-07-15,CN-GEC-2020H1-HQ,
"""

ACTIVITIES = """\
record_id,entity,period_start,period_end,activity,quantity,unit,region,site,scope3_category,supplier,factor_id,ch4_origin,evidence,note,dq_technology,dq_time,dq_geography,dq_completeness,dq_reliability
E-diesel-2020,E,2020-01-01,2020-12-31,stationary_combustion.diesel,200,GJ,CN-EAST,,,,t-diesel,,,,,,,,
E-hq-2020,E,2020-01-01,2020-12-31,electricity.grid,500,MWh,CN-EAST,HQ,,,t-elec,,,,,,,,
E-dc-2020,E,2020-01-01,2020-12-31,electricity.grid,300,MWh,CN-EAST,DC1,,,t-elec,,,,,,,,
A-a1-2020,A,2020-01-01,2020-12-31,electricity.grid,100,MWh,CN-EAST,A1,,,t-elec,,,,,,,,
E-steel-2020,E,2020-01-01,2020-12-31,purchased_goods.steel,4000,t,CN-EAST,,,SUP-GREEN,t-steel,,https://erp.example/po/1 sha256:ac8d8011f4f5fb00a299f4d66ae560bb52339de40c84a663a6c4edf19edb4faf,steel,2,3,3,4,2
"""

METERS = """\
site,period_start,period_end,facility_mwh,it_mwh,onsite_renewable_mwh
DC1,2020-01-01,2020-06-30,150.0,100.0,
"""

COOLING = """\
site,since,technology,note
DC1,2017-09-01,air,chilled-water air cooling as built
"""

METRICS = """\
metric,year,value,unit
revenue,2020,118240.0,CNY million
"""

SUPPLIERS = """\
supplier,name,sbt_year
SUP-GREEN,Green Steel,2025
"""

CREDITS = """\
credit_id,registry,project_id,project_name,methodology,type,durability,vintage,serial_start,serial_end,quantity,status,retired_on,beneficiary,reason,claim_year,ccp_label,corsia_eligible,corresponding_adjustment
CR-1,Verra VCS,728,Wind farm,ACM0002,avoidance,none,2019,VCS-728-2019-000001,VCS-728-2019-001000,1000,held,,,,,yes,no,no
"""

INITIATIVES = """\
initiative_id,name,owner,lever,sites,start_year,expected_t_per_year,cost,currency,description
INI-DC,Free cooling,Data-centre operations,efficiency,DC1,2022,120,3800000,CNY,Fresh-air free cooling.
"""

ROADMAP = """\
[[target]]
id = "S12"
kind = "absolute"
name = "Scope 1 + 2 down 30% by 2025"
scopes = [1, 2]
scope2_method = "location"
base_year = 2020
target_year = 2025
reduction_pct = 30
set_year = 2021
"""

# --- the seeds: each imports successfully into the template ---------------------------------
# Mostly the template's rows again (unchanged) plus one new row, so mutations of the old rows
# reach the "changed record" paths and mutations of the new row the "new record" ones.

SEED_ACTIVITIES = ACTIVITIES + (
    "E-diesel-2021,E,2021-01-01,2021-12-31,stationary_combustion.diesel,190.5,GJ,CN-EAST,,,,"
    "t-diesel,fossil,,second year,1,2,3,4,5\n"
)
SEED_ENTITIES = ENTITIES + "B,Branch Co,A,50,joint,no,HK\n"
SEED_SITES = SITES + "W1,A,warehouse,CN-NORTH,Warehouse,yes\n"
SEED_INSTRUMENTS = INSTRUMENTS + (
    "PPA-2021-DC1,PPA,80.5,2021-01-01,2021-12-31,CN,,DC1,held,,PPA-77,0.0\n"
)
# Factor sets are immutable: the seed repeats set "test" as it is and brings a new set.
SEED_FACTORS = FACTORS + (
    "t2-elec,test2,electricity.grid,CN-EAST,2021-01-01,2021-12-31,kWh,CH4,0.0001,kg,,test two\n"
    "t2-spend,test2,purchased_goods.spend,GLOBAL,2021-01-01,2021-12-31,USD,CO2e,0.4,kg,AR5,"
    "test two\n"
)
SEED_PRICE_INDICES = PRICE_INDICES + "EUR,2020,100.0,Eurostat HICP 2024,,base year\n"
SEED_METERS = METERS + "DC1,2020-07-01,2020-12-31,160.0,101.5,2.5\n"
SEED_COOLING = COOLING + "DC1,2022-04-01,free_cooling,fresh-air free cooling\n"
SEED_METRICS = METRICS + "employees,2020,5400,FTE\n"
SEED_SUPPLIERS = SUPPLIERS + "SUP-BLUE,Blue Logistics,\n"
SEED_CREDITS = CREDITS + (
    "CR-2,Gold Standard,GS-11,Cookstoves,TPDDTEC,reduction,none,2020,GS-11-2020-1,GS-11-2020-20,"
    "20,retired,2021-03-01,Emmet Group,2020 claim,2020,no,no,no\n"
)
SEED_INITIATIVES = INITIATIVES + (
    "INI-HQ,LED lighting,Facilities,efficiency,HQ;A1,2021,15.5,120000,CNY,LEDs everywhere.\n"
)
SEED_SCREENING = (
    "category,relevant,criteria,justification,data_source,estimate_t,estimate_method\n"
    "1,yes,size;influence,Largest category: purchased services.,Procurement ledger,,\n"
    "15,no,,Only a small stake in a joint venture.,,158.13,Equity share x grid electricity\n"
)
SEED_BASELINE_EVENTS = (
    "event_id,base_year,year,kind,description,entity,in_base_year,scope1_t,scope2_location_t,"
    "scope2_market_t,scope3_t\n"
    "EV-ACQ,2020,2023,acquisition,Acquisition of Branch Co,A,yes,134.5,220.8,220.8,254.0\n"
)
SEED_ROADMAP = (
    ROADMAP
    + """
[[target]]
id = "RE-DC"
name = "Renewables for 30% of leased data centres by 2025"
kind = "renewable_share"
site_kind = "data_center_leased"
base_year = 2020
target_year = 2025
share_pct = 30
set_year = 2021

[[target]]
id = "NZ"
name = "Net zero by 2030"
kind = "net_zero"
scopes = [1, 2, 3]
base_year = 2020
target_year = 2030
reduction_pct = 90
removals = "permanent"
set_year = 2021

[recalculation]
threshold_pct = 5
cumulative = true
"""
)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _record_base_year(ws: Workspace) -> None:
    """Version 1 of the 2020 base year, which base-year events and targets build on.

    Recorded directly: calculating 2020 first (the public way) costs 5-15 s here, a quarter of
    the fuzz tests' budget, and the importers only read the version. If the internals moved,
    calculate after all.
    """
    from datetime import datetime

    try:
        from zerotrail.store.baseyear import insert_version
        from zerotrail.store.committed import commit_new
        from zerotrail.targets.baseyear import Version, version_row
        from zerotrail.targets.recalc import Figures

        version = Version(
            2020,
            1,
            Figures(200.0, 900.0, 900.0, {1: 4000.0}),
            "fuzz template",
            (),
            None,
            datetime(2021, 1, 1),
        )
        with ws.transaction():
            insert_version(ws, version_row(version))
            commit_new(ws, "base_year")
    except (ImportError, TypeError, AttributeError):
        from zerotrail.engine.settings import InventorySettings
        from zerotrail.pipeline.calculation import calculate
        from zerotrail.pipeline.roadmap import record_base_year

        calculate(ws, InventorySettings(2020))
        record_base_year(ws, 2020)


def build_template(directory: Path) -> Path:
    """A small workspace with every kind imported and the 2020 base year recorded."""
    from zerotrail.pipeline.imports import (
        import_activities,
        import_cooling,
        import_credits,
        import_entities,
        import_factors,
        import_initiatives,
        import_instruments,
        import_meters,
        import_metrics,
        import_price_indices,
        import_sites,
        import_suppliers,
    )
    from zerotrail.pipeline.roadmap import add_targets
    from zerotrail.targets.roadmap import read_roadmap

    directory.mkdir(parents=True, exist_ok=True)
    db = directory / "template.duckdb"
    files = directory / "template-files"
    files.mkdir(exist_ok=True)
    steps: list[tuple[Callable[[Workspace, Path], Any], str, str]] = [
        (import_factors, "factors.csv", FACTORS),
        (import_entities, "entities.csv", ENTITIES),
        (import_sites, "sites.csv", SITES),
        (import_price_indices, "price_indices.csv", PRICE_INDICES),
        (import_instruments, "instruments.csv", INSTRUMENTS),
        (import_activities, "activities.csv", ACTIVITIES),
        (import_meters, "meters.csv", METERS),
        (import_cooling, "cooling.csv", COOLING),
        (import_metrics, "metrics.csv", METRICS),
        (import_suppliers, "suppliers.csv", SUPPLIERS),
        (import_credits, "credits.csv", CREDITS),
        (import_initiatives, "initiatives.csv", INITIATIVES),
    ]
    with open_workspace(str(db), create=True) as ws:
        ws.set_setting("organization", "Fuzz Co")
        for step, name, text in steps:
            step(ws, _write(files / name, text))
        _record_base_year(ws)
        roadmap = _write(files / "roadmap.toml", ROADMAP)
        add_targets(ws, read_roadmap(roadmap), roadmap.name)
    return db


# --- digest ---------------------------------------------------------------------------------


_CATALOG = (
    "SELECT string_agg(schema_name || '.' || name || ':' || kind, ',' ORDER BY kind, name)"
    " FROM (SELECT database_name, schema_name, table_name AS name, 'table' AS kind"
    " FROM duckdb_tables() UNION ALL SELECT database_name, schema_name, view_name, 'view'"
    " FROM duckdb_views() WHERE NOT internal UNION ALL SELECT database_name, schema_name,"
    " sequence_name, 'sequence' FROM duckdb_sequences())"
    " WHERE database_name = current_database()"
)


def tables(ws: Workspace) -> list[str]:
    """The workspace's tables (the current database's `main` schema)."""
    return [
        str(t)
        for (t,) in ws.fetchall(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
            " AND schema_name = 'main' ORDER BY table_name"
        )
    ]


def digest(ws: Workspace, names: list[str]) -> str:
    """SHA-256 over the catalog (tables, views, sequences) and every table's content.

    A table's content is its row count and the sum of DuckDB's 64-bit `hash` of each whole row
    (as HUGEINT: a sum, unlike an XOR, does not cancel duplicated rows), so row order, which
    no reader relies on, does not count. One query.
    """
    parts = [f"SELECT 0 AS i, ({_CATALOG}) AS t, NULL AS n, NULL AS h"] + [
        f"SELECT {i}, '{t}', count(*), sum(hash(x)::HUGEINT) FROM \"{t}\" AS x"
        for i, t in enumerate(names, start=1)
    ]
    rows = ws.fetchall(" UNION ALL ".join(parts) + " ORDER BY 1")
    return hashlib.sha256(repr(rows).encode()).hexdigest()


# --- targets --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImportTarget:
    """One import kind in one file format: the seed, how to mutate it, and the call."""

    name: str
    suffix: str
    seed: Callable[[], bytes]
    mutator: Mutator
    call: Callable[[Workspace, Path], Any]


def _csv(text: str) -> Callable[[], bytes]:
    return lambda: text.encode("utf-8")


def _xlsx_cell(value: Any) -> Any:
    """A value openpyxl can write: no control characters or lone surrogates in text."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("?", value)
        return value.encode("utf-8", "replace").decode("utf-8")
    return value


def _rows_to_xlsx(rows: list[list[Any]]) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    sheet = wb.active
    for r in rows:
        sheet.append([_xlsx_cell(v) for v in r])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _typed(value: str, rng: random.Random | None = None) -> Any:
    """A cell as a spreadsheet would type it: numbers, dates and booleans, not text."""
    from datetime import date

    if rng is not None and rng.random() < 0.15:
        return rng.choice(
            [None, True, 0, -1, 1.5, float("nan"), float("inf"), 1e20, date(2020, 2, 29), " "]
        )
    try:
        number = int(value)
        # Beyond 2**53 a spreadsheet holds no exact integer (and openpyxl cannot write it).
        return number if abs(number) < 2**53 else value
    except ValueError:
        pass
    try:
        return float(value)
    except (ValueError, OverflowError):
        pass
    try:
        return date.fromisoformat(value)
    except ValueError:
        return value


def _xlsx_seed(text: str) -> Callable[[], bytes]:
    return lambda: _rows_to_xlsx([[_typed(v) for v in r] for r in parse_csv(text.encode())])


def _xlsx_mutator(text: str) -> Mutator:
    rows = parse_csv(text.encode())

    def structured(seed: bytes, rng: random.Random) -> bytes:
        mutated = mutate_rows(rows, rng)
        return _rows_to_xlsx(
            [[_typed(v, rng) if i else v for v in r] for i, r in enumerate(mutated)]
        )

    return mix((3, structured), (1, mutate_bytes))


def _rows_to_parquet(rows: list[list[Any]], rng: random.Random | None = None) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    header = [str(h).encode("utf-8", "replace").decode("utf-8") for h in rows[0]] if rows else []
    # Parquet needs unique, non-empty column names and rectangular data.
    names = [h if h and h not in header[:i] else f"c{i}" for i, h in enumerate(header)]
    columns: dict[str, list[Any]] = {n: [] for n in names}
    for r in rows[1:]:
        for i, n in enumerate(names):
            columns[n].append(r[i] if i < len(r) else None)
    arrays = {}
    for n, raw in columns.items():
        # Parquet text is UTF-8: lone surrogates (undecodable bytes of a mutation) become "?".
        values = [
            v.encode("utf-8", "replace").decode("utf-8") if isinstance(v, str) else v for v in raw
        ]
        typed = [_typed(v) if isinstance(v, str) and v else None for v in values]
        kinds = {type(v) for v in typed if v is not None}
        if rng is not None and rng.random() < 0.2:
            kinds = {rng.choice([int, float, bool, str, bytes])}
        try:
            if kinds == {int}:
                arrays[n] = pa.array(typed, pa.int64())
            elif kinds <= {int, float} and kinds:
                floats = [v if isinstance(v, int | float) else None for v in typed]
                arrays[n] = pa.array(floats, pa.float64())
            elif kinds == {bool}:
                arrays[n] = pa.array([None if v is None else bool(v) for v in typed], pa.bool_())
            elif kinds == {bytes}:
                arrays[n] = pa.array([None if v is None else str(v).encode() for v in values])
            else:
                texts = [None if v in (None, "") else str(v) for v in values]
                arrays[n] = pa.array(texts, pa.string())
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, TypeError, ValueError):
            arrays[n] = pa.array([None if v in (None, "") else str(v) for v in values], pa.string())
    out = io.BytesIO()
    pq.write_table(pa.table(arrays), out)
    return out.getvalue()


def _parquet_seed(text: str) -> Callable[[], bytes]:
    return lambda: _rows_to_parquet(parse_csv(text.encode()))


def _parquet_mutator(text: str) -> Mutator:
    rows = parse_csv(text.encode())

    def structured(seed: bytes, rng: random.Random) -> bytes:
        return _rows_to_parquet(mutate_rows(rows, rng), rng)

    return mix((3, structured), (1, mutate_bytes))


CSV_MUTATOR = mix((3, mutate_table), (2, mutate_bytes), (1, mutate_lines))


def _call(module: str, function: str) -> Callable[[Workspace, Path], Any]:
    def call(ws: Workspace, path: Path) -> Any:
        import importlib

        return getattr(importlib.import_module(module), function)(ws, path)

    return call


def _add_targets(ws: Workspace, path: Path) -> Any:
    """What `zerotrail targets add FILE` does: read and check the roadmap, then store it."""
    from zerotrail.pipeline.roadmap import add_targets
    from zerotrail.targets.roadmap import read_roadmap

    return add_targets(ws, read_roadmap(path), path.name)


def _importer(name: str, seed: str, module: str, function: str) -> ImportTarget:
    return ImportTarget(name, ".csv", _csv(seed), CSV_MUTATOR, _call(module, function))


IMPORT_TARGETS: dict[str, ImportTarget] = {
    t.name: t
    for t in (
        _importer("activities", SEED_ACTIVITIES, "zerotrail.pipeline.imports", "import_activities"),
        _importer("entities", SEED_ENTITIES, "zerotrail.pipeline.imports", "import_entities"),
        _importer("sites", SEED_SITES, "zerotrail.pipeline.imports", "import_sites"),
        _importer(
            "instruments", SEED_INSTRUMENTS, "zerotrail.pipeline.imports", "import_instruments"
        ),
        _importer("factors", SEED_FACTORS, "zerotrail.pipeline.imports", "import_factors"),
        _importer(
            "price-indices",
            SEED_PRICE_INDICES,
            "zerotrail.pipeline.imports",
            "import_price_indices",
        ),
        _importer("meters", SEED_METERS, "zerotrail.pipeline.imports", "import_meters"),
        _importer("cooling", SEED_COOLING, "zerotrail.pipeline.imports", "import_cooling"),
        _importer("metrics", SEED_METRICS, "zerotrail.pipeline.imports", "import_metrics"),
        _importer("suppliers", SEED_SUPPLIERS, "zerotrail.pipeline.imports", "import_suppliers"),
        _importer("credits", SEED_CREDITS, "zerotrail.pipeline.imports", "import_credits"),
        _importer(
            "initiatives", SEED_INITIATIVES, "zerotrail.pipeline.imports", "import_initiatives"
        ),
        _importer("screening", SEED_SCREENING, "zerotrail.pipeline.screening", "import_screening"),
        _importer(
            "baseyear-events", SEED_BASELINE_EVENTS, "zerotrail.pipeline.roadmap", "import_events"
        ),
        ImportTarget(
            "targets-toml",
            ".toml",
            _csv(SEED_ROADMAP),
            mix((3, mutate_lines), (2, mutate_bytes)),
            _add_targets,
        ),
        ImportTarget(
            "activities-xlsx",
            ".xlsx",
            _xlsx_seed(SEED_ACTIVITIES),
            _xlsx_mutator(SEED_ACTIVITIES),
            _call("zerotrail.pipeline.imports", "import_activities"),
        ),
        ImportTarget(
            "activities-parquet",
            ".parquet",
            _parquet_seed(SEED_ACTIVITIES),
            _parquet_mutator(SEED_ACTIVITIES),
            _call("zerotrail.pipeline.imports", "import_activities"),
        ),
        ImportTarget(
            "credits-xlsx",
            ".xlsx",
            _xlsx_seed(SEED_CREDITS),
            _xlsx_mutator(SEED_CREDITS),
            _call("zerotrail.pipeline.imports", "import_credits"),
        ),
        ImportTarget(
            "sites-parquet",
            ".parquet",
            _parquet_seed(SEED_SITES),
            _parquet_mutator(SEED_SITES),
            _call("zerotrail.pipeline.imports", "import_sites"),
        ),
    )
}


# --- running inputs -------------------------------------------------------------------------


class Crash(AssertionError):
    """A property violation: an unexpected exception, or a refusal that changed the workspace."""


@dataclass(frozen=True, slots=True)
class Outcome:
    status: str  # "accepted", "refused" or "crash"
    detail: str = ""


class Arena:
    """A working copy of the template, in memory, and the input file; judges one input at a time.

    The template file is attached read-only once; each copy is a fresh in-memory database filled
    by `COPY FROM DATABASE` and made the connection's default (`USE`), so restoring after an
    accepted input costs one copy, not a file copy and a reopen. DuckDB's transactions behave the
    same in memory as in a file, which is all the property needs.
    """

    def __init__(self, template: Path, directory: Path) -> None:
        from zerotrail.store.workspace import WorkspaceURL, _connect

        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.con = _connect(WorkspaceURL("duckdb", ":memory:"))
        escaped = str(template).replace("'", "''")
        self.con.execute(f"ATTACH '{escaped}' AS zt_template (READ_ONLY)")
        self.ws: Workspace = Workspace(":memory:", self.con)
        self.current: str | None = None
        self.restores = 0
        self._restore()
        self.names = tables(self.ws)
        self.baseline = digest(self.ws, self.names)

    def _restore(self) -> None:
        with contextlib.suppress(Exception):
            self.con.execute("ROLLBACK")  # whatever the last input left open
        name = f"zt_arena_{self.restores}"
        self.con.execute(f"ATTACH ':memory:' AS {name}")
        self.con.execute(f"COPY FROM DATABASE zt_template TO {name}")
        self.con.execute(f"USE {name}")
        if self.current is not None:
            self.con.execute(f"DETACH {self.current}")
        self.current = name
        self.ws = Workspace(":memory:", self.con)
        self.restores += 1

    def close(self) -> None:
        self.con.close()

    def _open_transaction(self) -> bool:
        """True if the importer left a transaction open on the connection."""
        if self.ws._in_tx:
            return True
        try:
            self.con.execute("BEGIN TRANSACTION")
        except Exception:
            return True
        self.con.execute("ROLLBACK")
        return False

    def run(self, target: ImportTarget, data: bytes) -> Outcome:
        """Import `data` as `target`'s file; never raises for the input's sake."""
        assert self.ws is not None
        path = self.directory / f"{target.name}{target.suffix}"
        path.write_bytes(data)
        try:
            # A reader's warning about a damaged file is no failure (pytest makes warnings
            # errors, which would turn them into exceptions here).
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                target.call(self.ws, path)
        except ZerotrailError as exc:
            if self._open_transaction():
                self._restore()
                return Outcome(
                    "crash", f"refused with a transaction left open: {type(exc).__name__}: {exc}"
                )
            if digest(self.ws, self.names) != self.baseline:
                self._restore()
                return Outcome(
                    "crash", f"refused but changed the workspace: {type(exc).__name__}: {exc}"
                )
            return Outcome("refused", f"{type(exc).__name__}: {exc}")
        except Exception as exc:
            self._restore()
            where = traceback.extract_tb(exc.__traceback__)[-1]
            return Outcome(
                "crash",
                f"{type(exc).__name__}: {exc} (at {Path(where.filename).name}:{where.lineno})",
            )
        if self._open_transaction() or digest(self.ws, self.names) != self.baseline:
            self._restore()
        return Outcome("accepted")

    def check(self, target: ImportTarget, data: bytes) -> Outcome:
        """`run`, raising `Crash` on a property violation (for tests)."""
        outcome = self.run(target, data)
        if outcome.status == "crash":
            raise Crash(f"{target.name}: {outcome.detail}\ninput: {show(data)}")
        return outcome
