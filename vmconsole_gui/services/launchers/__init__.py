"""Console launcher: find VMware Remote Console, Workstation or Fusion and open a ``vmrc://`` console ticket in it.

Plain Python (asyncio, no Qt): the UI calls :func:`launch_console` from a qasync slot. See ``launch`` for the
security notes (no shell, ticket never logged, residual command-line exposure).
"""

from __future__ import annotations

from .detect import client_from_override, detect_clients
from .launch import DEFAULT_GRACE_PERIOD_S, build_argv, launch_console
from .models import (
    NO_CONSOLE_CLIENT_HELP,
    ConsoleClientKind,
    DetectedClient,
    InvalidClientOverride,
    InvalidConsoleUrl,
    LauncherError,
    LaunchOutcome,
    NoConsoleClient,
)
from .probes import HostProbes, SystemProbes
from .urlcheck import MAX_URL_LENGTH, redact_url, validate_console_url

__all__ = [
    "DEFAULT_GRACE_PERIOD_S",
    "MAX_URL_LENGTH",
    "NO_CONSOLE_CLIENT_HELP",
    "ConsoleClientKind",
    "DetectedClient",
    "HostProbes",
    "InvalidClientOverride",
    "InvalidConsoleUrl",
    "LaunchOutcome",
    "LauncherError",
    "NoConsoleClient",
    "SystemProbes",
    "build_argv",
    "client_from_override",
    "detect_clients",
    "launch_console",
    "redact_url",
    "validate_console_url",
]
