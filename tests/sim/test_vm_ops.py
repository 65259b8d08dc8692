"""VM details, power state machine, guest identity and console tickets on both families."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.sim.conftest import Wire
from vmconsole_gui.sim.running import RunningSimulator


@pytest.fixture
def api(wire: Wire) -> Wire:
    wire.login("api")
    return wire


def _pick(sim: RunningSimulator, **want: object) -> str:
    for vm_id in sim.vm_ids():
        vm = sim.vm(vm_id)
        if all(getattr(vm, k) == v for k, v in want.items()):
            return vm_id
    raise AssertionError(f"no VM with {want}")


def test_vm_details_maps_and_arrays(api: Wire) -> None:
    vm_id = api.sim.vm_ids()[3]
    info = api.call("GET", f"/api/vcenter/vm/{vm_id}").json()
    assert info["name"] == api.sim.vm(vm_id).name
    assert isinstance(info["disks"], dict)
    assert "2000" in info["disks"]
    assert info["identity"]["instance_uuid"] == api.sim.vm(vm_id).instance_uuid
    rest = api.call("GET", f"/rest/vcenter/vm/{vm_id}").json()["value"]
    assert rest["disks"] == [{"key": "2000", "value": info["disks"]["2000"]}]
    assert rest["cdroms"] == []
    assert rest["name"] == info["name"]


def test_vm_not_found_echoes_qualified_id(api: Wire) -> None:
    uuid = api.sim.simulator.inventory.instance_uuid
    r = api.call("GET", "/api/vcenter/vm/vm-99999999")
    assert r.status_code == 404
    msg = r.json()["messages"][0]
    assert msg["id"] == "com.vmware.api.vcenter.vm.not_found"
    assert msg["args"] == [f"vm-99999999:{uuid}"]
    r = api.call("GET", "/rest/vcenter/vm/vm-99999999/power")
    assert r.status_code == 404
    assert r.json()["type"] == "com.vmware.vapi.std.errors.not_found"


def test_power_state_machine(api: Wire) -> None:
    sim = api.sim
    vm_id = _pick(sim, power_state="POWERED_ON", has_tools=True)
    events: list[tuple[str, bool]] = []
    sim.simulator.inventory.power_listeners.append(lambda v, on: events.append((v, on)))

    def power(action: str, family: str = "api") -> tuple[int, str | None]:
        if family == "api":
            r = api.call("POST", f"/api/vcenter/vm/{vm_id}/power", params={"action": action})
            return r.status_code, (r.json()["error_type"] if r.content else None)
        r = api.call("POST", f"/rest/vcenter/vm/{vm_id}/power/{action}")
        return r.status_code, (r.json()["value"]["error_type"] if r.content else None)

    def state() -> dict:
        return api.call("GET", f"/api/vcenter/vm/{vm_id}/power").json()

    try:
        assert state() == {"state": "POWERED_ON"}
        assert power("start") == (400, "ALREADY_IN_DESIRED_STATE")
        assert power("reset") == (204, None)
        assert power("suspend") == (204, None)
        assert state() == {"state": "SUSPENDED"}
        assert power("suspend", "rest") == (400, "ALREADY_IN_DESIRED_STATE")
        assert power("reset") == (400, "NOT_ALLOWED_IN_CURRENT_STATE")
        assert power("stop", "rest") == (200, None)
        assert state() == {"state": "POWERED_OFF", "clean_power_off": True}
        assert api.call("GET", f"/rest/vcenter/vm/{vm_id}/power").json() == {"value": state()}
        assert power("stop") == (400, "ALREADY_IN_DESIRED_STATE")
        assert power("suspend") == (400, "NOT_ALLOWED_IN_CURRENT_STATE")
        assert power("reset", "rest") == (400, "NOT_ALLOWED_IN_CURRENT_STATE")
        assert power("start", "rest") == (200, None)
        assert state() == {"state": "POWERED_ON"}
        assert events == [(vm_id, False), (vm_id, True), (vm_id, False), (vm_id, True)]
        r = api.call("POST", f"/api/vcenter/vm/{vm_id}/power", params={"action": "explode"}, validate=False)
        assert r.status_code == 404
    finally:
        sim.simulator.inventory.power_listeners.pop()
        sim.set_power_state(vm_id, "POWERED_ON")


def test_guest_identity(api: Wire) -> None:
    sim = api.sim
    on = _pick(sim, power_state="POWERED_ON", has_tools=True)
    body = api.call("GET", f"/api/vcenter/vm/{on}/guest/identity").json()
    vm = sim.vm(on)
    assert body["name"] == vm.guest_os
    assert body["family"] in ("LINUX", "WINDOWS")
    assert body["full_name"]["default_message"] == vm.guest_full_name
    assert body["host_name"]
    assert body.get("ip_address") == vm.ip_address
    no_ip = next(v for v in sim.vm_ids() if sim.vm(v).tools_running and sim.vm(v).ip_address is None)
    rest = api.call("GET", f"/rest/vcenter/vm/{no_ip}/guest/identity").json()["value"]
    assert "ip_address" not in rest
    for vm_id in (_pick(sim, power_state="POWERED_ON", has_tools=False), _pick(sim, power_state="POWERED_OFF")):
        r = api.call("GET", f"/api/vcenter/vm/{vm_id}/guest/identity")
        assert r.status_code == 503
        assert r.json()["error_type"] == "SERVICE_UNAVAILABLE"
        r = api.call("GET", f"/rest/vcenter/vm/{vm_id}/guest/identity")
        assert r.status_code == 503
        assert r.json()["type"] == "com.vmware.vapi.std.errors.service_unavailable"


def _ticket(api: Wire, vm_id: str, kind: str, family: str) -> tuple[int, object]:
    if family == "api":
        r = api.call("POST", f"/api/vcenter/vm/{vm_id}/console/tickets", json_body={"type": kind})
        return r.status_code, r.json()
    r = api.call("POST", f"/rest/vcenter/vm/{vm_id}/console/tickets", json_body={"spec": {"type": kind}})
    return r.status_code, r.json()


@pytest.mark.parametrize("family", ["api", "rest"])
@pytest.mark.parametrize("state", ["POWERED_ON", "POWERED_OFF", "SUSPENDED"])
def test_tickets_in_every_state(api: Wire, family: str, state: str) -> None:
    sim = api.sim
    vm_id = _pick(sim, power_state=state)
    status, body = _ticket(api, vm_id, "VMRC", family)
    assert status == (201 if family == "api" else 200)
    ticket = body["ticket"] if family == "api" else body["value"]["ticket"]  # type: ignore[index]
    assert set(body) == ({"ticket"} if family == "api" else {"value"})  # type: ignore[arg-type]
    url = urlsplit(ticket)
    assert url.scheme == "vmrc"
    assert url.hostname == sim.host
    assert url.port == sim.port
    assert url.query == f"moid={vm_id}"
    clone = url.netloc.rsplit("@", 1)[0]
    dashed = "-".join(sim.sha1[i : i + 2].upper() for i in range(0, 40, 2))
    assert clone.startswith("clone:cst-VCT-")
    assert clone.endswith(f"--tp-{dashed}")
    status, body = _ticket(api, vm_id, "WEBMKS", family)
    if state == "POWERED_ON":
        assert status == (201 if family == "api" else 200)
        ticket = body["ticket"] if family == "api" else body["value"]["ticket"]  # type: ignore[index]
        url = urlsplit(ticket)
        assert (url.scheme, url.hostname, url.port) == ("wss", sim.host, sim.esxi_port)
        ticket_id = url.path.removeprefix("/ticket/")
        assert sim.tickets.redeem(ticket_id) == vm_id
    else:
        assert status == 400
        err = body if family == "api" else body["value"]  # type: ignore[index]
        assert err["error_type"] == "NOT_ALLOWED_IN_CURRENT_STATE"  # type: ignore[index]
        assert "not powered on" in err["messages"][0]["default_message"]  # type: ignore[index]


def test_ticket_bad_bodies(api: Wire) -> None:
    vm_id = api.sim.vm_ids()[0]
    for path, body in (
        (f"/api/vcenter/vm/{vm_id}/console/tickets", {"spec": {"type": "VMRC"}}),
        (f"/api/vcenter/vm/{vm_id}/console/tickets", {"type": "VNC"}),
        (f"/rest/vcenter/vm/{vm_id}/console/tickets", {"type": "VMRC"}),
        (f"/rest/vcenter/vm/{vm_id}/console/tickets", {"spec": {"type": "MKS"}}),
    ):
        r = api.call("POST", path, json_body=body, validate=False)
        assert r.status_code == 400, body
        err = r.json() if path.startswith("/api") else r.json()["value"]
        assert err["error_type"] == "INVALID_ARGUMENT"
    r = api.call("POST", f"/api/vcenter/vm/{vm_id}/console/tickets", content=b"{not json", validate=False)
    assert r.status_code == 400
    r = api.call("POST", "/api/vcenter/vm/vm-424242/console/tickets", json_body={"type": "VMRC"})
    assert r.status_code == 404


@pytest.mark.parametrize(
    ("error", "api_status", "rest_status"),
    [
        ("UNAUTHORIZED", 403, 403),
        ("RESOURCE_INACCESSIBLE", 500, 400),
        ("SERVICE_UNAVAILABLE", 503, 503),
        ("ERROR", 500, 400),
        ("UNAUTHENTICATED", 401, 401),
        ("NOT_ALLOWED_IN_CURRENT_STATE", 400, 400),
    ],
)
def test_forced_ticket_errors(api: Wire, error: str, api_status: int, rest_status: int) -> None:
    api.sim.faults.ticket_error = error
    vm_id = _pick(api.sim, power_state="POWERED_ON")
    status, body = _ticket(api, vm_id, "VMRC", "api")
    assert status == api_status
    assert body["error_type"] == error
    status, body = _ticket(api, vm_id, "WEBMKS", "rest")
    assert status == rest_status
    assert body["type"] == f"com.vmware.vapi.std.errors.{error.lower()}"
