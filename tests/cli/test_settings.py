"""`zerotrail settings show|set|unset`: the settings a user may set, checked, in one line each."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.invoke import Result, zerotrail


def zt(tmp: Path, *args: str) -> Result:
    return zerotrail("--db", str(tmp / "w.duckdb"), *args, cwd=tmp)


def test_set_show_and_unset(tmp_path: Path) -> None:
    assert zt(tmp_path, "init", "--organization", "Acme").code == 0
    done = zt(tmp_path, "settings", "set", "approved_by", "Board of Acme")
    assert done.code == 0, done.stderr
    assert done.stdout.strip() == "approved_by set to 'Board of Acme'"
    assert zt(tmp_path, "settings", "set", "approval_date", "2025-04-30").code == 0
    shown = zt(tmp_path, "settings", "show", "--format", "json")
    values = {r["key"]: r["value"] for r in json.loads(shown.stdout)}
    assert values == {
        "organization": "Acme",
        "approved_by": "Board of Acme",
        "approval_date": "2025-04-30",
        "preparer": None,
        "contact": None,
    }
    table = zt(tmp_path, "settings", "show").stdout
    assert "Board of Acme" in table and "not recorded" in table
    assert zt(tmp_path, "settings", "unset", "approved_by").stdout.strip() == "approved_by removed"
    again = zt(tmp_path, "settings", "unset", "approved_by")
    assert again.code == 0 and "had no value; nothing changed" in again.stdout


def test_refusals_are_one_line(tmp_path: Path) -> None:
    assert zt(tmp_path, "init").code == 0
    for args, message in [
        (("set", "ledger_origin", "x"), "unknown setting 'ledger_origin': expected one of"),
        (("set", "approval_date", "April 2025"), "approval_date: not an ISO date"),
        (("set", "contact", ""), "contact: the value is empty"),
        (("unset", "nope"), "unknown setting 'nope'"),
        # Bytes that were not UTF-8, as the shell passes them in another encoding.
        (
            ("set", "contact", b"caf\xff".decode("utf-8", "surrogateescape")),
            "contact: the value is not valid UTF-8 text",
        ),
    ]:
        out = zt(tmp_path, "settings", *args)
        assert out.code == 1, args
        assert out.stderr.count("\n") == 1 and message in out.stderr, out.stderr
