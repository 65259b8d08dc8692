"""The ``VcenterVMInfo`` body of ``GET /api/vcenter/vm/{vm}`` (maps keyed by device id; arrays on ``/rest``)."""

from __future__ import annotations

from typing import Any

from vmconsole_gui.sim.inventory import VmRecord

_MAP_FIELDS = (
    "disks",
    "nics",
    "cdroms",
    "floppies",
    "parallel_ports",
    "serial_ports",
    "sata_adapters",
    "scsi_adapters",
)


def vm_info(vm: VmRecord, family: str) -> dict[str, Any]:
    """Every required field of ``VcenterVMInfo`` plus ``identity``; ``family`` is ``"api"`` or ``"rest"``."""
    info: dict[str, Any] = {
        "guest_OS": vm.guest_os,
        "name": vm.name,
        "power_state": vm.power_state,
        "identity": {"name": vm.name, "bios_uuid": vm.bios_uuid, "instance_uuid": vm.instance_uuid},
        "instant_clone_frozen": False,
        "hardware": {"version": "VMX_19", "upgrade_policy": "NEVER", "upgrade_status": "NONE"},
        "boot": {
            "type": "EFI",
            "efi_legacy_boot": False,
            "delay": 0,
            "retry": False,
            "retry_delay": 10000,
            "enter_setup_mode": False,
        },
        "boot_devices": [],
        "cpu": {"count": vm.cpu_count, "cores_per_socket": 1, "hot_add_enabled": False, "hot_remove_enabled": False},
        "memory": {"size_MiB": vm.memory_mib, "hot_add_enabled": False},
        "disks": {
            "2000": {
                "label": "Hard disk 1",
                "type": "SCSI",
                "scsi": {"bus": 0, "unit": 0},
                "backing": {"type": "VMDK_FILE", "vmdk_file": f"[datastore1] {vm.name}/{vm.name}.vmdk"},
                "capacity": vm.disk_gib * 1024**3,
            }
        },
        "nics": {
            "4000": {
                "label": "Network adapter 1",
                "type": "VMXNET3",
                "upt_compatibility_enabled": False,
                "mac_type": "ASSIGNED",
                "mac_address": vm.mac_address,
                "pci_slot_number": 192,
                "wake_on_lan_enabled": False,
                "backing": {"type": "STANDARD_PORTGROUP", "network": "network-11", "network_name": "VM Network"},
                "state": "CONNECTED" if vm.power_state == "POWERED_ON" else "NOT_CONNECTED",
                "start_connected": True,
                "allow_guest_control": True,
            }
        },
        "cdroms": {},
        "floppies": {},
        "parallel_ports": {},
        "serial_ports": {},
        "sata_adapters": {},
        "scsi_adapters": {
            "1000": {
                "label": "SCSI controller 0",
                "type": "PVSCSI",
                "scsi": {"bus": 0, "unit": 7},
                "pci_slot_number": 160,
                "sharing": "NONE",
            }
        },
        "nvme_adapters": {},
    }
    if family == "rest":
        for name in (*_MAP_FIELDS, "nvme_adapters"):
            info[name] = [{"key": key, "value": value} for key, value in info[name].items()]
    return info
