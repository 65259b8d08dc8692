"""Readable names for vSphere guest OS identifiers (``RHEL_8_64`` → "Red Hat Enterprise Linux 8 (64-bit)").

vCenter reports the configured guest OS of every VM as an identifier; the full name comes from VMware Tools only
while the guest runs. The inventory shows these names for powered-off VMs and VMs without Tools.
"""

from __future__ import annotations

import re

_EXACT = {
    "WINDOWS_7_64": "Microsoft Windows 7 (64-bit)",
    "WINDOWS_8_64": "Microsoft Windows 8 (64-bit)",
    "WINDOWS_9_64": "Microsoft Windows 10 (64-bit)",
    "WINDOWS_11_64": "Microsoft Windows 11 (64-bit)",
    "WINDOWS_12_64": "Microsoft Windows 12 (64-bit)",
    "WINDOWS_8_SERVER_64": "Microsoft Windows Server 2012 (64-bit)",
    "WINDOWS_9_SERVER_64": "Microsoft Windows Server 2016 or later (64-bit)",
    "WINDOWS_SERVER_2019": "Microsoft Windows Server 2019 (64-bit)",
    "WINDOWS_SERVER_2021": "Microsoft Windows Server 2022 (64-bit)",
    "WINDOWS_SERVER_2025": "Microsoft Windows Server 2025 (64-bit)",
    "UBUNTU": "Ubuntu Linux",
    "UBUNTU_64": "Ubuntu Linux (64-bit)",
    "OTHER_LINUX": "Other Linux",
    "OTHER_LINUX_64": "Other Linux (64-bit)",
    "OTHER": "Other",
    "OTHER_64": "Other (64-bit)",
}

_PREFIXES = (
    ("RHEL", "Red Hat Enterprise Linux"),
    ("CENTOS", "CentOS"),
    ("DEBIAN", "Debian GNU/Linux"),
    ("SLES", "SUSE Linux Enterprise"),
    ("ORACLE_LINUX", "Oracle Linux"),
    ("ROCKYLINUX", "Rocky Linux"),
    ("ALMALINUX", "AlmaLinux"),
    ("FEDORA", "Fedora"),
    ("FREEBSD", "FreeBSD"),
    ("DARWIN", "Apple macOS"),
    ("PHOTON", "VMware Photon OS"),
    ("VMKERNEL", "VMware ESXi"),
    ("OTHER_3X_LINUX", "Other 3.x Linux"),
    ("OTHER_4X_LINUX", "Other 4.x Linux"),
    ("OTHER_5X_LINUX", "Other 5.x Linux"),
    ("OTHER_6X_LINUX", "Other 6.x Linux"),
)

_ID = re.compile(r"^[A-Z0-9_]+$")


def guest_os_label(guest_id: str) -> str:
    """A readable name for a guest OS identifier; text that is not an identifier is returned unchanged."""
    if not guest_id or not _ID.match(guest_id):
        return guest_id
    if guest_id in _EXACT:
        return _EXACT[guest_id]
    core, bits = (guest_id[:-3], " (64-bit)") if guest_id.endswith("_64") else (guest_id, "")
    for prefix, name in _PREFIXES:
        if core == prefix or core.startswith(prefix + "_"):
            version = core[len(prefix) :].strip("_").replace("_", ".")
            return f"{name} {version}{bits}" if version else f"{name}{bits}"
    return " ".join(word.capitalize() for word in core.split("_")) + bits
