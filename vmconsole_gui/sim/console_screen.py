"""Drawing of the simulated VM console (Pillow). The layout and colours are a contract for pixel tests.

Layout for a ``W`` x ``H`` framebuffer (default 1024 x 768); every band is a solid colour except where text is drawn::

    y in [0, TITLE_HEIGHT)               title bar, TITLE_BG, VM name in TITLE_FG at x = 12
      x in [W - CLOCK_WIDTH, W)          clock box, CLOCK_BG, live "HH:MM:SS" (local time) in TITLE_FG
    y in [TITLE_HEIGHT, H - STATUS_HEIGHT)  body, BODY_BG; typed text in BODY_FG inside text_area() followed by a
                                            caret "_"; wraps, and scrolls so the last lines stay visible
    y in [H - STATUS_HEIGHT, H)          status bar, STATUS_BG ("W x H  pointer X,Y") or, once Ctrl+Alt+Del was
                                         received, STATUS_CAD_BG with "Ctrl+Alt+Del received (n)"
      x in [W - 4 * SWATCH_WIDTH, W)     four calibration swatches: SWATCH_COLOURS (red, green, blue, white)

:func:`probe_points` names pixels that are never covered by text, with the colour each must show; pixel tests of any
client (Python, noVNC, wmks) compare against them to catch channel-order bugs (R and B differ in every band colour).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

RGB = tuple[int, int, int]

DEFAULT_SIZE = (1024, 768)
MIN_SIZE = (320, 240)
MAX_SIZE = (3840, 2400)

TITLE_HEIGHT = 40
CLOCK_WIDTH = 120
STATUS_HEIGHT = 32
SWATCH_WIDTH = 32
TEXT_MARGIN = 16

TITLE_BG: RGB = (0x1F, 0x4E, 0x79)
TITLE_FG: RGB = (0xFF, 0xFF, 0xFF)
CLOCK_BG: RGB = (0x6A, 0x1B, 0x9A)
BODY_BG: RGB = (0xF5, 0xEB, 0xD0)
BODY_FG: RGB = (0x20, 0x20, 0x20)
STATUS_BG: RGB = (0x2E, 0x7D, 0x32)
STATUS_CAD_BG: RGB = (0xC6, 0x28, 0x28)
STATUS_FG: RGB = (0xFF, 0xFF, 0xFF)
SWATCH_COLOURS: tuple[RGB, RGB, RGB, RGB] = ((255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255))

TITLE_FONT_SIZE = 22
CLOCK_FONT_SIZE = 20
TEXT_FONT_SIZE = 18
TEXT_LINE_HEIGHT = 24
STATUS_FONT_SIZE = 16


@dataclass(frozen=True, slots=True)
class ScreenState:
    """Everything the picture depends on; equal states render identical pixels."""

    width: int
    height: int
    vm_name: str
    clock_text: str
    typed_text: str
    ctrl_alt_del_count: int
    pointer: tuple[int, int]


def clock_text(epoch_seconds: float) -> str:
    """The clock as shown on screen: local ``HH:MM:SS``."""
    return time.strftime("%H:%M:%S", time.localtime(epoch_seconds))


def text_area(width: int, height: int) -> tuple[int, int, int, int]:
    """Box (left, top, right, bottom) where typed text is drawn; compare it before/after typing."""
    return (TEXT_MARGIN, TITLE_HEIGHT + 8, width - TEXT_MARGIN, height - STATUS_HEIGHT - 8)


def probe_points(width: int, height: int, *, ctrl_alt_del: bool = False) -> dict[str, tuple[tuple[int, int], RGB]]:
    """Named pixels never covered by text -> ((x, y), expected RGB) for a ``width`` x ``height`` frame."""
    status = STATUS_CAD_BG if ctrl_alt_del else STATUS_BG
    swatch_left = width - 4 * SWATCH_WIDTH
    swatch_y = height - STATUS_HEIGHT // 2
    points: dict[str, tuple[tuple[int, int], RGB]] = {
        "title": ((4, 4), TITLE_BG),
        "clock": ((width - CLOCK_WIDTH + 3, 3), CLOCK_BG),
        "body": ((width - 6, TITLE_HEIGHT + 4), BODY_BG),
        "body_bottom_left": ((4, height - STATUS_HEIGHT - 4), BODY_BG),
        "status": ((4, height - 4), status),
    }
    for index, name in enumerate(("red", "green", "blue", "white")):
        points[f"swatch_{name}"] = (
            (swatch_left + index * SWATCH_WIDTH + SWATCH_WIDTH // 2, swatch_y),
            SWATCH_COLOURS[index],
        )
    return points


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def render(state: ScreenState) -> Image.Image:
    """Draw ``state`` into a new RGB image (never mutated afterwards, so callers may keep and diff it)."""
    width, height = state.width, state.height
    image = Image.new("RGB", (width, height), BODY_BG)
    draw = ImageDraw.Draw(image)

    draw.rectangle((0, 0, width - 1, TITLE_HEIGHT - 1), fill=TITLE_BG)
    clock_left = width - CLOCK_WIDTH
    title_font = _font(TITLE_FONT_SIZE)
    draw.text(
        (12, TITLE_HEIGHT // 2),
        _fit(state.vm_name, title_font, clock_left - 24),
        fill=TITLE_FG,
        font=title_font,
        anchor="lm",
    )
    draw.rectangle((clock_left, 0, width - 1, TITLE_HEIGHT - 1), fill=CLOCK_BG)
    draw.text(
        (clock_left + CLOCK_WIDTH // 2, TITLE_HEIGHT // 2),
        state.clock_text,
        fill=TITLE_FG,
        font=_font(CLOCK_FONT_SIZE),
        anchor="mm",
    )

    _draw_text_area(draw, state)

    status_top = height - STATUS_HEIGHT
    swatch_left = width - 4 * SWATCH_WIDTH
    if state.ctrl_alt_del_count:
        status_bg, status = STATUS_CAD_BG, f"Ctrl+Alt+Del received ({state.ctrl_alt_del_count})"
    else:
        status_bg, status = STATUS_BG, f"{width} x {height}   pointer {state.pointer[0]},{state.pointer[1]}"
    draw.rectangle((0, status_top, width - 1, height - 1), fill=status_bg)
    status_font = _font(STATUS_FONT_SIZE)
    draw.text(
        (12, status_top + STATUS_HEIGHT // 2),
        _fit(status, status_font, swatch_left - 24),
        fill=STATUS_FG,
        font=status_font,
        anchor="lm",
    )
    for index, colour in enumerate(SWATCH_COLOURS):
        left = swatch_left + index * SWATCH_WIDTH
        draw.rectangle((left, status_top, left + SWATCH_WIDTH - 1, height - 1), fill=colour)
    return image


def _draw_text_area(draw: ImageDraw.ImageDraw, state: ScreenState) -> None:
    left, top, right, bottom = text_area(state.width, state.height)
    font = _font(TEXT_FONT_SIZE)
    visible = max(1, (bottom - top) // TEXT_LINE_HEIGHT)
    lines = _wrap_tail(state.typed_text.replace("\t", "    ") + "_", font, right - left, visible)
    for row, line in enumerate(lines):
        mask = _line_mask(line, right - left)
        draw.bitmap((left, top + row * TEXT_LINE_HEIGHT), mask, fill=BODY_FG)


@lru_cache(maxsize=1024)
def _line_mask(line: str, width: int) -> Image.Image:
    """One text line as an "L" mask; cached, so a keystroke re-rasterises only the line it changed."""
    mask = Image.new("L", (width, TEXT_LINE_HEIGHT), 0)
    ImageDraw.Draw(mask).text((0, 0), line, fill=255, font=_font(TEXT_FONT_SIZE))
    return mask


def _wrap_tail(text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, max_width: int, count: int) -> list[str]:
    """The last ``count`` lines of ``text`` split at newlines and broken (at any character) to fit ``max_width``."""
    lines: list[str] = []
    for paragraph in reversed(text.split("\n")):
        wrapped: list[str] = []
        current, used = "", 0.0
        for char in paragraph:
            advance = _char_width(font, char)
            if current and used + advance > max_width:
                wrapped.append(current)
                current, used = "", 0.0
            current += char
            used += advance
        wrapped.append(current)
        lines[:0] = wrapped
        if len(lines) >= count:
            break
    return lines[-count:]


@lru_cache(maxsize=4096)
def _char_width(font: ImageFont.FreeTypeFont | ImageFont.ImageFont, char: str) -> float:
    return float(font.getlength(char))


def _fit(text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, max_width: int) -> str:
    """``text`` shortened with "..." so it fits ``max_width`` pixels."""
    if font.getlength(text) <= max_width:
        return text
    while text and font.getlength(text + "...") > max_width:
        text = text[:-1]
    return text + "..."
