r"""How text from a server (or any outside source) is shown: bounded, without invisible tricks, never markup.

A vCenter decides VM, folder, host, cluster and datacenter names, guest OS strings, IP addresses, error messages and
certificate fields. Shown raw, such a string can spoof the UI: U+202E (RIGHT-TO-LEFT OVERRIDE) makes
``web\u202e10-bd`` read ``webdb-01``, NUL, newlines and tabs split or fake rows and shortcut columns,
zero-width characters make two different names look the same, and a 1 MB message buries a dialog.

The rules, applied by the functions below (pure Python, no Qt, so the services and the UI share them):

* **Bounded**: every kind of text has a length limit (:data:`LIMITS`); longer text is cut and ends in "…".
* **Clean**: C0/C1 control characters become a space (a line break is kept only in multi-line messages); bidi
  controls (U+202A-U+202E, U+2066-U+2069, U+200E/F, U+061C) and every other invisible format character (zero-width
  space, BOM, soft hyphen, tag characters…) are removed; a zero-width (non-)joiner survives only alone between two
  visible characters (emoji sequences keep working); runs of combining marks are capped ("Zalgo" text);
  invisible fillers (Hangul fillers, Khmer inherent vowels), lone surrogates and non-characters are dropped or
  replaced with U+FFFD; unusual spaces become a plain space.
* **Escaped** where identity matters (:func:`escaped`: a host name or certificate field the person must judge):
  each such character is shown as ``\u202e`` instead of being removed, so "not a normal name" stays visible.
* **Literal**: helpers for the places Qt would otherwise interpret the text: :func:`tooltip` (Qt renders anything
  that looks like HTML as rich text), :func:`menu_label` (``&`` makes a keyboard mnemonic), :func:`window_title`
  (``[*]`` is the "modified" placeholder), :func:`notification` (desktop notification servers read markup).

Most names are plain ASCII: they are checked with two C-speed string methods and returned as they are, so cleaning
50,000 VM rows costs a few milliseconds.
"""

from __future__ import annotations

import html
import re
import sys
import unicodedata
from collections.abc import Callable, Iterable
from typing import Final, TypeVar

_T = TypeVar("_T")

__all__ = [
    "ELLIPSIS",
    "LIMITS",
    "bounded_list",
    "clean",
    "escaped",
    "guest_os",
    "host_name",
    "ip_address",
    "is_plain",
    "line",
    "menu_label",
    "message",
    "name",
    "notification",
    "number",
    "path",
    "tooltip",
    "window_title",
]

ELLIPSIS: Final = "…"

LIMITS: Final = {
    "name": 200,
    "path": 1000,
    "host": 255,
    "ip": 200,
    "guest_os": 200,
    "line": 500,
    "message": 2000,
    "title": 300,
    "identity": 1000,
}
"""Characters shown at most per kind: names (vSphere allows 80), folder paths, DNS names (253), IP address lists,
guest OS names, one-line texts (status bar), messages (dialogs), window titles, certificate fields."""

MESSAGE_LINES: Final = 40
"""Lines a multi-line message keeps (a longer one ends in a line "…")."""

MARKS_PER_CHARACTER: Final = 8
"""Combining marks kept after one base character (real scripts need a few; "Zalgo" text stacks dozens)."""

_JOINERS: Final = frozenset("\u200c\u200d")
_FILLERS: Final = frozenset("\u115f\u1160\u3164\uffa0\u17b4\u17b5\ufffc")
"""Characters that are "printable" but draw nothing (or an object placeholder): dropped like format characters."""

# Printable text can still hide fillers or long runs of combining marks (the common combining blocks). Any one of
# those characters is looked for first (a single character class scans fast); only then the runs.
_FILLER_CLASS = "\u115f\u1160\u3164\uffa0\u17b4\u17b5\ufffc"
_MARK_CLASS = (
    "\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u1ab0-\u1aff\u1dc0-\u1dff"
    "\u20d0-\u20ff\ufe20-\ufe2f"
)
_MAYBE_SUSPECT: Final = re.compile(f"[{_FILLER_CLASS}{_MARK_CLASS}]")
_PRINTABLE_SUSPECTS: Final = re.compile(f"[{_FILLER_CLASS}]|[{_MARK_CLASS}]{{{MARKS_PER_CHARACTER + 1},}}")
_DANGLING_JOINERS: Final = re.compile(r"^[\u200c\u200d]+|(?<=\s)[\u200c\u200d]+|[\u200c\u200d]+(?=[\s\u200c\u200d]|$)")


