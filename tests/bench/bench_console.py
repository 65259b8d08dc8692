"""Benchmark: the embedded WEBMKS console (click → first frame) and the loopback relay against a direct connection.

Run from the repository root: ``.venv/bin/python tests/bench/bench_console.py`` (``--help`` for options).

The simulator (vCenter + ESXi WebMKS) runs as its own process. Scenarios:

* **click → first frame**, each run in a fresh process (offscreen Qt): *cold* (the click imports the console package
  and starts QtWebEngine, as the first console of an app session does), *pre-warmed* (``prewarm()`` ran at start-up
  and finished before the click) and *second console* (another VM in the same process after the first). "First
  frame" = the shown view's pixels (``view.grab()``) show the simulated screen's title bar and status bar.
* **relay vs direct** in this process (no Qt): RFB over ``wss://`` straight to the simulated ESXi, and the same
  through :class:`WebMksRelay` (``ws://127.0.0.1`` → pinned ``wss://``), alternating. Throughput: full-screen Raw
  updates (1024x768x4 bytes each). Latency: pointer event + incremental update request → the update arrives
  (the status bar shows the pointer position), median and p95.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import struct
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from websockets.asyncio.client import ClientConnection, connect

from vmconsole_gui.services.esxi_trust import fetch_leaf_certificate, pinned_leaf_ssl_context
from vmconsole_gui.services.relay import WebMksRelay
from vmconsole_gui.vsphere import ConsoleType, PowerState, VSphereClient

ROOT = Path(__file__).resolve().parents[2]


# ------------------------------------------------------------------------------------------------ the simulator
@contextmanager
def simulator(vms: int) -> Iterator[dict[str, Any]]:
    """Start ``python -m vmconsole_gui.sim`` (own process) and yield its ready line."""
    cmd = [sys.executable, "-m", "vmconsole_gui.sim", "--vms", str(vms), "--port", "0", "--seed", "1"]
    cmd += ["--log-level", "WARNING", "--exit-on-stdin-eof"]
    process = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert process.stdout is not None
        yield json.loads(process.stdout.readline())
    finally:
        process.terminate()
        process.wait(10)


def client_for(sim: dict[str, Any]) -> VSphereClient:
    """A vCenter client pinned to the simulator's certificate."""
    url = urlsplit(sim["url"])
    assert url.hostname and url.port
    pins = {f"{url.hostname}:{url.port}": sim["sha256"]}
    return VSphereClient(url.hostname, sim["username"], sim["password"], port=url.port, pins=pins)


async def powered_on(client: VSphereClient) -> list[str]:
    """Ids of the powered-on VMs."""
    return [vm.vm for vm in await client.list_vms() if vm.power_state is PowerState.POWERED_ON]


async def esxi_der(sim: dict[str, Any], host: str, port: int) -> bytes:
    """The ESXi leaf, accepted only if it is the simulator's (what the app does after the user's decision)."""
    info = await fetch_leaf_certificate(host, port)
    assert info.sha256 == sim["esxi_sha256"], "unexpected ESXi certificate"
    return info.der


