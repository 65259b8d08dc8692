"""TLS trust towards ESXi hosts for the WebMKS console: fetch a leaf certificate, probe trust, build pinned contexts.

A REST console ticket carries no thumbprint (vsphere-rest.md §6), so the app either trusts the ESXi certificate through
the OS trust store, or pins the DER leaf the user accepted on first use. The pin is enforced *inside* the TLS handshake
by an :class:`ssl.SSLContext` whose only trust anchor is the pinned certificate (webmks.md §3); the relay adds an exact
leaf comparison before it sends the ticket-bearing upgrade request.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import ssl
from dataclasses import dataclass

import truststore

from vmconsole_gui.vsphere.tls import CertificateInfo, pinned_leaf_ssl_context

__all__ = [
    "CertificateInfo",
    "EsxiUnreachableError",
    "TrustProbe",
    "TrustStatus",
    "ca_ssl_context",
    "fetch_leaf_certificate",
    "pinned_leaf_ssl_context",
    "probe_trust",
    "system_ssl_context",
]

DEFAULT_TIMEOUT_S = 10.0


class EsxiUnreachableError(ConnectionError):
    """The host did not complete a TLS handshake (refused, timed out, name not resolved, TLS failure)."""


def system_ssl_context() -> ssl.SSLContext:
    """A client context that verifies against the OS trust store, hostname checked (the default)."""
    return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def ca_ssl_context(ca_pem: str) -> ssl.SSLContext:
    """A client context trusting exactly the CA certificates in ``ca_pem`` (e.g. the VMCA root), hostname checked."""
    try:
        return ssl.create_default_context(cadata=ca_pem)
    except (ssl.SSLError, ValueError) as exc:
        raise ValueError("the CA bundle is not valid PEM certificate data") from exc


def _unverified_context() -> ssl.SSLContext:
    # Handshake-only fetch of the certificate to *show* it; nothing is sent over this connection and the result is
    # never trusted without the user's decision or a pin comparison.
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


async def _handshake(host: str, port: int, ctx: ssl.SSLContext, timeout_s: float) -> bytes:
    """Complete a TLS handshake, return the peer's DER leaf, and close without sending application data."""
    try:
        async with asyncio.timeout(timeout_s):
            reader, writer = await asyncio.open_connection(host, port, ssl=ctx, server_hostname=host)
    except ssl.SSLCertVerificationError:
        raise
    except TimeoutError as exc:
        raise EsxiUnreachableError(f"{host}:{port} did not complete a TLS handshake within {timeout_s:g} s") from exc
    except ssl.SSLError as exc:
        raise EsxiUnreachableError(f"TLS handshake with {host}:{port} failed: {exc.reason or exc}") from exc
    except OSError as exc:
        raise EsxiUnreachableError(f"cannot connect to {host}:{port}: {exc.strerror or exc}") from exc
    try:
        ssl_object = writer.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
    finally:
        writer.close()
        with contextlib.suppress(OSError, ssl.SSLError, TimeoutError):
            async with asyncio.timeout(1.0):
                await writer.wait_closed()
    del reader
    if not der:
        raise EsxiUnreachableError(f"{host}:{port} presented no certificate")
    return bytes(der)


async def fetch_leaf_certificate(
    host: str,
    port: int = 443,
    timeout: float = DEFAULT_TIMEOUT_S,  # noqa: ASYNC109 - the timeout covers connect + handshake only
) -> CertificateInfo:
    """Fetch the leaf certificate ``host:port`` presents, without verifying it and without sending any request.

    Raise :class:`EsxiUnreachableError` when no TLS handshake completes.
    """
    return CertificateInfo.from_der(await _handshake(host, port, _unverified_context(), timeout), host, port)


class TrustStatus(enum.Enum):
    """Whether a host's certificate is accepted without asking the user."""

    TRUSTED = "trusted"
    UNTRUSTED = "untrusted"


@dataclass(frozen=True, slots=True)
class TrustProbe:
    """The outcome of :func:`probe_trust`: the status, the leaf the host presented, and why it was refused."""

    status: TrustStatus
    certificate: CertificateInfo
    error: str | None = None


async def probe_trust(
    host: str,
    port: int = 443,
    *,
    timeout: float = DEFAULT_TIMEOUT_S,  # noqa: ASYNC109 - per handshake, not the whole call
    ssl_context: ssl.SSLContext | None = None,
) -> TrustProbe:
    """Tell whether ``host:port`` passes verification by ``ssl_context`` (default: OS trust store + hostname).

    UNTRUSTED carries the presented leaf (fetched with a second, handshake-only connection) for the
    trust-on-first-use dialog and OpenSSL's reason (e.g. ``self-signed certificate``, ``Hostname mismatch``).
    Raise :class:`EsxiUnreachableError` when the host cannot be reached at all.
    """
    ctx = ssl_context or system_ssl_context()
    try:
        der = await _handshake(host, port, ctx, timeout)
    except ssl.SSLCertVerificationError as exc:
        leaf = await fetch_leaf_certificate(host, port, timeout)
        return TrustProbe(TrustStatus.UNTRUSTED, leaf, str(exc.verify_message or exc.reason or "verification failed"))
    return TrustProbe(TrustStatus.TRUSTED, CertificateInfo.from_der(der, host, port))
