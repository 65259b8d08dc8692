"""HTTP transport to one vCenter: httpx over httpcore with TLS trust/pinning checked inside the handshake.

The check lives in a wrapper around httpcore's network backend: ``start_tls`` picks the context for ``host:port``
(pinned → accept any chain, then compare the exact leaf SHA-256; otherwise → OS trust store + extra CA with hostname
check), so a wrong certificate fails *before* the first HTTP byte (Basic auth, session id) is written. When
verification fails, a second, handshake-only connection reads the leaf so :class:`CertificateUntrusted` can show it.
"""

# ruff: noqa: ASYNC109  (httpcore's network-backend interface takes timeout parameters)
from __future__ import annotations

import hashlib
import logging
import socket
import ssl
from collections.abc import Iterable, Iterator, Mapping
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any

# httpcore sets up anyio lazily with its first connection lock, and anyio (>= 4.16) loads its asyncio backend and
# most of its own submodules lazily too: 50-70 ms of imports inside the first request, on the caller's event loop (a
# visible pause in a GUI). Importing them with the client moves that to start-up.
import anyio._backends._asyncio  # noqa: F401
import httpcore
import httpx
import sniffio  # noqa: F401

from .errors import (
    CertificateUntrusted,
    ConnectionDropped,
    ConnectionFailed,
    ConnectionRefused,
    DnsFailure,
    PinMismatch,
    RequestTimeout,
    TlsError,
    VSphereError,
)
from .network_thread import NetworkThread
from .redaction import install_log_redaction
from .tls import CertificateInfo, TrustSettings, display_fingerprint, unverified_probe_context, verifying_ssl_context

__all__ = ["Transport"]

log = logging.getLogger(__name__)


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """Yield ``exc`` and everything in its cause/context chain, descending into exception groups."""
    seen: set[int] = set()
    stack: list[BaseException] = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, BaseExceptionGroup):
            stack.extend(current.exceptions)
        for nxt in (current.__cause__, current.__context__):
            if nxt is not None:
                stack.append(nxt)


class _CheckingStream(httpcore.AsyncNetworkStream):
    """A TCP stream whose ``start_tls`` enforces our trust rules for its ``host:port``."""

    def __init__(self, inner: httpcore.AsyncNetworkStream, backend: _TrustingBackend, host: str, port: int) -> None:
        self._inner = inner
        self._backend = backend
        self._host = host
        self._port = port

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.AsyncNetworkStream:
        trust = self._backend.trust
        pin = trust.pin_for(self._host, self._port)
        context = self._backend.pinned_context if pin is not None else self._backend.verifying_context
        try:
            tls = await self._inner.start_tls(context, server_hostname, timeout)
        except httpcore.ConnectError as exc:
            failure = next((e for e in _causes(exc) if isinstance(e, ssl.SSLCertVerificationError)), None)
            if failure is None:
                ssl_failure = next((e for e in _causes(exc) if isinstance(e, ssl.SSLError)), None)
                if ssl_failure is not None:
                    raise TlsError(
                        f"The TLS handshake with {self._host}:{self._port} failed "
                        f"({ssl_failure.reason or ssl_failure}). The server may not speak HTTPS on this port.",
                        host=self._host,
                    ) from None
                raise
            reason = failure.verify_message or str(failure.reason or "verification failed")
            raise await self._backend.untrusted(self._host, self._port, server_hostname, timeout, reason) from None
        if pin is not None:
            der = tls.get_extra_info("ssl_object").getpeercert(binary_form=True)
            seen = hashlib.sha256(der).hexdigest()
            if seen != pin:
                await tls.aclose()
                info = CertificateInfo.from_der(der, self._host, self._port)
                log.warning("certificate of %s:%d does not match its pin; connection closed", self._host, self._port)
                raise PinMismatch(
                    f"The certificate of {self._host}:{self._port} has changed and no longer matches the one you "
                    f"trusted (expected SHA-256 {display_fingerprint(pin)}, got {info.sha256_display}). Nothing was "
                    "sent. This can be a certificate renewal or an attack; verify it with your vSphere administrator.",
                    host=self._host,
                    port=self._port,
                    expected_sha256=pin,
                    seen=info,
                )
        return tls


