"""Typed records for what vCenter returns: VMs, inventory objects, power, guest identity, sessions.

All records are frozen, slotted dataclasses; enums carry the wire spelling as their value.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import NamedTuple

__all__ = [
    "VM",
    "ApiFamily",
    "Cluster",
    "ConnectionState",
    "ConsoleType",
    "Datacenter",
    "DatacenterInfo",
    "EntityRef",
    "Folder",
    "FolderType",
    "GuestFamily",
    "GuestIdentity",
    "Host",
    "Inventory",
    "PowerAction",
    "PowerInfo",
    "PowerState",
    "ResourcePool",
    "SessionInfo",
    "VMFilter",
    "VMInfo",
]


class ApiFamily(enum.Enum):
    """Which REST family a vCenter speaks: ``/api`` (7.0 U2+) or the deprecated ``/rest``."""

    API = "api"
    REST = "rest"


class PowerState(enum.Enum):
    """VM power state (``power_state`` / ``state`` on the wire)."""

    POWERED_ON = "POWERED_ON"
    POWERED_OFF = "POWERED_OFF"
    SUSPENDED = "SUSPENDED"


class PowerAction(enum.Enum):
    """Hard power operations of ``…/vm/{vm}/power``."""

    START = "start"
    STOP = "stop"
    RESET = "reset"
    SUSPEND = "suspend"


class ConsoleType(enum.Enum):
    """Console ticket type."""

    VMRC = "VMRC"
    WEBMKS = "WEBMKS"


class FolderType(enum.Enum):
    """Folder kinds of ``GET /api/vcenter/folder``."""

    DATACENTER = "DATACENTER"
    DATASTORE = "DATASTORE"
    HOST = "HOST"
    NETWORK = "NETWORK"
    VIRTUAL_MACHINE = "VIRTUAL_MACHINE"


class ConnectionState(enum.Enum):
    """ESXi host connection state."""

    CONNECTED = "CONNECTED"
    DISCONNECTED = "DISCONNECTED"
    NOT_RESPONDING = "NOT_RESPONDING"


class GuestFamily(enum.Enum):
    """Guest OS family of the guest identity."""

    WINDOWS = "WINDOWS"
    LINUX = "LINUX"
    NETWARE = "NETWARE"
    SOLARIS = "SOLARIS"
    DARWIN = "DARWIN"
    OTHER = "OTHER"


@dataclass(frozen=True, slots=True)
class EntityRef:
    """An inventory object: its id (``host-12``, ``domain-c7``, ``datacenter-3``) and display name."""

    id: str
    name: str


class VM(NamedTuple):
    """One VM of a listing, plus where it runs when the listing knew it cheaply (partition context).

    A named tuple rather than a frozen dataclass like the other records: listings build tens of thousands of these,
    and a tuple is built in a third of the time (immutable and typed all the same).
    """

    vm: str
    name: str
    power_state: PowerState
    cpu_count: int | None = None
    memory_size_mib: int | None = None
    datacenter: EntityRef | None = None
    cluster: EntityRef | None = None
    host: EntityRef | None = None


def _tuple(values: Iterable[str] | None) -> tuple[str, ...]:
    if values is None:
        return ()
    if isinstance(values, str):
        return (values,)
    return tuple(values)


@dataclass(frozen=True, slots=True)
class VMFilter:
    """Filter of ``GET …/vcenter/vm``: AND across attributes, OR within one; empty = any."""

    vms: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    folders: tuple[str, ...] = ()
    datacenters: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()
    clusters: tuple[str, ...] = ()
    resource_pools: tuple[str, ...] = ()
    power_states: tuple[PowerState, ...] = ()

    @classmethod
    def of(
        cls,
        *,
        vms: Iterable[str] | None = None,
        names: Iterable[str] | None = None,
        folders: Iterable[str] | None = None,
        datacenters: Iterable[str] | None = None,
        hosts: Iterable[str] | None = None,
        clusters: Iterable[str] | None = None,
        resource_pools: Iterable[str] | None = None,
        power_states: Iterable[PowerState] | None = None,
    ) -> VMFilter:
        """Build a filter from any iterables (a bare string counts as one value)."""
        return cls(
            vms=_tuple(vms),
            names=_tuple(names),
            folders=_tuple(folders),
            datacenters=_tuple(datacenters),
            hosts=_tuple(hosts),
            clusters=_tuple(clusters),
            resource_pools=_tuple(resource_pools),
            power_states=tuple(PowerState(p) for p in (power_states or ())),
        )

    def narrowed(self, **changes: object) -> VMFilter:
        """Return a copy with some attributes replaced (used by the partitioning)."""
        return replace(self, **changes)  # type: ignore[arg-type]

    def query(self) -> list[tuple[str, str]]:
        """Return the query pairs (repeated keys, unprefixed) in a stable order."""
        pairs: list[tuple[str, str]] = []
        for key in ("vms", "names", "folders", "datacenters", "hosts", "clusters", "resource_pools"):
            pairs.extend((key, value) for value in getattr(self, key))
        pairs.extend(("power_states", state.value) for state in self.power_states)
        return pairs


@dataclass(frozen=True, slots=True)
class Datacenter:
    """``GET …/vcenter/datacenter`` item."""

    datacenter: str
    name: str


@dataclass(frozen=True, slots=True)
class DatacenterInfo:
    """``GET …/vcenter/datacenter/{dc}``: the datacenter's root folders."""

    name: str
    vm_folder: str
    host_folder: str
    datastore_folder: str
    network_folder: str


