"""TLS trust for vCenter/ESXi: OS trust store by default, extra CA PEM, SHA-256 pins, certificate details.

Pins map ``"host:port"`` to the SHA-256 (hex, any case, colons allowed) of the DER leaf certificate. A pinned
connection accepts exactly that leaf: the transport compares the fingerprint right after the TLS handshake, before any
HTTP byte is written (see :mod:`vmconsole_gui.vsphere.transport`). The TLS handshake itself proves the server holds the
private key of the presented certificate, so an exact leaf match is a complete check.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field

import truststore
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

__all__ = [
    "CertificateInfo",
    "TrustSettings",
    "display_fingerprint",
    "normalize_fingerprint",
    "pin_key",
    "pinned_leaf_ssl_context",
    "unverified_probe_context",
    "verifying_ssl_context",
]


def normalize_fingerprint(value: str) -> str:
    """Return a fingerprint as lowercase hex without separators; raise ValueError when it is not hex."""
    cleaned = value.strip().replace(":", "").replace("-", "").replace(" ", "").lower()
    if not cleaned or any(c not in "0123456789abcdef" for c in cleaned) or len(cleaned) % 2:
        raise ValueError(f"{value!r} is not a hexadecimal certificate fingerprint")
    return cleaned


def display_fingerprint(hex_digest: str) -> str:
    """Return ``AA:BB:…`` (uppercase, colon-separated — the vSphere convention) for a hex digest."""
    digest = normalize_fingerprint(hex_digest).upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def pin_key(host: str, port: int) -> str:
    """Return the ``"host:port"`` key used in pin mappings (host lowercased, IPv6 without brackets)."""
    return f"{host.strip('[]').lower()}:{port}"


@dataclass(frozen=True, slots=True)
class CertificateInfo:
    """A server's leaf certificate and what a person needs to decide whether to trust it."""

    host: str
    port: int
    der: bytes = field(repr=False)
    sha256: str
    sha1: str
    subject: str
    issuer: str
    not_valid_before: dt.datetime
    not_valid_after: dt.datetime
    subject_alt_names: tuple[str, ...] = ()

    @classmethod
    def from_der(cls, der: bytes, host: str, port: int) -> CertificateInfo:
        """Parse a DER certificate with ``cryptography``; :class:`ValueError` if it is not one."""
        try:
            cert = x509.load_der_x509_certificate(der)
        except ValueError as exc:
            raise ValueError("not a DER-encoded X.509 certificate") from exc
        try:
            san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            names = tuple(str(v) for v in san.get_values_for_type(x509.DNSName)) + tuple(
                str(v) for v in san.get_values_for_type(x509.IPAddress)
            )
        except x509.ExtensionNotFound:
            names = ()
        return cls(
            host=host,
            port=port,
            der=der,
            sha256=hashlib.sha256(der).hexdigest(),
            sha1=hashlib.sha1(der, usedforsecurity=False).hexdigest(),
            subject=cert.subject.rfc4514_string(),
            issuer=cert.issuer.rfc4514_string(),
            not_valid_before=cert.not_valid_before_utc,
            not_valid_after=cert.not_valid_after_utc,
            subject_alt_names=names,
        )

    @property
    def sha256_display(self) -> str:
        """SHA-256 as ``AA:BB:…``."""
        return display_fingerprint(self.sha256)

    @property
    def sha1_display(self) -> str:
        """SHA-1 as ``AA:BB:…`` (how vSphere shows thumbprints)."""
        return display_fingerprint(self.sha1)

    @property
    def pem(self) -> str:
        """The certificate as PEM text."""
        return x509.load_der_x509_certificate(self.der).public_bytes(Encoding.PEM).decode("ascii")

    @property
    def self_signed(self) -> bool:
        """True when subject and issuer are the same name."""
        return self.subject == self.issuer

    def is_expired(self, now: dt.datetime | None = None) -> bool:
        """Whether ``now`` (default: the current UTC time) lies outside the validity period."""
        now = now or dt.datetime.now(dt.UTC)
        return not self.not_valid_before <= now <= self.not_valid_after


@dataclass(frozen=True, slots=True)
class TrustSettings:
    """How to trust servers: OS store (+ optional extra CA PEM), and SHA-256 pins per ``host:port``."""

    pins: Mapping[str, str] = field(default_factory=dict)
    extra_ca_pem: str | None = None

    def __post_init__(self) -> None:
        normalized = {}
        for key, value in self.pins.items():
            host, sep, port = key.rpartition(":")
            if not sep or not host or not port.isdigit():
                raise ValueError(f"pin key {key!r} must look like 'host:port'")
            digest = normalize_fingerprint(value)
            if len(digest) != 64:
                raise ValueError(f"the pin for {key} must be a SHA-256 fingerprint (64 hex digits)")
            normalized[pin_key(host, int(port))] = digest
        object.__setattr__(self, "pins", normalized)
        if self.extra_ca_pem is not None and "-----BEGIN CERTIFICATE-----" not in self.extra_ca_pem:
            raise ValueError("the extra CA must be PEM text containing '-----BEGIN CERTIFICATE-----'")

    def pin_for(self, host: str, port: int) -> str | None:
        """Return the pinned SHA-256 (lowercase hex) for ``host:port``, or None."""
        return self.pins.get(pin_key(host, port))


def verifying_ssl_context(extra_ca_pem: str | None = None) -> ssl.SSLContext:
    """Return a context verifying with the OS trust store (truststore) plus ``extra_ca_pem``, checking hostnames."""
    ctx = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if extra_ca_pem:
        ctx.load_verify_locations(cadata=extra_ca_pem)
    return ctx


def unverified_probe_context() -> ssl.SSLContext:
    """Return a context that completes a handshake with any certificate.

    Only for :func:`~vmconsole_gui.vsphere.transport` to *read* a leaf certificate (to show it or to compare it with a
    pin) on a connection that never carries an HTTP byte.
    """
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # the caller checks the exact leaf fingerprint itself
    return ctx


def pinned_leaf_ssl_context(der: bytes, *, allow_expired: bool = False) -> ssl.SSLContext:
    """Return a context whose only trust anchor is this exact certificate (for the WebMKS relay and similar).

    Recipe from docs/webmks.md §3: ``cadata`` = the pinned cert, ``VERIFY_X509_PARTIAL_CHAIN`` so a leaf can anchor,
    no hostname check (ticket hosts may be IPs or short names the certificate does not list). Callers should still
    compare the leaf's SHA-256 after the handshake. ``allow_expired`` (a per-host user decision, never a default)
    sets OpenSSL's ``X509_V_FLAG_NO_CHECK_TIME``. Raises :class:`ValueError` for bytes that are no certificate.
    """
    try:
        x509.load_der_x509_certificate(der)
    except ValueError as exc:
        raise ValueError("not a DER-encoded X.509 certificate") from exc
    ctx = ssl.create_default_context(cadata=der)
    ctx.check_hostname = False
    ctx.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
    if allow_expired:
        ctx.verify_flags |= ssl.VerifyFlags(0x200000)  # X509_V_FLAG_NO_CHECK_TIME
    return ctx
