"""TLS for pyvmomi's blocking connections, under the REST transport's rules (see :mod:`..transport`).

pyvmomi's own ``thumbprint`` check only runs when verification *fails*, so a pinned host whose new certificate
happens to verify would never be compared with its pin. Instead, the context handed to pyvmomi checks the pin
itself in :meth:`ssl.SSLContext.wrap_socket`, right after the handshake and before ``http.client`` writes a byte.
"""

from __future__ import annotations

import hashlib
import socket
import ssl
from typing import Any

from ..errors import CertificateUntrusted, PinMismatch, TlsError
from ..tls import CertificateInfo, TrustSettings, display_fingerprint, unverified_probe_context, verifying_ssl_context

__all__ = ["PinCheckFailed", "certificate_error", "soap_ssl_context"]


class PinCheckFailed(ssl.SSLError):
    """The leaf of a pinned host is not the pinned one; carries the leaf seen (an ``ssl.SSLError`` for callers)."""

    def __init__(self, der: bytes) -> None:
        super().__init__("certificate does not match its pin")
        self.der = der


class _PinnedContext(ssl.SSLContext):
    """Accepts any chain, then exactly one leaf: its SHA-256 must equal :attr:`pin` (hex)."""

    pin = ""

    def wrap_socket(self, sock: socket.socket, *args: Any, **kwargs: Any) -> ssl.SSLSocket:
        tls = super().wrap_socket(sock, *args, **kwargs)
        der = tls.getpeercert(binary_form=True) or b""
        if hashlib.sha256(der).hexdigest() != self.pin:
            tls.close()
            raise PinCheckFailed(der)
        return tls


def soap_ssl_context(trust: TrustSettings, host: str, port: int) -> ssl.SSLContext:
    """The context for ``host:port``: its pin when it has one, else the OS trust store plus the extra CA."""
    pin = trust.pin_for(host, port)
    if pin is None:
        ctx = verifying_ssl_context(trust.extra_ca_pem)
    else:
        ctx = _PinnedContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE  # the exact leaf is compared in wrap_socket
        ctx.pin = pin
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx


def _read_leaf(host: str, port: int, timeout: float) -> bytes:
    """The leaf certificate of ``host:port`` from a handshake-only connection (no request byte is sent)."""
    with (
        socket.create_connection((host, port), timeout=timeout) as raw,
        unverified_probe_context().wrap_socket(raw, server_hostname=host) as tls,
    ):
        return tls.getpeercert(binary_form=True) or b""


def certificate_error(exc: ssl.SSLError, trust: TrustSettings, host: str, port: int, timeout: float) -> TlsError:
    """The typed error for a failed handshake: a changed pin, an untrusted certificate (read for display), or TLS."""
    where = f"{host}:{port}"
    if isinstance(exc, PinCheckFailed):
        pin = trust.pin_for(host, port) or ""
        seen = CertificateInfo.from_der(exc.der, host, port)
        return PinMismatch(
            f"The certificate of {where} has changed and no longer matches the one you trusted (expected SHA-256 "
            f"{display_fingerprint(pin)}, got {seen.sha256_display}). Nothing was sent. This can be a certificate "
            "renewal or an attack; verify it with your vSphere administrator.",
            host=host,
            port=port,
            expected_sha256=pin,
            seen=seen,
        )
    if not isinstance(exc, ssl.SSLCertVerificationError):
        return TlsError(f"The TLS handshake with {where} failed ({exc.reason or exc}).", host=host)
    reason = exc.verify_message or str(exc.reason or "verification failed")
    try:
        info = CertificateInfo.from_der(_read_leaf(host, port, timeout), host, port)
    except (OSError, ValueError) as probe_error:
        return TlsError(
            f"The certificate of {where} is not trusted ({reason}), and it could not be read for display "
            f"({type(probe_error).__name__}).",
            host=host,
        )
    return CertificateUntrusted(
        f"The certificate of {where} is not trusted ({reason}). Its SHA-1 fingerprint is {info.sha1_display} "
        f"(SHA-256 {info.sha256_display}). Compare it with the one your vSphere administrator gives you before "
        "trusting it.",
        host=host,
        certificate=info,
        reason=reason,
    )
