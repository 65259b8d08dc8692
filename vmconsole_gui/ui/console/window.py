"""The console window: one tab per VM console, a toolbar acting on the current tab, full screen, detachable tabs.

The window the main window creates is the *root*; tabs moved to their own window live in *detached* windows that
report through the root's signals, so the main window only ever listens to one object.
"""

from __future__ import annotations

import asyncio
import logging

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import QMainWindow, QMenu, QTabWidget, QToolBar, QToolButton, QWidget

from vmconsole_gui.services import display_text
from vmconsole_gui.services.console_session import ConsoleState, ConsoleTarget
from vmconsole_gui.services.relay import WebMksRelay
from vmconsole_gui.ui.console.keys import build_keys_menu
from vmconsole_gui.ui.console.typing import ConsoleNotConnected
from vmconsole_gui.ui.console.view import ConsoleTab, ScreenshotCancelled, _spawn
from vmconsole_gui.ui.plain_text import PlainStatusBar

log = logging.getLogger("vmconsole_gui.ui.console")

FULLSCREEN_KEY = QKeySequence(Qt.Key.Key_F11)
LEAVE_FULLSCREEN_KEY = QKeySequence("Ctrl+Alt+Return")
APP_TITLE = "vmconsole-gui"


class ConsoleWindow(QMainWindow):
    """Tabbed console window.

    Signals:
        console_closed(str, str): a console tab (profile id, VM id) was closed, in this or a detached window.
        state_changed(str, str, str): a console's state changed (profile id, VM id, :class:`ConsoleState` value).
    """

    console_closed = Signal(str, str)
    state_changed = Signal(str, str, str)

    def __init__(self, relay: WebMksRelay, parent: QWidget | None = None, *, root: ConsoleWindow | None = None) -> None:
        super().__init__(parent)
        self._relay = relay
        self._root: ConsoleWindow = root or self
        self._windows: list[ConsoleWindow] = [self] if root is None else []
        if root is not None:
            root._windows.append(self)
        self.setObjectName("consoleWindow")
        self.setStatusBar(PlainStatusBar(self))  # console reasons quote hosts and the page's messages
        self.resize(1100, 860)

        self.tab_widget = QTabWidget(self)
        self.tab_widget.setDocumentMode(True)
        self.tab_widget.setTabsClosable(True)
        self.tab_widget.setMovable(True)
        self.tab_widget.tabCloseRequested.connect(lambda index: self.close_tab(self._tab_at(index)))
        self.tab_widget.currentChanged.connect(lambda _index: self._refresh())
        tab_bar = self.tab_widget.tabBar()
        tab_bar.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        tab_bar.customContextMenuRequested.connect(self._tab_menu)
        self.setCentralWidget(self.tab_widget)
        self._build_toolbar()
        self._build_fullscreen_bar()
        self._refresh()

    # ---- toolbar ----------------------------------------------------------------------------------------------

    def _action(self, text: str, tip: str, slot: object, shortcut: QKeySequence | None = None) -> QAction:
        action = QAction(text, self)
        action.setToolTip(f"{tip} ({shortcut.toString(QKeySequence.SequenceFormat.NativeText)})" if shortcut else tip)
        if shortcut is not None:
            action.setShortcut(shortcut)
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_toolbar(self) -> None:
        self.toolbar = QToolBar("Console", self)
        self.toolbar.setObjectName("consoleToolbar")
        self.toolbar.setMovable(False)
        self.addToolBar(self.toolbar)
        self.act_cad = self._action("Ctrl+Alt+Del", "Send Ctrl+Alt+Del to the virtual machine", self._on_cad)
        self.keys_menu = build_keys_menu(self, self._on_send_keys)
        self.act_keys = self.keys_menu.menuAction()
        self.act_keys.setToolTip("Send a key combination to the virtual machine")
        self.act_type = self._action(
            "Type clipboard", "Type the clipboard's text into the virtual machine, key by key", self._on_type_clipboard
        )
        self.act_scale = self._action("Scale to fit", "Scale the picture to the window (off: 1:1)", self._on_scale)
        self.act_scale.setCheckable(True)
        self.act_scale.setChecked(True)
        self.act_fit = self._action(
            "Fit window", "Show the console 1:1 and size the window to fit it", self.fit_to_framebuffer
        )
        self.act_screenshot = self._action("Screenshot", "Save the console picture as a PNG file", self._on_screenshot)
        self.act_fullscreen = self._action("Full screen", "Full screen", self.toggle_fullscreen, FULLSCREEN_KEY)
        self.act_fullscreen.setCheckable(True)
        self.act_reconnect = self._action("Reconnect", "Connect again with a new console ticket", self._on_reconnect)
        for action in (self.act_cad, self.act_keys, self.act_type):
            self.toolbar.addAction(action)
        self.toolbar.addSeparator()
        for action in (self.act_scale, self.act_fit, self.act_screenshot, self.act_fullscreen):
            self.toolbar.addAction(action)
        self.toolbar.addSeparator()
        self.toolbar.addAction(self.act_reconnect)
        keys_button = self.toolbar.widgetForAction(self.act_keys)
        if isinstance(keys_button, QToolButton):
            keys_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        names = {
            self.act_cad: "Send Ctrl+Alt+Del",
            self.act_keys: "Send keys",
            self.act_type: "Type clipboard",
            self.act_scale: "Scale to fit",
            self.act_fit: "Fit window to console",
            self.act_screenshot: "Save screenshot",
            self.act_fullscreen: "Full screen",
            self.act_reconnect: "Reconnect",
        }
        for action, name in names.items():
            widget = self.toolbar.widgetForAction(action)
            if widget is not None:
                widget.setAccessibleName(name)
                widget.setAccessibleDescription(action.toolTip())

    def _build_fullscreen_bar(self) -> None:
        self.exit_fullscreen_button = QToolButton(self)
        self.exit_fullscreen_button.setText("Exit full screen (Ctrl+Alt+Enter)")
        self.exit_fullscreen_button.setAccessibleName("Exit full screen")
        self.exit_fullscreen_button.setToolTip("Leave full screen (Ctrl+Alt+Enter or F11)")
        self.exit_fullscreen_button.setAutoRaise(False)
        self.exit_fullscreen_button.clicked.connect(self.leave_fullscreen)
        self.exit_fullscreen_button.hide()
        self._leave_shortcut = QShortcut(LEAVE_FULLSCREEN_KEY, self, self.leave_fullscreen)
        self._leave_shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        self._leave_shortcut_enter = QShortcut(QKeySequence("Ctrl+Alt+Enter"), self, self.leave_fullscreen)
        self._leave_shortcut_enter.setContext(Qt.ShortcutContext.WindowShortcut)

    # ---- tabs -------------------------------------------------------------------------------------------------

    def tabs(self) -> list[ConsoleTab]:
        """The console tabs of this window, in tab order."""
        return [self._tab_at(i) for i in range(self.tab_widget.count())]

    def all_tabs(self) -> list[ConsoleTab]:
        """Tabs of this window and of every window detached from it (root only; others: their own)."""
        return [tab for window in self._root._windows for tab in window.tabs()]

    def current_tab(self) -> ConsoleTab | None:
        """The tab the toolbar acts on."""
        widget = self.tab_widget.currentWidget()
        return widget if isinstance(widget, ConsoleTab) else None

    def _tab_at(self, index: int) -> ConsoleTab:
        widget = self.tab_widget.widget(index)
        assert isinstance(widget, ConsoleTab)
        return widget

    def open_console(self, target: ConsoleTarget) -> ConsoleTab:
        """Open a tab for ``target`` and start connecting, or focus the existing tab of the same profile and VM."""
        for tab in self.all_tabs():
            if tab.target.key == target.key:
                window = tab.window()
                if isinstance(window, ConsoleWindow):
                    window.tab_widget.setCurrentWidget(tab)
                    window.show()
                    window.raise_()
                    window.activateWindow()
                return tab
        tab = ConsoleTab(target, self._relay, self)
        root = self._root
        tab.state_changed.connect(lambda state, tab=tab: root._on_tab_state(tab, state))
        tab.typing_progress.connect(lambda done, total, tab=tab: root._on_typing_progress(tab, done, total))
        self._add_tab(tab)
        self.show()
        self.raise_()
        self.activateWindow()
        tab.start()
        return tab

    def _add_tab(self, tab: ConsoleTab) -> None:
        """Add ``tab``; its text and tooltip show the VM and vCenter names literally (``&`` is no mnemonic)."""
        target = tab.target
        vm_name, vcenter = display_text.name(target.vm_name), display_text.name(target.vcenter)
        index = self.tab_widget.addTab(tab, display_text.menu_label(f"{vm_name} — {vcenter}", limit=500))
        self.tab_widget.setTabToolTip(index, display_text.tooltip(f"{vm_name}\nvCenter: {vcenter}"))
        self.tab_widget.setCurrentIndex(index)
        self._refresh()

    def close_tab(self, tab: ConsoleTab) -> None:
        """Close ``tab``: the session ends, the page and its profile are released; an empty window closes."""
        window = tab.window()
        owner = window if isinstance(window, ConsoleWindow) else self
        index = owner.tab_widget.indexOf(tab)
        if index < 0:
            return
        owner.tab_widget.removeTab(index)
        tab.shutdown()
        tab.setParent(None)
        tab.deleteLater()
        self._root.console_closed.emit(tab.target.profile_id, tab.target.vm_id)
        if owner.tab_widget.count() == 0:
            owner.close()
        else:
            owner._refresh()

    def detach_tab(self, tab: ConsoleTab) -> ConsoleWindow:
        """Move ``tab`` into a new window of its own (the session keeps running) and return that window."""
        window = ConsoleWindow(self._relay, root=self._root)
        window.console_closed.connect(self._root.console_closed)
        window.state_changed.connect(self._root.state_changed)
        index = self.tab_widget.indexOf(tab)
        self.tab_widget.removeTab(index)
        window._add_tab(tab)
        window.act_scale.setChecked(tab.scale_to_fit)
        window.resize(self.size())
        window.move(self.pos() + QPoint(40, 40))
        window.show()
        if self.tab_widget.count() == 0:
            self.close()
        else:
            self._refresh()
        return window

    def close_all(self) -> None:
        """Close this window and every window detached from it (e.g. when the app quits)."""
        for window in list(reversed(self._root._windows)):
            window.close()

    def _tab_menu(self, pos: QPoint) -> None:
        index = self.tab_widget.tabBar().tabAt(pos)
        if index < 0:
            return
        tab = self._tab_at(index)
        menu = QMenu(self)
        menu.addAction("Move to new window", lambda: self.detach_tab(tab))
        menu.addAction("Reconnect", lambda: _spawn(tab.reconnect()))
        menu.addSeparator()
        menu.addAction("Close", lambda: self.close_tab(tab))
        menu.exec(self.tab_widget.tabBar().mapToGlobal(pos))

    # ---- state ------------------------------------------------------------------------------------------------

    def _on_tab_state(self, tab: ConsoleTab, state: ConsoleState) -> None:
        self.state_changed.emit(tab.target.profile_id, tab.target.vm_id, state.value)
        window = tab.window()
        if isinstance(window, ConsoleWindow):
            window._refresh()

    def _on_typing_progress(self, tab: ConsoleTab, done: int, total: int) -> None:
        window = tab.window()
        if isinstance(window, ConsoleWindow) and window.current_tab() is tab:
            window.statusBar().showMessage(f"Typing… {done} of {total} keys", 2000)

    def _refresh(self) -> None:
        tab = self.current_tab()
        connected = tab is not None and tab.state is ConsoleState.CONNECTED
        for action in (self.act_cad, self.act_keys, self.act_type, self.act_screenshot, self.act_fit):
            action.setEnabled(connected)
        self.act_reconnect.setEnabled(tab is not None)
        self.act_scale.setEnabled(tab is not None)
        if tab is not None:
            self.act_scale.setChecked(tab.scale_to_fit)
            self.act_type.setText("Stop typing" if tab.typing else "Type clipboard")
            names = f"{display_text.name(tab.target.vm_name)} — {display_text.name(tab.target.vcenter)}"
            self.setWindowTitle(display_text.window_title(f"{names} — {APP_TITLE}", limit=500))
            self.statusBar().showMessage(tab.reason)
        else:
            self.setWindowTitle(f"Consoles — {APP_TITLE}")

    # ---- toolbar slots ----------------------------------------------------------------------------------------

    def _on_cad(self) -> None:
        if (tab := self.current_tab()) is not None:
            tab.send_ctrl_alt_del()
            tab.focus_console()

    def _on_send_keys(self, name: str) -> None:
        if (tab := self.current_tab()) is not None:
            tab.send_keys(name)
            tab.focus_console()

    def _on_reconnect(self) -> None:
        if (tab := self.current_tab()) is not None:
            _spawn(tab.reconnect())

    def _on_scale(self, checked: bool) -> None:
        if (tab := self.current_tab()) is not None:
            tab.set_scale_to_fit(checked)

    def fit_to_framebuffer(self) -> None:
        """Show the current console 1:1 and resize the window so the picture fits exactly (within the screen)."""
        tab = self.current_tab()
        if tab is None or tab.framebuffer_size.isEmpty():
            return
        tab.set_scale_to_fit(False)
        self.act_scale.setChecked(False)
        extra = self.size() - tab.view.size()
        wanted = tab.framebuffer_size + extra
        screen = self.screen()
        if screen is not None:
            wanted = wanted.boundedTo(screen.availableGeometry().size())
        self.resize(wanted)

    def _on_type_clipboard(self) -> None:
        tab = self.current_tab()
        if tab is None:
            return
        if tab.typing:
            tab.cancel_typing()
            self.statusBar().showMessage("Typing stopped.", 3000)
            self._refresh()
            return
        text = QGuiApplication.clipboard().text()
        if not text:
            self.statusBar().showMessage("The clipboard holds no text to type.", 5000)
            return
        _spawn(self._type(tab, text))

    async def _type(self, tab: ConsoleTab, text: str) -> None:
        task = asyncio.ensure_future(tab.type_text(text))
        await asyncio.sleep(0)
        self._refresh()
        try:
            await task
            message = f"Typed {len(text)} characters."
        except asyncio.CancelledError:
            message = "Typing stopped."
        except ConsoleNotConnected as exc:
            message = f"Typing stopped: {exc}."
        window = tab.window()
        if isinstance(window, ConsoleWindow):
            window._refresh()
            window.statusBar().showMessage(message, 5000)

    def _on_screenshot(self) -> None:
        if (tab := self.current_tab()) is not None:
            _spawn(self._screenshot(tab))

    async def _screenshot(self, tab: ConsoleTab) -> None:
        try:
            path = await tab.screenshot()
        except ScreenshotCancelled:
            return
        except (ConsoleNotConnected, OSError) as exc:
            self.statusBar().showMessage(f"Screenshot not saved: {exc}", 8000)
            return
        self.statusBar().showMessage(f"Screenshot saved to {path}", 8000)

    # ---- full screen ------------------------------------------------------------------------------------------

    def toggle_fullscreen(self) -> None:
        """Enter or leave full screen (F11)."""
        if self.isFullScreen():
            self.leave_fullscreen()
        else:
            self.enter_fullscreen()

    def enter_fullscreen(self) -> None:
        """Full screen: only the console, plus a small "Exit full screen" bar at the top."""
        self.toolbar.hide()
        self.statusBar().hide()
        self.tab_widget.tabBar().hide()
        self.showFullScreen()
        self.act_fullscreen.setChecked(True)
        self.exit_fullscreen_button.adjustSize()
        self._place_exit_bar()
        self.exit_fullscreen_button.show()
        self.exit_fullscreen_button.raise_()
        if (tab := self.current_tab()) is not None:
            tab.focus_console()

    def leave_fullscreen(self) -> None:
        """Back to a normal window (Ctrl+Alt+Enter, F11, or the "Exit full screen" bar)."""
        if not self.isFullScreen():
            return
        self.exit_fullscreen_button.hide()
        self.showNormal()
        self.toolbar.show()
        self.statusBar().show()
        self.tab_widget.tabBar().show()
        self.act_fullscreen.setChecked(False)

    def _place_exit_bar(self) -> None:
        button = self.exit_fullscreen_button
        button.move((self.width() - button.width()) // 2, 0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Keep the "Exit full screen" bar centred."""
        super().resizeEvent(event)
        self._place_exit_bar()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closing the window closes every console in it."""
        for tab in self.tabs():
            self.close_tab(tab)
        if self is not self._root and self in self._root._windows:
            self._root._windows.remove(self)
            self.deleteLater()
        super().closeEvent(event)
