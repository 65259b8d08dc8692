"""The WebMKS loopback relay over real loopback sockets: a page client ↔ relay ↔ a TLS WebSocket "ESXi" (trustme)."""

from __future__ import annotations

import asyncio
import logging
import re
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from http import HTTPStatus

import pytest
import pytest_asyncio
import trustme
from websockets.asyncio.client import connect
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.http11 import Request, Response

from vmconsole_gui.services.relay import CloseReason, RelayNotRunningError, SessionEnd, WebMksRelay

TICKET_ID = "5f2a1c0de0c0ffee5f2a1c0de0c0ffee"
CLOSE_NOW = b"CLOSE"
DROP = b"DROP"
BURST = b"BURST"


def leaf_der(cert: trustme.LeafCert) -> bytes:
    return ssl.PEM_cert_to_DER_cert(cert.cert_chain_pems[0].bytes().decode())


@dataclass
class FakeEsxi:
    """A TLS WebSocket server standing in for ESXi: echoes messages, records upgrade requests and closes."""

    ca: trustme.CA
    cert: trustme.LeafCert
    requests: list[Request] = field(default_factory=list)
    subprotocols: list[str | None] = field(default_factory=list)
    closes: list[tuple[int | None, str | None]] = field(default_factory=list)
    server: Server | None = None
    port: int = 0

    def ticket_url(self, ticket: str = TICKET_ID, host: str = "127.0.0.1") -> str:
        return f"wss://{host}:{self.port}/ticket/{ticket}"

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        self.requests.append(request)
        if request.path.endswith("/refused"):
            return connection.respond(HTTPStatus.NOT_FOUND, "no such ticket\n")
        return None

    async def _handler(self, ws: ServerConnection) -> None:
        self.subprotocols.append(ws.subprotocol)
        try:
            async for message in ws:
                if message == CLOSE_NOW:
                    await ws.close(4321, "bye from esxi")
                    break
                if message == DROP:
                    ws.transport.abort()
                    break
                if message == BURST:
                    for part in (b"RFB 003.008\n", b"\x01\x01", b"\x00\x00\x00\x00"):
                        await ws.send(part)
                    continue
                await ws.send(message)
        except ConnectionClosed:
            pass
        self.closes.append((ws.close_code, ws.close_reason))

    async def start(self) -> None:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.cert.configure_cert(ctx)
        self.server = await serve(
            self._handler,
            "127.0.0.1",
            0,
            ssl=ctx,
            subprotocols=["binary"],
            process_request=self._process_request,
            max_size=None,
            logger=logging.getLogger("test.fake_esxi"),
        )
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest_asyncio.fixture
async def esxi(ca: trustme.CA) -> AsyncIterator[FakeEsxi]:
    server = FakeEsxi(ca, ca.issue_cert("127.0.0.1", "esxi.test"))
    await server.start()
    yield server
    await server.stop()


@pytest_asyncio.fixture
async def relay() -> AsyncIterator[WebMksRelay]:
    relay = WebMksRelay(connect_timeout=5.0)
    await relay.start()
    yield relay
    await relay.stop()


def page_connect(url: str, **kwargs: object) -> connect:
    return connect(url, subprotocols=["binary"], max_size=None, logger=logging.getLogger("test.page"), **kwargs)


# ---------------------------------------------------------------- happy path


@pytest.mark.asyncio
async def test_binds_loopback_only_and_url_has_secret_token(relay: WebMksRelay, esxi: FakeEsxi) -> None:
    assert relay._server is not None
    addresses = {sock.getsockname()[0] for sock in relay._server.sockets}
    assert addresses == {"127.0.0.1"}
    endpoint = relay.register(esxi.ticket_url(), leaf_der(esxi.cert))
    match = re.fullmatch(rf"ws://127\.0\.0\.1:{relay.port}/([A-Za-z0-9_-]{{43}})", endpoint.url)
    assert match
    token = match.group(1)
    assert token not in repr(endpoint)
    assert TICKET_ID not in repr(endpoint)
    assert TICKET_ID not in repr(endpoint.target)
    other = relay.register(esxi.ticket_url(), leaf_der(esxi.cert))
    assert other.url != endpoint.url