# ------------------------------------------------------------------------------------------------ click → frame
def run_child(mode: str, sim: dict[str, Any]) -> dict[str, float]:
    """Run one click → first frame measurement in a fresh process."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        env.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
    cmd = [sys.executable, __file__, "--child", mode, "--sim-json", json.dumps(sim)]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120, check=False)
    for line in reversed(out.stdout.splitlines()):
        if line.startswith("{"):
            return dict(json.loads(line))
    raise RuntimeError(f"child {mode} failed:\n{out.stderr[-3000:]}")


def child(mode: str, sim: dict[str, Any]) -> None:
    """In the child process: start Qt + qasync, measure, print one JSON line."""
    from PySide6.QtCore import QCoreApplication, Qt
    from PySide6.QtWidgets import QApplication

    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)  # WebEngine imported later
    app = QApplication(["bench_console"])
    app.setQuitOnLastWindowClosed(False)
    import qasync

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    result = loop.run_until_complete(_child_main(mode, sim))
    print(json.dumps(result), flush=True)


def _painted(tab: Any) -> bool:
    """Whether the shown view displays the simulated screen (title bar and status bar colours on the centre line)."""
    from vmconsole_gui.sim.console_screen import STATUS_BG, TITLE_BG

    image = tab.view.grab().toImage()
    x = image.width() // 2
    seen = {image.pixelColor(x, y).getRgb()[:3] for y in range(0, image.height(), 2)}
    return TITLE_BG in seen and STATUS_BG in seen


async def _until_painted(tab: Any) -> None:
    while not _painted(tab):
        await asyncio.sleep(0.005)


async def _child_main(mode: str, sim: dict[str, Any]) -> dict[str, float]:
    relay = WebMksRelay()
    await relay.start()
    client = client_for(sim)
    await client.login()
    vms = await powered_on(client)
    result: dict[str, float] = {}

    def target(vm: str) -> Any:
        from vmconsole_gui.services.console_session import ConsoleTarget

        async def fetch() -> str:
            return (await client.create_console_ticket(vm, ConsoleType.WEBMKS)).reveal_url()

        return ConsoleTarget("bench", vm, vm, "sim", fetch, lambda host, port: esxi_der(sim, host, port))

    if mode == "prewarm":
        from vmconsole_gui.ui.console import prewarm, warm

        prewarm()
        assert warm._warm is not None
        ready = asyncio.Event()
        warm._warm[1].bridge.page_ready.connect(lambda *_: ready.set())
        await asyncio.wait_for(ready.wait(), 30)
        await asyncio.sleep(0.5)  # idle start-up time passes before the user clicks

    t0 = time.perf_counter()
    from vmconsole_gui.ui.console import ConsoleWindow  # the app imports it lazily on the first click

    window = ConsoleWindow(relay)
    window.resize(1200, 900)
    window.show()
    tab = window.open_console(target(vms[0]))
    await _until_painted(tab)
    result["click_to_frame_ms"] = (time.perf_counter() - t0) * 1000

    t1 = time.perf_counter()
    second = window.open_console(target(vms[1]))
    await _until_painted(second)
    result["second_console_ms"] = (time.perf_counter() - t1) * 1000
    window.close_all()
    await asyncio.sleep(0.3)
    await relay.stop()
    await client.aclose()
    return result


# ------------------------------------------------------------------------------------------------ RFB client
class Rfb:
    """A minimal RFB 3.8 client over a WebSocket: handshake, Raw updates, pointer events."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.buffer = bytearray()
        self.width = self.height = 0
        self.received = 0

    async def read(self, n: int) -> bytes:
        while len(self.buffer) < n:
            message = await self.ws.recv()
            assert isinstance(message, bytes)
            self.received += len(message)
            self.buffer += message
        data = bytes(self.buffer[:n])
        del self.buffer[:n]
        return data

    async def handshake(self) -> None:
        assert await self.read(12) == b"RFB 003.008\n"
        await self.ws.send(b"RFB 003.008\n")
        count = (await self.read(1))[0]
        assert 1 in await self.read(count)
        await self.ws.send(b"\x01")
        assert await self.read(4) == b"\0\0\0\0"
        await self.ws.send(b"\x01")  # shared
        self.width, self.height = struct.unpack(">HH", await self.read(4))
        await self.read(16)
        (name_length,) = struct.unpack(">I", await self.read(4))
        await self.read(name_length)
        await self.ws.send(struct.pack(">BxHi", 2, 1, 0))  # SetEncodings: Raw only

    async def update(self, incremental: bool) -> int:
        """Request an update (whole screen) and read it; return the pixel bytes received."""
        await self.ws.send(struct.pack(">BBHHHH", 3, int(incremental), 0, 0, self.width, self.height))
        kind, _, rects = struct.unpack(">BBH", await self.read(4))
        assert kind == 0, f"unexpected server message {kind}"
        pixels = 0
        for _ in range(rects):
            _x, _y, w, h, encoding = struct.unpack(">HHHHi", await self.read(12))
            assert encoding == 0, f"unexpected encoding {encoding}"
            pixels += len(await self.read(w * h * 4))
        return pixels

    async def pointer(self, x: int, y: int) -> None:
        await self.ws.send(struct.pack(">BBHH", 5, 0, x, y))


@asynccontextmanager
async def session(sim: dict[str, Any], client: VSphereClient, relay: WebMksRelay | None, vm: str) -> AsyncIterator[Rfb]:
    """An RFB session on a fresh ticket, direct (``relay=None``) or through the relay."""
    ticket = (await client.create_console_ticket(vm, ConsoleType.WEBMKS)).reveal_url()
    url = urlsplit(ticket)
    assert url.hostname and url.port
    der = await esxi_der(sim, url.hostname, url.port)
    options: dict[str, Any] = {"subprotocols": ["binary"], "max_size": None, "compression": None}
    if relay is None:
        ws_cm = connect(ticket, ssl=pinned_leaf_ssl_context(der), ping_interval=None, **options)
    else:
        ws_cm = connect(relay.register(ticket, pinned_cert_der=der).url, **options)
    async with ws_cm as ws:
        rfb = Rfb(ws)
        await rfb.handshake()
        await rfb.update(incremental=False)
        yield rfb


