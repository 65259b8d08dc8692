"""User actions first: background work (enrichment) waits while any user action (power, ticket, details) runs."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

__all__ = ["UserFirst"]


class UserFirst:
    """A gate shared by one profile's user actions and its background work.

    Background requests run at most ``background_limit`` at a time, and each one starts only while no user action
    is running, so a power operation or a console ticket never queues behind dozens of enrichment requests.
    """

    def __init__(self, background_limit: int) -> None:
        if background_limit < 1:
            raise ValueError("the background concurrency must be at least 1")
        self._background = asyncio.Semaphore(background_limit)
        self._active = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def user_active(self) -> bool:
        """True while a user action runs."""
        return self._active > 0

    @contextlib.asynccontextmanager
    async def user(self) -> AsyncIterator[None]:
        """Wrap a user action: background work pauses (between its requests) until it is done."""
        self._active += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._active -= 1
            if self._active == 0:
                self._idle.set()

    @contextlib.asynccontextmanager
    async def background(self) -> AsyncIterator[None]:
        """Wrap one background request: bounded, and only started while no user action runs."""
        async with self._background:
            while not self._idle.is_set():
                await self._idle.wait()
            yield