@pytest.mark.asyncio
async def test_messages_relayed_one_to_one_both_ways(relay: WebMksRelay, esxi: FakeEsxi) -> None:
    endpoint = relay.register(esxi.ticket_url(), leaf_der(esxi.cert))
    sizes = [1, 2, 12, 1000, 65_536, 1 << 20]
    async with page_connect(endpoint.url) as page:
        assert page.subprotocol == "binary"
        for size in sizes:
            payload = bytes(i % 251 for i in range(size))
            await page.send(payload)
            echoed = await asyncio.wait_for(page.recv(), 5)
            assert isinstance(echoed, bytes)
            assert echoed == payload
        await page.send("a text frame stays text")
        assert await asyncio.wait_for(page.recv(), 5) == "a text frame stays text"
        # Several upstream messages sent back to back arrive as separate messages of the same sizes.
        await page.send(BURST)
        received = [await asyncio.wait_for(page.recv(), 5) for _ in range(3)]
        assert received == [b"RFB 003.008\n", b"\x01\x01", b"\x00\x00\x00\x00"]
    end = await asyncio.wait_for(endpoint.wait_closed(), 5)
    assert end.reason is CloseReason.PAGE_CLOSED
    assert esxi.subprotocols == ["binary"]


@pytest.mark.asyncio
async def test_upstream_request_has_ticket_path_binary_no_origin_no_compression(
    relay: WebMksRelay, esxi: FakeEsxi
) -> None:
    endpoint = relay.register(esxi.ticket_url(), leaf_der(esxi.cert))
    async with page_connect(endpoint.url, origin="http://127.0.0.1:1234") as page:
        await page.send(b"x")
        await asyncio.wait_for(page.recv(), 5)
    [request] = esxi.requests
    assert request.path == f"/ticket/{TICKET_ID}"
    assert request.headers.get_all("Sec-WebSocket-Protocol") == ["binary"]
    assert "Origin" not in request.headers
    assert "Sec-WebSocket-Extensions" not in request.headers


@pytest.mark.asyncio
async def test_page_without_subprotocol_is_still_served(relay: WebMksRelay, esxi: FakeEsxi) -> None:
    endpoint = relay.register(esxi.ticket_url(), leaf_der(esxi.cert))
    async with connect(endpoint.url, logger=logging.getLogger("test.page")) as page:
        assert page.subprotocol is None
        await page.send(b"\x01")
        assert await asyncio.wait_for(page.recv(), 5) == b"\x01"
    assert esxi.subprotocols == ["binary"]


# ---------------------------------------------------------------- tokens


@pytest.mark.asyncio
@pytest.mark.allow_log_warnings
async def test_wrong_token_refused_before_upgrade_and_esxi_never_contacted(
    relay: WebMksRelay, esxi: FakeEsxi, caplog: pytest.LogCaptureFixture
) -> None:
    endpoint = relay.register(esxi.ticket_url(), leaf_der(esxi.cert))
    wrong = endpoint.url[:-4] + ("AAAA" if not endpoint.url.endswith("AAAA") else "BBBB")
    with pytest.raises(InvalidStatus) as refused:
        async with page_connect(wrong):
            pass
    assert refused.value.response.status_code == 403
    assert esxi.requests == []
    assert endpoint.ended is None  # the real endpoint is still usable
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("unknown, used or revoked relay token" in r.getMessage() for r in warnings)
    assert all(wrong.rsplit("/", 1)[1] not in r.getMessage() for r in caplog.records)


@pytest.mark.asyncio
@pytest.mark.allow_log_warnings
async def test_token_is_single_use(relay: WebMksRelay, esxi: FakeEsxi) -> None:
    endpoint = relay.register(esxi.ticket_url(), leaf_der(esxi.cert))
    async with page_connect(endpoint.url) as page:
        with pytest.raises(InvalidStatus) as second:
            async with page_connect(endpoint.url):
                pass
        assert second.value.response.status_code == 403
        await page.send(b"still alive")
        assert await asyncio.wait_for(page.recv(), 5) == b"still alive"
    await asyncio.wait_for(endpoint.wait_closed(), 5)
    with pytest.raises(InvalidStatus):
        async with page_connect(endpoint.url):
            pass
    assert len(esxi.requests) == 1


@pytest.mark.asyncio
@pytest.mark.allow_log_warnings
async def test_cancelled_endpoint_refuses_the_page(relay: WebMksRelay, esxi: FakeEsxi) -> None:
    ended: list[SessionEnd] = []
    endpoint = relay.register(esxi.ticket_url(), leaf_der(esxi.cert), on_closed=ended.append)
    endpoint.cancel()
    assert ended[0].reason is CloseReason.RELAY_STOPPED
    with pytest.raises(InvalidStatus):
        async with page_connect(endpoint.url):
            pass
    assert esxi.requests == []


