"""Enrichment (guest, folders), batching, power, details, the cache at start-up, and user actions going first."""

from __future__ import annotations

import asyncio
import itertools
import os
import stat
import time

import pytest

from tests.services.connections_rig import (  # noqa: F401 - fixtures
    Recorder,
    Rig,
    enriched,
    folder_path,
    rig_fixture,
    service_sims_fixture,
    until,
)
from vmconsole_gui.services.connections import BATCH_INTERVAL_S, ConnectionStatus
from vmconsole_gui.services.guest_os_names import guest_os_label
from vmconsole_gui.vsphere import PowerAction

S = ConnectionStatus


def _check_against_truth(sim, records) -> None:
    assert records
    for record in records:
        truth = sim.vm(record.vm_id)
        assert record.tools_running is truth.tools_running, record
        if truth.tools_running:
            assert record.guest_os == truth.guest_full_name
            assert record.ip_address == (truth.ip_address or "")
            assert record.guest_host_name == truth.guest_host_name
        else:
            assert record.guest_os == guest_os_label(truth.guest_os)
            assert (record.ip_address, record.guest_host_name) == ("", "")
        assert record.folder == folder_path(sim, truth.folder_id), record
        assert (record.cpu_count, record.memory_mib) == (truth.cpu_count, truth.memory_mib)


@pytest.mark.asyncio
@pytest.mark.parametrize("recursive", [False, True], ids=["folders-flat", "folders-recursive"])
async def test_enrichment_matches_the_simulator(rig: Rig, service_sims, recursive: bool) -> None:
    sim = service_sims(folder_filter_recursive=recursive)
    pid = await rig.connected(sim)
    await until(lambda: enriched(rig.manager, pid), what="enrichment")
    await asyncio.sleep(BATCH_INTERVAL_S * 2)  # the last batch
    records = rig.manager.records(pid)
    _check_against_truth(sim, records)
    # What the UI saw through the events is the same.
    assert rig.events.view(pid) == {r.vm_id: r for r in records}
    # Folders at every depth, VMs without Tools, inaccessible VMs (no CPU in the listing) are all covered.
    assert {r.folder.count("/") for r in records if r.folder} == {0, 1}
    assert any(r.folder == "" for r in records)
    assert any(r.tools_running is False and r.power_state == "POWERED_ON" for r in records)
    assert any(sim.vm(r.vm_id).inaccessible for r in records)


@pytest.mark.asyncio
async def test_updates_are_batched(rig: Rig, service_sims) -> None:
    sim = service_sims()
    pid = await rig.connected(sim)
    started = time.monotonic()
    await until(lambda: enriched(rig.manager, pid), what="enrichment")
    await asyncio.sleep(BATCH_INTERVAL_S * 2)
    elapsed = time.monotonic() - started
    batches = rig.events.updates
    assert sum(len(b) for _, b in batches) >= len(sim.vm_ids())
    assert len(batches) <= elapsed / BATCH_INTERVAL_S + 2
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(batches)]
    assert all(gap >= BATCH_INTERVAL_S * 0.9 for gap in gaps[:-1]), gaps  # the final flush may come sooner


@pytest.mark.asyncio
async def test_power_on_updates_the_record_and_the_simulator(rig: Rig, service_sims) -> None:
    sim = service_sims()
    pid = await rig.connected(sim)
    vm_id = next(v for v in sim.vm_ids() if sim.vm(v).has_tools and sim.vm(v).ip_address)
    sim.set_power_state(vm_id, "POWERED_OFF")
    await rig.manager.refresh(pid)
    assert next(r for r in rig.manager.records(pid) if r.vm_id == vm_id).power_state == "POWERED_OFF"
    record = await rig.manager.power(pid, vm_id, PowerAction.START)
    assert record.power_state == "POWERED_ON"
    assert sim.vm(vm_id).power_state == "POWERED_ON"
    assert any(r.vm_id == vm_id and r.power_state == "POWERED_ON" for _, batch in rig.events.updates for r in batch)
    # The guest is asked again in the background once the VM runs.
    await until(
        lambda: next(r for r in rig.manager.records(pid) if r.vm_id == vm_id).ip_address == sim.vm(vm_id).ip_address,
        what="guest re-read",
    )
    # Starting a running VM is not an error; stopping one clears the guest data.
    assert (await rig.manager.power(pid, vm_id, PowerAction.START)).power_state == "POWERED_ON"
    stopped = await rig.manager.power(pid, vm_id, PowerAction.STOP)
    assert (stopped.power_state, stopped.tools_running, stopped.ip_address) == ("POWERED_OFF", False, "")
    assert sim.vm(vm_id).power_state == "POWERED_OFF"


