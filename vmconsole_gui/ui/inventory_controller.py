"""Receives the connection manager's events and keeps the table, the tree and the state summary up to date.

The manager runs on the qasync loop, so every callback already arrives on the GUI thread.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from vmconsole_gui.services import display_text
from vmconsole_gui.services.connections.records import ConnectionState, ConnectionStatus, VmRecord
from vmconsole_gui.services.heap import freeze_heap_if_large
from vmconsole_gui.ui import connection_summary
from vmconsole_gui.ui.inventory_tree import InventoryTreeModel, TreePlan, plan_tree, replan_folders
from vmconsole_gui.ui.vm_rows import display_record
from vmconsole_gui.ui.vm_table_model import PreparedRows, VmTableModel


def _loop_running() -> bool:
    """Whether an asyncio loop runs (the app's qasync loop); without one, work is done synchronously."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


FolderCounts = Counter[tuple[str, str]]
"""VMs per (datacenter, folder path) of one vCenter: the tree changes only when a count goes to or from zero."""


def _folder_counts(records: Iterable[VmRecord]) -> FolderCounts:
    return Counter((r.datacenter, r.folder) for r in records if r.datacenter and r.folder)


def _prepare(records: list[VmRecord], sort_columns: tuple[int, ...]) -> tuple[PreparedRows, TreePlan, FolderCounts]:
    prepared = VmTableModel.prepare_rows(records, sort_columns)  # display records: the tree shows the same names
    return prepared, plan_tree(prepared.rows), _folder_counts(prepared.rows)


UPDATE_BUDGET_S = 0.004
"""Time one event-loop turn may spend applying queued VM updates (the slice size follows the measured cost)."""
UPDATE_SLICE_MIN = 100
TREE_REBUILD_DELAY_MS = 500
"""Folder moves arrive in bursts during enrichment: the side tree is rebuilt once they settle."""


class InventoryController(QObject):
    """Implements the services' ``ConnectionEvents`` on top of the Qt models.

    Signals:
        connection_state_changed(object): a profile's :class:`ConnectionState` changed.
        inventory_changed(str, bool): a profile's VM list was replaced (profile id, stale).
        profile_dropped(str): a profile was removed.
        profile_shown(str): a profile's node was updated (state, VM count, cached list or name): its
            :meth:`summary` may read differently now.
    """

    connection_state_changed = Signal(object)
    inventory_changed = Signal(str, bool)
    profile_dropped = Signal(str)
    profile_shown = Signal(str)

    def __init__(self, table: VmTableModel, tree: InventoryTreeModel, parent: Any = None) -> None:
        super().__init__(parent)
        self.table = table
        self.tree = tree
        self._states: dict[str, ConnectionState] = {}
        self._names: dict[str, str] = {}
        self._stale: dict[str, bool] = {}
        self._generation: dict[str, int] = {}
        self._queued: dict[str, list[VmRecord]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._updates: list[VmRecord] = []
        self._update_task: asyncio.Task[None] | None = None
        self._tree_dirty: set[str] = set()
        self._folder_counts: dict[str, FolderCounts] = {}
        self._plans: dict[str, TreePlan] = {}
        self._tree_builds: dict[str, int] = {}
        self._tree_timer = QTimer(self, singleShot=True, interval=TREE_REBUILD_DELAY_MS)
        self._tree_timer.timeout.connect(self._rebuild_dirty_trees)

    # -- ConnectionEvents
    def state_changed(self, state: ConnectionState) -> None:
        """A profile's connection state changed: show it on its tree node."""
        self._states[state.profile_id] = state
        self._show_profile(state.profile_id)
        self.connection_state_changed.emit(state)

    def inventory_replaced(self, profile_id: str, records: Sequence[VmRecord], stale: bool) -> None:
        """All VMs of one profile were (re)listed, or loaded from the cache when ``stale``.

        Search texts, sort keys and the tree's shape are computed in a worker thread (50 000 VMs would otherwise
        freeze the window for a few hundred milliseconds); updates that arrive meanwhile are applied afterwards.
        """
        self._stale[profile_id] = stale
        if records:
            self._names[profile_id] = records[0].vcenter
        generation = self._generation.get(profile_id, 0) + 1
        self._generation[profile_id] = generation
        self._queued.setdefault(profile_id, [])
        if not _loop_running():  # a plain script: do it right away
            self._install(profile_id, generation, *_prepare(list(records), self.table.sort_columns()))
            return
        task = asyncio.ensure_future(self._replace(profile_id, list(records), generation))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _replace(self, profile_id: str, records: list[VmRecord], generation: int) -> None:
        prepared, plan, counts = await asyncio.to_thread(_prepare, records, self.table.sort_columns())
        if self._generation.get(profile_id) != generation:
            return
        self._install_rows(profile_id, prepared, plan, counts)
        freeze_heap_if_large(self.table.rowCount())  # the table's and the proxy's new 50k-entry lists included
        if await self._apply_tree(profile_id, plan, generation):
            self._finish_install(profile_id)

    async def _apply_tree(self, profile_id: str, plan: TreePlan, generation: int) -> bool:
        """Apply a tree plan a datacenter per event-loop turn; False when a newer list superseded it meanwhile.

        A newer tree build for the same list stops this one (its plan is more recent) but still counts as done.
        """
        build = self._tree_builds[profile_id] = self._tree_builds.get(profile_id, 0) + 1
        for _step in self.tree.apply_plan_steps(profile_id, plan):
            await asyncio.sleep(0)
            if self._generation.get(profile_id, 0) != generation:
                return False
            if self._tree_builds.get(profile_id) != build:
                break
        return True

    def _install(
        self, profile_id: str, generation: int, prepared: PreparedRows, plan: TreePlan, counts: FolderCounts
    ) -> None:
        if self._generation.get(profile_id) != generation:
            return  # a newer list (or the profile's removal) superseded this one
        self._install_rows(profile_id, prepared, plan, counts)
        self.tree.apply_plan(profile_id, plan)
        self._finish_install(profile_id)

    def _install_rows(self, profile_id: str, prepared: PreparedRows, plan: TreePlan, counts: FolderCounts) -> None:
        """Show the rows; keep the tree's plan and folder counts that later folder moves are applied to."""
        queued = self._queued.pop(profile_id, [])
        self.table.set_rows_for_profile(profile_id, prepared)
        self._plans[profile_id] = plan
        self._folder_counts[profile_id] = counts
        if queued:
            self.vms_updated(queued)

    def _finish_install(self, profile_id: str) -> None:
        self._show_profile(profile_id)
        self.inventory_changed.emit(profile_id, self._stale.get(profile_id, False))

    def vms_updated(self, records: Sequence[VmRecord]) -> None:
        """Some VMs changed (power, enrichment): queued and applied in chunks, so the window never freezes.

        They are display records from here on, like the table's rows (their folders are compared with those).
        """
        records = [display_record(r) for r in records]
        if self._queued:  # a replaced list is being prepared: its updates wait for it
            for r in records:
                if r.profile_id in self._queued:
                    self._queued[r.profile_id].append(r)
            records = [r for r in records if r.profile_id not in self._queued]
        self._updates.extend(records)
        if not _loop_running():  # a plain script: apply right away
            self._apply_updates(len(self._updates))
            return
        if self._update_task is None or self._update_task.done():
            self._update_task = asyncio.ensure_future(self._drain_updates())
            self._tasks.add(self._update_task)
            self._update_task.add_done_callback(self._tasks.discard)

    async def _drain_updates(self) -> None:
        seconds_per_update = 5e-6  # first guess; then measured on this machine, under its current load
        while self._updates:
            count = max(UPDATE_SLICE_MIN, int(UPDATE_BUDGET_S / seconds_per_update))
            started = time.perf_counter()
            applied = self._apply_updates(count)
            seconds_per_update = (time.perf_counter() - started) / max(applied, 1)
            await asyncio.sleep(0)

    def _apply_updates(self, count: int) -> int:
        """Apply up to ``count`` queued updates in one table change; rebuild trees whose folders moved (later).

        A tree is rebuilt only when a folder gains its first VM or loses its last: enrichment places 50 000 VMs
        into a few hundred folders, and re-planning the tree for every burst would keep a worker thread busy.
        """
        chunk, self._updates = self._updates[:count], self._updates[count:]
        rows, row_index = self.table.rows(), self.table.row_index
        earlier: dict[int, VmRecord] = {}  # a VM updated twice in one chunk: its first update is the "old" one
        for record in chunk:
            i = row_index((record.profile_id, record.vm_id))
            if i is None:
                continue
            old = earlier.get(i, rows[i])
            earlier[i] = record
            if old.folder == record.folder:
                continue
            counts = self._folder_counts.setdefault(record.profile_id, Counter())
            if old.datacenter and old.folder:
                counts[(old.datacenter, old.folder)] -= 1
                if counts[(old.datacenter, old.folder)] <= 0:
                    del counts[(old.datacenter, old.folder)]
                    self._tree_dirty.add(record.profile_id)
            if record.datacenter and record.folder:
                counts[(record.datacenter, record.folder)] += 1
                if counts[(record.datacenter, record.folder)] == 1:
                    self._tree_dirty.add(record.profile_id)
        self.table.update_rows(chunk)
        if self._tree_dirty and not self._tree_timer.isActive():
            self._tree_timer.start()
        return len(chunk)

    def _rebuild_dirty_trees(self) -> None:
        """Show folders that gained their first VM or lost their last (the rest of the tree's shape stays)."""
        dirty, self._tree_dirty = self._tree_dirty, set()
        for profile_id in dirty:
            plan = replan_folders(self._plans.get(profile_id, []), self._folder_counts.get(profile_id, {}))
            self._plans[profile_id] = plan
            if not _loop_running():
                self.tree.apply_plan(profile_id, plan)
                continue
            task = asyncio.ensure_future(self._apply_tree(profile_id, plan, self._generation.get(profile_id, 0)))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def profile_removed(self, profile_id: str) -> None:
        """A profile was deleted: drop its rows and node."""
        self._states.pop(profile_id, None)
        self._stale.pop(profile_id, None)
        self._generation[profile_id] = self._generation.get(profile_id, 0) + 1
        self._queued.pop(profile_id, None)
        self._folder_counts.pop(profile_id, None)
        self._plans.pop(profile_id, None)
        self.table.set_rows_for_profile(profile_id, [])
        self.tree.remove_profile(profile_id)
        self.profile_dropped.emit(profile_id)

    async def aclose(self) -> None:
        """Drop list replacements still being prepared (on shutdown)."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

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

    def profile_name(self, profile_id: str) -> str:
        """The profile's name as registered (cleaned for display), or its id when it was never named."""
        return display_text.name(self._names.get(profile_id, profile_id))

    def status_text(self, profile_id: str) -> tuple[str, str]:
        """(short label, human message) of a profile's state, for lists and tooltips; the message is cleaned.

        While connected the message says how many VMs there are and how the list is kept current ("9 VMs · live
        updates (PropertyCollector)" or "… · REST listing"), followed by the state's own message if it has one.
        """
        state = self._states.get(profile_id)
        label = connection_summary.status_label(state)
        if state is None:
            return (label, "")
        details = connection_summary.SEPARATOR.join(connection_summary.connected_details(state))
        message = display_text.message(state.message)
        return (label, "\n".join(part for part in (details, message) if part))

    def summary(self, profile_id: str) -> str:
        """One line for the status bar: "Connected · 9 VMs · live updates (PropertyCollector)"."""
        return connection_summary.summary(self._states.get(profile_id), stale=self._stale.get(profile_id, False))

    def tooltip_text(self, profile_id: str) -> str:
        """Plain text of the profile's tooltip: name and summary, what the inventory path means, the message."""
        state = self._states.get(profile_id)
        lines = [f"{self.profile_name(profile_id)}: {self.summary(profile_id)}"]
        if state is not None and state.status is ConnectionStatus.CONNECTED:
            lines.append(connection_summary.path_explanation(state.inventory_via))
        if state is not None:
            lines.append(display_text.message(state.message))
        return "\n".join(line for line in lines if line)

    def _show_profile(self, profile_id: str) -> None:
        name = self._names.get(profile_id, profile_id)
        label = connection_summary.status_label(self._states.get(profile_id))
        state = self._states.get(profile_id)
        if state is not None and state.status is ConnectionStatus.CONNECTED and state.vm_count is not None:
            label = f"{label}, {state.vm_count:,} VMs"
        if self._stale.get(profile_id):
            label = f"{label} (cached list)"
        self.tree.set_profile(profile_id, name, label, tooltip=self.tooltip_text(profile_id))
        self.profile_shown.emit(profile_id)
