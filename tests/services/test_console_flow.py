"""ConsoleFlow against the simulator and real console-client subprocesses (fake ``vmrc`` programs on a temp PATH)."""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

import pytest

from tests.fake_clients import FakeClientDir
from tests.services.connections_rig import (  # noqa: F401 - fixtures
    Rig,
    rig_fixture,
    service_sims_fixture,
)
from vmconsole_gui.services.console_flow import ConsoleAction, ConsoleFlow, ConsoleFlowError
from vmconsole_gui.services.launchers import NO_CONSOLE_CLIENT_HELP, HostProbes
from vmconsole_gui.vsphere import ConsoleType

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX fake programs")
A = ConsoleAction
HOST_HAS_VMRC = Path("/usr/bin/vmrc").exists()  # detection always looks there
FAKE = """#!/bin/sh
printf '%s\\0' "$@" > "$FAKE_RECORD.tmp"
PATH=/usr/bin:/bin mv "$FAKE_RECORD.tmp" "$FAKE_RECORD"
exit "${FAKE_STATUS:-0}"
"""


class Machine(FakeClientDir):
    """A temp PATH with (optionally) a fake vmrc that records its argv; probes see only this environment."""

    def __init__(self, root: Path) -> None:
        super().__init__(root, system_path=False)

    def install_vmrc(self, status: int = 0) -> Path:
        self.env["FAKE_STATUS"] = str(status)
        return self.install("vmrc", FAKE)

    def probes(self) -> HostProbes:
        return HostProbes(self.env)

    def argv(self, timeout: float = 5.0) -> list[str]:
        return [a.decode() for a in self.recorded_argv(timeout)]


@pytest.fixture
def machine(tmp_path: Path) -> Machine:
    return Machine(tmp_path / "machine")


def _flow(rig: Rig, machine: Machine, override: str | None = None) -> ConsoleFlow:
    return ConsoleFlow(rig.manager, client_override=lambda: override, probes=machine.probes(), grace_period=3.0)


def _tickets(sim) -> list[str]:
    return [r.path for r in sim.request_log() if r.endpoint == "vm.console_tickets"]


@pytest.mark.asyncio
async def test_vmrc_gets_exactly_one_argument_the_fresh_ticket_url(
    rig: Rig, service_sims, machine: Machine, caplog: pytest.LogCaptureFixture
) -> None:
    sim = service_sims()
    pid = await rig.connected(sim)
    machine.install_vmrc()
    vm_id = sim.vm_ids()[7]
    sim.set_power_state(vm_id, "POWERED_OFF")  # VMRC works in any power state
    issued = sim.tickets.vmrc_issued
    caplog.set_level(logging.DEBUG)
    outcome = await _flow(rig, machine).open_vmrc(pid, vm_id)
    assert outcome.ok
    [url] = machine.argv()
    tp = "-".join(sim.sha1[i : i + 2] for i in range(0, 40, 2)).upper()
    pattern = rf"vmrc://clone:cst-VCT-[0-9a-f-]{{36}}--tp-{tp}@{re.escape(sim.host)}:{sim.port}/\?moid={vm_id}"
    assert re.fullmatch(pattern, url, re.IGNORECASE), url
    assert sim.tickets.vmrc_issued == issued + 1
    secret = url.split("clone:")[1].split("@")[0]
    assert secret not in caplog.text
    assert all(secret not in a for a in outcome.argv)


@pytest.mark.asyncio
@pytest.mark.skipif(HOST_HAS_VMRC, reason="this machine has a real /usr/bin/vmrc")
async def test_no_client_installed_offers_the_link_and_fetches_no_ticket(rig: Rig, service_sims, machine) -> None:
    sim = service_sims()
    pid = await rig.connected(sim)
    sim.clear_request_log()
    with pytest.raises(ConsoleFlowError) as info:
        await _flow(rig, machine).open_vmrc(pid, sim.vm_ids()[0])
    problem = info.value.problem
    assert problem.message == NO_CONSOLE_CLIENT_HELP
    assert problem.actions == (A.COPY_LINK, A.USE_EMBEDDED, A.SHOW_SETTINGS)
    assert _tickets(sim) == []  # detection comes first: no ticket was wasted


@pytest.mark.asyncio
async def test_a_client_that_fails_offers_retry_and_the_link(rig: Rig, service_sims, machine) -> None:
    sim = service_sims()
    pid = await rig.connected(sim)
    machine.install_vmrc(status=3)
    with pytest.raises(ConsoleFlowError) as info:
        await _flow(rig, machine).open_vmrc(pid, sim.vm_ids()[0])
    problem = info.value.problem
    assert "exited at once with status 3" in problem.message
    assert problem.actions == (A.RETRY, A.COPY_LINK, A.SHOW_SETTINGS)
    assert "clone:" not in problem.message


