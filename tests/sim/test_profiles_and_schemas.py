"""Version profiles (7.0u1, 6.7), unknown routes, and a schema sweep over every operation the simulator serves."""

from __future__ import annotations

import pytest

from tests.sim.conftest import Specs, Wire

HTTP_NOT_FOUND = {
    "error_type": "NOT_FOUND",
    "messages": [{"args": [], "default_message": "Not found.", "id": "com.vmware.vapi.rest.httpNotFound"}],
}


def _ops_not_found(path: str) -> dict:
    return {
        "type": "com.vmware.vapi.std.errors.not_found",
        "value": {
            "error_type": "NOT_FOUND",
            "messages": [
                {
                    "args": [path],
                    "default_message": f"Unable to find operations for URL: {path}.",
                    "id": "com.vmware.vapi.rest.operationsForUrlNotFound",
                }
            ],
        },
    }


def test_unknown_routes(wire: Wire) -> None:
    wire.login()
    r = wire.call("GET", "/api/vcenter/nothing", validate=False)
    assert r.status_code == 404
    assert r.json() == HTTP_NOT_FOUND
    r = wire.call("GET", "/rest/com/vmware/nothing", validate=False)
    assert r.status_code == 404
    assert r.json() == _ops_not_found("/com/vmware/nothing")


@pytest.mark.parametrize("profile", ["7.0u1", "6.7"])
def test_old_profiles(make_sim, specs: Specs, profile: str) -> None:
    sim = make_sim(vms=20, profile=profile)
    w = Wire(sim, specs)
    auth = (sim.username, sim.password)
    for method, path in (
        ("POST", "/api/session"),
        ("GET", "/api/vcenter/vm"),
        ("POST", "/api/vcenter/vm/vm-1/console/tickets"),
    ):
        r = w.call(method, path, auth=auth, validate=False)
        assert r.status_code == 404
        assert r.json() == HTTP_NOT_FOUND
    w.login("rest")
    vm_id = next(v for v in sim.vm_ids() if sim.vm(v).power_state == "POWERED_ON")
    assert len(w.call("GET", "/rest/vcenter/vm").json()["value"]) == 20
    path = f"/rest/vcenter/vm/{vm_id}/console/tickets"
    r = w.call("POST", path, json_body={"spec": {"type": "WEBMKS"}}, validate=(profile == "7.0u1"))
    if profile == "7.0u1":
        assert r.status_code == 200
        assert r.json()["value"]["ticket"].startswith("wss://")
    else:
        assert r.status_code == 404
        assert r.json() == _ops_not_found(path.removeprefix("/rest"))
    w.close()


def test_schema_sweep_every_operation(wire: Wire) -> None:
    """Every served operation answers with a documented status and a body valid for it (Wire validates)."""
    sim = wire.sim
    on = next(v for v in sim.vm_ids() if sim.vm(v).tools_running and sim.vm(v).ip_address)
    off = next(v for v in sim.vm_ids() if sim.vm(v).power_state == "POWERED_OFF" and sim.vm(v).has_tools)
    seen: set[tuple[int, str]] = set()
    for family in ("api", "rest"):
        wire.login(family)
        base = "/api" if family == "api" else "/rest"
        for path in ("vm", "datacenter", "folder", "cluster", "host", "resource-pool"):
            r = wire.call("GET", f"{base}/vcenter/{path}")
            body = r.json()
            assert (
                isinstance(body, list)
                if family == "api"
                else (set(body) == {"value"} and isinstance(body["value"], list))
            )
        for dc in [*sim.simulator.state.inventory.datacenters, "datacenter-999999"]:
            r = wire.call("GET", f"{base}/vcenter/datacenter/{dc}")
            seen.add((r.status_code, family))
            if r.status_code == 200:
                info = r.json() if family == "api" else r.json()["value"]
                assert info["vm_folder"].startswith("group-v")
        for vm_id in (on, off, "vm-7"):
            for sub in ("", "/power", "/guest/identity"):
                seen.add((wire.call("GET", f"{base}/vcenter/vm/{vm_id}{sub}").status_code, family))
        for action in ("stop", "stop", "suspend", "reset", "start", "start"):
            if family == "api":
                wire.call("POST", f"/api/vcenter/vm/{off}/power", params={"action": action})
            else:
                wire.call("POST", f"/rest/vcenter/vm/{off}/power/{action}")
        for vm_id, kind in ((on, "VMRC"), (on, "WEBMKS"), (off, "WEBMKS"), ("vm-7", "VMRC")):
            body = {"type": kind} if family == "api" else {"spec": {"type": kind}}
            seen.add(
                (wire.call("POST", f"{base}/vcenter/vm/{vm_id}/console/tickets", json_body=body).status_code, family)
            )
        wire.call("GET", f"{base}/vcenter/vm", session=False)  # 401
        sim.set_power_state(off, "POWERED_OFF")
    assert {(200, "api"), (404, "api"), (503, "api"), (200, "rest"), (404, "rest"), (503, "rest")} <= seen
    # Sessions: both families, including get and delete.
    wire.login("api")
    assert isinstance(wire.call("GET", "/api/session").json(), dict)
    wire.call("DELETE", "/api/session")
    wire.login("rest")
    wire.call("POST", "/rest/com/vmware/cis/session", params={"~action": "get"})
    wire.call("DELETE", "/rest/com/vmware/cis/session")


def test_specs_reject_mixed_up_shapes(specs: Specs) -> None:
    """The oracle itself catches the family mix-ups the simulator must not make."""
    assert specs.problems("POST", "/api/session", 201, {"value": "x"})
    assert specs.problems("GET", "/rest/vcenter/vm", 200, [{"vm": "vm-1", "name": "a", "power_state": "POWERED_ON"}])
    assert specs.problems("POST", "/rest/vcenter/vm/vm-1/console/tickets", 200, {"ticket": "x"})
    assert specs.problems("GET", "/api/vcenter/vm", 200, [{"vm": "vm-1", "name": "a", "power_state": "ON"}])
