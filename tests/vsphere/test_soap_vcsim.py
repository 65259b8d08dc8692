"""The SOAP client against govmomi's vcsim: trust, login, PropertyCollector inventory, live updates, tickets.

What vcsim 0.24.2 lacks (``VirtualMachine.AcquireTicket``, ``RetrievePropertiesEx`` paging tokens) is tested
against the project's own simulator instead (tests/vsphere/test_soap_sim.py).
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from vmconsole_gui.vsphere import CertificateUntrusted, LoginFailed, PinMismatch, Secret, TrustSettings, VSphereClient
from vmconsole_gui.vsphere.models import ApiFamily, ConsoleType, PowerState
from vmconsole_gui.vsphere.soap.client import SoapClient

from .vcsim import Vcsim, unverified_context, vcsim  # noqa: F401 - the fixture


def pinned(server: Vcsim) -> TrustSettings:
    return TrustSettings(pins={f"{server.host}:{server.port}": server.sha256})


def soap(server: Vcsim, trust: TrustSettings | None = None, password: str | None = None, **kw: Any) -> SoapClient:
    return SoapClient(
        server.host,
        server.port,
        trust if trust is not None else pinned(server),
        server.username,
        Secret(password if password is not None else server.password),
        **kw,
    )


class PyvmomiReader:
    """pyvmomi on its own (no PropertyCollector, one property at a time): the independent reading of vcsim."""

    def __init__(self, server: Vcsim) -> None:
        self.si = server.pyvmomi()
        self.content = self.si.RetrieveContent()

    def vms(self) -> list[Any]:
        from pyVmomi import vim

        view = self.content.viewManager.CreateContainerView(self.content.rootFolder, [vim.VirtualMachine], True)
        return list(view.view)

    def rows(self) -> dict[str, tuple[Any, ...]]:
        from pyVmomi import vim

        rows = {}
        for vm in self.vms():
            folders, parent = [], vm.parent
            while not isinstance(parent, vim.Datacenter):
                folders.append(parent.name)
                parent = parent.parent
            host = vm.runtime.host
            cluster = host.parent.name if isinstance(host.parent, vim.ClusterComputeResource) else ""
            rows[vm._moId] = (
                vm.name,
                {"poweredOn": "POWERED_ON", "poweredOff": "POWERED_OFF", "suspended": "SUSPENDED"}[
                    vm.runtime.powerState
                ],
                vm.summary.config.guestFullName,
                vm.guest.ipAddress or "",
                host.name,
                cluster,
                parent.name,
                "/".join(reversed(folders[:-1])),
                vm.summary.config.numCpu,
                vm.summary.config.memorySizeMB,
                vm.config.instanceUuid,
            )
        return rows


@pytest.fixture
def reader(vcsim: Vcsim) -> Iterator[PyvmomiReader]:  # noqa: F811
    from pyVim.connect import Disconnect

    reader = PyvmomiReader(vcsim)
    yield reader
    Disconnect(reader.si)


@pytest.mark.asyncio
async def test_untrusted_certificate_is_shown_then_pinned_login_works(vcsim: Vcsim) -> None:  # noqa: F811
    client = soap(vcsim, TrustSettings())
    with pytest.raises(CertificateUntrusted) as caught:
        await client.connect()
    await client.aclose()
    assert caught.value.certificate.sha256 == vcsim.sha256
    assert caught.value.certificate.sha256_display in str(caught.value)

    client = soap(vcsim, TrustSettings(pins={f"{vcsim.host}:{vcsim.port}": caught.value.certificate.sha256}))
    try:
        await client.connect()
        rows, _ = await client.inventory()
        assert rows
    finally:
        await client.aclose()


@pytest.mark.asyncio
async def test_wrong_pin_is_refused(vcsim: Vcsim) -> None:  # noqa: F811
    client = soap(vcsim, TrustSettings(pins={f"{vcsim.host}:{vcsim.port}": "ab" * 32}))
    with pytest.raises(PinMismatch) as caught:
        await client.connect()
    await client.aclose()
    assert caught.value.seen_sha256 == vcsim.sha256


@pytest.mark.asyncio
async def test_wrong_password_is_login_failed(vcsim: Vcsim) -> None:  # noqa: F811
    client = soap(vcsim, password="not-the-password")
    with pytest.raises(LoginFailed) as caught:
        await client.connect()
    await client.aclose()
    assert "user name or password" in str(caught.value)
    assert "not-the-password" not in repr(caught.value)


@pytest.mark.asyncio
async def test_inventory_equals_what_pyvmomi_alone_reads(vcsim: Vcsim, reader: PyvmomiReader) -> None:  # noqa: F811
    def nest_one_vm() -> None:  # folder paths: one VM two folders down
        from pyVim.task import WaitForTask

        datacenter = reader.content.rootFolder.childEntity[0]
        web = datacenter.vmFolder.CreateFolder("Prod").CreateFolder("Web")
        WaitForTask(web.MoveIntoFolder_Task([reader.vms()[0]]))

    await asyncio.to_thread(nest_one_vm)
    expected = await asyncio.to_thread(reader.rows)
    client = soap(vcsim)
    try:
        await client.connect()
        rows, _ = await client.inventory()
    finally:
        await client.aclose()
    got = {
        r.vm: (
            r.name,
            r.power_state.value,
            r.guest_os,
            r.ip_address,
            r.host,
            r.cluster,
            r.datacenter,
            r.folder,
            r.cpu_count,
            r.memory_mib,
            r.instance_uuid,
        )
        for r in rows
    }
    assert len(expected) >= 8
    assert got == expected
    assert any(r.cluster for r in rows) and any(not r.cluster for r in rows)  # clustered and standalone hosts
    assert sorted(r.folder for r in rows)[-1] == "Prod/Web"


@pytest.mark.asyncio
async def test_power_change_through_pyvmomi_arrives_within_a_second(
    vcsim: Vcsim,  # noqa: F811
    reader: PyvmomiReader,
) -> None:
    client = soap(vcsim, update_wait_s=10)
    try:
        await client.connect()
        rows, updates = await client.inventory()
        target = next(r for r in rows if r.power_state is PowerState.POWERED_ON)
        vm = next(v for v in reader.vms() if v._moId == target.vm)
        started = threading.Event()

        def power_off() -> None:
            started.wait()
            vm.PowerOffVM_Task()

        threading.Thread(target=power_off, daemon=True).start()
        pending = asyncio.ensure_future(anext(updates))
        await asyncio.sleep(0.5)  # the initial update set (no change to the rows) came; the next wait is pending
        t0 = time.monotonic()
        started.set()
        delta = await asyncio.wait_for(pending, 5)
        elapsed = time.monotonic() - t0
        changed = {r.vm: r for r in delta.changed}
        assert changed[target.vm].power_state is PowerState.POWERED_OFF
        assert elapsed < 1.0, f"the power change took {elapsed:.2f} s to arrive"
        await updates.aclose()
    finally:
        await client.aclose()


@pytest.mark.asyncio
async def test_close_ends_a_waiting_update_stream_at_once(vcsim: Vcsim) -> None:  # noqa: F811
    client = soap(vcsim, update_wait_s=30)
    await client.connect()
    _, updates = await client.inventory()
    waiting = asyncio.ensure_future(anext(updates))
    await asyncio.sleep(0.5)
    t0 = time.monotonic()
    await client.aclose()
    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(waiting, 5)
    assert time.monotonic() - t0 < 2.0


@pytest.mark.asyncio
async def test_clone_ticket_vmrc_link_is_accepted_by_vcsim(vcsim: Vcsim, reader: PyvmomiReader) -> None:  # noqa: F811
    client = soap(vcsim)
    try:
        await client.connect()
        rows, _ = await client.inventory()
        ticket = await client.vmrc_ticket(rows[0].vm)
    finally:
        await client.aclose()
    assert ticket.type is ConsoleType.VMRC
    url = urlsplit(ticket.reveal_url())
    assert url.scheme == "vmrc" and url.username == "clone"
    assert (url.hostname, url.port) == (vcsim.host, vcsim.port)
    assert url.query == f"moid={rows[0].vm}"
    assert ticket.url.reveal() not in repr(ticket) and url.password not in str(ticket)

    from pyVmomi import SoapStubAdapter, vim

    stub = SoapStubAdapter(
        host=vcsim.host, port=vcsim.port, sslContext=unverified_context(), version="vim.version.version11"
    )
    manager = vim.ServiceInstance("ServiceInstance", stub).RetrieveContent().sessionManager
    session = await asyncio.to_thread(manager.CloneSession, url.password)
    assert session.userName == vcsim.username


@pytest.mark.asyncio
async def test_rest_session_login_on_vcsim(vcsim: Vcsim) -> None:  # noqa: F811
    client = VSphereClient(
        vcsim.host,
        vcsim.username,
        vcsim.password,
        port=vcsim.port,
        pins={f"{vcsim.host}:{vcsim.port}": vcsim.sha256},
        family=ApiFamily.REST,
    )
    try:
        await client.login()
        assert client.logged_in
        await client.logout()
    finally:
        await client.aclose()


def test_importing_the_soap_client_does_not_import_pyvmomi() -> None:
    code = "import sys, vmconsole_gui.vsphere.soap.client; print('pyVmomi' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
