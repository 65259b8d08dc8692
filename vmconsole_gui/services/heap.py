"""Keeping full garbage collections short while a large inventory is alive."""

from __future__ import annotations

import gc

__all__ = ["FREEZE_MIN_VMS", "freeze_heap_if_large"]

FREEZE_MIN_VMS = 10_000
"""From this many VMs on, building or showing a list freezes the heap (:func:`gc.freeze`)."""


def freeze_heap_if_large(vm_count: int) -> None:
    """Move every live object to the GC's permanent generation when ``vm_count`` is large.

    A full garbage collection scans every tracked object: with a 50k-VM inventory alive (records, the table's
    per-row lists, the proxy's row lists), each one that an allocation triggers takes 30-130 ms on the event loop.
    Frozen objects are not scanned; they are still freed by reference counting (records and row lists hold no
    cycles). The price: a reference cycle that is alive now and becomes garbage later is never collected. Measured
    with tests/bench/bench_connections_stall.py and tests/bench/bench_ui.py; only large lists pay that price.
    """
    if vm_count >= FREEZE_MIN_VMS:
        gc.freeze()
