"""The async face of vCenter's SOAP API: login, PropertyCollector inventory and updates, tickets, power.

Every pyvmomi call runs on this client's own worker threads, under an overall deadline; on a deadline, a
disconnect or :meth:`SoapClient.aclose` the client shuts its sockets down, so no thread stays blocked in a read.
The event loop only ever awaits futures and receives finished :class:`VmProperties` rows.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import importlib
import logging
import threading
import time
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from ..errors import ConnectionDropped, Operation, RequestTimeout, Unauthenticated, VSphereError
from ..models import ConsoleType, PowerAction
from ..redaction import Secret
from ..tickets import ConsoleTicket, validate_ticket
from ..tls import TrustSettings, normalize_fingerprint
from .faults import SoapMethodMissing, translate
from .inventory import (
    OTHER_PROPERTIES,
    VM_PROPERTIES,
    InventoryMirror,
    MoRef,
    ObjectChange,
    VmProperties,
    valid_ref,
)
from .trust import soap_ssl_context
from .wire import LiveSockets, bounded_connection_class

__all__ = ["InventoryDelta", "SoapClient", "WebMksTicket"]

log = logging.getLogger(__name__)

T = TypeVar("T")

API_VERSION = "vim.version.version11"
"""vSphere 6.5's API (``urn:vim25/6.5``): every vCenter from 6.5 to 8.x serves it, and it has every property and
method used here, so no version negotiation (an extra, unbounded request) is needed."""

MAX_ANSWER_MB = 64
"""Cap of one SOAP answer. A page of 1000 VMs with the properties read here is ~1.5 MB."""


@dataclass(frozen=True, slots=True)
class InventoryDelta:
    """One batch of changes: ``reset`` means ``changed`` is the whole inventory (after a re-login)."""

    changed: tuple[VmProperties, ...]
    removed: tuple[str, ...]
    reset: bool = False


@dataclass(frozen=True, slots=True)
class WebMksTicket:
    """A WEBMKS ticket from ``VirtualMachine.AcquireTicket("webmks")`` plus vCenter's word on the host's certificate.

    ``ssl_thumbprint`` is the SHA-1 (lowercase hex) vCenter reports for the ESXi host's certificate, or None.
    """

    ticket: ConsoleTicket
    ssl_thumbprint: str | None


_POWER_METHODS = {
    PowerAction.START: "PowerOnVM_Task",
    PowerAction.STOP: "PowerOffVM_Task",
    PowerAction.RESET: "ResetVM_Task",
    PowerAction.SUSPEND: "SuspendVM_Task",
}


class SoapClient:
    """One vCenter over SOAP.

    Args:
        host, port: the vCenter (``/sdk`` on it).
        trust: the same trust settings (pins) as the REST client of this vCenter.
        username, password: credentials; the password is only revealed on the worker thread, for ``Login``.
        timeout_s: overall deadline of one call (connect, send, and reading the whole answer).
        page_size: objects per ``RetrievePropertiesEx`` page and per ``WaitForUpdatesEx`` batch.
        update_wait_s: how long one ``WaitForUpdatesEx`` waits on the server for a change.
        max_answer_mb: the cap of one answer; reading stops there with :class:`~.faults.ResponseTooLarge`.

    """

    def __init__(
        self,
        host: str,
        port: int,
        trust: TrustSettings,
        username: str,
        password: Secret,
        *,
        timeout_s: float = 30.0,
        page_size: int = 1000,
        update_wait_s: float = 20.0,
        max_answer_mb: int = MAX_ANSWER_MB,
    ) -> None:
        self.host = host
        self.port = port
        self.trust = trust
        self.username = username
        self._password = password
        self.timeout_s = timeout_s
        self.page_size = page_size
        self.update_wait_s = update_wait_s
        self.max_answer_mb = max_answer_mb
        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=3, thread_name_prefix=f"soap-{host}")
        self._live = LiveSockets()
        self._lock = threading.Lock()  # guards stub/content replacement on re-login (worker threads)
        self._stub: Any = None
        self._content: Any = None
        self._vim: Any = None
        self._vmodl: Any = None
        self._managed_object: Any = None
        self._closed = False
        self.requests = 0
        """SOAP requests sent so far (for benchmarks and the UI's "which path" line)."""

    # ------------------------------------------------------------------------------------------------ lifecycle
    async def connect(self) -> None:
        """Open ``/sdk`` under the trust rules and log in; raises a typed :class:`VSphereError`."""
        await self._call(self._login, Operation.LOGIN)

    async def aclose(self) -> None:
        """Log out (best effort, short), stop every worker and wake any thread blocked in a read."""
        if self._closed:
            return
        self._closed = True
        if self._content is not None:
            with contextlib.suppress(VSphereError, RuntimeError):
                await asyncio.wait_for(self._submit(self._logout, Operation.LOGOUT), 3.0)
        self._live.interrupt()
        self._executor.shutdown(wait=False, cancel_futures=True)

    # ------------------------------------------------------------------------------------------------ inventory
    async def vms(self) -> list[VmProperties]:
        """Every VM now, in one paged ``RetrievePropertiesEx`` pass (no update stream)."""
        return await self._call(lambda: self._retrieve_all(InventoryMirror()), Operation.LIST)

    async def inventory(self) -> tuple[list[VmProperties], AsyncGenerator[InventoryDelta, None]]:
        """Every VM now (paged ``RetrievePropertiesEx``), and an endless iterator of the changes after it.

        The iterator runs a ``WaitForUpdatesEx`` loop on a filter over the same view; it survives a lost session
        (logs in again and yields a ``reset`` delta) and network drops (retries with back-off), and ends when the
        client is closed or the consuming task is cancelled.
        """
        mirror = InventoryMirror()
        rows = await self._call(lambda: self._retrieve_all(mirror), Operation.LIST)
        return rows, self._updates(mirror)

    def _retrieve_all(self, mirror: InventoryMirror) -> list[VmProperties]:
        content = self._content
        view = content.viewManager.CreateContainerView(content.rootFolder, self._view_types(), True)
        self.requests += 1
        try:
            pc = content.propertyCollector
            options = self._vmodl.query.PropertyCollector.RetrieveOptions(maxObjects=self.page_size)
            result = pc.RetrievePropertiesEx([self._filter_spec(view)], options)
            self.requests += 1
            while result is not None:
                mirror.apply(self._contents(result.objects))
                if not result.token:
                    break
                result = pc.ContinueRetrievePropertiesEx(result.token)
                self.requests += 1
        finally:
            with contextlib.suppress(Exception):
                view.DestroyView()
                self.requests += 1
        self._log_skipped(mirror)
        return mirror.rows()

    async def _updates(self, mirror: InventoryMirror) -> AsyncGenerator[InventoryDelta, None]:
        state: dict[str, Any] = {"filter": None, "view": None, "version": "", "new_session": False}
        backoff = 1.0
        while not self._closed:
            try:
                delta = await self._submit(lambda: self._wait_once(mirror, state), Operation.LIST)
                backoff = 1.0
            except VSphereError as exc:
                if self._closed:
                    return
                problem = f"update stream of {self.host} interrupted ({exc})"
                if isinstance(exc, Unauthenticated):
                    log.info("SOAP session on %s ended; logging in again", self.host)
                    state.update(filter=None, view=None, version="", new_session=True)
                    try:
                        await self._call(self._login, Operation.LOGIN)
                        continue
                    except VSphereError as login_error:
                        problem = f"could not log in to {self.host} again ({login_error})"
                log.info("%s; retrying in %.0f s", problem, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            if delta is not None and (delta.changed or delta.removed or delta.reset):
                yield delta

    def _wait_once(self, mirror: InventoryMirror, state: dict[str, Any]) -> InventoryDelta | None:
        """One ``WaitForUpdatesEx`` (creating the view and filter first when there is none)."""
        content = self._content
        pc = content.propertyCollector
        reset = False
        if state["filter"] is None:
            view = content.viewManager.CreateContainerView(content.rootFolder, self._view_types(), True)
            state["view"] = view
            state["filter"] = pc.CreateFilter(self._filter_spec(view), partialUpdates=False)
            self.requests += 2
            reset, state["new_session"] = state["new_session"], False
            if reset:  # a new session: its first update set is the complete inventory
                mirror.clear()
        options = self._vmodl.query.PropertyCollector.WaitOptions(
            maxWaitSeconds=max(1, int(self.update_wait_s)), maxObjectUpdates=self.page_size
        )
        result = pc.WaitForUpdatesEx(state["version"], options)
        self.requests += 1
        if result is None:  # maxWaitSeconds passed with no change
            return None
        state["version"] = result.version
        changes = [change for fs in result.filterSet or () for change in self._updates_of(fs.objectSet or ())]
        changed, removed = mirror.apply(changes)
        self._log_skipped(mirror)
        if reset:
            return InventoryDelta(tuple(mirror.rows()), (), reset=True)
        return InventoryDelta(tuple(changed), tuple(removed))

    def _view_types(self) -> list[Any]:
        vim = self._vim
        return [vim.VirtualMachine, vim.HostSystem, vim.ComputeResource, vim.Folder, vim.Datacenter]

    def _filter_spec(self, view: Any) -> Any:
        vim, pcq = self._vim, self._vmodl.query.PropertyCollector
        traverse = pcq.TraversalSpec(name="view", type=vim.view.ContainerView, path="view", skip=False)
        start = pcq.ObjectSpec(obj=view, skip=True, selectSet=[traverse])
        props = [pcq.PropertySpec(type=vim.VirtualMachine, pathSet=list(VM_PROPERTIES))]
        props += [pcq.PropertySpec(type=getattr(vim, t), pathSet=list(p)) for t, p in OTHER_PROPERTIES.items()]
        return pcq.FilterSpec(objectSet=[start], propSet=props, reportMissingObjectsInResults=False)

    def _plain(self, value: Any) -> Any:
        if isinstance(value, self._managed_object):
            return self._ref(value)
        if isinstance(value, str | int | float | bool):
            return value
        return None

    @staticmethod
    def _ref(obj: Any) -> MoRef:
        return (str(getattr(type(obj), "_wsdlName", "")), str(getattr(obj, "_moId", "")))

    def _contents(self, objects: Any) -> list[ObjectChange]:
        return [
            ObjectChange("enter", self._ref(o.obj), {p.name: self._plain(p.val) for p in o.propSet or ()})
            for o in objects or ()
        ]

    def _updates_of(self, objects: Any) -> list[ObjectChange]:
        changes = []
        for update in objects:
            props, removed = {}, []
            for change in update.changeSet or ():
                if change.op in ("remove", "indirectRemove"):
                    removed.append(change.name)
                else:
                    props[change.name] = self._plain(change.val)
            changes.append(ObjectChange(str(update.kind), self._ref(update.obj), props, tuple(removed)))
        return changes

    def _log_skipped(self, mirror: InventoryMirror) -> None:
        if mirror.skipped:
            log.info("%s: skipped %d inventory objects with malformed references", self.host, mirror.skipped)
            mirror.skipped = 0

    # ------------------------------------------------------------------------------------------------ tickets
    async def webmks_ticket(self, vm: str) -> WebMksTicket:
        """``VirtualMachine.AcquireTicket("webmks")`` as a validated WEBMKS ticket (``wss://host:port/ticket/…``)."""

        def acquire() -> WebMksTicket:
            ticket = self._vm(vm).AcquireTicket("webmks")
            self.requests += 1
            host, port, secret = ticket.host, ticket.port, ticket.ticket
            if not isinstance(host, str) or not host:
                host = self.host  # vCenter leaves host unset when the ticket is for the host it runs on
            url_host = f"[{host}]" if ":" in host else host
            url = f"wss://{url_host}:{port or 443}/ticket/{secret}"
            thumbprint = None
            if isinstance(ticket.sslThumbprint, str) and ticket.sslThumbprint:
                try:
                    thumbprint = normalize_fingerprint(ticket.sslThumbprint)
                except ValueError:
                    thumbprint = None
            return WebMksTicket(validate_ticket(url, ConsoleType.WEBMKS, vm=vm, vcenter_host=self.host), thumbprint)

        return await self._call(acquire, Operation.TICKET)

    async def vmrc_ticket(self, vm: str) -> ConsoleTicket:
        """``SessionManager.AcquireCloneTicket()`` as ``vmrc://clone:<ticket>@<vcenter>/?moid=<vm>``."""

        def acquire() -> ConsoleTicket:
            self._check_vm_id(vm)
            ticket = self._content.sessionManager.AcquireCloneTicket()
            self.requests += 1
            host = f"[{self.host}]" if ":" in self.host else self.host
            port = "" if self.port == 443 else f":{self.port}"
            url = f"vmrc://clone:{ticket}@{host}{port}/?moid={vm}"
            return validate_ticket(url, ConsoleType.VMRC, vm=vm, vcenter_host=self.host)

        return await self._call(acquire, Operation.TICKET)

    async def power(self, vm: str, action: PowerAction) -> None:
        """Start a power task and wait for it (bounded by the deadline)."""

        def run() -> None:
            task = getattr(self._vm(vm), _POWER_METHODS[action])()
            self.requests += 1
            deadline = time.monotonic() + self.timeout_s
            while time.monotonic() < deadline:
                info = task.info
                self.requests += 1
                if info.state == "success":
                    return
                if info.state == "error":
                    raise info.error
                time.sleep(0.2)
            raise TimeoutError

        await self._call(run, Operation.POWER)

    def _vm(self, vm: str) -> Any:
        self._check_vm_id(vm)
        return self._vim.VirtualMachine(vm, self._stub)

    @staticmethod
    def _check_vm_id(vm: str) -> None:
        if valid_ref(("VirtualMachine", vm)) is None:
            raise ValueError("not a VM id")

    # ------------------------------------------------------------------------------------------------ plumbing
    def _login(self) -> None:
        """Import pyvmomi (first time), open the stub under the trust rules, and log in. Worker thread."""
        pyvmomi: Any = importlib.import_module("pyVmomi")  # typed loosely: its stubs disagree with its runtime
        vim, vmodl = pyvmomi.vim, pyvmomi.vmodl
        self._vim, self._vmodl = vim, vmodl
        self._managed_object = pyvmomi.VmomiSupport.ManagedObject
        context = soap_ssl_context(self.trust, self.host, self.port)
        stub = pyvmomi.SoapStubAdapter(
            host=self.host,
            port=self.port,
            version=API_VERSION,
            sslContext=context,
            acceptCompressedResponses=False,
            httpConnectionTimeout=self.timeout_s,
            poolSize=4,
        )
        stub.scheme = bounded_connection_class(self.max_answer_mb * 1024 * 1024, self._live)
        content = vim.ServiceInstance("ServiceInstance", stub).RetrieveContent()
        content.sessionManager.Login(self.username, self._password.reveal())
        self.requests += 2
        with self._lock:
            self._stub, self._content = stub, content

    def _logout(self) -> None:
        self._content.sessionManager.Logout()
        self.requests += 1

    async def _call(self, fn: Callable[[], T], operation: Operation) -> T:
        """Run ``fn`` on a worker under the overall deadline; a deadline interrupts its sockets."""
        try:
            return await asyncio.wait_for(self._submit(fn, operation), self.timeout_s)
        except TimeoutError:
            self._live.interrupt()
            raise RequestTimeout(
                f"{self.host} did not finish answering within {self.timeout_s:g} s (SOAP). The server may be "
                "overloaded or the network slow; try again.",
                host=self.host,
                phase="read",
                timeout_s=self.timeout_s,
            ) from None

    async def _submit(self, fn: Callable[[], T], operation: Operation) -> T:
        if self._closed and operation is not Operation.LOGOUT:
            raise ConnectionDropped(f"The SOAP connection to {self.host} is closed.", host=self.host)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._guarded, fn, operation)

    def _guarded(self, fn: Callable[[], T], operation: Operation) -> T:
        try:
            return fn()
        except SoapMethodMissing:
            raise
        except BaseException as exc:  # every failure becomes a typed error for the caller
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            raise translate(
                exc,
                vmodl=self._vmodl,
                host=self.host,
                port=self.port,
                trust=self.trust,
                operation=operation,
                timeout_s=self.timeout_s,
                limit_mb=self.max_answer_mb,
            ) from None
