"""ConnectionManager against the simulator over loopback TLS: passwords, trust, failures, concurrency."""

from __future__ import annotations

import asyncio
import functools
import time

import pytest

from tests.services.connections_rig import (  # noqa: F401 - fixtures
    Rig,
    closed_port,
    own_simulator,
    rig_fixture,
    service_sims_fixture,
    until,
)
from vmconsole_gui.services.connections import ConnectionStatus, NotConnected
from vmconsole_gui.services.settings import PinScope, PinStore, keyring_username
from vmconsole_gui.vsphere import PowerAction, VSphereClient

S = ConnectionStatus


def _session_posts(sim) -> int:
    return sum(1 for r in sim.request_log() if r.method == "POST" and r.endpoint == "session")


@pytest.mark.asyncio
async def test_connect_with_password_lists_every_vm_with_its_placement(rig: Rig, service_sims) -> None:
    sim = service_sims()
    pid = rig.add(sim)
    rig.pin(sim)
    state = await rig.manager.connect(pid, password=sim.password)
    assert state.status is S.CONNECTED
    assert state.vm_count == len(sim.vm_ids())
    assert state.message == ""
    assert rig.events.statuses(pid)[:2] == [S.CONNECTING, S.CONNECTED]
    [(_, profile_id, records, stale)] = rig.events.inventories
    assert (profile_id, stale) == (pid, False)
    assert sorted(r.vm_id for r in records) == sorted(sim.vm_ids())
    inv = sim.simulator.inventory
    for record in records:
        truth = sim.vm(record.vm_id)
        assert record.name == truth.name
        assert record.vcenter == "Lab"
        assert record.power_state == truth.power_state
        assert record.host == inv.hosts[truth.host_id].name
        assert record.cluster == (inv.clusters[truth.cluster_id].name if truth.cluster_id else "")
        assert record.datacenter == inv.datacenters[truth.datacenter_id].name
    assert any(r.cluster for r in records)
    assert any(not r.cluster for r in records)
    # Saved only after the server accepted it.
    key = ("vmconsole-gui", keyring_username(rig.profiles.get(pid)))
    assert rig.keyring.items == {key: sim.password}
    assert rig.manager.client(pid) is not None


@pytest.mark.asyncio
async def test_no_saved_password_needs_one_and_sends_nothing(rig: Rig, service_sims) -> None:
    sim = service_sims()
    pid = rig.add(sim)
    rig.pin(sim)
    sim.clear_request_log()
    state = await rig.manager.connect(pid)
    assert state.status is S.NEEDS_PASSWORD
    assert "No password is saved" in state.message
    assert sim.username in state.message
    assert sim.request_log() == []
    assert rig.manager.client(pid) is None


@pytest.mark.asyncio
async def test_wrong_password_needs_password_and_is_not_saved(rig: Rig, service_sims) -> None:
    sim = service_sims()
    pid = rig.add(sim)
    rig.pin(sim)
    state = await rig.manager.connect(pid, password="not-" + sim.password)
    assert state.status is S.NEEDS_PASSWORD
    assert "user name or password was rejected" in state.message
    assert "not-" not in state.message
    assert rig.keyring.items == {}
    assert rig.events.inventories == []


@pytest.mark.asyncio
async def test_a_rejected_saved_password_is_kept_but_not_retried_until_one_is_typed(rig: Rig, service_sims) -> None:
    sim = service_sims()
    pid = rig.add(sim)
    rig.pin(sim)
    await rig.save_password(pid, "stale-password")
    state = await rig.manager.connect(pid)
    assert state.status is S.NEEDS_PASSWORD
    assert "rejected" in state.message
    sim.clear_request_log()
    state = await rig.manager.connect(pid)  # e.g. connect_all again: no second failed login (account lockouts)
    assert state.status is S.NEEDS_PASSWORD
    assert "saved password" in state.message
    assert _session_posts(sim) == 0
    assert list(rig.keyring.items.values()) == ["stale-password"]
    state = await rig.manager.connect(pid, password=sim.password)
    assert state.status is S.CONNECTED
    assert list(rig.keyring.items.values()) == [sim.password]


@pytest.mark.asyncio
async def test_remember_false_keeps_the_password_in_memory_only(rig: Rig, service_sims) -> None:
    sim = service_sims()
    pid = rig.add(sim)
    rig.pin(sim)
    assert (await rig.manager.connect(pid, password=sim.password, remember=False)).status is S.CONNECTED
    assert rig.keyring.items == {}
    await rig.manager.disconnect(pid)
    assert (await rig.manager.connect(pid)).status is S.CONNECTED  # this session still knows it


