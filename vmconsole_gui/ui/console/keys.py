"""The "Keys" menu, built from the key-combination table (virt-manager's data-driven send-key menu)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMenu, QWidget

from vmconsole_gui.services.console_session import KEY_COMBOS, KeyCombo

__all__ = ["KEY_COMBOS", "KeyCombo", "build_keys_menu"]


def build_keys_menu(parent: QWidget, send: Callable[[str], None]) -> QMenu:
    """A menu with one entry per key combination; choosing one calls ``send(combo.name)``.

    Ctrl+Alt+F1…F12 sit in a submenu so the menu stays short.
    """
    menu = QMenu("&Keys", parent)
    menu.setAccessibleName("Send keys")
    function_keys = QMenu("Ctrl+Alt+F&n", menu)
    function_keys.setAccessibleName("Send Ctrl+Alt+function key")
    for combo in KEY_COMBOS:
        target = function_keys if combo.name.startswith("ctrl-alt-f") else menu
        action = target.addAction(combo.label)
        action.setObjectName(f"key-{combo.name}")
        action.setToolTip(f"Send {combo.label} to the virtual machine")
        action.triggered.connect(lambda _checked=False, name=combo.name: send(name))
        if combo.name == "ctrl-alt-backspace":
            menu.addMenu(function_keys)
    return menu
