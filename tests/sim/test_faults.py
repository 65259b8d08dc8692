"""Every fault knob: latency, per-endpoint errors, drops, malformed bodies; seeded and repeatable."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from tests.sim.conftest import Wire
from vmconsole_gui.sim.faults import Faults, parse_rate_option


@pytest.fixture
def api(wire: Wire) -> Wire:
    wire.login("api")
    return wire


def test_latency(api: Wire) -> None:
    api.sim.faults.latency_s = 0.3
    start = time.perf_counter()
    api.call("GET", "/api/vcenter/datacenter")
    assert time.perf_counter() - start >= 0.3
    api.sim.faults.latency_s = 0.0
    api.sim.faults.latencies = {"host.list": 0.3}
    start = time.perf_counter()
    api.call("GET", "/api/vcenter/datacenter")
    assert time.perf_counter() - start < 0.3


def test_error_rate_per_endpoint(api: Wire) -> None:
    api.sim.faults.error_rates = {"vm.list": 1.0}
    r = api.call("GET", "/api/vcenter/vm")
    assert r.status_code == 503
    assert r.json()["error_type"] == "SERVICE_UNAVAILABLE"
    r = api.call("GET", "/rest/vcenter/vm")
    assert r.status_code == 503
    assert r.json()["type"] == "com.vmware.vapi.std.errors.service_unavailable"
    assert api.call("GET", "/api/vcenter/host").status_code == 200
    api.sim.faults.error_rates = {"*": 1.0}
    api.sim.faults.error_type = "TIMED_OUT"
    r = api.call("GET", "/rest/vcenter/host", validate=False)
    assert r.status_code == 504
    assert r.json()["value"]["error_type"] == "TIMED_OUT"
    endpoints = [e for _, _, _, e in api.sim.request_log()[-4:]]
    assert endpoints == ["vm.list", "vm.list", "host.list", "host.list"]


def test_error_rate_is_seeded(api: Wire) -> None:
    def run() -> list[int]:
        api.sim.faults.reseed(7)
        api.sim.faults.error_rates = {"datacenter.list": 0.5}
        return [api.call("GET", "/api/vcenter/datacenter").status_code for _ in range(16)]

    first = run()
    assert set(first) == {200, 503}
    assert run() == first


def test_drop_closes_without_response(api: Wire) -> None:
    api.sim.faults.drop_rates = {"session": 1.0}
    with pytest.raises(httpx.RemoteProtocolError):
        api.call("GET", "/api/session", validate=False)
    assert api.sim.request_log()[-1][2] == 0
    api.sim.faults.drop_rates = {}
    api.sim.faults.drop_rate = 1.0
    with pytest.raises(httpx.RemoteProtocolError):
        api.call("GET", "/api/vcenter/cluster", validate=False)
    api.sim.faults.drop_rate = 0.0
    assert api.call("GET", "/api/session").status_code == 200


@pytest.mark.parametrize("kind", ["truncate", "not_json", "wrong_shape"])
def test_malformed_kinds(api: Wire, kind: str) -> None:
    api.sim.faults.malformed_rates = {"vm.list": 1.0}
    api.sim.faults.malformed_kind = kind
    for path in ("/api/vcenter/vm", "/rest/vcenter/vm"):
        r = api.call("GET", path, validate=False)
        assert r.status_code == 200
        if kind == "wrong_shape":
            body = r.json()
            assert (isinstance(body, dict) and "value" in body) if path.startswith("/api") else isinstance(body, list)
        else:
            with pytest.raises(json.JSONDecodeError):
                json.loads(r.text)
    api.sim.faults.malformed_rates = {}
    api.sim.faults.malformed_rate = 1.0
    vm_id = api.sim.vm_ids()[0]
    r = api.call("POST", f"/api/vcenter/vm/{vm_id}/console/tickets", json_body={"type": "VMRC"}, validate=False)
    assert r.status_code == 201
    try:
        parsed = json.loads(r.text)
    except ValueError:
        parsed = None
    assert not (isinstance(parsed, dict) and set(parsed) == {"ticket"})


def test_bad_knob_values_are_explained() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        Faults(drop_rate=2.0).decide("vm.list")
    with pytest.raises(ValueError, match=r"unknown endpoint 'vm\.lst'"):
        parse_rate_option("vm.lst=0.5")
    with pytest.raises(ValueError, match="ENDPOINT=RATE"):
        parse_rate_option("0.5")
    assert parse_rate_option("vm.console_tickets=0.25") == ("vm.console_tickets", 0.25)
