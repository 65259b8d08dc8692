"""RFB 3.8 codec for the simulated ESXi WebMKS endpoint: client-message parser and server-message encoders.

Covers what ESXi's WebMKS speaks (docs/webmks.md §1, §5): the standard client messages, VMware's 127 messages
(127/0 scancode key event, 127/5 resolution request, others skipped by their length) and SetDesktopSize (251).
Everything here is pure (no I/O), so it is fuzzable and reusable by the session code in :mod:`.esxi_session`.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from PIL import Image

from .rfb_pixels import PixelFormat

RFB_VERSION = b"RFB 003.008\n"
SECURITY_NONE = 1

# Encodings (signed 32-bit values as listed by SetEncodings).
ENCODING_RAW = 0
ENCODING_DESKTOP_SIZE = -223
ENCODING_EXTENDED_DESKTOP_SIZE = -308
ENCODING_VMWARE_SERVER_CAPS = 0x574D567A

# VMware ServerCaps bits we advertise: 0x2 scancode KeyEvent (127/0), 0x80 RequestResolution (127/5).
VMWARE_CAP_KEY_EVENT = 0x2
VMWARE_CAP_REQUEST_RESOLUTION = 0x80
VMWARE_SERVER_CAPS = VMWARE_CAP_KEY_EVENT | VMWARE_CAP_REQUEST_RESOLUTION

VMWARE_UPDATE_ID = 1
"""Byte 1 of every FramebufferUpdate: VMware's update id (wmks echoes it; must be 1, webmks.md §1.3)."""

MAX_CUT_TEXT = 1 << 20
"""Largest ClientCutText accepted; anything longer is treated as a malformed message."""


class RfbProtocolError(Exception):
    """The client sent bytes that are not a valid RFB message (the session is closed)."""


# ------------------------------------------------------------------ client messages
@dataclass(frozen=True, slots=True)
class SetPixelFormat:
    """Client message 0: the pixel format the client wants for pixel data."""

    pixel_format: PixelFormat


@dataclass(frozen=True, slots=True)
class SetEncodings:
    """Client message 2: encodings and pseudo-encodings the client understands, in preference order."""

    encodings: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class FramebufferUpdateRequest:
    """Client message 3."""

    incremental: bool
    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class KeyEvent:
    """Client message 4: an X11 keysym pressed or released."""

    down: bool
    keysym: int


@dataclass(frozen=True, slots=True)
class PointerEvent:
    """Client message 5: pointer position and button mask."""

    buttons: int
    x: int
    y: int


@dataclass(frozen=True, slots=True)
class ClientCutText:
    """Client message 6: clipboard text (Latin-1); ``text`` is None for an extended-clipboard message."""

    text: str | None


@dataclass(frozen=True, slots=True)
class VMwareKeyEvent:
    """Client message 127/0: an XT set-1 scancode (+0x100 for E0 keys) pressed or released."""

    scancode: int
    down: bool


@dataclass(frozen=True, slots=True)
class VMwareResolutionRequest:
    """Client message 127/5: the client asks the guest for a new resolution."""

    width: int
    height: int


@dataclass(frozen=True, slots=True)
class VMwareOther:
    """Any other VMware 127 client message (skipped by its length)."""

    subtype: int


@dataclass(frozen=True, slots=True)
class SetDesktopSize:
    """Client message 251 (ExtendedDesktopSize): requested framebuffer size and screen count."""

    width: int
    height: int
    screens: int


ClientMessage = (
    SetPixelFormat
    | SetEncodings
    | FramebufferUpdateRequest
    | KeyEvent
    | PointerEvent
    | ClientCutText
    | VMwareKeyEvent
    | VMwareResolutionRequest
    | VMwareOther
    | SetDesktopSize
)


class ClientMessageParser:
    """Incremental parser: feed it bytes as they arrive (WS messages need not align with RFB messages)."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    @property
    def pending(self) -> int:
        """Number of buffered bytes that do not yet form a whole message."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[ClientMessage]:
        """Append ``data`` and return every complete message now available, in order.

        Raises :class:`RfbProtocolError` on an unknown message type or an invalid field.
        """
        self._buffer += data
        messages: list[ClientMessage] = []
        while self._buffer:
            parsed = _parse_one(self._buffer)
            if parsed is None:
                break
            message, consumed = parsed
            del self._buffer[:consumed]
            messages.append(message)
        return messages


