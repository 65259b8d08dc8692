"""Paced "type clipboard": text → keysyms → chunks the page types with ``interval_ms`` between keys.

The page types one chunk at a time (``vmconsole.typeKeysyms``) and reports back through the bridge, so a 10 000
character paste never blocks the UI, never floods the guest's keyboard buffer, and stops within one chunk on cancel.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Awaitable, Callable

from vmconsole_gui.services.console_session import text_keysyms, typing_chunks

CHUNK_GRACE_S = 5.0
"""Extra time a chunk may take beyond ``len(chunk) * interval`` before typing is abandoned."""


class ConsoleNotConnected(RuntimeError):
    """The console is not connected, so nothing can be sent to the VM."""


class PacedTyper:
    """Types text through a console page; one typing job at a time per console."""

    def __init__(self, run_js: Callable[[str], Awaitable[object]]) -> None:
        self._run_js = run_js
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[None]] = {}

    def chunk_done(self, chunk_id: int) -> None:
        """The page reports that chunk ``chunk_id`` was sent."""
        future = self._pending.get(chunk_id)
        if future is not None and not future.done():
            future.set_result(None)

    def abort(self, reason: str) -> None:
        """Fail the chunk in flight (the console disconnected)."""
        for future in self._pending.values():
            if not future.done():
                future.set_exception(ConsoleNotConnected(reason))

    async def type_text(
        self, text: str, interval_ms: int = 15, progress: Callable[[int, int], None] | None = None
    ) -> int:
        """Type ``text``; return the number of keys sent. Cancelling stops typing within one chunk.

        Raise :class:`ConsoleNotConnected` if the console is (or becomes) disconnected, :class:`ValueError` for a
        negative interval.
        """
        keysyms = text_keysyms(text)
        chunks = typing_chunks(keysyms, interval_ms)
        sent = 0
        loop = asyncio.get_running_loop()
        try:
            for chunk in chunks:
                chunk_id = next(self._ids)
                done: asyncio.Future[None] = loop.create_future()
                self._pending[chunk_id] = done
                try:
                    script = f"vmconsole.typeKeysyms({chunk_id}, {json.dumps(chunk)}, {int(interval_ms)})"
                    if await self._run_js(script) is not True:
                        raise ConsoleNotConnected("the console is not connected")
                    budget = len(chunk) * interval_ms / 1000 + CHUNK_GRACE_S
                    try:
                        await asyncio.wait_for(done, budget)
                    except TimeoutError:
                        raise ConsoleNotConnected("the console stopped accepting keys") from None
                finally:
                    del self._pending[chunk_id]
                sent += len(chunk)
                if progress is not None:
                    progress(sent, len(keysyms))
        except asyncio.CancelledError:
            await self._run_js("vmconsole.cancelTyping()")
            raise
        return sent
