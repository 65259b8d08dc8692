"""Complete VM listings despite the server's cap (4000 matches → UNABLE_TO_ALLOCATE_RESOURCE).

There is no paging, so a listing that is refused is split by filter and the parts are merged by VM id:

    user filter → per datacenter → per cluster / per standalone host → per host of the cluster
                → per VM folder of the datacenter → per power state

Each level is only entered when the query above it was refused. The folder level queries every VM folder of the
datacenter, so the union is complete whether ``folders=`` on ``vm`` is recursive or not ([U] in the contract); results
are de-duplicated by id. When even the finest part is refused, :class:`InventoryTooLarge` is raised — the listing is
never silently incomplete. Partition context (datacenter, cluster, host) is attached to each VM; ``placement=True``
forces the descent to host level without trying coarser queries, which gives every VM its host and cluster at the cost
of one listing per host (no per-VM calls). Requests run with bounded concurrency (a semaphore).
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from .errors import InventoryTooLarge, NotFound, OperationNotFound, UnableToAllocateResource
from .models import VM, Cluster, Datacenter, EntityRef, FolderType, Host, PowerState, VMFilter

if TYPE_CHECKING:
    from .client import VSphereClient

__all__ = ["Partitioner"]

T = TypeVar("T")


async def _all(coroutines: list[Coroutine[object, object, T]]) -> list[T]:
    """Run concurrently; on the first failure cancel the rest and raise that failure (not an ExceptionGroup)."""
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(c) for c in coroutines]
    except BaseExceptionGroup as failed:
        first: BaseException = failed
        while isinstance(first, BaseExceptionGroup):
            first = first.exceptions[0]
        raise first from None
    return [t.result() for t in tasks]


class _Level(enum.IntEnum):
    ROOT = 0
    DATACENTER = 1
    CLUSTER = 2
    HOST = 3
    FOLDER = 4
    POWER = 5


@dataclass(frozen=True, slots=True)
class _Part:
    filter: VMFilter
    level: _Level
    datacenter: EntityRef | None = None
    cluster: EntityRef | None = None
    host: EntityRef | None = None


def _unique(found: list[VM]) -> list[VM]:
    """De-duplicate by VM id (partitions may overlap), first occurrence kept, in listing order."""
    merged: dict[str, VM] = {}
    for vm in found:
        merged.setdefault(vm.vm, vm)
    return list(merged.values())


class Partitioner:
    """One run of a partitioned listing; after :meth:`run` it also holds the objects it enumerated."""

    def __init__(self, client: VSphereClient, max_concurrency: int) -> None:
        self._client = client
        self._semaphore = asyncio.Semaphore(max_concurrency)
        self.datacenters: dict[str, Datacenter] = {}
        self.clusters: dict[str, Cluster] = {}
        self.hosts: dict[str, Host] = {}
        self.host_cluster: dict[str, str] = {}
        self.host_datacenter: dict[str, str] = {}
        self._cluster_hosts: dict[str, list[Host]] = {}
        self._placement = False
        self._folder_tasks: dict[str, asyncio.Future[tuple[str, ...]]] = {}
        self.requests = 0

    async def _limited(self, call: Callable[[], Awaitable[T]]) -> T:
        async with self._semaphore:
            self.requests += 1
            return await call()

    async def run(self, base: VMFilter, *, placement: bool) -> list[VM]:
        """List every VM matching ``base``; with ``placement`` descend to host level first."""
        self._placement = placement
        return _unique(await self._collect(_Part(base, _Level.ROOT), query=not placement))

    async def _collect(self, part: _Part, *, query: bool) -> list[VM]:
        if query:
            try:
                return await self._limited(
                    lambda: self._client.list_vms_placed(
                        part.filter, datacenter=part.datacenter, cluster=part.cluster, host=part.host
                    )
                )
            except UnableToAllocateResource:
                pass
        children = await self._split(part)
        results = await _all(
            [self._collect(child, query=child.filter != part.filter and not self._forced(child)) for child in children]
        )
        return [vm for chunk in results for vm in chunk]

    def _forced(self, part: _Part) -> bool:
        return self._placement and part.level < _Level.HOST

    async def _split(self, part: _Part) -> list[_Part]:
        f = part.filter
        if part.level is _Level.ROOT:
            dcs = await self._limited(lambda: self._client.list_datacenters(datacenters=f.datacenters or None))
            for dc in dcs:
                self.datacenters[dc.datacenter] = dc
            return [
                _Part(f.narrowed(datacenters=(dc.datacenter,)), _Level.DATACENTER, EntityRef(dc.datacenter, dc.name))
                for dc in dcs
            ]
        if part.level is _Level.DATACENTER:
            return await self._split_datacenter(part)
        if part.level is _Level.CLUSTER:
            assert part.cluster is not None
            hosts = self._cluster_hosts.get(part.cluster.id, [])
            return [
                replace(part, filter=f.narrowed(hosts=(h.host,)), level=_Level.HOST, host=EntityRef(h.host, h.name))
                for h in hosts
                if not f.hosts or h.host in f.hosts
            ]
        if part.level is _Level.HOST:
            folders = f.folders or await self._vm_folders(part)
            return [replace(part, filter=f.narrowed(folders=(folder,)), level=_Level.FOLDER) for folder in folders]
        if part.level is _Level.FOLDER:
            states = f.power_states or tuple(PowerState)
            if len(states) > 1:
                return [replace(part, filter=f.narrowed(power_states=(s,)), level=_Level.POWER) for s in states]
        where = part.host.name if part.host else part.datacenter.name if part.datacenter else "the inventory"
        raise InventoryTooLarge(
            f"{self._client.host} refuses to list the VMs of {where} even split by folder and power state "
            "(more than its per-query limit match). Narrow the filter, e.g. by name.",
            host=self._client.host,
        )

    async def _split_datacenter(self, part: _Part) -> list[_Part]:
        f = part.filter
        assert part.datacenter is not None
        dc = part.datacenter.id
        clusters, dc_hosts = await asyncio.gather(
            self._limited(lambda: self._client.list_clusters(datacenters=[dc], clusters=f.clusters or None)),
            self._limited(lambda: self._client.list_hosts(datacenters=[dc])),
        )
        per_cluster = await _all(
            [self._limited(partial(self._client.list_hosts, clusters=[c.cluster])) for c in clusters]
        )
        clustered: set[str] = set()
        for cluster, hosts in zip(clusters, per_cluster, strict=True):
            self.clusters[cluster.cluster] = cluster
            self._cluster_hosts[cluster.cluster] = hosts
            for h in hosts:
                clustered.add(h.host)
                self.host_cluster[h.host] = cluster.cluster
        for h in dc_hosts:
            self.hosts[h.host] = h
            self.host_datacenter[h.host] = dc
        children = [
            replace(
                part,
                filter=f.narrowed(clusters=(c.cluster,)),
                level=_Level.CLUSTER,
                cluster=EntityRef(c.cluster, c.name),
            )
            for c in clusters
        ]
        if not f.clusters:  # VMs on standalone hosts belong to no cluster
            children += [
                replace(part, filter=f.narrowed(hosts=(h.host,)), level=_Level.HOST, host=EntityRef(h.host, h.name))
                for h in dc_hosts
                if h.host not in clustered and (not f.hosts or h.host in f.hosts)
            ]
        return children

    async def _vm_folders(self, part: _Part) -> tuple[str, ...]:
        assert part.datacenter is not None
        dc = part.datacenter.id
        if dc not in self._folder_tasks:  # one enumeration per datacenter, shared by all its hosts
            self._folder_tasks[dc] = asyncio.ensure_future(self._enumerate_vm_folders(dc))
        return await self._folder_tasks[dc]

    async def _enumerate_vm_folders(self, dc: str) -> tuple[str, ...]:
        """Every VM folder of ``dc``, root ``vm`` folder first.

        The folder listing includes the root folder on vCenter; ``GET …/datacenter/{dc}`` names it explicitly and is
        used as a cross-check when the server offers it.
        """

        async def root() -> list[str]:
            try:
                return [(await self._client.get_datacenter(dc)).vm_folder]
            except (NotFound, OperationNotFound):
                return []

        roots, folders = await asyncio.gather(
            self._limited(root),
            self._limited(lambda: self._client.list_folders(type=FolderType.VIRTUAL_MACHINE, datacenters=[dc])),
        )
        return tuple(dict.fromkeys(roots + [folder.folder for folder in folders]))
