"""Connections to the saved vCenter profiles, their VM inventories and VM actions, for the UI (plain asyncio, no Qt).

Entry point: :class:`ConnectionManager`; the UI implements :class:`ConnectionEvents`. Values: :class:`ConnectionState`,
:class:`VmRecord`, :class:`VmDetails`.

The manager (and with it the REST client and httpx) is imported on first use (PEP 562), so a caller that needs only
the records (``--list``) does not pay for it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vmconsole_gui.services.connections.manager import BATCH_INTERVAL_S, ConnectionManager, NotConnected
    from vmconsole_gui.services.connections.records import (
        ConnectionEvents,
        ConnectionState,
        ConnectionStatus,
        VmDetails,
        VmRecord,
    )

__all__ = [
    "BATCH_INTERVAL_S",
    "ConnectionEvents",
    "ConnectionManager",
    "ConnectionState",
    "ConnectionStatus",
    "NotConnected",
    "VmDetails",
    "VmRecord",
]

_MANAGER_NAMES = frozenset({"BATCH_INTERVAL_S", "ConnectionManager", "NotConnected"})


def __getattr__(name: str) -> Any:
    """Import the submodule that defines ``name`` on first use and cache the value here."""
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    submodule = "manager" if name in _MANAGER_NAMES else "records"
    value = getattr(importlib.import_module(f"{__name__}.{submodule}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