# ---------------------------------------------------------------- TLS


async def expect_failure(relay: WebMksRelay, endpoint_url: str) -> tuple[int | None, str | None]:
    async with page_connect(endpoint_url) as page:
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(page.recv(), 10)
        return page.close_code, page.close_reason


@pytest.mark.asyncio
@pytest.mark.allow_log_warnings
async def test_pinned_wrong_certificate_never_receives_the_upgrade(relay: WebMksRelay, esxi: FakeEsxi) -> None:
    impostor_pin = leaf_der(trustme.CA().issue_cert("127.0.0.1"))
    endpoint = relay.register(esxi.ticket_url(), impostor_pin)
    code, reason = await expect_failure(relay, endpoint.url)
    end = await asyncio.wait_for(endpoint.wait_closed(), 5)
    assert end.reason is CloseReason.TLS_PIN_MISMATCH
    assert code == 4002
    assert reason is not None
    assert "pinned" in reason
    assert esxi.requests == []


@pytest.mark.asyncio
@pytest.mark.allow_log_warnings
async def test_pinning_the_ca_instead_of_the_leaf_fails_the_exact_leaf_check(
    relay: WebMksRelay, esxi: FakeEsxi, ca: trustme.CA
) -> None:
    # The CA as the only trust anchor passes the TLS handshake; the post-handshake leaf comparison must refuse it.
    ca_der = ssl.PEM_cert_to_DER_cert(ca.cert_pem.bytes().decode())
    endpoint = relay.register(esxi.ticket_url(), ca_der)
    code, _ = await expect_failure(relay, endpoint.url)
    end = await asyncio.wait_for(endpoint.wait_closed(), 5)
    assert end.reason is CloseReason.TLS_PIN_MISMATCH
    assert "is not the pinned certificate" in end.detail
    assert code == 4002
    assert esxi.requests == []


@pytest.mark.asyncio
@pytest.mark.allow_log_warnings
async def test_untrusted_certificate_without_pin_fails_clearly(relay: WebMksRelay, esxi: FakeEsxi) -> None:
    endpoint = relay.register(esxi.ticket_url())  # OS trust store: trustme's CA is not in it
    code, reason = await expect_failure(relay, endpoint.url)
    end = await asyncio.wait_for(endpoint.wait_closed(), 5)
    assert end.reason is CloseReason.TLS_UNTRUSTED
    assert "certificate is not trusted" in end.detail
    assert code == 4003
    assert reason is not None
    assert "not trusted" in reason
    assert esxi.requests == []


@pytest.mark.asyncio
@pytest.mark.allow_log_warnings
async def test_ca_bundle_verifies_chain_and_hostname(relay: WebMksRelay, esxi: FakeEsxi, ca: trustme.CA) -> None:
    endpoint = relay.register(esxi.ticket_url(host="localhost"), ca_pem=ca.cert_pem.bytes().decode())
    # the cert names 127.0.0.1 and esxi.test, not localhost
    code, _ = await expect_failure(relay, endpoint.url)
    end = await asyncio.wait_for(endpoint.wait_closed(), 5)
    assert end.reason is CloseReason.TLS_UNTRUSTED
    assert "Hostname mismatch" in end.detail or "hostname" in end.detail.lower()
    assert code == 4003
    assert esxi.requests == []

    good = relay.register(esxi.ticket_url(), ca_pem=ca.cert_pem.bytes().decode())
    async with page_connect(good.url) as page:
        await page.send(b"ok")
        assert await asyncio.wait_for(page.recv(), 5) == b"ok"
    assert len(esxi.requests) == 1


@pytest.mark.asyncio
@pytest.mark.allow_log_warnings
async def test_unreachable_esxi(relay: WebMksRelay, esxi: FakeEsxi) -> None:
    port = esxi.port
    await esxi.stop()
    endpoint = relay.register(f"wss://127.0.0.1:{port}/ticket/{TICKET_ID}", leaf_der(esxi.cert))
    code, _ = await expect_failure(relay, endpoint.url)
    end = await asyncio.wait_for(endpoint.wait_closed(), 5)
    assert end.reason is CloseReason.UNREACHABLE
    assert code == 4004
    await esxi.start()  # the fixture stops it again


# ---------------------------------------------------------------- closing


