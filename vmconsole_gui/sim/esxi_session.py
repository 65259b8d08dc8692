"""One simulated ESXi WebMKS session: RFB 3.8 over an accepted WebSocket, for one VM's console.

Two tasks per session: the receiver parses client messages from a byte buffer and applies them; the sender is the only
writer and answers FramebufferUpdateRequests (full Raw frame when non-incremental, the changed region's bounding box
when incremental, held until something changes — typed text, pointer, resize, or the clock's next second).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import Callable

from PIL import Image, ImageChops
from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from .console import VmConsole
from .console_screen import MAX_SIZE, MIN_SIZE
from .rfb import (
    ENCODING_DESKTOP_SIZE,
    ENCODING_EXTENDED_DESKTOP_SIZE,
    ENCODING_VMWARE_SERVER_CAPS,
    RFB_VERSION,
    SECURITY_NONE,
    ClientCutText,
    ClientMessage,
    ClientMessageParser,
    FramebufferUpdateRequest,
    KeyEvent,
    PointerEvent,
    RfbProtocolError,
    SetDesktopSize,
    SetEncodings,
    SetPixelFormat,
    VMwareKeyEvent,
    VMwareOther,
    VMwareResolutionRequest,
    desktop_size_rect,
    extended_desktop_size_rect,
    framebuffer_update,
    raw_rect,
    security_failed,
    server_init,
    vmware_server_caps,
)
from .rfb_pixels import PixelFormat, PixelFormatError

logger = logging.getLogger(__name__)

CLOSE_PROTOCOL_ERROR = 1002
CLOSE_INTERNAL_ERROR = 1011
STATUS_OK = 0
STATUS_INVALID_LAYOUT = 3


class WebMksSession:
    """RFB server side of one WebMKS connection; implements :class:`~.console.ConsoleListener`."""

    def __init__(self, connection: ServerConnection, console: VmConsole, name: str, label: str) -> None:
        self._connection = connection
        self._console = console
        self._name = name
        self._label = label
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._inbuf = bytearray()
        self._wake = asyncio.Event()
        self._outbox: deque[bytes] = deque()
        self._pixel_format = PixelFormat.esxi_default()
        self._encodings: frozenset[int] = frozenset()
        self._request: bool | None = None  # pending FramebufferUpdateRequest: True = incremental
        self._sent: Image.Image | None = None
        self._client_size = console.size
        self._size_reason: int | None = None
        self._ext_replies: list[tuple[int, int]] = []  # (reason, status) ExtendedDesktopSize rects to send
        self._caps_sent = False
        self._ext_announced = False
        self._close_task: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------ ConsoleListener (any thread)
    def console_changed(self) -> None:
        """Wake the sender: the picture may have changed."""
        self._call_in_loop(self._wake.set)

    def console_resized(self, source: object | None) -> None:
        """Remember why the size changed (ExtendedDesktopSize reason: 0 server, 1 this client, 2 another)."""
        reason = 1 if source is self else 0 if source is None else 2
        self._call_in_loop(lambda: self._set_size_reason(reason))

    def console_closed(self, reason: str) -> None:
        """Close the WebSocket (the VM powered off)."""
        self._call_in_loop(lambda: self._close(reason))

    def _call_in_loop(self, callback: Callable[[], None]) -> None:
        if threading.get_ident() == self._loop_thread:
            callback()
        elif not self._loop.is_closed():
            self._loop.call_soon_threadsafe(callback)

    def _set_size_reason(self, reason: int) -> None:
        self._size_reason = reason
        self._wake.set()

    def _close(self, reason: str) -> None:
        logger.info("WebMKS session %s: closing (%s)", self._label, reason)
        if self._close_task is None:
            self._close_task = asyncio.ensure_future(self._connection.close(1000, reason))

    # ------------------------------------------------------------------ lifecycle
    async def run(self) -> None:
        """Serve the connection until either side closes it; never raises for client misbehaviour."""
        self._console.attach(self)
        tasks: list[asyncio.Task[None]] = []
        try:
            await self._handshake()
            tasks = [asyncio.create_task(self._receive_loop()), asyncio.create_task(self._send_loop())]
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()
        except RfbProtocolError as exc:
            logger.warning("WebMKS session %s: closing on malformed client data: %s", self._label, exc)
            await self._connection.close(CLOSE_PROTOCOL_ERROR, "RFB protocol error")
        except ConnectionClosed:
            pass
        except Exception:
            logger.exception("WebMKS session %s: internal error", self._label)
            await self._connection.close(CLOSE_INTERNAL_ERROR, "internal error")
        finally:
            self._console.detach(self)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if self._close_task is not None:
                await self._close_task

    async def _handshake(self) -> None:
        await self._connection.send(RFB_VERSION)
        version = await self._recv_exact(12)
        if version != RFB_VERSION:
            raise RfbProtocolError(f"unsupported client protocol version {version!r} (only RFB 003.008)")
        await self._connection.send(bytes([1, SECURITY_NONE]))
        (choice,) = await self._recv_exact(1)
        if choice != SECURITY_NONE:
            await self._connection.send(security_failed("security type not offered"))
            raise RfbProtocolError(f"client chose security type {choice}, only None (1) is offered")
        await self._connection.send(b"\0\0\0\0")
        await self._recv_exact(1)  # ClientInit: shared flag (every WebMKS session is shared)
        self._client_size = self._console.size
        await self._connection.send(server_init(*self._client_size, self._name))
        logger.info("WebMKS session %s: RFB handshake done", self._label)

    async def _recv_exact(self, count: int) -> bytes:
        while len(self._inbuf) < count:
            self._inbuf += self._binary(await self._connection.recv())
        data = bytes(self._inbuf[:count])
        del self._inbuf[:count]
        return data

    @staticmethod
    def _binary(message: str | bytes) -> bytes:
        if isinstance(message, str):
            raise RfbProtocolError("text WebSocket message (WebMKS carries RFB in binary messages only)")
        return message

    # ------------------------------------------------------------------ receiving
    async def _receive_loop(self) -> None:
        parser = ClientMessageParser()
        for message in parser.feed(bytes(self._inbuf)):
            self._apply(message)
        self._inbuf.clear()
        async for data in self._connection:
            for message in parser.feed(self._binary(data)):
                self._apply(message)

    def _apply(self, message: ClientMessage) -> None:
        console = self._console
        match message:
            case SetPixelFormat(pixel_format=pixel_format):
                try:
                    pixel_format.validate()
                except PixelFormatError as exc:
                    raise RfbProtocolError(f"SetPixelFormat: {exc}") from None
                self._pixel_format = pixel_format
                self._sent = None  # next update is a full frame in the new format
            case SetEncodings(encodings=encodings):
                self._set_encodings(frozenset(encodings))
            case FramebufferUpdateRequest(incremental=incremental):
                self._request = incremental if self._request is None else self._request and incremental
                self._wake.set()
            case KeyEvent(down=down, keysym=keysym):
                console.key_event(keysym, down)
            case PointerEvent(buttons=buttons, x=x, y=y):
                console.pointer_event(x, y, buttons)
            case ClientCutText(text=text):
                console.cut_text(text)
            case VMwareKeyEvent(scancode=scancode, down=down):
                console.scancode_event(scancode, down)
            case VMwareResolutionRequest(width=width, height=height):
                width = min(max(width, MIN_SIZE[0]), MAX_SIZE[0])
                height = min(max(height, MIN_SIZE[1]), MAX_SIZE[1])
                console.resize(width, height, source=self)
            case VMwareOther(subtype=subtype):
                logger.debug("WebMKS session %s: ignoring VMware message 127/%d", self._label, subtype)
            case SetDesktopSize(width=width, height=height, screens=screens):
                if screens < 1 or not (console.resize(width, height, source=self) or console.size == (width, height)):
                    self._ext_replies.append((1, STATUS_INVALID_LAYOUT))
                elif self._size_reason is None:  # size already current: confirm it
                    self._ext_replies.append((1, STATUS_OK))
                self._wake.set()

    def _set_encodings(self, encodings: frozenset[int]) -> None:
        self._encodings = encodings
        if ENCODING_VMWARE_SERVER_CAPS in encodings and not self._caps_sent:
            self._caps_sent = True
            self._outbox.append(vmware_server_caps())
            self._wake.set()
        if ENCODING_EXTENDED_DESKTOP_SIZE in encodings and not self._ext_announced:
            self._ext_announced = True  # announce support; noVNC then enables resizeSession (SetDesktopSize)
            self._ext_replies.append((0, STATUS_OK))

    # ------------------------------------------------------------------ sending (the only writer)
    async def _send_loop(self) -> None:
        while True:
            timeout = 1.0 - time.time() % 1.0 + 0.01  # wake at the next clock second
            try:
                async with asyncio.timeout(timeout):
                    await self._wake.wait()
            except TimeoutError:
                pass
            self._wake.clear()
            while self._outbox:
                await self._connection.send(self._outbox.popleft())
            if self._request is not None:
                update = self._build_update(incremental=self._request)
                if update is not None:
                    self._request = None
                    await self._connection.send(update)

    def _build_update(self, incremental: bool) -> bytes | None:
        image = self._console.frame()
        size = image.size
        rects: list[bytes] = []
        full = not incremental or self._sent is None or self._sent.size != size
        if size != self._client_size:
            reason = 0 if self._size_reason is None else self._size_reason
            if ENCODING_EXTENDED_DESKTOP_SIZE in self._encodings:
                rects.append(extended_desktop_size_rect(reason, STATUS_OK, *size))
            elif ENCODING_DESKTOP_SIZE in self._encodings:
                rects.append(desktop_size_rect(*size))
            self._client_size = size
            full = True
        self._size_reason = None
        rects.extend(extended_desktop_size_rect(reason, status, *size) for reason, status in self._ext_replies)
        self._ext_replies.clear()
        if full:
            box: tuple[int, int, int, int] | None = (0, 0, *size)
        elif self._sent is image:
            box = None
        else:
            assert self._sent is not None
            box = ImageChops.difference(self._sent, image).getbbox()
        if box is not None:
            rects.append(raw_rect(image, box, self._pixel_format))
        if not rects:
            return None
        self._sent = image
        return framebuffer_update(rects)
