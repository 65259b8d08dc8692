"""Simulators for the vCenter client tests: one per configuration, started once per test session."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from vmconsole_gui.sim import SimulatorConfig, start_simulator
from vmconsole_gui.vsphere import VSphereClient


@pytest.fixture(scope="session")
def sim_factory() -> Iterator[Callable[..., Any]]:
    """``sim_factory(vms=…, profile=…, …)`` → a running simulator, shared by every test asking the same config."""
    running: dict[tuple[tuple[str, Any], ...], Any] = {}

    def get(**kwargs: Any) -> Any:
        key = tuple(sorted((k, repr(v)) for k, v in kwargs.items()))
        if key not in running:
            kwargs.setdefault("vms", 60)
            running[key] = start_simulator(SimulatorConfig(**kwargs))
        sim = running[key]
        sim.faults.clear()
        return sim

    yield get
    for sim in running.values():
        sim.stop()


@pytest.fixture
def sim80(sim_factory: Callable[..., Any]) -> Any:
    """A small 8.0 simulator (``/api`` everywhere)."""
    return sim_factory(profile="8.0")


def trusted_client(sim: Any, **kwargs: Any) -> VSphereClient:
    """A client for ``sim`` trusting its simulated VMCA root."""
    kwargs.setdefault("extra_ca_pem", sim.ca_pem)
    return VSphereClient(sim.host, sim.username, sim.password, port=sim.port, **kwargs)


def pinned_client(sim: Any, **kwargs: Any) -> VSphereClient:
    """A client for ``sim`` pinning its current vCenter leaf."""
    return VSphereClient(
        sim.host, sim.username, sim.password, port=sim.port, pins={f"{sim.host}:{sim.port}": sim.sha256}, **kwargs
    )
