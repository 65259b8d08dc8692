"""Start and stop the simulator: :class:`Simulator` on an existing loop, :func:`start_simulator` in its own thread.

The vCenter listener (aiohttp, TLS with the simulated VMCA's vCenter leaf) and, when the ESXi side is available
(:mod:`vmconsole_gui.sim.esxi`, :mod:`vmconsole_gui.sim.console`), the ESXi WebMKS listener (ESXi leaf) run on
the same asyncio loop.
"""

from __future__ import annotations

import logging
import secrets
import ssl
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from vmconsole_gui.sim.app import build_app
from vmconsole_gui.sim.certs import CertificateAuthority
from vmconsole_gui.sim.faults import Faults
from vmconsole_gui.sim.filters import DEFAULT_CAPS
from vmconsole_gui.sim.generate import generate_inventory
from vmconsole_gui.sim.inventory import VmRecord
from vmconsole_gui.sim.sessions import SessionStore
from vmconsole_gui.sim.state import PROFILES, RequestRecord, SimState
from vmconsole_gui.sim.tickets import TicketBook

_log = logging.getLogger("vmconsole_gui.sim")

try:  # The ESXi side is written separately; run without it until it exists.
    from vmconsole_gui.sim.console import ConsoleRegistry
    from vmconsole_gui.sim.esxi import EsxiWebMksServer

    HAVE_ESXI = True
except ImportError:  # pragma: no cover - depends on the other module being present
    HAVE_ESXI = False


@dataclass
class SimulatorConfig:
    """Everything that shapes one simulator run. ``password=None`` means a random one."""

    host: str = "127.0.0.1"
    port: int = 0
    esxi_port: int = 0
    vms: int = 300
    seed: int = 1
    profile: str = "8.0"
    username: str = "administrator@vsphere.local"
    password: str | None = field(default=None, repr=False)
    session_timeout_s: float = 1800.0
    too_many_matches_status_api: int = 500
    too_many_matches_status_rest: int = 400
    folder_filter_recursive: bool = False
    """Whether ``folders=`` on the VM list also matches VMs in sub-folders (real behaviour is unverified)."""
    list_caps: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_CAPS))
    faults: Faults | None = None

    def validate(self) -> None:
        """Raise ValueError with a readable message for impossible settings."""
        if self.profile not in PROFILES:
            raise ValueError(f"unknown profile {self.profile!r}; choose one of {', '.join(PROFILES)}")
        if self.vms < 0:
            raise ValueError("the number of VMs cannot be negative")
        if self.session_timeout_s <= 0:
            raise ValueError("the session timeout must be a positive number of seconds")
        for port in (self.port, self.esxi_port):
            if not 0 <= port <= 65535:
                raise ValueError(f"port {port} is outside 0-65535")
        if not self.username:
            raise ValueError("the user name cannot be empty")


