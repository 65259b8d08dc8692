"""The inventory window: side tree, VM table with search and power filter, details pane, actions."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import QByteArray, QItemSelection, QItemSelectionModel, QModelIndex, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QToolBar,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from vmconsole_gui.services import display_text
from vmconsole_gui.services.connections.records import ConnectionState, ConnectionStatus, VmRecord
from vmconsole_gui.ui.details_pane import DetailsPane
from vmconsole_gui.ui.inventory_controller import InventoryController
from vmconsole_gui.ui.inventory_tree import InventoryTreeModel
from vmconsole_gui.ui.plain_text import PlainStatusBar, plain_label
from vmconsole_gui.ui.vm_filter_proxy import VmFilterProxy
from vmconsole_gui.ui.vm_table_model import ROW_ROLE, Column, VmTableModel
from vmconsole_gui.vsphere.models import PowerAction

SEARCH_DEBOUNCE_MS = 150
POWER_FILTERS = (
    ("All power states", None),
    ("Powered on", frozenset({"POWERED_ON"})),
    ("Powered off", frozenset({"POWERED_OFF"})),
    ("Suspended", frozenset({"SUSPENDED"})),
)


class MainWindow(QMainWindow):
    """The main window; the :class:`~vmconsole_gui.ui.app_window.AppWindowController` supplies the behaviour.

    The window owns the widgets and actions only. Long operations are coroutines started with :meth:`run`,
    which keeps a strong reference to each task and reports unexpected errors.

    Signals are the actions' ``triggered`` signals; the controller connects them.
    """

    def __init__(self, power_icons: dict[str, Any] | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("vmconsole-gui")
        self.setObjectName("mainWindow")
        self._tasks: set[asyncio.Task[Any]] = set()
        self.on_task_error: Callable[[BaseException], None] | None = None

        self.table_model = VmTableModel(power_icons=power_icons, parent=self)
        self.proxy = VmFilterProxy(self)
        self.proxy.setSourceModel(self.table_model)
        self.tree_model = InventoryTreeModel(style_source=self, parent=self)
        self.controller = InventoryController(self.table_model, self.tree_model, parent=self)

        self._build_actions()
        self._build_widgets()
        self._build_menus()
        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DEBOUNCE_MS)
        self._search_timer.timeout.connect(self.apply_search)
        self.search.textEdited.connect(lambda _text: self._search_timer.start())
        self.search.returnPressed.connect(self._on_search_return)
        self.power_filter.currentIndexChanged.connect(self._on_power_filter)
        self.proxy.modelReset.connect(self._update_count)
        self.proxy.layoutChanged.connect(self._update_count)
        self.table_model.modelReset.connect(self._update_empty_state)
        self.table_model.dataChanged.connect(lambda *_: self._update_selection_actions())
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self._kept_selection: tuple[list[tuple[str, str]], tuple[str, str] | None] = ([], None)
        self.proxy.modelAboutToBeReset.connect(self._remember_selection)
        self.proxy.modelReset.connect(self._restore_selection)
        self.tree.selectionModel().selectionChanged.connect(self._on_tree_selection)
        self.controller.profile_shown.connect(lambda _profile_id: self._update_connection_label())
        self.controller.profile_dropped.connect(lambda _profile_id: self._update_connection_label())
        self._update_selection_actions()
        self._update_count()

    # ------------------------------------------------------------------ building
    def _action(self, text: str, shortcut: str | QKeySequence | None = None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        tip = tip or text.replace("&", "").rstrip("…")
        if shortcut is not None:
            tip = f"{tip} ({action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)})"
        action.setToolTip(tip)
        action.setStatusTip(tip)
        return action

    def _build_actions(self) -> None:
        self.act_open_console = self._action("&Open console", "Ctrl+O", "Open the VM's console (Enter, Ctrl+O)")
        self.act_open_vmrc = self._action("Open in &VMRC", "Ctrl+Shift+O", "Open in VMware Remote Console")
        self.act_open_embedded = self._action("Open &embedded console", "Ctrl+E", "Open the console in this app")
        self.act_power_on = self._action("Power o&n", "Ctrl+P")
        self.act_power_off = self._action("Power o&ff", "Ctrl+Shift+P")
        self.act_reset = self._action("&Reset", "Ctrl+Shift+R")
        self.act_suspend = self._action("&Suspend", "Ctrl+Shift+Z")
        self.act_copy_name = self._action("Copy &name", "Ctrl+C")
        self.act_copy_ip = self._action("Copy &IP address", "Ctrl+Shift+C")
        self.act_copy_link = self._action("Copy console &link", None, "Copy a one-time VMRC link")
        self.act_favourite = self._action("Add to fa&vourites", None, "Pin the VM to the tray menu and quick connect")
        self.act_refresh = self._action("&Refresh", "F5", "Refresh the inventory")
        self.act_refresh.setShortcuts([QKeySequence("F5"), QKeySequence("Ctrl+R")])
        self.act_search = self._action("&Find", "Ctrl+F", "Search VMs")
        self.act_connections = self._action("&Connections…", "Ctrl+Shift+N", "Add, edit or remove vCenter connections")
        self.act_settings = self._action("&Settings…", "Ctrl+,")
        self.act_about = self._action("&About vmconsole-gui")
        self.act_open_log = self._action("Open &log folder")
        self.act_quit = self._action("&Quit", "Ctrl+Q")
        self.act_show_details = self._action("&Details pane", "Ctrl+D")
        self.act_show_details.setCheckable(True)
        self.act_show_details.setChecked(True)
        self.vm_actions = [
            self.act_open_console, self.act_open_vmrc, self.act_open_embedded, self.act_power_on,
            self.act_power_off, self.act_reset, self.act_suspend, self.act_copy_name, self.act_copy_ip,
            self.act_copy_link, self.act_favourite,
        ]  # fmt: skip
        self.act_search.triggered.connect(self._focus_search)

    def _build_widgets(self) -> None:
        toolbar = QToolBar("Main toolbar", self)
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        for act in (self.act_open_console, self.act_open_vmrc):
            toolbar.addAction(act)
        toolbar.addSeparator()
        for act in (self.act_power_on, self.act_power_off, self.act_reset, self.act_suspend):
            toolbar.addAction(act)
        toolbar.addSeparator()
        toolbar.addAction(self.act_refresh)
        toolbar.addAction(self.act_connections)
        self.addToolBar(toolbar)

        self.search = QLineEdit(self)
        self.search.setObjectName("searchField")
        self.search.setPlaceholderText("Search name, IP, host, guest OS, vCenter…  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search VMs")
        self.search.setAccessibleDescription("Every word must match the name, IP, host, guest OS or vCenter")
        self.power_filter = QComboBox(self)
        self.power_filter.setObjectName("powerFilter")
        self.power_filter.setAccessibleName("Power state filter")
        for label, _states in POWER_FILTERS:
            self.power_filter.addItem(label)
        filters = QToolBar("Search", self)
        filters.setObjectName("searchToolbar")
        filters.setMovable(False)
        filters.addWidget(self.search)
        filters.addWidget(self.power_filter)
        self.addToolBarBreak()
        self.addToolBar(filters)

        self.tree = QTreeView(self)
        self.tree.setObjectName("inventoryTree")
        self.tree.setAccessibleName("Inventory tree")
        self.tree.setModel(self.tree_model)
        self.tree.setHeaderHidden(True)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)

        self.table = QTableView(self)
        self.table.setObjectName("vmTable")
        self.table.setAccessibleName("Virtual machines")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(Column.NAME, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setSectionsMovable(True)
        header.setStretchLastSection(True)
        for column, width in ((Column.NAME, 240), (Column.POWER, 90), (Column.GUEST_OS, 200), (Column.IP, 120)):
            header.resizeSection(column, width)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.doubleClicked.connect(lambda _index: self.act_open_console.trigger())
        enter = QAction("Open console", self.table)
        enter.setShortcuts([QKeySequence("Return"), QKeySequence("Enter")])
        enter.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        enter.triggered.connect(self.act_open_console.trigger)
        self.table.addAction(enter)

        self.empty_page = QWidget(self)
        empty_layout = QVBoxLayout(self.empty_page)
        empty_layout.addStretch(1)
        self.empty_label = QLabel("No vCenter connection yet.", self.empty_page)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_button = QPushButton("&Add a vCenter connection…", self.empty_page)
        self.empty_button.setAccessibleName("Add a vCenter connection")
        self.empty_button.clicked.connect(self.act_connections.trigger)
        empty_layout.addWidget(self.empty_label)
        empty_layout.addWidget(self.empty_button, 0, Qt.AlignmentFlag.AlignHCenter)
        empty_layout.addStretch(2)
        self.table_stack = QStackedWidget(self)
        self.table_stack.addWidget(self.table)
        self.table_stack.addWidget(self.empty_page)

        self.details = DetailsPane(self)
        self.act_show_details.toggled.connect(self.details.setVisible)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.tree)
        self.splitter.addWidget(self.table_stack)
        self.splitter.addWidget(self.details)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 4)
        self.splitter.setStretchFactor(2, 1)
        self.splitter.setSizes([220, 760, 260])
        self.setCentralWidget(self.splitter)

        self.count_label = QLabel(self)
        self.count_label.setObjectName("countLabel")
        self.connection_label = plain_label(QLabel(self))
        self.connection_label.setObjectName("connectionLabel")
        self.connection_label.setAccessibleName("Connection status")
        self.setStatusBar(PlainStatusBar(self))  # every message (often a server's words) is cleaned and bounded
        self.statusBar().addPermanentWidget(self.connection_label)
        self.statusBar().addPermanentWidget(self.count_label)
        self.resize(1280, 760)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addActions([self.act_connections, self.act_settings])
        file_menu.addSeparator()
        file_menu.addAction(self.act_quit)
        view = bar.addMenu("&View")
        view.addActions([self.act_refresh, self.act_search, self.act_show_details])
        self.vm_menu = bar.addMenu("&VM")
        self._fill_vm_menu(self.vm_menu)
        help_menu = bar.addMenu("&Help")
        help_menu.addActions([self.act_open_log, self.act_about])
        self.table.customContextMenuRequested.connect(self._table_context_menu)

    def _fill_vm_menu(self, menu: QMenu) -> None:
        menu.addActions([self.act_open_console, self.act_open_vmrc, self.act_open_embedded])
        menu.addSeparator()
        power = menu.addMenu("&Power")
        power.addActions([self.act_power_on, self.act_power_off, self.act_reset, self.act_suspend])
        menu.addSeparator()
        menu.addActions([self.act_copy_name, self.act_copy_ip, self.act_copy_link])
        menu.addSeparator()
        menu.addAction(self.act_favourite)

    # ------------------------------------------------------------------ tasks
    def run(self, coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run ``coroutine`` on the event loop, keeping a reference until it is done."""
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None and self.on_task_error is not None:
            self.on_task_error(exc)

    async def cancel_tasks(self) -> None:
        """Cancel every running task of the window and wait for them."""
        tasks = [t for t in self._tasks if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    # ------------------------------------------------------------------ selection
    def selected_records(self) -> list[VmRecord]:
        """The selected VMs, in display order."""
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.proxy.row_at(r) for r in rows]

    def current_record(self) -> VmRecord | None:
        """The focused VM (or the first selected one)."""
        index = self.table.currentIndex()
        if index.isValid() and self.table.selectionModel().isRowSelected(index.row(), QModelIndex()):
            value = index.data(ROW_ROLE)
            return value if isinstance(value, VmRecord) else None
        selected = self.selected_records()
        return selected[0] if selected else None

    def select_vm(self, profile_id: str, vm_id: str) -> bool:
        """Select and show the VM, if it is visible; return whether it was found."""
        source_row = self.table_model.row_index((profile_id, vm_id))
        if source_row is None:
            return False
        index = self.proxy.mapFromSource(self.table_model.index(source_row, 0))
        if not index.isValid():
            return False
        self.table.setCurrentIndex(index)
        self.table.selectRow(index.row())
        self.table.scrollTo(index)
        return True

    def _remember_selection(self) -> None:
        current = self.current_record()
        self._kept_selection = (
            [(r.profile_id, r.vm_id) for r in self.selected_records()],
            (current.profile_id, current.vm_id) if current else None,
        )

    def _restore_selection(self) -> None:
        """A refreshed inventory replaces the rows: keep the same VMs selected."""
        keys, current = self._kept_selection
        self._kept_selection = ([], None)
        selection = self.table.selectionModel()
        for key in keys:
            source_row = self.table_model.row_index(key)
            index = self.proxy.mapFromSource(self.table_model.index(source_row, 0)) if source_row is not None else None
            if index is not None and index.isValid():
                flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
                selection.select(index, flags)
                if key == current:
                    selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.NoUpdate)

    def _on_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._update_selection_actions()

    def _update_selection_actions(self) -> None:
        records = self.selected_records()
        one = len(records) == 1
        any_selected = bool(records)
        power = records[0].power_state if one else ""
        self.act_open_console.setEnabled(one)
        self.act_open_vmrc.setEnabled(one)
        self.act_open_embedded.setEnabled(one and power == "POWERED_ON")
        self.act_copy_link.setEnabled(one)
        self.act_favourite.setEnabled(one)
        self.act_power_on.setEnabled(one and power != "POWERED_ON")
        self.act_power_off.setEnabled(one and power != "POWERED_OFF")
        self.act_reset.setEnabled(one and power == "POWERED_ON")
        self.act_suspend.setEnabled(one and power == "POWERED_ON")
        self.act_copy_name.setEnabled(any_selected)
        self.act_copy_ip.setEnabled(any_selected)

    def refresh_selection_state(self) -> None:
        """Re-evaluate the enabled actions (after a power change of the selected VM)."""
        self._update_selection_actions()

    # ------------------------------------------------------------------ search and filters
    def _focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def apply_search(self) -> None:
        """Apply the search field now (the debounce timer calls this)."""
        self._search_timer.stop()
        self.proxy.set_search(self.search.text())

    def _on_search_return(self) -> None:
        self.apply_search()
        if self.proxy.rowCount():
            self.table.setFocus()
            self.table.selectRow(0)

    def keyPressEvent(self, event: Any) -> None:
        """Escape in the search field clears it."""
        if event.key() == Qt.Key.Key_Escape and self.search.hasFocus() and self.search.text():
            self.search.clear()
            self.apply_search()
            return
        super().keyPressEvent(event)

    def _on_power_filter(self, index: int) -> None:
        self.proxy.set_power_states(POWER_FILTERS[index][1])

    def _on_tree_selection(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = self.tree.selectionModel().selectedIndexes()
        scope = self.tree_model.scope_at(indexes[0]) if indexes else None
        self.proxy.set_scope(scope.contains if scope is not None else None)
        self._update_connection_label()

    def _update_count(self) -> None:
        total = self.table_model.rowCount()
        shown = self.proxy.rowCount()
        self.count_label.setText(f"{total:,} VMs" if shown == total else f"{shown:,} of {total:,} VMs")
        self._update_selection_actions()

    def _update_empty_state(self) -> None:
        has_rows = self.table_model.rowCount() > 0
        has_profiles = bool(self.tree_model.profile_ids())
        self.table_stack.setCurrentWidget(self.table if has_rows or has_profiles else self.empty_page)

    def show_empty_state(self, no_profiles: bool) -> None:
        """Show the "add a connection" page instead of an empty table when there is no profile."""
        self.table_stack.setCurrentWidget(self.empty_page if no_profiles else self.table)

    # ------------------------------------------------------------------ context menu
    def _table_context_menu(self, pos: Any) -> None:
        index = self.table.indexAt(pos)
        if index.isValid() and not self.table.selectionModel().isRowSelected(index.row(), QModelIndex()):
            self.table.selectRow(index.row())
        if not self.selected_records():
            return
        menu = QMenu(self)
        self._fill_vm_menu(menu)
        menu.popup(self.table.viewport().mapToGlobal(pos))

    # ------------------------------------------------------------------ state
    def show_connection_state(self, state: ConnectionState) -> None:
        """Put a connection problem in the status bar."""
        if state.status is ConnectionStatus.ERROR and state.message:
            self.statusBar().showMessage(state.message, 15000)

    def focused_profile(self) -> str | None:
        """The vCenter the status bar speaks of: the one of the selected tree node, else the only one shown."""
        indexes = self.tree.selectionModel().selectedIndexes()
        scope = self.tree_model.scope_at(indexes[0]) if indexes else None
        if scope is not None:
            return scope.profile_id
        profile_ids = self.tree_model.profile_ids()
        return profile_ids[0] if len(profile_ids) == 1 else None

    def _update_connection_label(self) -> None:
        """Say in the status bar how the focused vCenter is connected and how its VM list is kept current.

        With several vCenters and none selected in the tree: how many are connected; the tooltip lists each one.
        """
        controller = self.controller
        profile_ids = self.tree_model.profile_ids()
        focused = self.focused_profile()
        if focused is not None:
            text = controller.summary(focused)
            if len(profile_ids) > 1:
                text = f"{controller.profile_name(focused)}: {text}"
            tip = controller.tooltip_text(focused)
        elif profile_ids:
            states = [controller.state(p) for p in profile_ids]
            connected = sum(1 for s in states if s is not None and s.status is ConnectionStatus.CONNECTED)
            text = f"{connected} of {len(profile_ids)} vCenters connected"
            tip = "\n".join(f"{controller.profile_name(p)}: {controller.summary(p)}" for p in profile_ids)
        else:
            text = tip = ""
        self.connection_label.setText(display_text.line(text))
        self.connection_label.setToolTip(display_text.tooltip(tip) if tip else "")

    def save_layout(self) -> dict[str, bytes]:
        """Window geometry, splitter and column layout, as blobs for the settings file."""
        return {
            "main_window.geometry": bytes(self.saveGeometry().data()),
            "main_window.state": bytes(self.saveState().data()),
            "main_window.splitter": bytes(self.splitter.saveState().data()),
            "main_window.columns": bytes(self.table.horizontalHeader().saveState().data()),
        }

    def restore_layout(self, blobs: dict[str, bytes | None]) -> None:
        """Restore what :meth:`save_layout` returned (missing blobs are skipped)."""
        if blob := blobs.get("main_window.geometry"):
            self.restoreGeometry(QByteArray(blob))
        if blob := blobs.get("main_window.state"):
            self.restoreState(QByteArray(blob))
        if blob := blobs.get("main_window.splitter"):
            self.splitter.restoreState(QByteArray(blob))
        if blob := blobs.get("main_window.columns"):
            self.table.horizontalHeader().restoreState(QByteArray(blob))
            self.table.horizontalHeader().setSortIndicatorShown(True)

    # ------------------------------------------------------------------ close
    on_close: Callable[[QCloseEvent], None] | None = None

    def closeEvent(self, event: QCloseEvent) -> None:
        """Let the app controller decide (save layout, quit or hide to the tray)."""
        if self.on_close is not None:
            self.on_close(event)
        else:
            super().closeEvent(event)


def power_action_for(action: QAction, window: MainWindow) -> PowerAction:
    """The power operation behind one of the window's power actions."""
    return {
        window.act_power_on: PowerAction.START,
        window.act_power_off: PowerAction.STOP,
        window.act_reset: PowerAction.RESET,
        window.act_suspend: PowerAction.SUSPEND,
    }[action]
