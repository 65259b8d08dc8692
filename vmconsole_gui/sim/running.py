"""The simulator in a daemon thread with its own asyncio loop, for synchronous callers (tests, the demo)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from vmconsole_gui.sim.faults import Faults
from vmconsole_gui.sim.inventory import VmRecord
from vmconsole_gui.sim.server import Simulator, SimulatorConfig
from vmconsole_gui.sim.state import RequestRecord
from vmconsole_gui.sim.tickets import TicketBook

_T = TypeVar("_T")


class RunningSimulator:
    """A started simulator; a context manager that stops it on exit. Facts mirror :class:`Simulator`."""

    def __init__(self, config: SimulatorConfig | None = None) -> None:
        self._sim = Simulator(config)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="vmconsole-gui-sim", daemon=True)
        self._stopped = False

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_forever()
            # What asyncio.run does on the way out: a TLS handshake a client left half-done (its accept task still
            # waiting) is cancelled and finished here instead of being destroyed pending with the closed loop.
            pending = asyncio.all_tasks(self._loop)
            for task in pending:
                task.cancel()
            self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            self._loop.run_until_complete(self._loop.shutdown_asyncgens())
        finally:
            self._loop.close()

    def _start(self, timeout: float) -> None:
        self._thread.start()
        try:
            asyncio.run_coroutine_threadsafe(self._sim.start(), self._loop).result(timeout)
        except BaseException:
            self.stop()
            raise

    def _in_loop(self, fn: Callable[[], _T]) -> _T:
        async def call() -> _T:
            return fn()

        return asyncio.run_coroutine_threadsafe(call(), self._loop).result(30)

    # Facts ----------------------------------------------------------------
    url = property(lambda self: self._sim.url, doc="``https://host:port`` of the vCenter listener.")
    host = property(lambda self: self._sim.host, doc="Bound address.")
    port = property(lambda self: self._sim.port, doc="vCenter HTTPS port.")
    username = property(lambda self: self._sim.username, doc="The valid user name.")
    password = property(lambda self: self._sim.password, doc="The valid password.")
    sha256 = property(lambda self: self._sim.sha256, doc="vCenter leaf SHA-256 (hex, lowercase).")
    sha1 = property(lambda self: self._sim.sha1, doc="vCenter leaf SHA-1 (hex, lowercase).")
    esxi_port = property(lambda self: self._sim.esxi_port, doc="ESXi WebMKS port (0 without the ESXi side).")
    esxi_sha256 = property(lambda self: self._sim.esxi_sha256, doc="ESXi leaf SHA-256.")
    esxi_sha1 = property(lambda self: self._sim.esxi_sha1, doc="ESXi leaf SHA-1.")
    ca_pem = property(lambda self: self._sim.ca_pem, doc="Simulated VMCA root (PEM).")
    vcenter_cert_pem = property(lambda self: self._sim.vcenter_cert_pem, doc="Current vCenter leaf (PEM).")
    esxi_cert_pem = property(lambda self: self._sim.esxi_cert_pem, doc="ESXi leaf (PEM).")
    profile = property(lambda self: self._sim.config.profile, doc="The simulated vCenter version profile.")

    @property
    def faults(self) -> Faults:
        """Mutable fault knobs."""
        return self._sim.faults

    @property
    def tickets(self) -> TicketBook:
        """The ticket book shared with the ESXi side."""
        return self._sim.tickets

    @property
    def consoles(self) -> Any:
        """The ESXi side's ConsoleRegistry (None while :mod:`vmconsole_gui.sim.console` is missing)."""
        return self._sim.consoles

    @property
    def simulator(self) -> Simulator:
        """The underlying :class:`Simulator` (its methods must run on the simulator's loop)."""
        return self._sim

    # Test helpers -------------------------------------------------------------
    def expire_all_sessions(self) -> None:
        """Invalidate every API session now."""
        self._in_loop(self._sim.expire_all_sessions)

    def regenerate_certificate(self) -> None:
        """Serve a new vCenter leaf on the same port."""
        self._in_loop(self._sim.regenerate_certificate)

    def vm_ids(self) -> list[str]:
        """Every VM id."""
        return self._sim.vm_ids()

    def vm(self, vm_id: str) -> VmRecord:
        """One VM record (KeyError if unknown)."""
        return self._sim.vm(vm_id)

    def rename(self, object_id: str, name: str) -> None:
        """Rename a VM, host, cluster, datacenter or folder (on the simulator loop; KeyError if unknown)."""
        self._in_loop(lambda: self._sim.inventory.rename(object_id, name))

    def set_power_state(self, vm_id: str, state: str) -> None:
        """Force a VM's power state (runs on the simulator loop so console listeners see it there)."""
        self._in_loop(lambda: self._sim.set_power_state(vm_id, state))

    def request_log(self) -> list[RequestRecord]:
        """``(method, path, status, endpoint)`` per request."""
        return self._sim.request_log()

    def clear_request_log(self) -> None:
        """Forget the requests logged so far."""
        self._sim.clear_request_log()

    def stop(self) -> None:
        """Stop the listeners and the loop thread (idempotent)."""
        if self._stopped:
            return
        self._stopped = True
        if self._thread.is_alive():
            try:
                asyncio.run_coroutine_threadsafe(self._sim.stop(), self._loop).result(30)
            finally:
                self._loop.call_soon_threadsafe(self._loop.stop)
                self._thread.join(30)

    def __enter__(self) -> RunningSimulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<RunningSimulator {self._sim.url} profile={self._sim.config.profile} vms={len(self._sim.vm_ids())}>"


def start_simulator(config: SimulatorConfig | None = None, timeout: float = 60.0) -> RunningSimulator:
    """Start a simulator in a daemon thread; returns once both listeners accept connections."""
    running = RunningSimulator(config)
    running._start(timeout)
    return running
