"""Async vCenter REST client: sessions, inventory, power, console tickets. Never imports Qt.

Entry point: :class:`VSphereClient`. Errors: :mod:`vmconsole_gui.vsphere.errors` (every one has ``user_message``).

The names below are imported on first use (PEP 562): importing one submodule (``vsphere.tls`` for a fingerprint,
``vsphere.soap`` for ``--list``) does not pay for httpx and the REST client.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .client import VSphereClient
    from .errors import (
        ApiError,
        CertificateUntrusted,
        ConsoleTicketsUnsupported,
        InvalidTicket,
        LoginFailed,
        PinMismatch,
        TicketHostMismatch,
        TransportError,
        VSphereError,
    )
    from .models import VM, ApiFamily, ConsoleType, EntityRef, Inventory, PowerAction, PowerState, VMFilter
    from .network_thread import NetworkThread, shared_network_thread
    from .redaction import Secret, redact
    from .tickets import ConsoleTicket
    from .tls import CertificateInfo, TrustSettings

_SUBMODULE_OF = {
    "VSphereClient": "client",
    **dict.fromkeys(
        (
            "ApiError",
            "CertificateUntrusted",
            "ConsoleTicketsUnsupported",
            "InvalidTicket",
            "LoginFailed",
            "PinMismatch",
            "TicketHostMismatch",
            "TransportError",
            "VSphereError",
        ),
        "errors",
    ),
    **dict.fromkeys(
        ("VM", "ApiFamily", "ConsoleType", "EntityRef", "Inventory", "PowerAction", "PowerState", "VMFilter"), "models"
    ),
    "NetworkThread": "network_thread",
    "shared_network_thread": "network_thread",
    "Secret": "redaction",
    "redact": "redaction",
    "ConsoleTicket": "tickets",
    "CertificateInfo": "tls",
    "TrustSettings": "tls",
}

__all__ = [
    "VM",
    "ApiError",
    "ApiFamily",
    "CertificateInfo",
    "CertificateUntrusted",
    "ConsoleTicket",
    "ConsoleTicketsUnsupported",
    "ConsoleType",
    "EntityRef",
    "InvalidTicket",
    "Inventory",
    "LoginFailed",
    "NetworkThread",
    "PinMismatch",
    "PowerAction",
    "PowerState",
    "Secret",
    "TicketHostMismatch",
    "TransportError",
    "TrustSettings",
    "VMFilter",
    "VSphereClient",
    "VSphereError",
    "redact",
    "shared_network_thread",
]


def __getattr__(name: str) -> Any:
    """Import the submodule that defines ``name`` on first use and cache the value here."""
    submodule = _SUBMODULE_OF.get(name)
    if submodule is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{submodule}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
