"""The SOAP client against a hostile TLS server at socket level: pins before bytes, caps, deadlines, non-SOAP."""

from __future__ import annotations

import asyncio
import hashlib
import socket
import ssl
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.certs import self_signed
from vmconsole_gui.vsphere import CertificateUntrusted, PinMismatch, Secret, TrustSettings
from vmconsole_gui.vsphere.errors import RequestTimeout
from vmconsole_gui.vsphere.soap.client import SoapClient
from vmconsole_gui.vsphere.soap.faults import ResponseTooLarge, SoapUnavailable

Behaviour = Callable[[ssl.SSLSocket], None]


class HostileServer:
    """A TLS listener on 127.0.0.1 that records what each client sent and answers with ``behaviour``."""

    def __init__(self, behaviour: Behaviour) -> None:
        der, key_pem = self_signed("hostile.test")
        self.der = der
        self.sha256 = hashlib.sha256(der).hexdigest()
        self._dir = tempfile.TemporaryDirectory()
        cert_file, key_file = Path(self._dir.name, "c.pem"), Path(self._dir.name, "k.pem")
        cert_file.write_text(ssl.DER_cert_to_PEM_cert(der))
        key_file.write_bytes(key_pem)
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert_file, key_file)
        self.behaviour = behaviour
        self.received = bytearray()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self._stop = False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        self.listener.settimeout(0.2)
        while not self._stop:
            try:
                raw, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._one, args=(raw,), daemon=True).start()

    def _one(self, raw: socket.socket) -> None:
        try:
            with self.context.wrap_socket(raw, server_side=True) as tls:
                tls.settimeout(5)
                self.behaviour(tls)
        except (OSError, ssl.SSLError):
            pass

    def read_request(self, tls: ssl.SSLSocket) -> None:
        """Read one request's head and body (Content-Length) into :attr:`received`."""
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = tls.recv(65536)
            if not chunk:
                return
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = next(
            (int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")),
            0,
        )
        while len(body) < length:
            chunk = tls.recv(65536)
            if not chunk:
                break
            body += chunk
        self.received += head + b"\r\n\r\n" + body

    def close(self) -> None:
        self._stop = True
        self.listener.close()
        self._dir.cleanup()


@pytest.fixture
def hostile() -> Iterator[Callable[[Behaviour], HostileServer]]:
    servers: list[HostileServer] = []

    def start(behaviour: Behaviour) -> HostileServer:
        server = HostileServer(behaviour)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def client(server: HostileServer, pin: str | None = None, **kwargs: object) -> SoapClient:
    pins = {f"127.0.0.1:{server.port}": pin} if pin else {}
    return SoapClient("127.0.0.1", server.port, TrustSettings(pins=pins), "admin", Secret("s3cret!"), **kwargs)  # type: ignore[arg-type]


async def fails_with(soap: SoapClient) -> BaseException:
    try:
        await soap.connect()
    except Exception as exc:
        return exc
    finally:
        await soap.aclose()
    raise AssertionError("connect() succeeded")


def recording(server_ref: list[HostileServer]) -> Behaviour:
    def behaviour(tls: ssl.SSLSocket) -> None:
        server_ref[0].read_request(tls)

    return behaviour


@pytest.mark.asyncio
async def test_untrusted_certificate_no_request_byte_sent(hostile: Callable[[Behaviour], HostileServer]) -> None:
    ref: list[HostileServer] = []
    server = hostile(recording(ref))
    ref.append(server)
    error = await fails_with(client(server))
    assert isinstance(error, CertificateUntrusted)
    assert error.certificate.sha256 == server.sha256
    await asyncio.sleep(0.3)
    assert bytes(server.received) == b""


@pytest.mark.asyncio
async def test_wrong_pin_no_request_byte_sent(hostile: Callable[[Behaviour], HostileServer]) -> None:
    ref: list[HostileServer] = []
    server = hostile(recording(ref))
    ref.append(server)
    error = await fails_with(client(server, pin="cd" * 32))
    assert isinstance(error, PinMismatch)
    assert error.seen_sha256 == server.sha256
    await asyncio.sleep(0.3)
    assert bytes(server.received) == b""


@pytest.mark.asyncio
async def test_a_web_server_without_sdk_is_soap_unavailable(hostile: Callable[[Behaviour], HostileServer]) -> None:
    ref: list[HostileServer] = []

    def not_found(tls: ssl.SSLSocket) -> None:
        ref[0].read_request(tls)
        tls.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found")

    server = hostile(not_found)
    ref.append(server)
    error = await fails_with(client(server, pin=server.sha256))
    assert isinstance(error, SoapUnavailable)
    assert b"POST /sdk" in server.received  # the pin matched, so the request went out


@pytest.mark.asyncio
async def test_an_endless_answer_stops_at_the_cap(hostile: Callable[[Behaviour], HostileServer]) -> None:
    ref: list[HostileServer] = []

    def endless(tls: ssl.SSLSocket) -> None:
        ref[0].read_request(tls)
        tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n<?xml \r\n")
        chunk = b"<a>" * 20000
        frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
        while True:
            tls.sendall(frame)

    server = hostile(endless)
    ref.append(server)
    t0 = time.monotonic()
    error = await fails_with(client(server, pin=server.sha256, max_answer_mb=2))
    assert isinstance(error, ResponseTooLarge), repr(error)
    assert "larger than 2 MB" in str(error)
    assert time.monotonic() - t0 < 10


@pytest.mark.asyncio
async def test_a_trickling_server_hits_the_overall_deadline(hostile: Callable[[Behaviour], HostileServer]) -> None:
    ref: list[HostileServer] = []

    def trickle(tls: ssl.SSLSocket) -> None:
        ref[0].read_request(tls)
        for byte in b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n" * 100:
            tls.sendall(bytes([byte]))
            time.sleep(0.2)  # each read arrives well within any per-read timeout

    server = hostile(trickle)
    ref.append(server)
    t0 = time.monotonic()
    error = await fails_with(client(server, pin=server.sha256, timeout_s=2))
    assert isinstance(error, RequestTimeout), repr(error)
    assert time.monotonic() - t0 < 4
