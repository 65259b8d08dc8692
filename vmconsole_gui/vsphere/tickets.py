"""Console tickets: the ``ConsoleTicket`` value (URL hidden from repr/str) and its validation.

VMRC (docs/vmrc-launch.md §1.1): scheme ``vmrc``, no whitespace/quotes/control characters, < 2 KB, ``moid=`` in the
query, host == the vCenter we talked to (else :class:`TicketHostMismatch`, carrying both names and the ticket so the UI
can ask). WEBMKS (docs/webmks.md §1.1): scheme ``wss``, path ``/ticket/<id>``, a host and a port (``wss`` implies 443
when the URL names none). Tickets are single-use bearer credentials: never cached, logged or reused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from .errors import InvalidTicket, TicketHostMismatch
from .models import ConsoleType
from .redaction import Secret, redact

__all__ = ["MAX_TICKET_LENGTH", "ConsoleTicket", "validate_ticket"]

MAX_TICKET_LENGTH = 2048
_FORBIDDEN = re.compile(r"[\s\"'`<>\\\x00-\x1f\x7f]")
_WEBMKS_PATH = re.compile(r"/ticket/[A-Za-z0-9._~%+=-]+")


@dataclass(frozen=True, slots=True)
class ConsoleTicket:
    """A validated console ticket. ``repr``/``str`` never show the URL; call :meth:`reveal_url` to use it once."""

    type: ConsoleType
    vm: str
    host: str
    port: int
    url: Secret = field(repr=False)

    def reveal_url(self) -> str:
        """The ticket URL: hand it to VMRC / the WebMKS relay immediately; never log, store or reuse it."""
        return self.url.reveal()

    @property
    def redacted_url(self) -> str:
        """The URL with its secret part replaced by ``***`` (for display and logs)."""
        return redact(self.url.reveal())

    def __str__(self) -> str:
        return f"{self.type.value} console ticket for {self.vm} via {self.host}:{self.port}"


def _invalid(vcenter: str, console: ConsoleType, problem: str) -> InvalidTicket:
    return InvalidTicket(
        f"{vcenter} returned a {console.value} console ticket that vmconsole-gui refuses to use: {problem}. "
        "Nothing was launched.",
        host=vcenter,
    )


def validate_ticket(url: object, console: ConsoleType, *, vm: str, vcenter_host: str) -> ConsoleTicket:
    """Check a ticket URL from the server and wrap it; raise InvalidTicket or TicketHostMismatch."""
    if not isinstance(url, str) or not url:
        raise _invalid(vcenter_host, console, "it is not a non-empty string")
    if len(url) >= MAX_TICKET_LENGTH:
        raise _invalid(vcenter_host, console, f"it is {len(url)} characters long (limit {MAX_TICKET_LENGTH})")
    if _FORBIDDEN.search(url):
        raise _invalid(vcenter_host, console, "it contains spaces, quotes or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
        hostname = parts.hostname
    except ValueError:
        raise _invalid(vcenter_host, console, "it is not a valid URL") from None
    if console is ConsoleType.VMRC:
        if parts.scheme != "vmrc":
            raise _invalid(vcenter_host, console, f"its scheme is {parts.scheme!r}, expected 'vmrc'")
        if "moid" not in parse_qs(parts.query):
            raise _invalid(vcenter_host, console, "it names no VM (no 'moid=' in the query)")
        if not hostname:
            raise _invalid(vcenter_host, console, "it names no host")
        ticket = ConsoleTicket(console, vm, hostname, port or 443, Secret(url))
        if hostname.lower() != vcenter_host.strip("[]").lower():
            raise TicketHostMismatch(
                f"The VMRC ticket names the host {hostname!r}, but you are connected to {vcenter_host!r}. They may "
                "be two names of the same vCenter; confirm before opening the console.",
                host=vcenter_host,
                ticket_host=hostname,
                ticket=ticket,
            )
        return ticket
    if parts.scheme != "wss":
        raise _invalid(vcenter_host, console, f"its scheme is {parts.scheme!r}, expected 'wss'")
    if not hostname:
        raise _invalid(vcenter_host, console, "it names no ESXi host")
    if not _WEBMKS_PATH.fullmatch(parts.path) or parts.query or parts.fragment:
        raise _invalid(vcenter_host, console, "its path is not '/ticket/' followed by an id")
    return ConsoleTicket(console, vm, hostname, port or 443, Secret(url))
