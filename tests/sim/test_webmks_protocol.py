"""The simulated ESXi WebMKS endpoint over real loopback TLS, driven by a small RFB-over-WebSocket client."""

from __future__ import annotations

import asyncio
import ssl
import struct
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import pytest
import pytest_asyncio
import trustme
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from vmconsole_gui.sim import console_screen as screen
from vmconsole_gui.sim.console import ConsoleRegistry
from vmconsole_gui.sim.esxi import EsxiWebMksServer
from vmconsole_gui.sim.tickets import TicketBook

FIXED_EPOCH = 1_700_000_000.0
ESXI_PIXEL_FORMAT = struct.pack(">BBBBHHHBBBxxx", 32, 24, 0, 1, 255, 255, 255, 16, 8, 0)
RGBX_PIXEL_FORMAT = struct.pack(">BBBBHHHBBBxxx", 32, 24, 0, 1, 255, 255, 255, 0, 8, 16)
SERVER_CAPS_ENCODING = 0x574D567A


# ---------------------------------------------------------------------------------------------- a tiny RFB client
def key_event(keysym: int, down: bool) -> bytes:
    return struct.pack(">BBxxI", 4, int(down), keysym)


def key_presses(*keysyms: int) -> bytes:
    return b"".join(key_event(k, True) + key_event(k, False) for k in keysyms)


def scancode_event(scancode: int, down: bool) -> bytes:
    return struct.pack(">BBHHBx", 127, 0, 8, scancode, int(down))


def set_encodings(*encodings: int) -> bytes:
    return struct.pack(f">BxH{len(encodings)}i", 2, len(encodings), *encodings)


def fb_request(incremental: bool, width: int = 1024, height: int = 768) -> bytes:
    return struct.pack(">BBHHHH", 3, int(incremental), 0, 0, width, height)


def set_desktop_size(width: int, height: int) -> bytes:
    return struct.pack(">BxHHBx", 251, width, height, 1) + struct.pack(">IHHHHI", 0, 0, 0, width, height, 0)


@dataclass
class Rect:
    x: int
    y: int
    width: int
    height: int
    encoding: int
    data: bytes = b""


@dataclass
class RfbClient:
    """Speaks RFB 3.8 over a WebSocket and keeps a framebuffer copy (32 bpp, BGRX or RGBX)."""

    ws: ClientConnection
    buf: bytearray = field(default_factory=bytearray)
    first_message: bytes = b""
    width: int = 0
    height: int = 0
    name: str = ""
    server_pixel_format: bytes = b""
    rgbx: bool = False
    fb: bytearray = field(default_factory=bytearray)
    server_caps: list[int] = field(default_factory=list)

    async def read(self, count: int) -> bytes:
        while len(self.buf) < count:
            message = await asyncio.wait_for(self.ws.recv(), 5)
            assert isinstance(message, bytes), "WebMKS must use binary messages only"
            self.buf += message
        data = bytes(self.buf[:count])
        del self.buf[:count]
        return data

    async def handshake(self, merged: bool = False) -> None:
        self.first_message = await asyncio.wait_for(self.ws.recv(), 5)  # must be its own 12-byte message
        await self.ws.send(b"RFB 003.008\n")
        assert await self.read(2) == b"\x01\x01"
        await self.ws.send(b"\x01\x01" if merged else b"\x01")  # security None (+ ClientInit when merged)
        assert await self.read(4) == b"\0\0\0\0"
        if not merged:
            await self.ws.send(b"\x01")
        self.width, self.height = struct.unpack(">HH", await self.read(4))
        self.server_pixel_format = await self.read(16)
        (name_length,) = struct.unpack(">I", await self.read(4))
        self.name = (await self.read(name_length)).decode()
        self.fb = bytearray(self.width * self.height * 4)

    async def use_rgbx(self) -> None:
        await self.ws.send(b"\x00\x00\x00\x00" + RGBX_PIXEL_FORMAT)
        self.rgbx = True

    async def next_update(self) -> tuple[int, list[Rect]]:
        """Read server messages until a FramebufferUpdate; apply it; return (update id, rects)."""
        while True:
            (kind,) = await self.read(1)
            if kind == 127:
                subtype, length = struct.unpack(">BH", await self.read(3))
                assert (subtype, length) == (0, 8)
                self.server_caps.append(struct.unpack(">I", await self.read(4))[0])
                continue
            assert kind == 0, f"unexpected server message type {kind}"
            update_id, count = struct.unpack(">BH", await self.read(3))
            rects = [await self._read_rect() for _ in range(count)]
            return update_id, rects

    async def _read_rect(self) -> Rect:
        rect = Rect(*struct.unpack(">HHHHi", await self.read(12)))
        if rect.encoding == 0:
            rect.data = await self.read(rect.width * rect.height * 4)
            for row in range(rect.height):
                start = ((rect.y + row) * self.width + rect.x) * 4
                self.fb[start : start + rect.width * 4] = rect.data[row * rect.width * 4 : (row + 1) * rect.width * 4]
        elif rect.encoding in (-223, -308):
            if rect.encoding == -308:
                (screens,) = struct.unpack(">Bxxx", await self.read(4))
                rect.data = await self.read(16 * screens)
            self.width, self.height = rect.width, rect.height
            self.fb = bytearray(self.width * self.height * 4)
        else:
            raise AssertionError(f"unexpected encoding {rect.encoding}")
        return rect

    def pixel(self, x: int, y: int) -> tuple[int, int, int]:
        a, b, c, _ = self.fb[(y * self.width + x) * 4 : (y * self.width + x) * 4 + 4]
        return (a, b, c) if self.rgbx else (c, b, a)

    def region(self, box: tuple[int, int, int, int]) -> bytes:
        left, top, right, bottom = box
        return b"".join(
            self.fb[((top + row) * self.width + left) * 4 : ((top + row) * self.width + right) * 4]
            for row in range(bottom - top)
        )


