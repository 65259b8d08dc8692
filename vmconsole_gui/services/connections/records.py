"""The values the connection services hand to the UI: connection states, VM records, details, the event protocol.

Everything here is plain data (no Qt): frozen, slotted dataclasses whose fields are ``str``/``int``/``bool``/None,
so a :class:`VmRecord` can be cached as JSON (:mod:`vmconsole_gui.services.inventory_cache`).
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from vmconsole_gui.vsphere.models import GuestIdentity, Inventory, VMInfo
from vmconsole_gui.vsphere.tls import CertificateInfo

__all__ = [
    "ENRICHED_FIELDS",
    "ConnectionEvents",
    "ConnectionState",
    "ConnectionStatus",
    "VmDetails",
    "VmRecord",
    "carry_enrichment",
    "listing_records",
    "records_from_inventory",
]


class ConnectionStatus(enum.Enum):
    """Where a profile's connection stands."""

    IDLE = "idle"
    """Not connected and not trying (never started, disconnected, or removed)."""
    CONNECTING = "connecting"
    CONNECTED = "connected"
    NEEDS_PASSWORD = "needs_password"  # noqa: S105 - a state name, not a password
    """No password is saved, or the server rejected it: ask the user, then call ``connect(password=…)``."""
    NEEDS_TRUST = "needs_trust"
    """The certificate is not trusted (or a pinned one changed): show it, then ``accept_certificate``."""
    ERROR = "error"
    """Anything else (unreachable, DNS, timeout, TLS, server error); ``message`` says what."""


@dataclass(frozen=True, slots=True)
class ConnectionState:
    """One profile's connection state as the UI shows it.

    Attributes:
        profile_id: the profile this state belongs to.
        status: see :class:`ConnectionStatus`.
        message: a sentence a person understands (e.g. an error's ``user_message``); "" when all is fine.
        certificate: the server's certificate, for ``NEEDS_TRUST``.
        pin_changed: ``NEEDS_TRUST`` because a *pinned* certificate changed: warn loudly, offer nothing by default.
        vm_count: how many VMs the last listing found (None before the first one).
        refreshing: a listing is running.

    """

    profile_id: str
    status: ConnectionStatus
    message: str = ""
    certificate: CertificateInfo | None = None
    pin_changed: bool = False
    vm_count: int | None = None
    refreshing: bool = False
    inventory_via: str = ""
    """How the VMs are read while connected: the PropertyCollector with live updates, or the polled REST listing."""


@dataclass(frozen=True, slots=True)
class VmRecord:
    """One VM as the UI needs it; every field is plain ``str``/``int``/``bool``/None (cacheable as JSON).

    ``power_state`` is ``"POWERED_ON"``, ``"POWERED_OFF"`` or ``"SUSPENDED"``; ``folder`` is the VM folder path below
    the datacenter's ``vm`` folder (``"Prod/Web"``; ``""`` = the root). ``tools_running`` is None until enrichment
    asked the guest, then whether VMware Tools answered.
    """

    profile_id: str
    vcenter: str
    vm_id: str
    name: str
    power_state: str
    guest_os: str = ""
    ip_address: str = ""
    guest_host_name: str = ""
    host: str = ""
    cluster: str = ""
    datacenter: str = ""
    folder: str = ""
    cpu_count: int | None = None
    memory_mib: int | None = None
    tools_running: bool | None = None


@dataclass(frozen=True, slots=True)
class VmDetails:
    """What the details pane shows: the record plus the full VM info and guest identity when they could be read."""

    record: VmRecord
    info: VMInfo | None
    guest: GuestIdentity | None


class ConnectionEvents(Protocol):
    """Callbacks of :class:`~vmconsole_gui.services.connections.ConnectionManager`, implemented by the UI.

    They are called on the event loop the manager runs on (the GUI thread under qasync) and must not block.
    """

    def state_changed(self, state: ConnectionState) -> None:
        """A profile's connection state changed."""
        ...

    def inventory_replaced(self, profile_id: str, records: Sequence[VmRecord], stale: bool) -> None:
        """All VMs of one profile; ``stale`` when they come from the cache or the connection was lost."""
        ...

    def vms_updated(self, records: Sequence[VmRecord]) -> None:
        """Some VMs changed (power, enrichment); batched."""
        ...

    def profile_removed(self, profile_id: str) -> None:
        """A profile was removed: drop its VMs."""
        ...


ENRICHED_FIELDS = ("guest_os", "ip_address", "guest_host_name", "folder", "tools_running")
"""Fields only enrichment fills (the placement listing does not know them)."""


def records_from_inventory(inventory: Inventory, profile_id: str, vcenter: str) -> list[VmRecord]:
    """Records for every VM of ``inventory``, naming host, cluster and datacenter from the inventory's maps."""
    hosts = {h.host: h.name for h in inventory.hosts}
    clusters = {c.cluster: c.name for c in inventory.clusters}
    datacenters = {d.datacenter: d.name for d in inventory.datacenters}
    records = []
    for vm in inventory.vms:
        host_id = vm.host.id if vm.host else None
        cluster_id = vm.cluster.id if vm.cluster else inventory.host_cluster.get(host_id or "")
        dc_id = vm.datacenter.id if vm.datacenter else inventory.host_datacenter.get(host_id or "")
        records.append(
            VmRecord(
                profile_id=profile_id,
                vcenter=vcenter,
                vm_id=vm.vm,
                name=vm.name,
                power_state=vm.power_state.value,
                host=hosts.get(host_id or "", vm.host.name if vm.host else ""),
                cluster=clusters.get(cluster_id or "", vm.cluster.name if vm.cluster else ""),
                datacenter=datacenters.get(dc_id or "", vm.datacenter.name if vm.datacenter else ""),
                cpu_count=vm.cpu_count,
                memory_mib=vm.memory_size_mib,
            )
        )
    return records


def carry_enrichment(fresh: VmRecord, previous: VmRecord | None) -> VmRecord:
    """``fresh`` (from a listing) with the enriched fields of ``previous`` kept, so the UI does not flicker."""
    if previous is None:
        return fresh
    kept = {name: getattr(previous, name) for name in ENRICHED_FIELDS}
    if fresh.cpu_count is None:
        kept["cpu_count"] = previous.cpu_count
    if fresh.memory_mib is None:
        kept["memory_mib"] = previous.memory_mib
    return dataclasses.replace(fresh, **kept)


def listing_records(
    inventory: Inventory, profile_id: str, vcenter: str, previous: Mapping[str, VmRecord]
) -> dict[str, VmRecord]:
    """VM id → record of a fresh listing, keeping the enriched fields of ``previous`` (in the listing's order).

    Pure and O(N): the manager runs it in a worker thread (at 50k VMs it takes hundreds of milliseconds), so
    ``previous`` must be a snapshot nothing mutates meanwhile.
    """
    records = records_from_inventory(inventory, profile_id, vcenter)
    return {r.vm_id: carry_enrichment(r, previous.get(r.vm_id)) for r in records}
