"""Figures derived from stored runs, kept in the server's memory between requests.

Why: the dashboard draws every calculated year's charts and the targets' progress recomputes
every year's inventory figures; both cost hundreds of milliseconds a request (bench/server.py,
docs/benchmarks.md) while the data under them changes only when someone calculates, approves
an import or adds a target.

Correctness: every entry is keyed by the workspace's figures token (`pipeline.state.
figures_token`: the ledger's size and the current runs, read in the request's own open
workspace, so on PostgreSQL in the same snapshot as the figures it would compute), beside what
was asked (the figure's kind and arguments) and the entities the caller may see. A write by
this server or by a `zerotrail` command in another process changes the token, so the next
request misses and computes afresh; entries under an old token are never read again and age
out. Errors are not kept. The figures token is kept per state token (`state_token`, one free
read: the PostgreSQL snapshot), since the same snapshot always gives the same figures.

Bounded: at most `most` entries, the least recently used dropped first. When several requests
miss the same key at once, one computes and the others wait for its answer (a calculation would
otherwise make every concurrent reader redo the same work).

A kept value is shared by every request that reads it: callers must not change it (the routes
only serialise or render it).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Hashable
from typing import Any, TypeVar

from zerotrail.pipeline.setup import Workspace
from zerotrail.pipeline.state import figures_token, state_token

T = TypeVar("T")

# Entries kept: a few figure kinds x the years asked x the entity sets of owners; each is at most
# a dashboard's Vega-Lite specs (tens of kB).
MOST_ENTRIES = 256


class _Pending:
    """A value being computed by one request, which others wait for."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: Any = None
        self.failed = False


class FigureCache:
    """Figures keyed by (kind, arguments, entities, workspace state); thread-safe."""

    def __init__(self, most: int = MOST_ENTRIES) -> None:
        if most < 1:
            raise ValueError("a figure cache keeps at least one entry")
        self.most = most
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._pending: dict[Hashable, _Pending] = {}
        self._tokens: OrderedDict[str, str] = OrderedDict()  # state token -> figures token
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def _figures_token(self, ws: Workspace) -> str:
        """The figures token of `ws`'s state, read once per state token. On PostgreSQL the
        state token (the snapshot) moves with any transaction on the database server, which
        changes no figure: keyed by it, every kept figure was computed again each time, all
        requests waiting behind it (a 1.8 s pause at 100 requests/s while autovacuum analysed
        a new demo, bench/server.py). The figures token (the ledger's size, the current runs)
        costs a count of the leaves, so it is read only when the snapshot has moved."""
        state = state_token(ws)
        with self._lock:
            known = self._tokens.get(state)
        if known is None:
            known = figures_token(ws)
            with self._lock:
                self._tokens[state] = known
                while len(self._tokens) > self.most:
                    self._tokens.popitem(last=False)
        return known

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def get(
        self,
        ws: Workspace,
        kind: str,
        args: tuple[Hashable, ...],
        compute: Callable[[], T],
        *,
        entities: Collection[str] | None = None,
    ) -> T:
        """The figure `kind` of `args` for a caller who sees `entities` (None: every entity),
        as `compute()` gives it on `ws` now: kept if `ws` is in the state it was computed in."""
        seen = None if entities is None else tuple(sorted(set(entities)))
        key = (kind, args, seen, self._figures_token(ws))
        while True:
            with self._lock:
                if key in self._entries:
                    self._entries.move_to_end(key)
                    self.hits += 1
                    return self._entries[key]  # type: ignore[no-any-return]
                pending = self._pending.get(key)
                if pending is None:
                    pending = self._pending[key] = _Pending()
                    self.misses += 1
                    break
            pending.done.wait()
            if not pending.failed:
                with self._lock:
                    self.hits += 1
                return pending.value  # type: ignore[no-any-return]
            # The computing request failed: try again (this request may well succeed, or
            # fail with its own error).
        try:
            value = compute()
        except BaseException:
            pending.failed = True
            with self._lock:
                del self._pending[key]
            pending.done.set()
            raise
        pending.value = value
        with self._lock:
            del self._pending[key]
            self._entries[key] = value
            while len(self._entries) > self.most:
                self._entries.popitem(last=False)
        pending.done.set()
        return value
