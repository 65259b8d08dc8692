"""Background enrichment of listed VMs: guest OS, IP and host name, CPU/memory, Tools state and VM folder path.

Per VM: ``GET …/vm/{vm}`` and, for powered-on VMs, ``GET …/vm/{vm}/guest/identity`` (None → Tools not running).
Folders: per datacenter the VM folder tree is walked breadth-first from ``get_datacenter(dc).vm_folder`` with
``list_folders(parent_folders=[f], type=VIRTUAL_MACHINE)``; then the VMs of every non-root folder are listed and each
VM is assigned to the DEEPEST folder that lists it. That is right whether ``folders=`` on the VM list is recursive or
not ([U] in the contract); VMs no sub-folder lists are in the root folder (``""``). Every request goes through the
profile's :class:`~vmconsole_gui.services.connections.priority.UserFirst` gate as background work.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from functools import partial
from typing import Any, TypeVar

from vmconsole_gui.services.guest_os_names import guest_os_label
from vmconsole_gui.vsphere.client import VSphereClient
from vmconsole_gui.vsphere.errors import NotFound, TransportError, UnableToAllocateResource, VSphereError
from vmconsole_gui.vsphere.models import FolderType, GuestIdentity, PowerState, VMFilter, VMInfo

from .priority import UserFirst
from .records import VmRecord

__all__ = ["FOLDER_CHUNK", "Changes", "Enricher", "guest_changes", "info_changes"]

log = logging.getLogger(__name__)
T = TypeVar("T")
Changes = dict[str, Any]
"""Field name → new value for a :class:`VmRecord` (applied by the manager to the record it holds now)."""


def info_changes(info: VMInfo) -> Changes:
    """What ``GET …/vm/{vm}`` tells about a record."""
    changes: Changes = {"name": info.name, "power_state": PowerState(info.power_state).value}
    if info.cpu_count is not None:
        changes["cpu_count"] = info.cpu_count
    if info.memory_size_mib is not None:
        changes["memory_mib"] = info.memory_size_mib
    return changes


def guest_changes(guest: GuestIdentity | None, info: VMInfo | None) -> Changes:
    """What the guest identity tells (None: Tools not running, so no IP or host name; the OS from the VM info)."""
    if guest is None:
        changes: Changes = {"tools_running": False, "ip_address": "", "guest_host_name": ""}
        if info is not None:
            changes["guest_os"] = guest_os_label(info.guest_os)
        return changes
    return {
        "tools_running": True,
        "ip_address": guest.ip_address or "",
        "guest_host_name": guest.host_name,
        "guest_os": guest.full_name or guest.name,
    }


FOLDER_CHUNK = 500
"""Folder changes published between two yields to the event loop (~5 ms of work at 50k VMs)."""


class _Todo:
    """The records still to enrich, shared by the workers (an iterator: O(1) to set up even for 50k VMs)."""

    def __init__(self, records: Iterable[VmRecord]) -> None:
        self._records = iter(records)
        self._stopped = False

    def __iter__(self) -> Iterator[VmRecord]:
        return self

    def __next__(self) -> VmRecord:
        if self._stopped:
            raise StopIteration
        return next(self._records)

    def stop(self) -> None:
        """No worker takes another record."""
        self._stopped = True


class Enricher:
    """One enrichment run for one profile's client; :meth:`run` publishes changes through ``publish``."""

    def __init__(self, client: VSphereClient, gate: UserFirst, concurrency: int) -> None:
        self._client = client
        self._gate = gate
        self._concurrency = max(1, concurrency)

    async def _bg(self, call: Callable[[], Awaitable[T]]) -> T:
        async with self._gate.background():
            return await call()

    async def run(
        self, records: Sequence[VmRecord], datacenter_ids: Iterable[str], publish: Callable[[str, Changes], object]
    ) -> None:
        """Folders first (few requests), then every VM with bounded concurrency; failures are logged at INFO."""
        try:
            paths = await self.folder_paths(datacenter_ids)
        except TransportError as exc:
            log.info("enrichment of %s stopped: %s", self._client.host, exc.user_message)
            return
        except VSphereError as exc:
            log.info("could not read the VM folders of %s: %s", self._client.host, exc.user_message)
        else:
            for start in range(0, len(records), FOLDER_CHUNK):
                if start:
                    await asyncio.sleep(0)  # let the loop (the GUI) run between chunks
                for record in records[start : start + FOLDER_CHUNK]:
                    folder = paths.get(record.vm_id, "")
                    if folder != record.folder:
                        publish(record.vm_id, {"folder": folder})
        todo = _Todo(records)
        workers = [asyncio.ensure_future(self._worker(todo, publish)) for _ in range(self._concurrency)]
        try:
            await asyncio.gather(*workers)
        finally:
            for worker in workers:
                worker.cancel()

    async def _worker(self, todo: _Todo, publish: Callable[[str, Changes], object]) -> None:
        for record in todo:
            try:
                changes = await self.vm_changes(record.vm_id, record.power_state)
            except NotFound:
                continue  # deleted since the listing; the next refresh drops it
            except TransportError as exc:
                log.info("enrichment of %s stopped: %s", self._client.host, exc.user_message)
                todo.stop()  # the server is gone for every worker
                return
            except VSphereError as exc:
                log.info("could not read the details of %s: %s", record.vm_id, exc.user_message)
                continue
            publish(record.vm_id, changes)

    async def vm_changes(self, vm_id: str, power_state: str) -> Changes:
        """VM info, then the guest identity when the VM is powered on."""
        info = await self._bg(lambda: self._client.get_vm(vm_id))
        changes = info_changes(info)
        guest = None
        if changes["power_state"] == PowerState.POWERED_ON.value:
            guest = await self._bg(lambda: self._client.get_guest_identity(vm_id))
        changes.update(guest_changes(guest, info))
        return changes

    # -------------------------------------------------------------------------------------------- folders
    async def folder_paths(self, datacenter_ids: Iterable[str]) -> dict[str, str]:
        """VM id → folder path below its datacenter's ``vm`` folder, for VMs in a sub-folder."""
        assigned: dict[str, tuple[int, str]] = {}  # vm id → (depth, path)
        for dc in datacenter_ids:
            root = (await self._bg(partial(self._client.get_datacenter, dc))).vm_folder
            folders = await self._folder_tree(root)
            listings = await asyncio.gather(*(self._vms_in(folder) for folder in folders))
            for (_, depth, path), vm_ids in zip(folders, listings, strict=True):
                for vm_id in vm_ids:
                    if vm_id not in assigned or assigned[vm_id][0] < depth:
                        assigned[vm_id] = (depth, path)
        return {vm_id: path for vm_id, (_, path) in assigned.items()}

    async def _folder_tree(self, root: str) -> list[tuple[str, int, str]]:
        """Every VM folder below ``root`` as ``(id, depth, path)``, breadth-first."""
        found: list[tuple[str, int, str]] = []
        level: list[tuple[str, int, str]] = [(root, 0, "")]
        seen = {root}
        while level:
            children = await asyncio.gather(
                *(
                    self._bg(partial(self._client.list_folders, parent_folders=[f], type=FolderType.VIRTUAL_MACHINE))
                    for f, _, _ in level
                )
            )
            next_level = []
            for (_, depth, path), kids in zip(level, children, strict=True):
                for kid in kids:
                    if kid.folder in seen:
                        continue
                    seen.add(kid.folder)
                    next_level.append((kid.folder, depth + 1, f"{path}/{kid.name}" if path else kid.name))
            found.extend(next_level)
            level = next_level
        return found

    async def _vms_in(self, folder: tuple[str, int, str]) -> list[str]:
        only = VMFilter.of(folders=[folder[0]])
        try:
            vms = await self._bg(lambda: self._client.list_vms(only))
        except UnableToAllocateResource:  # a (recursive?) folder above the server's cap: partition it
            vms = await self._bg(lambda: self._client.list_all_vms(only))
        return [vm.vm for vm in vms]
