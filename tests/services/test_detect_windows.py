"""Windows detection (docs/vmrc-launch.md §2.1) with a fake registry and file tree."""

from __future__ import annotations

from pathlib import Path

import pytest

from vmconsole_gui.services.launchers import (
    ConsoleClientKind,
    InvalidClientOverride,
    build_argv,
    client_from_override,
    detect_clients,
)
from vmconsole_gui.services.launchers.detect_windows import expand_env, first_command_token, vmware_program_kind

try:
    from .detect_fakes import FakeProbes
except ImportError:
    from detect_fakes import FakeProbes

URL = "vmrc://clone:cst-VCT-5223--tp-0A-1B@vc.example.test:443/?moid=vm-42"
VMRC_X86 = r"C:\Program Files (x86)\VMware\VMware Remote Console\vmrc.exe"
VMRC_X64 = r"C:\Program Files\VMware\VMware Remote Console\vmrc.exe"
WS_DIR = r"C:\Program Files (x86)\VMware\VMware Workstation"
HKCR = r"HKCR\vmrc\shell\open\command"
WS_KEY = r"HKLM\SOFTWARE\WOW6432Node\VMware, Inc.\VMware Workstation"
APP_PATHS = r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\App Paths\vmrc.exe"
ENV = {"ProgramFiles(x86)": r"C:\Program Files (x86)", "ProgramFiles": r"C:\Program Files", "PATH": r"C:\Windows"}


def windows(tmp_path: Path, **kwargs) -> FakeProbes:
    return FakeProbes("windows", tmp_path, env=kwargs.pop("env", ENV), **kwargs)


@pytest.mark.parametrize(
    ("command", "program"),
    [
        (f'"{VMRC_X86}" "%1"', VMRC_X86),
        (f'  "{VMRC_X86}" "%1"', VMRC_X86),
        (r"C:\VMRC\vmrc.exe %1", r"C:\VMRC\vmrc.exe"),
        ("C:\\VMRC\\vmrc.exe\t%1", r"C:\VMRC\vmrc.exe"),
        (r'"C:\Program Files\VMware\VMware Remote Console\vmrc.exe', VMRC_X64),  # unterminated quote
        (r'"C:\odd\"x.exe', "C:\\odd\\"),  # argv[0] has no backslash escapes
        ("", None),
        ('""', None),
    ],
)
def test_first_command_token_parses_like_commandlinetoargvw(command: str, program: str | None) -> None:
    assert first_command_token(command) == program


def test_expand_env_is_case_insensitive_and_keeps_unknown_references() -> None:
    env = {"ProgramFiles(x86)": r"C:\PF86"}
    assert expand_env(r"%programfiles(X86)%\VMware\%NOPE%\x", env) == r"C:\PF86\VMware\%NOPE%\x"


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        (VMRC_X86, ConsoleClientKind.VMRC),
        (WS_DIR + r"\vmware.exe", ConsoleClientKind.WORKSTATION),
        (r"D:\apps\vmware\VMRC.EXE", ConsoleClientKind.VMRC),
        (r"C:\Tools\vmrc.exe", None),  # not in a VMware folder
        (r"C:\Program Files\VMware\VMware Remote Console\vmrc.bat", None),  # cmd.exe would run it
        (r"vmware\vmrc.exe", None),  # relative
    ],
)
def test_only_vmware_programs_in_a_vmware_folder_are_trusted(path: str, kind: ConsoleClientKind | None) -> None:
    assert vmware_program_kind(path) is kind


def test_hkcr_command_gives_vmrc_then_os_handler(tmp_path: Path) -> None:
    probes = windows(tmp_path, registry={(HKCR, ""): f'"{VMRC_X86}" "%1"'})
    probes.add_file(VMRC_X86)
    clients = detect_clients(probes)
    assert [(c.kind, c.source) for c in clients] == [
        (ConsoleClientKind.VMRC, HKCR),
        (ConsoleClientKind.OS_HANDLER, "os.startfile → vmrc.exe"),
    ]
    assert str(clients[0].executable) == VMRC_X86
    assert build_argv(clients[0], URL) == [VMRC_X86, URL]
    assert clients[1].argv_prefix == ()  # launched with os.startfile, never through cmd


def test_per_user_association_comes_first(tmp_path: Path) -> None:
    workstation = WS_DIR + r"\vmware.exe"
    probes = windows(tmp_path, assoc={"vmrc": workstation}, registry={(HKCR, ""): f'"{VMRC_X86}" "%1"'})
    probes.add_file(VMRC_X86)
    probes.add_file(workstation)
    clients = detect_clients(probes)
    assert [(c.kind, c.source) for c in clients[:2]] == [
        (ConsoleClientKind.WORKSTATION, "AssocQueryStringW(vmrc)"),
        (ConsoleClientKind.VMRC, HKCR),
    ]
    assert build_argv(clients[0], URL) == [workstation, URL]