@pytest.mark.asyncio
async def test_upstream_close_reaches_the_page_with_code_and_reason(relay: WebMksRelay, esxi: FakeEsxi) -> None:
    endpoint = relay.register(esxi.ticket_url(), leaf_der(esxi.cert))
    async with page_connect(endpoint.url) as page:
        await page.send(b"hello")
        assert await asyncio.wait_for(page.recv(), 5) == b"hello"
        await page.send(CLOSE_NOW)
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(page.recv(), 5)
        assert (page.close_code, page.close_reason) == (4321, "bye from esxi")
    end = await asyncio.wait_for(endpoint.wait_closed(), 5)
    assert end.reason is CloseReason.UPSTREAM_CLOSED
    assert end.close_code == 4321
    assert "bye from esxi" in end.detail


@pytest.mark.asyncio
async def test_upstream_closing_before_any_data_is_a_refusal(relay: WebMksRelay, esxi: FakeEsxi) -> None:
    endpoint = relay.register(esxi.ticket_url(), leaf_der(esxi.cert))
    async with page_connect(endpoint.url) as page:
        await page.send(CLOSE_NOW)
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(page.recv(), 5)
        assert page.close_code == 4321
    end = await asyncio.wait_for(endpoint.wait_closed(), 5)
    assert end.reason is CloseReason.UPSTREAM_REFUSED


@pytest.mark.asyncio
@pytest.mark.allow_log_warnings
async def test_upstream_http_refusal(relay: WebMksRelay, esxi: FakeEsxi) -> None:
    endpoint = relay.register(esxi.ticket_url("refused"), leaf_der(esxi.cert))
    code, reason = await expect_failure(relay, endpoint.url)
    end = await asyncio.wait_for(endpoint.wait_closed(), 5)
    assert end.reason is CloseReason.UPSTREAM_REFUSED
    assert "HTTP 404" in end.detail
    assert code == 4001
    assert reason is not None
    assert "HTTP 404" in reason


@pytest.mark.asyncio
async def test_page_close_reaches_esxi(relay: WebMksRelay, esxi: FakeEsxi) -> None:
    endpoint = relay.register(esxi.ticket_url(), leaf_der(esxi.cert))
    async with page_connect(endpoint.url) as page:
        await page.send(b"x")
        await asyncio.wait_for(page.recv(), 5)
        await page.close(4000, "page says bye")
    end = await asyncio.wait_for(endpoint.wait_closed(), 5)
    assert end.reason is CloseReason.PAGE_CLOSED
    for _ in range(50):
        if esxi.closes:
            break
        await asyncio.sleep(0.05)
    assert esxi.closes == [(4000, "page says bye")]


@pytest.mark.asyncio
async def test_stop_closes_both_legs(esxi: FakeEsxi) -> None:
    relay = WebMksRelay()
    await relay.start()
    ended: list[SessionEnd] = []
    endpoint = relay.register(esxi.ticket_url(), leaf_der(esxi.cert), on_closed=ended.append)
    unused = relay.register(esxi.ticket_url(), leaf_der(esxi.cert))
    async with page_connect(endpoint.url) as page:
        await page.send(b"x")
        await asyncio.wait_for(page.recv(), 5)
        await relay.stop()
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(page.recv(), 5)
        assert page.close_code == 1001
    assert [e.reason for e in ended] == [CloseReason.RELAY_STOPPED]
    assert unused.ended is not None
    assert unused.ended.reason is CloseReason.RELAY_STOPPED
    for _ in range(50):
        if esxi.closes:
            break
        await asyncio.sleep(0.05)
    assert esxi.closes == [(1001, "console relay stopped")]
    with pytest.raises(RelayNotRunningError):
        relay.register(esxi.ticket_url())


# ---------------------------------------------------------------- input validation


@pytest.mark.asyncio
async def test_register_rejects_bad_input_without_echoing_the_ticket(relay: WebMksRelay, esxi: FakeEsxi) -> None:
    for url in (f"https://esxi/ticket/{TICKET_ID}", f"ws://esxi/ticket/{TICKET_ID}", f"wss:///ticket/{TICKET_ID}"):
        with pytest.raises(ValueError, match=r"wss://|no host") as bad:
            relay.register(url)
        assert TICKET_ID not in str(bad.value)
    with pytest.raises(ValueError, match=r"not a DER-encoded X\.509 certificate"):
        relay.register(esxi.ticket_url(), b"garbage")
    with pytest.raises(ValueError, match="either a pinned certificate or a CA bundle"):
        relay.register(esxi.ticket_url(), leaf_der(esxi.cert), ca_pem=esxi.ca.cert_pem.bytes().decode())
    with pytest.raises(ValueError, match="not valid PEM"):
        relay.register(esxi.ticket_url(), ca_pem="nope")