@dataclass(frozen=True, slots=True)
class Cluster:
    """``GET …/vcenter/cluster`` item."""

    cluster: str
    name: str
    ha_enabled: bool | None = None
    drs_enabled: bool | None = None


@dataclass(frozen=True, slots=True)
class Host:
    """``GET …/vcenter/host`` item (``power_state`` only when connected)."""

    host: str
    name: str
    connection_state: ConnectionState
    power_state: str | None = None


@dataclass(frozen=True, slots=True)
class Folder:
    """``GET …/vcenter/folder`` item."""

    folder: str
    name: str
    type: FolderType


@dataclass(frozen=True, slots=True)
class ResourcePool:
    """``GET …/vcenter/resource-pool`` item."""

    resource_pool: str
    name: str


@dataclass(frozen=True, slots=True)
class PowerInfo:
    """``GET …/vm/{vm}/power``."""

    state: PowerState
    clean_power_off: bool | None = None


@dataclass(frozen=True, slots=True)
class GuestIdentity:
    """``GET …/vm/{vm}/guest/identity`` (``ip_address`` unset when the guest has none)."""

    name: str
    family: str
    full_name: str
    host_name: str
    ip_address: str | None = None


@dataclass(frozen=True, slots=True)
class VMInfo:
    """The parts of ``GET …/vcenter/vm/{vm}`` the app shows; device maps are reduced to their labels."""

    vm: str
    name: str
    power_state: PowerState
    guest_os: str
    hardware_version: str | None
    cpu_count: int | None
    cores_per_socket: int | None
    memory_size_mib: int | None
    instance_uuid: str | None = None
    bios_uuid: str | None = None
    disks: tuple[str, ...] = ()
    nics: tuple[str, ...] = ()
    cdroms: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """``GET /api/session`` / ``POST /rest/com/vmware/cis/session?~action=get``."""

    user: str
    created_time: str
    last_accessed_time: str


@dataclass(frozen=True, slots=True)
class Inventory:
    """A snapshot for the UI: every VM with its host/cluster/datacenter, and the objects to name them."""

    datacenters: tuple[Datacenter, ...]
    clusters: tuple[Cluster, ...]
    hosts: tuple[Host, ...]
    vms: tuple[VM, ...]
    host_cluster: dict[str, str] = field(default_factory=dict)
    host_datacenter: dict[str, str] = field(default_factory=dict)
