"""The WebMKS loopback relay: the page connects to ``ws://127.0.0.1:<port>/<token>``, the relay to ESXi (webmks.md §3).

Runs on the app's asyncio loop (qasync); call every method from that loop's thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import secrets
from collections.abc import Callable, Sequence
from http import HTTPStatus
from urllib.parse import urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from vmconsole_gui.services.relay.logs import log, page_wire_log
from vmconsole_gui.services.relay.session import (
    PAGE_CLOSE_CODES,
    CloseReason,
    RelayEndpoint,
    SessionEnd,
    bridge,
    reason_for,
)
from vmconsole_gui.services.relay.upstream import (
    DEFAULT_CONNECT_TIMEOUT_S,
    SUBPROTOCOL,
    UpstreamError,
    UpstreamTarget,
    open_upstream,
)

BIND_HOST = "127.0.0.1"


class RelayNotRunningError(RuntimeError):
    """``register`` was called before ``start`` or after ``stop``."""


def _select_subprotocol(connection: ServerConnection, offered: Sequence[Subprotocol]) -> Subprotocol | None:
    """Pick ``binary`` when the page offers it; otherwise continue without a subprotocol."""
    return SUBPROTOCOL if SUBPROTOCOL in offered else None


class WebMksRelay:
    """Loopback WebSocket relay between console pages and ESXi WebMKS tickets.

    ``await start()`` binds 127.0.0.1 on a free port; :meth:`register` turns a ticket URL into a one-time
    :class:`RelayEndpoint`; ``await stop()`` ends every session with :attr:`CloseReason.RELAY_STOPPED`.
    """

    def __init__(self, *, connect_timeout: float = DEFAULT_CONNECT_TIMEOUT_S) -> None:
        self.connect_timeout = connect_timeout
        self._server: Server | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._port = 0
        self._pending: dict[str, RelayEndpoint] = {}
        self._accepted: dict[ServerConnection, RelayEndpoint] = {}
        self._live: set[RelayEndpoint] = set()
        self._labels = itertools.count(1)
        self._closing: set[asyncio.Future[None]] = set()

    @property
    def port(self) -> int:
        """The loopback port (0 before :meth:`start`)."""
        return self._port

    async def start(self) -> None:
        """Bind 127.0.0.1 on a free port and start accepting page connections."""
        if self._server is not None:
            return
        self._loop = asyncio.get_running_loop()
        self._server = await serve(
            self._handle,
            BIND_HOST,
            0,
            process_request=self._process_request,
            process_response=self._process_response,
            select_subprotocol=_select_subprotocol,
            compression=None,
            max_size=None,
            ping_interval=None,
            close_timeout=2.0,
            server_header=None,
            logger=page_wire_log,
        )
        self._port = self._server.sockets[0].getsockname()[1]
        log.info("WebMKS relay listening on %s:%d", BIND_HOST, self._port)

    async def stop(self) -> None:
        """Revoke unused endpoints, close every session (both legs) and stop listening."""
        server, self._server = self._server, None
        for endpoint in list(self._pending.values()):
            self._revoke(endpoint)
        for endpoint in list(self._accepted.values()) + list(self._live):
            self._abort(endpoint)
        if server is not None:
            server.close()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(5.0):
                    await server.wait_closed()
        for endpoint in list(self._accepted.values()) + list(self._live):
            endpoint.finish(SessionEnd(CloseReason.RELAY_STOPPED, "the console relay stopped"))
        self._accepted.clear()
        self._live.clear()
        if server is not None:
            log.info("WebMKS relay on %s:%d stopped", BIND_HOST, self._port)

    def register(
        self,
        ticket_url: str,
        pinned_cert_der: bytes | None = None,
        *,
        ca_pem: str | None = None,
        on_closed: Callable[[SessionEnd], None] | None = None,
    ) -> RelayEndpoint:
        """Return a one-time endpoint that relays to ``ticket_url`` (``wss://<esxi>/ticket/<id>``).

        TLS towards ESXi: ``pinned_cert_der`` (the accepted DER leaf, the only trust anchor, exact leaf match) or
        ``ca_pem`` (trust exactly these CAs, hostname checked) or, by default, the OS trust store with hostname check.
        Raise :class:`ValueError` for a bad URL or certificate and :class:`RelayNotRunningError` before ``start``.
        """
        if self._server is None or self._loop is None:
            raise RelayNotRunningError("start the WebMKS relay before registering a console")
        target = UpstreamTarget.build(ticket_url, pinned_cert_der, ca_pem)
        token = secrets.token_urlsafe(32)
        endpoint = RelayEndpoint(
            url=f"ws://{BIND_HOST}:{self._port}/{token}",
            label=f"console #{next(self._labels)}",
            target=target,
            loop=self._loop,
            on_closed=on_closed,
            cancel=self._cancel,
        )
        self._pending[token] = endpoint
        log.info(
            "%s registered for %s:%d (%s)",
            endpoint.label,
            target.host,
            target.port,
            "pinned certificate" if pinned_cert_der else "CA bundle" if ca_pem else "OS trust store",
        )
        return endpoint

    # ---- page side ------------------------------------------------------------------------------------------

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        """Consume the path token (single use); refuse unknown or used tokens before the upgrade."""
        token = urlsplit(request.path).path.removeprefix("/")
        endpoint = self._pending.pop(token, None)
        if endpoint is None:
            log.warning("refused a console page connection: unknown, used or revoked relay token")
            return connection.respond(HTTPStatus.FORBIDDEN, "Unknown or already used console token.\n")
        self._accepted[connection] = endpoint
        return None

    def _process_response(self, connection: ServerConnection, request: Request, response: Response) -> Response | None:
        """End an endpoint whose page upgrade failed after its token was consumed."""
        if response.status_code != HTTPStatus.SWITCHING_PROTOCOLS:
            endpoint = self._accepted.pop(connection, None)
            if endpoint is not None:
                detail = f"the console page's WebSocket upgrade failed (HTTP {response.status_code})"
                endpoint.finish(SessionEnd(CloseReason.PAGE_CLOSED, detail))
        return None

    async def _handle(self, page: ServerConnection) -> None:
        endpoint = self._accepted.pop(page, None)
        if endpoint is None:  # cannot happen: process_request admitted it
            await page.close(1008, "no console")
            return
        self._live.add(endpoint)
        endpoint.page = page
        try:
            end = await self._run(endpoint, page)
        finally:
            self._live.discard(endpoint)
        endpoint.finish(end)

    async def _run(self, endpoint: RelayEndpoint, page: ServerConnection) -> SessionEnd:
        target = endpoint.target
        log.debug("%s: page connected (subprotocol %s); opening ESXi leg", endpoint.label, page.subprotocol)
        connect_task = asyncio.ensure_future(open_upstream(target, self.connect_timeout))
        endpoint.connect_task = connect_task
        try:
            upstream = await connect_task
        except asyncio.CancelledError:
            if not endpoint.stopping:
                raise
            code = PAGE_CLOSE_CODES[CloseReason.RELAY_STOPPED]
            await page.close(code, "console relay stopped")
            return SessionEnd(CloseReason.RELAY_STOPPED, "the console was closed by the application", code)
        except UpstreamError as exc:
            reason = reason_for(exc.failure)
            code = PAGE_CLOSE_CODES[reason]
            log.warning("%s: %s", endpoint.label, exc)
            await page.close(code, str(exc).encode()[:123].decode(errors="ignore"))
            return SessionEnd(reason, str(exc), code)
        endpoint.upstream = upstream
        if endpoint.stopping:
            await upstream.close(1001, "console relay stopped")
        log.info(
            "%s: connected to %s:%d (subprotocol %s)", endpoint.label, target.host, target.port, upstream.subprotocol
        )
        return await bridge(endpoint, page, upstream)

    # ---- cancellation ---------------------------------------------------------------------------------------

    def _cancel(self, endpoint: RelayEndpoint) -> None:
        if endpoint in self._pending.values():
            self._revoke(endpoint)
        else:
            self._abort(endpoint)

    def _revoke(self, endpoint: RelayEndpoint) -> None:
        for token, pending in list(self._pending.items()):
            if pending is endpoint:
                del self._pending[token]
        endpoint.finish(SessionEnd(CloseReason.RELAY_STOPPED, "the console was closed before the page connected"))

    def _abort(self, endpoint: RelayEndpoint) -> None:
        """Close a session's legs; its handler then records RELAY_STOPPED."""
        endpoint.stopping = True
        if endpoint.connect_task is not None and not endpoint.connect_task.done():
            endpoint.connect_task.cancel()
        code = PAGE_CLOSE_CODES[CloseReason.RELAY_STOPPED]
        for leg in (endpoint.page, endpoint.upstream):
            if leg is not None:
                closing = asyncio.ensure_future(leg.close(code, "console relay stopped"))
                self._closing.add(closing)
                closing.add_done_callback(self._closing.discard)