def _text(value: object) -> str:
    """``value`` as a string; None is empty, and a number too big to print becomes "…"."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    try:
        return str(value)
    except ValueError:  # an int with more digits than Python agrees to print
        return ELLIPSIS


def _is_noncharacter(code: int) -> bool:
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def _kind_of(char: str) -> str:
    """What the rules do with one character: "keep", "space", "newline", "drop", "joiner", "mark" or "replace"."""
    if char in _FILLERS:
        return "drop"
    category = unicodedata.category(char)
    major = category[0]
    if major == "M":
        return "mark"
    if char in "\n\r\u2028\u2029\x85":
        return "newline"
    if category == "Cc" or (major == "Z" and char != " "):
        return "space"
    if category == "Cf":
        return "joiner" if char in _JOINERS else "drop"
    if category == "Cs" or (category == "Cn" and _is_noncharacter(ord(char))):
        return "replace"
    return "keep"


def _scrub(text: str, *, multiline: bool, show: Callable[[str], str] | None) -> str:
    """Apply the character rules; ``show`` (identity mode) turns each offending character into visible text."""
    out: list[str] = []
    marks = 0
    previous_cr = False
    for char in text:
        what = _kind_of(char)
        if what == "mark":
            marks += 1
            if marks <= MARKS_PER_CHARACTER:
                out.append(char)
            elif show is not None:
                out.append(show(char))
            previous_cr = False
            continue
        marks = 0
        if what == "keep":
            out.append(char)
        elif show is not None and not (what == "newline" and multiline):
            out.append(show(char))
        elif what == "newline":
            if not multiline:
                out.append(" ")
            elif not (char == "\n" and previous_cr):  # \r\n is one line break
                out.append("\n")
        elif what == "space":
            out.append(" ")
        elif what == "replace":
            out.append("\ufffd")
        elif what == "joiner" and out and out[-1] not in _JOINERS:
            out.append(char)
        previous_cr = char == "\r"
    result = "".join(out)
    if show is None and _JOINERS.intersection(result):
        result = _DANGLING_JOINERS.sub("", result)
    return result


def _cut(text: str, limit: int) -> str:
    cut = text[: max(limit - 1, 0)]
    return _DANGLING_JOINERS.sub("", cut).rstrip() + ELLIPSIS


def is_plain(text: str) -> bool:
    """Whether :func:`clean` (and :func:`escaped`) would leave ``text`` as it is, length apart (C-speed checks)."""
    return text.isprintable() and (
        text.isascii() or not _MAYBE_SUSPECT.search(text) or not _PRINTABLE_SUSPECTS.search(text)
    )


def clean(value: object, limit: int, *, multiline: bool = False) -> str:
    r"""``value`` as display text: cleaned (see the module docstring) and at most ``limit`` characters.

    With ``multiline`` line breaks are kept (``\r\n`` and ``\r`` become ``\n``), at most :data:`MESSAGE_LINES`
    lines.
    """
    text = value if type(value) is str else _text(value)
    if len(text) <= limit and is_plain(text):
        return text
    head = text[: limit * 4 + 16]  # dropped characters may shrink it; never scan a whole megabyte
    result = _scrub(head, multiline=multiline, show=None)
    cut = len(text) > len(head)
    if multiline:
        lines = result.split("\n")
        if len(lines) > MESSAGE_LINES:
            result = "\n".join([*lines[:MESSAGE_LINES], ELLIPSIS])
    if cut or len(result) > limit:
        return _cut(result, limit)
    return result


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def escaped(value: object, limit: int = LIMITS["identity"]) -> str:
    r"""``value`` for places where identity matters (host names, certificate fields): nothing hidden, nothing removed.

    Every character :func:`clean` would remove or replace is shown as an escape (``\u202e``, ``\u0000``), so the
    person sees that the name is not a normal one. At most ``limit`` characters of ``value`` are shown.
    """
    text = _text(value)
    if len(text) <= limit and is_plain(text):
        return text
    result = _scrub(text[:limit], multiline=False, show=_escape)
    return result + ELLIPSIS if len(text) > limit else result


def name(value: object) -> str:
    """A VM, folder, host, cluster, datacenter or vCenter name."""
    return clean(value, LIMITS["name"])


def path(value: object) -> str:
    """A folder path (``Prod/Web``)."""
    return clean(value, LIMITS["path"])


def host_name(value: object) -> str:
    """A host name (DNS name or address) shown as information (see :func:`escaped` where it must be judged)."""
    return clean(value, LIMITS["host"])


def ip_address(value: object) -> str:
    """A guest's IP address (or a short list of them)."""
    return clean(value, LIMITS["ip"])