# ---------------------------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def tls() -> tuple[ssl.SSLContext, ssl.SSLContext]:
    ca = trustme.CA()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_ctx)
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)
    return server_ctx, client_ctx


@dataclass
class Sim:
    tickets: TicketBook
    consoles: ConsoleRegistry
    server: EsxiWebMksServer
    port: int
    client_ctx: ssl.SSLContext
    power: dict[str, bool]
    now: list[float]  # [ticket clock]
    epoch: list[float]  # [screen clock]

    def url(self, ticket: str) -> str:
        return f"wss://127.0.0.1:{self.port}/ticket/{ticket}"

    def connect(self, ticket: str, subprotocols: list[str] | None = None) -> connect:
        return connect(
            self.url(ticket),
            ssl=self.client_ctx,
            subprotocols=["binary"] if subprotocols is None else subprotocols,  # type: ignore[arg-type]
            compression=None,
            max_size=None,
            proxy=None,
        )

    async def open(self, vm_id: str = "vm-1", **handshake: bool) -> RfbClient:
        ws = await self.connect(self.tickets.issue_webmks(vm_id))
        client = RfbClient(ws)
        await client.handshake(**handshake)
        return client


@pytest_asyncio.fixture
async def sim(tls: tuple[ssl.SSLContext, ssl.SSLContext]) -> AsyncIterator[Sim]:
    names = {"vm-1": "web-01", "vm-2": "db-01"}
    power = {"vm-1": True, "vm-2": True}
    now = [1000.0]
    epoch = [FIXED_EPOCH]
    tickets = TicketBook(clock=lambda: now[0])
    consoles = ConsoleRegistry(names.get, lambda vm: power.get(vm, False), clock=lambda: epoch[0])
    server = EsxiWebMksServer(tickets, consoles)
    port = await server.start("127.0.0.1", 0, tls[0])
    try:
        yield Sim(tickets, consoles, server, port, tls[1], power, now, epoch)
    finally:
        await server.stop()


async def eventually(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)


def assert_probes(client: RfbClient, *, ctrl_alt_del: bool = False) -> None:
    for name, ((x, y), colour) in screen.probe_points(client.width, client.height, ctrl_alt_del=ctrl_alt_del).items():
        assert client.pixel(x, y) == colour, f"{name} at {(x, y)}"


