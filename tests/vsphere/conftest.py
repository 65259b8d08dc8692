"""Simulators for the vCenter client tests: one per configuration, started once per test session."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from vmconsole_gui.vsphere import VSphereClient


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
