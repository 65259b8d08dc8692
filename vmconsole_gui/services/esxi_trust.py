"""TLS trust towards ESXi hosts for the WebMKS console: fetch a leaf certificate, probe trust, build pinned contexts.

A REST console ticket carries no thumbprint (vsphere-rest.md §6), so the app either trusts the ESXi certificate through
the OS trust store, or pins the DER leaf the user accepted on first use. The pin is enforced *inside* the TLS handshake
by an :class:`ssl.SSLContext` whose only trust anchor is the pinned certificate (webmks.md §3); the relay adds an exact
leaf comparison before it sends the ticket-bearing upgrade request.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import enum
import hashlib
import ssl
from dataclasses import dataclass, field

import truststore
from cryptography import x509

DEFAULT_TIMEOUT_S = 10.0


class EsxiUnreachableError(ConnectionError):
    """The host did not complete a TLS handshake (refused, timed out, name not resolved, TLS failure)."""


@dataclass(frozen=True, slots=True)
class CertificateInfo:
    """One DER-encoded X.509 certificate with the facts a trust-on-first-use dialog shows."""

    der: bytes = field(repr=False)
    sha256: str
    """Lowercase hex SHA-256 of the DER bytes: the pin the app stores."""
    sha1: str
    """Lowercase hex SHA-1 of the DER bytes (shown for parity with vSphere's thumbprints)."""
    subject: str
    issuer: str
    not_before: dt.datetime
    not_after: dt.datetime

    @classmethod
    def from_der(cls, der: bytes) -> CertificateInfo:
        """Parse ``der``; raise :class:`ValueError` if it is not an X.509 certificate."""
        try:
            cert = x509.load_der_x509_certificate(der)
        except ValueError as exc:
            raise ValueError("not a DER-encoded X.509 certificate") from exc
        return cls(
            der=der,
            sha256=hashlib.sha256(der).hexdigest(),
            sha1=hashlib.sha1(der, usedforsecurity=False).hexdigest(),
            subject=cert.subject.rfc4514_string(),
            issuer=cert.issuer.rfc4514_string(),
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
        )

    @property
    def sha256_display(self) -> str:
        """SHA-256 as uppercase colon-separated hex (``AB:CD:…``)."""
        return _colon(self.sha256)

    @property
    def sha1_display(self) -> str:
        """SHA-1 as uppercase colon-separated hex, the form vSphere shows."""
        return _colon(self.sha1)

    def is_expired(self, now: dt.datetime | None = None) -> bool:
        """Whether ``now`` (default: the current UTC time) lies outside the validity period."""
        now = now or dt.datetime.now(dt.UTC)
        return not self.not_before <= now <= self.not_after


def _colon(hex_digest: str) -> str:
    return ":".join(hex_digest[i : i + 2] for i in range(0, len(hex_digest), 2)).upper()


def system_ssl_context() -> ssl.SSLContext:
    """A client context that verifies against the OS trust store, hostname checked (the default)."""
    return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def ca_ssl_context(ca_pem: str) -> ssl.SSLContext:
    """A client context trusting exactly the CA certificates in ``ca_pem`` (e.g. the VMCA root), hostname checked."""
    try:
        return ssl.create_default_context(cadata=ca_pem)
    except (ssl.SSLError, ValueError) as exc:
        raise ValueError("the CA bundle is not valid PEM certificate data") from exc


def pinned_ssl_context(pinned_der: bytes, *, allow_expired: bool = False) -> ssl.SSLContext:
    """A client context whose only trust anchor is ``pinned_der`` (webmks.md §3 recipe).

    ``VERIFY_X509_PARTIAL_CHAIN`` lets a pinned *leaf* (CA:FALSE) anchor the chain; the hostname is not checked
    because the ticket host may be an IP or a short name the certificate does not list. ``allow_expired`` (a
    per-host user decision, never a default) sets OpenSSL's ``X509_V_FLAG_NO_CHECK_TIME``.
    """
    CertificateInfo.from_der(pinned_der)  # clear error for garbage before OpenSSL sees it
    ctx = ssl.create_default_context(cadata=ssl.DER_cert_to_PEM_cert(pinned_der))
    ctx.check_hostname = False
    ctx.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
    if allow_expired:
        ctx.verify_flags |= ssl.VerifyFlags(0x200000)  # X509_V_FLAG_NO_CHECK_TIME
    return ctx


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
    return CertificateInfo.from_der(await _handshake(host, port, _unverified_context(), timeout))


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
    return TrustProbe(TrustStatus.TRUSTED, CertificateInfo.from_der(der))