# ---------------------------------------------------------------------------------------------- handshake and pixels
@pytest.mark.asyncio
async def test_handshake_server_init_and_full_frame_in_esxi_pixel_format(sim: Sim) -> None:
    client = await sim.open()
    assert client.ws.subprotocol == "binary"
    assert client.first_message == b"RFB 003.008\n"
    assert (client.width, client.height, client.name) == (1024, 768, "web-01")
    assert client.server_pixel_format == ESXI_PIXEL_FORMAT

    await client.ws.send(fb_request(incremental=False))
    update_id, rects = await client.next_update()
    assert update_id == 1  # VMware update id in the padding byte
    assert [(r.x, r.y, r.width, r.height, r.encoding) for r in rects] == [(0, 0, 1024, 768, 0)]
    assert_probes(client)
    x, y = screen.probe_points(1024, 768)["swatch_red"][0]
    assert client.fb[(y * 1024 + x) * 4 : (y * 1024 + x) * 4 + 3] == b"\x00\x00\xff"  # B, G, R on the wire
    assert sim.server.active_sessions == 1
    await client.ws.close()
    await eventually(lambda: sim.server.active_sessions == 0)


@pytest.mark.asyncio
async def test_set_pixel_format_rgbx_like_novnc(sim: Sim) -> None:
    client = await sim.open()
    await client.use_rgbx()
    await client.ws.send(fb_request(incremental=False))
    await client.next_update()
    assert_probes(client)
    x, y = screen.probe_points(1024, 768)["swatch_red"][0]
    assert client.fb[(y * 1024 + x) * 4 : (y * 1024 + x) * 4 + 3] == b"\xff\x00\x00"


# ---------------------------------------------------------------------------------------------- input
@pytest.mark.asyncio
async def test_keysyms_type_text_and_change_the_text_area(sim: Sim) -> None:
    client = await sim.open()
    await client.ws.send(fb_request(incremental=False))
    await client.next_update()
    area = screen.text_area(1024, 768)
    before = client.region(area)

    await client.ws.send(key_presses(*b"hellx", 0xFF08, ord("o"), 0xFF0D) + fb_request(incremental=True))
    await eventually(lambda: sim.consoles.typed_text("vm-1") == "hello\n")
    _, rects = await client.next_update()  # keys are applied before the request that follows them
    [rect] = rects
    assert rect.encoding == 0
    assert rect.width < 1024
    assert rect.height < 768
    assert client.region(area) != before
    assert_probes(client)  # bands untouched by the text
    keys = [(e.keysym, e.down) for e in sim.consoles.events("vm-1") if e.kind == "key"]
    assert keys[:2] == [(ord("h"), True), (ord("h"), False)]


@pytest.mark.asyncio
async def test_ctrl_alt_del_keysyms_turn_the_status_bar_red(sim: Sim) -> None:
    client = await sim.open()
    await client.use_rgbx()
    await client.ws.send(fb_request(incremental=False))
    await client.next_update()
    cad = key_event(0xFFE3, True) + key_event(0xFFE9, True) + key_event(0xFFFF, True)
    release = key_event(0xFFFF, False) + key_event(0xFFE9, False) + key_event(0xFFE3, False)
    await client.ws.send(cad + release + fb_request(incremental=True))
    await eventually(lambda: any(e.kind == "ctrl-alt-del" for e in sim.consoles.events("vm-1")))
    await client.next_update()
    assert_probes(client, ctrl_alt_del=True)
    assert sim.consoles.typed_text("vm-1") == ""


@pytest.mark.asyncio
async def test_vmware_scancodes_type_and_send_ctrl_alt_del(sim: Sim) -> None:
    client = await sim.open()
    await client.ws.send(set_encodings(0, SERVER_CAPS_ENCODING) + fb_request(incremental=False))
    await client.next_update()
    assert client.server_caps == [0x82]
    shift_h = (
        scancode_event(42, True) + scancode_event(35, True) + scancode_event(35, False) + scancode_event(42, False)
    )
    typed = shift_h + scancode_event(23, True) + scancode_event(23, False) + scancode_event(28, True)
    cad = scancode_event(29, True) + scancode_event(56, True) + scancode_event(339, True)
    await client.ws.send(typed + cad)
    await eventually(lambda: sim.consoles.console("vm-1").ctrl_alt_del_count == 1)
    assert sim.consoles.typed_text("vm-1") == "Hi\n"
    assert [e.scancode for e in sim.consoles.events("vm-1") if e.kind == "scancode"][:2] == [42, 35]


