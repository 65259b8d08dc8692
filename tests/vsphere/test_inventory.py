"""Inventory calls on both families: filters, tree listings, VM details, guest identity, power."""

from __future__ import annotations

import pytest

from tests.vsphere.conftest import trusted_client
from vmconsole_gui.vsphere import PowerAction, PowerState, VMFilter
from vmconsole_gui.vsphere import errors as E
from vmconsole_gui.vsphere.models import FolderType

PROFILES = ["8.0", "7.0u1"]


@pytest.mark.asyncio
@pytest.mark.parametrize("profile", PROFILES)
async def test_vm_filters(sim_factory, profile):
    sim = sim_factory(profile=profile)
    records = [sim.vm(v) for v in sim.vm_ids()]
    a, b = records[0], records[1]
    async with trusted_client(sim) as vc:
        sim.clear_request_log()
        by_name = await vc.list_vms(VMFilter.of(names=[a.name, b.name]))
        assert {v.vm for v in by_name} == {a.vm_id, b.vm_id}
        query = sim.request_log()[-1].path
        key = "filter.names=" if profile == "7.0u1" else "names="
        assert query.count(key) == 2
        on_host = await vc.list_vms(VMFilter.of(hosts=a.host_id, power_states=[PowerState.POWERED_ON]))
        expected = {r.vm_id for r in records if r.host_id == a.host_id and r.power_state == "POWERED_ON"}
        assert {v.vm for v in on_host} == expected
        assert await vc.list_vms(VMFilter.of(names=["no-such-vm"])) == []
        inaccessible = [r for r in records if r.inaccessible]
        listed = {v.vm: v for v in await vc.list_vms()}
        for r in inaccessible:
            assert listed[r.vm_id].cpu_count is None
            assert listed[r.vm_id].memory_size_mib is None
        accessible = next(r for r in records if not r.inaccessible)
        assert listed[accessible.vm_id].memory_size_mib == accessible.memory_mib


@pytest.mark.asyncio
@pytest.mark.parametrize("profile", PROFILES)
async def test_tree_listings(sim_factory, profile):
    sim = sim_factory(profile=profile)
    async with trusted_client(sim) as vc:
        dcs = await vc.list_datacenters()
        assert dcs
        clusters = await vc.list_clusters(datacenters=[dcs[0].datacenter])
        hosts = await vc.list_hosts()
        assert {h.host for h in hosts} >= {sim.vm(v).host_id for v in sim.vm_ids()}
        folders = await vc.list_folders(type=FolderType.VIRTUAL_MACHINE, datacenters=[dcs[0].datacenter])
        assert folders
        assert all(f.type is FolderType.VIRTUAL_MACHINE for f in folders)
        children = await vc.list_folders(parent_folders=[folders[0].folder])
        assert all(c.folder != folders[0].folder for c in children)
        pools = await vc.list_resource_pools()
        assert pools
        if clusters:
            in_cluster = await vc.list_hosts(clusters=[clusters[0].cluster])
            assert {h.host for h in in_cluster} <= {h.host for h in hosts}


@pytest.mark.asyncio
@pytest.mark.parametrize("profile", PROFILES)
async def test_vm_details_and_guest_identity(sim_factory, profile):
    sim = sim_factory(profile=profile)
    records = [sim.vm(v) for v in sim.vm_ids()]
    with_tools = next(r for r in records if r.has_tools and r.power_state == "POWERED_ON" and not r.inaccessible)
    without_tools = next(r for r in records if not r.has_tools)
    async with trusted_client(sim) as vc:
        info = await vc.get_vm(with_tools.vm_id)
        assert info.name == with_tools.name
        assert info.guest_os == with_tools.guest_os
        assert info.cpu_count == with_tools.cpu_count
        assert info.memory_size_mib == with_tools.memory_mib
        assert info.disks
        assert info.nics
        guest = await vc.get_guest_identity(with_tools.vm_id)
        assert guest is not None
        assert guest.full_name == with_tools.guest_full_name
        assert guest.ip_address == with_tools.ip_address
        assert await vc.get_guest_identity(without_tools.vm_id) is None
        with pytest.raises(E.NotFound) as info_err:
            await vc.get_vm("vm-999999")
        assert "does not exist" in info_err.value.user_message
        with pytest.raises(ValueError, match="not a valid VM id"):
            await vc.get_vm("../session")


@pytest.mark.asyncio
@pytest.mark.parametrize("profile", PROFILES)
async def test_power_operations(sim_factory, profile):
    sim = sim_factory(profile=profile)
    vm = next(v for v in sim.vm_ids() if sim.vm(v).power_state == "POWERED_OFF")
    async with trusted_client(sim) as vc:
        sim.clear_request_log()
        await vc.power(vm, PowerAction.START)
        assert (await vc.get_power(vm)).state is PowerState.POWERED_ON
        post = next(r for r in sim.request_log() if r.method == "POST" and r.endpoint == "vm.power")
        if profile == "7.0u1":
            assert (post.path, post.status) == (f"/rest/vcenter/vm/{vm}/power/start", 200)
        else:
            assert (post.path, post.status) == (f"/api/vcenter/vm/{vm}/power?action=start", 204)
        with pytest.raises(E.AlreadyInDesiredState):
            await vc.power(vm, PowerAction.START)
        await vc.power(vm, PowerAction.SUSPEND)
        assert (await vc.get_power(vm)).state is PowerState.SUSPENDED
        with pytest.raises(E.NotAllowedInCurrentState):
            await vc.power(vm, PowerAction.RESET)
        await vc.power(vm, PowerAction.START)
        await vc.power(vm, PowerAction.RESET)
        await vc.power(vm, PowerAction.STOP)
        assert (await vc.get_power(vm)).state is PowerState.POWERED_OFF
