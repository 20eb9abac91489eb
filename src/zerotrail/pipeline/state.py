"""The workspace's state token: the key under which figures derived from stored data may be
kept between requests (the team server's figure cache, server/cache.py).

Where it sits: pipeline, over store/state.py (which says what the token is made of on each
engine). Two reads of the workspace give the same token only if no write that figures depend
on came between them: a calculation (a new current run), an approved import, a new target,
metric, base-year event, credit or claim, a migration. Reads only.
"""

from __future__ import annotations

from zerotrail.store.database import Workspace
from zerotrail.store.state import figures_row, state_row


def state_token(ws: Workspace) -> str:
    """A short text that changes whenever anything stored figures depend on changes (and on
    PostgreSQL with any other transaction on the server too: one read that costs nothing)."""
    version, change = state_row(ws)
    return f"v{version}/{change}"


def figures_token(ws: Workspace) -> str:
    """A short text that changes whenever anything stored figures depend on changes, and only
    then: the ledger's size and the current runs (on DuckDB the same as `state_token`). Two
    reads with the same `state_token` give the same figures token, so a caller may keep it
    per state token (server/cache.py does)."""
    version, change = figures_row(ws)
    return f"v{version}/{change}"
