"""The connection manager's PropertyCollector path against govmomi's vcsim: list, live updates, SOAP tickets."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.services.connections_rig import Rig, rig_fixture, service_sims_fixture, until  # noqa: F401 - fixtures
from tests.vsphere.vcsim import Vcsim, start_vcsim
from vmconsole_gui.services.connections import ConnectionStatus
from vmconsole_gui.services.connections.soap_path import INVENTORY_VIA_REST, INVENTORY_VIA_SOAP
from vmconsole_gui.vsphere.models import ConsoleType

pytestmark = pytest.mark.asyncio


@pytest.fixture
def vcsim_target() -> Iterator[Vcsim]:
    server = start_vcsim("-vm", "3", "-cluster", "2")
    try:
        yield server
    finally:
        server.stop()


def pyvmomi_content(server: Vcsim) -> Any:
    return server.pyvmomi().RetrieveContent()


def find_vm(content: Any, vm_id: str) -> Any:
    from pyVmomi import vim

    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
    return next(vm for vm in view.view if vm._moId == vm_id)


async def test_lists_through_the_property_collector_and_says_so(rig: Rig, vcsim_target: Vcsim) -> None:
    profile_id = await rig.connected(vcsim_target)
    state = rig.manager.state(profile_id)
    assert state.inventory_via == INVENTORY_VIA_SOAP
    records = rig.manager.records(profile_id)
    assert len(records) == 9
    assert all(r.host and r.datacenter == "DC0" and r.guest_os for r in records)
    assert {r.cluster for r in records} == {"", "DC0_C0", "DC0_C1"}
    assert all(r.tools_running is not None for r in records)  # complete without REST enrichment


async def test_power_change_reaches_the_records_within_a_second(rig: Rig, vcsim_target: Vcsim) -> None:
    profile_id = await rig.connected(vcsim_target)
    target = next(r for r in rig.manager.records(profile_id) if r.power_state == "POWERED_ON")
    content = await asyncio.to_thread(pyvmomi_content, vcsim_target)
    vm = await asyncio.to_thread(find_vm, content, target.vm_id)
    await asyncio.sleep(0.5)  # the update stream is waiting on the server
    t0 = time.monotonic()
    await asyncio.to_thread(vm.PowerOffVM_Task)
    await until(lambda: rig.events.view(profile_id)[target.vm_id].power_state == "POWERED_OFF", 5, "the power change")
    elapsed = time.monotonic() - t0
    assert elapsed < 1.0, f"{elapsed:.2f} s"
    assert rig.manager.records(profile_id) and len(rig.events.inventories) == 1  # no re-listing, no rebuild


async def test_a_rename_made_elsewhere_appears_without_a_refresh(rig: Rig, vcsim_target: Vcsim) -> None:
    profile_id = await rig.connected(vcsim_target)
    content = await asyncio.to_thread(pyvmomi_content, vcsim_target)

    def rename_one() -> str:
        from pyVim.task import WaitForTask

        vm = find_vm(content, rig.manager.records(profile_id)[0].vm_id)
        WaitForTask(vm.Rename_Task("renamed-by-someone-else"))
        return str(vm._moId)

    vm_id = await asyncio.to_thread(rename_one)
    await until(lambda: rig.events.view(profile_id)[vm_id].name == "renamed-by-someone-else", 5, "the rename")


async def test_console_ticket_falls_back_to_soap_and_remembers(rig: Rig, vcsim_target: Vcsim) -> None:
    profile_id = await rig.connected(vcsim_target)
    vm_id = rig.manager.records(profile_id)[0].vm_id
    ticket = await rig.manager.console_ticket(profile_id, vm_id, ConsoleType.VMRC)
    assert ticket.reveal_url().startswith("vmrc://clone:")
    assert ticket.reveal_url().endswith(f"/?moid={vm_id}")
    again = await rig.manager.console_ticket(profile_id, vm_id, ConsoleType.VMRC)
    assert again.reveal_url() != ticket.reveal_url()  # a fresh clone ticket each time


async def test_disconnect_stops_the_update_stream(rig: Rig, vcsim_target: Vcsim) -> None:
    profile_id = await rig.connected(vcsim_target)
    t0 = time.monotonic()
    await rig.manager.disconnect(profile_id)
    assert time.monotonic() - t0 < 5
    assert rig.manager.state(profile_id).status is ConnectionStatus.IDLE
    assert rig.manager.state(profile_id).inventory_via == ""


async def test_without_sdk_the_rest_listing_is_used(rig: Rig, service_sims: Any) -> None:
    sim = service_sims(profile="8.0")
    profile_id = await rig.connected(sim)
    assert rig.manager.state(profile_id).inventory_via == INVENTORY_VIA_REST
