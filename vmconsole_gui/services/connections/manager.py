"""``ConnectionManager``: every vCenter profile's connection, inventory and VM actions for the UI (no Qt).

Connecting a profile: the password comes from the :class:`CredentialStore` (keyring, or memory-only); a password
given to :meth:`ConnectionManager.connect` is tried first and saved only after the server accepted it. A rejected
*saved* password is kept (a lockout or a server-side glitch must not make the user retype a correct password), but
it is not tried again automatically in this session: the profile asks for the password (``NEEDS_PASSWORD``) until
one is entered. The client trusts the OS store, the optional extra CA and the :class:`PinStore` pins as they are when
it is built (a client copies pins, so accepting a certificate rebuilds it).

After login the placement listing (``client.inventory()``) is published with ``inventory_replaced(stale=False)`` and
cached; enrichment (:mod:`.enrich`) then runs in the background and its changes arrive through ``vms_updated`` in
batches (at most every :data:`BATCH_INTERVAL_S`). User actions (power, details, console tickets) pass enrichment
through the profile's :class:`UserFirst` gate. A keep-alive touches the session every ``keepalive_s``; session
expiry itself is handled inside the client (one transparent re-login). When the server is lost (refresh or
keep-alive fails, a user action finds it unreachable) the state becomes ``ERROR`` and the last inventory is
re-published as stale. No password, session id or ticket ever reaches a log, a state message or the cache.

The event loop is the GUI thread (qasync), so O(N) work on a large inventory stays off it: records are built and the
cache is encoded/decoded in worker threads, enrichment's folder changes are applied in chunks, and a large listing
freezes the heap (:func:`gc.freeze`, see :func:`~vmconsole_gui.services.heap.freeze_heap_if_large`) so full
garbage collections stay short.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from vmconsole_gui.services.heap import freeze_heap_if_large
from vmconsole_gui.services.settings.credentials import CredentialStore, Secret
from vmconsole_gui.services.settings.model import ConnectionProfile
from vmconsole_gui.services.settings.pins import Pin, PinKind, PinScope, PinStore
from vmconsole_gui.services.settings.profiles import ProfileNotFoundError, ProfileStore
from vmconsole_gui.vsphere.client import VSphereClient
from vmconsole_gui.vsphere.errors import (
    AlreadyInDesiredState,
    ApiError,
    CertificateUntrusted,
    ConsoleTicketsUnsupported,
    LoginFailed,
    PinMismatch,
    RequestTimeout,
    TransportError,
    VSphereError,
)
from vmconsole_gui.vsphere.models import ConsoleType, PowerAction, PowerState
from vmconsole_gui.vsphere.network_thread import shared_network_thread
from vmconsole_gui.vsphere.redaction import Secret as WireSecret
from vmconsole_gui.vsphere.soap.client import SoapClient
from vmconsole_gui.vsphere.tickets import ConsoleTicket
from vmconsole_gui.vsphere.tls import CertificateInfo, TrustSettings

if TYPE_CHECKING:  # inventory_cache imports .records, which imports this package: no runtime import here
    from vmconsole_gui.services.inventory_cache import InventoryCache

from .enrich import Changes, Enricher, guest_changes, info_changes
from .priority import UserFirst
from .records import (
    ConnectionEvents,
    ConnectionState,
    ConnectionStatus,
    VmDetails,
    VmRecord,
    listing_records,
)
from .soap_path import INVENTORY_VIA_REST, INVENTORY_VIA_SOAP, SoapPath

__all__ = ["BATCH_INTERVAL_S", "ConnectionManager", "NotConnected"]

log = logging.getLogger(__name__)
T = TypeVar("T")

BATCH_INTERVAL_S = 0.2
"""How long enrichment changes are collected before one ``vms_updated`` call."""
_LOGOUT_TIMEOUT_S = 5.0


class NotConnected(VSphereError):
    """The profile has no live connection (never connected, failed, disconnected); ``user_message`` says so."""


@dataclass(eq=False)
class _Entry:
    """Everything the manager keeps for one profile."""

    profile: ConnectionProfile
    state: ConnectionState
    gate: UserFirst
    records: dict[str, VmRecord] = field(default_factory=dict)
    stale: bool = True
    client: VSphereClient | None = None
    datacenter_ids: tuple[str, ...] = ()
    job: asyncio.Task[None] | None = None
    enrich_task: asyncio.Task[None] | None = None
    keepalive_task: asyncio.Task[None] | None = None
    soap: SoapPath | None = None
    """The PropertyCollector path when the vCenter offers ``/sdk`` (else None: REST listing + enrichment)."""
    watch_task: asyncio.Task[None] | None = None
    tickets_via_soap: bool = False
    """REST had no console tickets here (vCenter before 7.0 U1) but SOAP had: ask SOAP first from now on."""
    side_tasks: set[asyncio.Task[None]] = field(default_factory=set)
    stored_rejected: bool = False
    trust_password: tuple[Secret, bool] | None = None
    """A typed password (and ``remember``) kept while the user decides about a certificate; never persisted."""


_Failure = tuple[ConnectionStatus, str, CertificateInfo | None, bool]


def _failure(profile: ConnectionProfile, exc: VSphereError) -> _Failure:
    """State for a failed connection: status, message, certificate, pin_changed."""
    if isinstance(exc, LoginFailed):
        return ConnectionStatus.NEEDS_PASSWORD, exc.user_message, None, False
    if isinstance(exc, PinMismatch):
        seen = exc.seen
        message = (
            f"The certificate of {profile.host}:{profile.port} has CHANGED since you trusted it. This can mean someone "
            "is intercepting the connection (or the vCenter certificate was replaced). Nothing was sent to the server. "
            f"Trust the new certificate only if your vSphere administrator confirms its SHA-256 fingerprint "
            f"{seen.sha256_display}."
        )
        return ConnectionStatus.NEEDS_TRUST, message, seen, True
    if isinstance(exc, CertificateUntrusted):
        return ConnectionStatus.NEEDS_TRUST, exc.user_message, exc.certificate, False
    return ConnectionStatus.ERROR, exc.user_message, None, False


def _load_cached(cache: InventoryCache, profile: ConnectionProfile) -> dict[str, VmRecord] | None:
    """The cached records of ``profile`` by VM id, named after its current name (blocking: run in a thread)."""
    records = cache.load(profile.id)
    if not records:
        return None
    if records[0].vcenter != profile.name:
        records = [dataclasses.replace(r, vcenter=profile.name) for r in records]
    return {r.vm_id: r for r in records}


def _renamed(records: dict[str, VmRecord], vcenter: str) -> dict[str, VmRecord]:
    """``records`` with ``vcenter`` set (blocking: O(N) ``dataclasses.replace``; run in a thread)."""
    return {k: dataclasses.replace(r, vcenter=vcenter) for k, r in records.items()}


class ConnectionManager:
    """Connections to every saved vCenter profile, their VM inventories and the VM actions (see module docstring).

    Args:
        profiles: the saved connection profiles.
        credentials: passwords (keyring or memory-only).
        pins: trusted certificates; ``accept_certificate`` adds to it.
        events: the UI's callbacks (called on this event loop).
        cache: where the last inventory of each profile is kept (None: no cache).
        extra_ca_pem: an extra CA (PEM) every client trusts besides the OS store.
        enrich_concurrency: how many enrichment requests run at once per profile.
        client_factory: builds a :class:`VSphereClient` (tests pass shorter timeouts); it is called as
            ``factory(host, username, password, port=…, pins=…, extra_ca_pem=…, max_concurrency=…, network=…)``.
        keepalive_s: seconds between session keep-alives while connected.
        soap_factory: builds the :class:`SoapClient` of the PropertyCollector path (None: REST listing only); called
            as ``factory(host, port, trust, username, password)``.

    """

    def __init__(
        self,
        profiles: ProfileStore,
        credentials: CredentialStore,
        pins: PinStore,
        events: ConnectionEvents,
        *,
        cache: InventoryCache | None = None,
        extra_ca_pem: str | None = None,
        enrich_concurrency: int = 8,
        client_factory: Callable[..., VSphereClient] = VSphereClient,
        keepalive_s: float = 600.0,
        soap_factory: Callable[..., SoapClient] | None = SoapClient,
    ) -> None:
        if enrich_concurrency < 1:
            raise ValueError("enrich_concurrency must be at least 1")
        if keepalive_s <= 0:
            raise ValueError("keepalive_s must be a positive number of seconds")
        self._profiles = profiles
        self._credentials = credentials
        self._pins = pins
        self._events = events
        self._cache = cache
        self._extra_ca_pem = extra_ca_pem
        self._enrich_concurrency = enrich_concurrency
        self._client_factory = client_factory
        self._keepalive_s = keepalive_s
        self._soap_factory = soap_factory
        self._entries: dict[str, _Entry] = {}
        self._pending: dict[tuple[str, str], VmRecord] = {}
        self._flush_handle: asyncio.TimerHandle | None = None
        self._closed = False

    # ------------------------------------------------------------------------------------------------ queries
    def state(self, profile_id: str) -> ConnectionState:
        """The current state of ``profile_id`` (``IDLE`` for a profile the manager has not touched yet)."""
        entry = self._entries.get(profile_id)
        return entry.state if entry is not None else ConnectionState(profile_id, ConnectionStatus.IDLE)

    def records(self, profile_id: str | None = None) -> list[VmRecord]:
        """The VMs of one profile, or of every profile when None (live or cached)."""
        if profile_id is None:
            entries = list(self._entries.values())
        else:
            entry = self._entries.get(profile_id)
            entries = [entry] if entry is not None else []
        return [record for entry in entries for record in entry.records.values()]

    def client(self, profile_id: str) -> VSphereClient | None:
        """The logged-in client of a connected profile, else None."""
        entry = self._entries.get(profile_id)
        if entry is None or entry.state.status is not ConnectionStatus.CONNECTED:
            return None
        return entry.client

    # --------------------------------------------------------------------------------------------- lifecycle
    async def start(self) -> None:
        """Publish every cached inventory at once (``stale=True``), then connect every profile concurrently.

        Returns when every profile has settled (connected, or waiting for a password/trust, or failed); run it as a
        task to keep the start-up snappy.
        """
        profiles = self._profiles.list()
        for profile in profiles:
            self._entry(profile.id)
        if self._cache is not None:
            cache = self._cache
            loaded = await asyncio.gather(*(asyncio.to_thread(_load_cached, cache, p) for p in profiles))
            for profile, records in zip(profiles, loaded, strict=True):
                entry = self._entries.get(profile.id)
                if not records or entry is None or entry.records:
                    continue
                entry.records = records
                entry.stale = True
                entry.state = dataclasses.replace(entry.state, vm_count=len(records))
                self._emit("inventory_replaced", profile.id, list(records.values()), True)
        await self.connect_all()

    async def connect_all(self) -> None:
        """Connect every profile concurrently; one failing profile never blocks or breaks the others."""
        profiles = self._profiles.list()
        results = await asyncio.gather(*(self.connect(p.id) for p in profiles), return_exceptions=True)
        for profile, result in zip(profiles, results, strict=True):
            if isinstance(result, Exception):
                log.error("connecting %s failed unexpectedly", profile.name, exc_info=result)

    async def aclose(self) -> None:
        """Stop every task, log out of every vCenter and close the connections."""
        self._closed = True
        entries = list(self._entries.values())
        await asyncio.gather(*(self._cancel(e.job) for e in entries))
        await asyncio.gather(*(self._drop_client(e) for e in entries))
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        self._pending.clear()

    # -------------------------------------------------------------------------------------------- connecting
    async def connect(self, profile_id: str, *, password: str | None = None, remember: bool = True) -> ConnectionState:
        """Connect (or reconnect) ``profile_id`` and list its VMs; returns the resulting state.

        ``password``: try this one instead of the saved one; it is saved only after a successful login (in the
        keyring when ``remember``, else in memory for this session). Raises ProfileNotFoundError for an unknown id.
        A later ``connect``/``disconnect`` of the same profile supersedes this one (it then returns that state).
        """
        entry = self._entry(profile_id)
        secret = None if password is None else (Secret(password), remember)
        await self._run_job(entry, self._connect_job(entry, secret))
        return entry.state

    async def accept_certificate(self, profile_id: str, scope: PinScope) -> ConnectionState:
        """Trust the certificate shown by ``NEEDS_TRUST`` (``ONCE``: this session; ``ALWAYS``: saved), then reconnect.

        Raises ValueError when the profile is not waiting for a trust decision.
        """
        entry = self._entry(profile_id)
        cert = entry.state.certificate
        if entry.state.status is not ConnectionStatus.NEEDS_TRUST or cert is None:
            raise ValueError("There is no certificate waiting to be trusted for this connection.")
        pin = Pin.create(sha256=cert.sha256, sha1=cert.sha1, subject=cert.subject, kind=PinKind.VCENTER)
        await self._pins.pin_async(entry.profile.host, entry.profile.port, pin, scope)
        log.info("%s: certificate %s trusted (%s)", entry.profile.name, cert.sha256_display, scope.value)
        typed, entry.trust_password = entry.trust_password, None
        await self._run_job(entry, self._connect_job(entry, typed))
        return entry.state

    async def refresh(self, profile_id: str | None = None) -> None:
        """List the VMs again (every connected profile when None); the latest refresh of a profile wins.

        A profile that is not connected (and not connecting) is connected instead, which makes this the "retry".
        """
        if profile_id is None:
            targets = [pid for pid, e in self._entries.items() if e.state.status is ConnectionStatus.CONNECTED]
            await asyncio.gather(*(self.refresh(pid) for pid in targets))
            return
        entry = self._entry(profile_id)
        if entry.state.status is ConnectionStatus.CONNECTING and entry.job is not None and not entry.job.done():
            await asyncio.wait({entry.job})
            return
        client = entry.client
        if client is None or entry.state.status is not ConnectionStatus.CONNECTED:
            await self.connect(profile_id)
            return
        await self._run_job(entry, self._refresh_job(entry, client))

    async def disconnect(self, profile_id: str) -> None:
        """Log out and stay ``IDLE``; the VMs stay listed, marked stale."""
        entry = self._entries.get(profile_id)
        if entry is None:
            return
        await self._cancel(entry.job)
        await self._drop_client(entry)
        entry.trust_password = None
        self._set_state(entry, ConnectionStatus.IDLE)
        self._mark_stale(entry)

    async def profile_changed(self, profile_id: str) -> None:
        """Call after adding, editing or removing a profile: (re)connects it, or forgets it and its cache."""
        try:
            profile = self._profiles.get(profile_id)
        except ProfileNotFoundError:
            await self._forget(profile_id)
            return
        entry = self._entries.get(profile_id)
        if entry is not None:
            old = entry.profile
            entry.profile = profile
            if (old.host, old.port, old.username) != (profile.host, profile.port, profile.username):
                await self._cancel(entry.job)
                await self._drop_client(entry)
                entry.records, entry.stale, entry.stored_rejected, entry.trust_password = {}, True, False, None
                entry.state = ConnectionState(profile_id, ConnectionStatus.IDLE)
                self._drop_pending(profile_id)
                if self._cache is not None:
                    await asyncio.to_thread(self._cache.remove, profile_id)
                self._emit("inventory_replaced", profile_id, [], True)
            elif old.name != profile.name and entry.records:
                snapshot = dict(entry.records)
                renamed = await asyncio.to_thread(_renamed, snapshot, profile.name)
                if self._entries.get(profile_id) is not entry:
                    return
                # Records that changed (or appeared) while the thread ran are renamed here, the rest taken as done.
                entry.records = {
                    k: (renamed[k] if snapshot.get(k) is r else dataclasses.replace(r, vcenter=profile.name))
                    for k, r in entry.records.items()
                }
                self._drop_pending(profile_id)
                self._emit("inventory_replaced", profile_id, list(entry.records.values()), entry.stale)
        await self.connect(profile_id)

    # ----------------------------------------------------------------------------------------------- actions
    async def power(self, profile_id: str, vm_id: str, action: PowerAction) -> VmRecord:
        """Run a power action, re-read the power state and return the updated record.

        "Already in that state" counts as success. Raises :class:`NotConnected` or the client's VSphereError (each
        with ``user_message``).
        """
        entry, client = self._live(profile_id)
        action = PowerAction(action)

        async def run() -> PowerState:
            with contextlib.suppress(AlreadyInDesiredState):
                await client.power(vm_id, action)
            return (await client.get_power(vm_id)).state

        state = await self._user_call(entry, run)
        changes: Changes = {"power_state": state.value}
        if state is not PowerState.POWERED_ON:
            changes.update(tools_running=False, ip_address="", guest_host_name="")
        record = await self._ensure_record(entry, client, vm_id)
        record = self._apply(entry, vm_id, changes, immediate=True) or record
        if state is PowerState.POWERED_ON:
            self._spawn_side(entry, self._reenrich(entry, client, vm_id))
        return record

    async def details(self, profile_id: str, vm_id: str) -> VmDetails:
        """Fresh VM info and guest identity for the details pane (the record alone when not connected).

        Raises :class:`NotConnected` when not connected and the VM is unknown, or the client's VSphereError.
        """
        entry = self._entry(profile_id)
        record = entry.records.get(vm_id)
        client = entry.client
        if client is None or entry.state.status is not ConnectionStatus.CONNECTED:
            if record is None:
                raise self._not_connected(entry)
            return VmDetails(record, None, None)
        info = await self._user_call(entry, lambda: client.get_vm(vm_id))
        changes = info_changes(info)
        guest = None
        if info.power_state is PowerState.POWERED_ON:
            try:
                guest = await self._user_call(entry, lambda: client.get_guest_identity(vm_id))
            except ApiError as exc:
                log.info("no guest identity for %s: %s", vm_id, exc.user_message)
            else:
                changes.update(guest_changes(guest, info))
        else:
            changes.update(guest_changes(None, info))
        if record is None:
            record = VmRecord(profile_id, entry.profile.name, vm_id, info.name, info.power_state.value)
            entry.records[vm_id] = record
        updated = self._apply(entry, vm_id, changes, immediate=True) or record
        return VmDetails(updated, info, guest)

    async def console_ticket(self, profile_id: str, vm_id: str, console_type: ConsoleType) -> ConsoleTicket:
        """A fresh, single-use console ticket (ahead of enrichment); use it at once, never log or keep it."""
        entry, client = self._live(profile_id)
        console = ConsoleType(console_type)
        soap = entry.soap
        if soap is not None and entry.tickets_via_soap:
            return await self._user_call(entry, lambda: soap.ticket(vm_id, console))
        try:
            return await self._user_call(entry, lambda: client.create_console_ticket(vm_id, console))
        except ConsoleTicketsUnsupported:
            if soap is None:
                raise
        ticket = await self._user_call(entry, lambda: soap.ticket(vm_id, console))
        entry.tickets_via_soap = True
        log.info("%s: console tickets come from SOAP (this vCenter's REST API has none)", entry.profile.name)
        return ticket

    # ---------------------------------------------------------------------------------------------- internals
    def _entry(self, profile_id: str) -> _Entry:
        profile = self._profiles.get(profile_id)
        entry = self._entries.get(profile_id)
        if entry is None:
            state = ConnectionState(profile_id, ConnectionStatus.IDLE)
            entry = _Entry(profile, state, UserFirst(self._enrich_concurrency))
            self._entries[profile_id] = entry
        else:
            entry.profile = profile
        return entry

    def _live(self, profile_id: str) -> tuple[_Entry, VSphereClient]:
        entry = self._entry(profile_id)
        if entry.client is None or entry.state.status is not ConnectionStatus.CONNECTED:
            raise self._not_connected(entry)
        return entry, entry.client

    @staticmethod
    def _not_connected(entry: _Entry) -> NotConnected:
        p = entry.profile
        why = f" ({entry.state.message})" if entry.state.message else ""
        return NotConnected(f"{p.name} ({p.host}) is not connected{why}. Connect it and try again.", host=p.host)

    async def _user_call(self, entry: _Entry, call: Callable[[], Awaitable[T]]) -> T:
        """Run a user action ahead of background work; a lost server or rejected re-login updates the state."""
        client = entry.client
        try:
            async with entry.gate.user():
                return await call()
        except (LoginFailed, TransportError) as exc:
            if not isinstance(exc, RequestTimeout) and entry.client is client:
                await self._fail(entry, exc)
            raise

    async def _run_job(self, entry: _Entry, job: Coroutine[Any, Any, None]) -> None:
        """Run a connect/refresh job for ``entry``, superseding (cancelling) the one before."""
        await self._cancel(entry.job)
        task = asyncio.ensure_future(job)
        entry.job = task
        try:
            await asyncio.wait({task})
        except asyncio.CancelledError:
            task.cancel()
            raise
        if not task.cancelled() and task.exception() is not None:
            raise task.exception()  # type: ignore[misc]

    @staticmethod
    async def _cancel(task: asyncio.Task[None] | None) -> None:
        if task is None or task.done() or task is asyncio.current_task():
            return
        task.cancel()
        await asyncio.wait({task})

    async def _connect_job(self, entry: _Entry, typed: tuple[Secret, bool] | None) -> None:
        profile = entry.profile
        await self._drop_client(entry)
        entry.trust_password = None
        self._set_state(entry, ConnectionStatus.CONNECTING)
        if typed is None:
            if entry.stored_rejected:
                self._set_state(
                    entry,
                    ConnectionStatus.NEEDS_PASSWORD,
                    f"The saved password for {profile.username} on {profile.host} was rejected. Enter the password.",
                )
                return
            secret = await self._credentials.get_password(profile)
            if secret is None:
                self._set_state(
                    entry,
                    ConnectionStatus.NEEDS_PASSWORD,
                    f"No password is saved for {profile.username} on {profile.host}. Enter it to connect.",
                )
                return
        else:
            secret = typed[0]
        try:
            client = self._client_factory(
                profile.host,
                profile.username,
                WireSecret(secret.reveal()),
                port=profile.port,
                pins=dict(self._pins.fingerprints),
                extra_ca_pem=self._extra_ca_pem,
                max_concurrency=self._enrich_concurrency + 2,  # headroom so user actions find a free connection
                network=shared_network_thread(),  # HTTP/TLS off the UI's loop: listing 50k VMs must not freeze it
            )
        except ValueError as exc:
            self._set_state(entry, ConnectionStatus.ERROR, f"{profile.name} cannot be used: {exc}")
            return
        try:
            await client.login()
        except VSphereError as exc:
            await self._close_client(client)
            if isinstance(exc, LoginFailed) and typed is None:
                entry.stored_rejected = True
            if isinstance(exc, CertificateUntrusted | PinMismatch) and typed is not None:
                entry.trust_password = typed
            status, message, cert, changed = _failure(profile, exc)
            self._set_state(entry, status, message, certificate=cert, pin_changed=changed)
            self._mark_stale(entry)
            return
        except BaseException:
            await asyncio.shield(self._close_client(client))
            raise
        if self._soap_factory is not None:
            trust = TrustSettings(pins=dict(self._pins.fingerprints), extra_ca_pem=self._extra_ca_pem)
            entry.soap = await SoapPath.open(self._soap_factory, profile, WireSecret(secret.reveal()), trust)
        entry.client = client
        entry.stored_rejected = False
        if typed is not None:
            saved = await self._credentials.set_password(profile, secret, persist=typed[1])
            log.info("%s: password kept %s", profile.name, "in the keyring" if saved else "in memory for this session")
        log.info("%s: connected to %s:%d", profile.name, profile.host, profile.port)
        self._set_state(entry, ConnectionStatus.CONNECTED, refreshing=True)
        entry.keepalive_task = asyncio.ensure_future(self._keepalive(entry, client))
        await self._list(entry, client)

    async def _refresh_job(self, entry: _Entry, client: VSphereClient) -> None:
        await self._cancel(entry.enrich_task)
        await self._cancel(entry.watch_task)
        self._set_state(entry, ConnectionStatus.CONNECTED, refreshing=True)
        await self._list(entry, client)

    async def _list(self, entry: _Entry, client: VSphereClient) -> None:
        profile = entry.profile
        if entry.soap is not None:
            if await self._list_soap(entry, entry.soap):
                return
            await self._drop_soap(entry)
        try:
            inventory = await client.inventory()
        except VSphereError as exc:
            await self._fail(entry, exc)
            return
        # Building 50k records takes ~0.5 s of Python: a worker thread keeps the event loop (the GUI) responsive.
        # The inventory is frozen dataclasses and ``previous`` a snapshot, so nothing is shared mutably.
        previous = dict(entry.records)
        freeze_heap_if_large(len(inventory.vms))
        records = await asyncio.to_thread(listing_records, inventory, profile.id, profile.name, previous)
        entry.datacenter_ids = tuple(dc.datacenter for dc in inventory.datacenters)
        self._install_records(entry, records)
        self._set_state(entry, ConnectionStatus.CONNECTED, vm_count=len(records), via=INVENTORY_VIA_REST)
        freeze_heap_if_large(len(records))
        await self._save_cache(entry)
        entry.enrich_task = asyncio.ensure_future(self._enrich(entry, client))

    async def _list_soap(self, entry: _Entry, soap: SoapPath) -> bool:
        """List through the PropertyCollector and start its update stream; False to fall back to REST."""
        await self._cancel(entry.watch_task)
        try:
            records = await soap.snapshot()
        except VSphereError as exc:
            log.info("%s: PropertyCollector listing failed (%s); using REST", entry.profile.name, exc.user_message)
            return False
        freeze_heap_if_large(len(records))
        self._install_records(entry, records)
        self._set_state(entry, ConnectionStatus.CONNECTED, vm_count=len(records), via=INVENTORY_VIA_SOAP)
        entry.watch_task = asyncio.ensure_future(self._watch(entry, soap))
        await self._save_cache(entry)
        return True

    def _install_records(self, entry: _Entry, records: dict[str, VmRecord]) -> None:
        entry.records = records
        entry.stale = False
        self._drop_pending(entry.profile.id)
        self._emit("inventory_replaced", entry.profile.id, list(records.values()), False)

    async def _watch(self, entry: _Entry, soap: SoapPath) -> None:
        """Apply WaitForUpdatesEx changes as they come: rows in place, a re-publish when VMs come or go."""

        def changed(records: list[VmRecord]) -> None:
            for record in records:
                self._queue(record)

        def membership(records: dict[str, VmRecord]) -> None:
            self._install_records(entry, records)
            self._set_state(entry, ConnectionStatus.CONNECTED, vm_count=len(records))

        if self._entries.get(entry.profile.id) is entry:
            await soap.watch(entry.records, changed, membership)

    async def _drop_soap(self, entry: _Entry) -> None:
        soap, entry.soap = entry.soap, None
        await self._cancel(entry.watch_task)
        entry.watch_task = None
        if soap is not None:
            await soap.aclose()

    async def _enrich(self, entry: _Entry, client: VSphereClient) -> None:
        enricher = Enricher(client, entry.gate, self._enrich_concurrency)
        records = list(entry.records.values())
        await enricher.run(records, entry.datacenter_ids, lambda vm_id, changes: self._apply(entry, vm_id, changes))
        self._flush()
        await self._save_cache(entry)
        log.debug("%s: enrichment done", entry.profile.name)

    async def _reenrich(self, entry: _Entry, client: VSphereClient, vm_id: str) -> None:
        try:
            changes = await Enricher(client, entry.gate, 1).vm_changes(vm_id, PowerState.POWERED_ON.value)
        except VSphereError as exc:
            log.info("could not refresh the details of %s: %s", vm_id, exc.user_message)
            return
        self._apply(entry, vm_id, changes)

    async def _ensure_record(self, entry: _Entry, client: VSphereClient, vm_id: str) -> VmRecord:
        record = entry.records.get(vm_id)
        if record is None:
            info = await self._user_call(entry, lambda: client.get_vm(vm_id))
            record = VmRecord(entry.profile.id, entry.profile.name, vm_id, info.name, info.power_state.value)
            record = dataclasses.replace(record, **info_changes(info))
            entry.records[vm_id] = record
        return record

    async def _keepalive(self, entry: _Entry, client: VSphereClient) -> None:
        while True:
            await asyncio.sleep(self._keepalive_s)
            try:
                await client.keepalive()
            except VSphereError as exc:
                if entry.client is client:
                    await self._fail(entry, exc)
                return

    async def _fail(self, entry: _Entry, exc: VSphereError) -> None:
        """The connection is lost or refused: drop the client, show why, keep the VMs marked stale."""
        log.info("%s: %s", entry.profile.name, exc.user_message)
        await self._drop_client(entry)
        status, message, cert, changed = _failure(entry.profile, exc)
        self._set_state(entry, status, message, certificate=cert, pin_changed=changed)
        self._mark_stale(entry)

    def _mark_stale(self, entry: _Entry) -> None:
        if entry.records and not entry.stale:
            entry.stale = True
            self._drop_pending(entry.profile.id)
            self._emit("inventory_replaced", entry.profile.id, list(entry.records.values()), True)

    async def _drop_client(self, entry: _Entry) -> None:
        """Stop the profile's background tasks and log its client out."""
        tasks = [entry.enrich_task, entry.keepalive_task, *entry.side_tasks]
        entry.enrich_task = entry.keepalive_task = None
        entry.side_tasks.clear()
        for task in tasks:
            await self._cancel(task)
        await self._drop_soap(entry)
        client, entry.client = entry.client, None
        if client is not None:
            await self._close_client(client)

    @staticmethod
    async def _close_client(client: VSphereClient) -> None:
        try:
            if client.logged_in:
                async with asyncio.timeout(_LOGOUT_TIMEOUT_S):
                    await client.logout()
        except (VSphereError, TimeoutError) as exc:
            log.debug("logout from %s failed: %s", client.host, exc)
        finally:
            await client.aclose()

    async def _forget(self, profile_id: str) -> None:
        entry = self._entries.pop(profile_id, None)
        if entry is not None:
            await self._cancel(entry.job)
            await self._drop_client(entry)
        self._drop_pending(profile_id)
        if self._cache is not None:
            await asyncio.to_thread(self._cache.remove, profile_id)
        self._emit("profile_removed", profile_id)

    def _spawn_side(self, entry: _Entry, job: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(job)
        entry.side_tasks.add(task)
        task.add_done_callback(entry.side_tasks.discard)

    async def _save_cache(self, entry: _Entry) -> None:
        if self._cache is None:
            return
        try:
            await self._cache.save_async(entry.profile.id, list(entry.records.values()))
        except OSError as exc:
            log.info("could not save the inventory cache of %s: %s", entry.profile.name, exc)

    # ------------------------------------------------------------------------------------------------ events
    def _set_state(
        self,
        entry: _Entry,
        status: ConnectionStatus,
        message: str = "",
        *,
        certificate: CertificateInfo | None = None,
        pin_changed: bool = False,
        refreshing: bool = False,
        vm_count: int | None = None,
        via: str | None = None,
    ) -> None:
        count = vm_count if vm_count is not None else entry.state.vm_count
        path = via if via is not None else (entry.state.inventory_via if status is ConnectionStatus.CONNECTED else "")
        state = ConnectionState(
            entry.profile.id, status, message, certificate, pin_changed, count, refreshing, inventory_via=path
        )
        if state != entry.state:
            entry.state = state
            log.debug("%s: %s %s", entry.profile.name, status.value, message)
            self._emit("state_changed", state)

    def _apply(self, entry: _Entry, vm_id: str, changes: Changes, *, immediate: bool = False) -> VmRecord | None:
        """Apply ``changes`` to the record held now; publish it (batched unless ``immediate``)."""
        if self._entries.get(entry.profile.id) is not entry:
            return None
        current = entry.records.get(vm_id)
        if current is None:
            return None
        updated = dataclasses.replace(current, **changes)
        key = (entry.profile.id, vm_id)
        if updated == current:
            return current
        entry.records[vm_id] = updated
        if immediate:
            self._pending.pop(key, None)
            self._emit("vms_updated", [updated])
        else:
            self._queue(updated)
        return updated

    def _queue(self, record: VmRecord) -> None:
        """Publish ``record`` with the next batch (at most :data:`BATCH_INTERVAL_S` from now)."""
        self._pending[(record.profile_id, record.vm_id)] = record
        if self._flush_handle is None:
            self._flush_handle = asyncio.get_running_loop().call_later(BATCH_INTERVAL_S, self._flush)

    def _flush(self) -> None:
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        if self._pending:
            batch: Sequence[VmRecord] = list(self._pending.values())
            self._pending.clear()
            self._emit("vms_updated", batch)

    def _drop_pending(self, profile_id: str) -> None:
        for key in [k for k in self._pending if k[0] == profile_id]:
            del self._pending[key]

    def _emit(self, name: str, *args: Any) -> None:
        if self._closed:
            return  # the UI may already be gone: nothing is published after aclose()
        try:
            getattr(self._events, name)(*args)
        except Exception:
            log.exception("the UI's %s handler failed", name)
