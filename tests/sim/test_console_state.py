"""The simulated VM console: documented screen layout, keyboard mapping, per-VM state, thread-safe test helpers."""

from __future__ import annotations

import threading

import pytest

from vmconsole_gui.sim import console_screen as screen
from vmconsole_gui.sim.console import ConsoleRegistry, VmConsole
from vmconsole_gui.sim.console_keys import SCANCODE_FOR_CHAR, keysym_to_input, scancode_to_input

EPOCH = 1_700_000_000.0


def make_registry(clock: list[float] | None = None) -> ConsoleRegistry:
    now = clock or [EPOCH]
    return ConsoleRegistry({"vm-1": "web-01"}.get, lambda vm: True, clock=lambda: now[0])


def type_keysyms(console: VmConsole, *keysyms: int) -> None:
    for keysym in keysyms:
        console.key_event(keysym, True)
        console.key_event(keysym, False)


def type_scancodes(console: VmConsole, text: str) -> None:
    for char in text:
        code, shift = SCANCODE_FOR_CHAR[char]
        if shift:
            console.scancode_event(42, True)
        console.scancode_event(code, True)
        console.scancode_event(code, False)
        if shift:
            console.scancode_event(42, False)


# ---------------------------------------------------------------------------------------------- layout
@pytest.mark.parametrize("size", [screen.DEFAULT_SIZE, screen.MIN_SIZE, (1920, 1080)])
def test_probe_points_show_the_documented_colours(size: tuple[int, int]) -> None:
    console = make_registry().console("vm-1")
    console.resize(*size)
    type_keysyms(console, *b"some text that is typed " * 30)
    image = console.frame()
    assert image.size == size
    for name, (point, colour) in screen.probe_points(*size).items():
        assert image.getpixel(point) == colour, name


def test_ctrl_alt_del_marker_and_clock_box() -> None:
    clock = [EPOCH]
    console = make_registry(clock).console("vm-1")
    before = console.frame()
    for keysym in (0xFFE4, 0xFFEA, 0xFF9F):  # right Control, right Alt, keypad Delete
        console.key_event(keysym, True)
    image = console.frame()
    for name, (point, colour) in screen.probe_points(1024, 768, ctrl_alt_del=True).items():
        assert image.getpixel(point) == colour, name
    assert console.ctrl_alt_del_count == 1
    assert before.getpixel((4, 764)) == screen.STATUS_BG

    assert console.frame() is image  # nothing changed: no re-render
    clock[0] += 1
    ticked = console.frame()
    assert ticked is not image
    diff = [
        (x, y) for x in range(0, 1024, 4) for y in range(0, 768, 4) if ticked.getpixel((x, y)) != image.getpixel((x, y))
    ]
    assert diff
    assert all(x >= 1024 - screen.CLOCK_WIDTH and y < screen.TITLE_HEIGHT for x, y in diff)


def test_long_text_wraps_and_scrolls_inside_the_text_area() -> None:
    console = make_registry().console("vm-1")
    type_keysyms(console, *(b"line of typed text " * 12 + b"\r") * 60)  # \r is not printable: typed as nothing
    type_keysyms(console, 0xFF0D, *b"LAST")
    image = console.frame()
    left, top, right, bottom = screen.text_area(1024, 768)
    outside = [
        (x, y)
        for x in range(screen.TEXT_MARGIN // 2, 1024 - 8, 7)
        for y in range(screen.TITLE_HEIGHT, 768 - screen.STATUS_HEIGHT, 5)
        if not (left <= x < right and top <= y < bottom + 8)
    ]
    assert all(image.getpixel(point) == screen.BODY_BG for point in outside)
    last_rows = image.crop((left, bottom - 3 * screen.TEXT_LINE_HEIGHT, right, bottom))
    assert last_rows.getcolors(1 << 16) is not None
    assert any(colour != screen.BODY_BG for _, colour in last_rows.getcolors(1 << 16))  # newest text is visible


# ---------------------------------------------------------------------------------------------- keyboard
def test_keysyms_map_to_text() -> None:
    assert [keysym_to_input(k) for k in (0x61, 0x41, 0x20, 0xE9, 0xFF0D, 0xFF08, 0xFFB7, 0x010020AC)] == [
        "a",
        "A",
        " ",
        "é",
        "\n",
        "\b",
        "7",
        "€",
    ]
    assert keysym_to_input(0xFFE1) is None  # Shift_L types nothing


def test_scancodes_map_to_us_layout_text() -> None:
    assert scancode_to_input(30, shift=False, caps_lock=False) == "a"
    assert scancode_to_input(30, shift=True, caps_lock=False) == "A"
    assert scancode_to_input(30, shift=True, caps_lock=True) == "a"
    assert scancode_to_input(2, shift=True, caps_lock=True) == "!"
    assert scancode_to_input(0x11C, shift=False, caps_lock=False) == "\n"
    assert scancode_to_input(0x1D, shift=False, caps_lock=False) is None


def test_both_key_paths_type_the_same_text() -> None:
    registry = make_registry()
    console = registry.console("vm-1")
    text = "Hello, World! 1+1=2 ~/path_x\n"
    type_scancodes(console, text)
    assert console.typed_text == text
    type_keysyms(console, 0xFF08, 0xFF08, *b"ok")
    assert registry.typed_text("vm-1") == text[:-2] + "ok"


def test_modified_keys_do_not_type_and_cad_needs_ctrl_and_alt() -> None:
    console = make_registry().console("vm-1")
    console.key_event(0xFFE3, True)
    type_keysyms(console, ord("c"), 0xFFFF)  # Ctrl+C, Ctrl+Del: no text, no CAD
    console.key_event(0xFFE3, False)
    console.scancode_event(56, True)
    console.scancode_event(0x153, True)  # Alt+Del only
    console.scancode_event(56, False)
    assert console.typed_text == ""
    assert console.ctrl_alt_del_count == 0
    console.scancode_event(0x11D, True)  # right Ctrl
    console.scancode_event(0x138, True)  # right Alt
    console.scancode_event(0x153, True)
    assert console.ctrl_alt_del_count == 1
    assert [e.kind for e in console.events()][-2:] == ["scancode", "ctrl-alt-del"]


# ---------------------------------------------------------------------------------------------- state
def test_resize_bounds_and_power_cycle() -> None:
    registry = make_registry()
    console = registry.console("vm-1")
    assert console.size == (1024, 768)
    assert not console.resize(100, 100)
    assert not console.resize(1024, 768)  # unchanged
    assert console.resize(800, 600)
    type_keysyms(console, *b"x")
    registry.power_changed("vm-1", False)
    assert console.typed_text == "x"  # readable after power-off
    registry.power_changed("vm-1", True)
    assert (console.typed_text, console.size) == ("", (1024, 768))
    assert [e.kind for e in registry.events("vm-1") if e.kind in ("resize", "power")] == ["resize", "power", "power"]
    assert registry.console("vm-1") is console


def test_wait_for_from_another_thread() -> None:
    registry = make_registry()
    console = registry.console("vm-1")
    assert not registry.wait_for("vm-1", lambda c: c.typed_text == "go", timeout=0.05)
    typer = threading.Timer(0.05, lambda: type_keysyms(console, *b"go"))
    typer.start()
    try:
        assert registry.wait_for("vm-1", lambda c: c.typed_text == "go", timeout=5)
    finally:
        typer.join()