def test_registry_command_with_environment_reference(tmp_path: Path) -> None:
    command = r'"%ProgramFiles(x86)%\VMware\VMware Remote Console\vmrc.exe" "%1"'
    probes = windows(tmp_path, registry={(HKCR, ""): command})
    probes.add_file(VMRC_X86)
    assert build_argv(detect_clients(probes)[0], URL) == [VMRC_X86, URL]


def test_missing_registered_program_falls_back_to_program_files(tmp_path: Path) -> None:
    probes = windows(tmp_path, registry={(HKCR, ""): f'"{VMRC_X86}" "%1"'})
    probes.add_file(VMRC_X64)  # the x86 path in the registry is stale
    clients = detect_clients(probes)
    assert [(c.kind, c.argv_prefix, c.source) for c in clients] == [
        (ConsoleClientKind.VMRC, (VMRC_X64,), "%ProgramFiles%"),
        (ConsoleClientKind.OS_HANDLER, (), "os.startfile → vmrc.exe"),
    ]


def test_arbitrary_scheme_owner_is_never_started_directly(tmp_path: Path) -> None:
    evil = r"C:\Users\alice\AppData\Local\Temp\grabber.exe"
    probes = windows(tmp_path, registry={(HKCR, ""): f'"{evil}" "%1"'})
    probes.add_file(evil)
    probes.add_file(VMRC_X86)
    clients = detect_clients(probes)
    assert [(c.kind, c.argv_prefix) for c in clients] == [
        (ConsoleClientKind.VMRC, (VMRC_X86,)),
        (ConsoleClientKind.OS_HANDLER, ()),
    ]
    assert clients[1].source == "os.startfile → grabber.exe"
    assert all(evil not in c.argv_prefix for c in clients)


def test_app_paths_entry(tmp_path: Path) -> None:
    other = r"D:\Apps\VMware\Remote Console\vmrc.exe"
    probes = windows(tmp_path, registry={(APP_PATHS, ""): f'"{other}"'})
    probes.add_file(other)
    clients = detect_clients(probes)
    assert [(c.kind, c.argv_prefix, c.source) for c in clients] == [(ConsoleClientKind.VMRC, (other,), APP_PATHS)]


def test_workstation_install_path_with_version(tmp_path: Path) -> None:
    registry = {(WS_KEY, "InstallPath"): WS_DIR + "\\", (WS_KEY, "ProductVersion"): "17.6.3"}
    probes = windows(tmp_path, registry=registry)
    probes.add_file(WS_DIR + r"\vmware.exe")
    clients = detect_clients(probes)
    assert len(clients) == 1
    client = clients[0]
    assert (client.kind, client.version, client.display_name) == (
        ConsoleClientKind.WORKSTATION,
        "17.6.3",
        "VMware Workstation",
    )
    assert client.source == WS_KEY + r"\InstallPath"
    assert build_argv(client, URL) == [WS_DIR + r"\vmware.exe", URL]


def test_duplicates_merge_case_insensitively_and_keep_the_version(tmp_path: Path) -> None:
    workstation = WS_DIR + r"\vmware.exe"
    registry = {
        (HKCR, ""): f'"{workstation.upper()}" "%1"',
        (WS_KEY, "InstallPath"): WS_DIR,
        (WS_KEY, "ProductVersion"): "17.6.3",
    }
    probes = windows(tmp_path, registry=registry)
    probes.add_file(workstation)
    clients = detect_clients(probes)
    assert [(c.kind, c.source, c.version) for c in clients] == [
        (ConsoleClientKind.WORKSTATION, HKCR, "17.6.3"),
        (ConsoleClientKind.OS_HANDLER, "os.startfile → VMWARE.EXE", None),
    ]


def test_vmrc_preferred_over_workstation_defaults_and_nothing_means_empty(tmp_path: Path) -> None:
    probes = windows(tmp_path)
    assert detect_clients(probes) == []
    probes.add_file(WS_DIR + r"\vmware.exe")
    probes.add_file(VMRC_X86)
    assert [c.kind for c in detect_clients(probes)] == [ConsoleClientKind.VMRC, ConsoleClientKind.WORKSTATION]


def test_override_wins_and_batch_files_are_refused(tmp_path: Path) -> None:
    probes = windows(tmp_path)
    probes.add_file(VMRC_X86)
    custom = probes.add_file(r"D:\Portable\vmrc.exe")
    clients = detect_clients(probes, override=custom)
    assert [(c.argv_prefix, c.source) for c in clients] == [
        ((custom,), "settings"),
        ((VMRC_X86,), "%ProgramFiles(x86)%"),
    ]
    batch = probes.add_file(r"D:\Portable\vmrc.bat")
    with pytest.raises(InvalidClientOverride, match=r"not a program \(\.exe\)"):
        client_from_override(batch, probes)
    with pytest.raises(InvalidClientOverride, match="does not exist"):
        detect_clients(probes, override=r"D:\Nowhere\vmrc.exe")
