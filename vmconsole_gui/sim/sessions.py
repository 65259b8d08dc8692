"""API sessions with an idle timeout refreshed by every call (vsphere-rest.md §1.3)."""

from __future__ import annotations

import datetime
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(slots=True)
class Session:
    """One logged-in session. The id itself is the dict key of :class:`SessionStore`, never stored here."""

    user: str
    created: datetime.datetime
    last_accessed: datetime.datetime
    last_accessed_mono: float

    def info(self) -> dict[str, str]:
        """The ``CisSessionInfo`` body."""
        return {"user": self.user, "created_time": _iso(self.created), "last_accessed_time": _iso(self.last_accessed)}


def _iso(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class SessionStore:
    """Thread-safe session table. ``clock`` (monotonic seconds) is injectable for tests."""

    def __init__(self, idle_timeout_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        if idle_timeout_s <= 0:
            raise ValueError("the session idle timeout must be a positive number of seconds")
        self.idle_timeout_s = idle_timeout_s
        self._clock = clock
        self._lock = threading.Lock()
        self._sessions: dict[str, Session] = {}

    def create(self, user: str) -> str:
        """Open a session for ``user`` and return its id (32 lowercase hex)."""
        session_id = secrets.token_hex(16)
        now = datetime.datetime.now(datetime.UTC)
        with self._lock:
            self._sessions[session_id] = Session(user, now, now, self._clock())
        return session_id

    def touch(self, session_id: str | None) -> Session | None:
        """Return the live session for ``session_id`` and refresh its idle timer; None if unknown or expired."""
        if not session_id:
            return None
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None:
                return None
            now = self._clock()
            if now - session.last_accessed_mono > self.idle_timeout_s:
                del self._sessions[session_id]
                return None
            session.last_accessed_mono = now
            session.last_accessed = datetime.datetime.now(datetime.UTC)
            return session

    def delete(self, session_id: str) -> bool:
        """Log out; True if the session existed."""
        with self._lock:
            return self._sessions.pop(session_id, None) is not None

    def expire_all(self) -> int:
        """Drop every session (the "expire all sessions now" knob); return how many there were."""
        with self._lock:
            count = len(self._sessions)
            self._sessions.clear()
            return count

    def __len__(self) -> int:
        with self._lock:
            return len(self._sessions)