async def throughput(rfb: Rfb, frames: int) -> float:
    """MB/s of full-screen Raw updates."""
    start = time.perf_counter()
    total = 0
    for _ in range(frames):
        total += await rfb.update(incremental=False)
    return total / (time.perf_counter() - start) / 1e6


async def latencies(rfb: Rfb, count: int) -> list[float]:
    """Milliseconds from pointer event + incremental request to the update."""
    out = []
    for i in range(count):
        start = time.perf_counter()
        await rfb.pointer(10 + i % 500, 100)
        await rfb.update(incremental=True)
        out.append((time.perf_counter() - start) * 1000)
    return out


async def relay_bench(sim: dict[str, Any], runs: int, frames: int, pings: int) -> dict[str, dict[str, list[float]]]:
    relay = WebMksRelay()
    await relay.start()
    results: dict[str, dict[str, list[float]]] = {side: {"mbps": [], "lat": []} for side in ("direct", "relay")}
    async with client_for(sim) as client:
        vm = (await powered_on(client))[0]
        for _ in range(runs):
            for side in ("direct", "relay"):
                async with session(sim, client, relay if side == "relay" else None, vm) as rfb:
                    results[side]["mbps"].append(await throughput(rfb, frames))
                    results[side]["lat"] += await latencies(rfb, pings)
    await relay.stop()
    return results


# ------------------------------------------------------------------------------------------------ report
def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="fresh processes per click scenario (default 5)")
    parser.add_argument("--relay-runs", type=int, default=3, help="alternating direct/relay sessions (default 3)")
    parser.add_argument("--frames", type=int, default=30, help="full-screen updates per throughput run")
    parser.add_argument("--pings", type=int, default=200, help="pointer round trips per latency run")
    parser.add_argument("--child", choices=["cold", "prewarm"], help=argparse.SUPPRESS)
    parser.add_argument("--sim-json", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, json.loads(args.sim_json))
        return

    with simulator(vms=20) as sim:
        clicks: dict[str, list[float]] = {"cold": [], "prewarm": [], "second": []}
        for _ in range(args.runs):
            for mode in ("cold", "prewarm"):
                result = run_child(mode, sim)
                clicks[mode].append(result["click_to_frame_ms"])
                clicks["second"].append(result["second_console_ms"])
        relay = asyncio.run(relay_bench(sim, args.relay_runs, args.frames, args.pings))

    print(f"\nclick → first frame (ms, {args.runs} fresh processes each; offscreen, software rendering)")
    print(f"  {'scenario':<34}{'median':>9}{'min':>9}{'max':>9}")
    labels = {
        "cold": "cold (import + QtWebEngine start)",
        "prewarm": "pre-warmed (prewarm() at start-up)",
        "second": "second console, same process",
    }
    for key, label in labels.items():
        values = clicks[key]
        print(f"  {label:<34}{statistics.median(values):>9.0f}{min(values):>9.0f}{max(values):>9.0f}")

    direct, relayed = relay["direct"], relay["relay"]
    print(f"\nrelay vs direct ({args.relay_runs} alternating sessions each; same process as the relay)")
    print(f"  {'':<28}{'direct':>10}{'relay':>10}{'ratio':>8}")
    d_mbps, r_mbps = statistics.median(direct["mbps"]), statistics.median(relayed["mbps"])
    print(f"  {'throughput MB/s (median)':<28}{d_mbps:>10.1f}{r_mbps:>10.1f}{r_mbps / d_mbps:>8.2f}")
    for label, stat in (("round trip ms (median)", statistics.median), ("round trip ms (p95)", p95)):
        d, r = stat(direct["lat"]), stat(relayed["lat"])
        print(f"  {label:<28}{d:>10.2f}{r:>10.2f}{r / d:>8.2f}")
    added = statistics.median(relayed["lat"]) - statistics.median(direct["lat"])
    print(f"  added latency (median): {added:.2f} ms")


if __name__ == "__main__":
    main()
