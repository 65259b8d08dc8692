"""Start a console client (VMRC, Workstation, Fusion or the OS opener) with a ``vmrc://`` console URL.

The URL is validated (:func:`validate_console_url`), then passed unchanged as the single last argv element to a
resolved program: ``shell=False``, detached (own session on POSIX; ``DETACHED_PROCESS | CREATE_NEW_PROCESS_GROUP``
on Windows), stdio to ``/dev/null``, the probe's environment (plus ``GDK_BACKEND=x11`` for Workstation under
Wayland). Spawning runs in a worker thread; the process is then watched for a short grace period: an exec error or
a non-zero exit in that time is a failure with a human message, a process still running — or one that exited 0
(VMRC passes the URL to a running instance and exits) — is a success. A daemon thread reaps the child later.

The URL is never logged: the argv is logged and kept only with the ticket masked (``clone:***@``).

Residual exposure (docs/vmrc-launch.md §3 rule 7): while the client runs, the URL is in its command line. On Linux
``/proc/<pid>/cmdline`` is readable by every local user unless ``/proc`` is mounted with ``hidepid=2``; on Windows
command lines are visible to the same user's processes and to administrators; on macOS ``open -b`` hands the URL
over by Apple Event, but ``open`` itself has it in argv for a moment. This is accepted because the ticket is single
use and the client consumes it within seconds; the client's own log may still record it.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import subprocess
import sys
import threading

from .detect import detect_clients
from .models import (
    NO_CONSOLE_CLIENT_HELP,
    ConsoleClientKind,
    DetectedClient,
    LaunchOutcome,
    NoConsoleClient,
)
from .probes import HostProbes, SystemProbes
from .urlcheck import redact_argv, validate_console_url

log = logging.getLogger(__name__)

DEFAULT_GRACE_PERIOD_S = 1.5
_POLL_INTERVAL_S = 0.05


def build_argv(client: DetectedClient, url: str) -> list[str]:
    """The command line for ``client``: its ``argv_prefix`` plus the URL as one last element.

    Raises:
        ValueError: the client has no command (it is opened with ``os.startfile``), or the URL is invalid.

    """
    validate_console_url(url)
    if not client.argv_prefix:
        raise ValueError(f"{client.display_name} is opened through the OS shell, not a command line")
    return [*client.argv_prefix, url]


def launch_environment(
    client: DetectedClient, probes: SystemProbes, x11_for_workstation: bool = True
) -> dict[str, str]:
    """The environment for the client: the probe's, with ``GDK_BACKEND=x11`` for Workstation under Wayland."""
    env = dict(probes.environ())
    wayland = bool(env.get("WAYLAND_DISPLAY"))
    if x11_for_workstation and client.kind is ConsoleClientKind.WORKSTATION and probes.os_name == "linux" and wayland:
        env.setdefault("GDK_BACKEND", "x11")
    return env


