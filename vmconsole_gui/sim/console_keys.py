r"""Keyboard model of the simulated console: X11 keysyms and VMware XT scancodes (US layout) to typed characters.

Both input paths produce the same text: printable characters, ``"\\n"`` for Return, ``"\\t"`` for Tab and
:data:`BACKSPACE` for BackSpace. Ctrl+Alt+Del is detected from either path (keysyms 0xffe3/0xffe9/0xffff, scancodes
29/56/339 — webmks.md §1.4; the keypad Delete and the right-hand Ctrl/Alt count too).
"""

from __future__ import annotations

BACKSPACE = "\b"
"""Pseudo-character meaning "delete the last typed character"."""

# ------------------------------------------------------------------ keysyms (X11)
KEYSYM_BACKSPACE = 0xFF08
KEYSYM_TAB = 0xFF09
KEYSYM_RETURN = 0xFF0D
KEYSYM_KP_ENTER = 0xFF8D
KEYSYM_DELETE = 0xFFFF
KEYSYM_KP_DELETE = 0xFF9F
KEYSYM_CONTROL = frozenset({0xFFE3, 0xFFE4})  # Control_L, Control_R
KEYSYM_ALT = frozenset({0xFFE9, 0xFFEA})  # Alt_L, Alt_R
KEYSYM_DELETES = frozenset({KEYSYM_DELETE, KEYSYM_KP_DELETE})

_KEYSYM_SPECIAL = {
    KEYSYM_BACKSPACE: BACKSPACE,
    KEYSYM_TAB: "\t",
    KEYSYM_RETURN: "\n",
    KEYSYM_KP_ENTER: "\n",
    0xFFAA: "*",  # KP_Multiply
    0xFFAB: "+",  # KP_Add
    0xFFAD: "-",  # KP_Subtract
    0xFFAE: ".",  # KP_Decimal
    0xFFAF: "/",  # KP_Divide
    0xFF80: " ",  # KP_Space
    **{0xFFB0 + digit: str(digit) for digit in range(10)},  # KP_0 .. KP_9
}


def keysym_to_input(keysym: int) -> str | None:
    """The character a keysym types (or :data:`BACKSPACE`), None for keys that type nothing."""
    if 0x20 <= keysym <= 0x7E or 0xA0 <= keysym <= 0xFF:
        return chr(keysym)  # Latin-1 keysyms equal their code points
    if 0x01000000 <= keysym <= 0x0110FFFF:  # Unicode keysyms
        char = chr(keysym - 0x01000000)
        return char if char.isprintable() else None
    return _KEYSYM_SPECIAL.get(keysym)


# ------------------------------------------------------------------ scancodes (XT set 1, +0x100 for E0)
SCANCODE_LEFT_SHIFT = 42
SCANCODE_RIGHT_SHIFT = 54
SCANCODE_CAPS_LOCK = 58
SCANCODE_SHIFT = frozenset({SCANCODE_LEFT_SHIFT, SCANCODE_RIGHT_SHIFT})
SCANCODE_CONTROL = frozenset({29, 0x11D})  # left Ctrl, right Ctrl (E0 1D)
SCANCODE_ALT = frozenset({56, 0x138})  # left Alt, right Alt (E0 38)
SCANCODE_DELETES = frozenset({0x153, 0x53})  # Delete (E0 53 = 339), keypad Del/.
SCANCODE_BACKSPACE = 14

_ROWS = (
    (2, "1234567890-=", "!@#$%^&*()_+"),
    (16, "qwertyuiop[]", "QWERTYUIOP{}"),
    (30, "asdfghjkl;'`", 'ASDFGHJKL:"~'),
    (43, "\\zxcvbnm,./", "|ZXCVBNM<>?"),
)
_SCANCODE_CHARS: dict[int, tuple[str, str]] = {
    first + offset: (plain, shifted)
    for first, plains, shifteds in _ROWS
    for offset, (plain, shifted) in enumerate(zip(plains, shifteds, strict=True))
}
_SCANCODE_CHARS.update(
    {
        SCANCODE_BACKSPACE: (BACKSPACE, BACKSPACE),
        15: ("\t", "\t"),
        28: ("\n", "\n"),  # Enter
        0x11C: ("\n", "\n"),  # keypad Enter (E0 1C)
        57: (" ", " "),
        55: ("*", "*"),  # keypad *
        74: ("-", "-"),  # keypad -
        78: ("+", "+"),  # keypad +
        0x135: ("/", "/"),  # keypad / (E0 35)
        **{
            code: (char, char)
            for code, char in zip((71, 72, 73, 75, 76, 77, 79, 80, 81, 82), "7894561230", strict=True)
        },
        0x53: (".", "."),  # keypad . (num lock assumed on)
    }
)


def scancode_to_input(scancode: int, shift: bool, caps_lock: bool) -> str | None:
    """The character a US-layout scancode types given the Shift / Caps Lock state, None if it types nothing."""
    chars = _SCANCODE_CHARS.get(scancode)
    if chars is None:
        return None
    plain, shifted = chars
    use_shift = shift != caps_lock if plain.isalpha() else shift
    return shifted if use_shift else plain


SCANCODE_FOR_CHAR: dict[str, tuple[int, bool]] = {
    char: (code, index == 1)
    for code, pair in sorted(_SCANCODE_CHARS.items(), reverse=True)
    for index, char in enumerate(pair)
    if char != BACKSPACE and (index == 0 or char != pair[0])
}
"""Reverse map for tests and demos: character -> (scancode, needs Shift). Main-block keys win over the keypad."""
