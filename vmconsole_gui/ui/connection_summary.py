"""How a connection's state reads in the UI: "Connected · 9 VMs · live updates (PropertyCollector)".

One place for the words of the side tree's vCenter node (label and tooltip), the status bar's connection label and
the connections dialog, so they always agree on what a connection is doing and how its VM list is kept current.
"""

from __future__ import annotations

from vmconsole_gui.services import display_text
from vmconsole_gui.services.connections.records import ConnectionState, ConnectionStatus
from vmconsole_gui.services.connections.soap_path import INVENTORY_VIA_REST, INVENTORY_VIA_SOAP

__all__ = [
    "SEPARATOR",
    "STATUS_LABELS",
    "connected_details",
    "path_explanation",
    "path_words",
    "status_label",
    "summary",
]

SEPARATOR = " · "

STATUS_LABELS = {
    ConnectionStatus.IDLE: "not connected",
    ConnectionStatus.CONNECTING: "connecting…",
    ConnectionStatus.CONNECTED: "connected",
    ConnectionStatus.NEEDS_PASSWORD: "password needed",
    ConnectionStatus.NEEDS_TRUST: "certificate not trusted",
    ConnectionStatus.ERROR: "error",
}
"""Short lower-case labels (tree node, connections list)."""

PATH_WORDS = {
    INVENTORY_VIA_SOAP: "live updates (PropertyCollector)",
    INVENTORY_VIA_REST: "REST listing",
}
PATH_EXPLANATIONS = {
    INVENTORY_VIA_SOAP: (
        "The VM list is read through vCenter's PropertyCollector (SOAP): power, IP address and name changes "
        "appear as they happen, without a refresh."
    ),
    INVENTORY_VIA_REST: (
        "The VM list is read through vCenter's REST listing: changes made elsewhere appear at the next refresh "
        "(F5, or the automatic refresh)."
    ),
}


def path_words(inventory_via: str) -> str:
    """A few words for how the VM list is read ("live updates (PropertyCollector)", "REST listing"); "" if unknown."""
    return PATH_WORDS.get(inventory_via, display_text.line(inventory_via))


def path_explanation(inventory_via: str) -> str:
    """One sentence for a tooltip: what the inventory path means for the person looking at the list."""
    return PATH_EXPLANATIONS.get(inventory_via, "")


def status_label(state: ConnectionState | None) -> str:
    """The short lower-case label of ``state`` ("connected", "refreshing…", "error", …)."""
    if state is None:
        return STATUS_LABELS[ConnectionStatus.IDLE]
    if state.status is ConnectionStatus.CONNECTED and state.refreshing:
        return "refreshing…"
    return STATUS_LABELS[state.status]


def connected_details(state: ConnectionState | None) -> list[str]:
    """While connected: the VM count and the inventory path, as parts of a sentence (empty otherwise)."""
    if state is None or state.status is not ConnectionStatus.CONNECTED:
        return []
    parts = [] if state.vm_count is None else [f"{state.vm_count:,} VM" + ("" if state.vm_count == 1 else "s")]
    words = path_words(state.inventory_via)
    return [*parts, words] if words else parts


def summary(state: ConnectionState | None, *, stale: bool = False) -> str:
    """One line: "Connected · 9 VMs · live updates (PropertyCollector)", "Error · cached list", "Not connected"."""
    label = status_label(state)
    parts = [label[:1].upper() + label[1:], *connected_details(state)]
    if stale:
        parts.append("cached list")
    return SEPARATOR.join(parts)
