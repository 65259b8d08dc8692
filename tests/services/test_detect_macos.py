"""macOS detection (docs/vmrc-launch.md §2.3) with a fake file tree and canned Spotlight answers."""

from __future__ import annotations

import plistlib
from pathlib import Path

import pytest

from vmconsole_gui.services.launchers import (
    ConsoleClientKind,
    InvalidClientOverride,
    build_argv,
    client_from_override,
    detect_clients,
)

try:
    from .detect_fakes import FakeProbes
except ImportError:
    from detect_fakes import FakeProbes

URL = "vmrc://clone:cst-VCT-5223--tp-0A-1B@vc.example.test:443/?moid=vm-42"
VMRC_APP = "/Applications/VMware Remote Console.app"
USER_VMRC_APP = "/Users/alice/Applications/VMware Remote Console.app"
FUSION_APP = "/Applications/VMware Fusion.app"
MDFIND_VMRC = ("mdfind", "kMDItemCFBundleIdentifier == 'com.vmware.vmrc'")
MDFIND_FUSION = ("mdfind", "kMDItemCFBundleIdentifier == 'com.vmware.fusion'")
DEFAULT_HANDLER = (ConsoleClientKind.OS_HANDLER, ("/usr/bin/open",), "default handler (open)")


def mac(tmp_path: Path, **kwargs) -> FakeProbes:
    return FakeProbes("macos", tmp_path, env={"PATH": "/usr/bin:/bin"}, **kwargs)


def add_app(probes: FakeProbes, app: str, bundle_id: str | None, version: str = "13.0.1") -> None:
    probes.add_dir(app + "/Contents/MacOS")
    if bundle_id is not None:
        plist = plistlib.dumps({"CFBundleIdentifier": bundle_id, "CFBundleShortVersionString": version})
        probes.add_file(app + "/Contents/Info.plist", plist, executable=False)


def summary(clients) -> list[tuple[ConsoleClientKind, tuple[str, ...], str]]:
    return [(c.kind, c.argv_prefix, c.source) for c in clients]


def test_vmrc_in_applications(tmp_path: Path) -> None:
    probes = mac(tmp_path)
    add_app(probes, VMRC_APP, "com.vmware.vmrc", "13.0.1")
    clients = detect_clients(probes)
    assert summary(clients) == [
        (ConsoleClientKind.VMRC, ("/usr/bin/open", "-b", "com.vmware.vmrc"), "/Applications"),
        DEFAULT_HANDLER,
    ]
    assert (str(clients[0].executable), clients[0].version) == (VMRC_APP, "13.0.1")
    assert build_argv(clients[0], URL) == ["/usr/bin/open", "-b", "com.vmware.vmrc", URL]
    assert build_argv(clients[1], URL) == ["/usr/bin/open", URL]
    assert probes.queries_run == [MDFIND_FUSION]  # VMRC found on disk: no Spotlight query for it


def test_system_applications_win_over_user_applications(tmp_path: Path) -> None:
    probes = mac(tmp_path)
    add_app(probes, USER_VMRC_APP, "com.vmware.vmrc", "12.0.5")
    assert summary(detect_clients(probes))[0][2] == "/Users/alice/Applications"
    add_app(probes, VMRC_APP, "com.vmware.vmrc", "13.0.1")
    first = detect_clients(probes)[0]
    assert (first.source, first.version) == ("/Applications", "13.0.1")


def test_spotlight_finds_vmrc_elsewhere(tmp_path: Path) -> None:
    elsewhere = "/Volumes/Tools/VMware Remote Console.app"
    answer = "/Volumes/Gone/VMware Remote Console.app\n" + elsewhere + "\n"
    probes = mac(tmp_path, queries={MDFIND_VMRC: answer})
    add_app(probes, elsewhere, "com.vmware.vmrc")
    clients = detect_clients(probes)
    assert summary(clients)[0] == (
        ConsoleClientKind.VMRC,
        ("/usr/bin/open", "-b", "com.vmware.vmrc"),
        "mdfind com.vmware.vmrc",
    )
    assert str(clients[0].executable) == elsewhere
    assert MDFIND_VMRC in probes.queries_run


def test_fusion(tmp_path: Path) -> None:
    probes = mac(tmp_path)
    add_app(probes, FUSION_APP, "com.vmware.fusion", "13.6.2")
    clients = detect_clients(probes)
    assert summary(clients) == [
        (ConsoleClientKind.FUSION, ("/usr/bin/open", "-b", "com.vmware.fusion"), "/Applications"),
        DEFAULT_HANDLER,
    ]
    assert clients[0].display_name == "VMware Fusion"
    assert build_argv(clients[0], URL) == ["/usr/bin/open", "-b", "com.vmware.fusion", URL]


def test_fusion_by_spotlight_and_bundle_without_plist(tmp_path: Path) -> None:
    fusion = "/Users/alice/Desktop/VMware Fusion.app"
    probes = mac(tmp_path, queries={MDFIND_FUSION: fusion + "\n"})
    add_app(probes, fusion, None)  # no Info.plist: trust the Spotlight bundle-id match
    clients = detect_clients(probes)
    assert summary(clients)[0] == (
        ConsoleClientKind.FUSION,
        ("/usr/bin/open", "-b", "com.vmware.fusion"),
        "mdfind com.vmware.fusion",
    )
    assert clients[0].version is None


def test_impostor_bundle_is_ignored(tmp_path: Path) -> None:
    probes = mac(tmp_path)
    add_app(probes, VMRC_APP, "com.example.grabber")
    assert summary(detect_clients(probes)) == [DEFAULT_HANDLER]


def test_nothing_installed_leaves_the_default_handler(tmp_path: Path) -> None:
    probes = mac(tmp_path, queries={MDFIND_VMRC: "", MDFIND_FUSION: ""})
    assert summary(detect_clients(probes)) == [DEFAULT_HANDLER]
    assert probes.queries_run == [MDFIND_VMRC, MDFIND_FUSION]


def test_override_app_bundle_uses_open_a(tmp_path: Path) -> None:
    probes = mac(tmp_path)
    custom = "/Users/alice/Tools/VMware Remote Console.app"
    add_app(probes, custom, "com.vmware.vmrc")
    client = client_from_override(custom, probes)
    assert (client.kind, client.source) == (ConsoleClientKind.VMRC, "settings")
    assert build_argv(client, URL) == ["/usr/bin/open", "-a", custom, URL]
    assert detect_clients(probes, override="~/Tools/VMware Remote Console.app")[0] == client
    with pytest.raises(InvalidClientOverride, match="is a folder"):
        client_from_override("/Users/alice/Tools", probes)
