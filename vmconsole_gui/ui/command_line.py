"""What the running app does with a command line: ``--connect <profile>/<vm>`` and a plain second launch.

:func:`open_connect_target` resolves the target (the profile's connection may still be starting: it waits for the
live inventory, with a timeout), then starts opening the console and returns at once with ``(0, message)``; the
console itself may still ask the person something (power on? trust this ESXi host?) in the app, which is where the
answer can be given. Errors come back as ``(2, message)`` for an unknown profile or VM (with close matches) and
``(1, message)`` for a connection that failed or an inventory that did not arrive in time.

:func:`handle_remote_args` is the single-instance handler: the arguments of a second launch, parsed with the same
parser as a first launch.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
from typing import TYPE_CHECKING

from vmconsole_gui.services import display_text
from vmconsole_gui.services.connect_target import (
    EXIT_FAILURE,
    EXIT_OK,
    EXIT_USAGE,
    ConsoleChoice,
    TargetError,
    resolve_profile,
    resolve_vm,
)
from vmconsole_gui.services.connections.records import ConnectionStatus, VmRecord
from vmconsole_gui.ui.vm_rows import display_record

if TYPE_CHECKING:
    from vmconsole_gui.ui.app_window import AppWindow

log = logging.getLogger(__name__)

INVENTORY_TIMEOUT_S = 60.0
_NEEDS_USER = (ConnectionStatus.NEEDS_PASSWORD, ConnectionStatus.NEEDS_TRUST)


async def wait_for_inventory(app: AppWindow, profile_id: str, profile_name: str, timeout_s: float) -> str | None:
    """Wait until the profile is connected with a live VM list; None then, else the reason it is not.

    A connection the app is already making is awaited; an idle or failed one is (re)tried once; a password or
    certificate question is asked in the app (the window is shown for it), without the timeout running meanwhile.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    tried = asked = False
    while True:
        state = app.manager.state(profile_id)
        live = app.manager.client(profile_id) is not None and not state.refreshing and state.vm_count is not None
        if live and not app.window.controller.is_stale(profile_id):
            return None
        remaining = deadline - loop.time()
        if remaining <= 0:
            return f"The VM list of {profile_name!r} did not arrive within {timeout_s:.0f} s; try again."
        if state.status in _NEEDS_USER and not asked:
            asked = True
            app.show_window()
            await app.prompts.resolve(profile_id)
            deadline = loop.time() + timeout_s
            continue
        if state.status in _NEEDS_USER:
            return f"Could not connect to {profile_name!r}: {state.message or 'the connection needs you in the app.'}"
        starting = app.starting()
        if state.status in (ConnectionStatus.IDLE, ConnectionStatus.ERROR) and not starting:
            if tried:
                return f"Could not connect to {profile_name!r}: {state.message or 'not connected.'}"
            tried = True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(app.manager.connect(profile_id), remaining)
            continue
        await asyncio.sleep(0.05)


async def open_connect_target(
    app: AppWindow, target: str, console: ConsoleChoice | None, *, timeout_s: float = INVENTORY_TIMEOUT_S
) -> tuple[int, str]:
    """Resolve ``target`` and start opening its console; ``(exit status, message)``.

    The message is printed by the second launch in a terminal: it is cleaned (no escape sequences from VM names).
    """
    status, text = await _open_connect_target(app, target, console, timeout_s)
    return status, display_text.message(text)


async def _open_connect_target(
    app: AppWindow, target: str, console: ConsoleChoice | None, timeout_s: float
) -> tuple[int, str]:
    try:
        profile, vm_part = resolve_profile(target, app.services.profiles.list())
    except TargetError as exc:
        return EXIT_USAGE, str(exc)
    problem = await wait_for_inventory(app, profile.id, profile.name, timeout_s)
    if problem is not None:
        return EXIT_FAILURE, problem
    try:
        record = display_record(resolve_vm(vm_part, app.manager.records(profile.id), profile.name))
    except TargetError as exc:
        return EXIT_USAGE, str(exc)
    app.window.run(open_record(app, record, console))
    kind = {None: "console", ConsoleChoice.VMRC: "VMRC console", ConsoleChoice.WEBMKS: "embedded console"}[console]
    return EXIT_OK, f"Opening the {kind} of {record.name} on {profile.name}."


async def open_record(app: AppWindow, record: VmRecord, console: ConsoleChoice | None) -> None:
    """Open ``record``'s console of the given type (None: the profile's default)."""
    if console is ConsoleChoice.VMRC:
        await app.commands.open_vmrc(record)
    elif console is ConsoleChoice.WEBMKS:
        await app.commands.open_embedded(record)
    else:
        await app.commands.open_console(record)


async def handle_remote_args(app: AppWindow, args: list[str], cwd: str) -> tuple[int, str]:
    """Handle a second launch's arguments in the running instance."""
    from vmconsole_gui.app import parse_args  # the same parser as a first launch

    errors = io.StringIO()
    try:
        with contextlib.redirect_stderr(errors), contextlib.redirect_stdout(io.StringIO()):
            ns = parse_args(args)
    except SystemExit as exc:
        return (EXIT_USAGE if exc.code else EXIT_OK), errors.getvalue().strip()
    log.info("second launch handed over (cwd %s): %s", cwd, "--connect" if ns.connect else "no target")
    if ns.connect:
        return await open_connect_target(app, ns.connect, ConsoleChoice(ns.console) if ns.console else None)
    log.info("second launch: showing the window")
    app.show_window()
    return EXIT_OK, "vmconsole-gui is already running; its window was shown."