def _spawn(argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    """Start ``argv`` detached, without a shell, with stdio on the null device."""
    if sys.platform == "win32":
        return subprocess.Popen(  # noqa: S603 - a resolved program and a validated URL, no shell
            argv,
            shell=False,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
            close_fds=True,
            creationflags=subprocess.DETACHED_PROCESS | subprocess.CREATE_NEW_PROCESS_GROUP,
        )
    return subprocess.Popen(  # noqa: S603 - a resolved program and a validated URL, no shell
        argv,
        shell=False,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        close_fds=True,
        start_new_session=True,
    )


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def _exec_failure_message(client: DetectedClient, program: str, exc: OSError) -> str:
    name = _capitalized(client.display_name)
    if exc.errno == errno.ENOENT:
        return f"{name} could not be started: {program} does not exist."
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"{name} could not be started: {program} is not executable (permission denied)."
    if exc.errno == errno.ENOEXEC:
        return f"{name} could not be started: {program} is not a program this system can run."
    return f"{name} could not be started ({program}): {exc.strerror or exc.__class__.__name__}."


def _exit_message(client: DetectedClient, status: int) -> str:
    who = _capitalized(client.describe())
    if status < 0:
        message = f"{who} was killed by signal {-status} right after starting."
    else:
        message = f"{who} exited at once with status {status}."
    if client.kind is ConsoleClientKind.OS_HANDLER:
        message += " No application seems to be registered for vmrc:// links.\n\n" + NO_CONSOLE_CLIENT_HELP
    return message


async def _wait_briefly(process: subprocess.Popen[bytes], grace_period: float) -> int | None:
    """The exit status if the process ends within ``grace_period`` seconds, else ``None`` (event loop stays free)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + grace_period
    while True:
        status = process.poll()
        if status is not None:
            return status
        remaining = deadline - loop.time()
        if remaining <= 0:
            return None
        await asyncio.sleep(min(_POLL_INTERVAL_S, remaining))


def _reap_in_background(process: subprocess.Popen[bytes]) -> None:
    threading.Thread(target=process.wait, name=f"reap-console-client-{process.pid}", daemon=True).start()


async def _startfile(client: DetectedClient, url: str) -> LaunchOutcome:
    """Windows' last resort: ``os.startfile(url)`` (ShellExecute of the registered handler)."""
    shown = ("os.startfile", *redact_argv([url]))
    if sys.platform != "win32":
        return LaunchOutcome(False, "Opening links through the Windows shell only works on Windows.", client, shown)
    try:
        await asyncio.to_thread(os.startfile, url)
    except OSError as exc:
        message = f"Windows could not open the console link: {exc.strerror or exc.__class__.__name__}."
        return LaunchOutcome(False, message + "\n\n" + NO_CONSOLE_CLIENT_HELP, client, shown)
    return LaunchOutcome(True, "The console link was handed to Windows.", client, shown)


async def launch_console(
    url: str,
    client: DetectedClient | None = None,
    *,
    probes: SystemProbes | None = None,
    override: str | os.PathLike[str] | None = None,
    grace_period: float = DEFAULT_GRACE_PERIOD_S,
    x11_for_workstation: bool = True,
) -> LaunchOutcome:
    """Open the console ``url`` (a fresh, single-use ``vmrc://`` ticket) in ``client`` or the best detected one.

    ``override`` is the program configured in the settings; it wins over detection when ``client`` is ``None``.

    Raises:
        InvalidConsoleUrl: the URL failed validation; nothing was started.
        NoConsoleClient: no client was given and none was found (its text says what to install).
        InvalidClientOverride: ``override`` does not name a usable program.

    """
    validate_console_url(url)
    probes = probes or HostProbes()
    if client is None:
        clients = await asyncio.to_thread(detect_clients, probes, override=override)
        if not clients:
            raise NoConsoleClient()
        client = clients[0]
    if not client.argv_prefix:
        return await _startfile(client, url)
    argv = build_argv(client, url)
    shown = redact_argv(argv)
    log.debug("launching %s via %s: %s", client.describe(), client.source, " ".join(shown))
    try:
        process = await asyncio.to_thread(_spawn, argv, launch_environment(client, probes, x11_for_workstation))
    except OSError as exc:
        outcome = LaunchOutcome(False, _exec_failure_message(client, argv[0], exc), client, shown)
        log.info("%s", outcome.message)
        return outcome
    try:
        status = await _wait_briefly(process, grace_period)
    finally:
        if process.returncode is None:
            _reap_in_background(process)
    if status is None:
        message = f"{_capitalized(client.display_name)} started (pid {process.pid})."
        outcome = LaunchOutcome(True, message, client, shown, pid=process.pid, still_running=True)
    elif status == 0:
        message = f"{_capitalized(client.describe())} accepted the console link."
        outcome = LaunchOutcome(True, message, client, shown, pid=process.pid, exit_status=0)
    else:
        outcome = LaunchOutcome(
            False, _exit_message(client, status), client, shown, pid=process.pid, exit_status=status
        )
    log.info("%s", outcome.message.split("\n", 1)[0])
    return outcome