@pytest.mark.asyncio
async def test_server_caps_are_sent_only_when_requested(sim: Sim) -> None:
    plain = await sim.open()
    await plain.ws.send(set_encodings(0, -223, -308) + fb_request(incremental=False))
    await plain.next_update()
    await plain.ws.send(key_presses(ord("a")) + fb_request(incremental=True))
    await plain.next_update()
    assert plain.server_caps == []  # next_update asserts every message was a FramebufferUpdate or 127/0

    vmware = await sim.open()
    await vmware.ws.send(set_encodings(0, SERVER_CAPS_ENCODING, -223))
    assert await vmware.read(8) == bytes.fromhex("7f000008") + struct.pack(">I", 0x2 | 0x80)


@pytest.mark.asyncio
async def test_clock_tick_updates_only_the_clock_box(sim: Sim) -> None:
    client = await sim.open()
    await client.ws.send(fb_request(incremental=False))
    await client.next_update()
    await client.ws.send(fb_request(incremental=True))
    sim.epoch[0] += 1
    _, rects = await client.next_update()
    [rect] = rects
    assert rect.x >= 1024 - screen.CLOCK_WIDTH
    assert rect.y + rect.height <= screen.TITLE_HEIGHT


# ---------------------------------------------------------------------------------------------- resize
@pytest.mark.asyncio
async def test_vmware_resolution_request_resizes_with_desktop_size(sim: Sim) -> None:
    client = await sim.open()
    await client.ws.send(set_encodings(0, -223, SERVER_CAPS_ENCODING) + fb_request(incremental=False))
    await client.next_update()
    await client.ws.send(struct.pack(">BBHHH", 127, 5, 8, 640, 480) + fb_request(incremental=True))
    _, rects = await client.next_update()
    assert [(r.encoding, r.width, r.height) for r in rects] == [(-223, 640, 480), (0, 640, 480)]
    assert sim.consoles.console("vm-1").size == (640, 480)
    assert_probes(client)
    assert [(e.width, e.height) for e in sim.consoles.events("vm-1") if e.kind == "resize"] == [(640, 480)]


@pytest.mark.asyncio
async def test_extended_desktop_size_handshake_and_set_desktop_size(sim: Sim) -> None:
    client = await sim.open()
    other = await sim.open()
    await other.ws.send(set_encodings(0, -223, -308) + fb_request(incremental=False))
    await other.next_update()
    await client.ws.send(set_encodings(0, -223, -308) + fb_request(incremental=False))
    _, rects = await client.next_update()
    assert [(r.encoding, r.x, r.y, r.width, r.height) for r in rects] == [(-308, 0, 0, 1024, 768), (0, 0, 0, 1024, 768)]

    await client.ws.send(set_desktop_size(800, 600) + fb_request(incremental=True))
    _, rects = await client.next_update()
    assert [(r.encoding, r.x, r.y, r.width, r.height) for r in rects] == [(-308, 1, 0, 800, 600), (0, 0, 0, 800, 600)]
    assert_probes(client)

    await other.ws.send(fb_request(incremental=True))  # the other viewer learns about it with reason 2
    _, rects = await other.next_update()
    assert (rects[0].encoding, rects[0].x, rects[0].width) == (-308, 2, 800)

    await client.ws.send(set_desktop_size(10, 10) + fb_request(incremental=True))
    _, rects = await client.next_update()
    assert (rects[0].encoding, rects[0].x, rects[0].y, rects[0].width, rects[0].height) == (-308, 1, 3, 800, 600)
    assert sim.consoles.console("vm-1").size == (800, 600)


# ---------------------------------------------------------------------------------------------- framing
@pytest.mark.asyncio
async def test_messages_split_and_merged_across_websocket_frames(sim: Sim) -> None:
    client = await sim.open(merged=True)  # security choice + ClientInit in one WS message
    stream = set_encodings(0, -223) + key_presses(*b"split") + fb_request(incremental=False)
    for start in range(0, len(stream), 3):
        await client.ws.send(stream[start : start + 3])
    await client.next_update()
    assert sim.consoles.typed_text("vm-1") == "split"


