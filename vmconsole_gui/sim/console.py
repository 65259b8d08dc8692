"""Per-VM console state of the simulator: framebuffer size, typed text, input events, rendered picture.

The vCenter side owns VM power and names and tells :class:`ConsoleRegistry` about power transitions; the ESXi WebMKS
side (:mod:`.esxi`) feeds client input into a :class:`VmConsole` and sends its pixels. State lives per VM, so it
survives WebMKS reconnects; a power-on (a fresh boot) clears the screen. Every method is thread-safe: tests read state
from another thread than the simulator's event loop.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from PIL import Image

from . import console_keys as keys
from .console_screen import DEFAULT_SIZE, MAX_SIZE, MIN_SIZE, ScreenState, clock_text, render

MAX_TYPED_TEXT = 8000
"""Typed text beyond this many characters drops its oldest characters."""
MAX_EVENTS = 5000
"""Only the most recent events are kept."""

EventKind = Literal["key", "scancode", "pointer", "ctrl-alt-del", "resize", "cut-text", "power"]


@dataclass(frozen=True, slots=True)
class ConsoleEvent:
    """One input or state event, in arrival order. Fields not meaningful for ``kind`` are None.

    - ``key``: ``keysym``, ``down`` (RFB KeyEvent, e.g. from noVNC)
    - ``scancode``: ``scancode``, ``down`` (VMware 127/0, e.g. from wmks)
    - ``pointer``: ``x``, ``y``, ``buttons`` (RFB PointerEvent)
    - ``ctrl-alt-del``: detected from either key path (after the matching ``key``/``scancode`` event)
    - ``resize``: ``width``, ``height`` (the framebuffer size actually applied)
    - ``cut-text``: ``text`` (ClientCutText; None for an extended-clipboard message)
    - ``power``: ``down`` is False for power-on and True for power-off
    """

    kind: EventKind
    keysym: int | None = None
    scancode: int | None = None
    down: bool | None = None
    x: int | None = None
    y: int | None = None
    buttons: int | None = None
    width: int | None = None
    height: int | None = None
    text: str | None = None


class ConsoleListener(Protocol):
    """A live session watching a console (implemented by the WebMKS session); called from any thread."""

    def console_changed(self) -> None:
        """The picture may have changed."""

    def console_resized(self, source: object | None) -> None:
        """The framebuffer size changed; ``source`` is the listener that asked for it (None: server side)."""

    def console_closed(self, reason: str) -> None:
        """The VM powered off: end the session."""


class VmConsole:
    """The console of one VM: size (default 1024x768), typed text, events, and the rendered picture."""

    def __init__(
        self, vm_id: str, vm_name: Callable[[], str], clock: Callable[[], float], on_change: Callable[[], None]
    ) -> None:
        self.vm_id = vm_id
        self._vm_name = vm_name
        self._clock = clock
        self._on_change = on_change
        self._lock = threading.RLock()
        self._listeners: list[ConsoleListener] = []
        self._events: deque[ConsoleEvent] = deque(maxlen=MAX_EVENTS)
        self._held_keysyms: set[int] = set()
        self._held_scancodes: set[int] = set()
        self._caps_lock = False
        self._size = DEFAULT_SIZE
        self._text = ""
        self._cad_count = 0
        self._pointer = (0, 0)
        self._frame: tuple[ScreenState, Image.Image] | None = None

    # ------------------------------------------------------------------ reading (thread-safe)
    @property
    def size(self) -> tuple[int, int]:
        """Current framebuffer (width, height)."""
        with self._lock:
            return self._size

    @property
    def typed_text(self) -> str:
        """Text typed so far (Return = newline, BackSpace removes the last character)."""
        with self._lock:
            return self._text

    @property
    def ctrl_alt_del_count(self) -> int:
        """How many times Ctrl+Alt+Del was received since the last power-on."""
        with self._lock:
            return self._cad_count

    def events(self) -> list[ConsoleEvent]:
        """A copy of the recent events, oldest first."""
        with self._lock:
            return list(self._events)

    def frame(self) -> Image.Image:
        """The current picture as an RGB image; re-rendered only when state or the clock's second changed."""
        with self._lock:
            state = ScreenState(
                *self._size, self._vm_name(), clock_text(self._clock()), self._text, self._cad_count, self._pointer
            )
            if self._frame is None or self._frame[0] != state:
                self._frame = (state, render(state))
            return self._frame[1]

    # ------------------------------------------------------------------ input (from WebMKS sessions)
    def key_event(self, keysym: int, down: bool) -> None:
        """An RFB KeyEvent (X11 keysym)."""
        with self._lock:
            self._record(ConsoleEvent("key", keysym=keysym, down=down))
            if not down:
                self._held_keysyms.discard(keysym)
                return
            self._held_keysyms.add(keysym)
            if keysym in keys.KEYSYM_DELETES and self._ctrl_alt_held():
                self._ctrl_alt_del()
            elif not self._ctrl_alt_held(either=True):
                self._type(keys.keysym_to_input(keysym))
        self._changed()

    def scancode_event(self, scancode: int, down: bool) -> None:
        """A VMware 127/0 key event (XT set-1 scancode, +0x100 for E0 keys, US layout)."""
        with self._lock:
            self._record(ConsoleEvent("scancode", scancode=scancode, down=down))
            if not down:
                self._held_scancodes.discard(scancode)
                return
            self._held_scancodes.add(scancode)
            if scancode == keys.SCANCODE_CAPS_LOCK:
                self._caps_lock = not self._caps_lock
            elif scancode in keys.SCANCODE_DELETES and self._ctrl_alt_held():
                self._ctrl_alt_del()
            elif not self._ctrl_alt_held(either=True):
                shift = bool(self._held_scancodes & keys.SCANCODE_SHIFT)
                self._type(keys.scancode_to_input(scancode, shift, self._caps_lock))
        self._changed()

    def pointer_event(self, x: int, y: int, buttons: int) -> None:
        """An RFB PointerEvent."""
        with self._lock:
            self._record(ConsoleEvent("pointer", x=x, y=y, buttons=buttons))
            self._pointer = (x, y)
        self._changed()

    def cut_text(self, text: str | None) -> None:
        """A ClientCutText (recorded only; the simulated guest has no clipboard)."""
        with self._lock:
            self._record(ConsoleEvent("cut-text", text=text))
        self._on_change()

    def resize(self, width: int, height: int, source: object | None = None) -> bool:
        """Set the framebuffer size; False (and no change) if outside MIN_SIZE..MAX_SIZE or unchanged."""
        with self._lock:
            if not (MIN_SIZE[0] <= width <= MAX_SIZE[0] and MIN_SIZE[1] <= height <= MAX_SIZE[1]):
                return False
            if (width, height) == self._size:
                return False
            self._size = (width, height)
            self._record(ConsoleEvent("resize", width=width, height=height))
            listeners = list(self._listeners)
        for listener in listeners:
            listener.console_resized(source)
        self._changed()
        return True

    # ------------------------------------------------------------------ sessions and power
    def attach(self, listener: ConsoleListener) -> None:
        """Start notifying ``listener`` of changes."""
        with self._lock:
            self._listeners.append(listener)

    def detach(self, listener: ConsoleListener) -> None:
        """Stop notifying ``listener`` (no error if it was not attached)."""
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    @property
    def session_count(self) -> int:
        """Number of attached (live) sessions."""
        with self._lock:
            return len(self._listeners)

    def powered(self, on: bool) -> None:
        """Power transition: power-on clears the screen (a fresh boot); power-off closes every live session."""
        with self._lock:
            self._record(ConsoleEvent("power", down=not on))
            if on:
                self._text, self._cad_count, self._pointer, self._caps_lock = "", 0, (0, 0), False
                self._held_keysyms.clear()
                self._held_scancodes.clear()
                self._size = DEFAULT_SIZE
            listeners = [] if on else list(self._listeners)
        for listener in listeners:
            listener.console_closed("VM powered off")
        self._changed()

    # ------------------------------------------------------------------ internals (lock held)
    def _record(self, event: ConsoleEvent) -> None:
        self._events.append(event)

    def _ctrl_alt_held(self, either: bool = False) -> bool:
        ctrl = bool(self._held_keysyms & keys.KEYSYM_CONTROL or self._held_scancodes & keys.SCANCODE_CONTROL)
        alt = bool(self._held_keysyms & keys.KEYSYM_ALT or self._held_scancodes & keys.SCANCODE_ALT)
        return (ctrl or alt) if either else (ctrl and alt)

    def _ctrl_alt_del(self) -> None:
        self._cad_count += 1
        self._record(ConsoleEvent("ctrl-alt-del"))

    def _type(self, char: str | None) -> None:
        if char == keys.BACKSPACE:
            self._text = self._text[:-1]
        elif char is not None:
            self._text = (self._text + char)[-MAX_TYPED_TEXT:]

    def _changed(self) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener.console_changed()
        self._on_change()


