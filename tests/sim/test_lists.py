"""VM and inventory listings: shapes, AND/OR filters, bad enums, caps, inaccessible VMs, tree listings."""

from __future__ import annotations

import time

import pytest

from tests.sim.conftest import Specs, Wire


@pytest.fixture
def api(wire: Wire) -> Wire:
    wire.login("api")
    return wire


def test_vm_list_bare_array_and_rest_value(api: Wire) -> None:
    a = api.call("GET", "/api/vcenter/vm").json()
    r = api.call("GET", "/rest/vcenter/vm").json()
    assert isinstance(a, list)
    assert set(r) == {"value"}
    assert r["value"] == a
    assert len(a) == 300
    assert len({v["vm"] for v in a}) == 300
    inaccessible = [v for v in a if "cpu_count" not in v]
    assert inaccessible
    assert all("memory_size_MiB" not in v for v in inaccessible)
    assert all(set(v) == {"vm", "name", "power_state", "cpu_count", "memory_size_MiB"} for v in a if "cpu_count" in v)


def test_filters_or_within_and_across(api: Wire) -> None:
    sim = api.sim
    all_vms = [sim.vm(v) for v in sim.vm_ids()]
    on = [v for v in all_vms if v.power_state == "POWERED_ON"]
    off = [v for v in all_vms if v.power_state == "POWERED_OFF"]
    params = [("power_states", "POWERED_ON"), ("power_states", "POWERED_OFF")]
    got = {v["vm"] for v in api.call("GET", "/api/vcenter/vm", params=params).json()}
    assert got == {v.vm_id for v in on + off}
    host = on[0].host_id
    got = {
        v["vm"] for v in api.call("GET", "/api/vcenter/vm", params={"hosts": host, "power_states": "POWERED_ON"}).json()
    }
    assert got == {v.vm_id for v in on if v.host_id == host}
    names = [on[0].name, off[0].name]
    rest = api.call("GET", "/rest/vcenter/vm", params=[("filter.names", n) for n in names]).json()["value"]
    assert sorted(v["name"] for v in rest) == sorted(names)
    rest = api.call(
        "GET", "/rest/vcenter/vm", params=[("filter.names", names[0]), ("filter.power_states", "POWERED_OFF")]
    )
    assert rest.json() == {"value": []}
    # /api parameter names are not /rest ones: filter.names on /api is ignored (unfiltered).
    assert len(api.call("GET", "/api/vcenter/vm", params={"filter.names": names[0]}).json()) == 300


@pytest.mark.parametrize(
    ("attr", "param"),
    [
        ("datacenter_id", "datacenters"),
        ("cluster_id", "clusters"),
        ("resource_pool_id", "resource_pools"),
        ("folder_id", "folders"),
    ],
)
def test_filter_by_container(api: Wire, attr: str, param: str) -> None:
    records = [api.sim.vm(v) for v in api.sim.vm_ids()]
    value = next(getattr(v, attr) for v in records if getattr(v, attr))
    got = {v["vm"] for v in api.call("GET", "/api/vcenter/vm", params={param: value}).json()}
    assert got == {v.vm_id for v in records if getattr(v, attr) == value}
    assert got


def test_folder_filter_recursion_knob(make_sim, specs: Specs) -> None:
    for recursive in (False, True):
        sim = make_sim(vms=200, folder_filter_recursive=recursive)
        w = Wire(sim, specs)
        w.login()
        dc = w.call("GET", "/api/vcenter/datacenter").json()[0]["datacenter"]
        vm_root = next(
            f["folder"]
            for f in w.call("GET", "/api/vcenter/folder", params={"type": "VIRTUAL_MACHINE", "datacenters": dc}).json()
            if f["name"] == "vm"
        )
        got = {v["vm"] for v in w.call("GET", "/api/vcenter/vm", params={"folders": vm_root}).json()}
        in_dc = {v for v in sim.vm_ids() if sim.vm(v).datacenter_id == dc}
        direct = {v for v in in_dc if sim.vm(v).folder_id == vm_root}
        assert got == (in_dc if recursive else direct)
        w.close()


def test_bad_enum_is_400_invalid_argument(api: Wire) -> None:
    r = api.call("GET", "/api/vcenter/vm", params={"power_states": "ON"})
    assert r.status_code == 400
    assert r.json()["error_type"] == "INVALID_ARGUMENT"
    r = api.call("GET", "/rest/vcenter/host", params={"filter.connection_states": "UP"})
    assert r.status_code == 400
    assert r.json()["type"] == "com.vmware.vapi.std.errors.invalid_argument"
    r = api.call("GET", "/api/vcenter/folder", params={"type": "VM"})
    assert r.status_code == 400
    r = api.call("GET", "/api/vcenter/host", params={"standalone": "maybe"})
    assert r.status_code == 400


