"""The simulated ESXi WebMKS endpoint: ``wss://<host>:<port>/ticket/<id>`` serving RFB 3.8 (docs/webmks.md §1, §5).

The upgrade is gated before any RFB byte: the path must be ``/ticket/<id>``, the client must offer the ``binary``
subprotocol (real ESXi drops clients without it; we answer HTTP 400 and do not consume the ticket), and the ticket is
redeemed from the shared :class:`~.tickets.TicketBook` — unknown, used or expired tickets get HTTP 404, a VM that is
not powered on gets HTTP 403 (the ticket is consumed either way). Each refusal is recorded in :meth:`rejections`.
No permessage-deflate is negotiated. Ticket ids never reach a log line (paths are logged as ``/ticket/***``).
"""

from __future__ import annotations

import logging
import re
import ssl
import threading
import time
from collections.abc import MutableMapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from weakref import WeakKeyDictionary

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import InvalidHeader
from websockets.headers import parse_subprotocol
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from .console import ConsoleRegistry
from .esxi_session import WebMksSession
from .tickets import RedeemError, TicketBook

logger = logging.getLogger(__name__)

SUBPROTOCOL = Subprotocol("binary")
_TICKET_PATH = re.compile(r"^/ticket/([^/?#]+)$")
_TICKET_IN_TEXT = re.compile(r"/ticket/[^\s?#\"']+")


def redact_ticket_paths(text: str) -> str:
    """Replace every ``/ticket/<id>`` in ``text`` with ``/ticket/***``."""
    return _TICKET_IN_TEXT.sub("/ticket/***", text)


class _RedactingLogger(logging.LoggerAdapter):  # type: ignore[type-arg]
    """Logger handed to ``websockets`` so its own (debug) lines cannot leak a ticket path."""

    def log(self, level: int, msg: object, *args: Any, **kwargs: Any) -> None:
        if self.isEnabledFor(level):
            try:
                text = str(msg) % args if args else str(msg)
            except (TypeError, ValueError):
                text = f"{msg} {args!r}"
            kwargs.setdefault("stacklevel", 2)
            self.logger.log(level, "%s", redact_ticket_paths(text), **kwargs)


@dataclass(frozen=True, slots=True)
class RejectedAttempt:
    """A refused WebMKS upgrade.

    ``reason``: ``unknown`` / ``used`` / ``expired`` (ticket), ``powered-off``, ``unknown-vm``, ``bad-path``,
    ``no-binary-subprotocol`` or ``not-websocket``. ``status`` is the HTTP status sent; ``at`` is epoch seconds.
    """

    reason: str
    status: int
    at: float


class EsxiWebMksServer:
    """WebMKS server for the simulator; runs on whatever asyncio loop calls :meth:`start`."""

    def __init__(self, tickets: TicketBook, consoles: ConsoleRegistry) -> None:
        self._tickets = tickets
        self._consoles = consoles
        self._server: Server | None = None
        self._admitted: MutableMapping[ServerConnection, str] = WeakKeyDictionary()
        self._sessions: set[WebMksSession] = set()
        self._lock = threading.Lock()
        self._rejections: list[RejectedAttempt] = []
        self.sessions_opened = 0
        """How many WebMKS sessions were accepted since start (for tests)."""

    async def start(self, host: str, port: int, ssl_context: ssl.SSLContext) -> int:
        """Listen on ``host``:``port`` (0 = any free port) with TLS; return the bound port."""
        if self._server is not None:
            raise RuntimeError("EsxiWebMksServer is already started")
        self._server = await serve(
            self._handle,
            host,
            port,
            ssl=ssl_context,
            process_request=self._process_request,
            subprotocols=[SUBPROTOCOL],
            compression=None,
            server_header=None,
            logger=_RedactingLogger(logging.getLogger(f"{__name__}.websockets"), {}),
        )
        bound = int(next(iter(self._server.sockets)).getsockname()[1])
        logger.info("ESXi WebMKS endpoint listening on %s:%d", host, bound)
        return bound

    async def stop(self) -> None:
        """Close the listener and every live session (WebSocket close 1001), then wait for them to finish."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
            await server.wait_closed()

    @property
    def active_sessions(self) -> int:
        """Number of WebMKS sessions currently open."""
        with self._lock:
            return len(self._sessions)

    def rejections(self) -> list[RejectedAttempt]:
        """Every refused upgrade so far, oldest first (thread-safe copy)."""
        with self._lock:
            return list(self._rejections)

    # ------------------------------------------------------------------ upgrade gate
    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        match = _TICKET_PATH.match(request.path.split("?", 1)[0])
        if match is None:
            return self._reject(connection, "bad-path", HTTPStatus.NOT_FOUND)
        if "websocket" not in request.headers.get("Upgrade", "").lower():
            return self._reject(connection, "not-websocket", HTTPStatus.UPGRADE_REQUIRED)
        if SUBPROTOCOL not in _offered_subprotocols(request.headers):
            return self._reject(connection, "no-binary-subprotocol", HTTPStatus.BAD_REQUEST)
        try:
            vm_id = self._tickets.redeem(match.group(1))
        except RedeemError as exc:
            return self._reject(connection, exc.reason, HTTPStatus.NOT_FOUND)
        if self._consoles.vm_name(vm_id) is None:
            return self._reject(connection, "unknown-vm", HTTPStatus.NOT_FOUND)
        if not self._consoles.is_powered_on(vm_id):
            return self._reject(connection, "powered-off", HTTPStatus.FORBIDDEN)
        self._admitted[connection] = vm_id
        return None

    def _reject(self, connection: ServerConnection, reason: str, status: HTTPStatus) -> Response:
        with self._lock:
            self._rejections.append(RejectedAttempt(reason, int(status), time.time()))
        logger.info("WebMKS upgrade refused for %s: %s (HTTP %d)", _peer(connection), reason, status)
        return connection.respond(status, f"{status.phrase}\n")

    # ------------------------------------------------------------------ sessions
    async def _handle(self, connection: ServerConnection) -> None:
        vm_id = self._admitted.pop(connection, None)
        if vm_id is None:  # cannot happen: every accepted upgrade went through _process_request
            return
        label = f"{vm_id} from {_peer(connection)}"
        session = WebMksSession(
            connection, self._consoles.console(vm_id), self._consoles.vm_name(vm_id) or vm_id, label
        )
        with self._lock:
            self._sessions.add(session)
            self.sessions_opened += 1
        logger.info("WebMKS session %s: opened on /ticket/***", label)
        try:
            if not self._consoles.is_powered_on(vm_id):  # powered off between upgrade and now
                await connection.close(1000, "VM powered off")
                return
            await session.run()
        finally:
            with self._lock:
                self._sessions.discard(session)
            logger.info("WebMKS session %s: ended", label)


def _offered_subprotocols(headers: Headers) -> list[str]:
    offered: list[str] = []
    for value in headers.get_all("Sec-WebSocket-Protocol"):
        try:
            offered.extend(parse_subprotocol(value))
        except InvalidHeader:
            continue
    return offered


def _peer(connection: ServerConnection) -> str:
    address = connection.remote_address
    return f"{address[0]}:{address[1]}" if isinstance(address, tuple) else str(address)