class ConsoleRegistry:
    """All VM consoles of one simulator, keyed by VM id; shared by the vCenter side and the ESXi side.

    ``vm_name(vm_id)`` gives the name shown in ServerInit and the title bar (None: unknown VM);
    ``is_powered_on(vm_id)`` is checked when a WebMKS ticket is redeemed. ``clock`` (epoch seconds) drives the
    on-screen clock; tests pass a frozen clock to get deterministic pixels and no per-second updates.
    """

    def __init__(
        self,
        vm_name: Callable[[str], str | None],
        is_powered_on: Callable[[str], bool],
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._vm_name = vm_name
        self._is_powered_on = is_powered_on
        self._clock = clock
        self._consoles: dict[str, VmConsole] = {}
        self._condition = threading.Condition()

    def vm_name(self, vm_id: str) -> str | None:
        """The VM's name, or None if the vCenter side does not know ``vm_id``."""
        return self._vm_name(vm_id)

    def is_powered_on(self, vm_id: str) -> bool:
        """Whether the vCenter side reports ``vm_id`` powered on."""
        return self._is_powered_on(vm_id)

    def console(self, vm_id: str) -> VmConsole:
        """The console of ``vm_id``, created on first use."""
        with self._condition:
            console = self._consoles.get(vm_id)
            if console is None:
                console = VmConsole(vm_id, lambda: self._vm_name(vm_id) or vm_id, self._clock, self._notify)
                self._consoles[vm_id] = console
            return console

    def power_changed(self, vm_id: str, powered_on: bool) -> None:
        """Called by the vCenter side on every power transition; powering off closes that VM's WebMKS sessions."""
        self.console(vm_id).powered(powered_on)

    # ------------------------------------------------------------------ test helpers (thread-safe)
    def typed_text(self, vm_id: str) -> str:
        """Text typed into ``vm_id``'s console so far."""
        return self.console(vm_id).typed_text

    def events(self, vm_id: str) -> list[ConsoleEvent]:
        """``vm_id``'s recent console events, oldest first."""
        return self.console(vm_id).events()

    def wait_for(self, vm_id: str, predicate: Callable[[VmConsole], bool], timeout: float = 5.0) -> bool:
        """Block until ``predicate(console)`` holds (True) or ``timeout`` seconds pass (False).

        For tests in another thread than the simulator loop; never call it on the loop's own thread.
        """
        console = self.console(vm_id)
        with self._condition:
            return self._condition.wait_for(lambda: predicate(console), timeout)

    def _notify(self) -> None:
        with self._condition:
            self._condition.notify_all()
