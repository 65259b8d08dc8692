"""Readable guest OS names for the identifiers vCenter reports when VMware Tools are not running."""

import pytest

from vmconsole_gui.services.guest_os_names import guest_os_label


@pytest.mark.parametrize(
    ("guest_id", "label"),
    [
        ("RHEL_8_64", "Red Hat Enterprise Linux 8 (64-bit)"),
        ("RHEL_7", "Red Hat Enterprise Linux 7"),
        ("SLES_15_64", "SUSE Linux Enterprise 15 (64-bit)"),
        ("DEBIAN_11_64", "Debian GNU/Linux 11 (64-bit)"),
        ("UBUNTU_64", "Ubuntu Linux (64-bit)"),
        ("WINDOWS_9_SERVER_64", "Microsoft Windows Server 2016 or later (64-bit)"),
        ("WINDOWS_SERVER_2021", "Microsoft Windows Server 2022 (64-bit)"),
        ("ROCKYLINUX_64", "Rocky Linux (64-bit)"),
        ("OTHER_5X_LINUX_64", "Other 5.x Linux (64-bit)"),
        ("SOLARIS_11_64", "Solaris 11 (64-bit)"),
        ("Red Hat Fedora (64-bit)", "Red Hat Fedora (64-bit)"),
        ("", ""),
    ],
)
def test_guest_os_label(guest_id, label):
    assert guest_os_label(guest_id) == label
