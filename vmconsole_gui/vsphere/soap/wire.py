"""The HTTP connections pyvmomi opens, bounded: answer size, and a way to interrupt them from another thread.

pyvmomi reads each answer with ``http.client`` and streams it into expat, with no size limit. Its stub builds
connections from the class in ``stub.scheme``; :func:`bounded_connection_class` gives it one whose responses stop
at a byte budget (raising :class:`AnswerTooLarge`) and which registers every live socket so that
:meth:`LiveSockets.interrupt` can wake a thread blocked in a read (a disconnect, quit, or an overall deadline).
Compressed answers are not requested at all (``acceptCompressedResponses=False``): no decompression bombs.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
import weakref
from typing import Any

__all__ = ["AnswerTooLarge", "LiveSockets", "bounded_connection_class"]


class AnswerTooLarge(http.client.HTTPException):
    """The server's answer went past the byte budget; reading stopped there."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"answer larger than {limit} bytes")
        self.limit = limit


class LiveSockets:
    """The sockets of one client's open connections, so another thread can shut them down."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sockets: weakref.WeakSet[socket.socket] = weakref.WeakSet()

    def add(self, sock: socket.socket) -> None:
        """Track ``sock`` until it is garbage."""
        with self._lock:
            self._sockets.add(sock)

    def interrupt(self) -> None:
        """Shut every live socket down: a thread blocked reading one gets an error at once."""
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):  # already closed
                sock.shutdown(socket.SHUT_RDWR)


def bounded_connection_class(limit: int, live: LiveSockets) -> type[http.client.HTTPSConnection]:
    """An ``HTTPSConnection`` subclass whose answers are cut at ``limit`` bytes and whose sockets ``live`` tracks."""

    class _BoundedResponse(http.client.HTTPResponse):
        _taken = 0

        def _count(self, n: int) -> None:
            self._taken += n
            if self._taken > limit:
                self.close()
                raise AnswerTooLarge(limit)

        def read(self, amt: int | None = None) -> bytes:
            data = super().read(limit + 1 - self._taken if amt is None else amt)
            self._count(len(data))
            return data

        def readinto(self, b: Any) -> int:
            n = super().readinto(b)
            self._count(n)
            return n

    class _BoundedConnection(http.client.HTTPSConnection):
        response_class = _BoundedResponse

        def connect(self) -> None:
            super().connect()
            if self.sock is not None:
                live.add(self.sock)

    return _BoundedConnection
