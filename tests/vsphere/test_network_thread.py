"""A client with a NetworkThread does its HTTP/TLS work there: same results and errors, the caller's loop stays free."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from tests.vsphere.conftest import trusted_client
from vmconsole_gui.vsphere import ConsoleType, NetworkThread, PinMismatch, VSphereClient, shared_network_thread
from vmconsole_gui.vsphere.errors import RequestTimeout


@pytest.fixture
def network():
    thread = NetworkThread(name="test-network")
    yield thread
    thread.stop()


@pytest.mark.asyncio
async def test_run_returns_results_raises_errors_and_runs_on_the_thread(network):
    async def where() -> int:
        return threading.get_ident()

    async def fail() -> None:
        raise ValueError("from the network thread")

    assert await network.run(where()) != threading.get_ident()
    with pytest.raises(ValueError, match="from the network thread"):
        await network.run(fail())


@pytest.mark.asyncio
async def test_cancelling_the_caller_cancels_the_work_over_there(network):
    started, cancelled = threading.Event(), threading.Event()

    async def wait_forever() -> None:
        started.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    task = asyncio.ensure_future(network.run(wait_forever()))
    await asyncio.to_thread(started.wait, 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await asyncio.to_thread(cancelled.wait, 5)


@pytest.mark.asyncio
async def test_requests_are_served_while_the_callers_loop_is_busy(sim80, network):
    """The exchange does not need the caller's loop: it completes while that loop is blocked."""
    async with trusted_client(sim80, network=network) as vc:
        sim80.clear_request_log()
        listing = asyncio.ensure_future(vc.list_vms())
        for _ in range(3):
            await asyncio.sleep(0)  # the task runs up to handing the request to the network thread
        time.sleep(0.5)  # the caller's loop is busy (a GUI drawing, say): nothing runs on it
        assert [r.path for r in sim80.request_log()] == ["/api/vcenter/vm"]
        assert {vm.vm for vm in await listing} == set(sim80.vm_ids())
        ticket = await vc.create_console_ticket(sim80.vm_ids()[0], ConsoleType.VMRC)
        assert ticket.reveal_url().startswith("vmrc://")


@pytest.mark.asyncio
@pytest.mark.allow_log_warnings
async def test_errors_are_the_same_typed_errors(sim80, network, sim_factory):
    """A changed certificate and a slow server fail as they do without the thread (before any request for a pin)."""
    sim80.clear_request_log()
    wrong_pin = VSphereClient(
        sim80.host, sim80.username, sim80.password, port=sim80.port, pins={f"{sim80.host}:{sim80.port}": "ab" * 32},
        network=network,
    )  # fmt: skip
    with pytest.raises(PinMismatch):
        await wrong_pin.login()
    await wrong_pin.aclose()
    assert sim80.request_log() == []
    # A simulator of its own: the timed-out login still completes on the server a little later, and must not land
    # in the request log of the next test sharing a simulator.
    slow_sim = sim_factory(profile="8.0", vms=5)
    slow = trusted_client(slow_sim, network=network, read_timeout_s=0.3)
    slow_sim.faults.latency_s = 1.0
    try:
        with pytest.raises(RequestTimeout):
            await slow.login()
    finally:
        slow_sim.faults.clear()
        await slow.aclose()


def test_the_shared_thread_is_one_per_process():
    assert shared_network_thread() is shared_network_thread()
