"""Console sessions: fresh tickets on reconnect, refused replays, wrong relay tokens, pins, power, closing tabs."""

from __future__ import annotations

import pytest
from websockets.asyncio.client import connect

from tests.ui.console.conftest import powered_on_vms, wrong_esxi_der
from vmconsole_gui.services.relay import CloseReason
from vmconsole_gui.ui.console import ConsoleState, ConsoleTrustRefused


def _esxi(rig):
    return rig.sim.simulator._esxi  # the simulated ESXi endpoint: its refusals and session counter


@pytest.mark.allow_log_warnings  # the relay warns about the refused replay
def test_reconnect_uses_a_fresh_ticket_and_an_old_ticket_is_refused(rig):
    vm = powered_on_vms(rig.sim)[0]
    tab = rig.open(rig.target(vm))
    tickets = rig.probes[vm].tickets
    assert len(tickets) == 1
    rig.run(tab.reconnect())
    assert tab.state is ConsoleState.CONNECTED
    assert len(tickets) == 2 and tickets[0] != tickets[1]

    rig.window.act_reconnect.trigger()
    rig.qtbot.waitUntil(lambda: len(tickets) == 3 and tab.state is ConsoleState.CONNECTED, timeout=10000)
    assert len(set(tickets)) == 3

    # Replaying a used ticket through a fresh relay registration: ESXi refuses it.
    refused_before = len(_esxi(rig).rejections())
    endpoint = rig.relay.register(tickets[0], pinned_cert_der=rig.run(rig.trust_esxi(rig.sim.host, rig.sim.esxi_port)))

    async def replay():
        async with connect(endpoint.url, subprotocols=["binary"]) as ws:
            with pytest.raises(Exception):  # noqa: B017, PT011 - the relay closes with 4001
                await ws.recv()
        return await endpoint.wait_closed()

    end = rig.run(replay())
    assert end.reason is CloseReason.UPSTREAM_REFUSED and end.close_code == 4001
    assert [r.reason for r in _esxi(rig).rejections()[refused_before:]] == ["used"]


class _WrongTokenEndpoint:
    """A real endpoint whose URL the page gets with a token the relay never issued."""

    def __init__(self, endpoint):
        self._endpoint = endpoint
        base, _, token = endpoint.url.rpartition("/")
        self.url = f"{base}/{token[::-1]}x"

    def __getattr__(self, name):
        return getattr(self._endpoint, name)


@pytest.mark.allow_log_warnings  # the relay warns about the unknown token
def test_page_with_a_wrong_relay_token_ends_in_an_error_state(rig, monkeypatch):
    register = rig.relay.register
    issued = []

    def register_wrong(*args, **kwargs):
        issued.append(register(*args, **kwargs))
        return _WrongTokenEndpoint(issued[-1])

    monkeypatch.setattr(rig.relay, "register", register_wrong)
    vm = powered_on_vms(rig.sim)[1]
    tab = rig.open(rig.target(vm), ConsoleState.FAILED)
    assert "could not connect to the app's console relay" in tab.reason
    assert tab.overlay.reconnect_button.isVisible()
    assert issued[0].ended is not None and issued[0].ended.reason is CloseReason.RELAY_STOPPED  # revoked, unused
    assert rig.sim.consoles.console(vm).session_count == 0


@pytest.mark.allow_log_warnings  # the relay warns about the pin mismatch
def test_wrong_pin_fails_loudly_and_the_ticket_never_reaches_esxi(rig):
    vm = powered_on_vms(rig.sim)[2]
    esxi = _esxi(rig)
    opened, refused = esxi.sessions_opened, len(esxi.rejections())
    impostor = wrong_esxi_der()

    async def trust_wrong(host, port):
        return impostor

    tab = rig.open(rig.target(vm, trust=trust_wrong), ConsoleState.FAILED)
    assert "does NOT match" in tab.reason and "not sent" in tab.reason
    assert tab.overlay.headline.text().startswith("Certificate mismatch")
    assert esxi.sessions_opened == opened and len(esxi.rejections()) == refused  # no upgrade request arrived
    assert len(rig.probes[vm].tickets) == 1
    ticket_id = rig.probes[vm].tickets[0].rsplit("/", 1)[1]
    assert rig.sim.tickets.redeem(ticket_id) == vm  # still unused: ESXi never saw it


