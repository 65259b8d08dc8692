"""Benchmark: ``InventoryCache`` save and load of 10k / 50k VM records.

Run from the repository root: ``.venv/bin/python tests/bench/bench_inventory_cache.py``. Prints the median and best
of several runs and the file size; the start-up budget for 10k records is about 100 ms.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from vmconsole_gui.services.connections import VmRecord
from vmconsole_gui.services.inventory_cache import InventoryCache


def records(n: int) -> list[VmRecord]:
    """Realistic, fully enriched records."""
    return [
        VmRecord(
            "bench",
            "Lab",
            f"vm-{1000 + i}",
            f"app-prod-{i:05d}",
            "POWERED_ON",
            "Red Hat Enterprise Linux 9 (64-bit)",
            f"10.{i // 65536}.{(i // 256) % 256}.{i % 256}",
            f"app-prod-{i:05d}.prod.example.com",
            f"esx{i % 200:03d}.ams.example.com",
            "ams-cl01",
            "DC-AMS",
            "Production/Apps",
            4,
            8192,
            True,
        )
        for i in range(n)
    ]


def main() -> None:
    """Time save and load."""
    with tempfile.TemporaryDirectory() as tmp:
        cache = InventoryCache(Path(tmp))
        for n in (10_000, 50_000):
            data = records(n)
            saves, loads = [], []
            for _ in range(7):
                started = time.perf_counter()
                cache.save("bench", data)
                saves.append(time.perf_counter() - started)
                started = time.perf_counter()
                loaded = cache.load("bench")
                loads.append(time.perf_counter() - started)
                assert loaded == data
            size = cache.path_for("bench").stat().st_size
            print(
                f"{n:>6} records, {size / 1e6:.1f} MB: load median {statistics.median(loads) * 1e3:.0f} ms "
                f"(best {min(loads) * 1e3:.0f}), save median {statistics.median(saves) * 1e3:.0f} ms"
            )


if __name__ == "__main__":
    main()
