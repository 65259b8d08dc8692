"""End to end: page client ↔ WebMKS relay (pinned TLS) ↔ the simulator's ESXi WebMKS endpoint, RFB 3.8 handshake."""

from __future__ import annotations

import asyncio
import logging
import ssl
import struct
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import pytest_asyncio
import trustme
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from vmconsole_gui.services.relay import CloseReason, WebMksRelay
from vmconsole_gui.sim.console import ConsoleRegistry
from vmconsole_gui.sim.esxi import EsxiWebMksServer
from vmconsole_gui.sim.tickets import TicketBook

VM_ID = "vm-42"
VM_NAME = "relay-test-vm"


@dataclass
class Sim:
    tickets: TicketBook
    consoles: ConsoleRegistry
    server: EsxiWebMksServer
    port: int
    leaf_der: bytes

    def ticket_url(self, ticket: str) -> str:
        return f"wss://127.0.0.1:{self.port}/ticket/{ticket}"


@pytest_asyncio.fixture
async def sim() -> AsyncIterator[Sim]:
    ca = trustme.CA()
    cert = ca.issue_cert("esxi-01.sim.test")  # not 127.0.0.1: the pin, not the hostname, is what is checked
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(ctx)
    tickets = TicketBook()
    consoles = ConsoleRegistry(
        lambda vm: VM_NAME if vm == VM_ID else None, lambda vm: vm == VM_ID, clock=lambda: 1_700_000_000.0
    )
    server = EsxiWebMksServer(tickets, consoles)
    port = await server.start("127.0.0.1", 0, ctx)
    leaf = ssl.PEM_cert_to_DER_cert(cert.cert_chain_pems[0].bytes().decode())
    yield Sim(tickets, consoles, server, port, leaf)
    await server.stop()


@pytest_asyncio.fixture
async def relay() -> AsyncIterator[WebMksRelay]:
    relay = WebMksRelay(connect_timeout=5.0)
    await relay.start()
    yield relay
    await relay.stop()


def key_event(keysym: int, down: bool) -> bytes:
    return struct.pack(">BBxxI", 4, int(down), keysym)


@pytest.mark.asyncio
async def test_rfb_handshake_through_the_relay(sim: Sim, relay: WebMksRelay) -> None:
    endpoint = relay.register(sim.ticket_url(sim.tickets.issue_webmks(VM_ID)), sim.leaf_der)
    async with connect(endpoint.url, subprotocols=["binary"], logger=logging.getLogger("test.page")) as page:
        assert page.subprotocol == "binary"
        assert await asyncio.wait_for(page.recv(), 5) == b"RFB 003.008\n"  # one message, as ESXi sends it
        await page.send(b"RFB 003.008\n")
        assert await asyncio.wait_for(page.recv(), 5) == b"\x01\x01"
        await page.send(b"\x01")
        assert await asyncio.wait_for(page.recv(), 5) == b"\x00\x00\x00\x00"
        await page.send(b"\x01")  # ClientInit, shared
        buf = b""
        while len(buf) < 24:
            message = await asyncio.wait_for(page.recv(), 5)
            assert isinstance(message, bytes)
            buf += message
        width, height = struct.unpack(">HH", buf[:4])
        (name_len,) = struct.unpack(">I", buf[20:24])
        while len(buf) < 24 + name_len:
            buf += await asyncio.wait_for(page.recv(decode=False), 5)
        assert width > 0
        assert height > 0
        assert buf[24 : 24 + name_len].decode() == VM_NAME
        # Input crosses the relay to the VM console.
        await page.send(key_event(ord("q"), True) + key_event(ord("q"), False))
        assert await asyncio.to_thread(sim.consoles.wait_for, VM_ID, lambda c: "q" in c.typed_text, 5.0)
        assert sim.server.active_sessions == 1
    end = await asyncio.wait_for(endpoint.wait_closed(), 5)
    assert end.reason is CloseReason.PAGE_CLOSED
    assert sim.server.rejections() == []


@pytest.mark.asyncio
@pytest.mark.allow_log_warnings
async def test_reused_ticket_ends_with_upstream_refused(sim: Sim, relay: WebMksRelay) -> None:
    ticket_url = sim.ticket_url(sim.tickets.issue_webmks(VM_ID))
    first = relay.register(ticket_url, sim.leaf_der)
    async with connect(first.url, subprotocols=["binary"], logger=logging.getLogger("test.page")) as page:
        assert await asyncio.wait_for(page.recv(), 5) == b"RFB 003.008\n"
    await asyncio.wait_for(first.wait_closed(), 5)

    again = relay.register(ticket_url, sim.leaf_der)
    async with connect(again.url, subprotocols=["binary"], logger=logging.getLogger("test.page")) as page:
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(page.recv(), 5)
        assert page.close_code == 4001
    end = await asyncio.wait_for(again.wait_closed(), 5)
    assert end.reason is CloseReason.UPSTREAM_REFUSED
    assert "HTTP 404" in end.detail
    assert [r.reason for r in sim.server.rejections()] == ["used"]


@pytest.mark.asyncio
@pytest.mark.allow_log_warnings
async def test_wrong_pin_does_not_burn_the_ticket(sim: Sim, relay: WebMksRelay) -> None:
    ticket_url = sim.ticket_url(sim.tickets.issue_webmks(VM_ID))
    impostor = ssl.PEM_cert_to_DER_cert(trustme.CA().issue_cert("esxi-01.sim.test").cert_chain_pems[0].bytes().decode())
    wrong = relay.register(ticket_url, impostor)
    async with connect(wrong.url, subprotocols=["binary"], logger=logging.getLogger("test.page")) as page:
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(page.recv(), 5)
    assert (await wrong.wait_closed()).reason is CloseReason.TLS_PIN_MISMATCH
    assert sim.server.rejections() == []
    # The ticket was never presented, so it still works with the right pin.
    right = relay.register(ticket_url, sim.leaf_der)
    async with connect(right.url, subprotocols=["binary"], logger=logging.getLogger("test.page")) as page:
        assert await asyncio.wait_for(page.recv(), 5) == b"RFB 003.008\n"
    assert sim.server.sessions_opened == 1
