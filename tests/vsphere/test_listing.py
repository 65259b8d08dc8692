"""Complete listings through partitioning (10k VMs, small caps, both folder-recursion settings, both families)."""

from __future__ import annotations

import asyncio

import pytest

from tests.vsphere.conftest import trusted_client
from vmconsole_gui.vsphere import PowerState, VMFilter
from vmconsole_gui.vsphere.errors import InventoryTooLarge, UnableToAllocateResource


def _caps(vm: int) -> dict[str, int]:
    return {"vm": vm, "host": 2500, "datacenter": 1000, "folder": 1000, "cluster": 1000, "resource_pool": 1000}


@pytest.mark.asyncio
@pytest.mark.parametrize("recursive", [False, True])
async def test_ten_thousand_vms_list_completely(sim_factory, recursive):
    sim = sim_factory(vms=10_000, folder_filter_recursive=recursive)
    async with trusted_client(sim) as vc:
        with pytest.raises(UnableToAllocateResource):
            await vc.list_vms()
        vms = await vc.list_all_vms()
    ids = [v.vm for v in vms]
    assert len(ids) == len(set(ids))
    assert set(ids) == set(sim.vm_ids())
    sample = vms[:50]
    for vm in sample:
        record = sim.vm(vm.vm)
        assert vm.name == record.name
        assert vm.power_state.value == record.power_state
        assert vm.datacenter is not None
        assert vm.datacenter.id == record.datacenter_id


@pytest.mark.asyncio
async def test_inventory_snapshot_places_every_vm(sim_factory):
    sim = sim_factory(vms=10_000, folder_filter_recursive=False)
    async with trusted_client(sim) as vc:
        inv = await vc.inventory()
    assert {v.vm for v in inv.vms} == set(sim.vm_ids())
    assert len(inv.vms) == len(sim.vm_ids())
    hosts = {h.host: h for h in inv.hosts}
    for vm in inv.vms:
        record = sim.vm(vm.vm)
        assert vm.host is not None
        assert vm.host.id == record.host_id
        assert vm.host.name == hosts[record.host_id].name
        assert (vm.cluster.id if vm.cluster else None) == record.cluster_id
        assert vm.datacenter is not None
        assert vm.datacenter.id == record.datacenter_id
        assert inv.host_datacenter[record.host_id] == record.datacenter_id
    assert any(v.cluster is None for v in inv.vms)  # standalone hosts exist and were covered


@pytest.mark.asyncio
async def test_user_filter_survives_partitioning(sim_factory):
    sim = sim_factory(vms=10_000, folder_filter_recursive=False)
    async with trusted_client(sim) as vc:
        vms = await vc.list_all_vms(VMFilter.of(power_states=[PowerState.SUSPENDED, PowerState.POWERED_OFF]))
    expected = {v for v in sim.vm_ids() if sim.vm(v).power_state != "POWERED_ON"}
    assert {v.vm for v in vms} == expected
    assert len(vms) == len(expected)


@pytest.mark.asyncio
@pytest.mark.parametrize("profile", ["8.0", "7.0u1"])
async def test_partitioning_down_to_folders_non_recursive(sim_factory, profile):
    sim = sim_factory(vms=300, list_caps=_caps(8), folder_filter_recursive=False, profile=profile)
    async with trusted_client(sim) as vc:
        sim.clear_request_log()
        vms = await vc.list_all_vms()
    ids = [v.vm for v in vms]
    assert len(ids) == len(set(ids)) == len(sim.vm_ids())
    assert set(ids) == set(sim.vm_ids())
    assert any("folders=" in r.path for r in sim.request_log() if r.endpoint == "vm.list")


@pytest.mark.asyncio
async def test_partitioning_with_recursive_folders_is_complete(sim_factory):
    sim = sim_factory(vms=300, list_caps=_caps(56), folder_filter_recursive=True)
    async with trusted_client(sim) as vc:
        vms = await vc.list_all_vms()
    ids = [v.vm for v in vms]
    assert len(ids) == len(set(ids))
    assert set(ids) == set(sim.vm_ids())


@pytest.mark.asyncio
@pytest.mark.parametrize("recursive", [False, True])
async def test_never_silently_incomplete(sim_factory, recursive):
    """With a tiny cap the listing is either complete or fails loudly — never a partial list."""
    sim = sim_factory(vms=300, list_caps=_caps(3), folder_filter_recursive=recursive)
    async with trusted_client(sim) as vc:
        error: InventoryTooLarge | None = None
        vms = []
        try:
            vms = await vc.list_all_vms()
        except InventoryTooLarge as err:
            error = err
    if error is not None:
        assert sim.host in error.user_message
        assert "Narrow the filter" in error.user_message
    else:
        assert sorted(v.vm for v in vms) == sorted(sim.vm_ids())


@pytest.mark.asyncio
async def test_concurrency_is_bounded(sim_factory):
    sim = sim_factory(vms=300, list_caps=_caps(8), folder_filter_recursive=False)
    async with trusted_client(sim, max_concurrency=3) as vc:
        in_flight = peak = 0
        original = vc._transport.request

        async def counting(*args, **kwargs):
            nonlocal in_flight, peak
            in_flight += 1
            peak = max(peak, in_flight)
            try:
                await asyncio.sleep(0.002)
                return await original(*args, **kwargs)
            finally:
                in_flight -= 1

        vc._transport.request = counting
        vms = await vc.list_all_vms()
    assert len(vms) == len(sim.vm_ids())
    assert 2 <= peak <= 3
