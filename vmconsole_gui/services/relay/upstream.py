"""The relay's ESXi leg: ``wss://`` connection with the certificate checked before the ticket is sent.

Two checks protect the ticket (which is the path of the upgrade request):

1. The :class:`ssl.SSLContext` verifies inside the TLS handshake: OS trust store (or a given CA) with a hostname
   check, or the pinned certificate as the only trust anchor.
2. With a pin, :class:`_PinCheckingConnection` compares the SHA-256 of the leaf the server presented with the pin
   after the handshake and before ``websockets`` writes the first HTTP byte. This closes the one gap (1) leaves:
   a pinned certificate that is itself a CA would accept any leaf it signed.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import ssl
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidHandshake, InvalidStatus
from websockets.typing import Subprotocol

from vmconsole_gui.services.esxi_trust import ca_ssl_context, pinned_leaf_ssl_context, system_ssl_context
from vmconsole_gui.services.relay.logs import upstream_wire_log

SUBPROTOCOL = Subprotocol("binary")
DEFAULT_CONNECT_TIMEOUT_S = 15.0


class UpstreamFailure(enum.Enum):
    """Why the ESXi leg could not be opened."""

    REFUSED = "refused"
    PIN_MISMATCH = "pin_mismatch"
    UNTRUSTED = "untrusted"
    UNREACHABLE = "unreachable"


class UpstreamError(Exception):
    """The ESXi leg failed; ``failure`` classifies it, the message explains it (never containing the ticket)."""

    def __init__(self, failure: UpstreamFailure, message: str) -> None:
        super().__init__(message)
        self.failure = failure


class PinMismatchError(InvalidHandshake):
    """The leaf certificate is not the pinned one (raised before any HTTP byte is sent)."""


@dataclass(frozen=True, slots=True)
class UpstreamTarget:
    """Where and how to open the ESXi leg. ``url`` holds the ticket: keep it out of reprs and logs."""

    url: str = field(repr=False)
    host: str
    port: int
    ssl_context: ssl.SSLContext = field(repr=False)
    pinned_sha256: bytes | None = field(default=None, repr=False)

    @classmethod
    def build(cls, ticket_url: str, pinned_cert_der: bytes | None = None, ca_pem: str | None = None) -> UpstreamTarget:
        """Validate ``ticket_url`` and choose the TLS policy: pin > CA bundle > OS trust store.

        Raise :class:`ValueError` (whose text never contains the URL) for a non-``wss`` URL or a bad certificate.
        """
        parts = urlsplit(ticket_url)
        if parts.scheme.lower() != "wss":
            raise ValueError(f"a WebMKS console ticket must be a wss:// URL, not {parts.scheme or 'no scheme'}://")
        try:
            port = parts.port or 443
        except ValueError as exc:
            raise ValueError("the console ticket URL has an invalid port") from exc
        if not parts.hostname:
            raise ValueError("the console ticket URL has no host")
        if pinned_cert_der is not None and ca_pem is not None:
            raise ValueError("pass either a pinned certificate or a CA bundle, not both")
        if pinned_cert_der is not None:
            ctx = pinned_leaf_ssl_context(pinned_cert_der)
            pin: bytes | None = hashlib.sha256(pinned_cert_der).digest()
        else:
            ctx = ca_ssl_context(ca_pem) if ca_pem is not None else system_ssl_context()
            pin = None
        return cls(ticket_url, parts.hostname, port, ctx, pin)


class _PinCheckingConnection(ClientConnection):
    """A client connection that refuses to start the HTTP upgrade unless the TLS leaf matches the pin."""

    pinned_sha256: bytes | None = None

    async def handshake(self, *args: Any, **kwargs: Any) -> None:
        """Compare the presented leaf with the pin, then run the normal opening handshake."""
        if self.pinned_sha256 is not None:
            ssl_object = self.transport.get_extra_info("ssl_object")
            der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
            if not der or not hmac.compare_digest(hashlib.sha256(der).digest(), self.pinned_sha256):
                self.transport.abort()
                raise PinMismatchError("the ESXi certificate is not the pinned certificate")
        await super().handshake(*args, **kwargs)


class _NoRedirectConnect(connect):
    """``connect`` that never follows an HTTP redirect (a redirect would re-send credentials elsewhere)."""

    def process_redirect(self, exc: Exception) -> Exception | str:
        """Treat every redirect as a failure."""
        return exc


async def open_upstream(target: UpstreamTarget, timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S) -> ClientConnection:
    """Open the ESXi leg: subprotocol ``binary``, no Origin, no compression, no size limit, no keepalive pings.

    Raise :class:`UpstreamError` classified as REFUSED, PIN_MISMATCH, UNTRUSTED or UNREACHABLE.
    """

    class _Pinned(_PinCheckingConnection):
        pinned_sha256 = target.pinned_sha256

    where = f"{target.host}:{target.port}"
    try:
        return await _NoRedirectConnect(
            target.url,
            ssl=target.ssl_context,
            subprotocols=[SUBPROTOCOL],
            origin=None,
            compression=None,
            max_size=None,
            ping_interval=None,
            open_timeout=timeout_s,
            close_timeout=2.0,
            proxy=None,
            logger=upstream_wire_log,
            create_connection=_Pinned,
        )
    except PinMismatchError as exc:
        raise UpstreamError(UpstreamFailure.PIN_MISMATCH, f"{where}: {exc}") from None
    except ssl.SSLCertVerificationError as exc:
        reason = exc.verify_message or exc.reason or "verification failed"
        if target.pinned_sha256 is not None:
            raise UpstreamError(
                UpstreamFailure.PIN_MISMATCH, f"{where}: the certificate does not match the pinned one ({reason})"
            ) from None
        raise UpstreamError(UpstreamFailure.UNTRUSTED, f"{where}: the certificate is not trusted ({reason})") from None
    except InvalidStatus as exc:
        status = exc.response.status_code
        raise UpstreamError(
            UpstreamFailure.REFUSED, f"{where} refused the console connection (HTTP {status})"
        ) from None
    except InvalidHandshake as exc:
        raise UpstreamError(
            UpstreamFailure.REFUSED, f"{where}: WebSocket handshake failed ({type(exc).__name__})"
        ) from None
    except TimeoutError:
        raise UpstreamError(UpstreamFailure.UNREACHABLE, f"{where} did not answer within {timeout_s:g} s") from None
    except ssl.SSLError as exc:
        raise UpstreamError(UpstreamFailure.UNREACHABLE, f"TLS with {where} failed ({exc.reason or exc})") from None
    except OSError as exc:
        raise UpstreamError(UpstreamFailure.UNREACHABLE, f"cannot connect to {where} ({exc.strerror or exc})") from None
