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

from vmconsole_gui.services import display_text
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
        plan.append((dc, clusters, sorted(standalone.get(dc, ())), _folder_paths(folders.get(dc, ()))))
    return plan


def _folder_paths(folders: Iterable[str]) -> list[str]:
    """Every folder on the way to ``folders``, parents first, each level sorted."""
    parts = [path.split("/") for path in folders]
    paths = {"/".join(p[:depth]) for p in parts for depth in range(1, len(p) + 1)}
    return sorted(paths, key=lambda p: (p.count("/"), p.casefold()))


def replan_folders(plan: TreePlan, folders: Iterable[tuple[str, str]]) -> TreePlan:
    """``plan`` with its folders replaced by ``folders`` ((datacenter, path) pairs that hold VMs).

    Cheap (no pass over the VMs): what enrichment needs when VMs move into folders while the rest of the placement
    stays. Gives what :func:`plan_tree` would give for rows with those folders.
    """
    by_dc: dict[str, set[str]] = {}
    for dc, path in folders:
        by_dc.setdefault(dc, set()).add(path)
    shapes = {dc: (clusters, standalone) for dc, clusters, standalone, _folders in plan}
    return [
        (dc, *shapes.get(dc, ([], [])), _folder_paths(by_dc.get(dc, ())))
        for dc in sorted({*shapes, *by_dc}, key=str.casefold)
    ]


class _ChildrenOf:
    """The wanted children of any node of one datacenter's plan: (scope, text, kind) in display order."""

    def __init__(self, clusters: list[tuple[str, list[str]]], standalone: list[str], folders: list[str]) -> None:
        self._hosts = dict(clusters)
        self._clusters = [cluster for cluster, _hosts in clusters]
        self._standalone = standalone
        self._subfolders: dict[str, list[str]] = {}
        for path in folders:  # parents first, each level sorted
            self._subfolders.setdefault(path.rpartition("/")[0], []).append(path)

    def __call__(self, scope: Scope) -> list[tuple[Scope, str, str]]:
        profile_id, dc = scope.profile_id, scope.datacenter
        if scope.folder is not None:
            paths = self._subfolders.get(scope.folder, [])
        elif scope.host is not None:
            return []
        elif scope.cluster is not None:
            cluster = scope.cluster
            return [(Scope(profile_id, dc, cluster, h), h, "host") for h in self._hosts[cluster]]
        else:  # the datacenter: clusters, standalone hosts, top-level folders
            paths = self._subfolders.get("", [])
            wanted = [(Scope(profile_id, dc, c), c, "cluster") for c in self._clusters]
            wanted += [(Scope(profile_id, dc, None, h), h, "host") for h in self._standalone]
            return wanted + [(Scope(profile_id, dc, folder=p), p.rpartition("/")[2], "folder") for p in paths]
        return [(Scope(profile_id, dc, folder=p), p.rpartition("/")[2], "folder") for p in paths]


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
        """Create or update the top-level node of one vCenter profile (the tooltip is shown as literal text)."""
        name = display_text.name(name)
        status = display_text.line(status)
        item = self._profile_items.get(profile_id)
        if item is None:
            item = self._item(name, Scope(profile_id), "vcenter")
            self._profile_items[profile_id] = item
            self.appendRow(item)
        item.setText(f"{name} — {status}" if status else name)
        item.setToolTip(display_text.tooltip(tooltip or name))
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
        """Bring the subtree of one vCenter in line with a :func:`plan_tree` result."""
        for _step in self.apply_plan_steps(profile_id, plan):
            pass

    def apply_plan_steps(self, profile_id: str, plan: TreePlan) -> Iterator[None]:
        """:meth:`apply_plan` one datacenter at a time (the caller may yield to the event loop between steps).

        Nodes that stay keep their items, so the user's selection and expanded branches survive a refresh; vanished
        nodes are removed, and each new branch is built off-model and inserted whole (one signal per run of them).
        """
        root = self._profile_items.get(profile_id)
        if root is None:
            return
        self._remove_vanished(root, {Scope(profile_id, dc).key for dc, *_rest in plan})
        for position, (dc, clusters, standalone, folders) in enumerate(plan):
            yield
            if self._profile_items.get(profile_id) is not root:
                return  # the profile was removed meanwhile
            self._sync_children(
                root, [(Scope(profile_id, dc), dc, "datacenter")], _ChildrenOf(clusters, standalone, folders), position
            )

    def _sync_children(
        self, parent: QStandardItem, wanted: list[tuple[Scope, str, str]], children_of: _ChildrenOf, first: int = 0
    ) -> None:
        """Make ``parent``'s rows from ``first`` on begin with ``wanted`` (in order), recursively below each."""
        if first == 0:
            self._remove_vanished(parent, {scope.key for scope, _text, _kind in wanted})
        present = {self._key(parent.child(i)): parent.child(i) for i in range(first, parent.rowCount())}
        run: list[QStandardItem] = []
        run_at = first
        for position, (scope, text, kind) in enumerate(wanted, start=first):
            item = present.get(scope.key)
            if item is None:
                item = self._item(text, scope, kind)
                self._sync_children(item, children_of(scope), children_of)  # off-model: no signals
                if not run:
                    run_at = position
                run.append(item)
                continue
            if run:
                parent.insertRows(run_at, run)
                run = []
            if item.row() != position:  # out of order (names equal but for case): move it into place
                parent.insertRow(position, parent.takeRow(item.row()))
            self._sync_children(item, children_of(scope), children_of)
        if run:
            parent.insertRows(run_at, run)

    def _remove_vanished(self, parent: QStandardItem, keep: set[tuple[str | None, ...]]) -> None:
        """Remove the children of ``parent`` whose scope is not in ``keep`` (one call per contiguous run)."""
        row = parent.rowCount() - 1
        while row >= 0:
            end = row
            while row >= 0 and self._key(parent.child(row)) not in keep:
                row -= 1
            if row < end:
                parent.removeRows(row + 1, end - row)
            row -= 1

    @staticmethod
    def _key(item: QStandardItem) -> tuple[str | None, ...] | None:
        scope = item.data(SCOPE_ROLE)
        return scope.key if isinstance(scope, Scope) else None

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
        """A node showing ``text`` cleaned (the plan's names may come straight from a server)."""
        text = display_text.name(text)
        item = QStandardItem(self._icons[kind], text)
        item.setEditable(False)
        item.setData(scope, SCOPE_ROLE)
        item.setData(f"{kind.capitalize()} {text}", Qt.ItemDataRole.AccessibleTextRole)
        if scope.folder is not None:
            item.setToolTip(display_text.tooltip(f"Folder {display_text.path(scope.folder)}"))
        return item
