"""Network failures and every simulator fault knob end in a clear, typed error within the timeout."""

from __future__ import annotations

import socket
import time

import pytest

from tests.vsphere.conftest import trusted_client
from vmconsole_gui.vsphere import VSphereClient
from vmconsole_gui.vsphere import errors as E


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.asyncio
async def test_connection_refused():
    port = _closed_port()
    vc = VSphereClient("127.0.0.1", "u", "p", port=port)
    with pytest.raises(E.ConnectionRefused) as info:
        await vc.login()
    await vc.aclose()
    assert f"127.0.0.1:{port}" in info.value.user_message
    assert "refused" in info.value.user_message


@pytest.mark.asyncio
async def test_dns_failure():
    vc = VSphereClient("vcenter.does-not-exist.invalid", "u", "p", connect_timeout_s=5)
    with pytest.raises(E.DnsFailure) as info:
        await vc.login()
    await vc.aclose()
    assert "vcenter.does-not-exist.invalid" in info.value.user_message
    assert "DNS" in info.value.user_message


@pytest.mark.asyncio
async def test_plain_http_port_is_a_tls_error():
    """A server that answers but does not speak TLS: a TLS error, not a hang."""
    import asyncio

    async def handle(reader, writer):
        await reader.read(100)
        writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        vc = VSphereClient("127.0.0.1", "u", "p", port=port, connect_timeout_s=3)
        with pytest.raises((E.TlsError, E.ConnectionDropped)) as info:
            await vc.login()
        await vc.aclose()
        assert f"127.0.0.1:{port}" in info.value.user_message or "127.0.0.1" in info.value.user_message
    finally:
        server.close()
        await server.wait_closed()


@pytest.mark.asyncio
async def test_latency_beyond_the_read_timeout(sim80):
    async with trusted_client(sim80, read_timeout_s=0.4) as vc:
        sim80.faults.latencies = {"vm.list": 3.0}
        start = time.monotonic()
        with pytest.raises(E.RequestTimeout) as info:
            await vc.list_vms()
        elapsed = time.monotonic() - start
        sim80.faults.clear()
    assert elapsed < 2.0  # one retry at most is not involved for timeouts: ~0.4 s
    assert info.value.phase == "read"
    assert "0.4 s" in info.value.user_message
    assert sim80.host in info.value.user_message


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("error_type", "cls"),
    [("SERVICE_UNAVAILABLE", E.ServiceUnavailable), ("RESOURCE_BUSY", E.ResourceBusy), ("ERROR", E.ServerError)],
)
@pytest.mark.parametrize("profile", ["8.0", "7.0u1"])
async def test_error_rate_gives_the_typed_vapi_error(sim_factory, profile, error_type, cls):
    sim = sim_factory(profile=profile)
    async with trusted_client(sim) as vc:
        sim.faults.error_rates = {"vm.list": 1.0}
        sim.faults.error_type = error_type
        with pytest.raises(cls) as info:
            await vc.list_vms()
        sim.faults.clear()
    assert info.value.error_type is E.ErrorType(error_type)
    assert sim.host in info.value.user_message
    assert info.value.messages  # the server's messages are kept


@pytest.mark.asyncio
async def test_dropped_connection(sim80):
    async with trusted_client(sim80) as vc:
        sim80.faults.drop_rates = {"vm.list": 1.0}
        sim80.clear_request_log()
        with pytest.raises(E.ConnectionDropped) as info:
            await vc.list_vms()
        sim80.faults.clear()
    assert "closed the connection" in info.value.user_message
    # A GET is retried once, never more.
    assert [r.status for r in sim80.request_log() if r.endpoint == "vm.list"] == [0, 0]


@pytest.mark.asyncio
async def test_dropped_post_is_not_retried(sim80):
    vm = next(v for v in sim80.vm_ids() if sim80.vm(v).power_state == "POWERED_ON")
    from vmconsole_gui.vsphere import ConsoleType

    async with trusted_client(sim80) as vc:
        sim80.faults.drop_rates = {"vm.console_tickets": 1.0}
        sim80.clear_request_log()
        with pytest.raises(E.ConnectionDropped):
            await vc.create_console_ticket(vm, ConsoleType.VMRC)
        sim80.faults.clear()
    assert len([r for r in sim80.request_log() if r.endpoint == "vm.console_tickets"]) == 1


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", ["truncate", "not_json", "wrong_shape"])
@pytest.mark.parametrize("profile", ["8.0", "7.0u1"])
async def test_malformed_answers(sim_factory, profile, kind):
    sim = sim_factory(profile=profile)
    async with trusted_client(sim) as vc:
        sim.faults.malformed_rates = {"vm.list": 1.0}
        sim.faults.malformed_kind = kind
        with pytest.raises(E.MalformedResponse) as info:
            await vc.list_vms()
        sim.faults.clear()
    assert sim.host in info.value.user_message
    assert info.value.status == 200


@pytest.mark.asyncio
async def test_malformed_login_answer(sim80):
    sim80.faults.malformed_rates = {"session": 1.0}
    sim80.faults.malformed_kind = "wrong_shape"
    vc = trusted_client(sim80)
    try:
        with pytest.raises(E.MalformedResponse) as info:
            await vc.login()
    finally:
        sim80.faults.clear()
        await vc.aclose()
    assert "log in" in info.value.user_message
    assert sim80.password not in str(info.value)
