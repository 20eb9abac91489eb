"""The calculation as named SQL steps, compiled from the engine's expressions once per shape.

Where it sits: engine, between the expressions (`emissions.py`) and the calculation stage
(pipeline/calculation.py), which runs a plan's SQL over the workspace and keeps compiled plans
in it (store/compiled_sql.py).

Why a plan: building the calculation's Ibis expressions and compiling them to SQL takes about a
second, the same second on every run, and more than the calculation itself on a small
inventory. The SQL depends only on the expressions, the tables they read and the engine; a
run's own values (year, GWP set, factor choices, shares ...) are rows of small session tables
(`INPUTS`) that the stage fills per run. So the expressions are built once over named tables,
compiled to SQL, and the plan is reused under a key (`Shape.key`) that changes with anything
the SQL depends on: the engine, the workspace schema version, the source of the modules that
build the expressions, the Ibis and sqlglot versions that compile them, and the inputs' columns.
The expressions stay the single source of truth: a plan is only ever compiled from them, never
edited, and an edit to them gives a new key, under which no old plan is found.

A plan's steps, in order: `signatures` fills `zt_sig` (the year's records by signature, which
the stage reads to prepare the small inputs), then `steps` fill the per-signature tables through
`zt_calc` (what a run stores) and `zt_unresolved` (signatures no factor fits, numbered `n`);
`problems` selects the records of those signatures with the reason the stage gave each
(`zt_reasons`), and `results_view` is the per-record results of every stored run.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, fields
from importlib import metadata
from pathlib import Path
from typing import Any

from zerotrail.engine.settings import FAMILIES

# The engines a plan can be compiled for, by workspace kind: the sqlglot dialect of each.
DIALECTS = {"duckdb": "duckdb", "postgres": "postgres"}
# Spark (`calculate --engine spark`, pipeline/spark_calculation.py) is an engine, not a
# workspace kind: Ibis names its compiler "pyspark" (sqlglot's dialect "spark").
DIALECTS["spark"] = "pyspark"

# Stored workspace tables the plan reads; their columns come from the workspace schema version.
STORED_TABLES = ("activities", "factors", "runs", "run_supplier_keys", "run_signatures")

Columns = tuple[tuple[str, str], ...]

# The session tables the stage fills for each run (SQL types: one vocabulary for every engine).
INPUTS: dict[str, Columns] = {
    # The run's settings that enter the SQL, as one row.
    "zt_params": (
        ("year_start", "DATE"),
        ("year_end", "DATE"),
        ("gwp_set", "VARCHAR"),
        ("factor_policy", "VARCHAR"),
    ),
    # Keys with supplier-specific factors: only for these does the supplier split a signature.
    "zt_supplier_keys": (("activity", "VARCHAR"),),
    "zt_conv": (
        ("activity", "VARCHAR"),
        ("unit", "VARCHAR"),
        ("factor_id", "VARCHAR"),
        ("multiplier", "DOUBLE"),
        ("via_heat", "BOOLEAN"),
        ("per_energy", "BOOLEAN"),
        ("ratio", "DOUBLE"),
    ),
    # Per (site, stated region, stated heat basis) of the signatures: the effective region and
    # the basis of the record's energy (inputs.record_region).
    "zt_regions": (
        ("site_k", "VARCHAR"),
        ("region", "VARCHAR"),
        ("hb_k", "VARCHAR"),
        ("eff_region", "VARCHAR"),
        ("rec_basis", "VARCHAR"),
        ("site_region_used", "BOOLEAN"),
    ),
    "zt_lineage": (
        ("region", "VARCHAR"),
        ("ancestor", "VARCHAR"),
        ("level", "BIGINT"),
        ("market", "VARCHAR"),
    ),
    "zt_gases": (
        ("gas", "VARCHAR"),
        ("origin", "VARCHAR"),
        ("unsplit", "DOUBLE"),
        *((f"m_{f}", "DOUBLE") for f in FAMILIES),
        *((f"e_{f}", "DOUBLE") for f in FAMILIES),
        ("flags", "VARCHAR"),
    ),
    "zt_shares": (("entity", "VARCHAR"), ("share", "DOUBLE")),
    "zt_sites": (("site", "VARCHAR"), ("site_kind", "VARCHAR"), ("controlled", "BOOLEAN")),
    "zt_keyinfo": (
        ("activity", "VARCHAR"),
        ("scope", "BIGINT"),
        ("default_category", "BIGINT"),
        ("method", "VARCHAR"),
        ("method_dq", "DOUBLE"),
        ("is_grid", "BOOLEAN"),
        ("regional", "BOOLEAN"),
    ),
    "zt_mwh": (("unit", "VARCHAR"), ("mwh_per_unit", "DOUBLE")),
    "zt_pools": (
        ("pool_kind", "VARCHAR"),
        ("pool_key", "VARCHAR"),
        ("market", "VARCHAR"),
        ("inst_mwh", "DOUBLE"),
        ("inst_rate_t", "DOUBLE"),
        ("inst_renewable_mwh", "DOUBLE"),
    ),
    "zt_prices": (("currency", "VARCHAR"), ("year", "BIGINT"), ("price_index", "DOUBLE")),
    # Why each unresolved signature (`zt_unresolved.n`) found no factor, in the user's terms.
    "zt_reasons": (("n", "BIGINT"), ("message", "VARCHAR")),
}

_IBIS_TYPES = {
    "VARCHAR": "string",
    "DOUBLE": "float64",
    "BIGINT": "int64",
    "BOOLEAN": "boolean",
    "DATE": "date",
}

# The session tables a plan creates, each from the one before (see the module docstring).
SIGNATURES = "zt_sig"
CALCULATED = "zt_calc"
UNRESOLVED = "zt_unresolved"

# The modules whose source decides the SQL: any edit to them is a new shape.
_SOURCES = ("plan.py", "emissions.py", "resolve.py", "deflation.py", "settings.py")
_LIBRARIES = ("ibis-framework", "sqlglot")


@dataclass(frozen=True, slots=True)
class Step:
    """One session table the plan creates: `CREATE TEMP TABLE table AS sql`."""

    table: str
    sql: str


@dataclass(frozen=True, slots=True)
class Plan:
    key: str
    signatures: Step
    steps: tuple[Step, ...]
    calc_columns: tuple[str, ...]  # the columns of zt_calc: a run_signatures row but run_id
    problems: str  # SELECT record_id, message
    results_view: str

    def to_json(self) -> str:
        return json.dumps(
            {
                "key": self.key,
                "signatures": [self.signatures.table, self.signatures.sql],
                "steps": [[s.table, s.sql] for s in self.steps],
                "calc_columns": list(self.calc_columns),
                "problems": self.problems,
                "results_view": self.results_view,
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> Plan:
        d = json.loads(text)
        return cls(
            key=str(d["key"]),
            signatures=Step(*d["signatures"]),
            steps=tuple(Step(t, s) for t, s in d["steps"]),
            calc_columns=tuple(d["calc_columns"]),
            problems=str(d["problems"]),
            results_view=str(d["results_view"]),
        )


@dataclass(frozen=True, slots=True)
class Shape:
    """Everything a plan's SQL depends on; equal shapes compile to the same plan."""

    engine: str
    schema_version: int
    code: str  # SHA-256 of the source of the modules that build the expressions
    libraries: tuple[tuple[str, str], ...]  # (distribution, version) of the compilers
    inputs: tuple[tuple[str, Columns], ...]

    @property
    def key(self) -> str:
        text = json.dumps([getattr(self, f.name) for f in fields(self)], sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()


def code_digest(paths: tuple[Path, ...]) -> str:
    """SHA-256 over the named source files, each preceded by its name."""
    h = hashlib.sha256()
    for path in paths:
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def current_shape(engine: str, schema_version: int) -> Shape:
    """The shape of this code's plan for an `engine` workspace at `schema_version`."""
    here = Path(__file__).parent
    return Shape(
        engine=engine,
        schema_version=schema_version,
        code=code_digest(tuple(here / name for name in _SOURCES)),
        libraries=tuple((name, metadata.version(name)) for name in _LIBRARIES),
        inputs=tuple(INPUTS.items()),
    )


# Plans compiled or read in this process, by key: a process calculating many years or
# workspaces compiles once. Plans are immutable values, so sharing them is safe.
_KNOWN: dict[str, Plan] = {}


def known_plan(key: str) -> Plan | None:
    return _KNOWN.get(key)


def remember(plan: Plan) -> None:
    _KNOWN[plan.key] = plan


def forget_plans() -> None:
    """Drop this process's plans (tests use it to make the workspace's copy the only one)."""
    _KNOWN.clear()


def compile_plan(shape: Shape, stored: Mapping[str, Any]) -> Plan:
    """Build the engine's expressions over named tables and compile them for `shape.engine`.

    `stored` maps each of `STORED_TABLES` to its Ibis schema (read from the workspace).
    """
    import ibis

    from zerotrail.engine.emissions import (
        SIG,
        emissions_expr,
        results_expr,
        signatures,
        supplier_keyed,
        year_activities,
    )

    dialect = DIALECTS[shape.engine]
    if dialect == "pyspark":
        # Ibis's PySpark compiler reads `ibis.options.pyspark`, which exists only once the
        # backend has been looked up (that imports pyspark's Python side, not the JVM).
        _ = ibis.pyspark

    def named(name: str, schema: Any) -> Any:
        return ibis.table(schema, name=name)

    def sql(expr: Any) -> str:
        return str(ibis.to_sql(expr, dialect=dialect, pretty=False))

    tables = {name: named(name, stored[name]) for name in STORED_TABLES}
    inputs = {
        name: named(name, ibis.schema({c: _IBIS_TYPES[t] for c, t in cols}))
        for name, cols in INPUTS.items()
    }
    params = inputs["zt_params"]
    acts = year_activities(
        tables["activities"], params.year_start.as_scalar(), params.year_end.as_scalar()
    )
    sig_expr = signatures(acts, inputs["zt_supplier_keys"])
    steps: list[Step] = []

    def stage(expr: Any, name: str) -> Any:
        # The table stands in for the expression in what follows, as it will in the database.
        steps.append(Step(name, sql(expr)))
        return named(name, expr.schema())

    sig = named(SIGNATURES, sig_expr.schema())
    calc = emissions_expr(
        sig=sig,
        factors=tables["factors"],
        conv=inputs["zt_conv"],
        regions=inputs["zt_regions"],
        lineage=inputs["zt_lineage"],
        gases=inputs["zt_gases"],
        shares=inputs["zt_shares"],
        sites=inputs["zt_sites"],
        keyinfo=inputs["zt_keyinfo"],
        mwh=inputs["zt_mwh"],
        pools=inputs["zt_pools"],
        prices=inputs["zt_prices"],
        gwp_set=params.gwp_set.as_scalar(),
        strict=params.factor_policy.as_scalar() == "strict",
        stage=stage,
    )
    stage(calc.signatures, CALCULATED)
    u = calc.unresolved
    unresolved = stage(u.mutate(n=ibis.row_number().over(order_by=list(SIG))), UNRESOLVED)
    keyed_acts = supplier_keyed(acts, inputs["zt_supplier_keys"])
    problems = keyed_acts.join(unresolved, list(SIG)).join(inputs["zt_reasons"], "n")
    view = results_expr(
        tables["activities"], tables["runs"], tables["run_supplier_keys"], tables["run_signatures"]
    )
    return Plan(
        key=shape.key,
        signatures=Step(SIGNATURES, sql(sig_expr)),
        steps=tuple(steps),
        calc_columns=tuple(calc.signatures.columns),
        problems=sql(problems.select("record_id", "message")),
        results_view=sql(view),
    )
