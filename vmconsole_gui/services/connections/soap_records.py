"""PropertyCollector rows (:class:`~vmconsole_gui.vsphere.soap.inventory.VmProperties`) → the UI's :class:`VmRecord`.

Pure and O(N): the manager runs the whole-inventory conversion on a worker thread (50k rows take ~100 ms).
A PropertyCollector row already carries every field enrichment would fetch over REST, so these records are complete.
"""

from __future__ import annotations

from collections.abc import Iterable

from vmconsole_gui.services.connections.records import VmRecord
from vmconsole_gui.vsphere.soap.inventory import VmProperties

__all__ = ["record_from_properties", "records_from_properties"]


def record_from_properties(row: VmProperties, profile_id: str, vcenter: str) -> VmRecord:
    """The record of one PropertyCollector row."""
    return VmRecord(
        profile_id=profile_id,
        vcenter=vcenter,
        vm_id=row.vm,
        name=row.name,
        power_state=row.power_state.value,
        guest_os=row.guest_os,
        ip_address=row.ip_address,
        guest_host_name=row.guest_host_name,
        host=row.host,
        cluster=row.cluster,
        datacenter=row.datacenter,
        folder=row.folder,
        cpu_count=row.cpu_count,
        memory_mib=row.memory_mib,
        tools_running=row.tools_running,
    )


def records_from_properties(rows: Iterable[VmProperties], profile_id: str, vcenter: str) -> dict[str, VmRecord]:
    """VM id → record for every row, in the rows' order."""
    return {row.vm: record_from_properties(row, profile_id, vcenter) for row in rows}
