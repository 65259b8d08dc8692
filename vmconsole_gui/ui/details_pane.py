"""Details of the selected VM: power, guest OS, IP and host name, host, cluster, CPU / memory, Tools state.

The pane shows display records (:func:`~vmconsole_gui.ui.vm_rows.display_record`) in plain-text labels; numbers a
server sent out of any sensible range (or that the client dropped to None) read "unknown".
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLabel, QVBoxLayout, QWidget

from vmconsole_gui.services import display_text
from vmconsole_gui.services.connections.records import VmRecord
from vmconsole_gui.ui.vm_rows import display_record
from vmconsole_gui.ui.vm_table_model import POWER_LABELS

_FIELDS = (
    ("name", "Name"),
    ("power", "Power"),
    ("guest_os", "Guest OS"),
    ("ip", "IP address"),
    ("guest_host", "Guest host name"),
    ("host", "Host"),
    ("cluster", "Cluster"),
    ("datacenter", "Datacenter"),
    ("folder", "Folder"),
    ("cpu", "CPUs"),
    ("memory", "Memory"),
    ("tools", "VMware Tools"),
    ("vcenter", "vCenter"),
    ("hardware", "Hardware"),
)


MAX_MEMORY_MIB = 2**40
"""Memory sizes above this (a million TiB) are not believed: shown as "unknown"."""
MAX_CPUS = 1 << 16


def memory_text(mib: object) -> str:
    """``512 MiB`` / ``16 GiB``; "unknown" for None, a non-integer, a negative or an absurdly large value."""
    if isinstance(mib, bool) or not isinstance(mib, int) or not 0 <= mib <= MAX_MEMORY_MIB:
        return "unknown"
    return f"{mib / 1024:g} GiB" if mib >= 1024 else f"{mib} MiB"


def cpu_text(count: object) -> str:
    """The number of virtual CPUs, or "unknown" (None, not an integer, below 1 or absurdly many)."""
    return display_text.number(count, minimum=1, maximum=MAX_CPUS)


class DetailsPane(QWidget):
    """A read-only form of one VM's facts; empty text when nothing is selected."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setObjectName("detailsPane")
        self.setAccessibleName("VM details")
        layout = QVBoxLayout(self)
        self._heading = QLabel("No VM selected")
        self._heading.setTextFormat(Qt.TextFormat.PlainText)
        self._heading.setObjectName("detailsHeading")
        font = self._heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self._heading.setFont(font)
        self._heading.setWordWrap(True)
        layout.addWidget(self._heading)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._values: dict[str, QLabel] = {}
        for key, label in _FIELDS:
            value = QLabel("")
            value.setTextFormat(Qt.TextFormat.PlainText)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(True)
            value.setAccessibleName(label)
            self._values[key] = value
            form.addRow(f"{label}:", value)
        layout.addLayout(form)
        layout.addStretch(1)
        self._shown: tuple[str, str] | None = None
        self._hardware = ""
        self.show_row(None)

    def value(self, key: str) -> str:
        """The text shown for field ``key`` (for tests and accessibility tools)."""
        return self._values[key].text()

    def show_row(self, row: VmRecord | None, *, hardware: str | None = None, loading: bool = False) -> None:
        """Show ``row`` (``None`` clears the pane); ``loading`` marks fields still being fetched.

        ``hardware`` (from the VM's details) is kept when the same VM is shown again without it (a list update).
        ``row`` may come straight from the services: it is cleaned here.
        """
        shown = None if row is None else (row.profile_id, row.vm_id)
        if hardware is None:
            hardware = self._hardware if shown == self._shown else ""
        self._shown, self._hardware = shown, hardware
        if row is None:
            self._heading.setText("No VM selected")
            for label in self._values.values():
                label.setText("")
            return
        row = display_record(row)
        hardware = display_text.line(hardware, display_text.LIMITS["name"])
        self._heading.setText(row.name)
        pending = "loading…" if loading else "unknown"
        if row.tools_running is None:
            tools = pending
        else:
            tools = "running" if row.tools_running else "not running"
        values = {
            "name": row.name,
            "power": POWER_LABELS.get(row.power_state, row.power_state),
            "guest_os": row.guest_os or pending,
            "ip": row.ip_address or ("none" if row.tools_running else pending),
            "guest_host": row.guest_host_name or ("none" if row.tools_running else pending),
            "host": row.host or "unknown",
            "cluster": (row.cluster or "none (standalone host)") if row.host else "unknown",
            "datacenter": row.datacenter or "unknown",
            "folder": row.folder or "(root)",
            "cpu": cpu_text(row.cpu_count),
            "memory": memory_text(row.memory_mib),
            "tools": tools,
            "vcenter": row.vcenter,
            "hardware": hardware or ("loading…" if loading else ""),
        }
        for key, text in values.items():
            self._values[key].setText(text)
