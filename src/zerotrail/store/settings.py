"""Reading and removing the workspace's named settings (`zt_meta`), several at a time.

Where it sits: store, under the settings stage (pipeline/settings.py). `Workspace.get_setting`
and `set_setting` read and write one key; this adds reading a chosen set of keys in one query
and removing a key, which `Workspace` has no method for. Keys and values are bound parameters.
"""

from __future__ import annotations

from collections.abc import Sequence

from zerotrail.store.database import Workspace


def read_settings(ws: Workspace, keys: Sequence[str]) -> dict[str, str | None]:
    """Each of `keys` with its stored value, None when it has none."""
    found = {
        str(k): str(v)
        for k, v in ws.fetchall(
            "SELECT key, value FROM zt_meta WHERE key IN (SELECT unnest(?))", [list(keys)]
        )
    }
    return {k: found.get(k) for k in keys}


def delete_setting(ws: Workspace, key: str) -> bool:
    """Remove `key`; False when it had no value."""
    with ws.transaction():
        had = ws.scalar("SELECT count(*) FROM zt_meta WHERE key = ?", [key])
        ws.execute("DELETE FROM zt_meta WHERE key = ?", [key])
    return bool(had)
