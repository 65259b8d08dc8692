r"""Console-client detection on Windows (docs/vmrc-launch.md §2.1), through :class:`SystemProbes` only.

Order: the per-user association (``AssocQueryStringW``), ``HKCR\vmrc\shell\open\command``, VMRC's App Paths
entry, VMRC's Program Files defaults, Workstation's ``InstallPath``, Workstation's Program Files defaults, and last
``os.startfile`` when some handler is registered. Only ``vmrc.exe``/``vmware.exe`` inside a ``VMware`` folder are
started directly (security rule 6); never a ``.bat``/``.cmd``, which Windows would run through ``cmd.exe``.
"""

from __future__ import annotations

import ntpath
import re
from collections.abc import Mapping
from pathlib import Path, PureWindowsPath

from .models import DISPLAY_NAMES, ConsoleClientKind, DetectedClient
from .probes import SystemProbes

HKCR_VMRC_COMMAND = r"HKCR\vmrc\shell\open\command"
APP_PATHS_KEYS = (
    r"HKCU\SOFTWARE\Microsoft\Windows\CurrentVersion\App Paths\vmrc.exe",
    r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\App Paths\vmrc.exe",
)
WORKSTATION_KEYS = (
    r"HKLM\SOFTWARE\WOW6432Node\VMware, Inc.\VMware Workstation",
    r"HKLM\SOFTWARE\VMware, Inc.\VMware Workstation",
)
VMRC_SUBPATH = r"VMware\VMware Remote Console\vmrc.exe"
WORKSTATION_SUBPATH = r"VMware\VMware Workstation\vmware.exe"
PROGRAM_FILES_VARS = ("ProgramFiles(x86)", "ProgramFiles")
WINDOWS_PROGRAMS: dict[str, ConsoleClientKind] = {
    "vmrc.exe": ConsoleClientKind.VMRC,
    "vmware.exe": ConsoleClientKind.WORKSTATION,
}
_ENV_REF = re.compile(r"%([^%]+)%")


def first_command_token(command: str) -> str | None:
    r"""The program of a registry command line, parsed as ``CommandLineToArgvW`` parses argv[0].

    ``"C:\Program Files (x86)\…\vmrc.exe" "%1"`` → ``C:\Program Files (x86)\…\vmrc.exe``: a leading quote runs
    to the next quote (no backslash escapes in argv[0]); otherwise the token ends at the first space or tab.
    """
    text = command.lstrip(" \t")
    if not text:
        return None
    if text.startswith('"'):
        end = text.find('"', 1)
        token = text[1:end] if end > 0 else text[1:]
    else:
        token = re.split(r"[ \t]", text, maxsplit=1)[0]
    return token or None


def expand_env(value: str, env: Mapping[str, str]) -> str:
    """Expand ``%NAME%`` references (case-insensitively, as Windows does); unknown ones stay as they are."""
    lowered = {key.lower(): val for key, val in env.items()}
    return _ENV_REF.sub(lambda m: lowered.get(m.group(1).lower(), m.group(0)), value)


def vmware_program_kind(path: str) -> ConsoleClientKind | None:
    """VMRC/Workstation if ``path`` is ``vmrc.exe``/``vmware.exe`` in a folder named ``VMware``, else ``None``."""
    pure = PureWindowsPath(path)
    kind = WINDOWS_PROGRAMS.get(pure.name.lower())
    if kind is None or not pure.is_absolute():
        return None
    return kind if any(part.lower() == "vmware" for part in pure.parts[:-1]) else None


class _Collector:
    def __init__(self, probes: SystemProbes) -> None:
        self.probes = probes
        self.found: list[DetectedClient] = []

    def add(self, raw_path: str | None, source: str, version: str | None = None) -> None:
        if not raw_path:
            return
        path = str(PureWindowsPath(expand_env(raw_path.strip().strip('"'), self.probes.environ())))
        kind = vmware_program_kind(path)
        if kind is None or not self.probes.is_executable(path):
            return
        self.found.append(DetectedClient(kind, Path(path), (path,), DISPLAY_NAMES[kind], version, source))


def detect_windows(probes: SystemProbes) -> list[DetectedClient]:
    """Every usable console client on this Windows machine, best first (duplicates are removed by the caller)."""
    collect = _Collector(probes)
    env = probes.environ()
    associated = probes.assoc_executable("vmrc")
    collect.add(associated, "AssocQueryStringW(vmrc)")
    command = probes.registry_value(HKCR_VMRC_COMMAND)
    if command:
        collect.add(first_command_token(expand_env(command, env)), HKCR_VMRC_COMMAND)
    for key in APP_PATHS_KEYS:
        collect.add(probes.registry_value(key), key)
    for var in PROGRAM_FILES_VARS:
        base = next((val for name, val in env.items() if name.lower() == var.lower()), None)
        if base:
            collect.add(ntpath.join(base, VMRC_SUBPATH), f"%{var}%")
    for key in WORKSTATION_KEYS:
        install_path = probes.registry_value(key, "InstallPath")
        if install_path:
            version = probes.registry_value(key, "ProductVersion")
            collect.add(ntpath.join(install_path, "vmware.exe"), f"{key}\\InstallPath", version)
    for var in PROGRAM_FILES_VARS:
        base = next((val for name, val in env.items() if name.lower() == var.lower()), None)
        if base:
            collect.add(ntpath.join(base, WORKSTATION_SUBPATH), f"%{var}%")
    if associated or command:
        kind = ConsoleClientKind.OS_HANDLER
        owner = PureWindowsPath(associated or first_command_token(command or "") or "?").name
        collect.found.append(DetectedClient(kind, None, (), DISPLAY_NAMES[kind], None, f"os.startfile → {owner}"))
    return collect.found
