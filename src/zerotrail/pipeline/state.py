"""The workspace's state token: the key under which figures derived from stored data may be
kept between requests (the team server's figure cache, server/cache.py).

Where it sits: pipeline, over store/state.py (which says what the token is made of on each
engine). Two reads of the workspace give the same token only if no write that figures depend
on came between them: a calculation (a new current run), an approved import, a new target,
metric, base-year event, credit or claim, a migration. Reads only.
"""

from __future__ import annotations

from zerotrail.store.database import Workspace
from zerotrail.store.state import state_row


def state_token(ws: Workspace) -> str:
    """A short text that changes whenever anything stored figures depend on changes."""
    version, change = state_row(ws)
    return f"v{version}/{change}"
