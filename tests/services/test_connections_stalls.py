"""The connection services keep the event loop (the GUI thread under qasync) responsive with large inventories.

Gaps are measured with a ``loop.call_later`` tick chain, as tests/bench/bench_connections_stall.py does. Garbage
collection is disabled while a gap is measured: a full collection lands wherever an allocation triggers it (on any
thread, holding the GIL), which is what ``gc.freeze`` in the manager addresses, not what these tests are about.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.services.connections_rig import (  # noqa: F401 - fixtures
    Rig,
    rig_fixture,
    service_sims_fixture,
    until,
)
from tests.services.test_inventory_cache import PID
from tests.services.test_inventory_cache import _records as cache_records
from vmconsole_gui.services import heap
from vmconsole_gui.services.connections.enrich import FOLDER_CHUNK, Changes, Enricher
from vmconsole_gui.services.connections.priority import UserFirst
from vmconsole_gui.services.inventory_cache import InventoryCache

ROOT = Path(__file__).resolve().parents[2]
MAX_GAP_MS = 60.0
"""Largest tolerated loop gap (the UI target is 50 ms; the machine is shared, so a little headroom)."""


@contextmanager
def _no_gc() -> Iterator[None]:
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


async def _max_gap_ms(work: Callable[[], Awaitable[object]]) -> float:
    """Run ``work`` while a 5 ms tick chain runs on the loop; the largest gap between ticks, in ms."""
    loop = asyncio.get_running_loop()
    ticks = [time.perf_counter()]
    handle: list[asyncio.TimerHandle] = []

    def tick() -> None:
        ticks.append(time.perf_counter())
        handle[:] = [loop.call_later(0.005, tick)]

    handle.append(loop.call_later(0.005, tick))
    try:
        with _no_gc():
            await work()
    finally:
        handle[0].cancel()
    ticks.append(time.perf_counter())
    return max(b - a for a, b in itertools.pairwise(ticks)) * 1e3


@pytest.mark.parametrize("module", ["vmconsole_gui.services.inventory_cache", "vmconsole_gui.services.connections"])
def test_each_module_imports_first_in_a_fresh_interpreter(module: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", f"import {module}"], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.asyncio
async def test_saving_and_loading_50k_records_leaves_the_loop_free(tmp_path: Path) -> None:
    cache = InventoryCache(tmp_path)
    records = cache_records(50_000)
    started = time.perf_counter()
    cache.save(PID, records)
    blocking_ms = (time.perf_counter() - started) * 1e3  # the whole save, for the message below
    save_gap = await _max_gap_ms(lambda: cache.save_async(PID, records))
    loaded: list[object] = []

    async def load() -> None:
        loaded.append(await cache.load_async(PID))

    load_gap = await _max_gap_ms(load)
    assert loaded == [records]
    assert save_gap < MAX_GAP_MS, f"save_async blocked the loop {save_gap:.0f} ms (save takes {blocking_ms:.0f} ms)"
    assert load_gap < MAX_GAP_MS, f"load_async blocked the loop {load_gap:.0f} ms"


@pytest.mark.asyncio
async def test_folder_placement_of_many_vms_yields_to_the_loop(rig: Rig, service_sims) -> None:
    sim = service_sims(vms=3000)
    pid = await rig.connected(sim)
    await until(lambda: len(rig.manager.records(pid)) == 3000, what="the listing")
    client = rig.manager.client(pid)
    assert client is not None
    records = rig.manager.records(pid)
    loop = asyncio.get_running_loop()
    turns = [0]  # how often the loop ran other callbacks

    def turn() -> None:
        turns[0] += 1
        handle[0] = loop.call_soon(turn)

    handle = [loop.call_soon(turn)]
    folder_turns: list[int] = []
    other = asyncio.Event()

    def publish(vm_id: str, changes: Changes) -> None:
        if set(changes) == {"folder"}:
            folder_turns.append(turns[0])
        else:
            other.set()

    datacenters = [dc.datacenter for dc in await client.list_datacenters()]
    run = asyncio.ensure_future(Enricher(client, UserFirst(4), 4).run(records, datacenters, publish))
    try:
        await asyncio.wait([run, asyncio.ensure_future(other.wait())], timeout=60, return_when="FIRST_COMPLETED")
    finally:
        run.cancel()
        handle[0].cancel()
    assert len(folder_turns) > 2 * FOLDER_CHUNK  # the simulator puts most VMs in sub-folders
    # Between chunks the loop ran: the folder changes were published in at least len / FOLDER_CHUNK separate turns.
    assert len(set(folder_turns)) >= len(folder_turns) // FOLDER_CHUNK
    assert max(folder_turns.count(t) for t in set(folder_turns)) <= FOLDER_CHUNK


@pytest.mark.asyncio
async def test_a_large_listing_freezes_the_heap_a_small_one_does_not(
    rig: Rig, service_sims, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim = service_sims()
    monkeypatch.setattr(heap, "FREEZE_MIN_VMS", len(sim.vm_ids()) + 1)
    gc.unfreeze()
    try:
        pid = await rig.connected(sim)
        assert gc.get_freeze_count() == 0  # below the threshold: nothing frozen
        monkeypatch.setattr(heap, "FREEZE_MIN_VMS", len(sim.vm_ids()))
        await rig.manager.refresh(pid)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