def _parse_one(buf: bytearray) -> tuple[ClientMessage, int] | None:
    kind = buf[0]
    have = len(buf)
    if kind == 0:
        if have < 20:
            return None
        return SetPixelFormat(PixelFormat.unpack(bytes(buf[4:20]))), 20
    if kind == 2:
        if have < 4:
            return None
        (count,) = struct.unpack_from(">H", buf, 2)
        size = 4 + 4 * count
        if have < size:
            return None
        return SetEncodings(struct.unpack_from(f">{count}i", buf, 4)), size
    if kind == 3:
        if have < 10:
            return None
        incremental, x, y, w, h = struct.unpack_from(">BHHHH", buf, 1)
        return FramebufferUpdateRequest(bool(incremental), x, y, w, h), 10
    if kind == 4:
        if have < 8:
            return None
        down, keysym = struct.unpack_from(">B2xI", buf, 1)
        return KeyEvent(bool(down), keysym), 8
    if kind == 5:
        if have < 6:
            return None
        buttons, x, y = struct.unpack_from(">BHH", buf, 1)
        return PointerEvent(buttons, x, y), 6
    if kind == 6:
        return _parse_cut_text(buf)
    if kind == 127:
        return _parse_vmware(buf)
    if kind == 251:
        if have < 8:
            return None
        w, h, screens = struct.unpack_from(">HHB", buf, 2)
        size = 8 + 16 * screens
        if have < size:
            return None
        return SetDesktopSize(w, h, screens), size
    raise RfbProtocolError(f"unknown client message type {kind}")


def _parse_cut_text(buf: bytearray) -> tuple[ClientMessage, int] | None:
    if len(buf) < 8:
        return None
    (length,) = struct.unpack_from(">i", buf, 4)
    # A negative length is an extended-clipboard message (we never advertise it, but skip it cleanly).
    payload = abs(length)
    if payload > MAX_CUT_TEXT:
        raise RfbProtocolError(f"ClientCutText of {payload} bytes exceeds the {MAX_CUT_TEXT}-byte limit")
    if len(buf) < 8 + payload:
        return None
    text = None if length < 0 else bytes(buf[8 : 8 + payload]).decode("latin-1")
    return ClientCutText(text), 8 + payload


def _parse_vmware(buf: bytearray) -> tuple[ClientMessage, int] | None:
    if len(buf) < 4:
        return None
    subtype, length = struct.unpack_from(">BH", buf, 1)
    if length < 4:
        raise RfbProtocolError(f"VMware message 127/{subtype} with invalid length {length}")
    if subtype in (0, 5) and length < 8:
        raise RfbProtocolError(f"VMware message 127/{subtype} too short ({length} bytes, need 8)")
    if len(buf) < length:
        return None
    if subtype == 0:
        scancode, down = struct.unpack_from(">HB", buf, 4)
        return VMwareKeyEvent(scancode, bool(down)), length
    if subtype == 5:
        w, h = struct.unpack_from(">HH", buf, 4)
        return VMwareResolutionRequest(w, h), length
    return VMwareOther(subtype), length


# ------------------------------------------------------------------ server messages
def server_init(width: int, height: int, name: str) -> bytes:
    """ServerInit: size, ESXi's pixel format (32 bpp, depth 24, little-endian, R16 G8 B0) and the desktop name."""
    encoded = name.encode("utf-8")
    return (
        struct.pack(">HH", width, height)
        + PixelFormat.esxi_default().pack()
        + struct.pack(">I", len(encoded))
        + encoded
    )


def security_failed(reason: str) -> bytes:
    """SecurityResult "failed" (RFB 3.8) with a reason string."""
    encoded = reason.encode("utf-8")
    return struct.pack(">II", 1, len(encoded)) + encoded


def vmware_server_caps(caps: int = VMWARE_SERVER_CAPS) -> bytes:
    """VMware ServerCaps message ``7f 00 0008`` + u32 caps (sent only when the client asked, webmks.md §5.7)."""
    return struct.pack(">BBHI", 127, 0, 8, caps)


def framebuffer_update(rects: list[bytes]) -> bytes:
    """FramebufferUpdate header (update id in byte 1, webmks.md §1.3) followed by the encoded rectangles."""
    return struct.pack(">BBH", 0, VMWARE_UPDATE_ID, len(rects)) + b"".join(rects)


def raw_rect(image: Image.Image, box: tuple[int, int, int, int], pixel_format: PixelFormat) -> bytes:
    """A Raw rectangle of ``box`` (left, top, right, bottom) of ``image`` in ``pixel_format``."""
    left, top, right, bottom = box
    region = image if box == (0, 0, *image.size) else image.crop(box)
    header = struct.pack(">HHHHi", left, top, right - left, bottom - top, ENCODING_RAW)
    return header + pixel_format.encode(region)


def desktop_size_rect(width: int, height: int) -> bytes:
    """DesktopSize (-223) pseudo-rectangle announcing a new framebuffer size."""
    return struct.pack(">HHHHi", 0, 0, width, height, ENCODING_DESKTOP_SIZE)


def extended_desktop_size_rect(reason: int, status: int, width: int, height: int) -> bytes:
    """ExtendedDesktopSize (-308) pseudo-rectangle with one screen covering the framebuffer.

    ``reason``: 0 server-side change, 1 this client's request, 2 another client's request.
    ``status``: 0 ok, 1 prohibited, 2 out of resources, 3 invalid screen layout.
    """
    header = struct.pack(">HHHHi", reason, status, width, height, ENCODING_EXTENDED_DESKTOP_SIZE)
    return header + struct.pack(">BxxxIHHHHI", 1, 0, 0, 0, width, height, 0)
