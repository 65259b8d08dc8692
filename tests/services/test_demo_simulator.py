"""The --demo simulator child process: ready line, a real TLS endpoint, and it never outlives the app."""

from __future__ import annotations

import asyncio
import hashlib
import os
import ssl
import subprocess
import sys
import textwrap
import time

import pytest

from vmconsole_gui.services.demo_simulator import start_demo_simulator


def _leaf_sha256(host: str, port: int) -> str:
    pem = ssl.get_server_certificate((host, port))
    return hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); look at its state.
    with open(f"/proc/{pid}/stat") as f:
        return f.read().split(")")[-1].split()[0] != "Z"


@pytest.mark.asyncio
async def test_demo_simulator_starts_serves_tls_and_stops():
    sim = await start_demo_simulator(vms=40, seed=3)
    try:
        ep = sim.endpoint
        assert ep.url.startswith("https://127.0.0.1:")
        assert ep.vms == 40
        assert ep.password not in repr(ep)
        seen = await asyncio.to_thread(_leaf_sha256, ep.host, ep.port)
        assert seen == ep.sha256
        assert sim.running
    finally:
        await sim.stop()
    assert not sim.running
    assert not _alive(sim.pid)


def test_demo_simulator_dies_with_its_parent(tmp_path):
    """A parent killed without cleanup (SIGKILL) still takes the simulator with it: the child sees stdin close."""
    script = textwrap.dedent(
        """
        import asyncio, os, sys
        from vmconsole_gui.services.demo_simulator import start_demo_simulator
        async def main():
            sim = await start_demo_simulator(vms=10)
            print(sim.pid, flush=True)
            await asyncio.sleep(60)
        asyncio.run(main())
        """
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    child_pid = int(parent.stdout.readline())
    assert _alive(child_pid)
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 10
    while _alive(child_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child_pid), "the demo simulator outlived its parent"
