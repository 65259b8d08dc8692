"""A mirror of the PropertyCollector's view of the inventory, turned into one :class:`VmProperties` per VM.

Pure Python, no pyvmomi: :mod:`.client` feeds it plain data (managed-object references as ``(type, id)`` pairs),
on its worker thread, so neither the conversion nor the folder-path walk runs on the event loop. It keeps the
properties of every VM, host, compute resource, folder and datacenter it was told about, and answers which VMs'
rows changed after each batch — a folder or cluster rename changes the rows of every VM below it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..models import PowerState

__all__ = [
    "OTHER_PROPERTIES",
    "VM_PROPERTIES",
    "InventoryMirror",
    "MoRef",
    "ObjectChange",
    "VmProperties",
]

MoRef = tuple[str, str]
"""A managed-object reference: ``(type, id)``, e.g. ``("VirtualMachine", "vm-42")``."""

VM_PROPERTIES = (
    "name",
    "runtime.powerState",
    "summary.config.guestFullName",
    "guest.ipAddress",
    "guest.hostName",
    "runtime.host",
    "parent",
    "summary.config.numCpu",
    "summary.config.memorySizeMB",
    "guest.toolsRunningStatus",
    "config.version",
    "config.instanceUuid",
)
"""Everything the table, tree and details pane show, read in one pass."""

OTHER_PROPERTIES = {
    "HostSystem": ("name", "parent"),
    "ComputeResource": ("name", "parent"),  # ClusterComputeResource is a subtype
    "Folder": ("name", "parent"),
    "Datacenter": ("name", "parent"),
}
"""The objects VM rows are named from: host → compute resource (cluster) → folders → datacenter."""

_POWER = {
    "poweredOn": PowerState.POWERED_ON,
    "poweredOff": PowerState.POWERED_OFF,
    "suspended": PowerState.SUSPENDED,
}
_MOID = re.compile(r"[A-Za-z][A-Za-z0-9_.:-]{0,79}")
_MAX_TEXT = 4096
_MAX_CPUS = 4096
_MAX_MEMORY_MIB = 64 * 1024 * 1024  # 64 TiB


@dataclass(frozen=True, slots=True)
class VmProperties:
    """One VM as the PropertyCollector describes it (names resolved, folder path below the datacenter's VM root)."""

    vm: str
    name: str
    power_state: PowerState
    guest_os: str = ""
    ip_address: str = ""
    guest_host_name: str = ""
    host: str = ""
    cluster: str = ""
    datacenter: str = ""
    folder: str = ""
    cpu_count: int | None = None
    memory_mib: int | None = None
    tools_running: bool | None = None
    hardware_version: str | None = None
    instance_uuid: str | None = None


@dataclass(frozen=True, slots=True)
class ObjectChange:
    """One object of an update: ``kind`` is ``enter``, ``modify`` or ``leave``; ``props`` maps path → value."""

    kind: str
    ref: MoRef
    props: Mapping[str, Any]
    removed: tuple[str, ...] = ()


def valid_ref(value: Any) -> MoRef | None:
    """``value`` if it is a well-formed ``(type, id)`` reference, else None."""
    if (
        isinstance(value, tuple)
        and len(value) == 2
        and all(isinstance(v, str) for v in value)
        and _MOID.fullmatch(value[1])
    ):
        return value
    return None


def _text(value: Any) -> str:
    return value[:_MAX_TEXT] if isinstance(value, str) else ""


def _count(value: Any, upper: int) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and (not math.isfinite(value) or not value.is_integer()):
        return None
    number = int(value)
    return number if 0 < number <= upper else None


class InventoryMirror:
    """The latest known properties of every collected object, and the VM rows they produce."""

    def __init__(self) -> None:
        self._objects: dict[MoRef, dict[str, Any]] = {}
        self._rows: dict[str, VmProperties] = {}
        self.skipped = 0
        """Objects ignored because their reference or name was malformed (counted, logged once by the caller)."""

    def __len__(self) -> int:
        return len(self._rows)

    def clear(self) -> None:
        """Forget everything (before a complete update set replaces it)."""
        self._objects.clear()
        self._rows.clear()

    def rows(self) -> list[VmProperties]:
        """Every VM row, in the order the server first listed them."""
        return list(self._rows.values())

    def apply(self, changes: Iterable[ObjectChange]) -> tuple[list[VmProperties], list[str]]:
        """Apply one batch; return the VM rows that changed (new or different) and the ids of VMs that left."""
        touched_vms: set[str] = set()
        others_changed = False
        left: list[str] = []
        for change in changes:
            ref = valid_ref(change.ref)
            if ref is None:
                self.skipped += 1
                continue
            if change.kind == "leave":
                self._objects.pop(ref, None)
                if ref[0] == "VirtualMachine" and self._rows.pop(ref[1], None) is not None:
                    left.append(ref[1])
                others_changed |= ref[0] != "VirtualMachine"
                continue
            props = self._objects.setdefault(ref, {})
            props.update(change.props)
            for path in change.removed:
                props.pop(path, None)
            if ref[0] == "VirtualMachine":
                touched_vms.add(ref[1])
            else:
                others_changed = True
        if others_changed:  # a rename or move above VMs: recompute every row (rare, and off the event loop)
            touched_vms = {ref[1] for ref in self._objects if ref[0] == "VirtualMachine"}
        changed: list[VmProperties] = []
        for vm_id in touched_vms:
            row = self._row(vm_id)
            if row is None:
                if self._rows.pop(vm_id, None) is not None:
                    left.append(vm_id)
                continue
            if self._rows.get(vm_id) != row:
                self._rows[vm_id] = row
                changed.append(row)
        return changed, left

    def _row(self, vm_id: str) -> VmProperties | None:
        props = self._objects.get(("VirtualMachine", vm_id), {})
        name = props.get("name")
        power = _POWER.get(props.get("runtime.powerState", ""))
        if not isinstance(name, str) or not name or power is None:
            return None  # not yet known (or nonsense): no row rather than a wrong one
        host_ref = valid_ref(props.get("runtime.host"))
        host = self._objects.get(host_ref, {}) if host_ref else {}
        compute_ref = valid_ref(host.get("parent"))
        cluster = ""
        if compute_ref and compute_ref[0] == "ClusterComputeResource":
            cluster = _text(self._objects.get(compute_ref, {}).get("name"))
        folders, datacenter = self._ancestry(valid_ref(props.get("parent")))
        tools = props.get("guest.toolsRunningStatus")
        return VmProperties(
            vm=vm_id,
            name=_text(name),
            power_state=power,
            guest_os=_text(props.get("summary.config.guestFullName")),
            ip_address=_text(props.get("guest.ipAddress")),
            guest_host_name=_text(props.get("guest.hostName")),
            host=_text(host.get("name")),
            cluster=cluster,
            datacenter=datacenter,
            folder="/".join(folders),
            cpu_count=_count(props.get("summary.config.numCpu"), _MAX_CPUS),
            memory_mib=_count(props.get("summary.config.memorySizeMB"), _MAX_MEMORY_MIB),
            tools_running=None if not isinstance(tools, str) else tools == "guestToolsRunning",
            hardware_version=_text(props.get("config.version")) or None,
            instance_uuid=_text(props.get("config.instanceUuid")) or None,
        )

    def _ancestry(self, parent: MoRef | None) -> tuple[list[str], str]:
        """Folder names below the datacenter's root VM folder (outermost first), and the datacenter's name."""
        names: list[str] = []
        seen: set[MoRef] = set()
        while parent is not None and parent not in seen and len(seen) < 256:
            seen.add(parent)
            obj = self._objects.get(parent, {})
            if parent[0] == "Datacenter":
                return names[:-1][::-1], _text(obj.get("name"))  # names[-1] is the datacenter's "vm" folder
            if parent[0] == "Folder":
                names.append(_text(obj.get("name")))
            parent = valid_ref(obj.get("parent"))
        return [], ""
