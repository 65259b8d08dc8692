"""What the VM actions do: open a console (VMRC or embedded), power operations, copy name / IP.

Every failure ends in a message a person understands; console problems offer the actions that can fix them
(power on, open in VMRC, copy the console link, open settings).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox, QWidget

from vmconsole_gui.services.connections import ConnectionManager
from vmconsole_gui.services.connections.records import VmRecord
from vmconsole_gui.services.console_flow import ConsoleAction, ConsoleFlow, ConsoleFlowError, ConsoleProblem
from vmconsole_gui.services.console_session import ConsoleTarget
from vmconsole_gui.services.settings import ProfileNotFoundError, ProfileStore
from vmconsole_gui.services.settings.model import ConsoleType as PreferredConsole
from vmconsole_gui.ui.async_dialogs import ask, ask_choice
from vmconsole_gui.ui.connection_prompts import ConnectionPrompts
from vmconsole_gui.ui.vm_table_model import VmTableModel
from vmconsole_gui.vsphere.errors import VSphereError
from vmconsole_gui.vsphere.models import ConsoleType, PowerAction
from vmconsole_gui.vsphere.tickets import ConsoleTicket

if TYPE_CHECKING:
    from vmconsole_gui.services.relay import WebMksRelay
    from vmconsole_gui.ui.console import ConsoleWindow

log = logging.getLogger(__name__)

ACTION_LABELS = {
    ConsoleAction.POWER_ON: "&Power on",
    ConsoleAction.USE_VMRC: "Open in &VMRC",
    ConsoleAction.USE_EMBEDDED: "Open &embedded console",
    ConsoleAction.COPY_LINK: "&Copy console link",
    ConsoleAction.RETRY: "&Retry",
    ConsoleAction.SHOW_SETTINGS: "&Settings…",
}

POWER_VERBS = {
    PowerAction.START: ("Powering on", "power on"),
    PowerAction.STOP: ("Powering off", "power off"),
    PowerAction.RESET: ("Resetting", "reset"),
    PowerAction.SUSPEND: ("Suspending", "suspend"),
}

_CONFIRM = {
    PowerAction.STOP: "Power off {name}? This is like pulling the power cord: unsaved work in the guest is lost.",
    PowerAction.RESET: "Reset {name}? The guest restarts at once: unsaved work in the guest is lost.",
    PowerAction.SUSPEND: "Suspend {name}? The guest stops running until it is powered on again.",
}


class VmCommands:
    """Runs VM actions for the main window (and later the tray); all methods are coroutines on the qasync loop."""

    def __init__(
        self,
        window: QWidget,
        manager: ConnectionManager,
        flow: ConsoleFlow,
        profiles: ProfileStore,
        prompts: ConnectionPrompts,
        table: VmTableModel,
        *,
        status: Callable[[str], None] = lambda _text: None,
        open_settings: Callable[[], Awaitable[None]] | None = None,
        on_console_opened: Callable[[VmRecord], None] | None = None,
        on_problem: Callable[[str, str], None] | None = None,
    ) -> None:
        self._window = window
        self._manager = manager
        self._flow = flow
        self._profiles = profiles
        self._prompts = prompts
        self._table = table
        self._status = status
        self._open_settings = open_settings
        self._on_console_opened = on_console_opened or (lambda _record: None)
        self._on_problem = on_problem or (lambda _title, _message: None)
        self._relay: WebMksRelay | None = None
        self._console_window: ConsoleWindow | None = None

    # ------------------------------------------------------------------ consoles
    async def open_console(self, record: VmRecord) -> None:
        """Open the console type the VM's profile prefers."""
        try:
            preferred = self._profiles.get(record.profile_id).console_type
        except ProfileNotFoundError:
            preferred = PreferredConsole.WEBMKS
        if preferred is PreferredConsole.VMRC:
            await self.open_vmrc(record)
        else:
            await self.open_embedded(record)

    async def open_vmrc(self, record: VmRecord) -> None:
        """Fetch a VMRC ticket right before launching VMRC / Workstation / Fusion with it."""
        key = (record.profile_id, record.vm_id)
        self._table.set_busy(key, "Opening VMRC")
        self._status(f"Opening {record.name} in VMware Remote Console…")
        try:
            outcome = await self._flow.open_vmrc(record.profile_id, record.vm_id)
        except ConsoleFlowError as exc:
            self._status("")
            await self._offer(record, exc.problem)
            return
        finally:
            self._table.set_busy(key, None)
        self._status(outcome.message if outcome.ok else "")
        if outcome.ok:
            self._on_console_opened(record)
        else:
            await self._offer(
                record,
                ConsoleProblem(
                    title="The console application did not start",
                    message=outcome.message,
                    actions=(ConsoleAction.RETRY, ConsoleAction.COPY_LINK, ConsoleAction.SHOW_SETTINGS),
                ),
            )

    async def open_embedded(self, record: VmRecord) -> None:
        """Open the VM's WEBMKS console in a tab of the console window."""
        prefetched: list[ConsoleTicket] = []
        if record.power_state != "POWERED_ON":
            # The list says the VM is not running: let vCenter decide before loading the web engine. A refusal
            # comes back as a problem that offers to power the VM on or to use VMRC.
            try:
                prefetched.append(await self._flow.webmks_ticket(record.profile_id, record.vm_id))
            except ConsoleFlowError as exc:
                await self._offer(record, exc.problem)
                return
        window = await self.console_window()
        manager = self._manager

        async def fetch_ticket() -> str:
            # vCenter's own errors reach the tab unchanged: it shows "powered off" for NotAllowedInCurrentState.
            if prefetched:
                return prefetched.pop().reveal_url()
            ticket = await manager.console_ticket(record.profile_id, record.vm_id, ConsoleType.WEBMKS)
            return ticket.reveal_url()

        async def power_on() -> None:
            await manager.power(record.profile_id, record.vm_id, PowerAction.START)

        target = ConsoleTarget(
            profile_id=record.profile_id,
            vm_id=record.vm_id,
            vm_name=record.name,
            vcenter=record.vcenter,
            fetch_ticket=fetch_ticket,
            trust_esxi=self._prompts.trust_esxi,
            power_on=power_on,
        )
        window.open_console(target)
        self._on_console_opened(record)
        window.show()
        window.raise_()
        window.activateWindow()

    async def console_window(self) -> ConsoleWindow:
        """The console window, created (with the loopback relay) on first use."""
        if self._console_window is None:
            from vmconsole_gui.services.relay import WebMksRelay
            from vmconsole_gui.ui.console import ConsoleWindow

            relay = WebMksRelay()
            await relay.start()
            self._relay = relay
            self._console_window = ConsoleWindow(relay)
        return self._console_window

    async def copy_console_link(self, record: VmRecord) -> None:
        """Put a fresh VMRC link on the clipboard (an explicit user action; the link is single-use)."""
        try:
            link = await self._flow.console_link(record.profile_id, record.vm_id)
        except ConsoleFlowError as exc:
            await self._show(exc.problem.title, exc.problem.message)
            return
        QGuiApplication.clipboard().setText(link)
        self._status(f"Console link for {record.name} copied; it works once, within 30 minutes.")

    async def _offer(self, record: VmRecord, problem: ConsoleProblem) -> None:
        """Show a console problem with its fixes and run the one chosen."""
        self._on_problem(problem.title, problem.message)
        choices: list[tuple[ConsoleAction | None, str]] = [(a, ACTION_LABELS[a]) for a in problem.actions]
        choices.append((None, "Close"))
        default = problem.actions[0] if problem.actions else None
        choice = await ask_choice(self._window, problem.title, problem.message, choices, default, None)
        if choice is ConsoleAction.POWER_ON:
            if await self.power(record, PowerAction.START, confirm=False):
                await self.open_console(record)
        elif choice is ConsoleAction.USE_VMRC or choice is ConsoleAction.RETRY:
            await self.open_vmrc(record)
        elif choice is ConsoleAction.USE_EMBEDDED:
            await self.open_embedded(record)
        elif choice is ConsoleAction.COPY_LINK:
            await self.copy_console_link(record)
        elif choice is ConsoleAction.SHOW_SETTINGS and self._open_settings is not None:
            await self._open_settings()

    # ------------------------------------------------------------------ power
    async def power(self, record: VmRecord, action: PowerAction, *, confirm: bool = True) -> bool:
        """Run a power operation (destructive ones confirmed); return whether it succeeded."""
        busy, verb = POWER_VERBS[action]
        if confirm and action in _CONFIRM:
            answer = await ask(
                self._window,
                f"{verb.capitalize()} {record.name}?",
                _CONFIRM[action].format(name=record.name),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
                QMessageBox.Icon.Warning,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return False
        key = (record.profile_id, record.vm_id)
        self._table.set_busy(key, busy)
        self._status(f"{busy} {record.name}…")
        try:
            updated = await self._manager.power(record.profile_id, record.vm_id, action)
        except VSphereError as exc:
            self._status("")
            await self._show(f"Could not {verb} {record.name}", exc.user_message)
            return False
        finally:
            self._table.set_busy(key, None)
        self._table.update_row(updated)
        self._status(f"{record.name}: {verb} done.")
        return True

    # ------------------------------------------------------------------ clipboard
    def copy_names(self, records: list[VmRecord]) -> None:
        """Copy the VMs' names, one per line."""
        QGuiApplication.clipboard().setText("\n".join(r.name for r in records))
        self._status(f"Copied {len(records)} name(s).")

    def copy_ips(self, records: list[VmRecord]) -> None:
        """Copy the VMs' IP addresses (VMs without one are skipped, and the status bar says so)."""
        ips = [r.ip_address for r in records if r.ip_address]
        if ips:
            QGuiApplication.clipboard().setText("\n".join(ips))
        missing = len(records) - len(ips)
        self._status(f"Copied {len(ips)} IP address(es)" + (f"; {missing} VM(s) have none." if missing else "."))

    # ------------------------------------------------------------------ shared
    async def _show(self, title: str, message: str) -> None:
        self._on_problem(title, message)
        await ask(
            self._window, title, message, QMessageBox.StandardButton.Ok, QMessageBox.StandardButton.Ok,
            QMessageBox.Icon.Warning,
        )  # fmt: skip

    async def aclose(self) -> None:
        """Close the console window and stop the relay."""
        if self._console_window is not None:
            from vmconsole_gui.ui.console import release_prewarmed

            with contextlib.suppress(RuntimeError):
                self._console_window.close_all()
                self._console_window.close()
            self._console_window = None
            release_prewarmed()
        if self._relay is not None:
            await self._relay.stop()
            self._relay = None

    def console_window_if_open(self) -> Any:
        """The console window when one was created (for tests and the tray)."""
        return self._console_window
