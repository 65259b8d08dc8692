"""The embedded WEBMKS console: noVNC in a QWebEngineView, talking only to the app's loopback relay.

Importing this package loads QtWebEngine: the main window imports it lazily, when the first console opens.
:class:`ConsoleTarget`, :class:`ConsoleState` and :class:`ConsoleTrustRefused` are also importable without
QtWebEngine from :mod:`vmconsole_gui.services.console_session`.

Public API::

    window = ConsoleWindow(relay)             # relay: a started WebMksRelay on the app's loop
    tab = window.open_console(target)         # ConsoleTarget(profile_id, vm_id, vm_name, vcenter, fetch_ticket, ...)
    window.state_changed / window.console_closed
    await tab.reconnect(); tab.send_ctrl_alt_del(); tab.send_keys("ctrl-alt-f2")
    await tab.type_text(text, interval_ms=15); await tab.screenshot(path)
    prewarm()                                 # optional, after start-up: faster first console
"""

from vmconsole_gui.services.console_session import (
    KEY_COMBOS,
    ConsoleState,
    ConsoleTarget,
    ConsoleTrustRefused,
    KeyCombo,
)
from vmconsole_gui.ui.console.typing import ConsoleNotConnected
from vmconsole_gui.ui.console.view import ConsoleTab, ScreenshotCancelled
from vmconsole_gui.ui.console.warm import prewarm, release_prewarmed
from vmconsole_gui.ui.console.window import ConsoleWindow

__all__ = [
    "KEY_COMBOS",
    "ConsoleNotConnected",
    "ConsoleState",
    "ConsoleTab",
    "ConsoleTarget",
    "ConsoleTrustRefused",
    "ConsoleWindow",
    "KeyCombo",
    "ScreenshotCancelled",
    "prewarm",
    "release_prewarmed",
]
