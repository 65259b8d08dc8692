"""Receives the connection manager's events and keeps the table, the tree and the state summary up to date.

The manager runs on the qasync loop, so every callback already arrives on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QObject, Signal

from vmconsole_gui.services.connections.records import ConnectionState, ConnectionStatus, VmRecord
from vmconsole_gui.ui.inventory_tree import InventoryTreeModel
from vmconsole_gui.ui.vm_table_model import VmTableModel

STATUS_LABELS = {
    ConnectionStatus.IDLE: "not connected",
    ConnectionStatus.CONNECTING: "connecting…",
    ConnectionStatus.CONNECTED: "connected",
    ConnectionStatus.NEEDS_PASSWORD: "password needed",
    ConnectionStatus.NEEDS_TRUST: "certificate not trusted",
    ConnectionStatus.ERROR: "error",
}


class InventoryController(QObject):
    """Implements the services' ``ConnectionEvents`` on top of the Qt models.

    Signals:
        connection_state_changed(object): a profile's :class:`ConnectionState` changed.
        inventory_changed(str, bool): a profile's VM list was replaced (profile id, stale).
        profile_dropped(str): a profile was removed.
    """

    connection_state_changed = Signal(object)
    inventory_changed = Signal(str, bool)
    profile_dropped = Signal(str)

    def __init__(self, table: VmTableModel, tree: InventoryTreeModel, parent: Any = None) -> None:
        super().__init__(parent)
        self.table = table
        self.tree = tree
        self._states: dict[str, ConnectionState] = {}
        self._names: dict[str, str] = {}
        self._stale: dict[str, bool] = {}

    # -- ConnectionEvents
    def state_changed(self, state: ConnectionState) -> None:
        """A profile's connection state changed: show it on its tree node."""
        self._states[state.profile_id] = state
        self._show_profile(state.profile_id)
        self.connection_state_changed.emit(state)

    def inventory_replaced(self, profile_id: str, records: Sequence[VmRecord], stale: bool) -> None:
        """All VMs of one profile were (re)listed, or loaded from the cache when ``stale``."""
        self._stale[profile_id] = stale
        if records:
            self._names[profile_id] = records[0].vcenter
        self.table.set_rows_for_profile(profile_id, records)
        self.tree.set_rows(profile_id, records)
        self._show_profile(profile_id)
        self.inventory_changed.emit(profile_id, stale)

    def vms_updated(self, records: Sequence[VmRecord]) -> None:
        """Some VMs changed (power, enrichment): one bulk table update; the tree only when folders moved."""
        rows, row_index = self.table.rows(), self.table.row_index
        folders_changed: set[str] = set()
        for record in records:
            i = row_index((record.profile_id, record.vm_id))
            if i is not None and rows[i].folder != record.folder:
                folders_changed.add(record.profile_id)
        self.table.update_rows(records)
        for profile_id in folders_changed:
            self.tree.set_rows(profile_id, [r for r in self.table.rows() if r.profile_id == profile_id])

    def profile_removed(self, profile_id: str) -> None:
        """A profile was deleted: drop its rows and node."""
        self._states.pop(profile_id, None)
        self._stale.pop(profile_id, None)
        self.table.set_rows_for_profile(profile_id, [])
        self.tree.remove_profile(profile_id)
        self.profile_dropped.emit(profile_id)

    # -- queries
    def set_profile_name(self, profile_id: str, name: str) -> None:
        """Register (or rename) a profile so its node exists before any event."""
        self._names[profile_id] = name
        self._show_profile(profile_id)

    def state(self, profile_id: str) -> ConnectionState | None:
        """Last known state of a profile."""
        return self._states.get(profile_id)

    def is_stale(self, profile_id: str) -> bool:
        """Whether the shown inventory of a profile came from the cache and was not refreshed yet."""
        return self._stale.get(profile_id, False)

    def status_text(self, profile_id: str) -> tuple[str, str]:
        """(short label, human message) of a profile's state, for lists and tooltips."""
        state = self._states.get(profile_id)
        if state is None:
            return (STATUS_LABELS[ConnectionStatus.IDLE], "")
        label = STATUS_LABELS[state.status]
        if state.status is ConnectionStatus.CONNECTED and state.refreshing:
            label = "refreshing…"
        return (label, state.message)

    def _show_profile(self, profile_id: str) -> None:
        name = self._names.get(profile_id, profile_id)
        label, message = self.status_text(profile_id)
        state = self._states.get(profile_id)
        if state is not None and state.status is ConnectionStatus.CONNECTED and state.vm_count is not None:
            label = f"{label}, {state.vm_count:,} VMs"
        if self._stale.get(profile_id):
            label = f"{label} (cached list)"
        self.tree.set_profile(profile_id, name, label, tooltip=message or f"{name}: {label}")
