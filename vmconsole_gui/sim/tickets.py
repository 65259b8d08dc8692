"""Console tickets issued by the simulated vCenter and redeemed by the simulated ESXi WebMKS endpoint."""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

TICKET_LIFETIME_S = 30 * 60
"""A console ticket is valid for 30 minutes (vsphere-rest.md §4.2)."""


@dataclass(frozen=True, slots=True)
class IssuedTicket:
    """One WEBMKS ticket: the VM it opens, when it expires, whether it was used."""

    ticket_id: str
    vm_id: str
    expires_at: float


class RedeemError(Exception):
    """A WebMKS ticket that cannot be redeemed; ``reason`` is ``unknown``, ``used`` or ``expired``."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"ticket {reason}")
        self.reason = reason


class TicketBook:
    """Thread-safe book of one-time WEBMKS tickets (and the VMRC clone tickets handed out).

    The vCenter side calls :meth:`issue_webmks` / :meth:`issue_vmrc_clone`; the ESXi side calls :meth:`redeem`
    before it speaks RFB. ``clock`` is injectable so tests can expire tickets without waiting 30 minutes.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic, lifetime_s: float = TICKET_LIFETIME_S) -> None:
        self._clock = clock
        self.lifetime_s = lifetime_s
        self._lock = threading.Lock()
        self._webmks: dict[str, IssuedTicket] = {}
        self._used: set[str] = set()
        self.vmrc_issued = 0

    def issue_webmks(self, vm_id: str) -> str:
        """Issue a new one-time WEBMKS ticket id (32 lowercase hex) for ``vm_id``."""
        ticket_id = secrets.token_hex(16)
        with self._lock:
            self._webmks[ticket_id] = IssuedTicket(ticket_id, vm_id, self._clock() + self.lifetime_s)
        return ticket_id

    def issue_vmrc_clone(self, vcenter_sha1_dashed: str) -> str:
        """Issue a clone ticket ``cst-VCT-<uuid>--tp-<SHA-1 of the vCenter cert, dash-separated>``."""
        with self._lock:
            self.vmrc_issued += 1
        return f"cst-VCT-{uuid.uuid4()}--tp-{vcenter_sha1_dashed}"

    def redeem(self, ticket_id: str) -> str:
        """Consume ``ticket_id`` and return its VM id; raise :class:`RedeemError` if unknown, used or expired."""
        with self._lock:
            if ticket_id in self._used:
                raise RedeemError("used")
            issued = self._webmks.pop(ticket_id, None)
            if issued is None:
                raise RedeemError("unknown")
            self._used.add(ticket_id)
            if self._clock() > issued.expires_at:
                raise RedeemError("expired")
            return issued.vm_id

    def expire_all(self) -> None:
        """Make every outstanding WEBMKS ticket expired (a fault knob for tests)."""
        with self._lock:
            self._webmks = {k: IssuedTicket(t.ticket_id, t.vm_id, self._clock() - 1) for k, t in self._webmks.items()}