def test_too_many_matches_at_the_cap(make_sim, specs: Specs) -> None:
    sim = make_sim(vms=4001)
    w = Wire(sim, specs)
    w.login()
    r = w.call("GET", "/api/vcenter/vm")
    assert r.status_code == 500
    assert r.json()["error_type"] == "UNABLE_TO_ALLOCATE_RESOURCE"
    assert r.json()["messages"][0]["id"] == "com.vmware.api.vcenter.vm.too_many_matches"
    r = w.call("GET", "/rest/vcenter/vm")
    assert r.status_code == 400
    assert r.json()["type"] == "com.vmware.vapi.std.errors.unable_to_allocate_resource"
    # Partition per host, as clients do.
    merged: dict[str, dict] = {}
    start = time.perf_counter()
    for host in w.call("GET", "/api/vcenter/host").json():
        for vm in w.call("GET", "/api/vcenter/vm", params={"hosts": host["host"]}).json():
            merged[vm["vm"]] = vm
    assert len(merged) == 4001
    assert time.perf_counter() - start < 10
    w.close()


def test_cap_boundary_and_configurable_status(make_sim, specs: Specs) -> None:
    sim = make_sim(
        vms=4000,
        too_many_matches_status_api=400,
        list_caps={"vm": 4000, "host": 2, "datacenter": 1000, "folder": 1000, "cluster": 1000, "resource_pool": 1000},
    )
    w = Wire(sim, specs)
    w.login()
    start = time.perf_counter()
    r = w.call("GET", "/api/vcenter/vm")
    assert r.status_code == 200
    assert len(r.json()) == 4000
    assert time.perf_counter() - start < 2
    r = w.call("GET", "/api/vcenter/host", validate=False)
    assert r.status_code == 400
    assert r.json()["error_type"] == "UNABLE_TO_ALLOCATE_RESOURCE"
    w.close()


def test_tree_listings(api: Wire) -> None:
    inv = api.sim.simulator.inventory
    dcs = api.call("GET", "/api/vcenter/datacenter").json()
    assert {d["datacenter"] for d in dcs} == set(inv.datacenters)
    assert len(dcs) >= 2
    dc = dcs[0]["datacenter"]
    folders = api.call("GET", "/api/vcenter/folder", params={"datacenters": dc}).json()
    assert {f["type"] for f in folders} == {"VIRTUAL_MACHINE", "HOST", "DATASTORE", "NETWORK"}
    root = inv.datacenters[dc].vm_folder
    children = api.call("GET", "/api/vcenter/folder", params={"parent_folders": root, "type": "VIRTUAL_MACHINE"}).json()
    assert children
    assert all(inv.folders[c["folder"]].parent_id == root for c in children)
    clusters = api.call("GET", "/rest/vcenter/cluster", params={"filter.datacenters": dc}).json()["value"]
    assert clusters
    assert all(set(c) == {"cluster", "name", "ha_enabled", "drs_enabled"} for c in clusters)
    hosts = api.call("GET", "/api/vcenter/host").json()
    assert any(h["connection_state"] == "DISCONNECTED" for h in hosts)
    for h in hosts:
        assert ("power_state" in h) == (h["connection_state"] == "CONNECTED")
    standalone = api.call("GET", "/api/vcenter/host", params={"standalone": "true"}).json()
    assert standalone
    assert all(inv.hosts[h["host"]].cluster_id is None for h in standalone)
    cl_hosts = api.call("GET", "/api/vcenter/host", params={"clusters": clusters[0]["cluster"]}).json()
    assert cl_hosts
    assert all(inv.hosts[h["host"]].cluster_id == clusters[0]["cluster"] for h in cl_hosts)
    pools = api.call("GET", "/api/vcenter/resource-pool", params={"clusters": clusters[0]["cluster"]}).json()
    assert {p["name"] for p in pools} == {"Resources", "Prod", "Non-Prod"}
    root_pool = next(p["resource_pool"] for p in pools if p["name"] == "Resources")
    kids = api.call("GET", "/api/vcenter/resource-pool", params={"parent_resource_pools": root_pool}).json()
    assert {p["name"] for p in kids} == {"Prod", "Non-Prod"}
    names = api.call("GET", "/api/vcenter/datacenter", params={"names": dcs[1]["name"]}).json()
    assert names == [dcs[1]]
