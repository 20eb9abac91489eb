"""Browser sessions and their CSRF tokens, kept in the server's memory.

A session is made when someone opens the login page (so that the login form, too, carries a
CSRF token) and replaced by a new one when they log in (a session id known before the login is
worth nothing after it). The browser holds only the session's id, in the `zt_session` cookie:
256 random bits (`secrets.token_urlsafe(32)`). The server keeps, per id, the user's name (none
before the login), the CSRF token and the times; the id itself is kept only as its SHA-256, so
that this table holds nothing a browser could present.

- **Expiry.** A session ends after `IDLE` without a request, and `LONGEST` after it was made,
  whatever happens; logging out ends it at once.
- **CSRF.** A synchronizer token: 256 random bits made with the session, sent in every form (a
  hidden field) and by htmx (a header), compared in constant time with the session's. A POST
  without the session's token is refused (403).
- **In memory.** Sessions live in this process only: restarting the server logs everyone out,
  and two server processes would not share them. The user behind a session is looked up again
  on every request (server/web.py), so a user disabled meanwhile is logged out at once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

COOKIE = "zt_session"
IDLE = 8 * 3600.0  # seconds without a request after which a session ends
LONGEST = 24 * 3600.0  # seconds after which a session ends even if in use
# A bound on the table, so that requests for the login page cannot fill the memory: past it,
# the sessions idle longest are dropped first (pre-login ones before any logged-in one).
MOST = 10_000
_TOKEN_BYTES = 32  # 256 bits, for session ids and CSRF tokens alike


def _key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(slots=True)
class Session:
    user: str | None  # None before the login
    csrf: str
    made: float
    seen: float

    def csrf_ok(self, token: str | None) -> bool:
        return token is not None and hmac.compare_digest(
            token.encode("utf-8", "surrogatepass"), self.csrf.encode()
        )


class Sessions:
    """The sessions of one server process (thread-safe: routes run in a thread pool)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._table: dict[str, Session] = {}

    def new(self, user: str | None) -> tuple[str, Session]:
        """A new session (of `user`, or before a login): its id, shown once, and the session."""
        session_id = secrets.token_urlsafe(_TOKEN_BYTES)
        now = self._clock()
        session = Session(user, secrets.token_urlsafe(_TOKEN_BYTES), now, now)
        with self._lock:
            self._prune(now)
            self._table[_key(session_id)] = session
        return session_id, session

    def get(self, session_id: str | None) -> Session | None:
        """The live session with this id (and it counts as used now), else None."""
        if not session_id:
            return None
        now = self._clock()
        key = _key(session_id)
        with self._lock:
            session = self._table.get(key)
            if session is None:
                return None
            if self._expired(session, now):
                del self._table[key]
                return None
            session.seen = now
            return session

    def end(self, session_id: str | None) -> None:
        if session_id:
            with self._lock:
                self._table.pop(_key(session_id), None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._table)

    def _expired(self, session: Session, now: float) -> bool:
        return now - session.seen >= IDLE or now - session.made >= LONGEST

    def _prune(self, now: float) -> None:
        for key in [k for k, s in self._table.items() if self._expired(s, now)]:
            del self._table[key]
        excess = len(self._table) + 1 - MOST
        if excess > 0:
            oldest = sorted(
                self._table, key=lambda k: (self._table[k].user is not None, self._table[k].seen)
            )
            for key in oldest[:excess]:
                del self._table[key]
