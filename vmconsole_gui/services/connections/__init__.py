"""Connections to the saved vCenter profiles, their VM inventories and VM actions, for the UI (plain asyncio, no Qt).

Entry point: :class:`ConnectionManager`; the UI implements :class:`ConnectionEvents`. Values: :class:`ConnectionState`,
:class:`VmRecord`, :class:`VmDetails`.
"""

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
