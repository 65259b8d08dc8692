"""Table model of all VMs of all connected vCenters (the source model of the inventory view)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QIcon

from vmconsole_gui.services import display_text
from vmconsole_gui.services.connections.records import VmRecord
from vmconsole_gui.ui.vm_rows import display_record, natural_key, record_key, search_text, sorted_positions

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
    int(role)
    for role in (
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.DecorationRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.AccessibleTextRole,
        ROW_ROLE,
    )
)
# Plain ints for the paint path (each data() call compares roles and columns a few times).
_DISPLAY, _DECORATION = int(Qt.ItemDataRole.DisplayRole), int(Qt.ItemDataRole.DecorationRole)
_NAME, _POWER = int(Column.NAME), int(Column.POWER)
_CELL_BY_NUMBER = [_CELL[column] for column in Column]


@dataclass(frozen=True, slots=True)
class PreparedRows:
    """One vCenter's rows with everything the model derives from them, computed ahead off the GUI thread.

    Made by :meth:`VmTableModel.prepare_rows`; handed over to the model, which takes ownership of the lists.
    """

    rows: list[VmRecord]
    haystacks: list[str]
    positions: dict[str, int]
    """VM id → position in ``rows``."""
    sort_keys: dict[int, list[Any]]
    """Per-row sort keys of the columns asked for."""
    orders: dict[int, list[int]]
    """Row positions in ascending order of each of those columns (what the view shows when it is the only list)."""


def _placement(row: VmRecord) -> tuple[str, str, str, str]:
    return (row.datacenter, row.cluster, row.host, row.folder)


@dataclass(slots=True)
class ChangeHints:
    """What row updates changed: columns whose sort keys moved, power states, search texts, placement."""

    resorted: set[int] = field(default_factory=set)
    power: bool = False
    text: bool = False
    placement: bool = False
    """Datacenter, cluster, host or folder (what the side tree's scopes match on)."""
    rows: set[int] = field(default_factory=set)
    """Source rows that changed."""


@dataclass(slots=True)
class _Block:
    """Where one vCenter's rows sit in the model: ``count`` rows from ``start``; ``positions`` maps VM ids in it."""

    start: int
    count: int
    positions: dict[str, int]


class VmTableModel(QAbstractTableModel):
    """All VM rows; power icons, tooltips and busy markers; per-column sort keys for the proxy.

    Rows are replaced per vCenter (:meth:`set_rows_for_profile`) so one vCenter's refresh leaves the others alone.
    Every row that comes in (:meth:`prepare_rows`, :meth:`update_rows`) is turned into its display record
    (:func:`~vmconsole_gui.ui.vm_rows.display_record`): the cells, sort keys, search texts, the side tree and
    everything that reads :meth:`rows` see the cleaned, bounded names. Tooltips are literal text (never rich text).
    """

    def __init__(self, power_icons: dict[str, QIcon] | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[VmRecord] = []
        self._haystacks: list[str] = []
        self._blocks: dict[str, _Block] = {}  # in row order
        self._busy: dict[tuple[str, str], str] = {}
        self._power_icons = power_icons or {}
        self._sort_keys: dict[int, list[Any]] = {}
        self._orders: dict[int, list[int]] = {}
        self._hints = ChangeHints()

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
        if role not in _ROLES:  # most roles a delegate asks for while painting: answered first
            return None
        row = self._rows[row_number]
        if role == _DISPLAY:
            text = _CELL_BY_NUMBER[column_number](row)
            if column_number == _NAME and self._busy and record_key(row) in self._busy:
                return f"{text}  ({self._busy[record_key(row)]}…)"
            return text
        if role == _DECORATION:
            return self._power_icons.get(row.power_state) if column_number == _POWER else None
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.ToolTipRole:
            busy = self._busy.get(record_key(row))
            return display_text.tooltip(f"{row.name} — {busy}…" if busy else f"{row.name} on {row.vcenter}")
        column = Column(column_number)
        return f"{HEADERS[column]}: {_CELL[column](row) or 'none'}"  # AccessibleTextRole

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
        block = self._blocks.get(key[0])
        if block is None:
            return None
        position = block.positions.get(key[1])
        return None if position is None else block.start + position

    def sort_columns(self) -> tuple[int, ...]:
        """Columns whose sort keys are kept (the name and any column sorted by): what a new list should bring."""
        return tuple(self._sort_keys) or (int(Column.NAME),)

    @staticmethod
    def prepare_rows(rows: Iterable[VmRecord], columns: Iterable[int] = (Column.NAME,)) -> PreparedRows:
        """Display records, search texts, positions, and sort keys and order per column of ``rows``.

        Safe off the GUI thread. The sorts run in pieces (:func:`sorted_positions`), so a worker thread doing this
        never holds the GIL long.
        """
        listed = [display_record(r) for r in rows]
        keys = {int(c): [_SORT_KEY[int(c)](r) for r in listed] for c in columns}
        return PreparedRows(
            listed,
            [search_text(r) for r in listed],
            {r.vm_id: i for i, r in enumerate(listed)},
            keys,
            {c: sorted_positions(k) for c, k in keys.items()},
        )

    def set_rows_for_profile(self, profile_id: str, rows: Iterable[VmRecord] | PreparedRows) -> None:
        """Replace every row of one vCenter profile (a model reset); ``rows`` may come from :meth:`prepare_rows`.

        The other vCenters' rows stay as they are: only this profile's block of rows is spliced out and in.
        """
        new = rows if isinstance(rows, PreparedRows) else self.prepare_rows(rows, self.sort_columns())
        self.beginResetModel()
        self._hints = ChangeHints()  # row numbers change: a reset makes the proxy start over anyway
        self._splice(profile_id, new)
        self._orders = new.orders if len(self._blocks) == 1 else {}
        self.endResetModel()

    def set_all_rows(self, rows: Iterable[VmRecord]) -> None:
        """Replace every row (a model reset); rows are kept grouped by vCenter profile."""
        groups: dict[str, list[VmRecord]] = {}
        for row in rows:
            groups.setdefault(row.profile_id, []).append(row)
        prepared = {p: self.prepare_rows(g, self.sort_columns()) for p, g in groups.items()}
        self.beginResetModel()
        self._hints = ChangeHints()
        for profile_id in list(self._blocks):
            self._splice(profile_id, None)
        for profile_id, new in prepared.items():
            self._splice(profile_id, new)
        self._orders = next(iter(prepared.values())).orders if len(prepared) == 1 else {}
        self.endResetModel()

    def _splice(self, profile_id: str, new: PreparedRows | None) -> None:
        """Take out the block of ``profile_id`` and append ``new`` (no signals: the callers reset the model)."""
        old = self._blocks.pop(profile_id, None)
        if old is not None:
            start, end = old.start, old.start + old.count
            self._rows = self._rows[:start] + self._rows[end:]
            self._haystacks = self._haystacks[:start] + self._haystacks[end:]
            for column, keys in self._sort_keys.items():
                self._sort_keys[column] = keys[:start] + keys[end:]
            for block in self._blocks.values():
                if block.start > start:
                    block.start -= old.count
        if new is None or not new.rows:
            return
        if not self._blocks:  # the only list: take the prepared lists as they are (no copy of 50 000 entries)
            self._rows, self._haystacks = new.rows, new.haystacks
            self._sort_keys = dict(new.sort_keys)
        else:
            self._rows = self._rows + new.rows
            self._haystacks = self._haystacks + new.haystacks
            for column in list(self._sort_keys):
                if column in new.sort_keys:
                    self._sort_keys[column] = self._sort_keys[column] + new.sort_keys[column]
                else:
                    del self._sort_keys[column]  # recomputed when next asked for
        self._blocks[profile_id] = _Block(len(self._rows) - len(new.rows), len(new.rows), new.positions)

    def update_row(self, row: VmRecord) -> None:
        """Replace one row in place (e.g. a new power state) and announce the change."""
        self.update_rows([row])

    def update_rows(self, rows: Iterable[VmRecord]) -> int:
        """Replace rows in place and announce them with ONE ``dataChanged`` over the changed range.

        Enrichment updates thousands of VMs at once; one signal (instead of one per row) keeps the event loop free.
        Cached sort keys are updated in place. Returns how many rows changed.
        """
        first, last, count = len(self._rows), -1, 0
        row_index = self.row_index
        for incoming in rows:
            i = row_index(record_key(incoming))
            if i is None:
                continue
            row = display_record(incoming)
            old = self._rows[i]
            self._rows[i] = row
            text = search_text(row)
            if text != self._haystacks[i]:
                self._haystacks[i] = text
                self._hints.text = True
            if _placement(old) != _placement(row):
                self._hints.placement = True
            for column, keys in self._sort_keys.items():
                key = _SORT_KEY[column](row)
                if key != keys[i]:
                    keys[i] = key
                    self._hints.resorted.add(column)
                    self._orders.pop(column, None)
            if old.power_state != row.power_state:
                self._hints.power = True
            self._hints.rows.add(i)
            first, last, count = min(first, i), max(last, i), count + 1
        if count:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(Column) - 1))
        return count

    def take_change_hints(self) -> ChangeHints:
        """What the row updates since the last call changed (for the proxy: re-sort, re-filter or neither)."""
        hints, self._hints = self._hints, ChangeHints()
        return hints

    def set_busy(self, key: tuple[str, str], what: str | None) -> None:
        """Mark a VM as busy with ``what`` (e.g. "Opening console"), or clear it with ``None``."""
        if what is None:
            self._busy.pop(key, None)
        else:
            self._busy[key] = what
        i = self.row_index(key)
        if i is not None:
            self.dataChanged.emit(self.index(i, 0), self.index(i, len(Column) - 1))

    def prepared_order(self, column: int) -> list[int] | None:
        """Row positions in ascending order of ``column`` when known ahead (after a list was installed), else None."""
        return self._orders.get(column)

    def sort_keys(self, column: int) -> list[Any]:
        """Per-row sort keys for ``column`` (cached; kept current by :meth:`update_rows`)."""
        keys = self._sort_keys.get(column)
        if keys is None:
            key_of = _SORT_KEY[column]
            keys = [key_of(r) for r in self._rows]
            self._sort_keys[column] = keys
        return keys