@pytest.mark.asyncio
async def test_untrusted_certificate_then_accept_once_then_always(rig: Rig, service_sims) -> None:
    sim = service_sims()
    pid = rig.add(sim)
    state = await rig.manager.connect(pid, password=sim.password)
    assert state.status is S.NEEDS_TRUST
    assert not state.pin_changed
    assert state.certificate is not None
    assert state.certificate.sha256 == sim.sha256
    assert state.certificate.sha1 == sim.sha1
    assert f"{sim.host}:{sim.port}" in state.message
    assert rig.keyring.items == {}  # not saved: the login never happened
    # ONCE: connects with the password typed before the dialog, and persists nothing.
    state = await rig.manager.accept_certificate(pid, PinScope.ONCE)
    assert state.status is S.CONNECTED
    assert not rig.pins.path.exists()
    assert rig.pins.get(sim.host, sim.port) is not None
    assert len(rig.keyring.items) == 1
    # A fresh app (new pin store) asks again; ALWAYS saves the pin.
    pins = PinStore(rig.pins.path)
    rig.pins = pins
    manager = rig.new_manager()
    state = await manager.connect(pid)
    assert state.status is S.NEEDS_TRUST
    state = await manager.accept_certificate(pid, PinScope.ALWAYS)
    assert state.status is S.CONNECTED
    reloaded = PinStore(rig.pins.path)
    reloaded.load()
    pin = reloaded.get(sim.host, sim.port)
    assert pin is not None
    assert pin.sha256 == sim.sha256
    with pytest.raises(ValueError, match="no certificate waiting"):
        await manager.accept_certificate(pid, PinScope.ALWAYS)


@pytest.mark.asyncio
@pytest.mark.allow_log_warnings  # the client logs the pin mismatch as a warning
async def test_a_changed_pinned_certificate_is_a_loud_needs_trust(rig: Rig) -> None:
    sim = own_simulator(seed=77)
    try:
        pid = await rig.connected(sim)
        await rig.manager.disconnect(pid)
        old = sim.sha256
        sim.regenerate_certificate()
        sim.clear_request_log()
        state = await rig.manager.connect(pid)
        assert state.status is S.NEEDS_TRUST
        assert state.pin_changed
        assert state.certificate is not None
        assert state.certificate.sha256 == sim.sha256 != old
        assert "CHANGED" in state.message
        assert "intercepting" in state.message
        assert sim.request_log() == []  # nothing, not even the password, was sent
        assert rig.pins.get(sim.host, sim.port).sha256 == old  # the old pin stays until the user decides
    finally:
        sim.stop()


@pytest.mark.asyncio
async def test_closed_port_is_an_error_at_once(rig: Rig, service_sims) -> None:
    sim = service_sims()
    port = closed_port()
    pid = rig.add(sim, port=port)
    await rig.save_password(pid, "whatever")
    started = time.monotonic()
    state = await rig.manager.connect(pid)
    assert time.monotonic() - started < 3
    assert state.status is S.ERROR
    assert str(port) in state.message
    assert "whatever" not in state.message
    assert rig.manager.client(pid) is None


