"""Login rate limiting: failed logins counted per user name and per client address.

At most `LIMIT` failed logins per user name, and per client address, within `WINDOW` seconds
(a sliding window). Past either, every login attempt for that name or from that address is
refused with 429 and Retry-After (the seconds until the oldest counted failure leaves the
window) before the password is even checked: a right password does not get through a lockout,
so guessing cannot go on by interleaving a known password. A successful login clears the
failures counted against its user name (not those of its address, which may be an attacker's
that also knows one password).

Counted in this process's memory (like the sessions): a restart forgets them. Behind a proxy
every client has the proxy's address, so the per-address limit then applies to everyone at
once; the per-name limit still holds. The table is bounded: past `MOST` keys, the keys whose
latest failure is oldest are forgotten first.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence

LIMIT = 5
WINDOW = 15 * 60.0  # seconds
MOST = 100_000


class FailureLimiter:
    def __init__(
        self,
        limit: int = LIMIT,
        window: float = WINDOW,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: dict[str, deque[float]] = {}

    def retry_after(self, keys: Iterable[str]) -> int | None:
        """Seconds to wait when any key has had `limit` failures in the window, else None."""
        now = self._clock()
        waits = []
        with self._lock:
            for key in keys:
                times = self._recent(key, now)
                if len(times) >= self.limit:
                    waits.append(times[-self.limit] + self.window - now)
        return max(1, math.ceil(max(waits))) if waits else None

    def failed(self, keys: Iterable[str]) -> None:
        now = self._clock()
        with self._lock:
            self._count(keys, now)

    def _count(self, keys: Iterable[str], now: float) -> None:
        for key in keys:
            times = self._failures.setdefault(key, deque(maxlen=self.limit))
            times.append(now)
        if len(self._failures) > MOST:
            by_age = sorted(self._failures, key=lambda k: self._failures[k][-1])
            for key in by_age[: len(self._failures) - MOST]:
                del self._failures[key]

    def begin(self, keys: Sequence[str]) -> int | None:
        """Atomically, at a login's start: the seconds to wait when any key is over its limit;
        else the attempt counted as a failure now, before its password is checked (undone by
        `succeeded`). Counted at once, so that logins sent together cannot all pass the check
        before any of them has failed (found by an attack on the server: 12 at once, 11 wrong,
        all checked)."""
        now = self._clock()
        with self._lock:
            waits = []
            for key in keys:
                times = self._recent(key, now)
                if len(times) >= self.limit:
                    waits.append(times[-self.limit] + self.window - now)
            if waits:
                return max(1, math.ceil(max(waits)))
            self._count(keys, now)
        return None

    def succeeded(self, keys: Sequence[str]) -> None:
        """A login begun with `begin(keys)` succeeded: its user name's failures are cleared
        (keys[0]), and the other keys lose the failure `begin` counted for it."""
        with self._lock:
            self._failures.pop(keys[0], None)
            for key in keys[1:]:
                times = self._failures.get(key)
                if times:
                    times.pop()

    def clear(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[key]
        return times
