"""Search and sort helpers for the VM rows of the inventory table (rows are the services' ``VmRecord``).

The table holds *display records* (:func:`display_record`): the server's strings cleaned and bounded by
:mod:`vmconsole_gui.services.display_text`, so what is searched, sorted, grouped in the side tree and shown is the
same text. Ids (profile, VM) are never changed: they are what every operation sends back to the server.
"""

from __future__ import annotations

import dataclasses
import heapq
import re
from collections.abc import Callable, Sequence
from typing import Any

from vmconsole_gui.services import display_text
from vmconsole_gui.services.connections.records import VmRecord

POWER_STATES = ("POWERED_ON", "POWERED_OFF", "SUSPENDED")

_DIGITS = re.compile(r"\d+")


def _pad(match: re.Match[str]) -> str:
    return match.group().zfill(20)


def natural_key(text: str) -> str:
    """Sort key that orders ``web-2`` before ``web-10`` and ignores case (numbers zero-padded: fast to compare)."""
    return _DIGITS.sub(_pad, text.casefold())


_DISPLAY_RULES: tuple[tuple[str, Callable[[object], str]], ...] = (
    ("name", display_text.name),
    ("vcenter", display_text.name),
    ("power_state", display_text.name),
    ("guest_os", display_text.guest_os),
    ("ip_address", display_text.ip_address),
    ("guest_host_name", display_text.host_name),
    ("host", display_text.host_name),
    ("cluster", display_text.name),
    ("datacenter", display_text.name),
    ("folder", display_text.path),
)
_QUICK_LIMIT = min(display_text.LIMITS[kind] for kind in ("name", "guest_os", "ip", "host", "path"))


def display_record(record: VmRecord) -> VmRecord:
    """``record`` with every server string cleaned and bounded for display (the same object when all are plain).

    Plain rows (nearly all) are recognised with one join and C-speed checks of the joined text.
    """
    fields = (
        record.name, record.vcenter, record.power_state, record.guest_os, record.ip_address, record.guest_host_name,
        record.host, record.cluster, record.datacenter, record.folder,
    )  # fmt: skip
    joined = "".join(fields)
    if display_text.is_plain(joined) and (len(joined) <= _QUICK_LIMIT or max(map(len, fields)) <= _QUICK_LIMIT):
        return record
    changes: dict[str, Any] = {}
    for field, show in _DISPLAY_RULES:
        value = getattr(record, field)
        shown = show(value)
        if shown != value:
            changes[field] = shown
    return dataclasses.replace(record, **changes) if changes else record


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


SORT_PIECE = 4096
"""Keys sorted per piece by :func:`sorted_positions` (about a millisecond of holding the GIL each)."""


def sorted_positions(keys: Sequence[Any]) -> list[int]:
    """Positions of ``keys`` in ascending, stable key order.

    One ``sorted()`` over 50 000 keys holds the GIL for 10-15 ms, so a worker thread sorting would stall the GUI
    thread that long. Sorting pieces and merging them with :func:`heapq.merge` (a Python-level generator, stable
    across pieces) lets the GUI thread in between: more total work, no long hold.
    """
    count = len(keys)
    if count <= SORT_PIECE:
        return sorted(range(count), key=keys.__getitem__)
    pieces = [
        sorted(range(at, min(at + SORT_PIECE, count)), key=keys.__getitem__) for at in range(0, count, SORT_PIECE)
    ]
    return list(heapq.merge(*pieces, key=keys.__getitem__))