@pytest.mark.asyncio
async def test_profiles_connect_concurrently_and_a_hanging_one_does_not_block(tmp_path, service_sims) -> None:
    silent: list[asyncio.StreamWriter] = []

    async def accept_and_say_nothing(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        silent.append(writer)

    server = await asyncio.start_server(accept_and_say_nothing, "127.0.0.1", 0)
    hang_port = server.sockets[0].getsockname()[1]
    factory = functools.partial(VSphereClient, connect_timeout_s=1.5, read_timeout_s=1.5)
    rig = Rig(tmp_path, client_factory=factory)
    try:
        sim = service_sims()
        good = rig.add(sim, "Good")
        rig.pin(sim)
        await rig.save_password(good, sim.password)
        bad = rig.add(sim, "Hangs", port=hang_port)
        await rig.save_password(bad, "x")
        started = time.monotonic()
        await rig.manager.connect_all()
        assert rig.manager.state(good).status is S.CONNECTED
        assert rig.manager.state(bad).status is S.ERROR
        assert "1.5 s" in rig.manager.state(bad).message
        good_at = rig.events.first_time(good, S.CONNECTED) - started
        bad_at = rig.events.first_time(bad, S.ERROR) - started
        assert bad_at >= 1.4
        assert good_at < 1.4 < bad_at
    finally:
        await rig.aclose()
        for writer in silent:
            writer.close()
        server.close()
        await server.wait_closed()


@pytest.mark.asyncio
async def test_session_expiry_mid_use_is_invisible(rig: Rig, service_sims) -> None:
    sim = service_sims()
    pid = await rig.connected(sim)
    vm_id = sim.vm_ids()[3]
    sim.expire_all_sessions()
    sim.clear_request_log()
    details = await rig.manager.details(pid, vm_id)
    assert details.info is not None
    assert details.info.name == sim.vm(vm_id).name
    assert _session_posts(sim) == 1  # one transparent re-login
    assert rig.manager.state(pid).status is S.CONNECTED


@pytest.mark.asyncio
async def test_keepalive_touches_the_session(tmp_path, service_sims) -> None:
    rig = Rig(tmp_path, keepalive_s=0.2)
    try:
        sim = service_sims()
        pid = await rig.connected(sim)
        sim.clear_request_log()
        await until(
            lambda: sum(1 for r in sim.request_log() if r.method == "GET" and r.path == "/api/session") >= 2,
            what="two keep-alives",
        )
        assert rig.manager.state(pid).status is S.CONNECTED
    finally:
        await rig.aclose()


@pytest.mark.asyncio
async def test_lost_server_on_refresh_is_an_error_and_the_inventory_stays_stale(rig: Rig) -> None:
    sim = own_simulator(seed=78)
    try:
        pid = await rig.connected(sim)
        count = len(sim.vm_ids())
    finally:
        sim.stop()
    await rig.manager.refresh(pid)
    state = rig.manager.state(pid)
    assert state.status is S.ERROR
    assert state.message
    assert state.vm_count == count
    _, _, records, stale = rig.events.inventories[-1]
    assert stale
    assert len(records) == count
    assert len(rig.manager.records(pid)) == count
    with pytest.raises(NotConnected, match="not connected") as info:
        await rig.manager.power(pid, records[0].vm_id, PowerAction.START)
    assert "Lab" in info.value.user_message


@pytest.mark.asyncio
async def test_the_latest_refresh_wins(rig: Rig, service_sims) -> None:
    sim = service_sims()
    pid = await rig.connected(sim)
    before = len(rig.events.inventories)
    sim.faults.latencies["vm.list"] = 0.3
    first = asyncio.ensure_future(rig.manager.refresh(pid))
    await asyncio.sleep(0.1)
    await rig.manager.refresh(pid)
    await first  # superseded: returns quietly
    fresh = [i for i in rig.events.inventories[before:] if not i[3]]
    assert len(fresh) == 1
    assert rig.manager.state(pid).status is S.CONNECTED
    assert not rig.manager.state(pid).refreshing


@pytest.mark.asyncio
async def test_disconnect_and_remove(rig: Rig, service_sims) -> None:
    sim = service_sims()
    pid = await rig.connected(sim)
    await rig.manager.disconnect(pid)
    assert rig.manager.state(pid).status is S.IDLE
    assert rig.events.inventories[-1][3] is True  # kept, marked stale
    assert rig.cache.path_for(pid).exists()
    rig.profiles.remove(pid)
    await rig.manager.profile_changed(pid)
    assert rig.events.removed == [pid]
    assert rig.manager.records(pid) == []
    assert not rig.cache.path_for(pid).exists()


@pytest.mark.asyncio
async def test_edited_host_starts_over(rig: Rig, service_sims) -> None:
    import dataclasses

    sim = service_sims()
    pid = await rig.connected(sim)
    profile = rig.profiles.get(pid)
    rig.profiles.update(dataclasses.replace(profile, name="Renamed"))
    await rig.manager.profile_changed(pid)
    assert {r.vcenter for r in rig.manager.records(pid)} == {"Renamed"}
    rig.profiles.update(dataclasses.replace(profile, name="Renamed", port=closed_port()))
    await rig.manager.profile_changed(pid)
    assert rig.manager.records(pid) == []
    assert rig.manager.state(pid).status is S.NEEDS_PASSWORD  # the keyring entry is bound to host:port


@pytest.mark.asyncio
@pytest.mark.allow_log_warnings  # the credential store warns once that no keyring is usable
async def test_without_a_keyring_the_password_is_asked_once_and_kept_in_memory(rig: Rig, service_sims) -> None:
    import keyring.backends.fail

    from vmconsole_gui.services.settings import CredentialStore

    sim = service_sims()
    rig.credentials = CredentialStore(backend=keyring.backends.fail.Keyring())
    manager = rig.new_manager()
    pid = rig.add(sim)
    rig.pin(sim)
    assert (await manager.connect(pid)).status is S.NEEDS_PASSWORD
    assert (await manager.connect(pid, password=sim.password)).status is S.CONNECTED
    assert not rig.credentials.keyring_available
    assert "memory only" in (rig.credentials.take_notice() or "")
    await manager.disconnect(pid)
    assert (await manager.connect(pid)).status is S.CONNECTED  # no second prompt in this session
