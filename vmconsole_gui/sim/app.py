"""The aiohttp application of the simulated vCenter: every route of both API families for one profile."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from vmconsole_gui.sim import inventory_routes as inv
from vmconsole_gui.sim import session_routes as ses
from vmconsole_gui.sim import vm_routes as vm
from vmconsole_gui.sim.middleware import simulator_middleware
from vmconsole_gui.sim.state import ENDPOINT_OF, LOGIN_ROUTES, STATE, SimState

_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def build_app(state: SimState) -> web.Application:
    """An application serving ``/api`` (if the profile has it) and ``/rest`` for ``state``."""
    app = web.Application(middlewares=[simulator_middleware], client_max_size=64 * 1024)
    app[STATE] = state
    endpoints: dict[object, str] = {}
    logins: set[object] = set()

    def add(method: str, path: str, handler: _Handler, endpoint: str, login: bool = False) -> None:
        route = app.router.add_route(method, path, handler)
        endpoints[route] = endpoint
        if login:
            logins.add(route)

    # Sessions (§1). /api routes are registered for every profile; the middleware answers 404 when the profile
    # has no /api, so the 404 body is the same as for any unknown /api path.
    add("POST", "/api/session", ses.create_session, "session", login=True)
    add("GET", "/api/session", ses.get_session, "session")
    add("DELETE", "/api/session", ses.delete_session, "session")
    add("POST", "/rest/com/vmware/cis/session", ses.create_session, "session", login=True)
    add("DELETE", "/rest/com/vmware/cis/session", ses.delete_session, "session")

    for base in ("/api", "/rest"):
        add("GET", f"{base}/vcenter/vm", vm.list_vms, "vm.list")
        add("GET", f"{base}/vcenter/vm/{{vm}}", vm.get_vm, "vm.get")
        add("GET", f"{base}/vcenter/vm/{{vm}}/power", vm.get_power, "vm.power")
        add("GET", f"{base}/vcenter/vm/{{vm}}/guest/identity", vm.guest_identity, "vm.guest_identity")
        add("GET", f"{base}/vcenter/datacenter", inv.list_datacenters, "datacenter.list")
        add("GET", f"{base}/vcenter/datacenter/{{datacenter}}", inv.get_datacenter, "datacenter.get")
        add("GET", f"{base}/vcenter/folder", inv.list_folders, "folder.list")
        add("GET", f"{base}/vcenter/cluster", inv.list_clusters, "cluster.list")
        add("GET", f"{base}/vcenter/host", inv.list_hosts, "host.list")
        add("GET", f"{base}/vcenter/resource-pool", inv.list_resource_pools, "resource_pool.list")
    add("POST", "/api/vcenter/vm/{vm}/power", vm.power_action, "vm.power")
    add("POST", "/rest/vcenter/vm/{vm}/power/{action}", vm.power_action, "vm.power")
    add("POST", "/api/vcenter/vm/{vm}/console/tickets", vm.create_ticket, "vm.console_tickets")
    if state.profile.rest_tickets:
        add("POST", "/rest/vcenter/vm/{vm}/console/tickets", vm.create_ticket, "vm.console_tickets")
    app[ENDPOINT_OF] = endpoints
    app[LOGIN_ROUTES] = logins
    return app
