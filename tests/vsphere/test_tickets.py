"""Console tickets: /api → /rest fallback, unsupported servers, every error with its message, validation."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.vsphere.conftest import trusted_client
from vmconsole_gui.vsphere import (
    ConsoleTicketsUnsupported,
    ConsoleType,
    InvalidTicket,
    TicketHostMismatch,
)
from vmconsole_gui.vsphere import errors as E
from vmconsole_gui.vsphere.tickets import validate_ticket


def _ticket_calls(sim) -> list[tuple[str, int]]:
    return [(r.path, r.status) for r in sim.request_log() if r.path.endswith("/console/tickets")]


def _vm_in(sim, state: str) -> str:
    return next(v for v in sim.vm_ids() if sim.vm(v).power_state == state)


@pytest.mark.asyncio
@pytest.mark.parametrize(("profile", "prefix"), [("8.0", "/api"), ("7.0u2", "/api"), ("7.0u1", "/rest")])
async def test_tickets_of_both_types_and_the_family_is_remembered(sim_factory, profile, prefix):
    sim = sim_factory(profile=profile)
    vm = _vm_in(sim, "POWERED_ON")
    async with trusted_client(sim) as vc:
        sim.clear_request_log()
        vmrc = await vc.create_console_ticket(vm, ConsoleType.VMRC)
        webmks = await vc.create_console_ticket(vm, ConsoleType.WEBMKS)
        calls = _ticket_calls(sim)
        assert [p for p, _ in calls] == [f"{prefix}/vcenter/vm/{vm}/console/tickets"] * 2
        assert all(200 <= s < 300 for _, s in calls)
        # Never cached: a second request yields a different ticket.
        again = await vc.create_console_ticket(vm, ConsoleType.VMRC)
    assert again.reveal_url() != vmrc.reveal_url()
    url = urlsplit(vmrc.reveal_url())
    assert url.scheme == "vmrc"
    assert url.hostname == sim.host
    assert f"moid={vm}" in url.query
    assert vmrc.type is ConsoleType.VMRC
    assert vmrc.vm == vm
    ws = urlsplit(webmks.reveal_url())
    assert ws.scheme == "wss"
    assert ws.path.startswith("/ticket/")
    assert webmks.port == ws.port
    for ticket in (vmrc, webmks):
        secret = ticket.reveal_url()
        assert secret not in repr(ticket)
        assert secret not in str(ticket)
        assert "***" in ticket.redacted_url


@pytest.mark.asyncio
async def test_api_server_without_api_tickets_would_fall_back(sim_factory):
    """On 7.0u1 the session family is /rest, so /api tickets are never tried."""
    sim = sim_factory(profile="7.0u1")
    vm = sim.vm_ids()[0]
    async with trusted_client(sim) as vc:
        sim.clear_request_log()
        await vc.create_console_ticket(vm, ConsoleType.VMRC)
    assert [p for p, _ in _ticket_calls(sim)] == [f"/rest/vcenter/vm/{vm}/console/tickets"]


@pytest.mark.asyncio
async def test_old_vcenter_has_no_console_tickets(sim_factory):
    sim = sim_factory(profile="6.7")
    vm = sim.vm_ids()[0]
    async with trusted_client(sim) as vc:
        sim.clear_request_log()
        with pytest.raises(ConsoleTicketsUnsupported) as info:
            await vc.create_console_ticket(vm, ConsoleType.VMRC)
        assert "offers no console tickets over REST" in info.value.user_message
        assert sim.host in info.value.user_message
        assert [s for _, s in _ticket_calls(sim)] == [404]
        # Remembered: no second probe.
        with pytest.raises(ConsoleTicketsUnsupported):
            await vc.create_console_ticket(vm, ConsoleType.WEBMKS)
        assert len(_ticket_calls(sim)) == 1


@pytest.mark.asyncio
async def test_vm_gone_is_reported_not_fallen_back(sim80):
    async with trusted_client(sim80) as vc:
        sim80.clear_request_log()
        with pytest.raises(E.NotFound) as info:
            await vc.create_console_ticket("vm-999999", ConsoleType.VMRC)
        assert "no longer exists" in info.value.user_message
        assert "com.vmware.api.vcenter.vm.not_found" in info.value.message_ids
        assert [p for p, _ in _ticket_calls(sim80)] == ["/api/vcenter/vm/vm-999999/console/tickets"]


@pytest.mark.asyncio
@pytest.mark.parametrize("profile", ["8.0", "7.0u1"])
@pytest.mark.parametrize("state", ["POWERED_OFF", "SUSPENDED"])
async def test_webmks_on_a_vm_that_is_not_running(sim_factory, profile, state):
    sim = sim_factory(profile=profile)
    vm = _vm_in(sim, state)
    async with trusted_client(sim) as vc:
        with pytest.raises(E.NotAllowedInCurrentState) as info:
            await vc.create_console_ticket(vm, ConsoleType.WEBMKS)
        assert info.value.user_message.startswith(
            "The VM is not powered on, so its web console (WEBMKS) cannot be opened. Power it on, or open it in "
            "VMRC, which works in any power state."
        )
        assert sim.host in info.value.user_message
        assert info.value.status == 400
        # VMRC works in any power state.
        ticket = await vc.create_console_ticket(vm, ConsoleType.VMRC)
        assert ticket.type is ConsoleType.VMRC


@pytest.mark.asyncio
@pytest.mark.parametrize("profile", ["8.0", "7.0u1"])
@pytest.mark.parametrize(
    ("error_type", "cls", "phrase"),
    [
        ("INVALID_ARGUMENT", E.InvalidArgument, "does not accept the console type WEBMKS"),
        ("NOT_ALLOWED_IN_CURRENT_STATE", E.NotAllowedInCurrentState, "The VM is not powered on"),
        ("UNAUTHORIZED", E.Unauthorized, "Console interaction"),
        ("ERROR", E.ServerError, "could not create a web console (WEBMKS) ticket"),
        ("RESOURCE_INACCESSIBLE", E.ResourceInaccessible, "cannot reach the configuration"),
        ("SERVICE_UNAVAILABLE", E.ServiceUnavailable, "console ticket service"),
        ("UNAUTHENTICATED", E.Unauthenticated, "rejected the session even after logging in again"),
    ],
)
async def test_each_ticket_error_has_its_own_message(sim_factory, profile, error_type, cls, phrase):
    sim = sim_factory(profile=profile)
    vm = _vm_in(sim, "POWERED_ON")
    async with trusted_client(sim) as vc:
        sim.faults.ticket_error = error_type
        try:
            with pytest.raises(cls) as info:
                await vc.create_console_ticket(vm, ConsoleType.WEBMKS)
        finally:
            sim.faults.ticket_error = None
    err = info.value
    assert type(err) is cls
    assert err.error_type is E.ErrorType(error_type)
    assert phrase in err.user_message
    assert sim.host in err.user_message


# ------------------------------------------------------------------------------------------- validation (pure)
VC = "vc.example.com"
GOOD_VMRC = "vmrc://clone:cst-VCT-52f3a1c4-7d2e--tp-3F-A2@vc.example.com:443/?moid=vm-1049"
GOOD_WSS = "wss://esx01.example.com:443/ticket/9c0e4a7b21d35f68e0b4c2a19d7f3e56"


def test_valid_tickets_are_accepted():
    t = validate_ticket(GOOD_VMRC, ConsoleType.VMRC, vm="vm-1049", vcenter_host="VC.Example.com")
    assert (t.host, t.port) == ("vc.example.com", 443)
    w = validate_ticket(GOOD_WSS, ConsoleType.WEBMKS, vm="vm-1049", vcenter_host=VC)
    assert (w.host, w.port) == ("esx01.example.com", 443)
    assert "9c0e4a7b" not in repr(w) + str(w)


@pytest.mark.parametrize(
    ("url", "console", "phrase"),
    [
        ("https://vc.example.com/?moid=vm-1", ConsoleType.VMRC, "expected 'vmrc'"),
        ("vmrc://clone:x@vc.example.com/?moid=vm-1 --evil", ConsoleType.VMRC, "spaces, quotes or control"),
        ('vmrc://clone:x@vc.example.com/?moid="vm-1"', ConsoleType.VMRC, "spaces, quotes or control"),
        ("vmrc://clone:x@vc.example.com/?moid=vm-1\r\n", ConsoleType.VMRC, "spaces, quotes or control"),
        ("vmrc://clone:" + "a" * 2100 + "@vc.example.com/?moid=vm-1", ConsoleType.VMRC, "characters long"),
        ("vmrc://clone:x@vc.example.com/?vm=vm-1", ConsoleType.VMRC, "moid="),
        ("vmrc://clone:x@vc.example.com:99999/?moid=vm-1", ConsoleType.VMRC, "not a valid URL"),
        ("", ConsoleType.VMRC, "non-empty string"),
        (GOOD_VMRC, ConsoleType.WEBMKS, "expected 'wss'"),
        ("ws://esx01.example.com:443/ticket/abc", ConsoleType.WEBMKS, "expected 'wss'"),
        ("wss://esx01.example.com:443/other/abc", ConsoleType.WEBMKS, "followed by an id"),
        ("wss://esx01.example.com:443/ticket/", ConsoleType.WEBMKS, "followed by an id"),
        ("wss://esx01.example.com/ticket/a/b", ConsoleType.WEBMKS, "followed by an id"),
        ("wss:///ticket/abc", ConsoleType.WEBMKS, "no ESXi host"),
    ],
)
def test_bad_tickets_are_refused(url, console, phrase):
    with pytest.raises(InvalidTicket) as info:
        validate_ticket(url, console, vm="vm-1", vcenter_host=VC)
    assert phrase in info.value.user_message
    assert "Nothing was launched" in info.value.user_message
    assert "cst-VCT" not in info.value.user_message


def test_vmrc_host_mismatch_carries_both_names_and_the_ticket():
    url = "vmrc://clone:cst-VCT-1--tp-AA@vcsa01.corp.local:443/?moid=vm-7"
    with pytest.raises(TicketHostMismatch) as info:
        validate_ticket(url, ConsoleType.VMRC, vm="vm-7", vcenter_host="10.0.0.5")
    err = info.value
    assert err.ticket_host == "vcsa01.corp.local"
    assert err.host == "10.0.0.5"
    assert "vcsa01.corp.local" in err.user_message
    assert "10.0.0.5" in err.user_message
    assert err.ticket.reveal_url() == url
    assert "cst-VCT-1" not in str(err) + repr(err)


@pytest.mark.parametrize(
    ("error_type", "status", "ids", "absent"),
    [
        (E.ErrorType.NOT_FOUND, 404, ("com.vmware.vapi.rest.httpNotFound",), True),
        (E.ErrorType.NOT_FOUND, 404, ("com.vmware.vapi.rest.operationsForUrlNotFound",), True),
        (None, 404, (), True),  # bare 404 / 6.0 non-vAPI body
        (E.ErrorType.OPERATION_NOT_FOUND, 400, ("vapi.method.input.invalid.interface",), True),
        (E.ErrorType.NOT_FOUND, 404, ("com.vmware.api.vcenter.vm.not_found",), False),  # the VM is gone
        (E.ErrorType.UNAUTHORIZED, 403, (), False),
    ],
)
def test_fallback_rule_of_section_3_4(error_type, status, ids, absent):
    from vmconsole_gui.vsphere.client import VSphereClient

    err = E.ApiError(
        "x",
        host="vc",
        error_type=error_type,
        status=status,
        messages=tuple(E.ServerMessage(i, "m") for i in ids),
    )
    assert VSphereClient._endpoint_absent(err) is absent
