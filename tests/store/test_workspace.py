"""Workspace: creation, versioned schema with forward migrations, refusal of newer schemas,
and all-or-nothing transactions."""

from __future__ import annotations

from pathlib import Path

import pytest

from zerotrail.errors import SchemaVersionError, WorkspaceError
from zerotrail.store.schema import LATEST_VERSION, MIGRATIONS
from zerotrail.store.workspace import Workspace, _connect, migrate, open_workspace, parse_url


def test_init_creates_latest_schema(tmp_path: Path) -> None:
    with open_workspace(str(tmp_path / "w.duckdb"), create=True) as ws:
        assert ws.schema_version == LATEST_VERSION
        assert ws.get_setting("created_at")


def test_missing_workspace_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="zerotrail init"):
        open_workspace(str(tmp_path / "absent.duckdb"))


def test_older_workspace_is_migrated(tmp_path: Path) -> None:
    # Build a version-1 workspace (foundations only), as an earlier zerotrail wrote it.
    path = tmp_path / "old.duckdb"
    ws = Workspace(str(path), _connect(parse_url(str(path))))
    migrate(ws, upto=1)
    ws.execute("INSERT INTO zt_meta VALUES ('organization', 'Emmet')")
    ws.close()
    with open_workspace(str(path)) as ws:
        assert ws.schema_version == LATEST_VERSION == MIGRATIONS[-1].version
        assert ws.get_setting("organization") == "Emmet"  # data survives
        assert ws.scalar("SELECT count(*) FROM activities") == 0  # new tables exist


def test_newer_workspace_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "new.duckdb"
    with open_workspace(str(path), create=True) as ws:
        ws.set_setting("schema_version", str(LATEST_VERSION + 1))
    with pytest.raises(SchemaVersionError, match="newer"):
        open_workspace(str(path))


def test_transaction_rolls_back_on_error(tmp_path: Path) -> None:
    with open_workspace(str(tmp_path / "w.duckdb"), create=True) as ws:
        with pytest.raises(RuntimeError), ws.transaction():
            ws.execute("INSERT INTO zt_meta VALUES ('a', '1')")
            raise RuntimeError("boom")
        assert ws.get_setting("a") is None


def test_environment_variable_names_the_workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZEROTRAIL_DB", str(tmp_path / "env.duckdb"))
    with open_workspace(create=True) as ws:
        assert ws.url.endswith("env.duckdb")


def test_postgres_urls_name_a_postgres_workspace() -> None:
    assert parse_url("postgresql://u:p@localhost:5432/zt").kind == "postgres"
    assert parse_url("postgres://localhost/zt").kind == "postgres"
    assert parse_url("work/zt.duckdb").kind == "duckdb"


def test_migrations_are_numbered_in_order() -> None:
    assert [m.version for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))


def test_ledger_leaves_move_to_uncompressed_storage_unchanged(tmp_path: Path) -> None:
    from zerotrail.store import tlog

    path = tmp_path / "v8.duckdb"
    ws = Workspace(str(path), _connect(parse_url(str(path))))
    migrate(ws, upto=8)
    with ws.transaction():
        tlog.Appender(ws).append(
            "test", [(f"r{i}", 1) for i in range(300)], [b"%d" % i for i in range(300)]
        )
    before = ws.fetchall("SELECT * FROM ledger_leaves ORDER BY idx")
    root = tlog.root(ws)
    ws.close()
    with open_workspace(str(path)) as ws:
        assert ws.schema_version == LATEST_VERSION
        assert ws.fetchall("SELECT * FROM ledger_leaves ORDER BY idx") == before
        assert tlog.root(ws) == root
        table = str(ws.scalar("SELECT sql FROM duckdb_tables() WHERE table_name = 'ledger_leaves'"))
        for column in ("salt", "leaf_hash"):
            assert f"{column} BLOB USING COMPRESSION Uncompressed" in table, table
