"""Search and sort helpers for the VM rows of the inventory table (rows are the services' ``VmRecord``)."""

from __future__ import annotations

import re

from vmconsole_gui.services.connections.records import VmRecord

POWER_STATES = ("POWERED_ON", "POWERED_OFF", "SUSPENDED")

_DIGITS = re.compile(r"\d+")


def _pad(match: re.Match[str]) -> str:
    return match.group().zfill(20)


def natural_key(text: str) -> str:
    """Sort key that orders ``web-2`` before ``web-10`` and ignores case (numbers zero-padded: fast to compare)."""
    return _DIGITS.sub(_pad, text.casefold())


def search_text(record: VmRecord) -> str:
    """The lower-case text a search matches: name, IP, guest host name, host, guest OS and vCenter."""
    return "\x00".join(
        (record.name, record.ip_address, record.guest_host_name, record.host, record.guest_os, record.vcenter)
    ).casefold()


def record_key(record: VmRecord) -> tuple[str, str]:
    """Identity of a VM across refreshes: (profile id, VM id)."""
    return (record.profile_id, record.vm_id)


def search_tokens(query: str) -> tuple[str, ...]:
    """Split a search query into lower-case words; every word must match (AND)."""
    return tuple(word for word in query.casefold().split() if word)
