"""Shared rig for the connection-service tests: simulators, a dict keyring backend, an event recorder, a manager."""

from __future__ import annotations

import asyncio
import functools
import socket
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tests.keyrings import DictKeyring
from vmconsole_gui.services.connections import (
    ConnectionManager,
    ConnectionState,
    ConnectionStatus,
    VmRecord,
)
from vmconsole_gui.services.inventory_cache import InventoryCache
from vmconsole_gui.services.settings import (
    ConfigStore,
    ConnectionProfile,
    CredentialStore,
    Pin,
    PinKind,
    PinScope,
    PinStore,
    ProfileStore,
)
from vmconsole_gui.sim import SimulatorConfig, start_simulator


@dataclass
class Recorder:
    """A ConnectionEvents implementation that records every call with its time."""

    states: list[tuple[float, ConnectionState]] = field(default_factory=list)
    inventories: list[tuple[float, str, list[VmRecord], bool]] = field(default_factory=list)
    updates: list[tuple[float, list[VmRecord]]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def state_changed(self, state: ConnectionState) -> None:
        self.states.append((time.monotonic(), state))

    def inventory_replaced(self, profile_id: str, records: Sequence[VmRecord], stale: bool) -> None:
        self.inventories.append((time.monotonic(), profile_id, list(records), stale))

    def vms_updated(self, records: Sequence[VmRecord]) -> None:
        self.updates.append((time.monotonic(), list(records)))

    def profile_removed(self, profile_id: str) -> None:
        self.removed.append(profile_id)

    def statuses(self, profile_id: str) -> list[ConnectionStatus]:
        return [s.status for _, s in self.states if s.profile_id == profile_id]

    def first_time(self, profile_id: str, status: ConnectionStatus) -> float:
        return next(t for t, s in self.states if s.profile_id == profile_id and s.status is status)

    def view(self, profile_id: str) -> dict[str, VmRecord]:
        """What a UI model would show now: the last inventory with every later update applied."""
        events: list[tuple[float, int, Any]] = [
            (t, 0, (recs, stale)) for t, p, recs, stale in self.inventories if p == profile_id
        ]
        events += [(t, 1, recs) for t, recs in self.updates]
        current: dict[str, VmRecord] = {}
        for _, kind, payload in sorted(events, key=lambda e: (e[0], e[1])):
            if kind == 0:
                current = {r.vm_id: r for r in payload[0]}
            else:
                for r in payload:
                    if r.profile_id == profile_id and r.vm_id in current:
                        current[r.vm_id] = r
        return current


class Rig:
    """Profiles, pins, credentials, cache and a manager in a temp directory."""

    def __init__(self, root: Path, **manager_kwargs: Any) -> None:
        self.root = root
        self.config = ConfigStore(root / "config" / "config.json")
        self.config.load()
        self.profiles = ProfileStore(self.config)
        self.pins = PinStore(root / "config" / "pins.json")
        self.keyring = DictKeyring()
        self.credentials = CredentialStore(backend=self.keyring)
        self.cache = InventoryCache(root / "cache" / "inventory")
        self.events = Recorder()
        self.manager_kwargs = manager_kwargs
        self.managers: list[ConnectionManager] = []
        self.manager = self.new_manager()

    def new_manager(self, events: Any = None, **overrides: Any) -> ConnectionManager:
        kwargs = {"cache": self.cache, **self.manager_kwargs, **overrides}
        manager = ConnectionManager(self.profiles, self.credentials, self.pins, events or self.events, **kwargs)
        self.managers.append(manager)
        return manager

    async def aclose(self) -> None:
        for manager in self.managers:
            await manager.aclose()

    def add(self, sim: Any, name: str = "Lab", *, host: str | None = None, port: int | None = None) -> str:
        profile = self.profiles.add(
            ConnectionProfile(name=name, host=host or sim.host, port=port or sim.port, username=sim.username)
        )
        return profile.id

    def pin(self, sim: Any, host: str | None = None, scope: PinScope = PinScope.ALWAYS) -> None:
        pin = Pin.create(sha256=sim.sha256, sha1=sim.sha1, subject="CN=vcsa.vsphere.local", kind=PinKind.VCENTER)
        self.pins.pin(host or sim.host, sim.port, pin, scope)

    async def save_password(self, profile_id: str, password: str) -> None:
        await self.credentials.set_password(self.profiles.get(profile_id), password)

    async def connected(self, sim: Any, name: str = "Lab", **kwargs: Any) -> str:
        """Add a pinned profile for ``sim`` with its password saved, and connect it."""
        profile_id = self.add(sim, name, **kwargs)
        self.pin(sim, kwargs.get("host"))
        await self.save_password(profile_id, sim.password)
        state = await self.manager.connect(profile_id)
        assert state.status is ConnectionStatus.CONNECTED, state
        return profile_id


async def until(condition: Callable[[], bool], timeout: float = 15.0, what: str = "condition") -> None:
    """Wait (on the loop) until ``condition()`` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


def enriched(manager: ConnectionManager, profile_id: str) -> bool:
    """Every record has been asked about its guest (tools_running known)."""
    records = manager.records(profile_id)
    return bool(records) and all(r.tools_running is not None for r in records)


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def folder_path(sim: Any, folder_id: str) -> str:
    """The simulator's truth: the path of a VM folder below its datacenter's vm folder."""
    folders = sim.simulator.inventory.folders
    parts = []
    current = folders[folder_id]
    while current.parent_id is not None and current.parent_id != current.datacenter_id:
        parts.append(current.name)
        current = folders[current.parent_id]
    return "/".join(reversed(parts))


@pytest.fixture(name="service_sims")
def service_sims_fixture(sim_factory: Callable[..., Any]) -> Callable[..., Any]:
    """``service_sims(…)``: the shared simulators (tests/conftest.py), 240 VMs unless a test asks otherwise."""
    return functools.partial(sim_factory, vms=240)


@pytest_asyncio.fixture(name="rig")
async def rig_fixture(tmp_path: Path) -> AsyncIterator[Rig]:
    r = Rig(tmp_path)
    try:
        yield r
    finally:
        await r.aclose()


def own_simulator(**kwargs: Any) -> Any:
    """A simulator for a test that changes it for good (certificate, stop); stop it yourself."""
    kwargs.setdefault("vms", 40)
    return start_simulator(SimulatorConfig(**kwargs))


__all__ = [
    "DictKeyring",
    "Recorder",
    "Rig",
    "closed_port",
    "enriched",
    "folder_path",
    "own_simulator",
    "rig_fixture",
    "service_sims_fixture",
    "until",
]
