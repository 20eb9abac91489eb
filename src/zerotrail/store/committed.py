"""The small record kinds the ledger commits (targets, credits, claims, ...), in one table.

Where it sits: the store side of the ledger. Each kind names its table, the columns that
identify a row (ref and version) and the fields its canonical bytes carry, with their canonical
types. The canonical bytes are always built by the database from the stored row
(`canonical_sql`, held byte-equal to the Python definition by the tests), so committing,
proving and auditing read the very same text and cannot drift apart.

Rows of these tables are never updated: a change is a new row (a new version), committed in the
same transaction as the row itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from zerotrail.errors import ZerotrailError
from zerotrail.ledger.canonical import canonical_sql
from zerotrail.store.tlog import Appender
from zerotrail.store.workspace import Workspace


@dataclass(frozen=True, slots=True)
class Committed:
    kind: str
    table: str
    ref: str  # SQL expression for the leaf's ref
    version: str  # SQL expression for the leaf's version
    fields: Mapping[str, str]  # column -> canonical type

    def canonical(self, alias: str = "") -> str:
        return canonical_sql(self.kind, self.fields, alias=alias)

    def ref_sql(self, alias: str) -> str:
        return self.ref.replace("{a}", alias)

    def version_sql(self, alias: str) -> str:
        return self.version.replace("{a}", alias)


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


def commit_new(ws: Workspace, kind: str) -> int:
    """Commit every row of `kind` that has no leaf yet; call inside the writing transaction.

    Returns the number of leaves appended. Rows are committed in (ref, version) order, so a
    batch lands in a deterministic order.
    """
    c = KINDS[kind]
    rows = ws.fetchall(
        f"""SELECT {c.ref_sql("t")}, {c.version_sql("t")}, {c.canonical("t")}
            FROM {c.table} t
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
        f"SELECT {c.canonical('t')} FROM {c.table} t"
        f" WHERE {c.ref_sql('t')} = ? AND {c.version_sql('t')} = ?",
        [ref, version],
    )
    if len(rows) != 1:
        raise ZerotrailError(f"no stored {kind} {ref} version {version}")
    return str(rows[0][0]).encode()