class Simulator:
    """A simulated vCenter (+ ESXi) on the current asyncio loop; ``async with Simulator(config) as sim: ...``."""

    def __init__(self, config: SimulatorConfig | None = None) -> None:
        self.config = config or SimulatorConfig()
        self.config.validate()
        self.password = self.config.password or secrets.token_urlsafe(12)
        self.ca = CertificateAuthority()
        names = ["localhost", "127.0.0.1", self.config.host]
        self.vcenter_leaf = self.ca.issue("vcsa.vsphere.local", ["vcsa.vsphere.local", *names])
        self.esxi_leaf = self.ca.issue("esx.vsphere.local", ["esx.vsphere.local", *names])
        self.tickets = TicketBook()
        self.faults = self.config.faults or Faults(seed=self.config.seed)
        self.inventory = generate_inventory(self.config.vms, self.config.seed)
        self.consoles: Any = None
        if HAVE_ESXI:
            self.consoles = ConsoleRegistry(self._vm_name, self._is_powered_on)
            self.inventory.power_listeners.append(self.consoles.power_changed)
        self.state = SimState(
            profile=PROFILES[self.config.profile],
            host=self.config.host,
            username=self.config.username,
            password=self.password,
            inventory=self.inventory,
            sessions=SessionStore(self.config.session_timeout_s),
            faults=self.faults,
            tickets=self.tickets,
            ca=self.ca,
            vcenter_cert=self.vcenter_leaf,
            list_caps=dict(self.config.list_caps),
            too_many_matches_status_api=self.config.too_many_matches_status_api,
            too_many_matches_status_rest=self.config.too_many_matches_status_rest,
            folder_filter_recursive=self.config.folder_filter_recursive,
        )
        self._vcenter_ctx: ssl.SSLContext | None = None
        self._runner: web.AppRunner | None = None
        self._esxi: Any = None

    def _vm_name(self, vm_id: str) -> str | None:
        vm = self.inventory.vm(vm_id)
        return None if vm is None else vm.name

    def _is_powered_on(self, vm_id: str) -> bool:
        vm = self.inventory.vm(vm_id)
        return vm is not None and vm.power_state == "POWERED_ON"

    async def start(self) -> None:
        """Bind both listeners; returns when they accept connections."""
        if HAVE_ESXI:
            self._esxi = EsxiWebMksServer(self.tickets, self.consoles)
            self.state.esxi_port = await self._esxi.start(
                self.config.host, self.config.esxi_port, self.esxi_leaf.server_context()
            )
        else:
            _log.info("ESXi WebMKS side not available (vmconsole_gui.sim.esxi missing); vCenter only")
        self._vcenter_ctx = self.vcenter_leaf.server_context()
        self._runner = web.AppRunner(build_app(self.state), access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.config.host, self.config.port, ssl_context=self._vcenter_ctx)
        await site.start()
        self.state.port = int(self._runner.addresses[0][1])
        _log.info(
            "simulated vCenter %s (profile %s, %d VMs) at %s",
            "ready",
            self.config.profile,
            len(self.inventory.vms),
            self.url,
        )

    async def stop(self) -> None:
        """Close both listeners and every open connection."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._esxi is not None:
            await self._esxi.stop()
            self._esxi = None

    async def __aenter__(self) -> Simulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ facts and test helpers
    @property
    def host(self) -> str:
        """The address both listeners are bound to."""
        return self.config.host

    @property
    def port(self) -> int:
        """The vCenter HTTPS port."""
        return self.state.port

    @property
    def esxi_port(self) -> int:
        """The ESXi WebMKS port (0 while the ESXi side is not available)."""
        return self.state.esxi_port

    @property
    def url(self) -> str:
        """``https://<host>:<port>``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"https://{host}:{self.port}"

    @property
    def username(self) -> str:
        """The one valid user name."""
        return self.config.username

    @property
    def sha256(self) -> str:
        """SHA-256 of the current vCenter leaf (DER), lowercase hex without separators."""
        return self.state.vcenter_cert.sha256

    @property
    def sha1(self) -> str:
        """SHA-1 of the current vCenter leaf (DER), lowercase hex without separators."""
        return self.state.vcenter_cert.sha1

    @property
    def vcenter_cert_pem(self) -> str:
        """The current vCenter leaf certificate (PEM)."""
        return self.state.vcenter_cert.cert_pem

    @property
    def esxi_sha256(self) -> str:
        """SHA-256 of the ESXi leaf."""
        return self.esxi_leaf.sha256

    @property
    def esxi_sha1(self) -> str:
        """SHA-1 of the ESXi leaf."""
        return self.esxi_leaf.sha1

    @property
    def esxi_cert_pem(self) -> str:
        """The ESXi leaf certificate (PEM)."""
        return self.esxi_leaf.cert_pem

    @property
    def ca_pem(self) -> str:
        """The simulated VMCA root that signed both leaves (PEM)."""
        return self.ca.cert_pem

    def expire_all_sessions(self) -> None:
        """Invalidate every API session now."""
        count = self.state.sessions.expire_all()
        _log.info("expired %d session(s)", count)

    def regenerate_certificate(self) -> None:
        """Serve a new vCenter leaf (same CA) on the same port from the next TLS handshake on."""
        leaf = self.ca.issue("vcsa.vsphere.local", ["vcsa.vsphere.local", "localhost", "127.0.0.1", self.host])
        if self._vcenter_ctx is not None:
            leaf.load_into(self._vcenter_ctx)
        self.vcenter_leaf = leaf
        self.state.vcenter_cert = leaf

    def vm_ids(self) -> list[str]:
        """Every VM id in inventory order."""
        return list(self.inventory.vms)

    def vm(self, vm_id: str) -> VmRecord:
        """The record of ``vm_id`` (KeyError if unknown)."""
        record = self.inventory.vm(vm_id)
        if record is None:
            raise KeyError(f"no VM {vm_id!r} in the simulated inventory")
        return record

    def set_power_state(self, vm_id: str, state: str) -> None:
        """Force a power state (POWERED_ON / POWERED_OFF / SUSPENDED), notifying the console registry."""
        self.inventory.set_power_state(vm_id, state)

    def request_log(self) -> list[RequestRecord]:
        """A copy of the request log: ``(method, path, status, endpoint)``; never holds secrets."""
        with self.state.log_lock:
            return list(self.state.request_log)

    def clear_request_log(self) -> None:
        """Forget the requests logged so far."""
        with self.state.log_lock:
            self.state.request_log.clear()
