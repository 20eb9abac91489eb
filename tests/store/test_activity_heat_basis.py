"""Migration 13 (an activity's heat_basis, a blank region at a site) leaves every committed
activity record's canonical text, and so its leaf and proofs, exactly as they were."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from tests.conftest import Templates, open_copy
from zerotrail.ingest.activities import canonical_activity, canonical_of
from zerotrail.store.activities import LEDGER_TYPES, activity_canonical_sql
from zerotrail.store.audit import audit
from zerotrail.store.tlog import Appender
from zerotrail.store.workspace import Workspace, _connect, migrate, open_workspace, parse_url

# A record as a version-12 workspace stored it: every field but heat_basis.
OLD_RECORD: dict[str, Any] = {
    "record_id": "A-0001",
    "version": 1,
    "entity": "EMMET-PAY",
    "site": "HZ-CAMPUS",
    "period_start": date(2024, 1, 1),
    "period_end": date(2024, 1, 31),
    "activity": "electricity.grid",
    "quantity": 1830500.0,
    "unit": "kWh",
    "region": "CN-EAST",
    "scope3_category": None,
    "supplier": None,
    "factor_id": None,
    "ch4_origin": None,
    "evidence": "https://erp.example/inv/88",
    "note": None,
    "dq_technology": 2,
    "dq_time": None,
    "dq_geography": None,
    "dq_completeness": None,
    "dq_reliability": None,
}
# Its canonical text as zerotrail committed it before heat_basis existed, written out by hand
# from docs/ledger.md's rules (keys sorted, every value a string or null).
OLD_CANONICAL = (
    b'{"activity":"electricity.grid","ch4_origin":null,"dq_completeness":null,'
    b'"dq_geography":null,"dq_reliability":null,"dq_technology":"2","dq_time":null,'
    b'"entity":"EMMET-PAY","evidence":"https://erp.example/inv/88","factor_id":null,'
    b'"kind":"activity","note":null,"period_end":"2024-01-31","period_start":"2024-01-01",'
    b'"quantity":"1830500.000000000","record_id":"A-0001","region":"CN-EAST",'
    b'"scope3_category":null,"site":"HZ-CAMPUS","supplier":null,"unit":"kWh","version":"1"}'
)


def test_a_record_without_heat_basis_keeps_its_canonical_text() -> None:
    assert canonical_activity(OLD_RECORD) == OLD_CANONICAL
    assert canonical_activity({**OLD_RECORD, "heat_basis": None}) == OLD_CANONICAL
    with_basis = canonical_activity({**OLD_RECORD, "heat_basis": "NCV"})
    assert with_basis == OLD_CANONICAL.replace(
        b'"factor_id":null,', b'"factor_id":null,"heat_basis":"NCV",'
    )


def test_the_database_builds_the_same_text_with_and_without_a_basis() -> None:
    rows = [
        {**OLD_RECORD, "heat_basis": None},
        {**OLD_RECORD, "record_id": "A-0002", "heat_basis": "HHV", "region": None},
        {**OLD_RECORD, "record_id": 'q"\\\n', "heat_basis": "NCV", "quantity": -0.5},
    ]
    types = {**LEDGER_TYPES, "heat_basis": "text"}
    arrow = {"text": pa.string(), "int": pa.int64(), "date": pa.date32(), "decimal": pa.float64()}
    con = duckdb.connect()
    con.register(
        "r", pa.table({n: pa.array([row[n] for row in rows], arrow[t]) for n, t in types.items()})
    )
    got = [c for (c,) in con.execute(f"SELECT {activity_canonical_sql('r')} FROM r").fetchall()]
    assert [c.encode() for c in got] == [canonical_activity(row) for row in rows]


def test_a_version_12_workspace_migrates_and_its_ledger_still_audits(tmp_path: Path) -> None:
    path = tmp_path / "v12.duckdb"
    ws = Workspace(str(path), _connect(parse_url(str(path))))
    migrate(ws, upto=12)
    fields = [k for k in OLD_RECORD]
    ws.execute(
        f"INSERT INTO activities ({', '.join(fields)}, current, import_id)"
        f" VALUES ({', '.join('?' * len(fields))}, true, 'imp-1')",
        list(OLD_RECORD.values()),
    )
    with ws.transaction(), Appender.spooled(ws) as app:
        app.append("activity", [("A-0001", 1)], [OLD_CANONICAL])
    ws.close()

    with open_workspace(str(path)) as ws:
        assert canonical_of(ws, "A-0001", 1) == OLD_CANONICAL
        assert audit(ws, LEDGER_TYPES).findings == []
        nullable = dict(
            ws.fetchall(
                "SELECT column_name, is_nullable FROM information_schema.columns"
                " WHERE table_name = 'activities' AND column_name IN ('heat_basis', 'region')"
            )
        )
        assert nullable == {"heat_basis": "YES", "region": "YES"}


def test_the_audit_recomputes_records_with_and_without_a_basis(
    workspace_template: Templates, tmp_path: Path
) -> None:
    """The audit rebuilds every activity leaf from the stored row: a record with a basis must
    give the text it was committed with, which holds the basis (store/audit.py builds it with
    `activity_canonical_sql`)."""
    from tests.engines.conftest import ROOT, write_csv
    from zerotrail.ingest.activities import import_activities
    from zerotrail.ingest.organization import import_entities

    # The shipped factors: a copy of the workspace the session loads them into once.
    with open_copy(workspace_template(), tmp_path) as ws:
        import_entities(ws, write_csv(tmp_path / "e.csv", ROOT))
        gas = {
            "record_id": "g1",
            "entity": "E",
            "period_start": "2024-01-01",
            "period_end": "2024-01-31",
            "activity": "stationary_combustion.natural_gas",
            "quantity": "10",
            "unit": "mmBtu",
            "region": "US",
            "heat_basis": "HHV",
        }
        rows = [gas, {**gas, "record_id": "g2", "heat_basis": ""}]
        import_activities(ws, write_csv(tmp_path / "a.csv", rows))
        assert audit(ws, LEDGER_TYPES).findings == []
        # And it still sees a change: a basis altered after the commit.
        ws.execute("UPDATE activities SET heat_basis = 'NCV' WHERE record_id = 'g1'")
        (finding,) = audit(ws, LEDGER_TYPES).findings
        assert finding.startswith("activity g1 version 1") and "changed" in finding
