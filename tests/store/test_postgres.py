"""PostgreSQL workspaces: the dialect translation, the canonical text PostgreSQL builds, and
what two processes sharing one workspace may and may not do to each other.

The figures themselves are held to DuckDB's by the engine suite (tests/engines/, run on both)
and by the demo (tests/cli/test_postgres_commands.py); this file tests the PostgreSQL layer.
"""

from __future__ import annotations

import json
import math
import random
import struct
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import postgres
from tests.engines.conftest import ROOT, write_csv
from zerotrail.errors import WorkspaceError
from zerotrail.store.postgres import translate
from zerotrail.store.workspace import Workspace, display_url, open_workspace

# --- the translation (no server needed) -------------------------------------------------------


def test_parameters_become_psycopg_placeholders_and_percent_signs_stay_text() -> None:
    (sql,) = translate("SELECT a FROM t WHERE b LIKE '%x%' AND c = ? AND d = $name")
    assert sql == "SELECT a FROM t WHERE b LIKE '%%x%%' AND c = %s AND d = %(name)s"


def test_a_tested_null_parameter_gets_a_type() -> None:
    (sql,) = translate("SELECT a FROM t WHERE ? IS NULL OR a = ?")
    assert sql == "SELECT a FROM t WHERE CAST(%s AS TEXT) IS NULL OR a = %s"


def test_group_by_all_groups_by_every_projection_that_is_not_an_aggregate() -> None:
    (sql,) = translate("SELECT a, coalesce(b, ''), sum(c), count(*) FROM t GROUP BY ALL")
    assert sql.endswith("GROUP BY 1, 2")


def test_create_or_replace_table_drops_then_creates() -> None:
    assert translate("CREATE OR REPLACE TEMP TABLE x AS SELECT 1 AS a") == (
        "DROP TABLE IF EXISTS x",
        "CREATE TEMPORARY TABLE x AS SELECT 1 AS a",
        "ANALYZE x",  # PostgreSQL gathers no statistics on temporary tables by itself
    )


def test_arg_min_takes_the_value_of_the_least_key_and_sha256_hashes_utf8() -> None:
    (sql,) = translate("SELECT arg_min(a, b), sha256(s) FROM t")
    assert "(ARRAY_AGG(a ORDER BY b ASC) FILTER(WHERE NOT b IS NULL))[1]" in sql
    assert "ENCODE(SHA256(CONVERT_TO(s, 'UTF8')), 'hex')" in sql


def test_a_password_is_never_shown() -> None:
    assert display_url("postgresql://zt:s3cret@db.example:5432/zt") == (
        "postgresql://zt:***@db.example:5432/zt"
    )
    # Nothing listens on port 1: the one-line refusal names the server, not the password.
    with pytest.raises(WorkspaceError) as err:
        open_workspace("postgresql://zt:s3cret@127.0.0.1:1/zt")
    assert "s3cret" not in str(err.value)
    assert "cannot connect to the PostgreSQL workspace postgresql://zt:***@127.0.0.1:1/zt" in str(
        err.value
    )


# --- on a server --------------------------------------------------------------------------------


@pytest.fixture
def pg_url(postgres_template: str) -> str:
    return postgres.create_database(template=postgres_template)


@pytest.fixture
def pg(pg_url: str) -> Iterator[Workspace]:
    with open_workspace(pg_url) as ws:
        yield ws


def _awkward_doubles() -> list[float]:
    rng = random.Random(20261203)
    values = [
        0.0,
        -0.0,
        1 / 1024,  # 0.0009765625: a tie at the ninth place, rounded to even (…562)
        3 / 1024,  # …2.9296875e-3: a tie rounded up to even (…938)
        -1 / 1024,
        -4e-10,  # rounds to zero: never "-0.000000000"
        5e-324,  # the least subnormal
        2.2250738585072014e-308,
        1e15,
        123456789.123456789,
        0.1,
        0.3,
        2.5,
        1e16,
        1e17,
        1.7976931348623157e308,
        1e-5,
        1.5e-5,
        12345678901234567.0,
    ]
    for _ in range(400):
        values.append(struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0])
        values.append(rng.uniform(-1e6, 1e6))
        values.append(round(rng.uniform(0, 1e4), rng.randint(0, 12)))
    return [v for v in values if math.isfinite(v)]


def test_postgres_prints_doubles_as_the_canonical_definition_does(pg: Workspace) -> None:
    # '%.9f' is the committed form of a quantity (ledger/canonical.py: the exact binary value
    # rounded half to even, never "-0"); '%.17g' that of a run's figures (store/committed.py).
    from zerotrail.ledger.canonical import decimal_text

    values = _awkward_doubles()
    rows = pg.fetchall(
        "SELECT x, printf('%.9f', x), printf('%.17g', x) FROM unnest(CAST(? AS DOUBLE[])) AS t(x)",
        [values],
    )
    assert len(rows) == len(values)
    for x, fixed, general in rows:
        if abs(x) < 1e20:  # beyond, '%.9f' is a few hundred digits: checked on the small ones
            assert fixed == decimal_text(x), x
        assert general == format(x, ".17g"), x


def test_postgres_escapes_text_as_canonical_json_does(pg: Workspace) -> None:
    texts = [
        'quote " and \\ backslash',
        "tab\t newline\n return\r form\f back\b",
        "".join(chr(c) for c in range(1, 32)),
        "del \x7f, é, 中文, emoji \U0001f600, line sep \u2028",
        "",
    ]
    rows = pg.fetchall(
        "SELECT zt_json_text(s) FROM unnest(CAST(? AS VARCHAR[])) WITH ORDINALITY AS t(s, i)"
        " ORDER BY i",
        [texts],
    )
    assert [r[0] for r in rows] == [json.dumps(t, ensure_ascii=False) for t in texts]


