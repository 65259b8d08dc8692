"""List filters (``FilterSpec``) for every list endpoint: AND across attributes, OR within one (vsphere-rest.md §2)."""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp import web

from vmconsole_gui.sim.errors import too_many_matches
from vmconsole_gui.sim.inventory import POWER_STATES, Cluster, Datacenter, Folder, Host, ResourcePool, VmRecord
from vmconsole_gui.sim.state import STATE, SimState
from vmconsole_gui.sim.wire import query_bool, query_enum_list, query_list

FOLDER_TYPES = ("DATACENTER", "DATASTORE", "HOST", "NETWORK", "VIRTUAL_MACHINE")
CONNECTION_STATES = ("CONNECTED", "DISCONNECTED", "NOT_RESPONDING")
DEFAULT_CAPS = {
    "vm": 4000,
    "host": 2500,
    "datacenter": 1000,
    "folder": 1000,
    "cluster": 1000,
    "resource_pool": 1000,
}
_NOUNS = {
    "vm": "virtual machines",
    "host": "hosts",
    "datacenter": "datacenters",
    "folder": "folders",
    "cluster": "clusters",
    "resource_pool": "resource pools",
}


def _cap(state: SimState, resource: str, count: int) -> None:
    if count > state.list_caps.get(resource, DEFAULT_CAPS[resource]):
        raise too_many_matches(
            resource, _NOUNS[resource], state.too_many_matches_status_api, state.too_many_matches_status_rest
        )


def _id_num(object_id: str) -> int:
    return int(object_id.rsplit("-", 1)[1])


def _union(buckets: Iterable[list[VmRecord]]) -> list[VmRecord]:
    seen: dict[str, VmRecord] = {}
    for bucket in buckets:
        for vm in bucket:
            seen[vm.vm_id] = vm
    return sorted(seen.values(), key=lambda v: _id_num(v.vm_id))


def filter_vms(request: web.Request) -> list[VmRecord]:
    """VMs matching the request's filters, capped (UNABLE_TO_ALLOCATE_RESOURCE above the cap)."""
    state = request.app[STATE]
    inv = state.inventory
    power = set(query_enum_list(request, "power_states", POWER_STATES))
    vms, names = set(query_list(request, "vms")), set(query_list(request, "names"))
    hosts, clusters = set(query_list(request, "hosts")), set(query_list(request, "clusters"))
    pools, datacenters = set(query_list(request, "resource_pools")), set(query_list(request, "datacenters"))
    folders = set(query_list(request, "folders"))
    if folders and state.folder_filter_recursive:
        folders = {f for top in folders for f in inv.folder_subtree(top)}
    if vms:
        candidates = _union([[inv.vms[v]] for v in vms if v in inv.vms])
    elif names:
        candidates = _union([[inv.by_name[n]] for n in names if n in inv.by_name])
    elif hosts:
        candidates = _union(inv.by_host.get(h, []) for h in hosts)
    elif pools:
        candidates = _union(inv.by_resource_pool.get(p, []) for p in pools)
    elif clusters:
        candidates = _union(inv.by_cluster.get(c, []) for c in clusters)
    elif folders:
        candidates = _union(inv.by_folder.get(f, []) for f in folders)
    elif datacenters:
        candidates = _union(inv.by_datacenter.get(d, []) for d in datacenters)
    else:
        candidates = list(inv.vms.values())
    result = [
        vm
        for vm in candidates
        if (not vms or vm.vm_id in vms)
        and (not names or vm.name in names)
        and (not hosts or vm.host_id in hosts)
        and (not pools or vm.resource_pool_id in pools)
        and (not clusters or vm.cluster_id in clusters)
        and (not folders or vm.folder_id in folders)
        and (not datacenters or vm.datacenter_id in datacenters)
        and (not power or vm.power_state in power)
    ]
    _cap(state, "vm", len(result))
    return result