def test_declined_certificate_is_a_failed_state_with_reason(rig):
    async def decline(host, port):
        raise ConsoleTrustRefused

    vm = powered_on_vms(rig.sim)[3]
    tab = rig.open(rig.target(vm, trust=decline), ConsoleState.FAILED)
    assert "did not accept the certificate" in tab.reason


def test_power_off_while_connected_then_power_on_reconnects(rig):
    vm = powered_on_vms(rig.sim)[4]
    states = []
    rig.window.state_changed.connect(lambda profile, vm_id, state: states.append((profile, vm_id, state)))
    tab = rig.open(rig.target(vm))
    rig.sim.set_power_state(vm, "POWERED_OFF")
    rig.wait_state(tab, ConsoleState.POWERED_OFF)
    assert "not powered on" in tab.reason
    assert tab.overlay.power_button.isVisible()
    assert ("sim", vm, "powered_off") in states

    tab.overlay.power_button.click()
    rig.wait_state(tab, ConsoleState.CONNECTED)
    assert rig.probes[vm].power_ons == 1
    assert rig.sim.vm(vm).power_state == "POWERED_ON"
    assert states[-1] == ("sim", vm, "connected")


def test_opening_a_powered_off_vm_offers_power_on_only_when_possible(rig):
    vm = next(v for v in rig.sim.vm_ids() if rig.sim.vm(v).power_state == "POWERED_OFF")
    tab = rig.open(rig.target(vm, with_power_on=False), ConsoleState.POWERED_OFF)
    assert not tab.overlay.power_button.isVisible() and tab.overlay.reconnect_button.isVisible()
    assert rig.sim.vm(vm).power_state == "POWERED_OFF"


def test_closing_a_tab_ends_the_relay_session_and_releases_the_page(rig):
    vm = powered_on_vms(rig.sim)[5]
    closed = []
    rig.window.console_closed.connect(lambda profile, vm_id: closed.append((profile, vm_id)))
    tab = rig.open(rig.target(vm))
    endpoint = tab._attempt.endpoint
    profile_gone = []
    tab.profile.destroyed.connect(lambda: profile_gone.append(True))
    rig.window.close_tab(tab)
    assert closed == [("sim", vm)]
    end = rig.run(endpoint.wait_closed())
    assert end.reason is CloseReason.PAGE_CLOSED
    rig.qtbot.waitUntil(lambda: profile_gone == [True], timeout=5000)
    rig.qtbot.waitUntil(lambda: rig.sim.consoles.console(vm).session_count == 0, timeout=5000)
    assert not rig.window.isVisible()  # the last tab closed the window


def test_detached_tab_keeps_its_session_and_reports_through_the_root(rig):
    vm = powered_on_vms(rig.sim)[6]
    closed = []
    rig.window.console_closed.connect(lambda profile, vm_id: closed.append(vm_id))
    tab = rig.open(rig.target(vm))
    other = rig.open(rig.target(powered_on_vms(rig.sim)[7]))
    detached = rig.window.detach_tab(tab)
    assert detached.tabs() == [tab] and rig.window.tabs() == [other]
    assert set(rig.window.all_tabs()) == {tab, other}
    assert rig.window.open_console(rig.target(vm)) is tab
    assert tab.state is ConsoleState.CONNECTED
    assert rig.sim.vm(vm).name in detached.windowTitle()
    detached.act_cad.trigger()
    rig.qtbot.waitUntil(lambda: rig.sim.consoles.console(vm).ctrl_alt_del_count >= 1, timeout=5000)
    detached.close()
    assert closed == [vm]
    rig.qtbot.waitUntil(lambda: rig.sim.consoles.console(vm).session_count == 0, timeout=5000)
    assert other.state is ConsoleState.CONNECTED
