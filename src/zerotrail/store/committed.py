"""The record kinds the ledger commits besides activities and runs, in one table.

Where it sits: the store side of the ledger. Each kind names its table, the columns that
identify a row (ref and version) and the fields its canonical bytes carry, with their canonical
types. The canonical bytes are always built by the database from the stored row
(`canonical_sql`, held byte-equal to the Python definition by the tests), so committing,
proving and auditing read the very same text and cannot drift apart.

Rows of these tables are never updated: a change is a new row (a new version), committed in the
same transaction as the row itself. Factor rows and meter readings are never changed at all
(a factor set is immutable; a reading that overlaps a stored one is refused), so their version
is always 1. A run's per-record results are committed as `run_results`: digests of the rows the
run stored (`run_signatures`, `run_supplier_keys`, `run_problems`), from which the `results`
view derives every record's figures; see `run_results_sql`. The GWP values a run weighed gases
with are committed as `gwp`, a new version of a key only when the package's value changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from zerotrail.errors import ZerotrailError
from zerotrail.ledger.canonical import canonical_sql
from zerotrail.reference.gwp_values import NO_ORIGIN
from zerotrail.reference.gwp_values import NUMBERS as GWP_NUMBERS
from zerotrail.store.database import Workspace
from zerotrail.store.tlog import Appender


@dataclass(frozen=True, slots=True)
class Committed:
    kind: str
    table: str
    ref: str  # SQL expression for the leaf's ref
    version: str  # SQL expression for the leaf's version
    fields: Mapping[str, str]  # column -> canonical type

    def canonical(self, alias: str = "", dialect: str = "duckdb") -> str:
        return canonical_sql(self.kind, self.fields, alias=alias, dialect=dialect)

    def ref_sql(self, alias: str) -> str:
        return self.ref.replace("{a}", alias)

    def version_sql(self, alias: str) -> str:
        return self.version.replace("{a}", alias)


# Numbers whose canonical decimal (9 places) would hide a change: emission factors go down to
# 2e-9 t per unit, so their value is also committed exactly, as C's `%.17g` (which reads back as
# the same double), and every number of a run's stored results is digested that way.
EXACT = "printf('%.17g', {})"

_FACTOR_FIELDS = {
    "factor_set": "text",
    "factor_id": "text",
    "activity": "text",
    "region": "text",
    "valid_from": "date",
    "valid_to": "date",
    "unit": "text",
    "gas": "text",
    "value": "decimal",
    "value_exact": "text",
    "gwp_basis": "text",
    "biogenic": "bool",
    "heat_content": "decimal",
    "heat_content_unit": "text",
    "heat_basis": "text",
    "scope_use": "text",
    "supplier": "text",
    "source": "text",
    "edition": "text",
    "source_url": "text",
    "licence": "text",
    "verified": "bool",
    "note": "text",
    "source_ref": "text",
    "currency_year": "int",
}

# What a run stored, digested per run (the columns as of schema version 10, with their types;
# a column added later needs a new digest kind, or old runs' digests would change).
_RESULT_TABLES: dict[str, dict[str, str]] = {
    "run_signatures": {
        **dict.fromkeys(
            ("entity", "site_k", "activity", "region", "unit", "pin_k", "supplier_k", "origin_k"),
            "text",
        ),
        "period_start": "date",
        "period_end": "date",
        "cat_k": "int",
        "sig_records": "int",
        "factor_id": "text",
        "factor_set": "text",
        "f_region": "text",
        "verified": "bool",
        "share": "double",
        "site_kind": "text",
        "out_scope": "int",
        "out_category": "int",
        "out_method": "text",
        "method_dq": "double",
        **dict.fromkeys(
            [f"t_{g}" for g in ("co2", "ch4", "n2o", "hfc", "pfc", "sf6", "nf3")]
            + [f"te_{g}" for g in ("co2", "ch4", "n2o", "hfc", "pfc", "sf6", "nf3", "unsplit")]
            + ["t_bio", "t_co2e", "t_market", "mwh_u", "covered_u", "renewable_u", "deflator"],
            "double",
        ),
        "flags": "text",
        "gwp_set": "text",
    },
    "run_supplier_keys": {"activity": "text"},
    "run_problems": {"record_id": "text", "message": "text"},
}
EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def _digest_sql(table: str, where: str) -> str:
    """Per run: the row count and SHA-256 of the sorted SHA-256s of each row's canonical text
    (a multiset digest: row order does not matter, any changed, added or removed row does)."""
    fields = _RESULT_TABLES[table]
    cols = ", ".join(
        EXACT.format(c) + f" AS {c}" if t == "double" else c for c, t in fields.items()
    )
    canon = canonical_sql(
        table.removesuffix("s"), {c: "text" if t == "double" else t for c, t in fields.items()}
    )
    return f"""(SELECT run_id, count(*) AS n, sha256(string_agg(h, '' ORDER BY h)) AS d
                FROM (SELECT run_id, sha256({canon}) AS h
                      FROM (SELECT run_id, {cols} FROM {table} {where}))
                GROUP BY run_id)"""


def run_results_sql(run_id: str | None = None) -> str:
    """One row per run (only `run_id`'s when given): the digests `run_results` commits."""
    where = "" if run_id is None else "WHERE run_id = '" + run_id.replace("'", "''") + "'"
    parts, joins = [], []
    for table, short in (
        ("run_signatures", "signatures"),
        ("run_supplier_keys", "supplier_keys"),
        ("run_problems", "problems"),
    ):
        parts.append(
            f"coalesce({short}.n, 0) AS {short},"
            f" coalesce({short}.d, '{EMPTY_SHA256}') AS {short}_sha256"
        )
        joins.append(f"LEFT JOIN {_digest_sql(table, where)} {short} USING (run_id)")
    return f"(SELECT r.run_id, {', '.join(parts)} FROM runs r {' '.join(joins)} {where})"


_EFFECTS = {
    "effect_scope1": "decimal",
    "effect_scope2_location": "decimal",
    "effect_scope2_market": "decimal",
    "effect_scope3": "text",
}

KINDS: dict[str, Committed] = {
    c.kind: c
    for c in (
        Committed(
            "target",
            "targets",
            "{a}.target_id",
            "{a}.version",
            {
                "target_id": "text",
                "version": "int",
                "kind": "text",
                "name": "text",
                "status": "text",
                "definition": "text",
                "reason": "text",
                "added_at": "timestamp",
            },
        ),
        Committed(
            "baseline_event",
            "baseline_events",
            "{a}.event_id",
            "1",
            {
                "event_id": "text",
                "base_year": "int",
                "year": "int",
                "kind": "text",
                "description": "text",
                "entity": "text",
                "share": "decimal",
                "in_base_year": "bool",
                **_EFFECTS,
                "recorded_at": "timestamp",
            },
        ),
        Committed(
            "base_year",
            "base_year_versions",
            "CAST({a}.base_year AS VARCHAR)",
            "{a}.version",
            {
                "base_year": "int",
                "version": "int",
                "scope1": "decimal",
                "scope2_location": "decimal",
                "scope2_market": "decimal",
                "scope3": "text",
                "reason": "text",
                "events": "text",
                "run_id": "text",
                "created_at": "timestamp",
            },
        ),
        Committed(
            "credit",
            "credits",
            "{a}.credit_id",
            "{a}.version",
            {
                "credit_id": "text",
                "version": "int",
                "registry": "text",
                "project_id": "text",
                "project_name": "text",
                "methodology": "text",
                "type": "text",
                "durability": "text",
                "vintage": "int",
                "serial_start": "text",
                "serial_end": "text",
                "quantity": "decimal",
                "status": "text",
                "retired_on": "date",
                "beneficiary": "text",
                "reason": "text",
                "claim_year": "int",
                "ccp_label": "bool",
                "corsia_eligible": "bool",
                "corresponding_adjustment": "bool",
                "split_from": "text",
            },
        ),
        Committed(
            "claim",
            "claims",
            "{a}.claim_id",
            "{a}.version",
            {
                "claim_id": "text",
                "version": "int",
                "target_id": "text",
                "year": "int",
                "holds": "bool",
                "run_id": "text",
                "gross": "decimal",
                "credits_t": "decimal",
                "removals_t": "decimal",
                "net": "decimal",
                "detail": "text",
                "created_at": "timestamp",
            },
        ),
        Committed(
            "final",
            "inventory_finals",
            "{a}.run_id",
            "1",
            {"year": "int", "run_id": "text", "finalized_at": "timestamp"},
        ),
        # Each transition of an import submitted through the team server (store/submissions.py):
        # version 1 submitted, version 2 approved or rejected, with who and the file's SHA-256.
        Committed(
            "submission",
            "submission_events",
            "{a}.submission_id",
            "{a}.version",
            {
                "submission_id": "text",
                "version": "int",
                "status": "text",
                "actor": "text",
                "file_sha256": "text",
                "reason": "text",
                "happened_at": "timestamp",
            },
        ),
        # Third-party verification (store/engagements.py): every state change is a new row.
        Committed(
            "engagement",
            "engagement_versions",
            "{a}.engagement_id",
            "{a}.version",
            {
                "engagement_id": "text",
                "version": "int",
                "year": "int",
                "verifier": "text",
                "level": "text",
                "criteria": "text",
                "materiality": "text",
                "scope_materiality": "text",
                "scopes": "text",
                "run_id": "text",
                "checkpoint_size": "int",
                "checkpoint_sha256": "text",
                "rules": "text",
                "seed": "text",
                "sample_sha256": "text",
                "population_sha256": "text",
                "status": "text",
                "actor": "text",
                "happened_at": "timestamp",
            },
        ),
        Committed(
            "evidence",
            "evidence_files",
            "{a}.evidence_id",
            "1",
            {
                "evidence_id": "text",
                "record_id": "text",
                "record_version": "int",
                "file_name": "text",
                "file_sha256": "text",
                "file_size": "int",
                "committed_sha256": "text",
                "matches": "bool",
                "attached_by": "text",
                "attached_at": "timestamp",
            },
        ),
        Committed(
            "finding",
            "finding_versions",
            "{a}.finding_id",
            "{a}.version",
            {
                "finding_id": "text",
                "version": "int",
                "engagement_id": "text",
                "finding_kind": "text",
                "finding_type": "text",
                "nature": "text",
                "scope": "int",
                "stratum": "text",
                "amount_t": "decimal",
                "records": "text",
                "clause": "text",
                "text": "text",
                "status": "text",
                "outcome": "text",
                "note": "text",
                "actor": "text",
                "happened_at": "timestamp",
            },
        ),
        Committed(
            "statement",
            "verification_statements",
            "{a}.engagement_id",
            "1",
            {
                "engagement_id": "text",
                "statement_sha256": "text",
                "opinion": "text",
                "verifier_key": "text",
                "recorded_at": "timestamp",
            },
        ),
        Committed(
            "initiative",
            "initiatives",
            "{a}.initiative_id",
            "{a}.version",
            {
                "initiative_id": "text",
                "version": "int",
                "name": "text",
                "owner": "text",
                "lever": "text",
                "sites": "text",
                "start_year": "int",
                "expected_t_per_year": "decimal",
                "cost": "decimal",
                "currency": "text",
                "description": "text",
            },
        ),
        Committed(
            "price_index",
            "price_indices",
            "{a}.currency || ':' || CAST({a}.year AS VARCHAR)",
            "{a}.version",
            {
                "currency": "text",
                "year": "int",
                "version": "int",
                "index_value": "decimal",
                "source": "text",
                "url": "text",
                "note": "text",
            },
        ),
        Committed(
            "report",
            "reports",
            "{a}.report_id",
            "1",
            {
                "report_id": "text",
                "year": "int",
                "figures_sha256": "text",
                "previous_report": "text",
                "created_at": "timestamp",
            },
        ),
        Committed(
            "factor",
            f"(SELECT *, {EXACT.format('value')} AS value_exact FROM factors)",
            "{a}.factor_id || '/' || {a}.gas",
            "1",
            _FACTOR_FIELDS,
        ),
        # The GWP values a run weighed its records' gases with (store/gwp_values.py): the
        # numbers exactly, as for a factor's value.
        Committed(
            "gwp",
            "(SELECT gwp_set, blend_rule, gas, ch4_origin, version, "
            + ", ".join(f"{EXACT.format(n)} AS {n}" for n in GWP_NUMBERS)
            + ", flags, source, run_id FROM gwp_values)",
            "{a}.gwp_set || '/' || {a}.blend_rule || '/' || {a}.gas || '/'"
            f" || coalesce({{a}}.ch4_origin, '{NO_ORIGIN}')",
            "{a}.version",
            {
                "gwp_set": "text",
                "blend_rule": "text",
                "gas": "text",
                "ch4_origin": "text",
                "version": "int",
                **dict.fromkeys(GWP_NUMBERS, "text"),
                "flags": "text",
                "source": "text",
                "run_id": "text",
            },
        ),
        Committed(
            "meter_reading",
            "meter_readings",
            "{a}.site || ':' || strftime({a}.period_start, '%Y-%m-%d') || '..'"
            " || strftime({a}.period_end, '%Y-%m-%d')",
            "1",
            {
                "site": "text",
                "period_start": "date",
                "period_end": "date",
                "facility_mwh": "decimal",
                "it_mwh": "decimal",
                "onsite_renewable_mwh": "decimal",
                "import_id": "text",
            },
        ),
        Committed(
            "cooling",
            "cooling_versions",
            "{a}.site || ':' || strftime({a}.since, '%Y-%m-%d')",
            "{a}.version",
            {
                "site": "text",
                "since": "date",
                "technology": "text",
                "note": "text",
                "import_id": "text",
                "version": "int",
                "removed": "bool",
            },
        ),
        Committed(
            "run_results",
            run_results_sql(),
            "{a}.run_id",
            "1",
            {
                "run_id": "text",
                **{
                    f: t
                    for short in ("signatures", "supplier_keys", "problems")
                    for f, t in ((short, "int"), (f"{short}_sha256", "text"))
                },
            },
        ),
        Committed(
            "metric",
            "metric_versions",
            "{a}.metric || ':' || CAST({a}.year AS VARCHAR)",
            "{a}.version",
            {
                "metric": "text",
                "year": "int",
                "value": "decimal",
                "unit": "text",
                "import_id": "text",
                "version": "int",
                "removed": "bool",
            },
        ),
        *(
            Committed(
                kind,
                table,
                "{a}." + key,
                "{a}.version",
                {**fields, "version": "int", "removed": "bool"},
            )
            for kind, table, key, fields in (
                (
                    "entity",
                    "entity_versions",
                    "entity",
                    {
                        "entity": "text",
                        "name": "text",
                        "parent": "text",
                        "equity_share": "decimal",
                        "financial_control": "text",
                        "operational_control": "bool",
                        "country": "text",
                        "import_id": "text",
                    },
                ),
                (
                    "site",
                    # "kind" names the record kind in canonical bytes: the column is renamed.
                    "(SELECT *, kind AS site_kind FROM site_versions)",
                    "site",
                    {
                        "site": "text",
                        "entity": "text",
                        "site_kind": "text",
                        "region": "text",
                        "name": "text",
                        "operational_control": "bool",
                        "import_id": "text",
                    },
                ),
                (
                    "instrument",
                    "instrument_versions",
                    "instrument_id",
                    {
                        "instrument_id": "text",
                        "type": "text",
                        "mwh": "decimal",
                        "period_start": "date",
                        "period_end": "date",
                        "region": "text",
                        "entity": "text",
                        "site": "text",
                        "status": "text",
                        "retired_on": "date",
                        "registry_id": "text",
                        "emission_rate_t_per_mwh": "decimal",
                        "import_id": "text",
                    },
                ),
                (
                    "supplier",
                    "supplier_versions",
                    "supplier",
                    {"supplier": "text", "name": "text", "sbt_year": "int", "import_id": "text"},
                ),
                (
                    "setting",
                    "setting_versions",
                    "key",
                    {"key": "text", "value": "text"},
                ),
                (
                    "factor_set",
                    "(SELECT *, kind AS set_kind FROM factor_set_versions)",
                    "factor_set",
                    {
                        "factor_set": "text",
                        "name": "text",
                        "publisher": "text",
                        "edition": "text",
                        "source_url": "text",
                        "licence": "text",
                        "description": "text",
                        "set_kind": "text",
                        "content_sha256": "text",
                        "loaded_at": "timestamp",
                    },
                ),
            )
        ),
    )
}


def commit_new(ws: Workspace, kind: str, source: str | None = None) -> int:
    """Commit every row of `kind` that has no leaf yet; call inside the writing transaction.

    Returns the number of leaves appended. Rows are committed in (ref, version) order, so a
    batch lands in a deterministic order. `source` replaces the kind's table with a subset of
    it (the same columns), when only a few rows can be new.
    """
    c = KINDS[kind]
    rows = ws.fetchall(
        f"""SELECT {c.ref_sql("t")}, {c.version_sql("t")}, {c.canonical("t", ws.dialect)}
            FROM {source or c.table} t
            WHERE NOT EXISTS (SELECT 1 FROM ledger_leaves l WHERE l.kind = ?
                              AND l.ref = {c.ref_sql("t")} AND l.version = {c.version_sql("t")})
            ORDER BY 1, 2""",
        [kind],
    )
    if rows:
        Appender(ws).append(
            kind, [(str(r), int(v)) for r, v, _ in rows], [t.encode() for *_, t in rows]
        )
    return len(rows)


def canonical_of(ws: Workspace, kind: str, ref: str, version: int) -> bytes:
    """The canonical bytes of one committed row, built from the stored row."""
    c = KINDS.get(kind)
    if c is None:
        raise ZerotrailError(f"unknown ledger record kind {kind!r}")
    rows = ws.fetchall(
        f"SELECT {c.canonical('t', ws.dialect)} FROM {c.table} t"
        f" WHERE {c.ref_sql('t')} = ? AND {c.version_sql('t')} = ?",
        [ref, version],
    )
    if len(rows) != 1:
        raise ZerotrailError(f"no stored {kind} {ref} version {version}")
    return str(rows[0][0]).encode()
