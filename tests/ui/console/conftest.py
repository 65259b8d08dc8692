"""Console tests: a simulator (vCenter + ESXi WebMKS over loopback TLS), the real relay, real QtWebEngine.

Targets fetch tickets with a real ``VSphereClient`` pinned to the simulator's vCenter leaf, and ``trust_esxi`` fetches
the ESXi leaf and checks its SHA-256 against the simulator's (what the app does after the user accepted the pin).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from PySide6.QtGui import QColor, QImage

from vmconsole_gui.services.esxi_trust import fetch_leaf_certificate
from vmconsole_gui.services.relay import WebMksRelay
from vmconsole_gui.sim import SimulatorConfig, start_simulator
from vmconsole_gui.sim.certs import CertificateAuthority
from vmconsole_gui.ui.console import ConsoleState, ConsoleTab, ConsoleTarget, ConsoleWindow
from vmconsole_gui.vsphere import VSphereClient
from vmconsole_gui.vsphere.models import ConsoleType, PowerAction

CONNECT_TIMEOUT_MS = 15000


@pytest.fixture(scope="module")
def sim() -> Iterator[Any]:
    running = start_simulator(SimulatorConfig(vms=20, seed=7))
    yield running
    running.stop()


def powered_on_vms(sim: Any) -> list[str]:
    return [vm for vm in sim.vm_ids() if sim.vm(vm).power_state == "POWERED_ON"]


@dataclass
class TargetProbe:
    """What a test target saw: ticket URLs handed out, power-on calls."""

    tickets: list[str] = field(default_factory=list)
    power_ons: int = 0


@dataclass
class ConsoleRig:
    """Per-test relay + console window + target factory, all on the test's qloop."""

    sim: Any
    qtbot: Any
    loop: asyncio.AbstractEventLoop
    relay: WebMksRelay
    window: ConsoleWindow
    client: VSphereClient
    probes: dict[str, TargetProbe] = field(default_factory=dict)

    def run(self, coro: Awaitable[Any], timeout: int = CONNECT_TIMEOUT_MS) -> Any:
        """Run ``coro`` on the qloop while Qt spins; return its result (or raise its exception)."""
        task = asyncio.ensure_future(coro, loop=self.loop)
        self.qtbot.waitUntil(task.done, timeout=timeout)
        return task.result()

    def target(
        self,
        vm_id: str,
        *,
        trust: Callable[[str, int], Awaitable[bytes | None]] | None = None,
        with_power_on: bool = True,
    ) -> ConsoleTarget:
        probe = self.probes.setdefault(vm_id, TargetProbe())

        async def fetch_ticket() -> str:
            ticket = await self.client.create_console_ticket(vm_id, ConsoleType.WEBMKS)
            url = ticket.reveal_url()
            probe.tickets.append(url)
            return url

        async def power_on() -> None:
            probe.power_ons += 1
            await self.client.power(vm_id, PowerAction.START)

        return ConsoleTarget(
            profile_id="sim",
            vm_id=vm_id,
            vm_name=self.sim.vm(vm_id).name,
            vcenter="vcsa.sim",
            fetch_ticket=fetch_ticket,
            trust_esxi=trust or self.trust_esxi,
            power_on=power_on if with_power_on else None,
        )

    async def trust_esxi(self, host: str, port: int) -> bytes | None:
        """Fetch the ESXi leaf and accept it only if it is the simulator's (the pin the user accepted)."""
        info = await fetch_leaf_certificate(host, port)
        assert info.sha256 == self.sim.esxi_sha256
        return info.der

    def open(self, target: ConsoleTarget, state: ConsoleState = ConsoleState.CONNECTED) -> ConsoleTab:
        tab = self.window.open_console(target)
        self.wait_state(tab, state)
        return tab

    def wait_state(self, tab: ConsoleTab, state: ConsoleState, timeout: int = CONNECT_TIMEOUT_MS) -> None:
        self.qtbot.waitUntil(lambda: tab.state is state, timeout=timeout)


def wrong_esxi_der() -> bytes:
    """A real certificate for the same names from another CA: an impostor's certificate."""
    leaf = CertificateAuthority().issue("esx.vsphere.local", ["esx.vsphere.local", "localhost", "127.0.0.1"])
    return ssl.PEM_cert_to_DER_cert(leaf.cert_pem)


@pytest.fixture
def rig(qtbot, qloop, sim) -> Iterator[ConsoleRig]:
    relay = WebMksRelay()
    start = asyncio.ensure_future(relay.start(), loop=qloop)
    qtbot.waitUntil(start.done, timeout=5000)
    start.result()
    client = VSphereClient(
        sim.host, sim.username, sim.password, port=sim.port, pins={f"{sim.host}:{sim.port}": sim.sha256}
    )
    window = ConsoleWindow(relay)
    qtbot.addWidget(window)
    rig = ConsoleRig(sim, qtbot, qloop, relay, window, client)
    yield rig
    window.close_all()
    rig.run(relay.stop())
    rig.run(client.aclose())


def pixel(image: QImage, x: int, y: int) -> tuple[int, int, int]:
    colour = QColor(image.pixel(x, y))
    return (colour.red(), colour.green(), colour.blue())


def close_to(a: tuple[int, int, int], b: tuple[int, int, int], tolerance: int = 3) -> bool:
    return all(abs(p - q) <= tolerance for p, q in zip(a, b, strict=True))


def grab(tab: ConsoleTab) -> QImage:
    return tab.view.grab().toImage()
