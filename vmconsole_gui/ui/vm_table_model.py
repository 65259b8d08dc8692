"""Table model of all VMs of all connected vCenters (the source model of the inventory view)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QIcon

from vmconsole_gui.services.connections.records import VmRecord
from vmconsole_gui.ui.vm_rows import natural_key, record_key, search_text

ROW_ROLE = Qt.ItemDataRole.UserRole + 1
"""Data role returning the row's :class:`VmRecord`."""

_Index = QModelIndex | QPersistentModelIndex


class Column(IntEnum):
    """Columns of the inventory table, in display order."""

    NAME = 0
    POWER = 1
    GUEST_OS = 2
    IP = 3
    HOST = 4
    CLUSTER = 5
    VCENTER = 6


HEADERS = {
    Column.NAME: "Name",
    Column.POWER: "Power",
    Column.GUEST_OS: "Guest OS",
    Column.IP: "IP address",
    Column.HOST: "Host",
    Column.CLUSTER: "Cluster",
    Column.VCENTER: "vCenter",
}

POWER_LABELS = {"POWERED_ON": "On", "POWERED_OFF": "Off", "SUSPENDED": "Suspended"}

_CELL: dict[Column, Callable[[VmRecord], str]] = {
    Column.NAME: lambda r: r.name,
    Column.POWER: lambda r: POWER_LABELS.get(r.power_state, r.power_state.title()),
    Column.GUEST_OS: lambda r: r.guest_os,
    Column.IP: lambda r: r.ip_address,
    Column.HOST: lambda r: r.host,
    Column.CLUSTER: lambda r: r.cluster,
    Column.VCENTER: lambda r: r.vcenter,
}


def _ip_key(text: str) -> tuple[object, ...]:
    parts = text.split(".")
    if len(parts) == 4 and all(p.isdigit() for p in parts):
        return (0, *map(int, parts))
    return (1, text) if text else (2, "")


def _natural_sort_key(cell: Callable[[VmRecord], str]) -> Callable[[VmRecord], Any]:
    return lambda r: natural_key(cell(r))


_SORT_KEY: dict[int, Callable[[VmRecord], Any]] = {
    int(column): _natural_sort_key(cell) for column, cell in _CELL.items()
}
_SORT_KEY[int(Column.POWER)] = lambda r: r.power_state
_SORT_KEY[int(Column.IP)] = lambda r: _ip_key(r.ip_address)


_ROLES = frozenset(
    {
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.DecorationRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.AccessibleTextRole,
        ROW_ROLE,
    }
)


@dataclass(frozen=True, slots=True)
class PreparedRows:
    """Rows with their search texts and name sort keys, computed ahead (see :meth:`VmTableModel.prepare_rows`)."""

    rows: list[VmRecord]
    haystacks: list[str]
    name_keys: list[str]
    keys: list[tuple[str, str]]
    name_order: list[int]
    """Row positions sorted by name (what the default view shows), computed ahead like the rest."""