def filter_datacenters(request: web.Request) -> list[Datacenter]:
    """Datacenters matching ``datacenters``, ``names``, ``folders``."""
    state = request.app[STATE]
    ids, names, folders = (set(query_list(request, n)) for n in ("datacenters", "names", "folders"))
    result = [
        dc
        for dc in state.inventory.datacenters.values()
        if (not ids or dc.datacenter_id in ids)
        and (not names or dc.name in names)
        and (not folders or dc.parent_folder_id in folders)
    ]
    _cap(state, "datacenter", len(result))
    return result


def filter_folders(request: web.Request) -> list[Folder]:
    """Folders matching ``folders``, ``names``, ``type``, ``parent_folders``, ``datacenters``."""
    state = request.app[STATE]
    types = set(query_enum_list(request, "type", FOLDER_TYPES))
    ids, names, parents, dcs = (
        set(query_list(request, n)) for n in ("folders", "names", "parent_folders", "datacenters")
    )
    result = [
        f
        for f in state.inventory.folders.values()
        if (not ids or f.folder_id in ids)
        and (not names or f.name in names)
        and (not types or f.type in types)
        and (not parents or f.parent_id in parents)
        and (not dcs or f.datacenter_id in dcs)
    ]
    _cap(state, "folder", len(result))
    return result


def filter_clusters(request: web.Request) -> list[Cluster]:
    """Clusters matching ``clusters``, ``names``, ``folders``, ``datacenters``."""
    state = request.app[STATE]
    ids, names, folders, dcs = (set(query_list(request, n)) for n in ("clusters", "names", "folders", "datacenters"))
    result = [
        c
        for c in state.inventory.clusters.values()
        if (not ids or c.cluster_id in ids)
        and (not names or c.name in names)
        and (not folders or c.folder_id in folders)
        and (not dcs or c.datacenter_id in dcs)
    ]
    _cap(state, "cluster", len(result))
    return result


def filter_hosts(request: web.Request) -> list[Host]:
    """Hosts matching ``hosts``, ``names``, ``folders``, ``datacenters``, ``standalone``, ``clusters``, states."""
    state = request.app[STATE]
    conn = set(query_enum_list(request, "connection_states", CONNECTION_STATES))
    standalone = query_bool(request, "standalone")
    ids, names, folders, dcs, clusters = (
        set(query_list(request, n)) for n in ("hosts", "names", "folders", "datacenters", "clusters")
    )
    result = [
        h
        for h in state.inventory.hosts.values()
        if (not ids or h.host_id in ids)
        and (not names or h.name in names)
        and (not folders or h.folder_id in folders)
        and (not dcs or h.datacenter_id in dcs)
        and (not clusters or h.cluster_id in clusters)
        and (not conn or h.connection_state in conn)
        and (standalone is None or (h.cluster_id is None) == standalone)
    ]
    _cap(state, "host", len(result))
    return result


def filter_resource_pools(request: web.Request) -> list[ResourcePool]:
    """Pools matching ``resource_pools``, ``names``, ``parent_resource_pools``, ``datacenters``, hosts, clusters."""
    state = request.app[STATE]
    inv = state.inventory
    ids, names, parents, dcs, hosts, clusters = (
        set(query_list(request, n))
        for n in ("resource_pools", "names", "parent_resource_pools", "datacenters", "hosts", "clusters")
    )
    host_owners = {inv.hosts[h].cluster_id or h for h in hosts if h in inv.hosts}
    result = [
        rp
        for rp in inv.resource_pools.values()
        if (not ids or rp.resource_pool_id in ids)
        and (not names or rp.name in names)
        and (not parents or rp.parent_id in parents)
        and (not dcs or rp.datacenter_id in dcs)
        and (not clusters or rp.cluster_id in clusters)
        and (not hosts or (rp.cluster_id or rp.host_id) in host_owners)
    ]
    _cap(state, "resource_pool", len(result))
    return result
