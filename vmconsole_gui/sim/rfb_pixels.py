"""RFB PIXEL_FORMAT: parsing, validation and converting a Pillow RGB image into the client's pixel bytes.

Conversion never loops over pixels in Python: byte-aligned 32 bpp formats (ESXi's BGRX and noVNC's RGBX) map onto a
Pillow raw mode; any other true-colour format goes through Pillow channel lookups, ImageMath and ``array`` byteswaps.
"""

from __future__ import annotations

import struct
import sys
from array import array
from dataclasses import dataclass

from PIL import Image, ImageMath

_STRUCT = ">BBBBHHHBBBxxx"


class PixelFormatError(ValueError):
    """A PIXEL_FORMAT the simulator cannot serve (colour maps, odd bit depths, overlapping channels)."""


@dataclass(frozen=True, slots=True)
class PixelFormat:
    """The 16-byte RFB PIXEL_FORMAT structure."""

    bits_per_pixel: int
    depth: int
    big_endian: bool
    true_colour: bool
    red_max: int
    green_max: int
    blue_max: int
    red_shift: int
    green_shift: int
    blue_shift: int

    @classmethod
    def esxi_default(cls) -> PixelFormat:
        """ESXi's ServerInit format: 32 bpp, depth 24, little-endian, true-colour, R16 G8 B0 (bytes B,G,R,X)."""
        return cls(32, 24, False, True, 255, 255, 255, 16, 8, 0)

    @classmethod
    def unpack(cls, data: bytes) -> PixelFormat:
        """Parse the 16-byte structure (no validation; see :meth:`validate`)."""
        bpp, depth, big, true_colour, rmax, gmax, bmax, rs, gs, bs = struct.unpack(_STRUCT, data)
        return cls(bpp, depth, bool(big), bool(true_colour), rmax, gmax, bmax, rs, gs, bs)

    def pack(self) -> bytes:
        """Serialise to the 16-byte wire structure."""
        return struct.pack(
            _STRUCT,
            self.bits_per_pixel,
            self.depth,
            int(self.big_endian),
            int(self.true_colour),
            self.red_max,
            self.green_max,
            self.blue_max,
            self.red_shift,
            self.green_shift,
            self.blue_shift,
        )

    def validate(self) -> None:
        """Raise :class:`PixelFormatError` with a readable reason if this format cannot be served."""
        if not self.true_colour:
            raise PixelFormatError("colour-map (non true-colour) pixel formats are not supported")
        if self.bits_per_pixel not in (8, 16, 32):
            raise PixelFormatError(f"bits-per-pixel must be 8, 16 or 32, not {self.bits_per_pixel}")
        used = 0
        for name, maximum, shift in self._channels():
            if maximum < 1 or maximum > 255 or maximum & (maximum + 1):
                raise PixelFormatError(f"{name}-max must be 2^n - 1 between 1 and 255, not {maximum}")
            mask = maximum << shift
            if mask >= 1 << self.bits_per_pixel:
                raise PixelFormatError(f"{name} channel (shift {shift}) does not fit in {self.bits_per_pixel} bits")
            if used & mask:
                raise PixelFormatError("colour channels overlap")
            used |= mask

    def _channels(self) -> tuple[tuple[str, int, int], ...]:
        return (
            ("red", self.red_max, self.red_shift),
            ("green", self.green_max, self.green_shift),
            ("blue", self.blue_max, self.blue_shift),
        )

    def raw_mode(self) -> str | None:
        """The Pillow raw packer for byte-aligned 8-bit-per-channel 32 bpp formats, else None."""
        if self.bits_per_pixel != 32 or (self.red_max, self.green_max, self.blue_max) != (255, 255, 255):
            return None
        layout = ["X"] * 4
        for letter, shift in (("R", self.red_shift), ("G", self.green_shift), ("B", self.blue_shift)):
            if shift % 8:
                return None
            byte = shift // 8
            layout[3 - byte if self.big_endian else byte] = letter
        mode = "".join(layout)
        return mode if mode in ("RGBX", "BGRX", "XRGB", "XBGR") else None

    def encode(self, image: Image.Image) -> bytes:
        """Pixel bytes of an RGB ``image`` in this format, row by row (as a Raw rectangle carries them)."""
        mode = self.raw_mode()
        if mode is not None:
            return image.tobytes("raw", mode)
        return self._encode_generic(image)

    def _encode_generic(self, image: Image.Image) -> bytes:
        bands = []
        for band, (_name, maximum, _shift) in zip(image.split(), self._channels(), strict=True):
            scaled = band.point([value * maximum // 255 for value in range(256)])
            bands.append(scaled.convert("I"))
        packed = ImageMath.lambda_eval(
            lambda env: (env["r"] << self.red_shift) | (env["g"] << self.green_shift) | (env["b"] << self.blue_shift),
            r=bands[0],
            g=bands[1],
            b=bands[2],
        )
        assert isinstance(packed, Image.Image)
        if self.bits_per_pixel == 8:
            return packed.convert("L").tobytes()
        if self.bits_per_pixel == 16:
            words = array("H", packed.tobytes("raw", "I;16B"))  # big-endian 16-bit words
            if not self.big_endian:
                words.byteswap()
            return words.tobytes()
        native = array("I", packed.tobytes("raw", "I"))  # native-endian 32-bit words
        if self.big_endian != (sys.byteorder == "big"):
            native.byteswap()
        return native.tobytes()
