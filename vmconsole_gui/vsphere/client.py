"""``VSphereClient``: the async vCenter REST client (sessions, inventory, power, guest identity, console tickets)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from types import TracebackType
from typing import Any, TypeVar

from .errors import (
    ApiError,
    ConsoleTicketsUnsupported,
    ErrorType,
    Operation,
    ServiceUnavailable,
)
from .listing import Partitioner
from .models import (
    VM,
    ApiFamily,
    Cluster,
    ConnectionState,
    ConsoleType,
    Datacenter,
    DatacenterInfo,
    EntityRef,
    Folder,
    FolderType,
    GuestIdentity,
    Host,
    Inventory,
    PowerAction,
    PowerInfo,
    ResourcePool,
    SessionInfo,
    VMFilter,
    VMInfo,
)
from .network_thread import NetworkThread
from .redaction import Secret
from .session import SessionCore, check_object_id
from .tickets import ConsoleTicket, validate_ticket
from .tls import TrustSettings
from .wire import (
    ShapeError,
    parse_cluster,
    parse_datacenter,
    parse_datacenter_info,
    parse_folder,
    parse_guest_identity,
    parse_host,
    parse_list,
    parse_power,
    parse_resource_pool,
    parse_session_info,
    parse_vm_info,
    parse_vm_summaries,
)

__all__ = ["VSphereClient"]

T = TypeVar("T")
_VM_GONE = "com.vmware.api.vcenter.vm.not_found"


def _multi(key: str, values: Iterable[str] | None) -> list[tuple[str, str]]:
    if values is None:
        return []
    if isinstance(values, str):
        values = (values,)
    return [(key, v) for v in values]


class VSphereClient(SessionCore):
    """Async client for one vCenter. Use as ``async with VSphereClient(...) as vc:`` (logs in, then out).

    Trust: OS trust store (+ ``extra_ca_pem``); ``pins`` maps ``"host:port"`` to the SHA-256 of an accepted leaf
    certificate (from :attr:`CertificateUntrusted.certificate`). Timeouts raise :class:`RequestTimeout`.
    ``network``: do the HTTP/TLS work on that :class:`NetworkThread` instead of the caller's loop (a GUI's loop
    stays free for drawing and input; see :mod:`vmconsole_gui.vsphere.network_thread`).
    """

    def __init__(
        self,
        host: str,
        username: str,
        password: str | Secret,
        *,
        port: int = 443,
        pins: Mapping[str, str] | None = None,
        extra_ca_pem: str | None = None,
        trust: TrustSettings | None = None,
        connect_timeout_s: float = 10.0,
        read_timeout_s: float = 60.0,
        max_concurrency: int = 8,
        family: ApiFamily | None = None,
        network: NetworkThread | None = None,
    ) -> None:
        if trust is None:
            trust = TrustSettings(pins=dict(pins or {}), extra_ca_pem=extra_ca_pem)
        elif pins or extra_ca_pem:
            raise ValueError("give either trust= or pins=/extra_ca_pem=, not both")
        super().__init__(
            host,
            username,
            password,
            port=port,
            trust=trust,
            connect_timeout_s=connect_timeout_s,
            read_timeout_s=read_timeout_s,
            max_concurrency=max_concurrency,
            family=family,
            network=network,
        )
        self._ticket_family: ApiFamily | None = None
        self._tickets_unsupported = False

    async def __aenter__(self) -> VSphereClient:
        try:
            await self.login()
        except BaseException:
            await self.aclose()
            raise
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if self.logged_in:
                await self.logout()
        finally:
            await self.aclose()

    async def keepalive(self) -> SessionInfo:
        """Touch the session (``GET /api/session`` / ``POST …/cis/session?~action=get``) and return its info."""
        if self.family is ApiFamily.REST:
            response = await self._call(
                "POST",
                "/session",
                rest_path="/com/vmware/cis/session",
                params=[("~action", "get")],
                operation=Operation.SESSION,
            )
        else:
            response = await self._call("GET", "/session", operation=Operation.SESSION)
        return self._parse(
            parse_session_info, await self._payload(response, Operation.SESSION), response, Operation.SESSION
        )

    # ---------------------------------------------------------------------------------------------- listings
    async def _list(self, path: str, filters: list[tuple[str, str]], item: Callable[[dict[str, Any]], T]) -> list[T]:
        response = await self._call("GET", path, filters=filters, operation=Operation.LIST)
        payload = await self._payload(response, Operation.LIST)
        try:
            return parse_list(payload, item)
        except ShapeError as exc:
            raise self._malformed(response, Operation.LIST, str(exc)) from None

    async def list_vms(self, filter: VMFilter | None = None) -> list[VM]:
        """``GET …/vcenter/vm`` with ``filter``; raises UnableToAllocateResource above the server's cap (4000)."""
        return await self.list_vms_placed(filter)

    async def list_vms_placed(
        self,
        filter: VMFilter | None = None,
        *,
        datacenter: EntityRef | None = None,
        cluster: EntityRef | None = None,
        host: EntityRef | None = None,
    ) -> list[VM]:
        """:meth:`list_vms`, each VM carrying the placement the caller knows (the partitioner's context)."""
        response = await self._call(
            "GET", "/vcenter/vm", filters=(filter or VMFilter()).query(), operation=Operation.LIST
        )
        payload = await self._payload(response, Operation.LIST)
        try:
            return parse_vm_summaries(payload, datacenter, cluster, host)
        except ShapeError as exc:
            raise self._malformed(response, Operation.LIST, str(exc)) from None

    async def list_datacenters(
        self,
        *,
        datacenters: Iterable[str] | None = None,
        names: Iterable[str] | None = None,
        folders: Iterable[str] | None = None,
    ) -> list[Datacenter]:
        """``GET …/vcenter/datacenter``."""
        q = _multi("datacenters", datacenters) + _multi("names", names) + _multi("folders", folders)
        return await self._list("/vcenter/datacenter", q, parse_datacenter)

    async def get_datacenter(self, datacenter: str) -> DatacenterInfo:
        """``GET …/vcenter/datacenter/{dc}`` (its root folders)."""
        check_object_id(datacenter, "datacenter id")
        response = await self._call("GET", f"/vcenter/datacenter/{datacenter}", operation=Operation.LIST)
        payload = await self._payload(response, Operation.LIST)
        return self._parse(parse_datacenter_info, payload, response, Operation.LIST)

    async def list_clusters(
        self,
        *,
        clusters: Iterable[str] | None = None,
        names: Iterable[str] | None = None,
        folders: Iterable[str] | None = None,
        datacenters: Iterable[str] | None = None,
    ) -> list[Cluster]:
        """``GET …/vcenter/cluster``."""
        q = _multi("clusters", clusters) + _multi("names", names) + _multi("folders", folders)
        q += _multi("datacenters", datacenters)
        return await self._list("/vcenter/cluster", q, parse_cluster)

    async def list_hosts(
        self,
        *,
        hosts: Iterable[str] | None = None,
        names: Iterable[str] | None = None,
        folders: Iterable[str] | None = None,
        datacenters: Iterable[str] | None = None,
        clusters: Iterable[str] | None = None,
        standalone: bool | None = None,
        connection_states: Iterable[ConnectionState] | None = None,
    ) -> list[Host]:
        """``GET …/vcenter/host``."""
        q = _multi("hosts", hosts) + _multi("names", names) + _multi("folders", folders)
        q += _multi("datacenters", datacenters) + _multi("clusters", clusters)
        if standalone is not None:
            q.append(("standalone", "true" if standalone else "false"))
        q += [("connection_states", ConnectionState(s).value) for s in connection_states or ()]
        return await self._list("/vcenter/host", q, parse_host)

    async def list_folders(
        self,
        *,
        type: FolderType | None = None,
        folders: Iterable[str] | None = None,
        names: Iterable[str] | None = None,
        parent_folders: Iterable[str] | None = None,
        datacenters: Iterable[str] | None = None,
    ) -> list[Folder]:
        """``GET …/vcenter/folder``."""
        q = _multi("folders", folders) + _multi("names", names) + _multi("parent_folders", parent_folders)
        q += _multi("datacenters", datacenters)
        if type is not None:
            q.append(("type", FolderType(type).value))
        return await self._list("/vcenter/folder", q, parse_folder)

    async def list_resource_pools(
        self,
        *,
        resource_pools: Iterable[str] | None = None,
        names: Iterable[str] | None = None,
        parent_resource_pools: Iterable[str] | None = None,
        datacenters: Iterable[str] | None = None,
        hosts: Iterable[str] | None = None,
        clusters: Iterable[str] | None = None,
    ) -> list[ResourcePool]:
        """``GET …/vcenter/resource-pool``."""
        q = _multi("resource_pools", resource_pools) + _multi("names", names)
        q += _multi("parent_resource_pools", parent_resource_pools) + _multi("datacenters", datacenters)
        q += _multi("hosts", hosts) + _multi("clusters", clusters)
        return await self._list("/vcenter/resource-pool", q, parse_resource_pool)

    async def list_all_vms(self, filter: VMFilter | None = None, *, placement: bool = False) -> list[VM]:
        """Every VM matching ``filter``, partitioning the query when the server refuses too many matches.

        With ``placement=True`` every VM carries its datacenter, cluster (if any) and host (one listing per host).
        The list is in listing order (datacenter by datacenter, …), each VM once; callers sort as they need.
        """
        return await Partitioner(self, self.max_concurrency).run(filter or VMFilter(), placement=placement)

    async def inventory(self) -> Inventory:
        """A snapshot for the UI: all datacenters, clusters, hosts and VMs, each VM with its placement."""
        p = Partitioner(self, self.max_concurrency)
        vms = await p.run(VMFilter(), placement=True)
        return Inventory(
            datacenters=tuple(p.datacenters.values()),
            clusters=tuple(p.clusters.values()),
            hosts=tuple(p.hosts.values()),
            vms=tuple(vms),
            host_cluster=dict(p.host_cluster),
            host_datacenter=dict(p.host_datacenter),
        )

    # ------------------------------------------------------------------------------------------------ one VM
    async def get_vm(self, vm: str) -> VMInfo:
        """``GET …/vcenter/vm/{vm}``: details (hardware version, CPU, memory, guest OS, devices)."""
        check_object_id(vm)
        response = await self._call("GET", f"/vcenter/vm/{vm}", operation=Operation.VM_INFO, vm=vm)
        payload = await self._payload(response, Operation.VM_INFO)
        try:
            if not isinstance(payload, dict):
                raise ShapeError("the VM details must be a JSON object")
            return parse_vm_info(vm, payload)
        except ShapeError as exc:
            raise self._malformed(response, Operation.VM_INFO, str(exc)) from None

    async def get_guest_identity(self, vm: str) -> GuestIdentity | None:
        """``GET …/vm/{vm}/guest/identity``; None when the guest gave no data (Tools not running: 503)."""
        check_object_id(vm)
        try:
            response = await self._call("GET", f"/vcenter/vm/{vm}/guest/identity", operation=Operation.GUEST, vm=vm)
        except ServiceUnavailable:
            return None
        payload = await self._payload(response, Operation.GUEST)
        return self._parse(parse_guest_identity, payload, response, Operation.GUEST)

    async def get_power(self, vm: str) -> PowerInfo:
        """``GET …/vm/{vm}/power``."""
        check_object_id(vm)
        response = await self._call("GET", f"/vcenter/vm/{vm}/power", operation=Operation.POWER, vm=vm)
        return self._parse(parse_power, await self._payload(response, Operation.POWER), response, Operation.POWER)

    async def power(self, vm: str, action: PowerAction) -> None:
        """Start/stop/reset/suspend (``/api``: ``POST …/power?action=x`` → 204; ``/rest``: ``…/power/x`` → 200)."""
        check_object_id(vm)
        action = PowerAction(action)
        await self._call(
            "POST",
            f"/vcenter/vm/{vm}/power",
            rest_path=f"/vcenter/vm/{vm}/power/{action.value}",
            params=[("action", action.value)] if self.family is not ApiFamily.REST else None,
            operation=Operation.POWER,
            vm=vm,
        )

    # ------------------------------------------------------------------------------------------------ tickets
    async def create_console_ticket(self, vm: str, console_type: ConsoleType) -> ConsoleTicket:
        """Ask vCenter for a fresh, single-use console ticket and validate it (never cached).

        ``/api`` first (only when the server speaks ``/api``), the deprecated ``/rest`` form when the endpoint is
        absent; the working form is remembered. Raises ConsoleTicketsUnsupported when neither exists, NotFound when
        the VM is gone, InvalidTicket / TicketHostMismatch when the answer fails validation, and the typed vAPI errors
        (with console-specific messages) otherwise.
        """
        check_object_id(vm)
        console = ConsoleType(console_type)
        if self._tickets_unsupported:
            raise self._unsupported()
        if self.family is None:
            await self.login()
        if self._ticket_family is not None:
            order = [self._ticket_family]
        elif self.family is ApiFamily.API:
            order = [ApiFamily.API, ApiFamily.REST]
        else:
            order = [ApiFamily.REST]
        for family in order:
            body: dict[str, object] = {"type": console.value}
            try:
                response = await self._call(
                    "POST",
                    f"/vcenter/vm/{vm}/console/tickets",
                    body=body if family is ApiFamily.API else {"spec": body},
                    family=family,
                    operation=Operation.TICKET,
                    console=console,
                    vm=vm,
                )
            except ApiError as error:
                if self._endpoint_absent(error):
                    continue
                raise
            self._ticket_family = family
            payload = await self._payload(response, Operation.TICKET, family)
            if not isinstance(payload, dict) or "ticket" not in payload:
                raise self._malformed(response, Operation.TICKET, "no 'ticket' member")
            return validate_ticket(payload["ticket"], console, vm=vm, vcenter_host=self.host)
        self._tickets_unsupported = True
        raise self._unsupported()

    @staticmethod
    def _endpoint_absent(error: ApiError) -> bool:
        """docs/vsphere-rest.md §3.4: 404 (any body or none) or OPERATION_NOT_FOUND, unless the VM itself is gone."""
        if error.error_type is ErrorType.OPERATION_NOT_FOUND:
            return True
        if error.status != 404:
            return False
        return not (error.error_type is ErrorType.NOT_FOUND and _VM_GONE in error.message_ids)

    def _unsupported(self) -> ConsoleTicketsUnsupported:
        return ConsoleTicketsUnsupported(
            f"This vCenter ({self.host}; 6.7 or older, or 7.0 GA) offers no console tickets over REST, neither "
            "/api nor /rest. Update vCenter to 7.0 U1 or later, or open the console from the vSphere Client.",
            host=self.host,
        )