class _TrustingBackend(httpcore.AsyncNetworkBackend):
    """httpcore network backend delegating to AnyIO, wrapping every stream in :class:`_CheckingStream`."""

    def __init__(self, trust: TrustSettings) -> None:
        self._inner = httpcore.AnyIOBackend()
        self.trust = trust
        self.verifying_context = verifying_ssl_context(trust.extra_ca_pem)
        self.verifying_context.set_alpn_protocols(["http/1.1"])
        self.pinned_context = unverified_probe_context()  # exact-leaf check follows in _CheckingStream
        self.pinned_context.set_alpn_protocols(["http/1.1"])

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        inner = await self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        return _CheckingStream(inner, self, host, port)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise NotImplementedError("vCenter is reached over TCP only")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)

    async def untrusted(
        self, host: str, port: int, server_hostname: str | None, timeout: float | None, reason: str
    ) -> VSphereError:
        """Read the leaf over a handshake-only connection (no HTTP bytes) and build CertificateUntrusted."""
        try:
            stream = await self._inner.connect_tcp(host, port, timeout)
            try:
                tls = await stream.start_tls(unverified_probe_context(), server_hostname, timeout)
            except BaseException:
                await stream.aclose()
                raise
            der = tls.get_extra_info("ssl_object").getpeercert(binary_form=True)
            await tls.aclose()
        except (httpcore.NetworkError, httpcore.TimeoutException, OSError) as exc:
            return TlsError(
                f"The certificate of {host}:{port} is not trusted ({reason}), and it could not be read for display "
                f"({type(exc).__name__}).",
                host=host,
            )
        info = CertificateInfo.from_der(der, host, port)
        return CertificateUntrusted(
            f"The certificate of {host}:{port} is not trusted ({reason}). Its SHA-1 fingerprint is "
            f"{info.sha1_display} (SHA-256 {info.sha256_display}). Compare it with the one your vSphere administrator "
            "gives you before trusting it.",
            host=host,
            certificate=info,
            reason=reason,
        )


class _TrustingHTTPTransport(httpx.AsyncHTTPTransport):
    """``httpx.AsyncHTTPTransport`` whose connection pool uses :class:`_TrustingBackend`.

    httpx 0.28 has no ``network_backend`` argument; the pool is rebuilt with the same settings plus our backend
    (pyproject pins httpx < 0.29; the assertion below fails loudly if the attribute ever disappears).
    """

    def __init__(self, backend: _TrustingBackend, max_connections: int) -> None:
        super().__init__(verify=backend.verifying_context, trust_env=False, retries=0)
        assert hasattr(self, "_pool"), "httpx changed: AsyncHTTPTransport._pool is gone"
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=backend.verifying_context,
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=5.0,
            http1=True,
            http2=False,
            network_backend=backend,
        )


def _no_cookies() -> CookieJar:
    """A jar that refuses every cookie: we authenticate by header only (a stale cookie would win over it)."""
    return CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))


