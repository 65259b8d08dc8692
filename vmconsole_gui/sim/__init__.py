"""A vCenter + ESXi simulator faithful to the wire contract, served over loopback TLS.

It shares no code with :mod:`vmconsole_gui.vsphere` (an import-linter contract enforces it): the client and the
simulator are two independent readings of the contract.

Public API (imported lazily, so ``import vmconsole_gui.sim`` stays cheap): :class:`SimulatorConfig`,
:func:`start_simulator`, :class:`RunningSimulator`, :class:`Simulator`, :class:`Faults`, :data:`ENDPOINTS`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vmconsole_gui.sim.faults import ENDPOINTS, Faults
    from vmconsole_gui.sim.running import RunningSimulator, start_simulator
    from vmconsole_gui.sim.server import Simulator, SimulatorConfig

__all__ = ["ENDPOINTS", "Faults", "RunningSimulator", "Simulator", "SimulatorConfig", "start_simulator"]

_WHERE = {
    "ENDPOINTS": "faults",
    "Faults": "faults",
    "RunningSimulator": "running",
    "start_simulator": "running",
    "Simulator": "server",
    "SimulatorConfig": "server",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(f"vmconsole_gui.sim.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'vmconsole_gui.sim' has no attribute {name!r}")
