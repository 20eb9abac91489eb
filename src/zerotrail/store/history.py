"""Versions of the organization, the factor library, metrics, suppliers, cooling retrofits and
the settings that decide figures, committed to the ledger.

Where it sits: the store side of the ledger. Entities, sites and suppliers are replaced as a
whole on import, instruments, metrics and cooling rows row by row, factor sets are added, the
organization's name and the recalculation policy are settings (`zt_meta`); those live tables
are what the calculation and the reports read. Beside each, an append-only table keeps every
version of every row (a new version when any field other than the import id changes, and a
`removed` version when a row disappears), and each version is committed to the ledger in the
transaction that wrote it. `drift` names any live row that no longer matches its latest
committed version.

A factor set's factor rows are committed with it (kind `factor`, one leaf per factor and gas,
see store/committed.py): `snapshot` of the factor sets commits every factor row not yet in the
log, in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from zerotrail.store.committed import commit_new
from zerotrail.store.database import Workspace


@dataclass(frozen=True, slots=True)
class Tracked:
    kind: str
    live: str
    versions: str
    key: str  # the identifying columns, comma-separated ("metric, year")
    columns: tuple[str, ...]  # live columns, in table order
    ignored: frozenset[str]  # bookkeeping columns that do not make a new version

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(k.strip() for k in self.key.split(","))

    def joined(self, a: str, b: str) -> str:
        """Rows `a` and `b` have the same key."""
        return " AND ".join(f"{a}.{k} = {b}.{k}" for k in self.keys)

    def ref(self, a: str) -> str:
        """The key as the ledger's ref (key columns joined by ':')."""
        return " || ':' || ".join(f"CAST({a}.{k} AS VARCHAR)" for k in self.keys)


TRACKED: dict[str, Tracked] = {
    t.kind: t
    for t in (
        Tracked(
            "entity",
            "entities",
            "entity_versions",
            "entity",
            (
                "entity",
                "name",
                "parent",
                "equity_share",
                "financial_control",
                "operational_control",
                "country",
                "import_id",
            ),
            frozenset({"import_id"}),
        ),
        Tracked(
            "site",
            "sites",
            "site_versions",
            "site",
            ("site", "entity", "kind", "region", "name", "operational_control", "import_id"),
            frozenset({"import_id"}),
        ),
        Tracked(
            "instrument",
            "instruments",
            "instrument_versions",
            "instrument_id",
            (
                "instrument_id",
                "type",
                "mwh",
                "period_start",
                "period_end",
                "region",
                "entity",
                "site",
                "status",
                "retired_on",
                "registry_id",
                "emission_rate_t_per_mwh",
                "import_id",
            ),
            frozenset({"import_id"}),
        ),
        Tracked(
            "factor_set",
            "factor_sets",
            "factor_set_versions",
            "factor_set",
            (
                "factor_set",
                "name",
                "publisher",
                "edition",
                "source_url",
                "licence",
                "description",
                "kind",
                "content_sha256",
                "loaded_at",
            ),
            frozenset({"loaded_at"}),
        ),
        Tracked(
            "metric",
            "metrics",
            "metric_versions",
            "metric, year",
            ("metric", "year", "value", "unit", "import_id"),
            frozenset({"import_id"}),
        ),
        Tracked(
            "supplier",
            "suppliers",
            "supplier_versions",
            "supplier",
            ("supplier", "name", "sbt_year", "import_id"),
            frozenset({"import_id"}),
        ),
        Tracked(
            "cooling",
            "site_cooling",
            "cooling_versions",
            "site, since",
            ("site", "since", "technology", "note", "import_id"),
            frozenset({"import_id"}),
        ),
        Tracked(
            "setting",
            # The settings that decide figures or what a report says (migration 12).
            "(SELECT key, value FROM zt_meta"
            " WHERE key IN ('organization', 'recalculation_policy'))",
            "setting_versions",
            "key",
            ("key", "value"),
            frozenset(),
        ),
    )
}


def _latest(t: Tracked) -> str:
    return (
        f"(SELECT * FROM {t.versions} h WHERE version ="
        f" (SELECT max(version) FROM {t.versions} g WHERE {t.joined('g', 'h')}))"
    )


def _same(t: Tracked, a: str, b: str) -> str:
    compared = [c for c in t.columns if c not in t.ignored]
    return " AND ".join(f"{a}.{c} IS NOT DISTINCT FROM {b}.{c}" for c in compared)


def snapshot(ws: Workspace, kind: str) -> int:
    """Version every new, changed or removed row of `kind`; call inside the writing transaction."""
    t = TRACKED[kind]
    cols = ", ".join(t.columns)
    live_cols = ", ".join(f"l.{c}" for c in t.columns)
    old_cols = ", ".join(f"v.{c}" for c in t.columns)
    latest = _latest(t)
    with ws.transaction():
        ws.execute(
            f"""INSERT INTO {t.versions} ({cols}, version, removed)
                SELECT {live_cols}, coalesce(v.version, 0) + 1, FALSE
                FROM {t.live} l LEFT JOIN {latest} v ON {t.joined("v", "l")}
                WHERE v.version IS NULL OR v.removed OR NOT ({_same(t, "l", "v")})"""
        )
        ws.execute(
            f"""INSERT INTO {t.versions} ({cols}, version, removed)
                SELECT {old_cols}, v.version + 1, TRUE
                FROM {latest} v
                WHERE NOT v.removed
                  AND NOT EXISTS (SELECT 1 FROM {t.live} l WHERE {t.joined("l", "v")})"""
        )
        done = commit_new(ws, kind)
        if kind == "factor_set":
            done += commit_new(ws, "factor")
        return done


def snapshot_all(ws: Workspace) -> int:
    return sum(snapshot(ws, kind) for kind in TRACKED)


def drift(ws: Workspace, limit: int = 100) -> list[str]:
    """Live rows that differ from (or lack) their latest committed version, and vice versa."""
    findings = []
    for kind, t in TRACKED.items():
        latest = _latest(t)
        for (ref,) in ws.fetchall(
            f"""SELECT {t.ref("l")} FROM {t.live} l LEFT JOIN {latest} v ON {t.joined("v", "l")}
                WHERE v.version IS NULL OR v.removed OR NOT ({_same(t, "l", "v")})
                ORDER BY 1 LIMIT {limit}"""
        ):
            findings.append(
                f"{kind} {ref}: the stored row differs from its latest committed version"
            )
        for (ref,) in ws.fetchall(
            f"""SELECT {t.ref("v")} FROM {latest} v WHERE NOT v.removed
                AND NOT EXISTS (SELECT 1 FROM {t.live} l WHERE {t.joined("l", "v")})
                ORDER BY 1 LIMIT {limit}"""
        ):
            findings.append(f"{kind} {ref}: deleted from the workspace without a version")
    return findings
