"""Console-client detection on Linux (docs/vmrc-launch.md §2.2).

Order: ``vmrc`` on ``PATH``, ``/usr/bin/vmrc``, the ``.desktop`` entry owning ``x-scheme-handler/vmrc`` when its
program is VMRC or Workstation, ``vmware`` on ``PATH``, and last the desktop opener (``gio open``/``xdg-open``) —
only when some handler is registered. A scheme owner that is not a VMware program is never started directly
(security rule 6: any application can register ``vmrc:``); it is reachable only through the opener, last.
Inside a Flatpak sandbox only the portal works, so the result is ``xdg-open`` alone.
"""

from __future__ import annotations

import logging
import posixpath
from pathlib import Path

from .models import DISPLAY_NAMES, ConsoleClientKind, DetectedClient
from .probes import SystemProbes
from .xdg import VMRC_MIME, default_handler, exec_program, find_desktop_file, parse_exec, read_desktop_entry

log = logging.getLogger(__name__)

LINUX_PROGRAMS: dict[str, ConsoleClientKind] = {"vmrc": ConsoleClientKind.VMRC, "vmware": ConsoleClientKind.WORKSTATION}
DEFAULT_VMRC_PATH = "/usr/bin/vmrc"


def _program_client(path: str, kind: ConsoleClientKind, source: str) -> DetectedClient:
    return DetectedClient(kind, Path(path), (path,), DISPLAY_NAMES[kind], None, source)


def _desktop_client(probes: SystemProbes, desktop_id: str, how: str) -> DetectedClient | None:
    """The VMware program behind ``desktop_id``, or ``None`` if the entry is missing or runs something else."""
    path = find_desktop_file(probes, desktop_id)
    if path is None:
        log.debug("desktop entry %s (from %s) is not installed", desktop_id, how)
        return None
    program = exec_program(parse_exec(read_desktop_entry(probes, path).get("Exec", "")))
    if program is None:
        return None
    kind = LINUX_PROGRAMS.get(posixpath.basename(program))
    resolved = program if posixpath.isabs(program) else probes.which(program)
    if kind is None or resolved is None or not probes.is_executable(resolved):
        log.debug("vmrc handler %s runs %s, not a usable VMware program", desktop_id, program)
        return None
    return _program_client(resolved, kind, f"{VMRC_MIME} → {desktop_id} ({how})")


def _in_sandbox(probes: SystemProbes) -> bool:
    return bool(probes.environ().get("FLATPAK_ID")) or probes.is_file("/.flatpak-info")


def _opener(probes: SystemProbes, source: str) -> DetectedClient | None:
    gio = probes.which("gio")
    if gio is not None:
        return DetectedClient(
            ConsoleClientKind.OS_HANDLER, None, (gio, "open"), DISPLAY_NAMES[ConsoleClientKind.OS_HANDLER], None, source
        )
    xdg_open = probes.which("xdg-open")
    if xdg_open is not None:
        return DetectedClient(
            ConsoleClientKind.OS_HANDLER, None, (xdg_open,), DISPLAY_NAMES[ConsoleClientKind.OS_HANDLER], None, source
        )
    return None


def detect_linux(probes: SystemProbes) -> list[DetectedClient]:
    """Every usable console client on this Linux machine, best first (duplicates are removed by the caller)."""
    if _in_sandbox(probes):
        xdg_open = probes.which("xdg-open")
        if xdg_open is None:
            return []
        kind = ConsoleClientKind.OS_HANDLER
        return [DetectedClient(kind, None, (xdg_open,), DISPLAY_NAMES[kind], None, "Flatpak sandbox → portal")]
    found: list[DetectedClient] = []
    on_path = probes.which("vmrc")
    if on_path is not None:
        found.append(_program_client(on_path, ConsoleClientKind.VMRC, "PATH"))
    if probes.is_executable(DEFAULT_VMRC_PATH):
        found.append(_program_client(DEFAULT_VMRC_PATH, ConsoleClientKind.VMRC, DEFAULT_VMRC_PATH))
    handler = default_handler(probes)
    if handler is not None:
        desktop_client = _desktop_client(probes, *handler)
        if desktop_client is not None:
            found.append(desktop_client)
    workstation = probes.which("vmware")
    if workstation is not None:
        found.append(_program_client(workstation, ConsoleClientKind.WORKSTATION, "PATH"))
    if handler is not None:
        opener = _opener(probes, f"{VMRC_MIME} → {handler[0]} ({handler[1]})")
        if opener is not None:
            found.append(opener)
    return found
