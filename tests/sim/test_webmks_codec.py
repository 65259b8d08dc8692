"""RFB codec of the simulated WebMKS endpoint: client-message parsing (split/merged input) and pixel formats."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from vmconsole_gui.sim import rfb
from vmconsole_gui.sim.rfb_pixels import PixelFormat, PixelFormatError

# ---------------------------------------------------------------------------------------------- parser
u16 = st.integers(0, 0xFFFF)
boolean = st.booleans()


def _pf_bytes(pf: PixelFormat) -> bytes:
    return b"\x00\x00\x00\x00" + pf.pack()


messages = st.one_of(
    st.builds(
        lambda d, k: (struct.pack(">BBxxI", 4, d, k), rfb.KeyEvent(bool(d), k)),
        st.integers(0, 1),
        st.integers(0, 2**32 - 1),
    ),
    st.builds(
        lambda b, x, y: (struct.pack(">BBHH", 5, b, x, y), rfb.PointerEvent(b, x, y)), st.integers(0, 255), u16, u16
    ),
    st.builds(
        lambda i, x, y, w, h: (
            struct.pack(">BBHHHH", 3, i, x, y, w, h),
            rfb.FramebufferUpdateRequest(bool(i), x, y, w, h),
        ),
        st.integers(0, 1),
        u16,
        u16,
        u16,
        u16,
    ),
    st.builds(
        lambda encs: (struct.pack(f">BxH{len(encs)}i", 2, len(encs), *encs), rfb.SetEncodings(tuple(encs))),
        st.lists(st.integers(-(2**31), 2**31 - 1), max_size=20),
    ),
    st.builds(
        lambda text: (struct.pack(">Bxxxi", 6, len(text)) + text.encode("latin-1"), rfb.ClientCutText(text)),
        st.text(st.characters(max_codepoint=255), max_size=40),
    ),
    st.builds(
        lambda s, d: (struct.pack(">BBHHBx", 127, 0, 8, s, d), rfb.VMwareKeyEvent(s, bool(d))), u16, st.integers(0, 1)
    ),
    st.builds(lambda w, h: (struct.pack(">BBHHH", 127, 5, 8, w, h), rfb.VMwareResolutionRequest(w, h)), u16, u16),
    st.builds(lambda n: (struct.pack(">BBH", 127, 2, 4 + n) + bytes(n), rfb.VMwareOther(2)), st.integers(0, 30)),
    st.builds(
        lambda w, h, n: (struct.pack(">BxHHBx", 251, w, h, n) + bytes(16 * n), rfb.SetDesktopSize(w, h, n)),
        u16,
        u16,
        st.integers(0, 3),
    ),
    st.just((_pf_bytes(PixelFormat(32, 24, False, True, 255, 255, 255, 0, 8, 16)), None)),
)


@given(st.lists(messages, max_size=25), st.lists(st.integers(1, 40), max_size=60))
def test_parser_gives_the_same_messages_however_the_stream_is_split(items, cuts) -> None:
    stream = b"".join(data for data, _ in items)
    expected = [message for _, message in items]
    parser = rfb.ClientMessageParser()
    parsed: list[rfb.ClientMessage] = []
    position = 0
    for cut in cuts:
        parsed += parser.feed(stream[position : position + cut])
        position += cut
    parsed += parser.feed(stream[position:])
    assert parser.pending == 0
    for got, want in zip(parsed, expected, strict=True):
        if want is None:
            assert isinstance(got, rfb.SetPixelFormat)
            assert got.pixel_format.raw_mode() == "RGBX"
        else:
            assert got == want


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"\x99", "unknown client message type 153"),
        (struct.pack(">BBH", 127, 9, 2), "invalid length 2"),
        (struct.pack(">BBH", 127, 0, 6) + b"\0\0", "too short"),
        (struct.pack(">Bxxxi", 6, 2**24), "exceeds"),
    ],
)
def test_parser_rejects_malformed_messages(data: bytes, error: str) -> None:
    with pytest.raises(rfb.RfbProtocolError, match=error):
        rfb.ClientMessageParser().feed(data)


def test_parser_waits_for_the_rest_of_a_message() -> None:
    parser = rfb.ClientMessageParser()
    assert parser.feed(b"\x04\x01\x00") == []
    assert parser.pending == 3
    assert parser.feed(b"\x00\x00\x00\x00\x61\x05") == [rfb.KeyEvent(True, 0x61)]
    assert parser.pending == 1


# ---------------------------------------------------------------------------------------------- server messages
def test_server_init_and_vmware_messages_bytes() -> None:
    data = rfb.server_init(1024, 768, "web-01")
    assert data[:4] == bytes.fromhex("04000300")
    assert data[4:20] == bytes([32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0])
    assert data[20:] == struct.pack(">I", 6) + b"web-01"
    assert rfb.vmware_server_caps() == bytes.fromhex("7f00000800000082")
    assert rfb.framebuffer_update([])[:2] == b"\x00\x01"  # VMware update id = 1
    ext = rfb.extended_desktop_size_rect(1, 0, 800, 600)
    assert ext == struct.pack(">HHHHi", 1, 0, 800, 600, -308) + struct.pack(">BxxxIHHHHI", 1, 0, 0, 0, 800, 600, 0)


# ---------------------------------------------------------------------------------------------- pixel formats
COLOURS = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (18, 52, 86), (255, 255, 255), (0, 0, 0)]


def _image() -> Image.Image:
    image = Image.new("RGB", (len(COLOURS), 1))
    image.putdata(COLOURS)
    return image


def _expected(pf: PixelFormat) -> bytes:
    """Reference encoder, one pixel at a time (what RFB specifies)."""
    out = b""
    for r, g, b in COLOURS:
        value = (
            (r * pf.red_max // 255) << pf.red_shift
            | (g * pf.green_max // 255) << pf.green_shift
            | (b * pf.blue_max // 255) << pf.blue_shift
        )
        out += value.to_bytes(pf.bits_per_pixel // 8, "big" if pf.big_endian else "little")
    return out


@pytest.mark.parametrize(
    "pf",
    [
        PixelFormat.esxi_default(),
        PixelFormat(32, 24, False, True, 255, 255, 255, 0, 8, 16),  # noVNC RGBX
        PixelFormat(32, 24, True, True, 255, 255, 255, 16, 8, 0),  # big-endian
        PixelFormat(32, 24, False, True, 255, 255, 255, 2, 10, 20),  # unaligned: generic path
        PixelFormat(16, 16, False, True, 31, 63, 31, 11, 5, 0),  # RGB565
        PixelFormat(16, 15, True, True, 31, 31, 31, 10, 5, 0),  # RGB555 big-endian
        PixelFormat(8, 8, False, True, 7, 7, 3, 0, 3, 6),  # BGR233
    ],
)
def test_pixel_formats_encode_like_the_rfb_definition(pf: PixelFormat) -> None:
    pf.validate()
    encoded = pf.encode(_image())
    expected = _expected(pf)
    assert len(encoded) == len(expected)
    size = pf.bits_per_pixel // 8
    used = (pf.red_max << pf.red_shift | pf.green_max << pf.green_shift | pf.blue_max << pf.blue_shift).to_bytes(
        size, "big" if pf.big_endian else "little"
    )
    for index in range(len(encoded)):  # padding bits are free (Pillow fills RGBX's X with 0xff)
        assert encoded[index] & used[index % size] == expected[index], f"byte {index}"


@pytest.mark.parametrize(
    ("pf", "message"),
    [
        (PixelFormat(32, 24, False, False, 255, 255, 255, 16, 8, 0), "colour-map"),
        (PixelFormat(24, 24, False, True, 255, 255, 255, 16, 8, 0), "bits-per-pixel"),
        (PixelFormat(32, 24, False, True, 255, 255, 255, 8, 8, 0), "overlap"),
        (PixelFormat(16, 16, False, True, 255, 63, 31, 11, 5, 0), "does not fit"),
        (PixelFormat(32, 24, False, True, 100, 255, 255, 16, 8, 0), r"2\^n - 1"),
    ],
)
def test_unservable_pixel_formats_are_refused_with_a_reason(pf: PixelFormat, message: str) -> None:
    with pytest.raises(PixelFormatError, match=message):
        pf.validate()
