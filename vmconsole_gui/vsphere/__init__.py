"""Async vCenter REST client: sessions, inventory, power, console tickets. Never imports Qt.

Entry point: :class:`VSphereClient`. Errors: :mod:`vmconsole_gui.vsphere.errors` (every one has ``user_message``).
"""

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
from .models import (
    VM,
    ApiFamily,
    ConsoleType,
    EntityRef,
    Inventory,
    PowerAction,
    PowerState,
    VMFilter,
)
from .network_thread import NetworkThread, shared_network_thread
from .redaction import Secret, redact
from .tickets import ConsoleTicket
from .tls import CertificateInfo, TrustSettings

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