@pytest.mark.asyncio
async def test_a_broken_override_points_to_the_settings(rig: Rig, service_sims, machine, tmp_path) -> None:
    sim = service_sims()
    pid = await rig.connected(sim)
    sim.clear_request_log()
    with pytest.raises(ConsoleFlowError) as info:
        await _flow(rig, machine, override=str(tmp_path / "missing" / "vmrc")).open_vmrc(pid, sim.vm_ids()[0])
    assert "does not exist" in info.value.problem.message
    assert info.value.problem.actions[0] is A.SHOW_SETTINGS
    assert _tickets(sim) == []


@pytest.mark.asyncio
@pytest.mark.parametrize(("state", "phrase"), [("POWERED_OFF", "powered off"), ("SUSPENDED", "suspended")])
async def test_webmks_on_a_stopped_vm_offers_power_on_or_vmrc(rig: Rig, service_sims, machine, state, phrase) -> None:
    sim = service_sims()
    vm_id = sim.vm_ids()[11]
    sim.set_power_state(vm_id, state)
    pid = await rig.connected(sim)
    with pytest.raises(ConsoleFlowError) as info:
        await _flow(rig, machine).webmks_ticket(pid, vm_id)
    problem = info.value.problem
    assert problem.actions == (A.POWER_ON, A.USE_VMRC)
    assert f"{sim.vm(vm_id).name} is {phrase}" in problem.message
    assert "VMRC, which works in any power state" in problem.message


@pytest.mark.asyncio
async def test_webmks_ticket_and_console_link(rig: Rig, service_sims, machine) -> None:
    sim = service_sims()
    vm_id = sim.vm_ids()[12]
    sim.set_power_state(vm_id, "POWERED_ON")
    pid = await rig.connected(sim)
    flow = _flow(rig, machine)
    ticket = await flow.webmks_ticket(pid, vm_id)
    assert ticket.type is ConsoleType.WEBMKS
    assert ticket.reveal_url().startswith(f"wss://{sim.host}:{sim.esxi_port}/ticket/")
    assert ticket.reveal_url() not in repr(ticket)
    link = await flow.console_link(pid, vm_id)
    assert link.startswith("vmrc://clone:")
    assert link.endswith(f"?moid={vm_id}")
    assert link != await flow.console_link(pid, vm_id)  # fresh every time


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("error", "expected", "actions"),
    [
        ("UNAUTHORIZED", "Console interaction", ()),
        ("RESOURCE_INACCESSIBLE", "cannot reach the configuration", (A.RETRY,)),
        ("SERVICE_UNAVAILABLE", "console ticket service", (A.RETRY,)),
        ("ERROR", "could not create a VMRC console ticket", (A.RETRY,)),
        ("INVALID_ARGUMENT", "does not accept the console type VMRC", (A.RETRY,)),
        ("NOT_ALLOWED_IN_CURRENT_STATE", "does not allow a VMRC console", (A.RETRY,)),
        ("UNAUTHENTICATED", "rejected the session even after logging in again", (A.RETRY,)),
    ],
)
async def test_every_ticket_error_becomes_a_message(rig: Rig, service_sims, machine, error, expected, actions) -> None:
    sim = service_sims()
    pid = await rig.connected(sim)
    sim.faults.ticket_error = error
    with pytest.raises(ConsoleFlowError) as info:
        await _flow(rig, machine).console_link(pid, sim.vm_ids()[2])
    problem = info.value.problem
    assert expected in problem.message
    assert sim.host in problem.message
    assert problem.actions == actions
    assert problem.title


@pytest.mark.asyncio
async def test_tickets_unsupported_says_so(rig: Rig, service_sims, machine) -> None:
    sim = service_sims(profile="6.7", vms=20)
    pid = await rig.connected(sim)
    with pytest.raises(ConsoleFlowError) as info:
        await _flow(rig, machine).webmks_ticket(pid, sim.vm_ids()[0])
    assert "offers no console tickets" in info.value.problem.message
    assert info.value.problem.actions == ()


@pytest.mark.asyncio
async def test_ticket_host_mismatch_names_both_hosts(rig: Rig, service_sims, machine) -> None:
    sim = service_sims()
    pid = await rig.connected(sim, host="localhost")  # the ticket names 127.0.0.1
    machine.install_vmrc()
    with pytest.raises(ConsoleFlowError) as info:
        await _flow(rig, machine).open_vmrc(pid, sim.vm_ids()[0])
    message = info.value.problem.message
    assert "“127.0.0.1”" in message
    assert "“localhost”" in message
    assert not machine.record.exists()  # nothing was launched


@pytest.mark.asyncio
async def test_not_connected_offers_retry(rig: Rig, service_sims, machine) -> None:
    sim = service_sims()
    pid = rig.add(sim)
    machine.install_vmrc()
    with pytest.raises(ConsoleFlowError) as info:
        await _flow(rig, machine).open_vmrc(pid, sim.vm_ids()[0])
    assert "is not connected" in info.value.problem.message
    assert info.value.problem.actions == (A.RETRY,)
    assert not machine.record.exists()
