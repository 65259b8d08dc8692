"""The system tray icon: favourite and recent VMs of every vCenter, quick connect, show window, settings, quit.

The menu lists, per vCenter (a bold header each, in the profiles' order), the VMs the user starred and then the
ones opened recently, each with its power-state icon. Choosing one opens its console with the profile's default
type; holding Shift (or using the "Open with the other console" submenu) opens the other type. The menu is rebuilt
(debounced, a few dozen actions) whenever favourites, recent VMs, profiles or power states change.

The icon follows the panel: ``resources/icons/vmconsole-gui-tray-dark.svg`` (a light glyph) on a dark palette,
``-light`` on a light one, and the app icon when those files are missing.

Failures while the window is hidden: a console problem still opens its dialog (it offers the fix: power on, use
VMRC, …) as a window of its own, and the tray shows a notification with the same message, because a dialog of a
hidden app can open behind other windows and go unnoticed; the main window is not forced back on screen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction, QFont, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication, QMenu, QSystemTrayIcon

from vmconsole_gui.resources import find_resource
from vmconsole_gui.services import display_text
from vmconsole_gui.services.autostart import autostart_supported
from vmconsole_gui.services.connections.records import VmRecord
from vmconsole_gui.services.settings.model import AppSettings, ConnectionProfile, ConsoleType
from vmconsole_gui.ui.icons import app_icon, power_icon

if TYPE_CHECKING:
    from vmconsole_gui.ui.app_window import AppWindow

REBUILD_DELAY_MS = 200
NOTIFY_MS = 8000
KEY_PROPERTY = "vmconsole_vm_key"


@dataclass(frozen=True, slots=True)
class TrayEntry:
    """One VM in the tray menu; ``name`` is display text (cleaned and bounded)."""

    profile_id: str
    vm_id: str
    name: str
    power_state: str
    favourite: bool


@dataclass(frozen=True, slots=True)
class TrayGroup:
    """The tray entries of one vCenter."""

    profile: ConnectionProfile
    entries: tuple[TrayEntry, ...]


def tray_groups(
    profiles: Sequence[ConnectionProfile], settings: AppSettings, lookup: Callable[[str, str], VmRecord | None]
) -> list[TrayGroup]:
    """Favourites then recent VMs, per profile (profiles without any are left out); ``lookup`` gives live records."""
    groups = []
    for profile in profiles:
        entries: list[TrayEntry] = []
        seen: set[str] = set()
        recent_names = {r.vm_id: r.name for r in settings.recent_vms if r.profile_id == profile.id}
        wanted = [(vm_id, True) for vm_id in profile.favourite_vm_ids]
        wanted += [(r.vm_id, False) for r in settings.recent_vms if r.profile_id == profile.id]
        for vm_id, favourite in wanted:
            if vm_id in seen:
                continue
            seen.add(vm_id)
            record = lookup(profile.id, vm_id)
            name = display_text.name(record.name if record else recent_names.get(vm_id, vm_id))
            state = record.power_state if record else "UNKNOWN"
            entries.append(TrayEntry(profile.id, vm_id, name, state, favourite))
        if entries:
            groups.append(TrayGroup(profile, tuple(entries)))
    return groups


def dark_panel(palette: QPalette | None = None) -> bool:
    """Whether the desktop uses a dark colour scheme (the tray glyph must then be light)."""
    hints = QGuiApplication.styleHints()
    scheme = hints.colorScheme() if hasattr(hints, "colorScheme") else Qt.ColorScheme.Unknown
    if scheme is not Qt.ColorScheme.Unknown:
        return scheme is Qt.ColorScheme.Dark
    window = (palette or QGuiApplication.palette()).window().color()
    return window.lightnessF() < 0.5


def tray_icon(dark: bool | None = None, directory: Path | None = None) -> QIcon:
    """The tray icon for a dark or light panel (the app icon when the tray icon files are missing)."""
    directory = directory or find_resource("icons")
    if directory is None:
        return app_icon()
    variant = "dark" if (dark_panel() if dark is None else dark) else "light"
    svg = directory / f"vmconsole-gui-tray-{variant}.svg"
    icon = QIcon()
    for png in sorted(directory.glob(f"vmconsole-gui-tray-{variant}-*.png")):
        icon.addFile(str(png))
    if svg.is_file():
        icon.addFile(str(svg))
    return icon if not icon.isNull() else app_icon()


class TrayController(QObject):
    """The tray icon and its menu for one :class:`~vmconsole_gui.ui.app_window.AppWindow`."""

    def __init__(self, app: AppWindow) -> None:
        super().__init__(app.window)
        self._app = app
        self.icon = QSystemTrayIcon(tray_icon(), self)
        self.icon.setToolTip("vmconsole-gui")
        self.menu = QMenu()
        self.menu.setObjectName("trayMenu")
        self.menu.setToolTipsVisible(True)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._on_activated)
        self._other: QMenu | None = None
        self._closed = False
        self._timer = QTimer(self, singleShot=True, interval=REBUILD_DELAY_MS)
        self._timer.timeout.connect(self.rebuild)
        controller = app.window.controller
        controller.inventory_changed.connect(lambda *_: self.schedule_rebuild())
        controller.profile_dropped.connect(lambda *_: self.schedule_rebuild())
        app.window.table_model.dataChanged.connect(lambda *_: self.schedule_rebuild())
        hints = QGuiApplication.styleHints()
        if hasattr(hints, "colorSchemeChanged"):
            hints.colorSchemeChanged.connect(lambda *_: self.icon.setIcon(tray_icon()))
        self.rebuild()

    def show(self) -> None:
        """Put the icon in the tray."""
        self.icon.show()

    def hide(self) -> None:
        """Take the icon out of the tray and drop the menu (later changes no longer rebuild it)."""
        self._closed = True
        self._timer.stop()
        self.icon.hide()
        self.menu.deleteLater()

    def notify(self, title: str, text: str, *, warning: bool = False) -> None:
        """A tray notification (balloon); title and text are cleaned, bounded and free of markup."""
        kind = QSystemTrayIcon.MessageIcon.Warning if warning else QSystemTrayIcon.MessageIcon.Information
        title = display_text.notification(display_text.line(title, display_text.LIMITS["title"]))
        self.icon.showMessage(title, display_text.notification(text), kind, NOTIFY_MS)

    def schedule_rebuild(self) -> None:
        """Rebuild the menu soon (many changes in a row cost one rebuild)."""
        if not self._closed:
            self._timer.start()

    # ------------------------------------------------------------------ menu
    def rebuild(self) -> None:
        """Rebuild the menu from the current favourites, recent VMs and power states."""
        self._timer.stop()
        if self._closed:
            return
        app = self._app
        menu = self.menu
        menu.clear()
        if self._other is not None:
            self._other.deleteLater()
        groups = tray_groups(app.services.profiles.list(), app.services.config.settings, app.record)
        other_menu = self._other = QMenu("Open with the &other console", menu)
        for group in groups:
            profile_name = display_text.menu_label(group.profile.name)
            header = menu.addAction(profile_name)
            header.setEnabled(False)
            font = QFont(header.font())
            font.setBold(True)
            header.setFont(font)
            other_header = other_menu.addAction(profile_name)
            other_header.setEnabled(False)
            other_header.setFont(font)
            default, other = _console_labels(group.profile.console_type)
            for entry in group.entries:
                label = display_text.menu_label(entry.name) + ("  ★" if entry.favourite else "")
                self._add_vm(menu, entry, label, f"{default} (Shift: {other})")
                self._add_vm(
                    other_menu, entry, f"{display_text.menu_label(entry.name)} — {other}", other, other_type=True
                )
            menu.addSeparator()
        if groups:
            menu.addMenu(other_menu)
        else:
            empty = menu.addAction("No favourite or recent VMs yet")
            empty.setEnabled(False)
            empty.setToolTip("Star VMs in the main window (VM → Add to favourites) or open a console.")
        menu.addSeparator()
        menu.addAction("&Quick connect…", app.quick_connect)
        menu.addAction("&Show window", app.show_window)
        menu.addAction("Se&ttings…", lambda: app.window.run(app.open_settings()))
        menu.addSeparator()
        minimised = menu.addAction("Start &minimised to the tray")
        minimised.setCheckable(True)
        minimised.setChecked(app.services.config.settings.start_minimised)
        minimised.toggled.connect(lambda on: app.window.run(app.set_start_minimised(on)))
        if autostart_supported():
            login = menu.addAction("Start at &login")
            login.setCheckable(True)
            login.setChecked(app.autostart_enabled())
            login.toggled.connect(app.set_autostart)
        menu.addSeparator()
        menu.addAction("&Quit", lambda: app.window.run(app.quit()))

    def _add_vm(self, menu: QMenu, entry: TrayEntry, text: str, tip: str, *, other_type: bool = False) -> None:
        """Add a VM entry; ``text`` is a menu label already (``&`` doubled)."""
        action = QAction(power_icon(entry.power_state), text, menu)
        action.setProperty(KEY_PROPERTY, f"{entry.profile_id}\n{entry.vm_id}")
        action.setToolTip(display_text.tooltip(f"{entry.name}: {tip}"))
        key = (entry.profile_id, entry.vm_id)
        action.triggered.connect(lambda _c=False, k=key, o=other_type: self._choose(k, o))
        menu.addAction(action)

    def _choose(self, key: tuple[str, str], other_type: bool) -> None:
        shift = bool(QApplication.keyboardModifiers() & Qt.KeyboardModifier.ShiftModifier)
        self._app.window.run(self._app.open_by_key(*key, other_type=other_type != shift))

    def vm_actions(self, menu: QMenu | None = None) -> list[QAction]:
        """The VM entries of the menu (or of a submenu), top to bottom."""
        return [a for a in (menu or self.menu).actions() if a.property(KEY_PROPERTY)]

    def other_menu(self) -> QMenu | None:
        """The "other console" submenu, when there are entries."""
        return self._other if self._other is not None and self._other.menuAction() in self.menu.actions() else None

    # ------------------------------------------------------------------ icon clicks
    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason is QSystemTrayIcon.ActivationReason.Trigger:
            self._app.toggle_window()
        elif reason is QSystemTrayIcon.ActivationReason.MiddleClick:
            self._app.quick_connect()


def _console_labels(console_type: ConsoleType) -> tuple[str, str]:
    vmrc, embedded = "open in VMRC", "open the embedded console"
    return (vmrc, embedded) if console_type is ConsoleType.VMRC else (embedded, vmrc)
