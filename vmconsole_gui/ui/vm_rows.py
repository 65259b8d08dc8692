"""The plain data the inventory table shows: one :class:`VmRow` per VM of any connected vCenter."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

POWER_STATES = ("POWERED_ON", "POWERED_OFF", "SUSPENDED")

_DIGITS = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple[object, ...]:
    """Sort key that orders ``web-2`` before ``web-10`` and ignores case."""
    return tuple(int(part) if part.isdigit() else part for part in _DIGITS.split(text.casefold()))


@dataclass(frozen=True, slots=True)
class VmRow:
    """One VM as the UI shows it, flattened from the client's inventory of one vCenter."""

    profile_id: str
    vcenter: str
    vm_id: str
    name: str
    power_state: str
    guest_os: str = ""
    ip_address: str = ""
    guest_host_name: str = ""
    host: str = ""
    cluster: str = ""
    datacenter: str = ""
    folder: str = ""
    cpu_count: int | None = None
    memory_mib: int | None = None
    tools_running: bool | None = None
    haystack: str = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        text = "\x00".join(
            (self.name, self.ip_address, self.guest_host_name, self.host, self.guest_os, self.vcenter)
        ).casefold()
        object.__setattr__(self, "haystack", text)

    @property
    def key(self) -> tuple[str, str]:
        """Identity across refreshes: (profile id, VM id)."""
        return (self.profile_id, self.vm_id)


def search_tokens(query: str) -> tuple[str, ...]:
    """Split a search query into lower-case words; every word must match (AND)."""
    return tuple(word for word in query.casefold().split() if word)
