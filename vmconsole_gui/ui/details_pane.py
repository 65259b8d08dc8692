"""Details of the selected VM: power, guest OS, IP and host name, host, cluster, CPU / memory, Tools state."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLabel, QVBoxLayout, QWidget

from vmconsole_gui.services.connections.records import VmRecord
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


def _memory(mib: int | None) -> str:
    if mib is None:
        return "unknown"
    return f"{mib / 1024:g} GiB" if mib >= 1024 else f"{mib} MiB"


class DetailsPane(QWidget):
    """A read-only form of one VM's facts; empty text when nothing is selected."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setObjectName("detailsPane")
        self.setAccessibleName("VM details")
        layout = QVBoxLayout(self)
        self._heading = QLabel("No VM selected")
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
            "cpu": str(row.cpu_count) if row.cpu_count is not None else "unknown",
            "memory": _memory(row.memory_mib),
            "tools": tools,
            "vcenter": row.vcenter,
            "hardware": hardware or ("loading…" if loading else ""),
        }
        for key, text in values.items():
            self._values[key].setText(text)
