"""Which console clients this machine has, best first, and the user's configured override."""

from __future__ import annotations

import dataclasses
import logging
import ntpath
import os
import posixpath
from pathlib import Path

from .detect_linux import LINUX_PROGRAMS, detect_linux
from .detect_macos import OPEN, detect_macos
from .detect_windows import WINDOWS_PROGRAMS, detect_windows
from .models import DISPLAY_NAMES, ConsoleClientKind, DetectedClient, InvalidClientOverride
from .probes import HostProbes, SystemProbes

log = logging.getLogger(__name__)

OVERRIDE_SOURCE = "settings"


def _dedupe(clients: list[DetectedClient], case_insensitive: bool) -> list[DetectedClient]:
    """Keep the first client per (kind, command); take a version a later duplicate knows."""
    result: list[DetectedClient] = []
    index: dict[tuple[ConsoleClientKind, tuple[str, ...]], int] = {}
    for client in clients:
        command = tuple(arg.lower() if case_insensitive else arg for arg in client.argv_prefix)
        key = (client.kind, command)
        if key not in index:
            index[key] = len(result)
            result.append(client)
        elif result[index[key]].version is None and client.version is not None:
            result[index[key]] = dataclasses.replace(result[index[key]], version=client.version)
    return result


def detect_clients(
    probes: SystemProbes | None = None, *, override: str | os.PathLike[str] | None = None
) -> list[DetectedClient]:
    """All console clients found, best first; a configured ``override`` comes first (and must be valid).

    This blocks briefly (it may run ``xdg-mime`` or ``mdfind``): from async code call it via
    :func:`asyncio.to_thread`, as :func:`~vmconsole_gui.services.launchers.launch_console` does.

    Raises:
        InvalidClientOverride: ``override`` is set but does not name a usable program.

    """
    probes = probes or HostProbes()
    clients: list[DetectedClient] = []
    if override is not None and os.fspath(override).strip():
        clients.append(client_from_override(override, probes))
    detector = {"linux": detect_linux, "windows": detect_windows, "macos": detect_macos}[probes.os_name]
    clients.extend(detector(probes))
    clients = _dedupe(clients, case_insensitive=probes.os_name == "windows")
    for client in clients:
        log.debug("console client: %s via %s", client.describe(), client.source)
    return clients


def _guess_kind(name: str) -> ConsoleClientKind | None:
    lowered = name.lower()
    if lowered.endswith(".app"):
        if "fusion" in lowered:
            return ConsoleClientKind.FUSION
        return ConsoleClientKind.VMRC if "remote console" in lowered else None
    return WINDOWS_PROGRAMS.get(lowered) or LINUX_PROGRAMS.get(lowered)


def client_from_override(path: str | os.PathLike[str], probes: SystemProbes | None = None) -> DetectedClient:
    """A :class:`DetectedClient` for the console application configured in the settings, after checking it.

    Accepts a program file (on Windows an ``.exe``) or, on macOS, an ``.app`` bundle (started with ``open -a``).

    Raises:
        InvalidClientOverride: the path does not exist, is a folder, or is not an executable program.

    """
    probes = probes or HostProbes()
    text = os.fspath(path).strip()
    if text.startswith("~"):
        text = probes.home() + text[1:]
    pathmod = ntpath if probes.os_name == "windows" else posixpath
    name = pathmod.basename(pathmod.normpath(text))
    label = f"The console application set in Settings ({text})"
    if not pathmod.isabs(text):
        raise InvalidClientOverride(f"{label} must be a full path, like {_example(probes)}.")
    kind = _guess_kind(name)
    display = DISPLAY_NAMES[kind] if kind else f"Console application {name}"
    if probes.os_name == "macos" and name.lower().endswith(".app") and probes.is_dir(text):
        return DetectedClient(
            kind or ConsoleClientKind.VMRC, Path(text), (OPEN, "-a", text), display, None, OVERRIDE_SOURCE
        )
    if probes.is_dir(text):
        raise InvalidClientOverride(f"{label} is a folder, not a program. Choose the program file itself.")
    if not probes.is_file(text):
        raise InvalidClientOverride(f"{label} does not exist. Choose another program or clear the setting.")
    if not probes.is_executable(text):
        if probes.os_name == "windows":
            raise InvalidClientOverride(f"{label} is not a program (.exe); .bat and .cmd files are not accepted.")
        raise InvalidClientOverride(f"{label} is not executable. Make it executable (chmod +x) or choose another.")
    return DetectedClient(kind or ConsoleClientKind.VMRC, Path(text), (text,), display, None, OVERRIDE_SOURCE)


def _example(probes: SystemProbes) -> str:
    return {
        "windows": r"C:\Program Files (x86)\VMware\VMware Remote Console\vmrc.exe",
        "macos": "/Applications/VMware Remote Console.app",
        "linux": "/usr/bin/vmrc",
    }[probes.os_name]
