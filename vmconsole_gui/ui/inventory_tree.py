"""The side tree: vCenter → datacenter → cluster → host, standalone hosts, and VM folders.

Each node carries a :class:`Scope`; selecting a node narrows the inventory table to the VMs inside it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QIcon, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QStyle, QWidget

from vmconsole_gui.services.connections.records import VmRecord

SCOPE_ROLE = Qt.ItemDataRole.UserRole + 10


@dataclass(frozen=True, slots=True)
class Scope:
    """A part of the inventory: a vCenter, optionally narrowed to a datacenter and a cluster, host or folder."""

    profile_id: str
    datacenter: str | None = None
    cluster: str | None = None
    host: str | None = None
    folder: str | None = None

    def contains(self, row: VmRecord) -> bool:
        """Whether ``row`` lies inside this scope."""
        if row.profile_id != self.profile_id:
            return False
        if self.datacenter is not None and row.datacenter != self.datacenter:
            return False
        if self.cluster is not None and row.cluster != self.cluster:
            return False
        if self.host is not None and row.host != self.host:
            return False
        return self.folder is None or row.folder == self.folder or row.folder.startswith(self.folder + "/")

    @property
    def key(self) -> tuple[str | None, ...]:
        """Stable identity of the node (to restore selection and expansion after a rebuild)."""
        return (self.profile_id, self.datacenter, self.cluster, self.host, self.folder)


TreePlan = list[tuple[str, list[tuple[str, list[str]]], list[str], list[str]]]
"""Per datacenter (sorted): its clusters with their hosts, its standalone hosts, its VM folder paths (parents first)."""


def plan_tree(rows: Iterable[VmRecord]) -> TreePlan:
    """The tree's shape for a vCenter's VMs; pure Python, so it can be computed off the GUI thread."""
    placement: dict[str, dict[str, set[str]]] = {}
    standalone: dict[str, set[str]] = {}
    folders: dict[str, set[str]] = {}
    for r in rows:
        if not r.datacenter:
            continue
        if r.cluster:
            placement.setdefault(r.datacenter, {}).setdefault(r.cluster, set()).add(r.host)
        elif r.host:
            standalone.setdefault(r.datacenter, set()).add(r.host)
        else:
            placement.setdefault(r.datacenter, {})
        if r.folder:
            folders.setdefault(r.datacenter, set()).add(r.folder)
    plan: TreePlan = []
    for dc in sorted({*placement, *standalone, *folders}, key=str.casefold):
        clusters = [
            (cluster, sorted(h for h in hosts if h))
            for cluster, hosts in sorted(placement.get(dc, {}).items(), key=lambda kv: kv[0].casefold())
        ]
        parts = [path.split("/") for path in folders.get(dc, ())]
        paths = {"/".join(p[:depth]) for p in parts for depth in range(1, len(p) + 1)}  # every folder on the way
        ordered = sorted(paths, key=lambda p: (p.count("/"), p.casefold()))
        plan.append((dc, clusters, sorted(standalone.get(dc, ())), ordered))
    return plan


class InventoryTreeModel(QStandardItemModel):
    """Tree model rebuilt per vCenter from the VM rows; the vCenter node also shows the connection state."""

    def __init__(self, style_source: QWidget | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self.setHorizontalHeaderLabels(["Inventory"])
        self._profile_items: dict[str, QStandardItem] = {}
        style = style_source.style() if style_source is not None else None
        self._icons = {
            "vcenter": style.standardIcon(QStyle.StandardPixmap.SP_DriveNetIcon) if style else QIcon(),
            "datacenter": style.standardIcon(QStyle.StandardPixmap.SP_ComputerIcon) if style else QIcon(),
            "cluster": style.standardIcon(QStyle.StandardPixmap.SP_DirIcon) if style else QIcon(),
            "host": style.standardIcon(QStyle.StandardPixmap.SP_DriveHDIcon) if style else QIcon(),
            "folder": style.standardIcon(QStyle.StandardPixmap.SP_DirClosedIcon) if style else QIcon(),
        }

    # -- vCenter nodes
    def set_profile(
        self, profile_id: str, name: str, status: str = "", tooltip: str = "", icon: QIcon | None = None
    ) -> None:
        """Create or update the top-level node of one vCenter profile."""
        item = self._profile_items.get(profile_id)
        if item is None:
            item = self._item(name, Scope(profile_id), "vcenter")
            self._profile_items[profile_id] = item
            self.appendRow(item)
        item.setText(f"{name} — {status}" if status else name)
        item.setToolTip(tooltip or name)
        item.setData(f"{name}: {status or 'not connected'}", Qt.ItemDataRole.AccessibleTextRole)
        if icon is not None:
            item.setIcon(icon)

    def remove_profile(self, profile_id: str) -> None:
        """Drop a vCenter profile's node."""
        item = self._profile_items.pop(profile_id, None)
        if item is not None:
            self.removeRow(item.row())

    def profile_ids(self) -> list[str]:
        """Profiles shown, in tree order."""
        return list(self._profile_items)

    # -- contents
    def set_rows(self, profile_id: str, rows: Iterable[VmRecord]) -> None:
        """Rebuild the subtree of one vCenter from its VM rows."""
        self.apply_plan(profile_id, plan_tree(rows))

    def apply_plan(self, profile_id: str, plan: TreePlan) -> None:
        """Rebuild the subtree of one vCenter from a :func:`plan_tree` result (cheap: one item per node)."""
        for _step in self.apply_plan_steps(profile_id, plan):
            pass

    def apply_plan_steps(self, profile_id: str, plan: TreePlan) -> Iterator[None]:
        """:meth:`apply_plan` one datacenter at a time (the caller may yield to the event loop between steps)."""
        root = self._profile_items.get(profile_id)
        if root is None:
            return
        root.removeRows(0, root.rowCount())
        for dc, clusters, standalone, folders in plan:
            yield
            if self._profile_items.get(profile_id) is not root:
                return  # the profile was removed meanwhile
            dc_item = self._item(dc, Scope(profile_id, dc), "datacenter")
            for cluster, hosts in clusters:
                cl_item = self._item(cluster, Scope(profile_id, dc, cluster=cluster), "cluster")
                dc_item.appendRow(cl_item)
                for host in hosts:
                    cl_item.appendRow(self._item(host, Scope(profile_id, dc, cluster=cluster, host=host), "host"))
            for host in standalone:
                dc_item.appendRow(self._item(host, Scope(profile_id, dc, host=host), "host"))
            folder_items: dict[str, QStandardItem] = {}
            for path in folders:
                parent_path, _, leaf = path.rpartition("/")
                item = self._item(leaf, Scope(profile_id, dc, folder=path), "folder")
                item.setToolTip(f"Folder {path}")
                folder_items[path] = item
                (folder_items.get(parent_path) or dc_item).appendRow(item)
            root.appendRow(dc_item)  # one insertion per datacenter, built off-model

    def scope_at(self, index: QModelIndex | QPersistentModelIndex) -> Scope | None:
        """The scope of the node at ``index``."""
        value = index.data(SCOPE_ROLE) if index.isValid() else None
        return value if isinstance(value, Scope) else None

    def index_of(self, key: tuple[str | None, ...]) -> QModelIndex:
        """Find the node whose scope has ``key`` (invalid index when gone)."""
        stack = [self.invisibleRootItem()]
        while stack:
            item = stack.pop()
            for i in range(item.rowCount()):
                child = item.child(i)
                scope = child.data(SCOPE_ROLE)
                if isinstance(scope, Scope) and scope.key == key:
                    return child.index()
                stack.append(child)
        return QModelIndex()

    def _item(self, text: str, scope: Scope, kind: str) -> QStandardItem:
        item = QStandardItem(self._icons[kind], text)
        item.setEditable(False)
        item.setData(scope, SCOPE_ROLE)
        item.setData(f"{kind.capitalize()} {text}", Qt.ItemDataRole.AccessibleTextRole)
        return item
