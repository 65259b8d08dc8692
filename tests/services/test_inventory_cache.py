"""InventoryCache: round trip, private atomic files, damaged / other-schema files, odd profile ids, speed."""

from __future__ import annotations

import json
import logging
import os
import stat
import time
from pathlib import Path

import pytest

from vmconsole_gui.services.connections import VmRecord
from vmconsole_gui.services.inventory_cache import FIELDS, InventoryCache
from vmconsole_gui.services.settings import AppPaths

PID = "3f2a5c1e-0d7b-4c8e-9a61-2b7f0e4d9c13"


def _records(n: int, profile_id: str = PID) -> list[VmRecord]:
    states = ("POWERED_ON", "POWERED_OFF", "SUSPENDED")
    return [
        VmRecord(
            profile_id=profile_id,
            vcenter="Lab “north”",
            vm_id=f"vm-{1000 + i}",
            name=f"web-prod-{i:05d}",
            power_state=states[i % 3],
            guest_os="Ubuntu Linux (64-bit)" if i % 2 else "",
            ip_address=f"10.0.{i // 250}.{i % 250 + 1}" if i % 5 else "",
            guest_host_name=f"web-{i}.example.com",
            host=f"esx{i % 40:03d}.example.com",
            cluster="" if i % 7 == 0 else "ams-cl01",
            datacenter="DC-AMS",
            folder="Production/Web" if i % 3 else "",
            cpu_count=None if i % 11 == 0 else 4,
            memory_mib=8192,
            tools_running=(None, True, False)[i % 3],
        )
        for i in range(n)
    ]


def test_round_trip_is_exact_and_private(tmp_path: Path) -> None:
    cache = InventoryCache(tmp_path / "cache" / "inventory")
    records = _records(50)
    cache.save(PID, records)
    assert cache.load(PID) == records
    path = cache.path_for(PID)
    assert path.parent == tmp_path / "cache" / "inventory"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["schema"] == 1
    assert document["fields"] == list(FIELDS)
    assert isinstance(document["records"][0], list)  # compact rows, not objects
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp files left


def test_empty_and_missing(tmp_path: Path) -> None:
    cache = InventoryCache(tmp_path)
    assert cache.load(PID) is None
    cache.save(PID, [])
    assert cache.load(PID) == []
    cache.remove(PID)
    cache.remove(PID)  # no error the second time
    assert cache.load(PID) is None


@pytest.mark.asyncio
async def test_async_variants(tmp_path: Path) -> None:
    cache = InventoryCache.for_paths(AppPaths.under(tmp_path))
    records = _records(10)
    await cache.save_async(PID, records)
    assert await cache.load_async(PID) == records
    assert cache.path_for(PID).parent == tmp_path / "cache" / "inventory"


@pytest.mark.parametrize(
    "damage",
    [
        b"{not json",
        b"\xff\xfe",
        b"[]",
        b'{"schema": "one"}',
        None,  # a row with the wrong type
        "short-row",
        "bad-power",
        "other-profile",
    ],
)
def test_damaged_files_are_logged_and_deleted(tmp_path: Path, caplog: pytest.LogCaptureFixture, damage) -> None:
    cache = InventoryCache(tmp_path)
    cache.save(PID, _records(3))
    path = cache.path_for(PID)
    if isinstance(damage, bytes):
        path.write_bytes(damage)
    else:
        document = json.loads(path.read_text(encoding="utf-8"))
        if damage is None:
            document["records"][1][FIELDS.index("cpu_count")] = "four"
        elif damage == "short-row":
            document["records"][0].pop()
        elif damage == "bad-power":
            document["records"][2][FIELDS.index("power_state")] = "ON"
        else:
            document["profile_id"] = "someone-else"
        path.write_text(json.dumps(document), encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="vmconsole_gui.services.inventory_cache"):
        assert cache.load(PID) is None
    assert not path.exists()
    assert any("damaged" in r.getMessage() and r.levelno == logging.INFO for r in caplog.records)


def test_other_schema_is_ignored_but_kept(tmp_path: Path) -> None:
    cache = InventoryCache(tmp_path)
    cache.save(PID, _records(3))
    path = cache.path_for(PID)
    document = json.loads(path.read_text(encoding="utf-8"))
    document["schema"] = 2
    path.write_text(json.dumps(document), encoding="utf-8")
    assert cache.load(PID) is None
    assert path.exists()
    cache.save(PID, _records(2))  # the next save simply replaces it
    assert len(cache.load(PID) or []) == 2


@pytest.mark.parametrize("profile_id", ["../../etc/passwd", "a/b", "..", "", "x" * 300, "ünïcode id"])
def test_odd_profile_ids_stay_inside_the_directory(tmp_path: Path, profile_id: str) -> None:
    cache = InventoryCache(tmp_path / "inv")
    records = _records(2, profile_id)
    cache.save(profile_id, records)
    path = cache.path_for(profile_id)
    assert path.parent == tmp_path / "inv"
    assert cache.load(profile_id) == records
    assert cache.load(profile_id + "x") is None


def test_ten_thousand_records_load_quickly(tmp_path: Path) -> None:
    cache = InventoryCache(tmp_path)
    records = _records(10_000)
    cache.save(PID, records)
    best = min(_timed(lambda: cache.load(PID)) for _ in range(3))
    assert cache.load(PID) == records
    assert best < 0.5, best  # ~40 ms on a laptop; generous for a shared CI machine


def _timed(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started
