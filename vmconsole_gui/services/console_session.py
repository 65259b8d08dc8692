"""Qt-free pieces of the embedded WEBMKS console: what a console opens, its states, key combos and typing plans.

The UI (:mod:`vmconsole_gui.ui.console`, which pulls in QtWebEngine) builds on these; the main window can import this
module to build a :class:`ConsoleTarget` and to raise :class:`ConsoleTrustRefused` without loading QtWebEngine.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from vmconsole_gui.services.relay import CloseReason


class ConsoleTrustRefused(Exception):
    """Raised by :attr:`ConsoleTarget.trust_esxi` when the user declined the ESXi host's certificate."""


@dataclass(frozen=True)
class ConsoleTarget:
    """Everything a console tab needs to open (and re-open) one VM's WEBMKS console.

    ``fetch_ticket`` returns a fresh ``wss://`` WEBMKS ticket URL on every call (never a cached one);
    ``trust_esxi(host, port)`` returns the DER leaf to pin, or None when the OS trust store accepts the host, and
    raises :class:`ConsoleTrustRefused` when the user declines; ``power_on`` is offered when the VM is powered off.
    """

    profile_id: str
    vm_id: str
    vm_name: str
    vcenter: str
    fetch_ticket: Callable[[], Awaitable[str]]
    trust_esxi: Callable[[str, int], Awaitable[bytes | None]]
    power_on: Callable[[], Awaitable[None]] | None = None

    @property
    def key(self) -> tuple[str, str]:
        """``(profile_id, vm_id)``: one console per VM per vCenter profile."""
        return (self.profile_id, self.vm_id)

    @property
    def title(self) -> str:
        """Tab text: ``VM name — vCenter``."""
        return f"{self.vm_name} — {self.vcenter}"


class ConsoleState(enum.Enum):
    """The state of one console tab."""

    CONNECTING = "connecting"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    POWERED_OFF = "powered_off"
    TICKET_EXPIRED = "ticket_expired"
    FAILED = "failed"


def ticket_host_port(ticket_url: str) -> tuple[str, int]:
    """The ESXi ``(host, port)`` of a ``wss://`` ticket URL; :class:`ValueError` (never quoting the URL) otherwise."""
    try:
        parts = urlsplit(ticket_url)
        port = parts.port or 443
    except ValueError:
        raise ValueError("the console ticket is not a valid URL") from None
    if parts.scheme.lower() != "wss":
        raise ValueError(f"a WEBMKS console ticket must be a wss:// URL, not {parts.scheme or 'no scheme'}://")
    if not parts.hostname:
        raise ValueError("the console ticket names no ESXi host")
    return parts.hostname, port


# ------------------------------------------------------------------------------------------------ keys

KeyStroke = tuple[int, str]
"""An X11 keysym and the DOM ``KeyboardEvent.code`` noVNC uses for scancode-capable servers ("" when none)."""

XK_BACKSPACE, XK_TAB, XK_RETURN, XK_ESCAPE, XK_DELETE = 0xFF08, 0xFF09, 0xFF0D, 0xFF1B, 0xFFFF
XK_PRINT, XK_F1 = 0xFF61, 0xFFBE
XK_CONTROL_L, XK_ALT_L, XK_SUPER_L = 0xFFE3, 0xFFE9, 0xFFEB

CTRL: KeyStroke = (XK_CONTROL_L, "ControlLeft")
ALT: KeyStroke = (XK_ALT_L, "AltLeft")


@dataclass(frozen=True)
class KeyCombo:
    """A named key combination: the keys are pressed in order and released in reverse order."""

    name: str
    label: str
    keys: tuple[KeyStroke, ...]

    def events(self) -> list[tuple[int, str, bool]]:
        """``(keysym, code, down)`` for every press, then every release in reverse order."""
        presses = [(sym, code, True) for sym, code in self.keys]
        return presses + [(sym, code, False) for sym, code in reversed(self.keys)]


def _function_keys() -> Iterator[KeyCombo]:
    for n in range(1, 13):
        yield KeyCombo(f"ctrl-alt-f{n}", f"Ctrl+Alt+F{n}", (CTRL, ALT, (XK_F1 + n - 1, f"F{n}")))


KEY_COMBOS: tuple[KeyCombo, ...] = (
    KeyCombo("ctrl-alt-del", "Ctrl+Alt+Del", (CTRL, ALT, (XK_DELETE, "Delete"))),
    KeyCombo("ctrl-alt-backspace", "Ctrl+Alt+Backspace", (CTRL, ALT, (XK_BACKSPACE, "Backspace"))),
    *_function_keys(),
    KeyCombo("print", "Print Screen", ((XK_PRINT, "PrintScreen"),)),
    KeyCombo("alt-tab", "Alt+Tab", (ALT, (XK_TAB, "Tab"))),
    KeyCombo("alt-f4", "Alt+F4", (ALT, (XK_F1 + 3, "F4"))),
    KeyCombo("super", "Windows key", ((XK_SUPER_L, "MetaLeft"),)),
    KeyCombo("ctrl-esc", "Ctrl+Esc", (CTRL, (XK_ESCAPE, "Escape"))),
)
"""The "Keys" menu, in menu order (virt-manager's data-driven key-combo menu)."""

