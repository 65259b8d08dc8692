"""Shared state of one running simulator: configuration, inventory, sessions, faults, tickets, certificates."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from aiohttp import web

from vmconsole_gui.sim.certs import CertificateAuthority, LeafCertificate
from vmconsole_gui.sim.faults import Faults
from vmconsole_gui.sim.inventory import Inventory
from vmconsole_gui.sim.sessions import SessionStore
from vmconsole_gui.sim.tickets import TicketBook


@dataclass(frozen=True)
class Profile:
    """What one simulated vCenter version serves (vsphere-rest.md §0, §7.1 item 7)."""

    name: str
    has_api: bool
    """``/api/...`` exists (≥ 7.0 U2)."""
    rest_tickets: bool
    """``POST /rest/vcenter/vm/{vm}/console/tickets`` exists (API ≥ 7.0.0.2)."""


PROFILES: dict[str, Profile] = {
    "8.0": Profile("8.0", has_api=True, rest_tickets=True),
    "7.0u2": Profile("7.0u2", has_api=True, rest_tickets=True),
    "7.0u1": Profile("7.0u1", has_api=False, rest_tickets=True),
    "6.7": Profile("6.7", has_api=False, rest_tickets=False),
}


class RequestRecord(NamedTuple):
    """One answered request: method, path with query, HTTP status (0 = connection dropped), endpoint name."""

    method: str
    path: str
    status: int
    endpoint: str | None


@dataclass
class SimState:
    """Everything the request handlers need; one per simulator."""

    profile: Profile
    host: str
    username: str
    password: str = field(repr=False)
    inventory: Inventory
    sessions: SessionStore
    faults: Faults
    tickets: TicketBook
    ca: CertificateAuthority
    vcenter_cert: LeafCertificate
    list_caps: dict[str, int]
    too_many_matches_status_api: int = 500
    too_many_matches_status_rest: int = 400
    folder_filter_recursive: bool = False
    port: int = 0
    esxi_port: int = 0
    request_log: list[RequestRecord] = field(default_factory=list)
    log_lock: threading.Lock = field(default_factory=threading.Lock)
    extras: dict[str, Any] = field(default_factory=dict)

    def record(self, entry: RequestRecord) -> None:
        """Append to the request log (bounded to the last 100 000 entries)."""
        with self.log_lock:
            self.request_log.append(entry)
            if len(self.request_log) > 100_000:
                del self.request_log[:10_000]


STATE: web.AppKey[SimState] = web.AppKey("sim_state", SimState)
ENDPOINT_OF: web.AppKey[dict[Any, str]] = web.AppKey("sim_endpoints", dict)
LOGIN_ROUTES: web.AppKey[set[Any]] = web.AppKey("sim_login_routes", set)
