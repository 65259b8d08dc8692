"""One profile's SOAP side: the PropertyCollector inventory, its live updates, and SOAP console tickets.

The manager opens it after the REST login succeeded (so the certificate decision is already made: both protocols
use the same pin per ``host:port``). Where ``/sdk`` is not offered, or the SOAP login fails, :meth:`SoapPath.open`
returns None and the manager keeps the REST listing and enrichment.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Callable

from vmconsole_gui.services.settings.model import ConnectionProfile
from vmconsole_gui.vsphere.errors import VSphereError
from vmconsole_gui.vsphere.models import ConsoleType
from vmconsole_gui.vsphere.redaction import Secret
from vmconsole_gui.vsphere.soap.client import InventoryDelta, SoapClient
from vmconsole_gui.vsphere.tickets import ConsoleTicket
from vmconsole_gui.vsphere.tls import TrustSettings

from .records import VmRecord
from .soap_records import record_from_properties, records_from_properties

__all__ = ["INVENTORY_VIA_REST", "INVENTORY_VIA_SOAP", "SoapPath"]

log = logging.getLogger(__name__)

INVENTORY_VIA_SOAP = "PropertyCollector (SOAP), live updates"
INVENTORY_VIA_REST = "REST listing, polled"

Membership = Callable[[dict[str, VmRecord]], None]
"""Called with the complete new record map when VMs were added or removed (or after a re-login)."""
Changed = Callable[[list[VmRecord]], None]
"""Called with the records of VMs whose rows changed."""


class SoapPath:
    """The SOAP client of one connected profile, speaking in the manager's :class:`VmRecord` terms."""

    def __init__(self, client: SoapClient, profile: ConnectionProfile) -> None:
        self.client = client
        self.profile = profile
        self._updates: AsyncGenerator[InventoryDelta, None] | None = None

    @classmethod
    async def open(
        cls,
        factory: Callable[..., SoapClient],
        profile: ConnectionProfile,
        password: Secret,
        trust: TrustSettings,
    ) -> SoapPath | None:
        """Log in over SOAP; None (logged at INFO) when the vCenter offers no usable SOAP API to this user."""
        client = factory(profile.host, profile.port, trust, profile.username, password)
        try:
            await client.connect()
        except VSphereError as exc:
            log.info("%s: no SOAP inventory (%s); using the REST listing", profile.name, exc.user_message)
            await client.aclose()
            return None
        return cls(client, profile)

    async def snapshot(self) -> dict[str, VmRecord]:
        """Every VM now (paged retrieve), as records built off the event loop; starts the update stream."""
        rows, self._updates = await self.client.inventory()
        return await asyncio.to_thread(records_from_properties, rows, self.profile.id, self.profile.name)

    async def watch(self, records: dict[str, VmRecord], changed: Changed, membership: Membership) -> None:
        """Apply the update stream until cancelled: ``records`` is the manager's live map (updated in place)."""
        updates = self._updates
        if updates is None:
            return
        try:
            async for delta in updates:
                fresh = [record_from_properties(row, self.profile.id, self.profile.name) for row in delta.changed]
                if delta.reset:
                    records.clear()
                    records.update({r.vm_id: r for r in fresh})
                    membership(dict(records))
                    continue
                joined = any(r.vm_id not in records for r in fresh)
                for record in fresh:
                    records[record.vm_id] = record
                for vm_id in delta.removed:
                    records.pop(vm_id, None)
                if joined or delta.removed:
                    membership(dict(records))
                elif fresh:
                    changed(fresh)
        finally:
            await updates.aclose()

    async def ticket(self, vm_id: str, console: ConsoleType) -> ConsoleTicket:
        """A SOAP console ticket: ``AcquireTicket("webmks")`` or ``AcquireCloneTicket`` for VMRC."""
        if console is ConsoleType.WEBMKS:
            return (await self.client.webmks_ticket(vm_id)).ticket
        return await self.client.vmrc_ticket(vm_id)

    async def aclose(self) -> None:
        """Log out of the SOAP session and stop its threads."""
        await self.client.aclose()

    def __repr__(self) -> str:
        return f"<SoapPath {self.profile.name}>"