def guest_os(value: object) -> str:
    """A guest operating system name."""
    return clean(value, LIMITS["guest_os"])


def line(value: object, limit: int = LIMITS["line"]) -> str:
    """One line of text (status bar, a list cell): line breaks become spaces."""
    return clean(value, limit)


def message(value: object, limit: int = LIMITS["message"]) -> str:
    """An error or server message for a dialog: line breaks kept, at most ``limit`` characters."""
    return clean(value, limit, multiline=True)


def number(value: object, *, minimum: int = 0, maximum: int = 2**53, unit: str = "") -> str:
    """An integer from a server, or "unknown" when it is missing, not an integer or outside the sensible range."""
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        return "unknown"
    return f"{value}{unit}"


def bounded_list(values: Iterable[_T], show: Callable[[_T], str], *, at_most: int = 20) -> list[str]:
    """``show`` applied to the first ``at_most`` values, plus "… and N more" when there were more."""
    items = list(values)
    shown = [show(v) for v in items[:at_most]]
    if len(items) > at_most:
        shown.append(f"{ELLIPSIS} and {len(items) - at_most} more")
    return shown


def tooltip(value: object, limit: int = LIMITS["message"]) -> str:
    """Tooltip markup that shows ``value`` (cleaned) literally.

    Qt shows a tooltip as rich text whenever it *looks* like HTML (``<b>x</b>``, ``<img src=…>``), and escaping
    alone does not help (escaped text that does not look like HTML is then shown with its entities). So the text is
    always given as HTML: escaped, in a paragraph that keeps its spaces and line breaks.
    """
    text = html.escape(clean(value, limit, multiline=True), quote=False)
    return f'<p style="white-space:pre-wrap">{text}</p>'


def menu_label(value: object, limit: int = LIMITS["name"]) -> str:
    """Text for a menu entry, action, button or tab: cleaned, with ``&`` doubled so it is not a mnemonic."""
    return clean(value, limit).replace("&", "&&")


def window_title(value: object, limit: int = LIMITS["title"]) -> str:
    """A window title: cleaned, with Qt's ``[*]`` placeholder escaped (``[*][*]`` shows ``[*]``)."""
    return clean(value, limit).replace("[*]", "[*][*]")


_MARKUP_LOOKALIKES: Final = str.maketrans({"&": "\uff06", "<": "\u2039", ">": "\u203a"})


def notification(value: object, limit: int = LIMITS["message"], *, platform: str = sys.platform) -> str:
    """Text for a desktop notification (tray balloon): cleaned and, on Linux and BSD, free of markup.

    Freedesktop notification servers read ``<b>``, ``<a href>`` and ``<img>`` in the body, while Qt's own balloon
    shows the text as it is; neither escaping nor leaving it works for both, so ``& < >`` become look-alikes there.
    """
    text = clean(value, limit, multiline=True)
    if platform.startswith(("win", "darwin")):
        return text
    return text.translate(_MARKUP_LOOKALIKES)
