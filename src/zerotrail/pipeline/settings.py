"""The settings stage: the workspace settings a user may set, read, change and remove.

    SETTINGS                      every key a user may set, with what it is for
    settings(ws)                  each key with its value (None: not recorded)
    change_setting(ws, key, v)    set one key, checked (ZerotrailError naming the problem)
    remove_setting(ws, key)       remove one key (False when it had no value)
    governance(ws)                the report's governance fields (GOVERNANCE), as stored

Where it sits: pipeline, called by `cli/settings.py` and by the report stage
(pipeline/publish.py), which prints the governance fields in the report's governance section
exactly as stored and says "not recorded" for a field without a value: nothing is filled in.
Other keys of the same table (the ledger's origin and key, the schema version, ...) are the
workspace's own and are refused here. The organization's name decides what reports say, so a
change to it is committed to the ledger with it (store/history.py); the governance fields are
committed with each report that prints them (its figures, recorded at publication).
"""

from __future__ import annotations

from zerotrail.errors import ZerotrailError
from zerotrail.model.limits import MAX_TEXT_LENGTH, date_problem, text_problem
from zerotrail.store import settings as store
from zerotrail.store.database import Workspace
from zerotrail.store.history import snapshot

__all__ = [
    "GOVERNANCE",
    "SETTINGS",
    "change_setting",
    "governance",
    "remove_setting",
    "settings",
]

# Key -> what it is for (shown by `zerotrail settings show` and documented in docs/cli.md).
SETTINGS: dict[str, str] = {
    "organization": "name of the organization the reports are about",
    "approved_by": "who approved the report for publication (person, role or body)",
    "approval_date": "date the report was approved, YYYY-MM-DD",
    "preparer": "who prepared the report (team or person)",
    "contact": "where readers send questions about the report (address or team)",
}
# The fields of the report's governance section, in the order it prints them.
GOVERNANCE = ("approved_by", "approval_date", "preparer", "contact")
# Settings committed to the ledger when they change (store/history.py tracks them).
_TRACKED = frozenset({"organization"})


def _known(key: str) -> str:
    if key not in SETTINGS:
        raise ZerotrailError(f"unknown setting {key!r}: expected one of {', '.join(SETTINGS)}")
    return key


def settings(ws: Workspace) -> dict[str, str | None]:
    """Every key of SETTINGS with its value (None when not recorded)."""
    return store.read_settings(ws, list(SETTINGS))


def _checked(key: str, value: str) -> str:
    text = value.strip()
    if not text:
        raise ZerotrailError(
            f"{key}: the value is empty (to remove the setting: `zerotrail settings unset {key}`)"
        )
    problem = text_problem(text, MAX_TEXT_LENGTH)
    if problem is not None:
        raise ZerotrailError(f"{key}: the value {problem}")
    if key == "approval_date":
        day, why = date_problem(text)
        if day is None:
            raise ZerotrailError(f"approval_date: {why}")
        text = day.isoformat()
    return text


def change_setting(ws: Workspace, key: str, value: str) -> str:
    """Set `key` to `value` (surrounding spaces removed; a date checked); returns the value
    stored. ZerotrailError, nothing written, for an unknown key or a refused value."""
    text = _checked(_known(key), value)
    with ws.transaction():
        ws.set_setting(key, text)
        if key in _TRACKED:
            snapshot(ws, "setting")
    return text


def remove_setting(ws: Workspace, key: str) -> bool:
    """Remove `key`'s value; False when it had none."""
    with ws.transaction():
        had = store.delete_setting(ws, _known(key))
        if had and key in _TRACKED:
            snapshot(ws, "setting")
    return had


def governance(ws: Workspace) -> dict[str, str | None]:
    """The report's governance fields (GOVERNANCE) as stored, None when not recorded."""
    return store.read_settings(ws, list(GOVERNANCE))
