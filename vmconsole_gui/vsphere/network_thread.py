"""A background thread with its own asyncio loop, where transports can do their HTTP and TLS work.

httpx, httpcore and the TLS layer cost about a millisecond of Python per request. A GUI that lists and enriches
thousands of VMs on its own event loop spends most of that loop's time inside them, and its redraws and input wait
behind bursts of responses. With a :class:`NetworkThread`, a transport sends and reads on this thread's loop and the
caller's loop only awaits the finished response: the caller's coroutines, timeouts and cancellation work as before
(cancelling the awaiting task cancels the request over there).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["NetworkThread", "shared_network_thread"]

T = TypeVar("T")


class NetworkThread:
    """A daemon thread running an asyncio event loop; :meth:`run` awaits a coroutine on it from another loop."""

    def __init__(self, name: str = "vsphere-network") -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_forever()

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The thread's event loop."""
        return self._loop

    def is_current(self) -> bool:
        """True when called on this thread (its loop is the running one)."""
        return threading.get_ident() == self._thread.ident

    async def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` on this thread's loop and await its result (or exception) on the caller's loop.

        Cancelling the caller cancels the coroutine too. Called on this thread itself, it just awaits it.
        """
        if self.is_current():
            return await coroutine
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coroutine, self._loop))

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop the loop and wait for the thread (pending work is abandoned)."""
        if self._loop.is_closed():
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout_s)
        if not self._thread.is_alive():
            self._loop.close()


_shared: NetworkThread | None = None
_shared_lock = threading.Lock()


def shared_network_thread() -> NetworkThread:
    """The process-wide network thread (started on first use; a daemon, so it never holds up the exit)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = NetworkThread()
        return _shared