ENTITIES = ROOT


def _records(prefix: str, n: int) -> list[dict[str, object]]:
    return [
        {
            "record_id": f"{prefix}{i:04d}",
            "entity": "E",
            "period_start": "2024-01-01",
            "period_end": "2024-12-31",
            "activity": "electricity.grid",
            "quantity": f"{1000 + i / 8:.3f}",
            "unit": "kWh",
            "region": "CN",
            "note": f'awkward "text" \\ {i} é',
        }
        for i in range(n)
    ]


def _zerotrail(url: str, *args: str | Path, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "zerotrail", "--db", url, *(str(a) for a in args)],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(p: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = p.communicate(timeout=300)
    return p.returncode, out, err


def test_two_processes_importing_at_once_both_land_and_the_log_stays_intact(
    pg_url: str, tmp_path: Path
) -> None:
    from zerotrail.pipeline.ledger import audit_ledger

    with open_workspace(pg_url) as ws:
        from zerotrail.ingest.organization import import_entities

        import_entities(ws, write_csv(tmp_path / "entities.csv", ENTITIES))
    a = write_csv(tmp_path / "a.csv", _records("A", 300))
    b = write_csv(tmp_path / "b.csv", _records("B", 200))
    # The same file twice as well: its records must be added once, not by both processes.
    jobs = [_zerotrail(pg_url, "import", "activities", f, cwd=tmp_path) for f in (a, b, a)]
    done = [_finish(j) for j in jobs]
    assert [code for code, _, _ in done] == [0, 0, 0], done
    with open_workspace(pg_url, read_only=True) as ws:
        assert ws.scalar("SELECT count(*) FROM activities") == 500
        assert ws.scalar("SELECT count(DISTINCT record_id) FROM activities") == 500
        assert ws.scalar("SELECT count(*) FROM ledger_leaves WHERE kind = 'activity'") == 500
        done_audit = audit_ledger(ws)
    assert done_audit.report.ok, done_audit.report


def test_the_audit_finds_a_record_changed_in_the_database(pg_url: str, tmp_path: Path) -> None:
    from zerotrail.ingest.activities import import_activities
    from zerotrail.ingest.organization import import_entities
    from zerotrail.pipeline.ledger import audit_ledger

    with open_workspace(pg_url) as ws:
        import_entities(ws, write_csv(tmp_path / "entities.csv", ENTITIES))
        import_activities(ws, write_csv(tmp_path / "a.csv", _records("A", 5)))
        assert audit_ledger(ws).report.ok
        # Someone with the database password edits a quantity behind zerotrail's back.
        ws.execute("UPDATE activities SET quantity = quantity + 1 WHERE record_id = 'A0003'")
        rep = audit_ledger(ws).report
    assert not rep.ok
    assert any("A0003" in line for line in rep.findings), rep.findings


HELD_CREDIT = {
    "credit_id": "CR-1",
    "registry": "Verra VCS",
    "project_id": "4286",
    "project_name": "Forest restoration",
    "methodology": "VM0047",
    "type": "removal",
    "durability": "short",
    "vintage": 2024,
    "serial_start": "VCS-1-0001",
    "serial_end": "VCS-1-0100",
    "quantity": 100,
    "status": "held",
    "retired_on": "",
    "beneficiary": "",
    "reason": "",
    "claim_year": "",
    "ccp_label": "no",
    "corsia_eligible": "no",
    "corresponding_adjustment": "no",
}


def test_one_credit_retired_by_two_processes_at_once_is_retired_once(
    pg_url: str, tmp_path: Path
) -> None:
    from zerotrail.ingest.credits import import_credits

    with open_workspace(pg_url) as ws:
        import_credits(ws, write_csv(tmp_path / "credits.csv", [HELD_CREDIT]))
    retire = ("credits", "retire", "CR-1", "--on", "2025-03-01")
    who = ("--beneficiary", "Emmet Group", "--reason", "for 2024")
    jobs = [_zerotrail(pg_url, *retire, *who, cwd=tmp_path) for _ in range(2)]
    done = sorted(_finish(j) for j in jobs)
    assert [code for code, _, _ in done] == [0, 1], done
    assert "credit CR-1 retired on 2025-03-01" in done[0][1]
    assert done[1][2].strip() == (
        "error: credit CR-1 was retired on 2025-03-01; a retired credit cannot be retired again"
    )
    with open_workspace(pg_url, read_only=True) as ws:
        assert ws.scalar("SELECT count(*) FROM ledger_leaves WHERE kind = 'credit'") == 2


def test_a_reader_sees_one_snapshot_and_writes_nothing(pg_url: str, tmp_path: Path) -> None:
    from zerotrail.ingest.activities import import_activities
    from zerotrail.ingest.organization import import_entities

    with open_workspace(pg_url) as ws:
        import_entities(ws, write_csv(tmp_path / "entities.csv", ENTITIES))
    with open_workspace(pg_url, read_only=True) as reader:
        before = reader.scalar("SELECT count(*) FROM activities")
        with open_workspace(pg_url) as writer:
            import_activities(writer, write_csv(tmp_path / "a.csv", _records("A", 3)))
        # The import landed whole, but a reader opened before it goes on seeing its snapshot.
        assert reader.scalar("SELECT count(*) FROM activities") == before == 0
        reader.execute("DELETE FROM activities WHERE true")
        reader.execute("COMMIT")  # a reader's commit commits nothing
    with open_workspace(pg_url, read_only=True) as later:
        assert later.scalar("SELECT count(*) FROM activities") == 3