class VmTableModel(QAbstractTableModel):
    """All VM rows; power icons, tooltips and busy markers; per-column sort keys for the proxy.

    Rows are replaced per vCenter (:meth:`set_rows_for_profile`) so one vCenter's refresh leaves the others alone.
    """

    def __init__(self, power_icons: dict[str, QIcon] | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[VmRecord] = []
        self._haystacks: list[str] = []
        self._row_of: dict[tuple[str, str], int] = {}
        self._busy: dict[tuple[str, str], str] = {}
        self._power_icons = power_icons or {}
        self._sort_keys: dict[int, list[Any]] = {}
        self._resorted_columns: set[int] = set()
        self._name_order: list[int] | None = None
        self._profile_rows: dict[str, int] = {}
        self._power_changed = False

    # -- Qt model interface
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        """Number of VMs (0 below the root)."""
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        """Number of columns."""
        return 0 if parent.isValid() else len(Column)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell text, power icon, tooltip, accessible text or the row itself (``ROW_ROLE``)."""
        if not index.isValid():
            return None
        return self.cell(index.row(), index.column(), role)

    def cell(self, row_number: int, column_number: int, role: int) -> Any:
        """Data of one cell by plain row/column numbers (the proxy calls this without building indexes)."""
        if role not in _ROLES:
            return None
        row = self._rows[row_number]
        column = Column(column_number)
        if role == Qt.ItemDataRole.DisplayRole:
            text = _CELL[column](row)
            if column == Column.NAME and record_key(row) in self._busy:
                return f"{text}  ({self._busy[record_key(row)]}…)"
            return text
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.DecorationRole and column == Column.POWER:
            return self._power_icons.get(row.power_state)
        if role == Qt.ItemDataRole.ToolTipRole:
            busy = self._busy.get(record_key(row))
            return f"{row.name} — {busy}…" if busy else f"{row.name} on {row.vcenter}"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{HEADERS[column]}: {_CELL[column](row) or 'none'}"
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Column titles."""
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(Column)
        ):
            return HEADERS[Column(section)]
        return None

    # -- rows
    def rows(self) -> Sequence[VmRecord]:
        """All rows (read-only view)."""
        return self._rows

    def haystacks(self) -> Sequence[str]:
        """Lower-case search text per row, aligned with :meth:`rows`."""
        return self._haystacks

    def row_index(self, key: tuple[str, str]) -> int | None:
        """Source row number of the VM with ``key``."""
        return self._row_of.get(key)

    @staticmethod
    def prepare_rows(rows: Iterable[VmRecord]) -> PreparedRows:
        """Search texts and name sort keys of ``rows``: pure Python, safe to compute off the GUI thread."""
        listed = list(rows)
        name_keys = [natural_key(r.name) for r in listed]
        return PreparedRows(
            listed,
            [search_text(r) for r in listed],
            name_keys,
            [(r.profile_id, r.vm_id) for r in listed],
            sorted(range(len(listed)), key=name_keys.__getitem__),
        )

    def set_rows_for_profile(self, profile_id: str, rows: Iterable[VmRecord] | PreparedRows) -> None:
        """Replace every row of one vCenter profile (a model reset); ``rows`` may come from :meth:`prepare_rows`."""
        new = rows if isinstance(rows, PreparedRows) else self.prepare_rows(rows)
        if self._profile_rows.get(profile_id) == len(self._rows):
            keep = []  # the only vCenter: nothing to keep (skips a scan of every row)
        else:
            keep = [i for i, r in enumerate(self._rows) if r.profile_id != profile_id]
        names = self._sort_keys.get(Column.NAME)
        kept_names = [names[i] for i in keep] if names is not None else [natural_key(self._rows[i].name) for i in keep]
        self.beginResetModel()
        kept_rows = [self._rows[i] for i in keep]
        self._rows = kept_rows + new.rows
        self._haystacks = [self._haystacks[i] for i in keep] + new.haystacks
        keys = [(r.profile_id, r.vm_id) for r in kept_rows] + new.keys
        self._row_of = dict(zip(keys, range(len(keys)), strict=True))
        self._sort_keys = {Column.NAME: kept_names + new.name_keys}
        self._name_order = new.name_order if not keep else None
        self._profile_rows = {p: n for p, n in self._profile_rows.items() if p != profile_id}
        self._profile_rows[profile_id] = len(new.rows)
        self.endResetModel()

    def set_all_rows(self, rows: Iterable[VmRecord]) -> None:
        """Replace every row (a model reset)."""
        new = self.prepare_rows(rows)
        self.beginResetModel()
        self._rows = new.rows
        self._haystacks = new.haystacks
        self._row_of = dict(zip(new.keys, range(len(new.keys)), strict=True))
        self._sort_keys = {Column.NAME: new.name_keys}
        self._name_order = new.name_order
        self._profile_rows = {}
        for r in new.rows:
            self._profile_rows[r.profile_id] = self._profile_rows.get(r.profile_id, 0) + 1
        self.endResetModel()

    def update_row(self, row: VmRecord) -> None:
        """Replace one row in place (e.g. a new power state) and announce the change."""
        self.update_rows([row])

    def update_rows(self, rows: Iterable[VmRecord]) -> int:
        """Replace rows in place and announce them with ONE ``dataChanged`` over the changed range.

        Enrichment updates thousands of VMs at once; one signal (instead of one per row) keeps the event loop free.
        Cached sort keys are updated in place. Returns how many rows changed.
        """
        first, last, count = len(self._rows), -1, 0
        for row in rows:
            i = self._row_of.get(record_key(row))
            if i is None:
                continue
            old = self._rows[i]
            self._rows[i] = row
            self._haystacks[i] = search_text(row)
            for column, keys in self._sort_keys.items():
                key = _SORT_KEY[column](row)
                if key != keys[i]:
                    keys[i] = key
                    self._resorted_columns.add(column)
                    if column == Column.NAME:
                        self._name_order = None
            if old.power_state != row.power_state:
                self._power_changed = True
            first, last, count = min(first, i), max(last, i), count + 1
        if count:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(Column) - 1))
        return count

    def take_change_hints(self) -> tuple[set[int], bool]:
        """Columns whose sort keys changed and whether any power state changed, since the last call (for the proxy)."""
        hints = (self._resorted_columns, self._power_changed)
        self._resorted_columns, self._power_changed = set(), False
        return hints

    def set_busy(self, key: tuple[str, str], what: str | None) -> None:
        """Mark a VM as busy with ``what`` (e.g. "Opening console"), or clear it with ``None``."""
        if what is None:
            self._busy.pop(key, None)
        else:
            self._busy[key] = what
        i = self._row_of.get(key)
        if i is not None:
            self.dataChanged.emit(self.index(i, 0), self.index(i, len(Column) - 1))

    def name_order(self) -> list[int] | None:
        """Row positions sorted by name when known ahead (after a list was installed), else None."""
        return self._name_order

    def sort_keys(self, column: int) -> list[Any]:
        """Per-row sort keys for ``column`` (cached; kept current by :meth:`update_rows`)."""
        keys = self._sort_keys.get(column)
        if keys is None:
            key_of = _SORT_KEY[column]
            keys = [key_of(r) for r in self._rows]
            self._sort_keys[column] = keys
        return keys