# ---------------------------------------------------------------- logging


@pytest.mark.asyncio
@pytest.mark.allow_log_warnings
async def test_no_ticket_token_or_keystrokes_in_debug_logs(
    relay: WebMksRelay, esxi: FakeEsxi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    keystroke = b"\x04\x01\x00\x00\x00\x00\x00\x71"  # RFB KeyEvent 'q' down
    endpoint = relay.register(esxi.ticket_url(), leaf_der(esxi.cert))
    token = endpoint.url.rsplit("/", 1)[1]
    async with page_connect(endpoint.url) as page:
        await page.send(keystroke)
        await asyncio.wait_for(page.recv(), 5)
    await endpoint.wait_closed()
    refused = relay.register(esxi.ticket_url("refused"), leaf_der(esxi.cert))
    await expect_failure(relay, refused.url)
    with pytest.raises(InvalidStatus):
        async with page_connect(endpoint.url):
            pass

    relay_records = [r for r in caplog.records if not r.name.startswith("test.")]
    names = {r.name for r in relay_records}
    assert "vmconsole_gui.services.relay.wire.esxi" in names  # websockets' own traces were captured
    assert "vmconsole_gui.services.relay.wire.page" in names
    text = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in relay_records)
    assert "GET /ticket/*** HTTP/1.1" in text
    assert "GET /*** HTTP/1.1" in text
    assert TICKET_ID not in text
    assert "refused" not in re.findall(r"/ticket/(\w+)", text)
    assert token not in text
    assert refused.url.rsplit("/", 1)[1] not in text
    assert "04 01 00 00 00 00 00 71" not in text
    assert "BINARY" not in text


@pytest.mark.asyncio
async def test_upstream_connection_lost_closes_the_page_with_1011(relay: WebMksRelay, esxi: FakeEsxi) -> None:
    endpoint = relay.register(esxi.ticket_url(), leaf_der(esxi.cert))
    async with page_connect(endpoint.url) as page:
        await page.send(b"hi")
        await asyncio.wait_for(page.recv(), 5)
        await page.send(DROP)
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(page.recv(), 5)
        assert page.close_code == 1011
    end = await asyncio.wait_for(endpoint.wait_closed(), 5)
    assert end.reason is CloseReason.UPSTREAM_CLOSED


@pytest_asyncio.fixture
async def silent_port() -> AsyncIterator[int]:
    """A TCP port that accepts connections and never answers (no TLS handshake)."""
    held: list[asyncio.StreamWriter] = []

    async def hold(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    for writer in held:
        writer.close()
    server.close()


@pytest.mark.asyncio
@pytest.mark.allow_log_warnings
async def test_silent_esxi_times_out_as_unreachable(silent_port: int, esxi: FakeEsxi) -> None:
    relay = WebMksRelay(connect_timeout=0.5)
    await relay.start()
    try:
        endpoint = relay.register(f"wss://127.0.0.1:{silent_port}/ticket/{TICKET_ID}", leaf_der(esxi.cert))
        code, _ = await expect_failure(relay, endpoint.url)
        end = await asyncio.wait_for(endpoint.wait_closed(), 5)
        assert end.reason is CloseReason.UNREACHABLE
        assert "did not answer within 0.5 s" in end.detail
        assert code == 4004
    finally:
        await relay.stop()


@pytest.mark.asyncio
async def test_stop_while_connecting_upstream(silent_port: int, esxi: FakeEsxi) -> None:
    relay = WebMksRelay(connect_timeout=30)
    await relay.start()
    endpoint = relay.register(f"wss://127.0.0.1:{silent_port}/ticket/{TICKET_ID}", leaf_der(esxi.cert))
    async with page_connect(endpoint.url) as page:
        await asyncio.sleep(0.2)  # the relay is now waiting for the TLS handshake
        await asyncio.wait_for(relay.stop(), 5)
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(page.recv(), 5)
        assert page.close_code == 1001
    end = await asyncio.wait_for(endpoint.wait_closed(), 5)
    assert end.reason is CloseReason.RELAY_STOPPED
