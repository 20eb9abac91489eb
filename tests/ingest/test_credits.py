"""Credit blocks in the workspace: every row checked, serials used once, retirements final,
partial retirements split, and every version committed to the ledger with its row."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.engines.conftest import write_csv
from tests.ingest.common import cells
from zerotrail.errors import DataError, ZerotrailError
from zerotrail.ingest.credits import assign_credit, import_credits, retire_credit
from zerotrail.store import tlog
from zerotrail.store.activities import LEDGER_TYPES
from zerotrail.store.audit import audit
from zerotrail.store.credits import current_credits
from zerotrail.store.workspace import Workspace, open_workspace


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    w = open_workspace(str(tmp_path / "w.duckdb"), create=True)
    yield w
    w.close()


def row(cid: str = "c1", first: int = 1, last: int = 1000, **over: Any) -> dict[str, Any]:
    """A held block of Verra serials VCS-728-2019-<first>..<last>, six digits zero-padded."""
    r: dict[str, Any] = {
        "credit_id": cid,
        "registry": "Verra VCS",
        "project_id": "728",
        "project_name": "Wind farm",
        "methodology": "ACM0002",
        "type": "reduction",
        "durability": "none",
        "vintage": 2019,
        "serial_start": f"VCS-728-2019-{first:06d}",
        "serial_end": f"VCS-728-2019-{last:06d}",
        "quantity": last - first + 1,
        "status": "held",
        "retired_on": "",
        "beneficiary": "",
        "reason": "",
        "claim_year": "",
        "ccp_label": "yes",
        "corsia_eligible": "no",
        "corresponding_adjustment": "no",
    }
    r.update(over)
    return r


RETIRED = {
    "status": "retired",
    "retired_on": "2024-03-01",
    "beneficiary": "Emmet Ltd",
    "reason": "2023 carbon neutrality claim",
}


def load(ws: Workspace, tmp_path: Path, rows: list[dict[str, Any]], **kw: Any) -> Any:
    return import_credits(ws, write_csv(tmp_path / "credits.csv", rows), **kw)


def leaves(ws: Workspace) -> int:
    return int(ws.scalar("SELECT count(*) FROM ledger_leaves WHERE kind = 'credit'"))


def stored(ws: Workspace) -> int:
    return int(ws.scalar("SELECT count(*) FROM credits"))


def assert_clean(ws: Workspace) -> None:
    """One leaf per stored row, and the audit finds nothing."""
    assert leaves(ws) == stored(ws)
    rep = audit(ws, LEDGER_TYPES)
    assert rep.ok, rep.findings


def current(ws: Workspace) -> dict[str, Any]:
    return {c.credit_id: c for c in current_credits(ws)}


# --- importing ---------------------------------------------------------------------------------


def test_import_stores_and_commits_every_block(ws: Workspace, tmp_path: Path) -> None:
    rep = load(ws, tmp_path, [row("c1", 1, 1000), row("c2", 1001, 1500, **RETIRED)])
    assert (rep.rows, rep.added, rep.replaced, rep.unchanged) == (2, 2, 0, 0)
    assert ws.scalar("SELECT count(*) FROM imports WHERE kind = 'credits'") == 1
    c = current(ws)
    assert c["c1"].serial_prefix == "VCS-728-2019-"
    assert (c["c1"].serial_first, c["c1"].serial_last, c["c1"].quantity) == (1, 1000, 1000.0)
    assert c["c2"].retired_on == date(2024, 3, 1)
    assert c["c1"].ccp_label is True and c["c1"].corresponding_adjustment is False
    assert leaves(ws) == 2
    assert_clean(ws)


def test_every_row_problem_names_file_row_and_column(ws: Workspace, tmp_path: Path) -> None:
    rows = [
        row("r2", registry="Verra"),  # row 2
        row("r3", 2001, 2100, type="offset", durability="eternal"),  # row 3
        row("r4", 3001, 3100, vintage="20x9"),  # row 4
        row("r5", serial_start="VCS-728-2019-", serial_end="ABC"),  # row 5
        row("r6", 4001, 4100, serial_end="VCS-728-2020-004100"),  # row 6: other prefix
        row("r7", 5100, 5001, quantity=100),  # row 7: end before start
        row("r8", 6001, 6100, quantity=99),  # row 8: 100 serials
        row("r9", 7001, 7100, status="sold"),  # row 9
        row("r10", 8001, 8100, status="retired"),  # row 10: no date, beneficiary, reason
        row("r11", 9001, 9100, retired_on="2024-01-01"),  # row 11: held with a date
        row("r12", 10001, 10100, claim_year=2023),  # row 12: claim year on a held credit
        row("r13", 11001, 11100, ccp_label="maybe"),  # row 13
        row("r14", 12001, 12100, type="removal", durability="none"),  # row 14
        row("r15", 13001, 13100, type="avoidance", durability="permanent"),  # row 15
        row("r16", 14001, 14100, methodology=""),  # row 16
        row("r16", 15001, 15100),  # row 17: duplicate id
    ]
    with pytest.raises(DataError) as exc:
        load(ws, tmp_path, rows)
    assert cells(exc) == {
        (2, "registry"),
        (3, "type"),
        (3, "durability"),
        (4, "vintage"),
        (5, "serial_start"),
        (5, "serial_end"),
        (6, "serial_end"),
        (7, "serial_end"),
        (8, "quantity"),
        (9, "status"),
        (10, "retired_on"),
        (10, "beneficiary"),
        (10, "reason"),
        (11, "retired_on"),
        (12, "claim_year"),
        (13, "ccp_label"),
        (14, "durability"),
        (15, "durability"),
        (16, "methodology"),
        (17, "credit_id"),
    }
    assert all(p.source.endswith("credits.csv") for p in exc.value.problems)
    assert "nothing was imported" in str(exc.value)
    assert stored(ws) == 0 and tlog.size(ws) == 0


def test_quantity_is_one_credit_per_serial(ws: Workspace, tmp_path: Path) -> None:
    with pytest.raises(DataError) as exc:
        load(ws, tmp_path, [row("c1", 1, 1000, quantity=1001)])
    (p,) = exc.value.problems
    assert (p.row, p.column) == (2, "quantity")
    assert "VCS-728-2019-000001 to VCS-728-2019-001000 is 1,000 credit(s)" in p.message


def test_missing_required_column_is_named(ws: Workspace, tmp_path: Path) -> None:
    r = row()
    del r["serial_end"]
    with pytest.raises(DataError) as exc:
        load(ws, tmp_path, [r])
    assert cells(exc) == {(1, "serial_end")}


def test_a_bad_row_imports_nothing(ws: Workspace, tmp_path: Path) -> None:
    load(ws, tmp_path, [row("c1", 1, 1000)])
    size = tlog.size(ws)
    with pytest.raises(DataError):
        load(ws, tmp_path, [row("c2", 2001, 3000), row("c3", 3001, 4000, vintage="")])
    assert set(current(ws)) == {"c1"}
    assert tlog.size(ws) == size
    assert ws.scalar("SELECT count(*) FROM imports") == 1
    assert_clean(ws)


# --- serials used twice --------------------------------------------------------------------------


def test_overlap_within_the_file_is_refused(ws: Workspace, tmp_path: Path) -> None:
    with pytest.raises(DataError) as exc:
        load(ws, tmp_path, [row("c1", 1, 1000), row("c2", 901, 1900)])
    (p,) = exc.value.problems
    assert (p.row, p.column) == (3, "serial_start")
    assert p.message == (
        "Verra VCS credit c1 (row 2) already holds 100 serials VCS-728-2019-000901 to"
        " VCS-728-2019-001000: a serial counts once"
    )
    assert stored(ws) == 0


def test_overlap_with_the_workspace_is_refused(ws: Workspace, tmp_path: Path) -> None:
    load(ws, tmp_path, [row("c1", 1, 1000)])
    with pytest.raises(DataError) as exc:
        load(ws, tmp_path, [row("c2", 1000, 1999)])
    (p,) = exc.value.problems
    assert (p.row, p.column) == (2, "serial_start")
    assert p.message == (
        "Verra VCS credit c1 in the workspace (held, VCS-728-2019-000001 to VCS-728-2019-001000)"
        " already holds serial VCS-728-2019-001000: a serial counts once"
    )
    assert set(current(ws)) == {"c1"}


def test_overlap_is_found_across_zero_padding(ws: Workspace, tmp_path: Path) -> None:
    load(ws, tmp_path, [row("c1", 1, 1000)])
    unpadded = row("c2", serial_start="VCS-728-2019-500", serial_end="VCS-728-2019-1499")
    with pytest.raises(DataError) as exc:
        load(ws, tmp_path, [unpadded])
    assert cells(exc) == {(2, "serial_start")}


def test_adjacent_ranges_and_other_registries_are_allowed(ws: Workspace, tmp_path: Path) -> None:
    load(ws, tmp_path, [row("c1", 1, 1000), row("c2", 1001, 2000)])
    # The same serial text in another registry names other credits.
    rep = load(ws, tmp_path, [row("g1", 1, 1000, registry="Gold Standard")])
    assert rep.added == 1
    assert set(current(ws)) == {"c1", "c2", "g1"}
    assert_clean(ws)


def test_a_changed_block_is_checked_against_the_others(ws: Workspace, tmp_path: Path) -> None:
    load(ws, tmp_path, [row("c1", 1, 1000), row("c2", 1001, 2000)])
    with pytest.raises(DataError) as exc:
        load(ws, tmp_path, [row("c1", 1, 1500)], replace=True)  # grows into c2
    assert cells(exc) == {(2, "serial_start")}
    # Its own old range does not count against it: shrinking is fine.
    rep = load(ws, tmp_path, [row("c1", 1, 900)], replace=True)
    assert rep.replaced == 1


# --- re-import, replace, retired credits are final ------------------------------------------------


def test_reimport_is_unchanged(ws: Workspace, tmp_path: Path) -> None:
    rows = [row("c1", 1, 1000), row("c2", 1001, 2000, **RETIRED, claim_year=2023)]
    load(ws, tmp_path, rows)
    size = tlog.size(ws)
    rep = load(ws, tmp_path, rows)
    assert (rep.added, rep.replaced, rep.unchanged, rep.import_id) == (0, 0, 2, None)
    assert tlog.size(ws) == size and stored(ws) == 2


def test_changed_content_needs_replace_and_makes_version_2(ws: Workspace, tmp_path: Path) -> None:
    load(ws, tmp_path, [row("c1", 1, 1000)])
    with pytest.raises(DataError) as exc:
        load(ws, tmp_path, [row("c1", 1, 1000, ccp_label="no")])
    assert "use --replace" in exc.value.problems[0].message
    rep = load(
        ws, tmp_path, [row("c1", 1, 1000, ccp_label="no"), row("c2", 1001, 1100)], replace=True
    )
    assert (rep.added, rep.replaced) == (1, 1)
    assert ws.fetchall(
        "SELECT version, ccp_label FROM credits WHERE credit_id = 'c1' ORDER BY version"
    ) == [(1, True), (2, False)]
    assert current(ws)["c1"].version == 2
    assert_clean(ws)


def test_a_retired_credit_cannot_change(ws: Workspace, tmp_path: Path) -> None:
    load(ws, tmp_path, [row("c1", 1, 1000, **RETIRED)])
    with pytest.raises(DataError) as exc:
        load(
            ws,
            tmp_path,
            [row("c1", 1, 1000, **{**RETIRED, "beneficiary": "Someone else"})],
            replace=True,
        )
    (p,) = exc.value.problems
    assert (p.row, p.column) == (2, "credit_id")
    assert p.message == "credit c1 was retired on 2024-03-01; a retired credit cannot be changed"


def test_a_held_credit_can_be_imported_again_as_retired(ws: Workspace, tmp_path: Path) -> None:
    load(ws, tmp_path, [row("c1", 1, 1000)])
    rep = load(ws, tmp_path, [row("c1", 1, 1000, **RETIRED)], replace=True)
    assert rep.replaced == 1
    assert current(ws)["c1"].status == "retired"
    assert_clean(ws)


# --- retiring ------------------------------------------------------------------------------------


def retire(ws: Workspace, cid: str, **kw: Any) -> list[str]:
    args: dict[str, Any] = {
        "on": date(2024, 3, 1),
        "beneficiary": "Emmet Ltd",
        "reason": "2023 carbon neutrality claim",
        "claim_year": 2023,
    }
    return retire_credit(ws, cid, **{**args, **kw})


def test_retire_a_whole_block(ws: Workspace, tmp_path: Path) -> None:
    load(ws, tmp_path, [row("c1", 1, 1000)])
    assert retire(ws, "c1") == ["c1"]
    c = current(ws)["c1"]
    assert (c.version, c.status, c.retired_on, c.claim_year) == (
        2,
        "retired",
        date(2024, 3, 1),
        2023,
    )
    assert c.beneficiary == "Emmet Ltd"
    assert leaves(ws) == 2
    assert_clean(ws)


def test_a_retired_credit_cannot_be_retired_again(ws: Workspace, tmp_path: Path) -> None:
    load(
        ws,
        tmp_path,
        [
            row("c1", 1, 1000, **RETIRED),
            row("c2", 1001, 2000, status="cancelled", retired_on="2023-05-05"),
        ],
    )
    size = tlog.size(ws)
    with pytest.raises(ZerotrailError) as exc:
        retire(ws, "c1")
    assert str(exc.value) == (
        "credit c1 was retired on 2024-03-01; a retired credit cannot be retired again"
    )
    with pytest.raises(ZerotrailError, match="cancelled on 2023-05-05"):
        retire(ws, "c2")
    with pytest.raises(ZerotrailError, match="no credit c9"):
        retire(ws, "c9")
    assert tlog.size(ws) == size and stored(ws) == 2


def test_partial_retirement_splits_the_block(ws: Workspace, tmp_path: Path) -> None:
    load(ws, tmp_path, [row("c1", 1, 1000)])
    # 1,000 serials 000001..001000; retiring 300 takes 000001..000300, leaving 000301..001000.
    assert retire(ws, "c1", quantity=300) == ["c1/1", "c1"]
    c = current(ws)
    part, rest = c["c1/1"], c["c1"]
    assert (part.serial_start, part.serial_end) == ("VCS-728-2019-000001", "VCS-728-2019-000300")
    assert (part.serial_first, part.serial_last, part.quantity) == (1, 300, 300.0)
    assert (part.status, part.split_from, part.version, part.claim_year) == (
        "retired",
        "c1",
        1,
        2023,
    )
    assert (rest.serial_start, rest.serial_end) == ("VCS-728-2019-000301", "VCS-728-2019-001000")
    assert (rest.serial_first, rest.serial_last, rest.quantity) == (301, 1000, 700.0)
    assert (rest.status, rest.version, rest.retired_on) == ("held", 2, None)
    # Again: 200 of the remaining 700 → c1/2 holds 000301..000500, c1 keeps 000501..001000.
    assert retire(ws, "c1", quantity=200, claim_year=None) == ["c1/2", "c1"]
    c = current(ws)
    assert (c["c1/2"].serial_start, c["c1/2"].serial_end) == (
        "VCS-728-2019-000301",
        "VCS-728-2019-000500",
    )
    assert (c["c1"].serial_first, c["c1"].quantity, c["c1"].version) == (501, 500.0, 3)
    assert leaves(ws) == stored(ws) == 5  # c1 v1, v2, v3; c1/1; c1/2
    assert_clean(ws)


def test_partial_retirement_quantity_must_fit(ws: Workspace, tmp_path: Path) -> None:
    load(ws, tmp_path, [row("c1", 1, 1000)])
    with pytest.raises(ZerotrailError, match="it holds 1,000"):
        retire(ws, "c1", quantity=1001)
    with pytest.raises(ZerotrailError):
        retire(ws, "c1", quantity=0)
    assert stored(ws) == 1


def test_reimporting_the_original_after_a_split_is_refused(ws: Workspace, tmp_path: Path) -> None:
    load(ws, tmp_path, [row("c1", 1, 1000)])
    retire(ws, "c1", quantity=300)
    with pytest.raises(DataError) as exc:
        load(ws, tmp_path, [row("c1", 1, 1000)], replace=True)
    (p,) = exc.value.problems
    assert p.message.startswith(
        "credit c1/1 (retired) holds 300 serials VCS-728-2019-000001 to VCS-728-2019-000300"
        " since it was split off"
    )
    # The file's own lineage is no overlap: the unchanged split parts import as unchanged.
    c = current(ws)["c1"]
    again = row("c1", c.serial_first, c.serial_last)
    assert load(ws, tmp_path, [again]).unchanged == 1


def test_retire_needs_a_beneficiary_and_a_past_date(ws: Workspace, tmp_path: Path) -> None:
    load(ws, tmp_path, [row("c1", 1, 1000)])
    with pytest.raises(ZerotrailError, match="beneficiary"):
        retire(ws, "c1", beneficiary=" ")
    with pytest.raises(ZerotrailError, match="in the future"):
        retire(ws, "c1", on=date(date.today().year + 1, 1, 1))
    assert stored(ws) == 1


# --- assigning ---------------------------------------------------------------------------------


def test_assign_once_for_one_claim(ws: Workspace, tmp_path: Path) -> None:
    load(ws, tmp_path, [row("c1", 1, 1000, **RETIRED), row("c2", 1001, 2000)])
    assign_credit(ws, "c1", 2023)
    assert (current(ws)["c1"].claim_year, current(ws)["c1"].version) == (2023, 2)
    assign_credit(ws, "c1", 2023)  # already so: nothing written
    assert stored(ws) == 3
    with pytest.raises(ZerotrailError) as exc:
        assign_credit(ws, "c1", 2024)
    assert str(exc.value) == (
        "credit c1 is already assigned to the claim for 2023; a credit counts for one claim only"
    )
    with pytest.raises(ZerotrailError, match="held, not retired"):
        assign_credit(ws, "c2", 2023)
    assert stored(ws) == 3
    assert_clean(ws)


def test_assign_refuses_cancelled(ws: Workspace, tmp_path: Path) -> None:
    load(ws, tmp_path, [row("c1", 1, 1000, status="cancelled", retired_on="2023-05-05")])
    with pytest.raises(ZerotrailError, match="cancelled on 2023-05-05"):
        assign_credit(ws, "c1", 2023)


# --- the command line --------------------------------------------------------------------------


def test_cli_import_retire_assign_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from typer.testing import CliRunner

    from zerotrail.cli import common
    from zerotrail.cli.credits import app

    db = tmp_path / "cli.duckdb"
    open_workspace(str(db), create=True).close()
    monkeypatch.setattr(common.STATE, "db", str(db))
    path = write_csv(
        tmp_path / "credits.csv", [row("c1", 1, 1000), row("r1", 5001, 5500, **RETIRED)]
    )
    run = CliRunner().invoke
    assert run(app, ["import", str(path)]).exit_code == 0
    res = run(
        app,
        [
            "retire",
            "c1",
            "--on",
            "2024-03-01",
            "--beneficiary",
            "Emmet Ltd",
            "--reason",
            "claim",
            "--for-year",
            "2023",
            "--quantity",
            "250",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "as c1/1" in res.output
    assert run(app, ["assign", "r1", "--year", "2023"]).exit_code == 0
    res = run(app, ["assign", "r1", "--year", "2024"])
    assert res.exit_code == 1 and "one claim only" in str(res.exception)
    res = run(app, ["list", "--year", "2023", "--format", "json"])
    data = json.loads(res.output)
    assert [c["credit_id"] for c in data["credits"]] == ["c1/1", "r1"]
    assert data["totals"]["by_status"] == {"retired": 750.0}
    res = run(app, ["list", "--status", "held"])
    assert res.exit_code == 0 and "c1" in res.output
    assert run(app, ["list", "--status", "sold"]).exit_code == 2