_COMBOS_BY_NAME = {combo.name: combo for combo in KEY_COMBOS}


def key_combo(name: str) -> KeyCombo:
    """The combo called ``name`` (e.g. ``"ctrl-alt-f2"``); :class:`KeyError` listing the valid names otherwise."""
    try:
        return _COMBOS_BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown key combination {name!r}; known: {', '.join(_COMBOS_BY_NAME)}") from None


# ------------------------------------------------------------------------------------------------ typing


def char_keysym(char: str) -> int | None:
    """The X11 keysym that types ``char``, or None for control characters that have no key.

    ASCII and Latin-1 map to themselves, newline to Return, tab to Tab, every other code point to the Unicode
    keysym ``0x01000000 + code point``.
    """
    code = ord(char)
    if char == "\n":
        return XK_RETURN
    if char == "\t":
        return XK_TAB
    if 0x20 <= code <= 0x7E or 0xA0 <= code <= 0xFF:
        return code
    if code < 0x20 or 0x7F <= code < 0xA0 or 0xD800 <= code <= 0xDFFF:
        return None
    return 0x01000000 + code


def text_keysyms(text: str) -> list[int]:
    """Keysyms for ``text`` in order; CR LF and a lone CR count as one Return, other control characters are dropped."""
    normalised = text.replace("\r\n", "\n").replace("\r", "\n")
    return [sym for sym in map(char_keysym, normalised) if sym is not None]


def typing_chunks(
    keysyms: list[int], interval_ms: int, *, chunk_ms: int = 250, max_chunk: int = 200
) -> list[list[int]]:
    """Split ``keysyms`` into chunks that each take about ``chunk_ms`` to type at ``interval_ms`` per key.

    The page types one chunk at a time and reports back; between chunks the UI stays responsive and a cancel takes
    effect within one chunk. ``interval_ms`` below 0 is a :class:`ValueError`.
    """
    if interval_ms < 0:
        raise ValueError("the typing interval cannot be negative")
    size = max(1, min(max_chunk, chunk_ms // interval_ms if interval_ms else max_chunk))
    return [keysyms[i : i + size] for i in range(0, len(keysyms), size)]


# ------------------------------------------------------------------------------------------------ session ends


@dataclass(frozen=True)
class EndVerdict:
    """What a finished console session means for the tab: its new state and the sentence the user reads.

    ``probe_power`` asks the tab to find out whether the VM was powered off (by asking vCenter for a ticket, which it
    refuses for a VM that is not powered on) before showing ``state``.
    """

    state: ConsoleState
    reason: str
    probe_power: bool = False
    alarming: bool = False


def verdict_for_end(reason: CloseReason | None, detail: str, host: str) -> EndVerdict:
    """Map how the relay session ended (``None``: the page never reached the relay) to a state and a sentence."""
    if reason is None:
        return EndVerdict(
            ConsoleState.FAILED, "The console page could not connect to the app's console relay. Reconnect to retry."
        )
    if reason is CloseReason.TLS_PIN_MISMATCH:
        return EndVerdict(
            ConsoleState.FAILED,
            f"The ESXi host {host} presented a certificate that does NOT match the one you accepted earlier. "
            "The console ticket was not sent. The host's certificate may have been replaced, or someone may be "
            "intercepting the connection. Check the certificate before you trust it again.",
            alarming=True,
        )
    if reason is CloseReason.TLS_UNTRUSTED:
        return EndVerdict(
            ConsoleState.FAILED, f"The certificate of ESXi host {host} is not trusted; the console was not opened."
        )
    if reason is CloseReason.UNREACHABLE:
        return EndVerdict(ConsoleState.FAILED, f"Cannot reach the ESXi host: {detail}.")
    if reason is CloseReason.UPSTREAM_REFUSED:
        return EndVerdict(
            ConsoleState.TICKET_EXPIRED,
            f"ESXi host {host} refused the console ticket (it expired or was already used). "
            "Reconnect to get a new ticket.",
            probe_power=True,
        )
    if reason is CloseReason.UPSTREAM_CLOSED:
        return EndVerdict(ConsoleState.DISCONNECTED, f"ESXi host {host} ended the console session.", probe_power=True)
    if reason is CloseReason.RELAY_STOPPED:
        return EndVerdict(ConsoleState.DISCONNECTED, "The console connection was closed by the application.")
    return EndVerdict(ConsoleState.DISCONNECTED, "The console page closed its connection.")


POWERED_OFF_REASON = "The virtual machine is not powered on."
