"""ESXi certificate helpers (esxi_trust) against real loopback TLS servers with trustme certificates."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import socket
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
import pytest_asyncio
import trustme

from vmconsole_gui.services.esxi_trust import (
    CertificateInfo,
    EsxiUnreachableError,
    TrustStatus,
    ca_ssl_context,
    fetch_leaf_certificate,
    pinned_leaf_ssl_context,
    probe_trust,
)


def der_of(cert: trustme.LeafCert) -> bytes:
    return ssl.PEM_cert_to_DER_cert(cert.cert_chain_pems[0].bytes().decode())


@dataclass
class TlsServer:
    """A raw TLS server that records how many application bytes each client sent."""

    cert: trustme.LeafCert
    received: list[bytes] = field(default_factory=list)
    handshakes: int = 0
    port: int = 0
    server: asyncio.Server | None = None

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.handshakes += 1
        try:
            self.received.append(await asyncio.wait_for(reader.read(), 5))
        except (OSError, ssl.SSLError, TimeoutError):
            self.received.append(b"<error>")
        except asyncio.CancelledError:  # the test ended while this client was still connected
            return
        writer.close()

    async def start(self) -> None:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.cert.configure_cert(ctx)
        self.server = await asyncio.start_server(self._client, "127.0.0.1", 0, ssl=ctx)
        self.port = self.server.sockets[0].getsockname()[1]


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest_asyncio.fixture
async def tls(ca: trustme.CA) -> AsyncIterator[TlsServer]:
    server = TlsServer(ca.issue_cert("127.0.0.1", common_name="esxi-07.lab.test"))
    await server.start()
    yield server
    assert server.server is not None
    server.server.close()


@pytest.mark.asyncio
async def test_fetch_leaf_returns_the_presented_cert_and_sends_nothing(tls: TlsServer) -> None:
    info = await fetch_leaf_certificate("127.0.0.1", tls.port, timeout=5)
    der = der_of(tls.cert)
    assert info.der == der
    assert info.sha256 == hashlib.sha256(der).hexdigest()
    assert info.sha1 == hashlib.sha1(der).hexdigest()
    assert info.sha256_display.count(":") == 31
    assert info.sha256_display == info.sha256_display.upper()
    assert "CN=esxi-07.lab.test" in info.subject
    assert info.issuer != info.subject
    assert info.not_valid_before < dt.datetime.now(dt.UTC) < info.not_valid_after
    assert not info.is_expired()
    for _ in range(50):
        if tls.received:
            break
        await asyncio.sleep(0.02)
    assert tls.received == [b""]  # handshake completed, then EOF: no application byte
    assert "der" not in repr(info)


@pytest.mark.asyncio
async def test_probe_trust_untrusted_by_os_store_then_trusted_with_the_ca(tls: TlsServer, ca: trustme.CA) -> None:
    probe = await probe_trust("127.0.0.1", tls.port, timeout=5)
    assert probe.status is TrustStatus.UNTRUSTED
    assert probe.certificate.der == der_of(tls.cert)
    assert probe.error
    assert "certificate" in probe.error  # e.g. "unable to get local issuer certificate"

    trusted = await probe_trust(
        "127.0.0.1", tls.port, timeout=5, ssl_context=ca_ssl_context(ca.cert_pem.bytes().decode())
    )
    assert trusted.status is TrustStatus.TRUSTED
    assert trusted.certificate.der == der_of(tls.cert)
    assert trusted.error is None


@pytest.mark.asyncio
async def test_probe_trust_reports_hostname_mismatch(tls: TlsServer, ca: trustme.CA) -> None:
    probe = await probe_trust(
        "localhost", tls.port, timeout=5, ssl_context=ca_ssl_context(ca.cert_pem.bytes().decode())
    )
    assert probe.status is TrustStatus.UNTRUSTED
    assert probe.error is not None
    assert "Hostname mismatch" in probe.error


@pytest.mark.asyncio
async def test_unreachable_host_is_a_clear_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(EsxiUnreachableError, match=rf"cannot connect to 127\.0\.0\.1:{port}"):
        await fetch_leaf_certificate("127.0.0.1", port, timeout=2)
    with pytest.raises(EsxiUnreachableError):
        await probe_trust("127.0.0.1", port, timeout=2)


@pytest.mark.asyncio
async def test_pinned_context_accepts_the_leaf_alone_and_nothing_else(tls: TlsServer) -> None:
    good = pinned_leaf_ssl_context(der_of(tls.cert))
    _, writer = await asyncio.open_connection("127.0.0.1", tls.port, ssl=good, server_hostname="any-name")
    writer.close()
    await writer.wait_closed()
    other = pinned_leaf_ssl_context(der_of(trustme.CA().issue_cert("127.0.0.1")))
    with pytest.raises(ssl.SSLCertVerificationError):
        await asyncio.open_connection("127.0.0.1", tls.port, ssl=other, server_hostname="127.0.0.1")


@pytest.mark.asyncio
async def test_expired_pinned_leaf_needs_explicit_permission(ca: trustme.CA) -> None:
    now = dt.datetime.now(dt.UTC)
    expired = ca.issue_cert("127.0.0.1", not_before=now - dt.timedelta(days=30), not_after=now - dt.timedelta(days=1))
    server = TlsServer(expired)
    await server.start()
    try:
        assert CertificateInfo.from_der(der_of(expired), "127.0.0.1", 443).is_expired()
        with pytest.raises(ssl.SSLCertVerificationError, match="expired"):
            await asyncio.open_connection("127.0.0.1", server.port, ssl=pinned_leaf_ssl_context(der_of(expired)))
        ctx = pinned_leaf_ssl_context(der_of(expired), allow_expired=True)
        _, writer = await asyncio.open_connection("127.0.0.1", server.port, ssl=ctx, server_hostname="127.0.0.1")
        writer.close()
        await writer.wait_closed()
    finally:
        assert server.server is not None
        server.server.close()


def test_bad_certificate_input_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"not a DER-encoded X\.509 certificate"):
        CertificateInfo.from_der(b"\x30\x03\x02\x01\x00", "127.0.0.1", 443)
    with pytest.raises(ValueError, match=r"not a DER-encoded X\.509 certificate"):
        pinned_leaf_ssl_context(b"")
    with pytest.raises(ValueError, match="not valid PEM"):
        ca_ssl_context("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