class Transport:
    """One vCenter endpoint: sends requests and turns network/TLS failures into typed :class:`VSphereError`."""

    def __init__(
        self,
        host: str,
        port: int,
        trust: TrustSettings,
        *,
        connect_timeout_s: float,
        read_timeout_s: float,
        max_connections: int,
        network: NetworkThread | None = None,
    ) -> None:
        install_log_redaction()
        self._network = network
        self.host = host
        self.port = port
        self.connect_timeout_s = connect_timeout_s
        self.read_timeout_s = read_timeout_s
        url_host = f"[{host}]" if ":" in host and not host.startswith("[") else host
        self._client = httpx.AsyncClient(
            base_url=f"https://{url_host}:{port}",
            transport=_TrustingHTTPTransport(_TrustingBackend(trust), max_connections),
            timeout=httpx.Timeout(connect=connect_timeout_s, read=read_timeout_s, write=read_timeout_s, pool=None),
            cookies=_no_cookies(),
            follow_redirects=False,
            trust_env=False,
        )

    async def aclose(self) -> None:
        """Close all connections."""
        if self._network is not None:
            await self._network.run(self._client.aclose())
        else:
            await self._client.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: list[tuple[str, str]] | None = None,
        json: object = None,
        headers: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None = None,
    ) -> httpx.Response:
        """Send one request; GETs are retried once when the server drops the connection before answering.

        With a :class:`NetworkThread`, the whole exchange (and the retry) runs on that thread's loop.
        """
        exchange = self._exchange(method, path, params=params, json=json, headers=headers, auth=auth)
        if self._network is not None:
            return await self._network.run(exchange)
        return await exchange

    async def _exchange(
        self,
        method: str,
        path: str,
        *,
        params: list[tuple[str, str]] | None,
        json: object,
        headers: Mapping[str, str] | None,
        auth: tuple[str, str] | None,
    ) -> httpx.Response:
        attempts = 2 if method == "GET" else 1
        for attempt in range(attempts):
            try:
                return await self._send(method, path, params=params, json=json, headers=headers, auth=auth)
            except ConnectionDropped:
                if attempt + 1 == attempts:
                    raise
                log.debug("%s %s: connection dropped, retrying once", method, path)
        raise AssertionError("unreachable")

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: list[tuple[str, str]] | None,
        json: object,
        headers: Mapping[str, str] | None,
        auth: tuple[str, str] | None,
    ) -> httpx.Response:
        where = f"{self.host}:{self.port}"
        try:
            return await self._client.request(
                method,
                path,
                params=httpx.QueryParams(tuple(params)) if params else None,
                json=json,
                headers=dict(headers or {}),
                auth=httpx.BasicAuth(*auth) if auth else None,
            )
        except VSphereError:
            raise
        except httpx.ConnectTimeout:
            raise RequestTimeout(
                f"Could not connect to {where} within {self.connect_timeout_s:g} s. Check the address, the port "
                "and any firewall.",
                host=self.host,
                phase="connect",
                timeout_s=self.connect_timeout_s,
            ) from None
        except httpx.TimeoutException:
            raise RequestTimeout(
                f"{self.host} did not answer within {self.read_timeout_s:g} s. The server may be overloaded; try "
                "again, or raise the timeout in the settings.",
                host=self.host,
                phase="read",
                timeout_s=self.read_timeout_s,
            ) from None
        except httpx.ConnectError as exc:
            raise self._connect_error(exc) from None
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError):
            raise ConnectionDropped(
                f"{self.host} closed the connection before answering. Try again; if it keeps happening, check "
                "the vCenter services and any proxy in between.",
                host=self.host,
            ) from None
        except httpx.HTTPError as exc:
            raise ConnectionFailed(
                f"The connection to {where} failed ({type(exc).__name__}).", host=self.host
            ) from None

    def _connect_error(self, exc: BaseException) -> VSphereError:
        where = f"{self.host}:{self.port}"
        chain = list(_causes(exc))
        if any(isinstance(e, socket.gaierror) for e in chain):
            return DnsFailure(
                f"The name {self.host!r} could not be resolved (DNS). Check its spelling and your network/VPN.",
                host=self.host,
            )
        if any(isinstance(e, ConnectionRefusedError) for e in chain):
            return ConnectionRefused(
                f"{where} refused the connection: nothing accepts HTTPS there. Check the address and the port.",
                host=self.host,
            )
        if any(isinstance(e, ssl.SSLError) for e in chain):
            return TlsError(f"The TLS handshake with {where} failed.", host=self.host)
        reason = next((e.strerror for e in chain if isinstance(e, OSError) and e.strerror), None)
        return ConnectionFailed(f"Could not connect to {where}" + (f" ({reason})." if reason else "."), host=self.host)
