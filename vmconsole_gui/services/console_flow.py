"""Opening a VM's console: VMRC launch, WEBMKS tickets for the embedded console, and "copy console link".

Every failure becomes a :class:`ConsoleFlowError` whose :class:`ConsoleProblem` has a title, a sentence a person
understands and the actions the UI should offer (power on, use VMRC, use the embedded console, copy the link, retry,
open the settings).

Ticket rules (docs/vmrc-launch.md §3): the console client is detected first (on a worker thread), and only then is a
VMRC ticket fetched, right before the launch; tickets are never logged, stored or reused. A failed launch is not
retried with the same ticket: RETRY means "fetch a new one". The API session stays alive (keep-alive) while the
profile is connected, which covers the time VMRC needs to redeem the ticket.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass

from vmconsole_gui.services.connections import ConnectionManager, NotConnected
from vmconsole_gui.services.launchers import (
    DEFAULT_GRACE_PERIOD_S,
    DetectedClient,
    InvalidClientOverride,
    InvalidConsoleUrl,
    LaunchOutcome,
    NoConsoleClient,
    SystemProbes,
    detect_clients,
    launch_console,
)
from vmconsole_gui.services.launchers.models import NO_CONSOLE_CLIENT_HELP
from vmconsole_gui.vsphere.errors import (
    ConsoleTicketsUnsupported,
    InvalidTicket,
    NotAllowedInCurrentState,
    NotFound,
    TicketHostMismatch,
    Unauthorized,
    VSphereError,
)
from vmconsole_gui.vsphere.models import ConsoleType
from vmconsole_gui.vsphere.tickets import ConsoleTicket

__all__ = ["ConsoleAction", "ConsoleFlow", "ConsoleFlowError", "ConsoleProblem"]

log = logging.getLogger(__name__)


class ConsoleAction(enum.Enum):
    """What the UI can offer next to a console problem."""

    POWER_ON = "power_on"
    USE_VMRC = "use_vmrc"
    USE_EMBEDDED = "use_embedded"
    COPY_LINK = "copy_link"
    RETRY = "retry"
    SHOW_SETTINGS = "show_settings"


@dataclass(frozen=True, slots=True)
class ConsoleProblem:
    """Why a console could not be opened: a title, a message a person understands, and what to offer."""

    title: str
    message: str
    actions: tuple[ConsoleAction, ...] = ()


class ConsoleFlowError(Exception):
    """A console could not be opened; ``problem`` says why and what to offer. ``str()`` is the message."""

    def __init__(self, problem: ConsoleProblem) -> None:
        super().__init__(problem.message)
        self.problem = problem


A = ConsoleAction
_RETRY_ONLY = (A.RETRY,)
_POWER_PHRASE = {"SUSPENDED": "suspended", "POWERED_OFF": "powered off"}


class ConsoleFlow:
    """Open consoles of the VMs of a :class:`ConnectionManager`.

    Args:
        manager: the connections.
        client_override: returns the console program configured in the settings (or None), read at each launch.
        probes: how to look at this machine (tests pass probes over a temporary PATH); the real one by default.
        grace_period: seconds a started console client is watched for an early failure.

    """

    def __init__(
        self,
        manager: ConnectionManager,
        *,
        client_override: Callable[[], str | None] = lambda: None,
        probes: SystemProbes | None = None,
        grace_period: float = DEFAULT_GRACE_PERIOD_S,
    ) -> None:
        self._manager = manager
        self._client_override = client_override
        self._probes = probes
        self._grace_period = grace_period

    async def open_vmrc(self, profile_id: str, vm_id: str) -> LaunchOutcome:
        """Open the VM in VMRC/Workstation/Fusion: find the client, fetch a fresh VMRC ticket, launch it.

        Raises:
            ConsoleFlowError: with the problem and the actions to offer.

        """
        client = await self._detect()
        ticket = await self._ticket(profile_id, vm_id, ConsoleType.VMRC)
        try:
            outcome = await launch_console(
                ticket.reveal_url(), client, probes=self._probes, grace_period=self._grace_period
            )
        except InvalidConsoleUrl as exc:
            raise _error("The console link was refused", str(exc), _RETRY_ONLY) from None
        finally:
            del ticket  # single use: nothing keeps it
        if not outcome.ok:
            raise _error(
                "The console application did not start",
                outcome.message,
                (A.RETRY, A.COPY_LINK, A.SHOW_SETTINGS),
            )
        return outcome

    async def webmks_ticket(self, profile_id: str, vm_id: str) -> ConsoleTicket:
        """A fresh WEBMKS ticket for the embedded console (powered-on VMs only).

        Raises:
            ConsoleFlowError: e.g. the VM is powered off (offers POWER_ON and USE_VMRC).

        """
        return await self._ticket(profile_id, vm_id, ConsoleType.WEBMKS)

    async def console_link(self, profile_id: str, vm_id: str) -> str:
        """A fresh ``vmrc://`` console URL for "copy console link" (an explicit user action; a bearer credential).

        Raises:
            ConsoleFlowError: when no ticket could be had.

        """
        return (await self._ticket(profile_id, vm_id, ConsoleType.VMRC)).reveal_url()

    # ---------------------------------------------------------------------------------------------- internals
    async def _detect(self) -> DetectedClient:
        override = self._client_override()
        try:
            clients = await asyncio.to_thread(detect_clients, self._probes, override=override)
        except InvalidClientOverride as exc:
            raise _error(
                "The console application in Settings cannot be used",
                str(exc),
                (A.SHOW_SETTINGS, A.COPY_LINK, A.USE_EMBEDDED),
            ) from None
        if not clients:
            help_text = NoConsoleClient().help or NO_CONSOLE_CLIENT_HELP
            raise _error("No console application found", help_text, (A.COPY_LINK, A.USE_EMBEDDED, A.SHOW_SETTINGS))
        return clients[0]

    async def _ticket(self, profile_id: str, vm_id: str, console: ConsoleType) -> ConsoleTicket:
        try:
            return await self._manager.console_ticket(profile_id, vm_id, console)
        except VSphereError as exc:
            raise ConsoleFlowError(self._problem(profile_id, vm_id, console, exc)) from None

    def _vm_label(self, profile_id: str, vm_id: str) -> tuple[str, str]:
        """The VM's name (or id) and a phrase for its power state."""
        for record in self._manager.records(profile_id):
            if record.vm_id == vm_id:
                state = {"SUSPENDED": "suspended", "POWERED_OFF": "powered off"}.get(
                    record.power_state, "not powered on"
                )
                return record.name, state
        return vm_id, "not powered on"

    def _problem(self, profile_id: str, vm_id: str, console: ConsoleType, exc: VSphereError) -> ConsoleProblem:
        """The problem (message and actions) for a console-ticket failure."""
        name, power = self._vm_label(profile_id, vm_id)
        if isinstance(exc, NotConnected):
            return ConsoleProblem("Not connected", exc.user_message, _RETRY_ONLY)
        if isinstance(exc, NotAllowedInCurrentState) and console is ConsoleType.WEBMKS:
            return ConsoleProblem(
                f"{name} is {power}",
                f"{name} is {power}, so its embedded console cannot be opened. Power it on, or open it in VMRC, "
                "which works in any power state.",
                (A.POWER_ON, A.USE_VMRC),
            )
        if isinstance(exc, TicketHostMismatch):
            return ConsoleProblem(
                "The console ticket names another host",
                f"The console ticket for {name} names the host “{exc.ticket_host}”, but this connection uses "
                f"“{exc.host}”. If both are names of the same vCenter, change the connection to use "
                f"“{exc.ticket_host}”; otherwise do not open it. Nothing was launched.",
                _RETRY_ONLY,
            )
        if isinstance(exc, ConsoleTicketsUnsupported):
            return ConsoleProblem("Consoles are not available on this vCenter", exc.user_message, ())
        if isinstance(exc, Unauthorized):
            return ConsoleProblem("No permission to open the console", exc.user_message, ())
        if isinstance(exc, InvalidTicket):
            return ConsoleProblem("vCenter sent an unusable console ticket", exc.user_message, _RETRY_ONLY)
        if isinstance(exc, NotFound):
            return ConsoleProblem(f"{name} was not found", exc.user_message, _RETRY_ONLY)
        log.info("console ticket for %s failed: %s", vm_id, exc.user_message)
        return ConsoleProblem(f"Could not open the console of {name}", exc.user_message, _RETRY_ONLY)


def _error(title: str, message: str, actions: tuple[ConsoleAction, ...]) -> ConsoleFlowError:
    return ConsoleFlowError(ConsoleProblem(title, message, actions))
