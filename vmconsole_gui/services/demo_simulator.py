"""Run the bundled vCenter + ESXi simulator as a child process for ``--demo``.

The child is started with ``python -m vmconsole_gui.sim`` (in a frozen bundle: the bundle's own executable with
``--run-simulator``, see ``vmconsole_gui/bundle_entry.py``) on a free loopback port; it prints one JSON line with its
URL, demo credentials and certificate fingerprints when it is ready. The child is stopped with the app: explicitly by
:meth:`DemoSimulator.stop`, and, should the app die without cleaning up, by the child itself when its stdin closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
from dataclasses import dataclass
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

READY_TIMEOUT_S = 30.0
SIMULATOR_FLAG = "--run-simulator"  # first argument of a frozen bundle that runs the simulator instead of the app


class DemoSimulatorError(RuntimeError):
    """The demo simulator could not be started; the message says why."""


@dataclass(frozen=True, slots=True)
class DemoEndpoint:
    """Where the demo vCenter listens and how to log in (demo credentials, not a user's secret)."""

    url: str
    username: str
    password: str
    sha256: str
    sha1: str
    vms: int

    @property
    def host(self) -> str:
        """The vCenter host name or address."""
        return urlsplit(self.url).hostname or "127.0.0.1"

    @property
    def port(self) -> int:
        """The vCenter HTTPS port."""
        return urlsplit(self.url).port or 443

    def __repr__(self) -> str:
        return f"DemoEndpoint(url={self.url!r}, username={self.username!r}, vms={self.vms})"


class DemoSimulator:
    """A running simulator child process; use :func:`start_demo_simulator` to create one."""

    def __init__(self, process: asyncio.subprocess.Process, endpoint: DemoEndpoint) -> None:
        self._process = process
        self.endpoint = endpoint

    @property
    def pid(self) -> int:
        """Process id of the simulator child."""
        return self._process.pid

    @property
    def running(self) -> bool:
        """Whether the child is still running."""
        return self._process.returncode is None

    async def wait(self) -> int:
        """Wait until the child exits by itself; return its exit status."""
        return await self._process.wait()

    async def stop(self, timeout_s: float = 5.0) -> None:
        """Terminate the child (SIGTERM, then SIGKILL after ``timeout_s``) and reap it."""
        if self._process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            self._process.terminate()
        try:
            await asyncio.wait_for(self._process.wait(), timeout_s)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self._process.kill()
            await self._process.wait()
        if self._process.stdin is not None:
            self._process.stdin.close()


def simulator_command() -> list[str]:
    """The argv prefix that runs the simulator: ``python -m vmconsole_gui.sim``, or ``<bundle> --run-simulator``."""
    if getattr(sys, "frozen", False):  # PyInstaller: sys.executable is the bundle, which has no ``-m``
        return [sys.executable, SIMULATOR_FLAG]
    return [sys.executable, "-m", "vmconsole_gui.sim"]


async def start_demo_simulator(vms: int = 300, seed: int = 7, extra_args: tuple[str, ...] = ()) -> DemoSimulator:
    """Start the simulator (:func:`simulator_command`) on a free loopback port and wait until it reports ready."""
    argv = [
        *simulator_command(),
        "--host", "127.0.0.1", "--port", "0", "--esxi-port", "0",
        "--vms", str(vms), "--seed", str(seed), "--exit-on-stdin-eof",
        *extra_args,
    ]  # fmt: skip
    process = await asyncio.create_subprocess_exec(
        *argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL
    )
    assert process.stdout is not None
    try:
        line = await asyncio.wait_for(process.stdout.readline(), READY_TIMEOUT_S)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise DemoSimulatorError(f"The demo simulator did not start within {READY_TIMEOUT_S:.0f} seconds.") from None
    if not line:
        await process.wait()
        raise DemoSimulatorError(f"The demo simulator exited at once (status {process.returncode}).")
    try:
        info = json.loads(line)
        endpoint = DemoEndpoint(
            url=str(info["url"]),
            username=str(info["username"]),
            password=str(info["password"]),
            sha256=str(info["sha256"]),
            sha1=str(info["sha1"]),
            vms=int(info.get("vms", vms)),
        )
    except (ValueError, KeyError, TypeError) as exc:
        process.kill()
        await process.wait()
        raise DemoSimulatorError("The demo simulator printed an unexpected start-up line.") from exc
    log.info("demo simulator started: pid %s, %s, %d VMs", process.pid, endpoint.url, endpoint.vms)
    return DemoSimulator(process, endpoint)
