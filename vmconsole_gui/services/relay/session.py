"""One relayed console: its endpoint (what the UI holds), why it ended, and the 1:1 message pump between the legs."""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass

from websockets.asyncio.connection import Connection
from websockets.exceptions import ConnectionClosed

from vmconsole_gui.services.relay.logs import log, redact_relay
from vmconsole_gui.services.relay.upstream import UpstreamFailure, UpstreamTarget

CLOSE_TIMEOUT_S = 2.0


class CloseReason(enum.Enum):
    """Why a relayed console session ended."""

    PAGE_CLOSED = "page_closed"
    """The page (noVNC) closed its WebSocket."""
    UPSTREAM_CLOSED = "upstream_closed"
    """ESXi ended a session that had started (it had sent data)."""
    UPSTREAM_REFUSED = "upstream_refused"
    """ESXi refused the upgrade or closed before sending anything: ticket unknown, used or expired; VM off."""
    TLS_PIN_MISMATCH = "tls_pin_mismatch"
    """The ESXi certificate is not the pinned one; the ticket was not sent."""
    TLS_UNTRUSTED = "tls_untrusted"
    """The ESXi certificate failed OS-trust-store (or CA bundle) verification; the ticket was not sent."""
    UNREACHABLE = "unreachable"
    """No TLS connection to ESXi (refused, timed out, name not resolved, TLS failure)."""
    RELAY_STOPPED = "relay_stopped"
    """The app cancelled the endpoint or stopped the relay."""


_FAILURE_REASONS = {
    UpstreamFailure.REFUSED: CloseReason.UPSTREAM_REFUSED,
    UpstreamFailure.PIN_MISMATCH: CloseReason.TLS_PIN_MISMATCH,
    UpstreamFailure.UNTRUSTED: CloseReason.TLS_UNTRUSTED,
    UpstreamFailure.UNREACHABLE: CloseReason.UNREACHABLE,
}

PAGE_CLOSE_CODES = {
    CloseReason.UPSTREAM_REFUSED: 4001,
    CloseReason.TLS_PIN_MISMATCH: 4002,
    CloseReason.TLS_UNTRUSTED: 4003,
    CloseReason.UNREACHABLE: 4004,
    CloseReason.RELAY_STOPPED: 1001,
}
"""Close codes the page sees when the relay, not ESXi, ends the session (4000-4999 are for applications)."""


def reason_for(failure: UpstreamFailure) -> CloseReason:
    """The session end reason for a failed ESXi leg."""
    return _FAILURE_REASONS[failure]


@dataclass(frozen=True, slots=True)
class SessionEnd:
    """How a session ended: the reason, a sentence for the user, and the close code the page got (if any)."""

    reason: CloseReason
    detail: str
    close_code: int | None = None


class RelayEndpoint:
    """A one-time page endpoint ``ws://127.0.0.1:<port>/<token>`` for one console ticket.

    Give :attr:`url` to the page; await :meth:`wait_closed` (or pass ``on_closed`` to ``register``) to learn why the
    session ended. The URL is a credential for the session: it never appears in ``repr`` or logs.
    """

    def __init__(
        self,
        *,
        url: str,
        label: str,
        target: UpstreamTarget,
        loop: asyncio.AbstractEventLoop,
        on_closed: Callable[[SessionEnd], None] | None,
        cancel: Callable[[RelayEndpoint], None],
    ) -> None:
        self._url = url
        self.label = label
        self.target = target
        self._closed: asyncio.Future[SessionEnd] = loop.create_future()
        self._on_closed = on_closed
        self._cancel = cancel
        self.stopping = False
        self.page: Connection | None = None
        self.upstream: Connection | None = None
        self.connect_task: asyncio.Task[object] | None = None

    @property
    def url(self) -> str:
        """The URL the page opens (with the secret path token)."""
        return self._url

    @property
    def ended(self) -> SessionEnd | None:
        """How the session ended, or None while it is pending or running."""
        return self._closed.result() if self._closed.done() else None

    async def wait_closed(self) -> SessionEnd:
        """Wait until the session has ended (both legs closed) and return how."""
        return await asyncio.shield(self._closed)

    def cancel(self) -> None:
        """Revoke an unused endpoint, or close both legs of a running session (reason RELAY_STOPPED)."""
        self._cancel(self)

    def finish(self, end: SessionEnd) -> None:
        """Record the end once and notify ``on_closed`` (relay internals call this)."""
        if self._closed.done():
            return
        self._closed.set_result(end)
        log.info("%s ended: %s (%s)", self.label, end.reason.value, redact_relay(end.detail))
        if self._on_closed is not None:
            try:
                self._on_closed(end)
            except Exception:
                log.exception("%s: on_closed callback failed", self.label)

    def __repr__(self) -> str:
        state = self.ended.reason.value if self.ended else "open"
        return f"RelayEndpoint({self.label}, {self.target.host}:{self.target.port}, {state})"


async def _pump(src: Connection, dst: Connection, counter: list[int]) -> str:
    """Forward messages from ``src`` to ``dst`` unchanged; return which side ended the pump (``src`` or ``dst``)."""
    try:
        async for message in src:
            counter[0] += 1
            try:
                await dst.send(message)
            except ConnectionClosed:
                return "dst"
    except ConnectionClosed:
        pass
    return "src"


def _close_args(closed: Connection, *, lost_reason: str) -> tuple[int, str]:
    """The code and reason to pass on to the other leg after ``closed`` was closed by its peer."""
    received = closed.protocol.close_rcvd
    if received is None:
        return 1011, lost_reason
    if received.code == 1005:  # no status code in the peer's close frame
        return 1000, ""
    return received.code, received.reason


async def bridge(endpoint: RelayEndpoint, page: Connection, upstream: Connection) -> SessionEnd:
    """Relay messages 1:1 in both directions until one side closes; close the other side the same way."""
    from_upstream = [0]
    to_page = asyncio.create_task(_pump(upstream, page, from_upstream))
    to_esxi = asyncio.create_task(_pump(page, upstream, [0]))
    done, _ = await asyncio.wait({to_page, to_esxi}, return_when=asyncio.FIRST_COMPLETED)
    upstream_ended = (to_page in done and to_page.result() == "src") or (to_esxi in done and to_esxi.result() == "dst")

    if endpoint.stopping:
        code, text = PAGE_CLOSE_CODES[CloseReason.RELAY_STOPPED], "console relay stopped"
        end = SessionEnd(CloseReason.RELAY_STOPPED, "the console was closed by the application", code)
        await asyncio.gather(page.close(code, text), upstream.close(code, text))
    elif upstream_ended:
        code, text = _close_args(upstream, lost_reason="connection to ESXi lost")
        if from_upstream[0] == 0:
            reason, detail = CloseReason.UPSTREAM_REFUSED, "ESXi closed the console before sending any data"
        else:
            reason, detail = CloseReason.UPSTREAM_CLOSED, "ESXi ended the console session"
        detail += f" (code {upstream.close_code}{', ' + text if text else ''})"
        end = SessionEnd(reason, detail, code)
        await page.close(code, text)
    else:
        code, text = _close_args(page, lost_reason="console page connection lost")
        end = SessionEnd(CloseReason.PAGE_CLOSED, f"the console page closed (code {page.close_code})", page.close_code)
        await upstream.close(code, text)

    _, pending = await asyncio.wait({to_page, to_esxi}, timeout=CLOSE_TIMEOUT_S)
    for task in pending:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    if log.isEnabledFor(logging.DEBUG):
        log.debug("%s: %d messages from ESXi relayed", endpoint.label, from_upstream[0])
    return end
