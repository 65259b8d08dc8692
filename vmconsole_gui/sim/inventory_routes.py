"""Tree-view listings: datacenter, folder, cluster, host, resource pool (vsphere-rest.md §2.3)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from vmconsole_gui.sim.errors import datacenter_not_found
from vmconsole_gui.sim.filters import (
    filter_clusters,
    filter_datacenters,
    filter_folders,
    filter_hosts,
    filter_resource_pools,
)
from vmconsole_gui.sim.state import STATE
from vmconsole_gui.sim.wire import ok


async def list_datacenters(request: web.Request) -> web.StreamResponse:
    """``GET …/vcenter/datacenter``."""
    return ok(request, [{"datacenter": d.datacenter_id, "name": d.name} for d in filter_datacenters(request)])


async def get_datacenter(request: web.Request) -> web.StreamResponse:
    """``GET …/vcenter/datacenter/{datacenter}``: its name and four root folders."""
    datacenter_id = request.match_info["datacenter"]
    dc = request.app[STATE].inventory.datacenters.get(datacenter_id)
    if dc is None:
        raise datacenter_not_found(datacenter_id)
    body = {
        "name": dc.name,
        "datastore_folder": dc.datastore_folder,
        "host_folder": dc.host_folder,
        "network_folder": dc.network_folder,
        "vm_folder": dc.vm_folder,
    }
    return ok(request, body)


async def list_folders(request: web.Request) -> web.StreamResponse:
    """``GET …/vcenter/folder``."""
    return ok(request, [{"folder": f.folder_id, "name": f.name, "type": f.type} for f in filter_folders(request)])


async def list_clusters(request: web.Request) -> web.StreamResponse:
    """``GET …/vcenter/cluster``."""
    items = [
        {"cluster": c.cluster_id, "name": c.name, "ha_enabled": c.ha_enabled, "drs_enabled": c.drs_enabled}
        for c in filter_clusters(request)
    ]
    return ok(request, items)


async def list_hosts(request: web.Request) -> web.StreamResponse:
    """``GET …/vcenter/host``: ``power_state`` only for CONNECTED hosts."""
    items: list[dict[str, Any]] = []
    for h in filter_hosts(request):
        item = {"host": h.host_id, "name": h.name, "connection_state": h.connection_state}
        if h.connection_state == "CONNECTED":
            item["power_state"] = h.power_state
        items.append(item)
    return ok(request, items)


async def list_resource_pools(request: web.Request) -> web.StreamResponse:
    """``GET …/vcenter/resource-pool``."""
    items = [{"resource_pool": p.resource_pool_id, "name": p.name} for p in filter_resource_pools(request)]
    return ok(request, items)