@pytest.mark.asyncio
@pytest.mark.allow_log_warnings
async def test_malformed_message_closes_only_that_session(sim: Sim, caplog: pytest.LogCaptureFixture) -> None:
    good = await sim.open()
    bad = await sim.open("vm-2")
    await bad.ws.send(b"\x99")
    with pytest.raises(ConnectionClosed) as closed:
        await asyncio.wait_for(bad.ws.recv(), 5)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1002
    assert "unknown client message type 153" in caplog.text
    assert "Traceback" not in caplog.text
    await good.ws.send(fb_request(incremental=False))
    await good.next_update()
    await eventually(lambda: sim.server.active_sessions == 1)

    text = await sim.open()
    await text.ws.send("text frames are not RFB")
    with pytest.raises(ConnectionClosed):
        await asyncio.wait_for(text.ws.recv(), 5)


@pytest.mark.asyncio
async def test_slow_client_does_not_block_others(sim: Sim) -> None:
    slow = await sim.open()
    await slow.ws.send(fb_request(incremental=False) * 30)  # ~90 MB of replies it never reads
    await asyncio.sleep(0.3)
    fast = await sim.open()
    for _ in range(3):
        await fast.ws.send(fb_request(incremental=False))
        await asyncio.wait_for(fast.next_update(), 3)
    slow.ws.transport.abort()
    await eventually(lambda: sim.server.active_sessions == 1)


# ---------------------------------------------------------------------------------------------- tickets and power
async def refused_status(sim: Sim, ticket: str, subprotocols: list[str] | None = None) -> int:
    with pytest.raises(InvalidStatus) as refused:
        await sim.connect(ticket, subprotocols)
    return refused.value.response.status_code


@pytest.mark.asyncio
async def test_bad_tickets_are_refused_before_any_rfb_byte(sim: Sim, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    used = sim.tickets.issue_webmks("vm-1")
    async with sim.connect(used) as ws:
        assert await ws.recv() == b"RFB 003.008\n"
    assert await refused_status(sim, used) == 404
    assert await refused_status(sim, "0123456789abcdef0123456789abcdef") == 404
    expired = sim.tickets.issue_webmks("vm-1")
    sim.now[0] += 30 * 60 + 1
    assert await refused_status(sim, expired) == 404
    sim.power["vm-2"] = False
    off = sim.tickets.issue_webmks("vm-2")
    assert await refused_status(sim, off) == 403

    kept = sim.tickets.issue_webmks("vm-1")
    assert await refused_status(sim, kept, ["vmware-vvc"]) == 400
    assert await refused_status(sim, kept, []) == 400
    with pytest.raises(InvalidStatus) as wrong_path:
        await connect(f"wss://127.0.0.1:{sim.port}/screen", ssl=sim.client_ctx, subprotocols=["binary"], proxy=None)  # type: ignore[list-item]
    assert wrong_path.value.response.status_code == 404
    async with sim.connect(kept) as ws:  # refusing the subprotocol did not consume the ticket
        assert await ws.recv() == b"RFB 003.008\n"

    reasons = [r.reason for r in sim.server.rejections()]
    assert reasons == [
        "used",
        "unknown",
        "expired",
        "powered-off",
        "no-binary-subprotocol",
        "no-binary-subprotocol",
        "bad-path",
    ]
    server_log = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("vmconsole_gui"))
    assert "GET /ticket/*** HTTP/1.1" in server_log  # websockets' own debug lines go through the redactor
    for ticket in (used, expired, off, kept):
        assert ticket not in server_log


@pytest.mark.asyncio
async def test_power_off_closes_live_sessions_and_state_survives_reconnect(sim: Sim) -> None:
    first = await sim.open()
    await first.ws.send(key_presses(*b"abc"))
    await eventually(lambda: sim.consoles.typed_text("vm-1") == "abc")
    await first.ws.close()
    second = await sim.open()
    assert sim.consoles.typed_text("vm-1") == "abc"  # per-VM state survives reconnects
    other_vm = await sim.open("vm-2")

    sim.power["vm-1"] = False
    sim.consoles.power_changed("vm-1", False)
    with pytest.raises(ConnectionClosed) as closed:
        await asyncio.wait_for(second.ws.recv(), 5)  # it never asked for pixels: the close comes first
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.reason == "VM powered off"
    await eventually(lambda: sim.server.active_sessions == 1)
    await other_vm.ws.send(fb_request(incremental=False))
    await other_vm.next_update()

    sim.power["vm-1"] = True
    sim.consoles.power_changed("vm-1", True)
    assert sim.consoles.typed_text("vm-1") == ""  # a fresh boot clears the screen
