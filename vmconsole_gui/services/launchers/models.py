"""Value types of the console launcher: detected clients, launch outcomes and the launcher's errors.

None of these types ever holds a console URL: a ``vmrc://clone:<ticket>@…`` URL is a bearer credential, so a
:class:`LaunchOutcome` keeps only the redacted argv, and exception texts never quote the URL.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path


class ConsoleClientKind(enum.Enum):
    """Which kind of application opens the ``vmrc://`` link."""

    VMRC = "vmrc"
    WORKSTATION = "workstation"
    FUSION = "fusion"
    OS_HANDLER = "os-handler"


DISPLAY_NAMES: dict[ConsoleClientKind, str] = {
    ConsoleClientKind.VMRC: "VMware Remote Console",
    ConsoleClientKind.WORKSTATION: "VMware Workstation",
    ConsoleClientKind.FUSION: "VMware Fusion",
    ConsoleClientKind.OS_HANDLER: "the system's handler for vmrc:// links",
}


@dataclass(frozen=True, slots=True)
class DetectedClient:
    r"""A console application found on this machine and how to start it.

    ``argv_prefix`` is the command line before the URL (the launch appends the URL as one last argument).
    An empty ``argv_prefix`` means "hand the URL to the OS shell" (``os.startfile`` on Windows).
    ``executable`` is the program (or, on macOS, the ``.app`` bundle) when one was resolved.
    ``source`` says how it was found, e.g. ``"PATH"`` or ``"HKCR\vmrc\shell\open\command"``.
    """

    kind: ConsoleClientKind
    executable: Path | None
    argv_prefix: tuple[str, ...]
    display_name: str
    version: str | None
    source: str

    def describe(self) -> str:
        """A short human label, e.g. ``VMware Remote Console (/usr/bin/vmrc)``."""
        if self.executable is not None:
            return f"{self.display_name} ({self.executable})"
        if self.argv_prefix:
            return f"{self.display_name} ({' '.join(self.argv_prefix)})"
        return self.display_name


@dataclass(frozen=True, slots=True)
class LaunchOutcome:
    """What happened when a console client was started.

    ``ok`` is true when the process was still running after the grace period, or exited with status 0 (VMRC hands
    the URL to an already running instance and exits). ``message`` is a sentence the UI can show as is.
    ``argv`` is the command line with the console ticket masked. Success only means the client started: whether
    it connected is known to the client alone, so never retry with the same (single-use) ticket.
    """

    ok: bool
    message: str
    client: DetectedClient
    argv: tuple[str, ...]
    pid: int | None = None
    exit_status: int | None = None
    still_running: bool = False


NO_CONSOLE_CLIENT_HELP = (
    "No application that opens VMware console links (vmrc://) was found on this computer. "
    "Any one of these free applications works:\n"
    "• VMware Remote Console (VMRC) for Windows, Linux and macOS: download it from the Broadcom Support Portal "
    "(support.broadcom.com, free account needed); on macOS get it from the Mac App Store. VMRC needs direct "
    "network access to port 443 of the ESXi host that runs the VM.\n"
    "• VMware Workstation Pro (Windows, Linux) or VMware Fusion Pro (macOS): free for all uses, downloaded from "
    "the Broadcom Support Portal.\n"
    "VMRC cannot be installed next to Workstation or Fusion; one of them is enough."
)


class LauncherError(Exception):
    """Base class of the launcher's errors; the text is meant for the user and never contains the URL."""


class InvalidConsoleUrl(LauncherError, ValueError):
    """The console URL failed validation, so nothing was launched."""


class NoConsoleClient(LauncherError):
    """No VMRC, Workstation, Fusion or registered ``vmrc://`` handler was found."""

    def __init__(self, message: str = NO_CONSOLE_CLIENT_HELP) -> None:
        super().__init__(message)
        self.help = message


class InvalidClientOverride(LauncherError):
    """The console client configured in the settings cannot be used (missing, not a program, ...)."""
