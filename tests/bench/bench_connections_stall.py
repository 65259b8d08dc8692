"""Event-loop stalls of the connection services alone (no Qt): the real ``ConnectionManager`` lists 50k VMs.

A simulator runs as a child process (``python -m vmconsole_gui.sim``) so its work never competes for this
process's GIL. On a plain asyncio loop, a ``loop.call_later(0.005, …)`` tick chain measures the gaps from
``connect`` until the listing is published and enrichment has run ``--enrich-seconds``. While a tick is late, a
sampler thread records the loop thread's innermost project frames, so each long gap is attributed. Full garbage
collections are timed with ``gc.callbacks``.

    .venv/bin/python tests/bench/bench_connections_stall.py --vms 50000 --enrich-seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.keyrings import DictKeyring  # noqa: E402
from vmconsole_gui.services.connections import (  # noqa: E402
    ConnectionManager,
    ConnectionState,
    ConnectionStatus,
    VmRecord,
)
from vmconsole_gui.services.inventory_cache import InventoryCache  # noqa: E402
from vmconsole_gui.services.settings import (  # noqa: E402
    ConfigStore,
    ConnectionProfile,
    CredentialStore,
    Pin,
    PinKind,
    PinScope,
    PinStore,
    ProfileStore,
)


class Events:
    """A ConnectionEvents that only counts (the UI's cost is not measured here)."""

    def __init__(self) -> None:
        self.listed = asyncio.Event()
        self.updates = 0
        self.batches: list[int] = []

    def state_changed(self, state: ConnectionState) -> None:
        """Ignored."""

    def inventory_replaced(self, profile_id: str, records: Sequence[VmRecord], stale: bool) -> None:
        """Note a fresh listing."""
        if not stale and records:
            self.listed.set()

    def vms_updated(self, records: Sequence[VmRecord]) -> None:
        """Count the updates and the batch sizes."""
        self.updates += len(records)
        self.batches.append(len(records))

    def profile_removed(self, profile_id: str) -> None:
        """Ignored."""


class Ticks:
    """A 5 ms ``call_later`` chain plus a sampler of the loop thread's stack while a tick is late."""

    def __init__(self, loop: asyncio.AbstractEventLoop, interval: float = 0.005, late: float = 0.02) -> None:
        self.loop, self.interval, self.late = loop, interval, late
        self.ticks: list[float] = []
        self.samples: list[tuple[float, str]] = []
        self.gcs: list[tuple[float, float]] = []
        self._handle: asyncio.TimerHandle | None = None
        self._stop = threading.Event()
        self._main = threading.get_ident()
        self._gc_t0 = 0.0

    def _tick(self) -> None:
        self.ticks.append(time.perf_counter())
        self._handle = self.loop.call_later(self.interval, self._tick)

    def _gc(self, phase: str, info: dict[str, int]) -> None:
        if info["generation"] == 2:
            if phase == "start":
                self._gc_t0 = time.perf_counter()
            else:
                self.gcs.append((self._gc_t0 - self.ticks[0], (time.perf_counter() - self._gc_t0) * 1e3))

    def _sample(self) -> None:
        while not self._stop.wait(0.002):
            now = time.perf_counter()
            if self.ticks and now - self.ticks[-1] > self.interval + self.late:
                frame = sys._current_frames().get(self._main)
                if frame is not None:
                    self.samples.append((now, _where(frame)))

    def start(self) -> None:
        """Start ticking and sampling."""
        self.ticks = [time.perf_counter()]
        gc.callbacks.append(self._gc)
        threading.Thread(target=self._sample, daemon=True).start()
        self._handle = self.loop.call_later(self.interval, self._tick)

    def stop(self) -> list[float]:
        """Stop; the gaps between ticks in ms (minus nothing: a gap of 5 ms is on time)."""
        if self._handle is not None:
            self._handle.cancel()
        self._stop.set()
        gc.callbacks.remove(self._gc)
        return [(b - a) * 1e3 for a, b in zip(self.ticks, self.ticks[1:], strict=False)]

    def explain(self, top: int = 3) -> list[str]:
        """The longest gaps and where their samples fell."""
        gaps = sorted(zip(self.ticks, self.ticks[1:], strict=False), key=lambda ab: ab[0] - ab[1])[:top]
        lines = []
        for a, b in gaps:
            where = Counter(w for t, w in self.samples if a < t <= b).most_common(3)
            lines.append(f"  {(b - a) * 1e3:7.1f} ms at +{a - self.ticks[0]:6.2f} s: " + "; ".join(
                f"{n}x {w}" for w, n in where
            ))  # fmt: skip
        return lines


def _where(frame: FrameType | None) -> str:
    names: list[str] = []
    while frame is not None and len(names) < 3:
        code = frame.f_code
        if "vmconsole_gui" in code.co_filename or code.co_name == "_gc":
            names.append(f"{Path(code.co_filename).stem}:{code.co_name}")
        frame = frame.f_back
    return " < ".join(names) or "(outside the project)"


def _services(root: Path, endpoint: dict[str, Any]) -> tuple[ProfileStore, CredentialStore, PinStore, str]:
    config = ConfigStore(root / "config.json")
    config.load()
    profiles = ProfileStore(config)
    url = urlsplit(endpoint["url"])
    host, port = url.hostname or "127.0.0.1", url.port or 443
    profile = profiles.add(ConnectionProfile(name="Bench", host=host, port=port, username=endpoint["username"]))
    pins = PinStore(root / "pins.json")
    pin = Pin.create(sha256=endpoint["sha256"], sha1=endpoint["sha1"], subject="bench", kind=PinKind.VCENTER)
    pins.pin(host, port, pin, PinScope.ONCE)
    return profiles, CredentialStore(backend=DictKeyring()), pins, profile.id


async def probe(vms: int, enrich_s: float) -> None:
    """Connect, list, enrich for ``enrich_s``; print the gap statistics."""
    sim = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "vmconsole_gui.sim", "--vms", str(vms), "--exit-on-stdin-eof", "--log-level",
        "WARNING", stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert sim.stdout is not None and sim.stdin is not None
    try:
        endpoint = json.loads(await asyncio.wait_for(sim.stdout.readline(), 120))
        with tempfile.TemporaryDirectory(prefix="bench-conn-stall-") as tmp:
            profiles, credentials, pins, profile_id = _services(Path(tmp), endpoint)
            await credentials.set_password(profiles.get(profile_id), endpoint["password"], persist=False)
            events = Events()
            manager = ConnectionManager(
                profiles, credentials, pins, events, cache=InventoryCache(Path(tmp) / "cache")
            )  # fmt: skip
            ticks = Ticks(asyncio.get_running_loop())
            ticks.start()
            t0 = ticks.ticks[0]
            state = await manager.connect(profile_id)
            assert state.status is ConnectionStatus.CONNECTED, state
            await asyncio.wait_for(events.listed.wait(), 120)
            t_listed = time.perf_counter()
            await asyncio.sleep(enrich_s)
            gaps = ticks.stop()
            await manager.aclose()
    finally:
        sim.stdin.close()
        await sim.wait()
    gaps.sort()
    p99 = gaps[int(len(gaps) * 0.99)] if gaps else 0.0
    largest = max(events.batches, default=0)
    print(f"{vms:,} VMs; load average {os.getloadavg()[0]:.2f}; listed after {t_listed - t0:.2f} s; "
          f"{events.updates:,} record updates in {len(events.batches)} batches (largest {largest:,})")  # fmt: skip
    print(f"ticks {len(gaps) + 1}; median gap {gaps[len(gaps) // 2]:.1f} ms; p99 {p99:.1f} ms; max {gaps[-1]:.1f} ms; "
          f"gaps > 50 ms: {sum(g > 50 for g in gaps)}; full GCs: "
          + ", ".join(f"{d:.0f} ms at +{t:.2f} s" for t, d in ticks.gcs if d > 5))  # fmt: skip
    print("longest gaps:")
    print("\n".join(ticks.explain()))


def main() -> None:
    """Parse the command line and run the probe."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vms", type=int, default=50_000)
    parser.add_argument("--enrich-seconds", type=float, default=10.0)
    args = parser.parse_args()
    asyncio.run(probe(args.vms, args.enrich_seconds))


if __name__ == "__main__":
    main()