@pytest.mark.asyncio
async def test_refused_power_action_raises_a_readable_error(rig: Rig, service_sims) -> None:
    from vmconsole_gui.vsphere.errors import NotAllowedInCurrentState

    sim = service_sims()
    pid = await rig.connected(sim)
    vm_id = sim.vm_ids()[5]
    sim.set_power_state(vm_id, "POWERED_OFF")
    with pytest.raises(NotAllowedInCurrentState) as info:
        await rig.manager.power(pid, vm_id, PowerAction.SUSPEND)
    assert sim.host in info.value.user_message
    assert rig.manager.state(pid).status is S.CONNECTED


@pytest.mark.asyncio
async def test_details_read_info_and_guest(rig: Rig, service_sims) -> None:
    sim = service_sims()
    pid = await rig.connected(sim)
    vm_id = next(v for v in sim.vm_ids() if sim.vm(v).tools_running)
    details = await rig.manager.details(pid, vm_id)
    truth = sim.vm(vm_id)
    assert details.info is not None
    assert details.info.cpu_count == truth.cpu_count
    assert details.guest is not None
    assert details.guest.host_name == truth.guest_host_name
    assert details.record.ip_address == (truth.ip_address or "")
    assert details.record.tools_running is True


@pytest.mark.asyncio
async def test_enrichment_pauses_while_a_user_action_runs(tmp_path, service_sims) -> None:
    sim = service_sims()
    sim.faults.latencies["vm.get"] = 0.03  # enrichment takes a while
    sim.faults.latencies["vm.power"] = 0.6  # and so does the user's power action
    rig = Rig(tmp_path, enrich_concurrency=2)
    try:
        pid = await rig.connected(sim)
        await asyncio.sleep(0.2)  # enrichment is under way
        assert not enriched(rig.manager, pid)
        vm_id = next(v for v in sim.vm_ids() if sim.vm(v).power_state == "POWERED_ON")
        sim.clear_request_log()
        await rig.manager.power(pid, vm_id, PowerAction.START)  # already on: a no-op, but slow
        log = sim.request_log()
        power_at = next(i for i, r in enumerate(log) if r.endpoint == "vm.power" and r.method == "POST")
        background = [r for r in log[:power_at] if r.endpoint in ("vm.get", "vm.guest_identity")]
        # Only what was already in flight (two workers, one request each) finished meanwhile; unpaused
        # enrichment would have done about 0.6 / 0.03 * 2 = 40 requests.
        assert len(background) <= 4, background
        assert not enriched(rig.manager, pid)
    finally:
        await rig.aclose()


@pytest.mark.asyncio
async def test_start_publishes_the_cache_at_once_then_refreshes(rig: Rig, service_sims) -> None:
    sim = service_sims()
    pid = await rig.connected(sim)
    await until(lambda: enriched(rig.manager, pid), what="enrichment")
    await rig.manager.aclose()  # saves nothing more; the cache was written after enrichment
    path = rig.cache.path_for(pid)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert sim.password.encode() not in path.read_bytes()
    expected = {r.vm_id: r for r in rig.manager.records(pid)}

    events = Recorder()
    manager = rig.new_manager(events=events)
    await manager.start()
    (_, first_pid, first, first_stale), *later = events.inventories
    assert (first_pid, first_stale) == (pid, True)
    assert {r.vm_id: r for r in first} == expected  # enriched fields included
    assert events.states[0][1].status is S.CONNECTING  # the cache came before any connection attempt
    assert [stale for *_, stale in later] == [False]
    assert manager.state(pid).status is S.CONNECTED
    # The live listing keeps the enriched fields of the cache (no flicker).
    assert {r.vm_id: r.ip_address for r in later[0][2]} == {k: r.ip_address for k, r in expected.items()}
