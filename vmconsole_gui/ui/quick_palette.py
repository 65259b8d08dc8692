"""Quick connect: a small always-on-top palette to find a VM of any vCenter by typing and open its console.

Type to filter (every word must match the name, IP, guest host name, host, guest OS or vCenter, like the main
window's search), Up/Down to move, Enter opens the profile's default console, Shift+Enter or Ctrl+Enter the other
type, Esc closes. At most :data:`MAX_RESULTS` rows are shown: VMs whose name starts with the first word first, then
favourites and recently opened ones, then the rest, each group alphabetical; filtering 50,000 VMs is a plain scan
of the precomputed search texts (a few milliseconds), so it runs on every keystroke without a debounce.

A system-wide hotkey is out of scope: Qt has none, and each desktop (GNOME, KDE, Windows, macOS) registers them
differently; the desktop's own shortcut settings can run ``vmconsole-gui`` (which raises the running window).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QIcon, QKeyEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QDialog, QFrame, QLabel, QLineEdit, QTreeView, QVBoxLayout, QWidget

from vmconsole_gui.services import display_text
from vmconsole_gui.services.connections.records import VmRecord
from vmconsole_gui.ui.vm_rows import search_tokens

MAX_RESULTS = 50
RECORD_ROLE = Qt.ItemDataRole.UserRole + 1

Key = tuple[str, str]


def rank_matches(
    records: Sequence[VmRecord],
    haystacks: Sequence[str],
    query: str,
    boosts: Mapping[Key, int],
    limit: int = MAX_RESULTS,
) -> list[VmRecord]:
    """The best ``limit`` VMs for ``query``: name-prefix matches, then boosted ones (lower boost first), then others.

    ``haystacks[i]`` is ``search_text(records[i])``; ``boosts`` ranks favourites and recent VMs by (profile, vm).
    """
    tokens = search_tokens(query)
    first = tokens[0] if tokens else ""
    prefix: list[int] = []
    boosted: list[int] = []
    others: list[int] = []
    for i, text in enumerate(haystacks):
        if tokens and not all(token in text for token in tokens):
            continue
        record = records[i]
        if first and record.name.casefold().startswith(first):
            prefix.append(i)
        elif (record.profile_id, record.vm_id) in boosts:
            boosted.append(i)
        else:
            others.append(i)
    unboosted = len(boosts) + 1

    def by_boost(i: int) -> tuple[int, str]:
        record = records[i]
        return (boosts.get((record.profile_id, record.vm_id), unboosted), record.name.casefold())

    result = heapq.nsmallest(limit, prefix, key=by_boost)
    if len(result) < limit:
        result += heapq.nsmallest(limit - len(result), boosted, key=by_boost)
    if len(result) < limit:
        result += heapq.nsmallest(limit - len(result), others, key=lambda i: records[i].name.casefold())
    return [records[i] for i in result]


class QuickPalette(QDialog):
    """The quick connect palette (see the module docstring).

    Args:
        source: returns (records, their search texts) of every vCenter, e.g. the inventory table's rows.
        boosts: returns {(profile id, VM id): rank} of favourites and recent VMs (lower = higher in the list).
        power_icons: {power state: icon}.

    Signals:
        open_requested(object, bool): open the console of a :class:`VmRecord`; True = the other console type.

    """

    open_requested = Signal(object, bool)

    def __init__(
        self,
        source: Callable[[], tuple[Sequence[VmRecord], Sequence[str]]],
        boosts: Callable[[], Mapping[Key, int]],
        power_icons: Mapping[str, QIcon],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("quickPalette")
        self.setWindowTitle("Quick connect")
        self.setWindowFlags(
            Qt.WindowType.Dialog | Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint
        )
        self._source = source
        self._boosts = boosts
        self._icons = power_icons
        self._snapshot: tuple[Sequence[VmRecord], Sequence[str]] = ((), ())
        self._boost_snapshot: Mapping[Key, int] = {}
        self._was_active = False

        frame = QFrame(self)
        frame.setFrameShape(QFrame.Shape.StyledPanel)
        self.search = QLineEdit(frame)
        self.search.setPlaceholderText("Type a VM name, IP or vCenter…  (Enter: open, Shift+Enter: other console)")
        self.search.setClearButtonEnabled(True)
        self.model = QStandardItemModel(0, 2, self)
        self.list = QTreeView(frame)
        self.list.setModel(self.model)
        self.list.setRootIsDecorated(False)
        self.list.setHeaderHidden(True)
        self.list.setUniformRowHeights(True)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.hint = QLabel(frame)
        self.hint.setObjectName("quickPaletteHint")
        inner = QVBoxLayout(frame)
        inner.addWidget(self.search)
        inner.addWidget(self.list)
        inner.addWidget(self.hint)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(frame)
        self.resize(560, 420)

        self.search.textChanged.connect(self.refilter)
        self.search.installEventFilter(self)
        self.list.activated.connect(lambda index: self._open_row(index.row(), other=False))

    # ------------------------------------------------------------------ public
    def popup(self) -> None:
        """Show the palette empty and focused, centred on the screen, over everything."""
        self._snapshot = self._source()
        self._boost_snapshot = self._boosts()
        self.search.clear()
        self.refilter()
        screen = self.screen().availableGeometry()
        self.move(screen.center() - self.rect().center())
        self._was_active = False
        self.show()
        self.raise_()
        self.activateWindow()
        self.search.setFocus(Qt.FocusReason.PopupFocusReason)

    def refilter(self) -> None:
        """Show the best matches of the search text."""
        records, haystacks = self._snapshot
        matches = rank_matches(records, haystacks, self.search.text(), self._boost_snapshot)
        self.model.removeRows(0, self.model.rowCount())
        for record in matches:
            shown, vcenter = display_text.name(record.name), display_text.name(record.vcenter)
            name = QStandardItem(self._icons.get(record.power_state, QIcon()), shown)
            name.setData(record, RECORD_ROLE)
            power = display_text.name(record.power_state.replace("_", " ").lower())
            name.setToolTip(display_text.tooltip(f"{shown} on {vcenter} ({power})"))
            self.model.appendRow([name, QStandardItem(vcenter)])
        self.list.resizeColumnToContents(0)
        if matches:
            self.list.setCurrentIndex(self.model.index(0, 0))
        total = len(records)
        hint = f"{len(matches)} shown of {total:,} VMs" if total > len(matches) else ""
        self.hint.setText(hint if matches else "No VM matches.")

    def shown_records(self) -> list[VmRecord]:
        """The listed VMs, top to bottom."""
        return [self.model.item(r, 0).data(RECORD_ROLE) for r in range(self.model.rowCount())]

    def current_record(self) -> VmRecord | None:
        """The highlighted VM."""
        index = self.list.currentIndex()
        return self.model.item(index.row(), 0).data(RECORD_ROLE) if index.isValid() else None

    # ------------------------------------------------------------------ keys
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Up/Down/PageUp/PageDown move the highlight, Enter opens, from the search field."""
        if watched is self.search and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key = event.key()
            if key in (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown):
                self._move(key)
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                other = bool(
                    event.modifiers() & (Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier)
                )
                index = self.list.currentIndex()
                if index.isValid():
                    self._open_row(index.row(), other=other)
                return True
        return super().eventFilter(watched, event)

    def _move(self, key: Any) -> None:
        rows = self.model.rowCount()
        if not rows:
            return
        current = self.list.currentIndex().row()
        step = {Qt.Key.Key_Up: -1, Qt.Key.Key_Down: 1, Qt.Key.Key_PageUp: -10, Qt.Key.Key_PageDown: 10}[key]
        row = min(max(current + step, 0), rows - 1)
        self.list.setCurrentIndex(self.model.index(row, 0))

    def _open_row(self, row: int, *, other: bool) -> None:
        record = self.model.item(row, 0).data(RECORD_ROLE)
        self.hide()
        self.open_requested.emit(record, other)

    # ------------------------------------------------------------------ focus
    def changeEvent(self, event: QEvent) -> None:
        """Close when another window gets the focus (after the palette had it once), like a popup."""
        if event.type() == QEvent.Type.ActivationChange:
            if self.isActiveWindow():
                self._was_active = True
            elif self._was_active and self.isVisible():
                self.hide()
        super().changeEvent(event)
